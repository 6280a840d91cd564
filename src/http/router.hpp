// The route table of the API: method + path pattern ("/api/v1/residents/{id}")
// -> handler, each with its access rule. dispatch() is the one road every
// request travels: match, authenticate, call the handler, turn an error or an
// unexpected exception into the JSON error shape, record metrics.
// Thread-safe for dispatch once routes are added (routes are added at start-up).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"

namespace firstline::http {

using Handler = std::function<Response(Request&)>;

enum class Access {
  open,           // no token needed (login, health, public pages)
  authenticated,  // a valid session token
};

struct RouteInfo {
  std::string method;
  std::string pattern;
  Access access;
};

/// Maps a bearer token to the caller, or unauthorized.
using Authenticator = std::function<core::Result<core::Principal>(std::string_view token)>;

/// The JSON error response for an Error: {"error": {"code", "message", "field"}}.
Response error_response(const core::Error& error);

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, Access access = Access::authenticated);
  void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }
  /// Serves files under `root` for GET requests that match no route; paths
  /// without a file fall back to index.html of the nearest app ("/m/..." → m/index.html).
  void set_static_root(std::filesystem::path root) { static_root_ = std::move(root); }
  void set_metrics(Metrics* metrics) { metrics_ = metrics; }

  Response dispatch(Request& request) const;
  const std::vector<RouteInfo>& routes() const { return infos_; }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{id}" marks a parameter
    Handler handler;
    Access access;
    std::string pattern;
  };
  const Route* match(Request& request, bool& path_matched) const;
  Response serve_static(const Request& request) const;

  std::vector<Route> routes_;
  std::vector<RouteInfo> infos_;
  Authenticator authenticator_;
  std::filesystem::path static_root_;
  Metrics* metrics_ = nullptr;
};

}  // namespace firstline::http
