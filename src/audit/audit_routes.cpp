#include "audit/audit_routes.hpp"

#include "audit/audit_log.hpp"
#include "http/json.hpp"

namespace firstline::audit {

namespace json = boost::json;

void tag_invoke(json::value_from_tag, json::value& v, const AuditEntry& e) {
  v = json::object{{"id", e.id},
                   {"at", core::format_iso8601(e.at)},
                   {"user_id", http::or_null(e.user_id)},
                   {"username", e.username},
                   {"action", e.action},
                   {"entity", e.entity},
                   {"entity_id", http::or_null(e.entity_id)},
                   {"area_id", http::or_null(e.area_id)},
                   {"detail", e.detail}};
}

void add_audit_routes(http::Router& router, db::Database& db) {
  router.add("GET", "/api/v1/audit", [&db](http::Request& req) -> http::Response {
    if (!req.principal->has(core::Permission::read_audit)) {
      return http::error_response({core::ErrorCode::forbidden, "your roles do not allow reading the audit log"});
    }
    if (auto st = http::check_query_names(req, {"user_id", "action", "entity", "entity_id", "since", "until", "limit", "cursor"}); !st)
      return http::error_response(st.error());
    auto page = http::parse_page_params(req, 50, 500);
    if (!page) return http::error_response(page.error());
    AuditFilter f;
    f.limit = page->limit;
    if (page->cursor) {
      auto id = http::parse_id(*page->cursor, "cursor");
      if (!id) return http::error_response(id.error());
      f.before_id = *id;
    }
    for (const char* key : {"user_id", "entity_id"}) {
      auto v = http::query_int(req, key);
      if (!v) return http::error_response(v.error());
      (std::string_view(key) == "user_id" ? f.user_id : f.entity_id) = *v;
    }
    if (auto a = req.query_param("action"); a && !a->empty()) f.action = *a;
    if (auto e = req.query_param("entity"); e && !e->empty()) f.entity = *e;
    for (const char* key : {"since", "until"}) {
      auto v = req.query_param(key);
      if (!v || v->empty()) continue;
      auto t = core::parse_iso8601(*v);
      if (!t) return http::error_response({core::ErrorCode::invalid, std::string(key) + " must be an ISO 8601 time", key});
      (std::string_view(key) == "since" ? f.since : f.until) = *t;
    }
    // Officials below admin see entries of their own areas only.
    f.scope_paths = req.principal->scope_paths(core::Permission::read_audit);
    auto conn = db.acquire();
    auto entries = list(*conn, f);
    std::optional<std::string> next;
    if (static_cast<int>(entries.size()) > f.limit) {
      entries.resize(static_cast<size_t>(f.limit));
      next = std::to_string(entries.back().id);
    }
    json::array items;
    for (const auto& e : entries) items.push_back(json::value_from(e));
    return http::list_response(std::move(items), next);
  });
}

}  // namespace firstline::audit
