#include "movement/movement_routes.hpp"

#include <fmt/format.h>

#include "core/identity.hpp"
#include "http/json.hpp"
#include "posters/qr_poster.hpp"

namespace firstline::movement {

namespace json = boost::json;
using http::cursor_id;
using http::FieldReader;
using http::path_id;
using http::reply;
using http::reply_page;
using http::Request;
using http::Response;

void tag_invoke(json::value_from_tag, json::value& v, const Place& p) {
  json::array staff;
  for (auto id : p.staff_user_ids) staff.push_back(id);
  v = json::object{{"id", p.id},
                   {"name", p.name},
                   {"kind", p.kind},
                   {"area_id", p.area_id},
                   {"code", p.code},
                   {"address", http::or_null(p.address)},
                   {"opening_hours", http::or_null(p.opening_hours)},
                   {"capacity", http::or_null(p.capacity)},
                   {"latitude", http::or_null(p.latitude)},
                   {"longitude", http::or_null(p.longitude)},
                   {"staff_user_ids", std::move(staff)},
                   {"created_at", core::format_iso8601(p.created_at)},
                   {"updated_at", core::format_iso8601(p.updated_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Occupancy& o) {
  v = json::object{{"inside", o.inside}, {"in_today", o.in_today}, {"out_today", o.out_today}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Scan& s) {
  v = json::object{{"id", s.id},
                   {"client_event_id", s.client_event_id},
                   {"place_id", s.place_id},
                   {"person_id", http::or_null(s.person_id)},
                   {"visitor_id", http::or_null(s.visitor_id)},
                   {"ts", core::format_iso8601(s.ts)},
                   {"direction", s.direction == Direction::in ? "in" : "out"},
                   {"temperature", http::or_null(s.temperature)},
                   {"place_area_id", s.place_area_id},
                   {"home_area_id", http::or_null(s.home_area_id)},
                   {"source", s.source},
                   {"person_name", http::or_null(s.person_name)},
                   {"visitor_name", http::or_null(s.visitor_name)},
                   {"visitor_phone", s.visitor_phone ? json::value(core::mask_phone(*s.visitor_phone)) : json::value(nullptr)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Flow& f) {
  v = json::object{{"from_area_id", f.from_area_id}, {"to_area_id", f.to_area_id}, {"people", f.people}, {"scans", f.scans}};
}

void tag_invoke(json::value_from_tag, json::value& v, const RiskArea& r) {
  v = json::object{{"id", r.id},
                   {"code", r.code},
                   {"name", r.name},
                   {"starts_at", core::format_iso8601(r.starts_at)},
                   {"ends_at", http::iso_or_null(r.ends_at)},
                   {"reason", http::or_null(r.reason)},
                   {"created_at", core::format_iso8601(r.created_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const ScreeningItem& s) {
  v = json::object{{"id", s.id},
                   {"person_id", s.person_id},
                   {"person_name", s.person_name},
                   {"area_id", s.area_id},
                   {"risk_area_id", http::or_null(s.risk_area_id)},
                   {"reason", s.reason},
                   {"status", s.status},
                   {"follow_up", http::or_null(s.follow_up)},
                   {"note", http::or_null(s.note)},
                   {"created_at", core::format_iso8601(s.created_at)},
                   {"updated_at", core::format_iso8601(s.updated_at)},
                   {"closed_at", http::iso_or_null(s.closed_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Pass& p) {
  v = json::object{{"token", p.token}, {"expires_at", core::format_iso8601(p.expires_at)}, {"url", p.url}};
}

void tag_invoke(json::value_from_tag, json::value& v, const PassHolder& h) {
  v = json::object{{"person_id", h.person_id},
                   {"name", h.name},
                   {"area_id", h.area_id},
                   {"expires_at", core::format_iso8601(h.expires_at)}};
}

namespace {

std::optional<std::vector<std::int64_t>> read_ids(FieldReader& r, const char* key) {
  const auto* v = r.raw(key);
  if (!v) return std::nullopt;
  std::vector<std::int64_t> out;
  if (!v->is_array()) {
    r.fail(key, std::string(key) + " must be an array of user ids");
    return std::nullopt;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_int64() || e.get_int64() <= 0) {
      r.fail(key, std::string(key) + " must be an array of user ids");
      return std::nullopt;
    }
    out.push_back(e.get_int64());
  }
  return out;
}

template <class T>
std::optional<std::optional<T>> change(FieldReader& r, const char* key, std::optional<T> value) {
  if (r.is_null(key)) return std::optional<T>{};
  if (!value) return std::nullopt;
  return std::optional<T>{*value};
}

// "ts": ISO 8601 with offset, or unix seconds.
std::optional<core::Millis> read_ts(const json::value& v) {
  if (v.is_string()) return core::parse_iso8601(std::string_view(v.get_string()));
  if (v.is_int64()) return v.get_int64() * 1000;
  if (v.is_uint64()) return static_cast<core::Millis>(v.get_uint64()) * 1000;
  if (v.is_double()) return static_cast<core::Millis>(v.get_double() * 1000.0);
  return std::nullopt;
}

std::optional<VisitorInput> read_visitor(FieldReader& r) {
  const auto* v = r.raw("visitor");
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    r.fail("visitor", "visitor must be an object {name, phone, document_type, id_number}");
    return std::nullopt;
  }
  FieldReader vr(v->get_object(), "visitor.");
  VisitorInput out;
  auto name = vr.text("name", {.required = true, .max_length = 50});
  out.phone = vr.text("phone", {.max_length = 30});
  out.document_type = vr.text("document_type", {.max_length = 30}).value_or("resident_id");
  out.id_number = vr.text("id_number", {.max_length = 32});
  if (auto st = vr.finish(); !st) {
    r.fail(st.error().field.empty() ? "visitor" : st.error().field, st.error().message);  // e.g. visitor.name
    return std::nullopt;
  }
  out.name = *name;
  return out;
}

// One scan of a batch; problems become a rejection of this scan only.
core::Result<ScanInput> read_scan(const json::value& v) {
  if (!v.is_object()) return core::invalid("scans", "each scan must be an object");
  FieldReader r(v.get_object());
  ScanInput s;
  auto event = r.text("client_event_id", {.required = true, .max_length = 64});
  s.person_id = r.integer("person_id", false, 1);
  auto place = r.integer("place_id", true, 1);
  const auto* ts = r.raw("ts", true);
  auto direction = r.text("direction", {.required = true, .max_length = 3});
  s.temperature = r.number("temperature");
  s.came_from = r.text("came_from", {.max_length = 6});
  s.visitor = read_visitor(r);
  if (direction && *direction != "in" && *direction != "out") r.fail("direction", "direction must be in or out");
  std::optional<core::Millis> when;
  if (ts) {
    when = read_ts(*ts);
    if (!when) r.fail("ts", "ts must be an ISO 8601 time with offset or unix seconds");
  }
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  s.client_event_id = *event;
  s.place_id = *place;
  s.ts = *when;
  s.direction = *direction == "in" ? Direction::in : Direction::out;
  return s;
}

Response ingest_reply(const core::Result<IngestResult>& r) {
  if (!r) return http::error_response(r.error());
  json::array rejected;
  for (const auto& x : r->rejected) {
    json::object o{{"index", x.index}, {"code", x.code}, {"message", x.message}};
    if (!x.field.empty()) o["field"] = x.field;
    rejected.push_back(std::move(o));
  }
  return http::json_response(json::object{
      {"accepted", r->accepted}, {"duplicates", r->duplicates}, {"rejected", std::move(rejected)}});
}

// Local midnight starting the date in ?key=YYYY-MM-DD.
core::Result<core::Millis> day_param(const Request& req, const MovementService& s, const char* key) {
  auto v = req.query_param(key).value_or("");
  auto d = core::parse_date(v);
  if (!d) return core::invalid(key, std::string(key) + " must be a date YYYY-MM-DD");
  return d->days_since_epoch() * 86400000 - s.options().utc_offset_minutes * 60000LL;
}

}  // namespace

void add_movement_routes(http::Router& router, MovementService& s) {
  // ---- places ----
  router.add("GET", "/api/v1/places", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "kind", "q", "limit", "cursor"}); !st) return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req));
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(after, cursor_id(*page));
    PlaceQuery q;
    q.limit = page->limit;
    q.after_id = *after;
    q.area_id = *area;
    if (auto k = req.query_param("kind"); k && !k->empty()) q.kind = *k;
    if (auto t = req.query_param("q"); t && !t->empty()) q.q = *t;
    return reply_page(s.list_places(*req.principal, q));
  });
  router.add("POST", "/api/v1/places", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    Place p;
    auto name = r.text("name", {.required = true, .max_length = 100});
    auto kind = r.text("kind", {.required = true, .max_length = 20});
    auto area = r.integer("area_id", true, 1);
    p.address = r.text("address", {.max_length = 200});
    p.opening_hours = r.text("opening_hours", {.max_length = 100});
    p.capacity = r.integer("capacity", false, 0, 1000000);
    p.latitude = r.number("latitude", false, -90, 90);
    p.longitude = r.number("longitude", false, -180, 180);
    p.staff_user_ids = read_ids(r, "staff_user_ids").value_or(std::vector<std::int64_t>{});
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    p.name = *name;
    p.kind = *kind;
    p.area_id = *area;
    return reply(s.create_place(*req.principal, p), 201);
  });
  router.add("GET", "/api/v1/places/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.get_place(*req.principal, *id));
  });
  router.add("PATCH", "/api/v1/places/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    PlacePatch p;
    p.name = r.text("name", {.max_length = 100});
    p.kind = r.text("kind", {.max_length = 20});
    p.address = change(r, "address", r.text("address", {.max_length = 200}));
    p.opening_hours = change(r, "opening_hours", r.text("opening_hours", {.max_length = 100}));
    p.capacity = change(r, "capacity", r.integer("capacity", false, 0, 1000000));
    p.latitude = change(r, "latitude", r.number("latitude", false, -90, 90));
    p.longitude = change(r, "longitude", r.number("longitude", false, -180, 180));
    p.staff_user_ids = read_ids(r, "staff_user_ids");
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    return reply(s.update_place(*req.principal, *id, p));
  });
  router.add("DELETE", "/api/v1/places/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return http::reply_status(s.delete_place(*req.principal, *id));
  });
  router.add("GET", "/api/v1/places/{id}/occupancy", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.place_occupancy(*req.principal, *id));
  });
  // The printable poster: its QR code opens the scan page of the resident portal.
  for (const char* format : {"svg", "pdf"}) {
    router.add("GET", std::string("/api/v1/places/{id}/poster.") + format, [&s, format](Request& req) -> Response {
      FL_TRY(id, path_id(req));
      FL_TRY(place, s.get_place(*req.principal, *id));
      posters::PosterInfo info;
      info.title = "场所码 · 扫码登记";
      info.place_name = place->name;
      info.place_code = place->code;
      info.area_name = place->address.value_or("");
      info.url = s.options().public_url + "/m/scan?place=" + place->code;
      info.footer = "进出请扫码登记 Scan when entering and leaving";
      const bool svg = std::string_view(format) == "svg";
      auto doc = svg ? posters::render_poster_svg(info) : posters::render_poster_pdf(info);
      if (!doc) return http::error_response(doc.error());
      Response r;
      r.content_type = svg ? "image/svg+xml; charset=utf-8" : "application/pdf";
      r.body = std::move(*doc);
      r.headers.emplace_back("Content-Disposition",
                             fmt::format("inline; filename=\"poster-{}.{}\"", place->code, format));
      return r;
    });
  }
  router.add("GET", "/api/v1/occupancy", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    if (!*area) return http::error_response({core::ErrorCode::invalid, "area_id is required", "area_id"});
    return reply(s.area_occupancy(*req.principal, **area));
  });

  // ---- personal passes ----
  // A resident's own pass; its QR code opens /pass/<token> in the staff console.
  router.add("GET", "/api/v1/me/pass", [&s](Request& req) -> Response {
    auto r = reply(s.my_pass(*req.principal));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
  router.add("GET", "/api/v1/me/pass.svg", [&s](Request& req) -> Response {
    FL_TRY(pass, s.my_pass(*req.principal));
    auto svg = posters::render_qr_svg(pass->url);
    if (!svg) return http::error_response(svg.error());
    Response r;
    r.content_type = "image/svg+xml; charset=utf-8";
    r.body = std::move(*svg);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
  router.add("GET", "/api/v1/passes/{token}", [&s](Request& req) -> Response {
    return reply(s.resolve_pass(*req.principal, req.path_params["token"]));
  });

  // ---- scans ----
  router.add("POST", "/api/v1/scans", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FL_TRY(batch, http::batch_items(*body, "scans", s.options().max_batch, "scans"));
    const auto& items = **batch;
    std::vector<ScanInput> scans;
    scans.reserve(items.size());
    std::vector<std::size_t> index;  // position in the request of each parsed scan
    std::vector<Rejection> early;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto scan = read_scan(items[i]);
      if (!scan) {
        early.push_back(Rejection{i, std::string(core::error_code_key(scan.error().code)), scan.error().message,
                                  scan.error().field});
        continue;
      }
      index.push_back(i);
      scans.push_back(std::move(*scan));
    }
    IngestResult result;
    if (!scans.empty()) {
      auto stored = s.ingest(*req.principal, scans, req.principal->is_resident_only() ? "self" : "staff");
      if (!stored) return http::error_response(stored.error());
      result = std::move(*stored);
      for (auto& r : result.rejected) r.index = index[r.index];
    }
    result.rejected.insert(result.rejected.end(), early.begin(), early.end());
    std::sort(result.rejected.begin(), result.rejected.end(),
              [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
    return ingest_reply(result);
  });
  router.add("GET", "/api/v1/scans", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"place_id", "person_id", "since", "until", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 100, 1000));
    FL_TRY(after, cursor_id(*page));
    FL_TRY(place, http::query_int(req, "place_id"));
    FL_TRY(person, http::query_int(req, "person_id"));
    ScanQuery q;
    q.limit = page->limit;
    q.after_id = *after;
    q.place_id = *place;
    q.person_id = *person;
    for (const char* key : {"since", "until"}) {
      auto v = req.query_param(key);
      if (!v || v->empty()) continue;
      auto t = core::parse_iso8601(*v);
      if (!t) return http::error_response({core::ErrorCode::invalid, std::string(key) + " must be an ISO 8601 time", key});
      (std::string_view(key) == "since" ? q.since : q.until) = *t;
    }
    return reply_page(s.list_scans(*req.principal, q));
  });
  router.add("GET", "/api/v1/flows", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "date", "days", "level"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    FlowQuery q;
    q.area_id = *area;
    q.level = req.query_param("level").value_or("grid");
    int days = 1;
    if (auto d = req.query_param("days"); d && !d->empty()) {
      try { days = std::stoi(*d); } catch (...) { days = 0; }
      if (days < 1 || days > 28) return http::error_response({core::ErrorCode::invalid, "days must be 1..28", "days"});
    }
    if (auto d = req.query_param("date"); d && !d->empty()) {
      FL_TRY(start, day_param(req, s, "date"));
      q.since = *start;
    } else {
      q.since = s.day_start(s.now());
    }
    q.since -= static_cast<core::Millis>(days - 1) * 86400000;
    q.until = q.since + static_cast<core::Millis>(days) * 86400000;
    auto flows = s.flows(*req.principal, q);
    if (!flows) return http::error_response(flows.error());
    json::array items;
    for (const auto& f : *flows) items.push_back(json::value_from(f));
    return http::json_response(json::object{{"items", std::move(items)},
                                            {"date", core::date_of(q.until - 1 + s.options().utc_offset_minutes * 60000LL).to_string()},
                                            {"since", core::format_iso8601(q.since)},
                                            {"until", core::format_iso8601(q.until)},
                                            {"level", q.level}});
  });

  // ---- risk areas and screening ----
  router.add("GET", "/api/v1/risk-areas", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"active"}); !st) return http::error_response(st.error());
    auto risks = s.risk_areas(*req.principal, req.query_param("active").value_or("true") != "false");
    if (!risks) return http::error_response(risks.error());
    json::array items;
    for (const auto& r : *risks) items.push_back(json::value_from(r));
    return http::list_response(std::move(items), std::nullopt);
  });
  router.add("POST", "/api/v1/risk-areas", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    RiskArea in;
    auto code = r.text("code", {.required = true, .max_length = 15});
    auto name = r.text("name", {.required = true, .max_length = 100});
    auto starts = r.text("starts_at", {.max_length = 40});
    auto ends = r.text("ends_at", {.max_length = 40});
    in.reason = r.text("reason", {.max_length = 200});
    if (starts && !core::parse_iso8601(*starts)) r.fail("starts_at", "starts_at must be an ISO 8601 time");
    if (ends && !core::parse_iso8601(*ends)) r.fail("ends_at", "ends_at must be an ISO 8601 time");
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    in.code = *code;
    in.name = *name;
    if (starts) in.starts_at = *core::parse_iso8601(*starts);
    if (ends) in.ends_at = *core::parse_iso8601(*ends);
    return reply(s.mark_risk_area(*req.principal, in), 201);
  });
  router.add("POST", "/api/v1/risk-areas/{id}/end", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return http::reply_status(s.end_risk_area(*req.principal, *id));
  });
  router.add("GET", "/api/v1/screening", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "status", "limit", "cursor"}); !st) return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req));
    FL_TRY(after, cursor_id(*page));
    FL_TRY(area, http::query_int(req, "area_id"));
    std::optional<std::string> status;
    if (auto v = req.query_param("status"); v && !v->empty()) status = *v;
    return reply_page(s.screening_queue(*req.principal, *area, status, *after, page->limit));
  });
  router.add("PATCH", "/api/v1/screening/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    ScreeningPatch p;
    p.status = r.text("status", {.max_length = 20});
    p.follow_up = r.text("follow_up", {.max_length = 30});
    p.note = r.text("note", {.max_length = 500, .allow_empty = true});
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    return reply(s.update_screening(*req.principal, *id, p));
  });

  // ---- public: the scan page of a poster ----
  router.add(
      "GET", "/api/v1/public/places/{code}",
      [&s](Request& req) -> Response {
        auto place = s.find_place_by_code(req.path_params["code"]);
        if (!place) return http::error_response(place.error());
        return http::json_response(json::object{{"id", place->id}, {"code", place->code}, {"name", place->name},
                                                {"kind", place->kind}, {"area_id", place->area_id}});
      },
      http::Access::open);
  router.add(
      "POST", "/api/v1/public/scans",
      [&s](Request& req) -> Response {
        FL_TRY(body, http::parse_object_body(req));
        FieldReader r(*body);
        ScanInput in;
        auto code = r.text("place_code", {.required = true, .max_length = 20});
        auto event = r.text("client_event_id", {.required = true, .max_length = 64});
        auto direction = r.text("direction", {.required = true, .max_length = 3});
        in.temperature = r.number("temperature");
        in.came_from = r.text("came_from", {.max_length = 6});
        in.visitor = read_visitor(r);
        if (direction && *direction != "in" && *direction != "out") r.fail("direction", "direction must be in or out");
        if (auto st = r.finish(); !st) return http::error_response(st.error());
        if (!in.visitor) return http::error_response({core::ErrorCode::invalid, "visitor is required", "visitor"});
        auto place = s.find_place_by_code(*code);
        if (!place) return http::error_response({core::ErrorCode::invalid, "no place has this code", "place_code"});
        in.place_id = place->id;
        in.client_event_id = "public:" + *event;
        in.direction = *direction == "in" ? Direction::in : Direction::out;
        in.ts = s.now();
        auto result = s.ingest_public(in);
        if (result && !result->rejected.empty()) {
          const auto& x = result->rejected.front();
          return http::error_response({core::ErrorCode::invalid, x.message, x.field});
        }
        return ingest_reply(result);
      },
      http::Access::open);
}

}  // namespace firstline::movement
