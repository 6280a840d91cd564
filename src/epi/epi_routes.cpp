#include "epi/epi_routes.hpp"

#include <cmath>
#include <vector>

#include <fmt/format.h>

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

}  // namespace

void add_epi_routes(http::Router& router) {
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
      items.push_back(json::object{{"t_start", e.t_start},
                                   {"t_end", e.t_end},
                                   {"mean", e.mean},
                                   {"std", e.std},
                                   {"q025", e.q025},
                                   {"median", e.median},
                                   {"q975", e.q975},
                                   {"enough_cases", e.enough_cases}});
    }
    return http::json_response(json::object{{"estimates", std::move(items)}});
  });
}

}  // namespace firstline::epi
