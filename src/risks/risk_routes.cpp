#include "risks/risk_routes.hpp"

#include <algorithm>

#include "http/json.hpp"

namespace firstline::risks {

namespace json = boost::json;
using http::FieldReader;
using http::iso;
using http::path_id;
using http::reply;
using http::Request;
using http::Response;

namespace {

json::value point_json(const RiskPoint& p, core::Millis now) {
  json::value polygon = nullptr;
  if (p.polygon) {
    json::error_code ec;
    polygon = json::parse(*p.polygon, ec);
    if (ec) polygon = nullptr;
  }
  return json::object{{"id", p.id},
                      {"area_id", p.area_id},
                      {"area_name", p.area_name},
                      {"name", p.name},
                      {"kind", p.kind},
                      {"latitude", http::or_null(p.latitude)},
                      {"longitude", http::or_null(p.longitude)},
                      {"polygon", std::move(polygon)},
                      {"description", p.description},
                      {"likelihood", p.likelihood},
                      {"impact", p.impact},
                      {"rating", p.rating()},
                      {"band", json::string(p.band())},
                      {"owner_name", http::or_null(p.owner_name)},
                      {"owner_phone", http::or_null(p.owner_phone)},
                      {"owner_user_id", http::or_null(p.owner_user_id)},
                      {"inspection_interval_days", p.inspection_interval_days},
                      {"last_inspected_at", p.last_inspected_at ? iso(*p.last_inspected_at) : json::value(nullptr)},
                      {"next_inspection_due", iso(p.next_inspection_due)},
                      {"overdue", p.overdue(now)},
                      {"inspections", p.inspections},
                      {"created_at", iso(p.created_at)},
                      {"updated_at", iso(p.updated_at)}};
}

json::value photo_json(const PhotoInfo& ph, std::int64_t risk_id, std::int64_t inspection_id) {
  return json::object{{"id", ph.id},
                      {"content_type", ph.content_type},
                      {"size", ph.size},
                      {"created_at", iso(ph.created_at)},
                      {"url", "/api/v1/risks/" + std::to_string(risk_id) + "/inspections/" +
                                  std::to_string(inspection_id) + "/photos/" + std::to_string(ph.id)}};
}

json::value inspection_json(const Inspection& i) {
  json::array photos;
  for (const auto& ph : i.photos) photos.push_back(photo_json(ph, i.risk_id, i.id));
  return json::object{{"id", i.id},
                      {"risk_id", i.risk_id},
                      {"inspected_at", iso(i.inspected_at)},
                      {"findings", i.findings},
                      {"near_miss", i.near_miss},
                      {"near_miss_note", http::or_null(i.near_miss_note)},
                      {"likelihood", i.likelihood},
                      {"impact", i.impact},
                      {"rating", i.rating()},
                      {"band", json::string(band_of(i.rating()))},
                      {"previous_likelihood", i.previous_likelihood},
                      {"previous_impact", i.previous_impact},
                      {"previous_rating", rating_of(i.previous_likelihood, i.previous_impact)},
                      {"inspected_by", http::or_null(i.inspected_by)},
                      {"inspected_by_name", i.inspected_by_name},
                      {"created_at", iso(i.created_at)},
                      {"photos", std::move(photos)}};
}

// The polygon arrives as a GeoJSON object and is kept as its text.
std::optional<std::string> read_polygon(FieldReader& r) {
  const auto* v = r.raw("polygon");
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    r.fail("polygon", "polygon must be a GeoJSON Polygon or MultiPolygon object");
    return std::nullopt;
  }
  return json::serialize(*v);
}

int int_or(const std::optional<std::int64_t>& v, int fallback) { return v ? static_cast<int>(*v) : fallback; }

core::Result<std::int64_t> sub_id(Request& req, const char* name) {
  auto id = http::parse_id(req.path_params[name], name);
  if (!id) return core::not_found("no such record");
  return *id;
}

core::Result<std::optional<bool>> query_bool(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<bool>{};
  if (*v == "true" || *v == "1") return std::optional<bool>{true};
  if (*v == "false" || *v == "0") return std::optional<bool>{false};
  return core::invalid(name, name + " must be true or false");
}

}  // namespace

void add_risk_routes(http::Router& router, RiskService& s) {
  router.add("GET", "/api/v1/risks", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(
            req, {"area_id", "kind", "band", "overdue", "likelihood", "impact", "limit", "cursor"});
        !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 50, 500));
    FL_TRY(after, http::cursor_id(*page));
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(overdue, query_bool(req, "overdue"));
    FL_TRY(likelihood, http::query_int(req, "likelihood"));
    FL_TRY(impact, http::query_int(req, "impact"));
    RiskQuery q;
    if (*likelihood) q.likelihood = static_cast<int>(std::clamp<std::int64_t>(**likelihood, 0, 6));
    if (*impact) q.impact = static_cast<int>(std::clamp<std::int64_t>(**impact, 0, 6));
    q.area_id = *area;
    if (auto k = req.query_param("kind"); k && !k->empty()) q.kind = *k;
    if (auto b = req.query_param("band"); b && !b->empty()) q.band = *b;
    q.overdue = *overdue;
    q.after_id = *after;
    q.limit = page->limit;
    FL_TRY(result, s.list(*req.principal, q));
    const auto now = s.now();
    json::array items;
    for (const auto& p : result->items) items.push_back(point_json(p, now));
    return http::list_response(std::move(items), result->next);
  });

  router.add("POST", "/api/v1/risks", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    RiskInput in;
    auto area = r.integer("area_id", true);
    auto name = r.text("name", {.required = true, .max_length = 100});
    auto kind = r.text("kind", {.required = true, .max_length = 32});
    in.latitude = r.number("latitude");
    in.longitude = r.number("longitude");
    in.polygon = read_polygon(r);
    auto description = r.text("description", {.max_length = 2000, .allow_empty = true});
    auto likelihood = r.integer("likelihood", true);
    auto impact = r.integer("impact", true);
    in.owner_name = r.text("owner_name", {.max_length = 64});
    in.owner_phone = r.text("owner_phone", {.max_length = 20});
    in.owner_user_id = r.integer("owner_user_id");
    auto interval = r.integer("inspection_interval_days");
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    in.area_id = *area;
    in.name = *name;
    in.kind = *kind;
    in.description = description.value_or("");
    in.likelihood = int_or(likelihood, 0);
    in.impact = int_or(impact, 0);
    in.inspection_interval_days = int_or(interval, 30);
    FL_TRY(p, s.create(*req.principal, in));
    return http::json_response(point_json(*p, s.now()), 201);
  });

  // Registered before /risks/{id} so that "matrix" is not taken for an id.
  router.add("GET", "/api/v1/risks/matrix", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(m, s.matrix(*req.principal, *area));
    json::array cells;
    json::object by_band{{"low", 0}, {"medium", 0}, {"high", 0}, {"critical", 0}};
    for (int l = 1; l <= 5; ++l) {
      for (int i = 1; i <= 5; ++i) {
        const auto n = m->counts[l - 1][i - 1];
        const auto band = band_of(rating_of(l, i));
        by_band[band] = by_band[band].as_int64() + n;
        cells.push_back(json::object{
            {"likelihood", l}, {"impact", i}, {"rating", rating_of(l, i)}, {"band", json::string(band)}, {"count", n}});
      }
    }
    return http::json_response(json::object{{"area_id", http::or_null(m->area_id)},
                                            {"cells", std::move(cells)},
                                            {"bands", std::move(by_band)},
                                            {"total", m->total},
                                            {"overdue", m->overdue}});
  });

  router.add("GET", "/api/v1/risks/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(p, s.get(*req.principal, *id));
    return http::json_response(point_json(*p, s.now()));
  });

  router.add("PATCH", "/api/v1/risks/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    RiskPatch patch;
    patch.area_id = r.integer("area_id", false, 1);
    patch.name = r.text("name", {.max_length = 100});
    patch.kind = r.text("kind", {.max_length = 32});
    patch.description = r.text("description", {.max_length = 2000, .allow_empty = true});
    patch.clear_location = r.is_null("latitude") && r.is_null("longitude");
    patch.latitude = r.number("latitude");
    patch.longitude = r.number("longitude");
    patch.clear_polygon = r.is_null("polygon");
    patch.polygon = read_polygon(r);
    if (auto v = r.integer("likelihood")) patch.likelihood = static_cast<int>(*v);
    if (auto v = r.integer("impact")) patch.impact = static_cast<int>(*v);
    patch.clear_owner_name = r.is_null("owner_name");
    patch.owner_name = r.text("owner_name", {.max_length = 64});
    patch.clear_owner_phone = r.is_null("owner_phone");
    patch.owner_phone = r.text("owner_phone", {.max_length = 20});
    patch.clear_owner_user = r.is_null("owner_user_id");
    patch.owner_user_id = r.integer("owner_user_id");
    if (auto v = r.integer("inspection_interval_days")) patch.inspection_interval_days = static_cast<int>(*v);
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    FL_TRY(p, s.update(*req.principal, *id, patch));
    return http::json_response(point_json(*p, s.now()));
  });

  router.add("DELETE", "/api/v1/risks/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return http::reply_status(s.remove(*req.principal, *id));
  });

  router.add("GET", "/api/v1/risks/{id}/inspections", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(list, s.inspections(*req.principal, *id));
    json::array items;
    for (const auto& i : *list) items.push_back(inspection_json(i));
    return http::list_response(std::move(items), std::nullopt);
  });

  router.add("POST", "/api/v1/risks/{id}/inspections", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    InspectionInput in;
    auto findings = r.text("findings", {.required = true, .max_length = 4000});
    in.near_miss = r.boolean("near_miss").value_or(false);
    in.near_miss_note = r.text("near_miss_note", {.max_length = 2000, .allow_empty = true});
    auto likelihood = r.integer("likelihood", true);
    auto impact = r.integer("impact", true);
    if (auto at = r.text("inspected_at", {.max_length = 40})) {
      in.inspected_at = core::parse_iso8601(*at);
      if (!in.inspected_at) r.fail("inspected_at", "inspected_at must be an ISO 8601 time");
    }
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    in.findings = *findings;
    in.likelihood = int_or(likelihood, 0);
    in.impact = int_or(impact, 0);
    FL_TRY(i, s.inspect(*req.principal, *id, in));
    return http::json_response(inspection_json(*i), 201);
  });

  // The photo is the raw body (Content-Type image/jpeg or image/png), not a form.
  router.add("POST", "/api/v1/risks/{id}/inspections/{iid}/photos", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(iid, sub_id(req, "iid"));
    FL_TRY(info, s.add_photo(*req.principal, *id, *iid, req.header("content-type"), req.body));
    return http::json_response(photo_json(*info, *id, *iid), 201);
  });

  router.add("GET", "/api/v1/risks/{id}/inspections/{iid}/photos/{pid}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(iid, sub_id(req, "iid"));
    FL_TRY(pid, sub_id(req, "pid"));
    FL_TRY(photo, s.photo(*req.principal, *id, *iid, *pid));
    Response r;
    r.content_type = photo->info.content_type;
    r.body = std::move(photo->bytes);
    r.headers.emplace_back("Cache-Control", "private, max-age=86400");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  });
}

}  // namespace firstline::risks
