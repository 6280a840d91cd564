#include "levels/level_routes.hpp"

#include "http/json.hpp"

namespace firstline::levels {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

json::array reasons_json(const std::vector<Reason>& reasons) {
  json::array out;
  for (const auto& r : reasons) {
    json::object o{{"signal", r.signal}, {"level", json::string(level_key(r.level))}, {"text", r.text()}};
    if (r.signal == "child") {
      o["area_id"] = r.child_id;
      o["name"] = r.child_name;
    } else {
      o["value"] = r.value_hidden ? json::value(nullptr) : json::value(r.value);
      o["threshold"] = r.threshold;
    }
    out.push_back(std::move(o));
  }
  return out;
}

json::object level_json(const AreaLevel& a) {
  return json::object{{"area_id", a.area_id},
                      {"name", a.name},
                      {"code", a.code},
                      {"kind", a.kind},
                      {"parent_id", http::or_null(a.parent_id)},
                      {"level", json::string(level_key(a.level))},
                      {"reasons", reasons_json(a.reasons)},
                      {"computed_at", http::iso_or_null(a.computed_at)},
                      {"changed_at", http::iso_or_null(a.changed_at)}};
}

json::value threshold_json(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::value rules_json(const Rules& rules) {
  json::array items;
  for (const auto& key : signal_keys()) {
    auto it = rules.by_signal.find(key);
    const auto t = it == rules.by_signal.end() ? Threshold{} : it->second;
    items.push_back(json::object{{"signal", key},
                                 {"description", json::string(signal_description(key))},
                                 {"medium", threshold_json(t.medium)},
                                 {"high", threshold_json(t.high)}});
  }
  return json::object{{"rules", std::move(items)}};
}

json::value summary_json(const RecomputeSummary& s) {
  json::object by_level{{"low", 0}, {"medium", 0}, {"high", 0}};
  for (const auto& [k, n] : s.by_level) by_level[k] = n;
  return json::object{{"areas", s.areas},
                      {"changed", s.changed},
                      {"proposals", s.proposals},
                      {"by_level", std::move(by_level)},
                      {"computed_at", core::format_iso8601(s.computed_at)},
                      {"milliseconds", s.milliseconds}};
}

core::Result<std::int64_t> required_area(const Request& req) {
  auto v = http::query_int(req, "area_id");
  if (!v) return std::unexpected(v.error());
  if (!*v) return core::invalid("area_id", "area_id is required");
  return **v;
}

}  // namespace

void add_level_routes(http::Router& router, LevelService& s) {
  router.add("GET", "/api/v1/levels", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "grids"}); !st) return http::error_response(st.error());
    FL_TRY(area, required_area(req));
    bool with_grids = true;
    if (auto g = req.query_param("grids")) {
      if (*g == "false" || *g == "0") with_grids = false;
      else if (*g != "true" && *g != "1") return http::error_response({core::ErrorCode::invalid, "grids must be true or false", "grids"});
    }
    FL_TRY(v, s.get(*req.principal, *area, with_grids));
    auto out = level_json(v->area);
    json::array children, grids;
    for (const auto& c : v->children) children.push_back(level_json(c));
    for (const auto& g : v->grids) {
      grids.push_back(json::object{{"area_id", g.area_id},
                                   {"name", g.name},
                                   {"code", g.code},
                                   {"level", json::string(level_key(g.level))},
                                   {"reasons", reasons_json(g.reasons)}});
    }
    out["children"] = std::move(children);
    out["grids"] = std::move(grids);
    return http::json_response(out);
  });

  router.add("GET", "/api/v1/levels/history", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "limit"}); !st) return http::error_response(st.error());
    FL_TRY(area, required_area(req));
    FL_TRY(page, http::parse_page_params(req, 100, 500));
    FL_TRY(changes, s.history(*req.principal, *area, page->limit));
    json::array items;
    for (const auto& c : *changes) {
      items.push_back(json::object{
          {"id", c.id},
          {"area_id", c.area_id},
          {"level", json::string(level_key(c.level))},
          {"previous_level", c.previous ? json::value(json::string(level_key(*c.previous))) : json::value(nullptr)},
          {"reasons", reasons_json(c.reasons)},
          {"changed_at", core::format_iso8601(c.changed_at)}});
    }
    return http::json_response(json::object{{"items", std::move(items)}});
  });

  router.add("GET", "/api/v1/levels/rules", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {}); !st) return http::error_response(st.error());
    FL_TRY(rules, s.rules(*req.principal));
    return http::json_response(rules_json(*rules));
  });

  // Body: {"confirmed.high": 1, "missed_rate.medium": null, ...}; a null turns the threshold off.
  router.add("PUT", "/api/v1/levels/rules", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    std::map<std::string, std::optional<double>> changes;
    for (const auto& [key, value] : *body) {
      const std::string name(key);
      if (value.is_null()) changes[name] = std::nullopt;
      else if (value.is_number()) changes[name] = value.to_number<double>();
      else return http::error_response({core::ErrorCode::invalid, name + " must be a number or null", name});
    }
    FL_TRY(change, s.set_rules(*req.principal, changes));
    auto out = rules_json(change->rules);
    out.as_object()["recompute"] = summary_json(change->recompute);
    return http::json_response(out);
  });

  router.add("POST", "/api/v1/levels/recompute", [&s](Request& req) -> Response {
    FL_TRY(summary, s.recompute(*req.principal));
    return http::json_response(summary_json(*summary));
  });
}

}  // namespace firstline::levels
