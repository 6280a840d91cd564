#include "epi/epi_routes.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "epi/rt.hpp"
#include "http/json.hpp"

namespace firstline::epi {

namespace json = boost::json;
using http::FieldReader;
using http::Request;
using http::Response;

namespace {

constexpr double kMaxDailyCount = 1e9;

// A JSON number as a double, or nullopt for anything else.
std::optional<double> as_number(const json::value& v) {
  if (!v.is_number()) return std::nullopt;
  return v.to_number<double>();
}

std::optional<std::vector<double>> read_incidence(FieldReader& r) {
  const auto* v = r.raw("incidence", true);
  if (!v) return std::nullopt;
  const auto message = fmt::format("incidence must be an array of non-negative integers (daily counts, day 1 first), "
                                   "at most {} days",
                                   kMaxIncidenceDays);
  if (!v->is_array() || v->get_array().size() > kMaxIncidenceDays) {
    r.fail("incidence", message);
    return std::nullopt;
  }
  std::vector<double> out;
  out.reserve(v->get_array().size());
  for (const auto& e : v->get_array()) {
    auto x = as_number(e);
    if (!x || !std::isfinite(*x) || *x < 0 || *x > kMaxDailyCount || *x != std::floor(*x)) {
      r.fail("incidence", message);
      return std::nullopt;
    }
    out.push_back(*x);
  }
  return out;
}

std::optional<std::vector<double>> read_serial_interval(FieldReader& r) {
  const auto* v = r.raw("serial_interval", true);
  if (!v) return std::nullopt;
  const auto message = fmt::format("serial_interval must be an array of 1 to {} probabilities "
                                   "(of a serial interval of 1, 2, ... days) that sum to 1",
                                   kMaxSerialIntervalDays);
  if (!v->is_array() || v->get_array().empty() || v->get_array().size() > kMaxSerialIntervalDays) {
    r.fail("serial_interval", message);
    return std::nullopt;
  }
  std::vector<double> out;
  out.reserve(v->get_array().size());
  for (const auto& e : v->get_array()) {
    auto x = as_number(e);
    if (!x || !std::isfinite(*x) || *x < 0) {
      r.fail("serial_interval", message);
      return std::nullopt;
    }
    out.push_back(*x);
  }
  return out;
}

// An optional number query parameter; `message` names the field and its range.
core::Result<std::optional<double>> query_number(const Request& req, const std::string& name,
                                                 const std::string& message) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<double>{};
  double x = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || ptr != v->data() + v->size() || !std::isfinite(x)) return core::invalid(name, message);
  return std::optional<double>{x};
}

// An optional integer query parameter (ranges are checked by the service).
core::Result<std::optional<int>> query_small_int(const Request& req, const std::string& name,
                                                 const std::string& message) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<int>{};
  int x = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || ptr != v->data() + v->size()) return core::invalid(name, message);
  return std::optional<int>{x};
}

// Rounded for the wire: counts of people need no more than 3 decimals.
double r3(double x) { return std::round(x * 1000.0) / 1000.0; }

json::object state_json(const SeirState& s) {
  return json::object{{"S", r3(s.S)}, {"E", r3(s.E)}, {"I", r3(s.I)}, {"R", r3(s.R)}};
}

json::object estimate_json(const RtEstimate& e) {
  return json::object{{"t_start", e.t_start}, {"t_end", e.t_end},   {"mean", e.mean},
                      {"std", e.std},         {"q025", e.q025},     {"median", e.median},
                      {"q975", e.q975},       {"enough_cases", e.enough_cases}};
}

json::object parameters_json(const StoredForecastParams& sp) {
  const auto& p = sp.params;
  return json::object{{"r0", p.r0},
                      {"latent_days", p.latent_days},
                      {"infectious_days", p.infectious_days},
                      {"time_fraction", p.time_fraction},
                      {"observation_share", p.observation_share},
                      {"updated_at", http::iso_or_null(sp.updated_at)},
                      {"updated_by", sp.updated_by.empty() ? json::value(nullptr) : json::value(sp.updated_by)}};
}

core::Result<std::int64_t> required_area(const Request& req) {
  auto area = http::query_int(req, "area_id");
  if (!area) return std::unexpected(area.error());
  if (!*area) return core::invalid("area_id", "area_id is required");
  return **area;
}

}  // namespace

void add_epi_routes(http::Router& router, EpiService& s) {
  add_rt_route(router);

  router.add("GET", "/api/v1/epi/curve", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "days", "si_mean", "si_sd", "window", "by"}); !st)
      return http::error_response(st.error());
    FL_TRY(area, required_area(req));
    CurveQuery q;
    q.area_id = *area;
    FL_TRY(days, query_small_int(req, "days", fmt::format("days must be an integer from 1 to {}", kMaxCurveDays)));
    if (*days) q.days = **days;
    FL_TRY(si_mean, query_number(req, "si_mean", "si_mean must be a number of days above 0, at most 30"));
    if (*si_mean) q.si_mean = **si_mean;
    FL_TRY(si_sd, query_number(req, "si_sd", "si_sd must be a number of days above 0, at most 30"));
    if (*si_sd) q.si_sd = **si_sd;
    FL_TRY(window, query_small_int(req, "window", fmt::format("window must be an integer from 1 to {}", kMaxRtWindow)));
    if (*window) q.window = **window;
    if (auto by = req.query_param("by"); by && !by->empty()) q.by = *by;
    FL_TRY(c, s.curve(*req.principal, q));

    json::array incidence;
    for (const auto& d : c->incidence) incidence.push_back(json::object{{"date", d.date}, {"cases", d.cases}});
    json::array rt;
    for (const auto& p : c->rt) {
      auto o = estimate_json(p.estimate);
      o["date"] = p.date;
      o["start_date"] = p.start_date;
      o["cases"] = p.estimate.cases;
      rt.push_back(std::move(o));
    }
    json::array w;
    for (double x : c->serial_interval) w.push_back(x);
    const auto& n = c->now;
    return http::json_response(json::object{
        {"area_id", c->area_id},
        {"area_name", c->area_name},
        {"level", c->level},
        {"today", c->today},
        {"days", c->query.days},
        {"by", c->query.by},
        {"serial_interval", json::object{{"distribution", "gamma"},
                                         {"mean", c->query.si_mean},
                                         {"sd", c->query.si_sd},
                                         {"weights", std::move(w)}}},
        {"window", c->query.window},
        {"min_cases", c->min_cases},
        {"incidence", std::move(incidence)},
        {"total_cases", c->total_cases},
        {"rt", std::move(rt)},
        {"now", json::object{{"population", n.population},
                             {"confirmed", n.confirmed},
                             {"observation", n.observation},
                             {"home_quarantine", n.home_quarantine},
                             {"centralized_isolation", n.centralized_isolation},
                             {"quarantine_or_isolation", n.home_quarantine + n.centralized_isolation},
                             {"recovered", n.recovered}}}});
  });

  router.add("GET", "/api/v1/epi/forecast/parameters", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {}); !st) return http::error_response(st.error());
    if (!req.principal->has(core::Permission::read_health)) {
      return http::error_response(core::forbidden("reading the forecast needs access to health data").error());
    }
    return http::json_response(parameters_json(s.parameters()));
  });

  // Body: any of r0, latent_days, infectious_days, time_fraction, observation_share;
  // the others keep their stored values.
  router.add("PUT", "/api/v1/epi/forecast/parameters", [&s](Request& req) -> Response {
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    ForecastParamsChange change;
    change.r0 = r.number("r0");
    change.latent_days = r.number("latent_days");
    change.infectious_days = r.number("infectious_days");
    change.time_fraction = r.number("time_fraction");
    change.observation_share = r.number("observation_share");
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    FL_TRY(saved, s.set_parameters(*req.principal, change));
    return http::json_response(parameters_json(*saved));
  });

  router.add("DELETE", "/api/v1/epi/forecast/parameters", [&s](Request& req) -> Response {
    FL_TRY(reset, s.reset_parameters(*req.principal));
    return http::json_response(parameters_json(*reset));
  });

  router.add("GET", "/api/v1/epi/forecast", [&s](Request& req) -> Response {
    if (auto st = http::check_query_names(
            req, {"area_id", "days", "r0", "latent_days", "infectious_days", "time_fraction", "observation_share"});
        !st)
      return http::error_response(st.error());
    FL_TRY(area, required_area(req));
    auto p = s.parameters().params;  // the stored parameters, each overridable per request
    FL_TRY(days, query_small_int(req, "days", fmt::format("days must be an integer from 1 to {}", kMaxForecastDays)));
    if (*days) p.days = **days;
    FL_TRY(r0, query_number(req, "r0", "r0 must be a number from 0 to 20"));
    if (*r0) p.r0 = **r0;
    FL_TRY(latent, query_number(req, "latent_days", "latent_days must be a number of days from 0.1 to 60"));
    if (*latent) p.latent_days = **latent;
    FL_TRY(infectious, query_number(req, "infectious_days", "infectious_days must be a number of days from 0.1 to 60"));
    if (*infectious) p.infectious_days = **infectious;
    FL_TRY(tf, query_number(req, "time_fraction", "time_fraction must be a number from 0 to 1"));
    if (*tf) p.time_fraction = **tf;
    FL_TRY(share, query_number(req, "observation_share", "observation_share must be a number from 0 to 1"));
    if (*share) p.observation_share = **share;
    FL_TRY(f, s.forecast(*req.principal, *area, p));

    json::array days_out;
    for (std::size_t d = 0; d < f->days.size(); ++d) {
      const auto& x = f->days[d];
      auto o = state_json(x.state);
      o["day"] = static_cast<std::int64_t>(d);
      o["date"] = x.date;
      o["new_infectious"] = r3(x.new_infectious);
      o["new_infections"] = r3(x.new_infections);
      days_out.push_back(std::move(o));
    }
    json::array grids;
    for (const auto& g : f->grids) {
      json::array daily;
      for (double x : g.new_infectious) daily.push_back(r3(x));
      grids.push_back(json::object{{"area_id", g.area_id},
                                   {"name", g.name},
                                   {"code", g.code},
                                   {"population", g.population},
                                   {"initial", state_json(g.initial)},
                                   {"final", state_json(g.final_state)},
                                   {"new_infectious", std::move(daily)},
                                   {"projected_rise", r3(g.projected_rise)}});
    }
    const auto& pr = f->params;
    return http::json_response(json::object{
        {"area_id", f->area_id},
        {"area_name", f->area_name},
        {"level", f->level},
        {"today", f->today},
        {"parameters", json::object{{"days", pr.days},
                                    {"r0", pr.r0},
                                    {"latent_days", pr.latent_days},
                                    {"infectious_days", pr.infectious_days},
                                    {"time_fraction", pr.time_fraction},
                                    {"observation_share", pr.observation_share},
                                    {"beta", f->rates.beta},
                                    {"sigma", f->rates.sigma},
                                    {"gamma", f->rates.gamma},
                                    {"flow_days", f->flow_days},
                                    {"steps_per_day", f->steps_per_day}}},
        {"flow_pairs", static_cast<std::int64_t>(f->flow_pairs)},
        {"days", std::move(days_out)},
        {"grids", std::move(grids)},
        {"projected_total", r3(f->projected_total)}});
  });
}

void add_rt_route(http::Router& router) {
  router.add("POST", "/api/v1/epi/rt", [](Request& req) -> Response {
    if (!req.principal->has(core::Permission::read_areas)) {
      return http::error_response({core::ErrorCode::forbidden, "your roles do not allow reading epidemic indicators"});
    }
    FL_TRY(body, http::parse_object_body(req));
    FieldReader r(*body);
    auto incidence = read_incidence(r);
    auto w = read_serial_interval(r);
    RtOptions options;
    // Ranges are checked by estimate_rt, with errors naming the same fields.
    if (auto x = r.integer("window"); x) {
      options.window = static_cast<int>(std::clamp<std::int64_t>(*x, -1, kMaxRtWindow + 1));
    }
    if (auto x = r.number("prior_mean"); x) options.prior_mean = *x;
    if (auto x = r.number("prior_sd"); x) options.prior_sd = *x;
    if (auto x = r.number("min_cases"); x) options.min_cases = *x;
    if (auto st = r.finish(); !st) return http::error_response(st.error());

    FL_TRY(estimates, estimate_rt(*incidence, *w, options));
    json::array items;
    items.reserve(estimates->size());
    for (const auto& e : *estimates) {
      items.push_back(estimate_json(e));
    }
    return http::json_response(json::object{{"estimates", std::move(items)}});
  });
}

}  // namespace firstline::epi
