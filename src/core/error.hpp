// Errors as values: every expected failure (bad input, not found, forbidden,
// conflict) travels as core::Error inside std::expected. The HTTP layer maps
// ErrorCode to a status and the one JSON error shape listed in docs/API.md.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace firstline::core {

enum class ErrorCode {
  bad_request,        // 400: malformed JSON, wrong content, unknown field
  invalid,            // 422: a field fails validation (names the field)
  unauthorized,       // 401: no or expired session token
  forbidden,          // 403: the caller's role or scope does not allow it
  not_found,          // 404
  method_not_allowed, // 405
  conflict,           // 409: duplicate code/username, stale state
  payload_too_large,  // 413
  unsupported_media,  // 415: body that is not JSON / not UTF-8
  too_many_requests,  // 429: e.g. sign-ins refused after repeated failures
  internal,           // 500: never for bad input
};

/// Stable machine-readable key of a code ("invalid", "not_found", ...).
std::string_view error_code_key(ErrorCode code);
/// HTTP status that the API answers for a code.
int error_code_status(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string field;  // empty when the error is not about one field
};

template <class T>
using Result = std::expected<T, Error>;

/// Result of an operation that returns nothing on success.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(field)});
}
inline std::unexpected<Error> invalid(std::string field, std::string message) {
  return fail(ErrorCode::invalid, std::move(message), std::move(field));
}
inline std::unexpected<Error> not_found(std::string message) {
  return fail(ErrorCode::not_found, std::move(message));
}
inline std::unexpected<Error> forbidden(std::string message) {
  return fail(ErrorCode::forbidden, std::move(message));
}
inline std::unexpected<Error> conflict(std::string message, std::string field = {}) {
  return fail(ErrorCode::conflict, std::move(message), std::move(field));
}

}  // namespace firstline::core
