// JSON at the edge of the API (Boost.JSON): parsing request bodies into typed
// structs with errors that name the field, and writing responses. Decimals
// are written the way people read them (36.6, not 3.66E1).
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/page.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace firstline::http {

namespace json = boost::json;

/// Serializes a value; doubles use the shortest text that reads back exactly.
std::string to_json_text(const json::value& v);

/// 200 (or `status`) with the value as the body.
Response json_response(const json::value& v, int status = 200);
/// The list shape of the API: {"items": [...], "next": cursor-or-null}.
Response list_response(json::array items, const std::optional<std::string>& next);

/// Parses a request body that must be one JSON object. Fails with bad_request
/// (malformed JSON, not an object, not UTF-8) or unsupported_media (wrong
/// Content-Type).
core::Result<json::object> parse_object_body(const Request& request);
/// The items of a batch body `{"<key>": [...]}` (nothing else in it): 400 for
/// another shape, 413 for more than `max` items, 422 for none; each error
/// names `key`. `noun` is the items' name in the messages ("scans").
core::Result<const json::array*> batch_items(const json::object& body, std::string_view key, std::size_t max,
                                             std::string_view noun);

/// Reads typed fields from a JSON object; the first problem is kept with the
/// field's name. Call finish() last: it also rejects fields nobody read.
///   FieldReader r(body);
///   auto name = r.text("name", {.required = true, .max_length = 64});
///   if (auto st = r.finish(); !st) return st.error();
class FieldReader {
 public:
  struct TextRule {
    bool required = false;
    std::size_t max_length = 200;  // in characters (code points)
    bool allow_empty = false;
  };
  explicit FieldReader(const json::object& object, std::string prefix = {});

  std::optional<std::string> text(std::string_view key, TextRule rule);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false,
                                      std::optional<std::int64_t> min = std::nullopt,
                                      std::optional<std::int64_t> max = std::nullopt);
  std::optional<double> number(std::string_view key, bool required = false,
                               std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> text_list(std::string_view key, bool required = false);
  /// Any JSON value (objects, arrays), left for the caller to check.
  const json::value* raw(std::string_view key, bool required = false);
  /// True when the key is present with an explicit null (PATCH clears a field).
  bool is_null(std::string_view key) const;
  bool has(std::string_view key) const;

  /// Records an error found by the caller for a field (the first one wins).
  void fail(std::string_view key, std::string message);
  bool ok() const { return !error_; }
  /// The first error, or unknown fields as bad_request naming the field.
  core::Status finish();

 private:
  const json::value* lookup(std::string_view key, bool required);
  std::string name(std::string_view key) const { return prefix_ + std::string(key); }

  const json::object& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
  std::optional<core::Error> error_;
};

/// Reads ?limit= (default 50, 1..1000) and ?cursor=; errors name the parameter.
struct PageParams {
  int limit = 50;
  std::optional<std::string> cursor;
};
core::Result<PageParams> parse_page_params(const Request& request, int default_limit = 50, int max_limit = 1000);

/// Reads an integer path or query parameter; fails with invalid/not_found naming it.
core::Result<std::int64_t> parse_id(std::string_view text, std::string_view field);
/// An optional integer query parameter.
core::Result<std::optional<std::int64_t>> query_int(const Request& request, const std::string& name);
/// Rejects query parameters not in `allowed` (bad_request naming the first one).
core::Status check_query_names(const Request& request, std::initializer_list<std::string_view> allowed);

/// 204 No Content.
Response no_content();
/// The value of a result as JSON (`status` on success), or its error.
template <class T>
Response reply(const core::Result<T>& result, int status = 200) {
  if (!result) return error_response(result.error());
  return json_response(json::value_from(*result), status);
}
/// 204 on success, or the error.
Response reply_status(const core::Status& status);
/// A page as the list shape {"items", "next"}, or its error.
template <class T>
Response reply_page(const core::Result<core::Page<T>>& page) {
  if (!page) return error_response(page.error());
  json::array items;
  for (const auto& x : page->items) items.push_back(json::value_from(x));
  return list_response(std::move(items), page->next);
}
/// The {id} of the matched route; not_found when it is not a positive integer.
core::Result<std::int64_t> path_id(Request& request);
/// The ?cursor= of a page as an id (lists ordered by id).
core::Result<std::optional<std::int64_t>> cursor_id(const PageParams& page);

/// Inside a handler: `FL_TRY(x, expr);` declares x = expr and answers its error if it failed.
#define FL_TRY(var, expr) \
  auto var = (expr);      \
  if (!var) return ::firstline::http::error_response(var.error())

/// An instant as ISO 8601 text (core::format_iso8601), and the same or null.
json::value iso(core::Millis t);
json::value iso_or_null(const std::optional<core::Millis>& t);

/// Writes an optional value: null when absent.
template <class T>
json::value or_null(const std::optional<T>& v) {
  if (!v) return nullptr;
  return json::value_from(*v);
}

}  // namespace firstline::http
