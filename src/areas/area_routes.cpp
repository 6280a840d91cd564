#include "areas/area_routes.hpp"

#include "http/json.hpp"

namespace firstline::areas {

namespace json = boost::json;
using http::Request;
using http::Response;

void tag_invoke(json::value_from_tag, json::value& v, const AreaCounts& c) {
  v = json::object{{"grids", c.grids},
                   {"buildings", c.buildings},
                   {"households", c.households},
                   {"households_verified", c.households_verified},
                   {"residents", c.residents}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Area& a) {
  json::object o;
  o["id"] = a.id;
  o["code"] = a.code;
  o["local_code"] = http::or_null(a.local_code);
  o["name"] = a.name;
  o["level"] = core::area_level_key(a.level);
  o["parent_id"] = http::or_null(a.parent_id);
  o["path"] = a.path;
  if (a.boundary) {
    json::error_code ec;
    auto parsed = json::parse(*a.boundary, ec);
    o["boundary"] = ec ? json::value(nullptr) : std::move(parsed);
  } else {
    o["boundary"] = nullptr;
  }
  o["responsible"] = http::or_null(a.responsible);
  o["phone"] = http::or_null(a.phone);
  o["created_at"] = core::format_iso8601(a.created_at);
  o["updated_at"] = core::format_iso8601(a.updated_at);
  v = std::move(o);
}

namespace {

// A boundary arrives as a JSON object; it is stored as its text.
std::optional<std::string> read_boundary(http::FieldReader& r) {
  const auto* b = r.raw("boundary");
  if (!b) return std::nullopt;
  if (!b->is_object()) {
    r.fail("boundary", "boundary must be a GeoJSON object");
    return std::nullopt;
  }
  return json::serialize(*b);
}

core::Result<NewArea> parse_new_area(const json::object& body) {
  http::FieldReader r(body);
  NewArea a;
  auto code = r.text("code", {.required = true, .max_length = 15});
  auto name = r.text("name", {.required = true, .max_length = 100});
  auto level = r.text("level", {.required = true, .max_length = 20});
  a.parent_id = r.integer("parent_id", false, 1);
  a.local_code = r.text("local_code", {.max_length = 40});
  a.boundary = read_boundary(r);
  a.responsible = r.text("responsible", {.max_length = 100});
  a.phone = r.text("phone", {.max_length = 30});
  if (level && !core::parse_area_level(*level)) r.fail("level", "level must be district, street, community or grid");
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  a.code = *code;
  a.name = *name;
  a.level = *core::parse_area_level(*level);
  return a;
}

core::Result<AreaPatch> parse_area_patch(const json::object& body) {
  http::FieldReader r(body);
  AreaPatch p;
  p.name = r.text("name", {.max_length = 100});
  auto optional_text = [&](const char* key, std::size_t max) -> std::optional<std::optional<std::string>> {
    if (r.is_null(key)) {
      r.raw(key);
      return std::optional<std::string>{};
    }
    auto v = r.text(key, {.max_length = max});
    if (!v) return std::nullopt;
    return std::optional<std::string>{*v};
  };
  p.local_code = optional_text("local_code", 40);
  p.responsible = optional_text("responsible", 100);
  p.phone = optional_text("phone", 30);
  if (r.is_null("boundary")) {
    r.raw("boundary");
    p.boundary = std::optional<std::string>{};
  } else if (auto b = read_boundary(r)) {
    p.boundary = std::optional<std::string>{*b};
  }
  for (const char* fixed : {"code", "level", "parent_id"}) {
    if (r.has(fixed)) r.fail(fixed, std::string(fixed) + " cannot be changed; create a new area instead");
  }
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  return p;
}

}  // namespace

void add_area_routes(http::Router& router, AreaService& service) {
  router.add("GET", "/api/v1/areas", [&service](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"level", "parent_id", "under_id", "q", "limit", "cursor", "with_counts"}); !st)
      return http::error_response(st.error());
    auto page = http::parse_page_params(req, 100, 1000);
    if (!page) return http::error_response(page.error());
    AreaQuery q;
    q.limit = page->limit;
    q.cursor = page->cursor;
    if (auto level = req.query_param("level"); level && !level->empty()) {
      q.level = core::parse_area_level(*level);
      if (!q.level) return http::error_response({core::ErrorCode::invalid, "level must be district, street, community or grid", "level"});
    }
    auto parent = http::query_int(req, "parent_id");
    if (!parent) return http::error_response(parent.error());
    q.parent_id = *parent;
    auto under = http::query_int(req, "under_id");
    if (!under) return http::error_response(under.error());
    q.under_id = *under;
    if (auto text = req.query_param("q"); text && !text->empty()) q.q = *text;
    q.with_counts = req.query_param("with_counts").value_or("") == "true";
    auto result = service.list(*req.principal, q);
    if (!result) return http::error_response(result.error());
    json::array items;
    std::map<std::int64_t, AreaCounts> counts;
    if (q.with_counts && !result->items.empty()) {
      std::vector<std::int64_t> ids;
      for (const auto& a : result->items) ids.push_back(a.id);
      auto c = service.counts(*req.principal, ids);
      if (!c) return http::error_response(c.error());
      counts = std::move(*c);
    }
    for (const auto& a : result->items) {
      auto v = json::value_from(a);
      if (q.with_counts) v.as_object()["counts"] = json::value_from(counts[a.id]);
      items.push_back(std::move(v));
    }
    return http::list_response(std::move(items), result->next);
  });

  router.add("POST", "/api/v1/areas", [&service](Request& req) -> Response {
    auto body = http::parse_object_body(req);
    if (!body) return http::error_response(body.error());
    auto in = parse_new_area(*body);
    if (!in) return http::error_response(in.error());
    auto area = service.create(*req.principal, *in);
    if (!area) return http::error_response(area.error());
    return http::json_response(json::value_from(*area), 201);
  });

  router.add("GET", "/api/v1/areas/{id}", [&service](Request& req) -> Response {
    auto id = http::parse_id(req.path_params["id"], "id");
    if (!id) return http::error_response({core::ErrorCode::not_found, "no such area"});
    auto area = service.get(*req.principal, *id);
    if (!area) return http::error_response(area.error());
    auto v = json::value_from(*area);
    auto counts = service.counts(*req.principal, {*id});
    if (counts) v.as_object()["counts"] = json::value_from((*counts)[*id]);
    return http::json_response(v);
  });

  router.add("PATCH", "/api/v1/areas/{id}", [&service](Request& req) -> Response {
    auto id = http::parse_id(req.path_params["id"], "id");
    if (!id) return http::error_response({core::ErrorCode::not_found, "no such area"});
    auto body = http::parse_object_body(req);
    if (!body) return http::error_response(body.error());
    auto patch = parse_area_patch(*body);
    if (!patch) return http::error_response(patch.error());
    auto area = service.update(*req.principal, *id, *patch);
    if (!area) return http::error_response(area.error());
    return http::json_response(json::value_from(*area));
  });

  router.add("DELETE", "/api/v1/areas/{id}", [&service](Request& req) -> Response {
    auto id = http::parse_id(req.path_params["id"], "id");
    if (!id) return http::error_response({core::ErrorCode::not_found, "no such area"});
    auto st = service.remove(*req.principal, *id);
    if (!st) return http::error_response(st.error());
    Response r;
    r.status = 204;
    return r;
  });
}

}  // namespace firstline::areas
