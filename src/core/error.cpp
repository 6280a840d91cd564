#include "core/error.hpp"

namespace firstline::core {

std::string_view error_code_key(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request: return "bad_request";
    case ErrorCode::invalid: return "invalid";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::method_not_allowed: return "method_not_allowed";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::payload_too_large: return "payload_too_large";
    case ErrorCode::unsupported_media: return "unsupported_media_type";
    case ErrorCode::too_many_requests: return "too_many_requests";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

int error_code_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request: return 400;
    case ErrorCode::invalid: return 422;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::method_not_allowed: return 405;
    case ErrorCode::conflict: return 409;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::unsupported_media: return 415;
    case ErrorCode::too_many_requests: return 429;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

}  // namespace firstline::core
