// Request and response as the router and every module's routes see them.
// Plain structs: no Boost.Beast type crosses this line.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/principal.hpp"

namespace firstline::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query as sent
  std::string path;                            // percent-decoded path without query
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;                          // peer address
  std::map<std::string, std::string> path_params;  // {id} values of the matched route
  std::optional<core::Principal> principal;    // set by the router for authenticated routes

  /// Header value or "" (name in lower case).
  std::string_view header(const std::string& name) const;
  /// First value of a query parameter.
  std::optional<std::string> query_param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// When set, the server keeps the connection open as a server-sent event
  /// stream of this topic (see EventHub) instead of sending `body`.
  std::optional<std::string> event_topic;
  /// For event streams: which events of the topic this subscriber may see
  /// (given the event's data); empty lets every event through.
  std::function<bool(const std::string& data)> event_filter;
};

/// Decodes %XX and (in queries) '+'. Returns nullopt for malformed escapes.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace firstline::http
