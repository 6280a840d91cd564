#include "people/people_routes.hpp"

#include <charconv>

#include "http/json.hpp"

namespace firstline::people {

namespace json = boost::json;
using http::FieldReader;
using http::path_id;
using http::reply;
using http::reply_page;
using http::reply_status;
using http::Request;
using http::Response;

void tag_invoke(json::value_from_tag, json::value& v, const Building& b) {
  v = json::object{{"id", b.id},
                   {"area_id", b.area_id},
                   {"name", b.name},
                   {"address", b.address},
                   {"kind", b.kind},
                   {"floors", http::or_null(b.floors)},
                   {"latitude", http::or_null(b.latitude)},
                   {"longitude", http::or_null(b.longitude)},
                   {"created_at", core::format_iso8601(b.created_at)},
                   {"updated_at", core::format_iso8601(b.updated_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Household& h) {
  v = json::object{{"id", h.id},
                   {"area_id", h.area_id},
                   {"building_id", http::or_null(h.building_id)},
                   {"address", h.address},
                   {"head_resident_id", http::or_null(h.head_resident_id)},
                   {"phone", http::or_null(h.phone)},
                   {"member_count", h.member_count},
                   {"verified", h.verified_at.has_value()},
                   {"verified_at", http::iso_or_null(h.verified_at)},
                   {"verified_by", http::or_null(h.verified_by)},
                   {"created_at", core::format_iso8601(h.created_at)},
                   {"updated_at", core::format_iso8601(h.updated_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Resident& r) {
  json::array tags;
  for (const auto& t : r.tags) tags.emplace_back(t);
  v = json::object{{"id", r.id},
                   {"area_id", r.area_id},
                   {"household_id", http::or_null(r.household_id)},
                   {"name", r.name},
                   {"document_type", r.document_type},
                   {"id_number", http::or_null(r.id_number)},
                   {"phone", http::or_null(r.phone)},
                   {"birth_date", http::or_null(r.birth_date)},
                   {"sex", http::or_null(r.sex)},
                   {"relation", http::or_null(r.relation)},
                   {"tags", std::move(tags)},
                   {"masked", r.masked},
                   {"verified_at", http::iso_or_null(r.verified_at)},
                   {"created_at", core::format_iso8601(r.created_at)},
                   {"updated_at", core::format_iso8601(r.updated_at)}};
}

namespace {

// PATCH helpers: absent -> nullopt; null -> clear; value -> set.
Change<std::string> change_text(FieldReader& r, const char* key, std::size_t max) {
  if (r.is_null(key)) { r.raw(key); return std::optional<std::string>{}; }
  auto v = r.text(key, {.max_length = max});
  if (!v) return std::nullopt;
  return std::optional<std::string>{*v};
}
Change<std::int64_t> change_int(FieldReader& r, const char* key, std::int64_t min, std::int64_t max) {
  if (r.is_null(key)) { r.raw(key); return std::optional<std::int64_t>{}; }
  auto v = r.integer(key, false, min, max);
  if (!v) return std::nullopt;
  return std::optional<std::int64_t>{*v};
}
Change<double> change_number(FieldReader& r, const char* key, double min, double max) {
  if (r.is_null(key)) { r.raw(key); return std::optional<double>{}; }
  auto v = r.number(key, false, min, max);
  if (!v) return std::nullopt;
  return std::optional<double>{*v};
}

template <class F>
core::Result<std::invoke_result_t<F, const json::object&>> with_body(const Request& req, F parse) {
  auto body = http::parse_object_body(req);
  if (!body) return std::unexpected(body.error());
  return parse(*body);
}

core::Result<Building> parse_building(const json::object& body) {
  FieldReader r(body);
  Building b;
  auto area = r.integer("area_id", true, 1);
  auto name = r.text("name", {.required = true, .max_length = 100});
  auto address = r.text("address", {.required = true, .max_length = 200});
  b.kind = r.text("kind", {.max_length = 20}).value_or("residential");
  b.floors = r.integer("floors", false, 1, 200);
  b.latitude = r.number("latitude", false, -90, 90);
  b.longitude = r.number("longitude", false, -180, 180);
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  b.area_id = *area;
  b.name = *name;
  b.address = *address;
  return b;
}

core::Result<BuildingPatch> parse_building_patch(const json::object& body) {
  FieldReader r(body);
  BuildingPatch p;
  p.name = r.text("name", {.max_length = 100});
  p.address = r.text("address", {.max_length = 200});
  p.kind = r.text("kind", {.max_length = 20});
  p.floors = change_int(r, "floors", 1, 200);
  p.latitude = change_number(r, "latitude", -90, 90);
  p.longitude = change_number(r, "longitude", -180, 180);
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  return p;
}

core::Result<Household> parse_household(const json::object& body) {
  FieldReader r(body);
  Household h;
  auto area = r.integer("area_id", false, 1);
  h.building_id = r.integer("building_id", false, 1);
  auto address = r.text("address", {.required = true, .max_length = 200});
  h.phone = r.text("phone", {.max_length = 30});
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  if (!area && !h.building_id) return core::invalid("area_id", "area_id or building_id is required");
  h.area_id = area.value_or(0);
  h.address = *address;
  return h;
}

core::Result<HouseholdPatch> parse_household_patch(const json::object& body) {
  FieldReader r(body);
  HouseholdPatch p;
  p.address = r.text("address", {.max_length = 200});
  p.building_id = change_int(r, "building_id", 1, INT64_MAX);
  p.head_resident_id = change_int(r, "head_resident_id", 1, INT64_MAX);
  p.phone = change_text(r, "phone", 30);
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  return p;
}

core::Result<Resident> parse_resident(const json::object& body) {
  FieldReader r(body);
  Resident x;
  auto area = r.integer("area_id", false, 1);
  x.household_id = r.integer("household_id", false, 1);
  auto name = r.text("name", {.required = true, .max_length = 50});
  x.document_type = r.text("document_type", {.max_length = 30}).value_or("resident_id");
  x.id_number = r.text("id_number", {.max_length = 32});
  x.phone = r.text("phone", {.max_length = 30});
  x.birth_date = r.text("birth_date", {.max_length = 10});
  x.sex = r.text("sex", {.max_length = 1});
  x.relation = r.text("relation", {.max_length = 20});
  x.tags = r.text_list("tags").value_or(std::vector<std::string>{});
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  if (!area && !x.household_id) return core::invalid("area_id", "area_id or household_id is required");
  x.area_id = area.value_or(0);
  x.name = *name;
  return x;
}

core::Result<ResidentPatch> parse_resident_patch(const json::object& body) {
  FieldReader r(body);
  ResidentPatch p;
  p.name = r.text("name", {.max_length = 50});
  p.document_type = r.text("document_type", {.max_length = 30});
  p.id_number = change_text(r, "id_number", 32);
  p.phone = change_text(r, "phone", 30);
  p.birth_date = change_text(r, "birth_date", 10);
  p.sex = change_text(r, "sex", 1);
  p.relation = change_text(r, "relation", 20);
  p.household_id = change_int(r, "household_id", 1, INT64_MAX);
  p.area_id = r.integer("area_id", false, 1);
  p.tags = r.text_list("tags");
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  return p;
}

core::Result<std::optional<bool>> query_bool(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<bool>{};
  if (*v == "true" || *v == "1") return std::optional<bool>{true};
  if (*v == "false" || *v == "0") return std::optional<bool>{false};
  return core::invalid(name, name + " must be true or false");
}

}  // namespace

void add_people_routes(http::Router& router, PeopleService& s) {
  // ---- buildings ----
  router.add("GET", "/api/v1/buildings", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "kind", "q", "limit", "cursor"}); !st) return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req));
    FL_TRY(area, http::query_int(req, "area_id"));
    BuildingQuery q;
    q.limit = page->limit;
    if (page->cursor) {
      FL_TRY(after, http::parse_id(*page->cursor, "cursor"));
      q.after_id = *after;
    }
    q.area_id = *area;
    if (auto k = req.query_param("kind"); k && !k->empty()) q.kind = *k;
    if (auto t = req.query_param("q"); t && !t->empty()) q.q = *t;
    return reply_page(s.list_buildings(*req.principal, q));
  });
  router.add("POST", "/api/v1/buildings", [&s](Request& req) -> Response {
    FL_TRY(in, with_body(req, parse_building));
    if (!*in) return http::error_response(in->error());
    return reply(s.create_building(*req.principal, **in), 201);
  });
  router.add("GET", "/api/v1/buildings/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.get_building(*req.principal, *id));
  });
  router.add("PATCH", "/api/v1/buildings/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(patch, with_body(req, parse_building_patch));
    if (!*patch) return http::error_response(patch->error());
    return reply(s.update_building(*req.principal, *id, **patch));
  });
  router.add("DELETE", "/api/v1/buildings/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply_status(s.delete_building(*req.principal, *id));
  });

  // ---- households ----
  router.add("GET", "/api/v1/households", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "building_id", "verified", "q", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req));
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(building, http::query_int(req, "building_id"));
    FL_TRY(verified, query_bool(req, "verified"));
    HouseholdQuery q;
    q.limit = page->limit;
    if (page->cursor) {
      FL_TRY(after, http::parse_id(*page->cursor, "cursor"));
      q.after_id = *after;
    }
    q.area_id = *area;
    q.building_id = *building;
    q.verified = *verified;
    if (auto t = req.query_param("q"); t && !t->empty()) q.q = *t;
    return reply_page(s.list_households(*req.principal, q));
  });
  router.add("POST", "/api/v1/households", [&s](Request& req) -> Response {
    FL_TRY(in, with_body(req, parse_household));
    if (!*in) return http::error_response(in->error());
    return reply(s.create_household(*req.principal, **in), 201);
  });
  router.add("GET", "/api/v1/households/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.get_household(*req.principal, *id));
  });
  router.add("PATCH", "/api/v1/households/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(patch, with_body(req, parse_household_patch));
    if (!*patch) return http::error_response(patch->error());
    return reply(s.update_household(*req.principal, *id, **patch));
  });
  router.add("DELETE", "/api/v1/households/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply_status(s.delete_household(*req.principal, *id));
  });
  router.add("POST", "/api/v1/households/{id}/verify", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    bool verified = true;
    if (!req.body.empty()) {
      FL_TRY(body, http::parse_object_body(req));
      FieldReader r(*body);
      auto v = r.boolean("verified");
      if (auto st = r.finish(); !st) return http::error_response(st.error());
      verified = v.value_or(true);
    }
    return reply(s.verify_household(*req.principal, *id, verified));
  });

  // ---- residents ----
  router.add("GET", "/api/v1/residents", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "household_id", "building_id", "tag", "sex", "age_min",
                                                "age_max", "verified", "q", "reveal", "limit", "cursor"});
        !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req));
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(household, http::query_int(req, "household_id"));
    FL_TRY(building, http::query_int(req, "building_id"));
    FL_TRY(verified, query_bool(req, "verified"));
    FL_TRY(reveal, query_bool(req, "reveal"));
    ResidentQuery q;
    q.limit = page->limit;
    if (page->cursor) {
      FL_TRY(after, http::parse_id(*page->cursor, "cursor"));
      q.after_id = *after;
    }
    q.area_id = *area;
    q.household_id = *household;
    q.building_id = *building;
    q.verified = *verified;
    q.reveal = reveal->value_or(true);
    if (auto t = req.query_param("tag"); t && !t->empty()) q.tag = *t;
    if (auto t = req.query_param("sex"); t && !t->empty()) {
      if (*t != "M" && *t != "F") return http::error_response({core::ErrorCode::invalid, "sex must be M or F", "sex"});
      q.sex = *t;
    }
    for (const char* key : {"age_min", "age_max"}) {
      auto v = req.query_param(key);
      if (!v || v->empty()) continue;
      int n = -1;
      auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || end != v->data() + v->size()) n = -1;
      if (n < 0 || n > 150) return http::error_response({core::ErrorCode::invalid, std::string(key) + " must be 0..150", key});
      (std::string_view(key) == "age_min" ? q.age_min : q.age_max) = n;
    }
    if (auto t = req.query_param("q"); t && !t->empty()) {
      if (t->size() > 50) return http::error_response({core::ErrorCode::invalid, "q is longer than 50 characters", "q"});
      q.q = *t;
    }
    return reply_page(s.list_residents(*req.principal, q));
  });
  router.add("POST", "/api/v1/residents", [&s](Request& req) -> Response {
    FL_TRY(in, with_body(req, parse_resident));
    if (!*in) return http::error_response(in->error());
    return reply(s.create_resident(*req.principal, **in), 201);
  });
  router.add("GET", "/api/v1/residents/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(reveal, query_bool(req, "reveal"));
    return reply(s.get_resident(*req.principal, *id, reveal->value_or(true)));
  });
  router.add("PATCH", "/api/v1/residents/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(patch, with_body(req, parse_resident_patch));
    if (!*patch) return http::error_response(patch->error());
    return reply(s.update_resident(*req.principal, *id, **patch));
  });
  router.add("DELETE", "/api/v1/residents/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply_status(s.delete_resident(*req.principal, *id));
  });
}

}  // namespace firstline::people
