#include "health/health_routes.hpp"

#include <fmt/format.h>

#include "http/json.hpp"

namespace firstline::health {

namespace json = boost::json;
using http::cursor_id;
using http::FieldReader;
using http::iso;
using http::iso_or_null;
using http::path_id;
using http::reply;
using http::reply_page;
using http::Request;
using http::Response;

namespace {


json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::value(s));
  return a;
}

}  // namespace

void tag_invoke(json::value_from_tag, json::value& v, const Report& r) {
  v = json::object{{"id", r.id},
                   {"person_id", r.person_id},
                   {"person_name", r.person_name},
                   {"area_id", r.area_id},
                   {"date", r.date},
                   {"slot", r.slot},
                   {"temperature", http::or_null(r.temperature)},
                   {"symptoms", strings(r.symptoms)},
                   {"test_result", r.test_result},
                   {"test_date", http::or_null(r.test_date)},
                   {"note", http::or_null(r.note)},
                   {"source", r.source},
                   {"reported_by", http::or_null(r.reported_by)},
                   {"created_at", iso(r.created_at)},
                   {"updated_at", iso(r.updated_at)},
                   {"amendments", r.amendments}};
}

void tag_invoke(json::value_from_tag, json::value& v, const ReportVersion& r) {
  v = json::object{{"temperature", http::or_null(r.temperature)},
                   {"symptoms", strings(r.symptoms)},
                   {"test_result", r.test_result},
                   {"test_date", http::or_null(r.test_date)},
                   {"note", http::or_null(r.note)},
                   {"source", r.source},
                   {"reported_by", http::or_null(r.reported_by)},
                   {"reported_at", iso(r.reported_at)},
                   {"changed_at", iso(r.changed_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const Alert& a) {
  v = json::object{{"id", a.id},
                   {"person_id", a.person_id},
                   {"person_name", a.person_name},
                   {"area_id", a.area_id},
                   {"report_id", a.report_id},
                   {"kind", a.kind},
                   {"detail", a.detail},
                   {"created_at", iso(a.created_at)},
                   {"status", a.status},
                   {"handled_by", http::or_null(a.handled_by)},
                   {"handled_at", iso_or_null(a.handled_at)},
                   {"note", http::or_null(a.note)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const StatusPeriod& p) {
  v = json::object{{"id", p.id ? json::value(p.id) : json::value(nullptr)},
                   {"status", p.status},
                   {"starts_at", p.id ? iso(p.starts_at) : json::value(nullptr)},
                   {"ends_at", iso_or_null(p.ends_at)},
                   {"planned_end", http::or_null(p.planned_end)},
                   {"reason", p.reason},
                   {"set_by", http::or_null(p.set_by)},
                   {"set_by_name", p.set_by_name},
                   {"set_at", p.id ? iso(p.set_at) : json::value(nullptr)},
                   {"run_id", http::or_null(p.run_id)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const DailyRow& d) {
  v = json::object{{"person_id", d.person_id},     {"name", d.name},
                   {"area_id", d.area_id},         {"status", d.status},
                   {"required", d.required},       {"reported", d.reported},
                   {"unwell", d.unwell},           {"temperature", http::or_null(d.temperature)},
                   {"symptoms", strings(d.symptoms)}, {"test_result", d.test_result}};
}

void tag_invoke(json::value_from_tag, json::value& v, const MissedFlag& f) {
  v = json::object{{"id", f.id},           {"area_id", f.area_id},   {"area_name", f.area_name}, {"date", f.date},
                   {"expected", f.expected}, {"missing", f.missing}, {"created_at", iso(f.created_at)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const PersonHealth& h) {
  json::array statuses, reports, alerts, contacts;
  for (const auto& s : h.statuses) statuses.push_back(json::value_from(s));
  for (const auto& r : h.reports) reports.push_back(json::value_from(r));
  for (const auto& a : h.alerts) alerts.push_back(json::value_from(a));
  for (const auto& c : h.contacts) {
    contacts.push_back(json::object{{"run_id", c.run_id},
                                    {"case_person_id", c.case_person_id},
                                    {"degree", c.degree},
                                    {"via_person_id", http::or_null(c.via_person_id)},
                                    {"created_at", iso(c.created_at)}});
  }
  v = json::object{{"person", json::object{{"id", h.person.id},
                                           {"name", h.person.name},
                                           {"area_id", h.person.area_id},
                                           {"household_id", http::or_null(h.person.household_id)}}},
                   {"status", json::value_from(h.status)},
                   {"statuses", std::move(statuses)},
                   {"reports", std::move(reports)},
                   {"alerts", std::move(alerts)},
                   {"contacts", std::move(contacts)}};
}

void tag_invoke(json::value_from_tag, json::value& v, const TracingRun& t) {
  json::object rules{{"window_days_before", t.rules.window_days_before},
                     {"min_overlap_minutes", t.rules.min_overlap_minutes},
                     {"default_stay_minutes", t.rules.default_stay_minutes},
                     {"max_stay_hours", t.rules.max_stay_hours},
                     {"place_kinds", strings(t.place_kinds)}};
  json::object o{{"id", t.id},
                 {"person_id", t.person_id},
                 {"person_name", t.person_name},
                 {"area_id", t.area_id},
                 {"onset_date", t.onset_date},
                 {"rules", std::move(rules)},
                 {"window_start", iso(t.window_start)},
                 {"window_end", iso_or_null(t.window_end)},
                 {"created_at", iso(t.created_at)},
                 {"created_by", http::or_null(t.created_by)},
                 {"created_by_name", t.created_by_name},
                 {"counts", json::object{{"close", t.close}, {"secondary", t.secondary}, {"general", t.general}}}};
  if (t.with_contacts) {
    json::array stays, contacts;
    for (const auto& s : t.case_stays) {
      stays.push_back(json::object{
          {"place_id", s.place_id}, {"place_name", s.place_name}, {"start", iso(s.start)}, {"end", iso(s.end)}});
    }
    for (const auto& c : t.contacts) {
      json::array evidence;
      for (const auto& e : c.evidence) {
        evidence.push_back(json::object{{"place_id", e.place_id},
                                        {"place_name", e.place_name},
                                        {"start", iso(e.start)},
                                        {"end", iso(e.end)},
                                        {"minutes", std::round(e.minutes * 10) / 10}});
      }
      contacts.push_back(json::object{{"person_id", http::or_null(c.person_id)},
                                      {"visitor_id", http::or_null(c.visitor_id)},
                                      {"name", c.name},
                                      {"area_id", http::or_null(c.area_id)},
                                      {"household_id", http::or_null(c.household_id)},
                                      {"degree", c.degree},
                                      {"relation", c.relation},
                                      {"via_person_id", http::or_null(c.via_person_id)},
                                      {"exposure", iso(c.exposure)},
                                      {"status", c.status},
                                      {"evidence", std::move(evidence)}});
    }
    o["case_stays"] = std::move(stays);
    o["contacts"] = std::move(contacts);
  }
  v = std::move(o);
}

namespace {

core::Result<ReportInput> read_report(const json::value& v) {
  if (!v.is_object()) return core::invalid("reports", "each report must be an object");
  FieldReader r(v.get_object());
  ReportInput in;
  in.person_id = r.integer("person_id", false, 1);
  auto date = r.text("date", {.required = true, .max_length = 10});
  in.temperature = r.number("temperature");
  auto symptoms = r.text_list("symptoms");
  auto test = r.text("test_result", {.max_length = 10});
  in.test_date = r.text("test_date", {.max_length = 10});
  auto slot = r.integer("slot", false, 1, 2);
  in.note = r.text("note", {.max_length = 500, .allow_empty = true});
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  in.date = *date;
  if (symptoms) in.symptoms = *symptoms;
  if (test) in.test_result = *test;
  if (slot) in.slot = static_cast<int>(*slot);
  return in;
}

Response csv_response(std::string body, const std::string& filename) {
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", filename));
  return r;
}

}  // namespace

void add_health_routes(http::Router& router, HealthService& s) {
  // ---- reports ----
  router.add("POST", "/api/v1/health/reports", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FL_TRY(batch, http::batch_items(*body, "reports", s.options().max_batch, "reports"));
    const auto& items = **batch;
    std::vector<ReportInput> reports;
    std::vector<std::size_t> index;
    std::vector<ReportRejection> early;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto in = read_report(items[i]);
      if (!in) {
        early.push_back(ReportRejection{i, std::string(core::error_code_key(in.error().code)), in.error().message,
                                        in.error().field.empty() ? std::nullopt
                                                                 : std::optional<std::string>(in.error().field)});
        continue;
      }
      index.push_back(i);
      reports.push_back(std::move(*in));
    }
    ReportResult result;
    if (!reports.empty()) {
      auto stored = s.submit_reports(*req.principal, reports);
      if (!stored) return http::error_response(stored.error());
      result = std::move(*stored);
      for (auto& a : result.accepted) a.index = index[a.index];
      for (auto& r : result.rejected) r.index = index[r.index];
    }
    result.rejected.insert(result.rejected.end(), early.begin(), early.end());
    std::sort(result.rejected.begin(), result.rejected.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    json::array accepted, rejected, alerts;
    for (const auto& a : result.accepted) {
      accepted.push_back(json::object{{"index", a.index}, {"id", a.id}, {"amended", a.amended}});
    }
    for (const auto& r : result.rejected) {
      json::object o{{"index", r.index}, {"code", r.code}, {"message", r.message}};
      if (r.field) o["field"] = *r.field;
      rejected.push_back(std::move(o));
    }
    for (const auto& a : result.alerts) alerts.push_back(json::value_from(a));
    return http::json_response(
        json::object{{"accepted", std::move(accepted)}, {"rejected", std::move(rejected)}, {"alerts", std::move(alerts)}});
  });
  router.add("GET", "/api/v1/health/reports", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"person_id", "area_id", "date", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 50, 500));
    FL_TRY(before, cursor_id(*page));
    FL_TRY(person, http::query_int(req, "person_id"));
    FL_TRY(area, http::query_int(req, "area_id"));
    std::optional<std::string> date;
    if (auto d = req.query_param("date"); d && !d->empty()) date = std::string(*d);
    return reply_page(s.list_reports(*req.principal, *person, *area, date, *before, page->limit));
  });
  router.add("GET", "/api/v1/health/reports/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(r, s.get_report(*req.principal, *id));
    auto v = json::value_from(r->first);
    json::array history;
    for (const auto& h : r->second) history.push_back(json::value_from(h));
    v.as_object()["history"] = std::move(history);
    return http::json_response(v);
  });

  // ---- people ----
  router.add("GET", "/api/v1/health/people/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.person_health(*req.principal, *id));
  });
  router.add("POST", "/api/v1/health/people/{id}/status", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    StatusInput in;
    auto status = r.text("status", {.required = true, .max_length = 30});
    auto starts = r.text("starts_at", {.max_length = 40});
    in.planned_end = r.text("planned_end", {.max_length = 10});
    auto reason = r.text("reason", {.required = true, .max_length = 500});
    std::optional<core::Millis> when;
    if (starts) {
      when = core::parse_iso8601(*starts);
      if (!when) r.fail("starts_at", "starts_at must be an ISO 8601 time");
    }
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    in.status = *status;
    in.starts_at = when;
    in.reason = *reason;
    return reply(s.set_status(*req.principal, *id, in), 201);
  });

  // ---- daily view, completeness, flags, alerts ----
  router.add("GET", "/api/v1/health/daily", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "date", "filter", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 50, 500));
    FL_TRY(after, cursor_id(*page));
    FL_TRY(area, http::query_int(req, "area_id"));
    if (!*area) return http::error_response({core::ErrorCode::invalid, "area_id is required", "area_id"});
    DailyQuery q;
    q.area_id = **area;
    q.after_id = *after;
    q.limit = page->limit;
    if (auto d = req.query_param("date"); d && !d->empty()) q.date = std::string(*d);
    if (auto f = req.query_param("filter"); f && !f->empty()) q.filter = std::string(*f);
    FL_TRY(daily, s.daily(*req.principal, q));
    json::array items;
    for (const auto& d : daily->items) items.push_back(json::value_from(d));
    const auto& sm = daily->summary;
    return http::json_response(json::object{
        {"date", daily->date},
        {"items", std::move(items)},
        {"next", http::or_null(daily->next)},
        {"summary", json::object{{"people", sm.people},
                                 {"expected", sm.expected},
                                 {"reported", sm.reported},
                                 {"missing", sm.missing},
                                 {"unwell", sm.unwell},
                                 {"rate", std::round(sm.rate * 1000) / 1000}}}});
  });
  router.add("GET", "/api/v1/health/completeness", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "date"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    if (!*area) return http::error_response({core::ErrorCode::invalid, "area_id is required", "area_id"});
    std::optional<std::string> date;
    if (auto d = req.query_param("date"); d && !d->empty()) date = std::string(*d);
    FL_TRY(c, s.completeness(*req.principal, **area, date));
    json::array children;
    for (const auto& a : c->children) {
      children.push_back(json::object{{"area_id", a.area_id},
                                      {"name", a.name},
                                      {"code", a.code},
                                      {"level", a.level},
                                      {"expected", a.expected},
                                      {"reported", a.reported},
                                      {"rate", std::round(a.rate * 1000) / 1000},
                                      {"flagged", a.flagged}});
    }
    json::array grids;
    for (const auto& g : c->grids) {
      grids.push_back(json::object{{"area_id", g.area_id},
                                   {"expected", g.expected},
                                   {"reported", g.reported},
                                   {"rate", std::round(g.rate * 1000) / 1000},
                                   {"flagged", g.flagged}});
    }
    return http::json_response(json::object{{"area_id", c->area_id},
                                            {"grids", std::move(grids)},
                                            {"date", c->date},
                                            {"expected", c->expected},
                                            {"reported", c->reported},
                                            {"rate", std::round(c->rate * 1000) / 1000},
                                            {"children", std::move(children)}});
  });
  router.add("GET", "/api/v1/health/flags", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "date"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    std::optional<std::string> date;
    if (auto d = req.query_param("date"); d && !d->empty()) date = std::string(*d);
    FL_TRY(flags, s.flags(*req.principal, *area, date));
    json::array items;
    for (const auto& f : *flags) items.push_back(json::value_from(f));
    return http::json_response(json::object{{"items", std::move(items)}});
  });
  router.add("GET", "/api/v1/health/alerts", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "status", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 50, 500));
    FL_TRY(before, cursor_id(*page));
    FL_TRY(area, http::query_int(req, "area_id"));
    std::optional<std::string> status;
    if (auto v = req.query_param("status"); v && !v->empty()) status = std::string(*v);
    return reply_page(s.alerts(*req.principal, *area, status, *before, page->limit));
  });
  router.add("PATCH", "/api/v1/health/alerts/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    AlertPatch p;
    p.status = r.text("status", {.max_length = 20});
    p.note = r.text("note", {.max_length = 500, .allow_empty = true});
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    return reply(s.update_alert(*req.principal, *id, p));
  });

  // ---- tracing ----
  router.add("POST", "/api/v1/tracing/runs", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    TracingRequest t;
    auto person = r.integer("person_id", true, 1);
    auto onset = r.text("onset_date", {.required = true, .max_length = 10});
    auto days = r.integer("window_days_before", false, 0, 21);
    auto overlap = r.integer("min_overlap_minutes", false, 1, 240);
    auto stay = r.integer("default_stay_minutes", false, 1, 720);
    auto max_stay = r.integer("max_stay_hours", false, 1, 48);
    t.place_kinds = r.text_list("place_kinds");
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    t.person_id = *person;
    t.onset_date = *onset;
    if (days) t.rules.window_days_before = static_cast<int>(*days);
    if (overlap) t.rules.min_overlap_minutes = static_cast<int>(*overlap);
    if (stay) t.rules.default_stay_minutes = static_cast<int>(*stay);
    if (max_stay) t.rules.max_stay_hours = static_cast<int>(*max_stay);
    return reply(s.start_tracing(*req.principal, t), 201);
  });
  router.add("GET", "/api/v1/tracing/runs", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"person_id", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 20, 100));
    FL_TRY(before, cursor_id(*page));
    FL_TRY(person, http::query_int(req, "person_id"));
    return reply_page(s.list_runs(*req.principal, *person, *before, page->limit));
  });
  router.add("GET", "/api/v1/tracing/runs/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.get_run(*req.principal, *id));
  });
  router.add("GET", "/api/v1/tracing/runs/{id}/contacts.csv", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(csv, s.run_csv(*req.principal, *id));
    return csv_response(std::move(*csv), fmt::format("tracing-run-{}.csv", *id));
  });
  router.add("POST", "/api/v1/tracing/runs/{id}/follow-up", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    FollowUpInput in;
    const auto* ids = r.raw("person_ids", true);
    auto status = r.text("status", {.max_length = 30});
    auto reason = r.text("reason", {.max_length = 500, .allow_empty = true});
    if (ids) {
      if (!ids->is_array()) r.fail("person_ids", "person_ids must be an array of resident ids");
      else {
        for (const auto& x : ids->get_array()) {
          if (!x.is_int64() || x.get_int64() < 1) {
            r.fail("person_ids", "person_ids must be an array of resident ids");
            break;
          }
          in.person_ids.push_back(x.get_int64());
        }
      }
    }
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    if (status) in.status = *status;
    if (reason) in.reason = *reason;
    FL_TRY(result, s.follow_up(*req.principal, *id, in));
    json::array updated, skipped;
    for (auto p : result->updated) updated.push_back(p);
    for (const auto& k : result->skipped) {
      skipped.push_back(json::object{{"person_id", k.person_id}, {"reason", k.reason}});
    }
    return http::json_response(json::object{{"updated", std::move(updated)}, {"skipped", std::move(skipped)}});
  });
}

}  // namespace firstline::health
