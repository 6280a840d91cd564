#include "warnings/warning_routes.hpp"

#include <fmt/format.h>

#include "http/json.hpp"

namespace firstline::warnings {

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


}  // namespace

void tag_invoke(json::value_from_tag, json::value& v, const WarningEvent& e) {
  json::object o{{"id", e.id},
                 {"action", e.action},
                 {"at", iso(e.at)},
                 {"by", http::or_null(e.by)},
                 {"by_name", e.by_name},
                 {"note", http::or_null(e.note)},
                 {"area_id", e.area_id},
                 {"escalated_to_area_id", http::or_null(e.escalated_to_area_id)},
                 {"escalated_at", e.escalated_to_area_id ? iso(e.at) : json::value(nullptr)}};
  v = std::move(o);
}

void tag_invoke(json::value_from_tag, json::value& v, const Warning& w) {
  json::array reasons;
  for (const auto& r : w.reasons) reasons.push_back(json::value(r));
  json::object o{{"id", w.id},
                 {"identifier", w.identifier},
                 {"area_id", w.area_id},
                 {"area_name", w.area_name},
                 {"area_code", w.area_code},
                 {"area_level", w.area_level},
                 {"current_area_id", w.current_area_id},
                 {"current_area_name", w.current_area_name},
                 {"level", w.level},
                 {"category", w.category},
                 {"event", w.event},
                 {"headline", w.headline},
                 {"description", w.description},
                 {"instruction", w.instruction},
                 {"exercise", w.exercise},
                 {"status", w.status},
                 {"source", w.source},
                 {"reasons", std::move(reasons)},
                 {"sender", w.sender},
                 {"sender_name", w.sender_name},
                 {"ack_minutes", w.ack_minutes},
                 {"ack_due_at", iso_or_null(w.ack_due_at)},
                 {"escalate_at", iso_or_null(w.escalate_at)},
                 {"escalations", w.escalations},
                 {"escalated_at", iso_or_null(w.escalated_at)},
                 {"created_at", iso(w.created_at)},
                 {"created_by", http::or_null(w.created_by)},
                 {"sent_at", iso_or_null(w.sent_at)},
                 {"sent_by", http::or_null(w.sent_by)},
                 {"expires_at", iso_or_null(w.expires_at)},
                 {"acknowledged_at", iso_or_null(w.acknowledged_at)},
                 {"acknowledged_by", http::or_null(w.acknowledged_by)},
                 {"handled_at", iso_or_null(w.handled_at)},
                 {"handled_by", http::or_null(w.handled_by)},
                 {"closed_at", iso_or_null(w.closed_at)},
                 {"closed_by", http::or_null(w.closed_by)},
                 {"cancelled_at", iso_or_null(w.cancelled_at)},
                 {"cancelled_by", http::or_null(w.cancelled_by)},
                 {"updated_at", iso(w.updated_at)},
                 {"cap_url", fmt::format("/api/v1/warnings/{}/cap", w.id)}};
  // Where the latest escalation took it (escalations only move it up).
  o["escalated_to_area_id"] = w.escalations > 0 ? json::value(w.current_area_id) : json::value(nullptr);
  if (!w.history.empty()) {  // single reads; lists leave it out
    json::array history;
    for (const auto& e : w.history) history.push_back(json::value_from(e));
    o["history"] = std::move(history);
  }
  v = std::move(o);
}

namespace {

Response xml_response(std::string body, std::string content_type) {
  Response r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

// The optional {"note"} of a lifecycle step; an empty body is no note.
core::Result<std::optional<std::string>> read_note(const Request& req) {
  if (req.body.empty()) return std::optional<std::string>{};
  auto body = http::parse_object_body(req);
  if (!body) return std::unexpected(body.error());
  FieldReader r(*body);
  auto note = r.text("note", {.max_length = 500, .allow_empty = true});
  if (auto st = r.finish(); !st) return std::unexpected(st.error());
  return note;
}

void add_step(http::Router& router, WarningService& s, Step step) {
  router.add("POST", fmt::format("/api/v1/warnings/{{id}}/{}", step_key(step)), [&s, step](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(note, read_note(req));
    return reply(s.step(*req.principal, *id, step, *note));
  });
}

}  // namespace

void add_warning_routes(http::Router& router, WarningService& s) {
  router.add("POST", "/api/v1/warnings", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    NewWarning in;
    auto area = r.integer("area_id", true, 1);
    auto level = r.text("level", {.required = true, .max_length = 10});
    auto event = r.text("event", {.required = true, .max_length = 100});
    auto headline = r.text("headline", {.required = true, .max_length = 160});
    auto description = r.text("description", {.required = true, .max_length = 4000});
    auto instruction = r.text("instruction", {.required = true, .max_length = 2000});
    in.category = r.text("category", {.max_length = 20});
    auto exercise = r.boolean("exercise");
    auto ack = r.integer("ack_minutes", false, 1, s.options().max_ack_minutes);
    auto expires = r.text("expires_at", {.max_length = 40});
    auto propose = r.boolean("propose");
    std::optional<core::Millis> expires_at;
    if (expires) {
      expires_at = core::parse_iso8601(*expires);
      if (!expires_at) r.fail("expires_at", "expires_at must be an ISO 8601 time, e.g. 2026-11-26T08:00:00+08:00");
    }
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    in.area_id = *area;
    in.level = *level;
    in.event = *event;
    in.headline = *headline;
    in.description = *description;
    in.instruction = *instruction;
    in.exercise = exercise.value_or(false);
    if (ack) in.ack_minutes = static_cast<int>(*ack);
    in.expires_at = expires_at;
    in.propose = propose.value_or(false);
    return reply(s.create(*req.principal, in), 201);
  });
  router.add("GET", "/api/v1/warnings", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"status", "area_id", "level", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    FL_TRY(page, http::parse_page_params(req, 50, 500));
    FL_TRY(before, cursor_id(*page));
    FL_TRY(area, http::query_int(req, "area_id"));
    WarningQuery q;
    q.area_id = *area;
    q.before_id = *before;
    q.limit = page->limit;
    if (auto v = req.query_param("status"); v && !v->empty()) q.status = std::string(*v);
    if (auto v = req.query_param("level"); v && !v->empty()) q.level = std::string(*v);
    return reply_page(s.list(*req.principal, q));
  });
  // Before /{id}: the router takes the first pattern that matches.
  router.add("GET", "/api/v1/warnings/feed", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {}); !st) return http::error_response(st.error());
    FL_TRY(feed, s.feed(*req.principal));
    return xml_response(std::move(*feed), "application/atom+xml");
  });
  router.add("GET", "/api/v1/warnings/{id}", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    return reply(s.get(*req.principal, *id));
  });
  router.add("GET", "/api/v1/warnings/{id}/cap", [&s](Request& req) -> Response {
    FL_TRY(id, path_id(req));
    FL_TRY(cap, s.cap_document(*req.principal, *id));
    return xml_response(std::move(*cap), "application/cap+xml");
  });
  for (auto step : {Step::acknowledge, Step::handle, Step::close, Step::release, Step::cancel})
    add_step(router, s, step);
}

}  // namespace firstline::warnings
