// The per-area epidemic view: the daily incidence of confirmed cases of an
// area's subtree with Rt (Cori et al., rt.hpp) and today's counts, and the
// metapopulation SEIR forecast (seir.hpp) over the subtree's grids from
// today's statuses, coupled by the flows observed in the scans. Reads the
// database through EpiStore; the computation stays in rt.cpp and seir.cpp.
// docs/API.md ("Epidemic indicators") states the choices below for users.
//
// Cases. A case is the start of a person's first `confirmed` period of an
// episode; an episode ends with a `recovered` or `normal` period, so a
// confirmed → centralized_isolation → confirmed history is one case and a
// confirmation after recovery is a new one. Residents deleted since still
// count (the case happened). The day of a case is the local date (UTC+8 by
// default) of its confirmation, or with `by = onset` of its onset: the
// earliest of the start of the episode's first period (e.g. observation) and
// the onset date of a tracing run started for the person during the episode.
//
// Forecast compartments per grid, from the current statuses of living
// residents: I = confirmed, E = under observation (contacts being watched are
// the best available proxy for people infected but not yet infectious),
// R = recovered, S = everyone else (home quarantine and centralized isolation
// included: they are counted as susceptible, not removed). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "epi/epi_store.hpp"
#include "epi/rt.hpp"
#include "epi/seir.hpp"

namespace firstline::epi {

struct EpiOptions {
  int utc_offset_minutes = 480;  // local dates (China Standard Time)
  int flow_days = 7;             // past whole days of scans averaged into the forecast's flows
};

inline constexpr int kDefaultCurveDays = 60;
inline constexpr int kMaxCurveDays = 365;

struct CurveQuery {
  std::int64_t area_id = 0;
  int days = kDefaultCurveDays;  // 1..kMaxCurveDays, ending today
  double si_mean = 4.7;          // serial interval, discretized Gamma (days), 0 < x <= 30
  double si_sd = 2.9;            // 0 < x <= 30
  int window = 7;                // Rt window τ, 1..kMaxRtWindow
  std::string by = "confirmed";  // confirmed | onset
};

struct DayCount {
  std::string date;  // YYYY-MM-DD (local)
  std::int64_t cases = 0;
};

struct RtPoint {
  std::string date;        // the window's last day (the day the estimate is for)
  std::string start_date;  // the window's first day
  RtEstimate estimate;
};

/// Current statuses of the living residents of an area's subtree.
struct StatusNow {
  std::int64_t population = 0;
  std::int64_t confirmed = 0, observation = 0, home_quarantine = 0, centralized_isolation = 0, recovered = 0;
};

struct Curve {
  std::int64_t area_id = 0;
  std::string area_name, level;
  std::string today;
  CurveQuery query;
  std::vector<double> serial_interval;  // w_1, w_2, ...
  double min_cases = 12;
  std::vector<DayCount> incidence;  // oldest first, every day of the range
  std::int64_t total_cases = 0;     // over the range
  /// One estimate per day of the range (earlier days feed the first windows).
  std::vector<RtPoint> rt;
  StatusNow now;
};

struct ForecastParams {
  int days = kDefaultForecastDays;  // 1..kMaxForecastDays
  double r0 = 2.5;                  // 0..20
  double latent_days = 3.0;         // 0.1..60
  double infectious_days = 5.0;     // 0.1..60
  double time_fraction = 1.0 / 3.0; // 0..1: share of a visitor's day spent in the grid visited
  double observation_share = 0.1;   // 0..1: share of the people under observation taken as infected (E)
};

/// Parameters to change; the others keep their stored values.
struct ForecastParamsChange {
  std::optional<double> r0, latent_days, infectious_days, time_fraction, observation_share;
};

/// The stored forecast parameters (settings shared by every node): the
/// defaults of the epidemic page and the parameters of the risk-level engine.
struct StoredForecastParams {
  ForecastParams params;  // days is not stored (each caller has its horizon)
  std::optional<core::Millis> updated_at;
  std::string updated_by;
};

/// `invalid` naming the field (days, r0, latent_days, infectious_days, time_fraction, observation_share).
core::Status validate(const ForecastParams& p);

struct ForecastDay {
  std::string date;
  SeirState state;             // the area's totals at the end of the day
  double new_infectious = 0;   // entries into I that day (closest to new reported cases)
  double new_infections = 0;   // entries into E that day
};

struct GridForecast {
  std::int64_t area_id = 0;
  std::string name, code;
  std::int64_t population = 0;
  SeirState initial, final_state;
  std::vector<double> new_infectious;  // days 1..horizon
  double projected_rise = 0;           // Σ new_infectious over the horizon
};

struct Forecast {
  std::int64_t area_id = 0;
  std::string area_name, level;
  std::string today;
  ForecastParams params;
  SeirParams rates;
  int steps_per_day = 0;
  int flow_days = 0;
  std::size_t flow_pairs = 0;       // grid pairs with observed flows
  std::vector<ForecastDay> days;    // day 0 (today, the initial state) .. horizon
  std::vector<GridForecast> grids;  // largest projected rise first
  double projected_total = 0;       // Σ over grids of projected_rise
};

class EpiService {
 public:
  EpiService(db::Database& db, const core::Clock& clock, EpiOptions options = {});

  const EpiOptions& options() const { return options_; }
  /// Today's local date, YYYY-MM-DD.
  std::string today() const;

  /// Incidence, Rt and today's counts of an area's subtree (read_health on the area).
  core::Result<Curve> curve(const core::Principal& who, const CurveQuery& q);
  /// The SEIR projection over the grids of an area's subtree (read_health on the area).
  core::Result<Forecast> forecast(const core::Principal& who, std::int64_t area_id, const ForecastParams& p);
  /// The same projection without a caller (no scope check): for the risk-level
  /// engine, which reads `grids[].projected_rise`.
  core::Result<Forecast> project(std::int64_t area_id, const ForecastParams& p);

  /// The stored parameters (the built-in defaults until someone saves them).
  StoredForecastParams parameters();
  /// Changes the given parameters (administrators, district officials and
  /// experts); the read, the change and the write are one transaction that
  /// concurrent saves wait for, so none is lost. Audited.
  core::Result<StoredForecastParams> set_parameters(const core::Principal& who, const ForecastParamsChange& change);
  /// Forgets the stored parameters: the built-in defaults apply again (same roles; audited).
  core::Result<StoredForecastParams> reset_parameters(const core::Principal& who);

 private:
  core::Result<Forecast> project(db::Connection& conn, std::int64_t area_id, const ForecastParams& p);
  std::int64_t local_day(core::Millis t) const;
  core::Millis local_midnight(std::int64_t day) const;

  /// The week's flows under `path`, from the stored days; the sums are kept
  /// while every day's stored counts stay at the same version.
  std::vector<EpiStore::FlowRow> week_flows(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                       std::int64_t last_day);

  db::Database& db_;
  const core::Clock& clock_;
  EpiOptions options_;
  struct FlowSums {
    std::string path;
    std::int64_t first_day = 0, last_day = 0;
    std::vector<std::int64_t> versions;
    std::vector<EpiStore::FlowRow> rows;
  };
  std::mutex flow_mutex_;
  std::vector<FlowSums> flow_sums_;  // a few areas' (the districts', the pages' latest)
};

}  // namespace firstline::epi
