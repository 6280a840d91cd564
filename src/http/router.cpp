#include "http/router.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace firstline::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string_view content_type_for(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".yaml" || ext == ".yml") return "application/yaml";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

std::string_view Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view{} : std::string_view(it->second);
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Response error_response(const core::Error& error) {
  Response r;
  r.status = core::error_code_status(error.code);
  r.body = "{\"error\":{\"code\":\"" + std::string(core::error_code_key(error.code)) + "\",\"message\":\"" +
           json_escape(error.message) + "\"";
  if (!error.field.empty()) r.body += ",\"field\":\"" + json_escape(error.field) + "\"";
  r.body += "}}";
  return r;
}

void Router::add(std::string method, std::string pattern, Handler handler, Access access) {
  infos_.push_back(RouteInfo{method, pattern, access});
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), access, std::move(pattern)});
}

const Router::Route* Router::match(Request& request, bool& path_matched) const {
  const auto segments = split_path(request.path);
  path_matched = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else if (want != segments[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (route.method != request.method && !(request.method == "HEAD" && route.method == "GET")) continue;
    request.path_params = std::move(params);
    return &route;
  }
  return nullptr;
}

Response Router::serve_static(const Request& request) const {
  namespace fs = std::filesystem;
  if (static_root_.empty()) return error_response({core::ErrorCode::not_found, "no such page"});
  std::string rel = request.path;
  if (rel.find("..") != std::string::npos) return error_response({core::ErrorCode::not_found, "no such page"});
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  fs::path file = static_root_ / rel;
  std::error_code ec;
  bool hashed_asset = rel.find("assets/") != std::string::npos;
  if (rel.empty() || fs::is_directory(file, ec)) file /= "index.html";
  if (!fs::is_regular_file(file, ec)) {
    if (hashed_asset || fs::path(rel).has_extension()) {
      return error_response({core::ErrorCode::not_found, "no such file"});
    }
    // A page of a single-page app: its index.html answers.
    file = static_root_ / (rel.rfind("m/", 0) == 0 || rel == "m" ? "m/index.html" : "index.html");
    hashed_asset = false;
    if (!fs::is_regular_file(file, ec)) return error_response({core::ErrorCode::not_found, "no such page"});
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  Response r;
  r.content_type = std::string(content_type_for(file));
  r.body = buf.str();
  r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

Response Router::dispatch(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  bool path_matched = false;
  const Route* route = match(request, path_matched);
  std::string label = route ? route->pattern : "unmatched";
  Response response;
  if (!route) {
    if (path_matched) {
      response = error_response({core::ErrorCode::method_not_allowed,
                                 request.method + " is not allowed on " + request.path});
    } else if (request.path.rfind("/api/", 0) == 0 || (request.method != "GET" && request.method != "HEAD")) {
      response = error_response({core::ErrorCode::not_found, "no such endpoint: " + request.path});
    } else {
      label = "static";
      response = serve_static(request);
    }
  } else {
    bool allowed = true;
    if (route->access == Access::authenticated) {
      const auto auth = request.header("authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer || !authenticator_) {
        response = error_response({core::ErrorCode::unauthorized, "sign in first: send Authorization: Bearer <token>"});
        allowed = false;
      } else {
        try {
          auto principal = authenticator_(auth.substr(kBearer.size()));
          if (!principal) {
            response = error_response(principal.error());
            allowed = false;
          } else {
            request.principal = std::move(*principal);
          }
        } catch (const std::exception& e) {
          spdlog::error("{} {}: authentication failed unexpectedly: {}", request.method, request.path, e.what());
          response = error_response({core::ErrorCode::internal, "the server cannot check the session now; try again"});
          response.status = 503;
          allowed = false;
        }
      }
    }
    if (allowed) {
      try {
        response = route->handler(request);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: unexpected error: {}", request.method, request.path, e.what());
        response = error_response({core::ErrorCode::internal, "internal error; it was logged"});
      }
    }
  }
  if (metrics_) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_->record(request.method, label, response.status, seconds);
  }
  return response;
}

}  // namespace firstline::http
