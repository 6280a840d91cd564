#include "http/json.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace firstline::http {

namespace {

void write_value(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) { out += "null"; break; }
      if (d == std::floor(d) && std::fabs(d) < 1e15) {
        out += fmt::format("{:.1f}", d);
      } else {
        out += fmt::format("{}", d);
      }
      break;
    }
    case json::kind::string: out += json::serialize(v.get_string()); break;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_value(out, e);
      }
      out.push_back(']');
      break;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out.push_back(':');
        write_value(out, kv.value());
      }
      out.push_back('}');
      break;
    }
  }
}

std::string kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

}  // namespace

std::string to_json_text(const json::value& v) {
  std::string out;
  write_value(out, v);
  return out;
}

Response json_response(const json::value& v, int status) {
  Response r;
  r.status = status;
  r.body = to_json_text(v);
  return r;
}

Response list_response(json::array items, const std::optional<std::string>& next) {
  json::object o;
  o["items"] = std::move(items);
  o["next"] = next ? json::value(*next) : json::value(nullptr);
  return json_response(o);
}

json::value iso(core::Millis t) { return json::value(core::format_iso8601(t)); }

json::value iso_or_null(const std::optional<core::Millis>& t) { return t ? iso(*t) : json::value(nullptr); }

core::Result<const json::array*> batch_items(const json::object& body, std::string_view key, std::size_t max,
                                             std::string_view noun) {
  const std::string field(key);
  auto it = body.find(key);
  if (body.size() != 1 || it == body.end() || !it->value().is_array()) {
    return std::unexpected(core::Error{core::ErrorCode::bad_request, fmt::format("the body is {{\"{}\": [...]}}", key), field});
  }
  const auto& items = it->value().get_array();
  if (items.size() > max) {
    return std::unexpected(
        core::Error{core::ErrorCode::payload_too_large, fmt::format("a batch holds at most {} {}", max, noun), field});
  }
  if (items.empty()) return std::unexpected(core::Error{core::ErrorCode::invalid, fmt::format("the batch holds no {}", noun), field});
  return &items;
}

core::Result<json::object> parse_object_body(const Request& request) {
  const auto ct = request.header("content-type");
  if (!ct.empty() && ct.find("json") == std::string_view::npos) {
    return core::fail(core::ErrorCode::unsupported_media, "send the body as application/json");
  }
  if (!core::is_valid_utf8(request.body)) {
    return core::fail(core::ErrorCode::bad_request, "the body is not valid UTF-8");
  }
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(request.body, ec, {}, opts);
  if (ec) return core::fail(core::ErrorCode::bad_request, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return core::fail(core::ErrorCode::bad_request, "the body must be a JSON object");
  return std::move(v.as_object());
}

FieldReader::FieldReader(const json::object& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

void FieldReader::fail(std::string_view key, std::string message) {
  if (!error_) error_ = core::Error{core::ErrorCode::invalid, std::move(message), name(key)};
}

const json::value* FieldReader::lookup(std::string_view key, bool required) {
  read_.emplace(key);
  auto it = object_.find(json::string_view(key.data(), key.size()));
  if (it == object_.end() || it->value().is_null()) {
    if (required) fail(key, fmt::format("{} is required", name(key)));
    return nullptr;
  }
  return &it->value();
}

bool FieldReader::is_null(std::string_view key) const {
  auto it = object_.find(json::string_view(key.data(), key.size()));
  return it != object_.end() && it->value().is_null();
}

bool FieldReader::has(std::string_view key) const {
  return object_.find(json::string_view(key.data(), key.size())) != object_.end();
}

std::optional<std::string> FieldReader::text(std::string_view key, TextRule rule) {
  const auto* v = lookup(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(key, fmt::format("{} must be a string, not {}", name(key), kind_name(*v)));
    return std::nullopt;
  }
  std::string s(core::trim(std::string_view(v->get_string())));
  if (s.empty() && !rule.allow_empty) {
    if (rule.required) fail(key, fmt::format("{} must not be empty", name(key)));
    return std::nullopt;
  }
  if (core::utf8_length(s) > rule.max_length) {
    fail(key, fmt::format("{} is longer than {} characters", name(key), rule.max_length));
    return std::nullopt;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
      fail(key, fmt::format("{} contains control characters", name(key)));
      return std::nullopt;
    }
  }
  return s;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, bool required, std::optional<std::int64_t> min,
                                                 std::optional<std::int64_t> max) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  std::int64_t n;
  if (v->is_int64()) n = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) n = static_cast<std::int64_t>(v->get_uint64());
  else if (v->is_double() && v->get_double() == std::floor(v->get_double()) && std::fabs(v->get_double()) < 9e15)
    n = static_cast<std::int64_t>(v->get_double());
  else {
    fail(key, fmt::format("{} must be an integer, not {}", name(key), kind_name(*v)));
    return std::nullopt;
  }
  if ((min && n < *min) || (max && n > *max)) {
    fail(key, fmt::format("{} is out of range", name(key)));
    return std::nullopt;
  }
  return n;
}

std::optional<double> FieldReader::number(std::string_view key, bool required, std::optional<double> min,
                                          std::optional<double> max) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    fail(key, fmt::format("{} must be a number, not {}", name(key), kind_name(*v)));
    return std::nullopt;
  }
  const double d = v->to_number<double>();
  if ((min && d < *min) || (max && d > *max)) {
    fail(key, fmt::format("{} is out of range", name(key)));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> FieldReader::boolean(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(key, fmt::format("{} must be true or false, not {}", name(key), kind_name(*v)));
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::vector<std::string>> FieldReader::text_list(std::string_view key, bool required) {
  const auto* v = lookup(key, required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    fail(key, fmt::format("{} must be an array of strings", name(key)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      fail(key, fmt::format("{} must be an array of strings", name(key)));
      return std::nullopt;
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

const json::value* FieldReader::raw(std::string_view key, bool required) { return lookup(key, required); }

core::Status FieldReader::finish() {
  if (error_) return std::unexpected(*error_);
  for (const auto& kv : object_) {
    if (!read_.contains(std::string_view(kv.key()))) {
      return core::fail(core::ErrorCode::bad_request, fmt::format("unknown field {}", name(kv.key())),
                        name(kv.key()));
    }
  }
  return {};
}

Response no_content() {
  Response r;
  r.status = 204;
  return r;
}

Response reply_status(const core::Status& status) { return status ? no_content() : error_response(status.error()); }

core::Result<std::int64_t> path_id(Request& request) {
  auto id = parse_id(request.path_params["id"], "id");
  if (!id) return core::not_found("no such record");
  return *id;
}

core::Result<std::optional<std::int64_t>> cursor_id(const PageParams& page) {
  if (!page.cursor) return std::optional<std::int64_t>{};
  auto id = parse_id(*page.cursor, "cursor");
  if (!id) return std::unexpected(id.error());
  return std::optional<std::int64_t>{*id};
}

core::Result<std::int64_t> parse_id(std::string_view text, std::string_view field) {
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id <= 0) {
    return core::invalid(std::string(field), fmt::format("{} must be a positive integer", field));
  }
  return id;
}

core::Result<std::optional<std::int64_t>> query_int(const Request& request, const std::string& name) {
  auto v = request.query_param(name);
  if (!v || v->empty()) return std::optional<std::int64_t>{};
  auto id = parse_id(*v, name);
  if (!id) return std::unexpected(id.error());
  return std::optional<std::int64_t>{*id};
}

core::Result<PageParams> parse_page_params(const Request& request, int default_limit, int max_limit) {
  PageParams p;
  p.limit = default_limit;
  if (auto l = request.query_param("limit"); l && !l->empty()) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), n);
    if (ec != std::errc() || ptr != l->data() + l->size() || n < 1 || n > max_limit) {
      return core::invalid("limit", fmt::format("limit must be an integer from 1 to {}", max_limit));
    }
    p.limit = n;
  }
  if (auto c = request.query_param("cursor"); c && !c->empty()) p.cursor = *c;
  return p;
}

core::Status check_query_names(const Request& request, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : request.query) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return core::fail(core::ErrorCode::bad_request, fmt::format("unknown query parameter {}", k), k);
  }
  return {};
}

}  // namespace firstline::http
