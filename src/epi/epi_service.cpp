#include "epi/epi_service.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "epi/epi_store.hpp"

namespace firstline::epi {

using core::Permission;

namespace {

constexpr core::Millis kMinute = 60 * 1000;
constexpr core::Millis kDay = 24 * 60 * kMinute;
// Days of incidence before the first shown day, at most, feeding the first
// windows' infectiousness (window − 1 + the serial interval's length).
constexpr int kMaxLeadDays = 120;
constexpr double kMaxSerialIntervalMean = 30.0;
constexpr double kMaxR0 = 20.0;
constexpr double kMinPeriodDays = 0.1;
constexpr double kMaxPeriodDays = 60.0;

std::string date_text(std::int64_t day) { return core::Date::from_days(day).to_string(); }

bool finite_in(double x, double lo, double hi) { return std::isfinite(x) && x >= lo && x <= hi; }

core::Status validate_curve(const CurveQuery& q) {
  if (q.days < 1 || q.days > kMaxCurveDays) {
    return core::invalid("days", fmt::format("days must be an integer from 1 to {}", kMaxCurveDays));
  }
  if (!std::isfinite(q.si_mean) || q.si_mean <= 0 || q.si_mean > kMaxSerialIntervalMean) {
    return core::invalid("si_mean", fmt::format("si_mean must be a number of days above 0, at most {}",
                                                kMaxSerialIntervalMean));
  }
  if (!std::isfinite(q.si_sd) || q.si_sd <= 0 || q.si_sd > kMaxSerialIntervalMean) {
    return core::invalid("si_sd",
                         fmt::format("si_sd must be a number of days above 0, at most {}", kMaxSerialIntervalMean));
  }
  if (q.window < 1 || q.window > kMaxRtWindow) {
    return core::invalid("window", fmt::format("window must be an integer from 1 to {}", kMaxRtWindow));
  }
  if (q.by != "confirmed" && q.by != "onset") return core::invalid("by", "by must be confirmed or onset");
  return {};
}

/// A case found in the status histories.
struct CaseEvent {
  std::int64_t person_id = 0;
  core::Millis confirmed_at = 0;
  core::Millis episode_start = 0;  // start of the episode's first period
};

/// Walks each person's periods (ordered by person, start): the first
/// `confirmed` of an episode is a case; `recovered` and `normal` end the episode.
std::vector<CaseEvent> cases_from(const std::vector<EpiStore::PeriodRow>& periods) {
  std::vector<CaseEvent> out;
  std::int64_t person = -1;
  bool in_case = false;
  bool in_episode = false;
  core::Millis episode_start = 0;
  for (const auto& p : periods) {
    if (p.person_id != person) {
      person = p.person_id;
      in_case = false;
      in_episode = false;
    }
    if (p.status == "normal" || p.status == "recovered") {
      in_case = false;
      in_episode = false;
      continue;
    }
    if (!in_episode) {
      in_episode = true;
      episode_start = p.starts_at;
    }
    if (p.status == "confirmed" && !in_case) {
      in_case = true;
      out.push_back(CaseEvent{p.person_id, p.starts_at, episode_start});
    }
  }
  return out;
}

}  // namespace

core::Status validate(const ForecastParams& p) {
  if (p.days < 1 || p.days > kMaxForecastDays) {
    return core::invalid("days", fmt::format("days must be an integer from 1 to {}", kMaxForecastDays));
  }
  if (!finite_in(p.r0, 0, kMaxR0)) return core::invalid("r0", fmt::format("r0 must be a number from 0 to {}", kMaxR0));
  if (!finite_in(p.latent_days, kMinPeriodDays, kMaxPeriodDays)) {
    return core::invalid("latent_days",
                         fmt::format("latent_days must be a number of days from {} to {}", kMinPeriodDays, kMaxPeriodDays));
  }
  if (!finite_in(p.infectious_days, kMinPeriodDays, kMaxPeriodDays)) {
    return core::invalid("infectious_days", fmt::format("infectious_days must be a number of days from {} to {}",
                                                        kMinPeriodDays, kMaxPeriodDays));
  }
  if (!finite_in(p.time_fraction, 0, 1)) return core::invalid("time_fraction", "time_fraction must be a number from 0 to 1");
  if (!finite_in(p.observation_share, 0, 1)) {
    return core::invalid("observation_share", "observation_share must be a number from 0 to 1");
  }
  return {};
}

EpiService::EpiService(db::Database& db, const core::Clock& clock, EpiOptions options)
    : db_(db), clock_(clock), options_(options) {}

std::int64_t EpiService::local_day(core::Millis t) const {
  const core::Millis local = t + options_.utc_offset_minutes * kMinute;
  std::int64_t day = local / kDay;
  if (local < 0 && local % kDay != 0) --day;
  return day;
}

core::Millis EpiService::local_midnight(std::int64_t day) const {
  return day * kDay - options_.utc_offset_minutes * kMinute;
}

std::string EpiService::today() const { return date_text(local_day(clock_.now())); }

core::Result<Curve> EpiService::curve(const core::Principal& who, const CurveQuery& q) {
  if (auto st = validate_curve(q); !st) return std::unexpected(st.error());
  auto w = discretized_gamma_serial_interval(q.si_mean, q.si_sd);
  if (!w) {
    const auto field = w.error().field == "sd" ? "si_sd" : "si_mean";
    return core::invalid(field, w.error().message);
  }
  auto conn = db_.acquire();
  auto area = areas::AreaStore::get(*conn, q.area_id);
  if (!area) return core::invalid("area_id", fmt::format("no area {}", q.area_id));
  if (!who.covers(Permission::read_health, area->path)) return core::forbidden("this area is outside your scope");

  Curve c;
  c.area_id = area->id;
  c.area_name = area->name;
  c.level = std::string(core::area_level_key(area->level));
  c.query = q;
  c.serial_interval = *w;
  const auto today_day = local_day(clock_.now());
  c.today = date_text(today_day);
  const std::int64_t first_day = today_day - q.days + 1;
  const int lead = std::min<int>(kMaxLeadDays, q.window - 1 + static_cast<int>(w->size()));
  const std::int64_t series_start = first_day - lead;

  // Cases by day over the lead and the shown range.
  auto periods = EpiStore::case_histories(*conn, area->path, local_midnight(series_start));
  auto cases = cases_from(periods);
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, core::Millis>>> runs;  // person -> (onset day, created)
  if (q.by == "onset" && !cases.empty()) {
    std::vector<std::int64_t> people;
    for (const auto& e : cases) people.push_back(e.person_id);
    std::sort(people.begin(), people.end());
    people.erase(std::unique(people.begin(), people.end()), people.end());
    for (const auto& r : EpiStore::run_onsets(*conn, people)) {
      if (auto d = core::parse_date(r.onset_date)) runs[r.person_id].emplace_back(d->days_since_epoch(), r.created_at);
    }
  }
  std::vector<double> series(static_cast<std::size_t>(lead + q.days), 0.0);
  for (const auto& e : cases) {
    std::int64_t day = local_day(e.confirmed_at);
    if (q.by == "onset") {
      // The start of the episode, or a tracing run's onset date if earlier
      // (a run started during the episode, its onset at most 30 days before
      // the confirmation and not after it).
      const auto confirmed_day = day;
      day = std::min(day, local_day(e.episode_start));
      if (auto it = runs.find(e.person_id); it != runs.end()) {
        for (const auto& [onset, created] : it->second) {
          if (created >= e.episode_start && onset <= confirmed_day && onset >= confirmed_day - 30) {
            day = std::min(day, onset);
          }
        }
      }
    }
    if (day < series_start || day > today_day) continue;
    series[static_cast<std::size_t>(day - series_start)] += 1;
  }
  for (int i = 0; i < q.days; ++i) {
    const auto n = static_cast<std::int64_t>(series[static_cast<std::size_t>(lead + i)]);
    c.incidence.push_back(DayCount{date_text(first_day + i), n});
    c.total_cases += n;
  }

  RtOptions o;
  o.window = q.window;
  c.min_cases = o.min_cases;
  auto estimates = estimate_rt(series, *w, o);
  if (!estimates) return std::unexpected(estimates.error());
  for (const auto& e : *estimates) {
    const std::int64_t end_day = series_start + e.t_end - 1;
    if (end_day < first_day) continue;
    c.rt.push_back(RtPoint{date_text(end_day), date_text(series_start + e.t_start - 1), e});
  }

  // Today's counts.
  for (const auto& g : EpiStore::grids(*conn, area->path)) c.now.population += g.residents;
  for (const auto& [grid, n] : EpiStore::current_counts(*conn, area->path)) {
    c.now.confirmed += n.confirmed;
    c.now.observation += n.observation;
    c.now.home_quarantine += n.home_quarantine;
    c.now.centralized_isolation += n.centralized_isolation;
    c.now.recovered += n.recovered;
  }
  return c;
}

core::Result<Forecast> EpiService::forecast(const core::Principal& who, std::int64_t area_id,
                                            const ForecastParams& p) {
  if (auto st = validate(p); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  auto area = areas::AreaStore::get(*conn, area_id);
  if (!area) return core::invalid("area_id", fmt::format("no area {}", area_id));
  if (!who.covers(Permission::read_health, area->path)) return core::forbidden("this area is outside your scope");
  return project(*conn, area_id, p);
}

core::Result<Forecast> EpiService::project(std::int64_t area_id, const ForecastParams& p) {
  if (auto st = validate(p); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  return project(*conn, area_id, p);
}

std::vector<EpiStore::FlowRow> EpiService::week_flows(db::Connection& conn, const std::string& path,
                                                      std::int64_t first_day, std::int64_t last_day) {
  const auto versions = EpiStore::ensure_flow_days(conn, first_day, last_day, options_.utc_offset_minutes,
                                                         clock_.now());
  const bool keep = std::find(versions.begin(), versions.end(), -1) == versions.end();
  if (keep) {
    std::lock_guard lock(flow_mutex_);
    for (const auto& c : flow_sums_) {
      if (c.path == path && c.first_day == first_day && c.last_day == last_day && c.versions == versions) return c.rows;
    }
  }
  auto rows = EpiStore::stored_flows(conn, path, first_day, last_day);
  if (keep) {
    std::lock_guard lock(flow_mutex_);
    std::erase_if(flow_sums_, [&](const FlowSums& c) { return c.path == path; });
    if (flow_sums_.size() >= 8) flow_sums_.erase(flow_sums_.begin());
    flow_sums_.push_back(FlowSums{path, first_day, last_day, versions, rows});
  }
  return rows;
}

core::Result<Forecast> EpiService::project(db::Connection& conn, std::int64_t area_id, const ForecastParams& p) {
  auto area = areas::AreaStore::get(conn, area_id);
  if (!area) return core::invalid("area_id", fmt::format("no area {}", area_id));
  Forecast f;
  f.area_id = area->id;
  f.area_name = area->name;
  f.level = std::string(core::area_level_key(area->level));
  f.params = p;
  f.rates = SeirParams::from_r0(p.r0, p.latent_days, p.infectious_days);
  f.flow_days = options_.flow_days;
  const auto now = clock_.now();
  const auto today_day = local_day(now);
  f.today = date_text(today_day);

  // Grids, their people and today's compartments.
  const auto grids = EpiStore::grids(conn, area->path);
  const auto counts = EpiStore::current_counts(conn, area->path);
  std::unordered_map<std::int64_t, std::size_t> index;
  std::vector<double> populations;
  SeirInput in;
  in.params = f.rates;
  in.days = p.days;
  for (std::size_t i = 0; i < grids.size(); ++i) {
    index[grids[i].area_id] = i;
    const auto n = static_cast<double>(grids[i].residents);
    populations.push_back(n);
    SeirState s;
    if (auto it = counts.find(grids[i].area_id); it != counts.end()) {
      s.I = static_cast<double>(it->second.confirmed);
      s.E = static_cast<double>(it->second.observation) * p.observation_share;
      s.R = static_cast<double>(it->second.recovered);
    }
    s.S = std::max(0.0, n - s.I - s.E - s.R);
    in.initial.push_back(s);
  }

  // Flows of the last whole days: residents seen in another grid per day, averaged.
  std::vector<GridFlow> flows;
  const auto rows = week_flows(conn, area->path, today_day - std::max(1, options_.flow_days), today_day - 1);
  for (const auto& r : rows) {
    auto from = index.find(r.from);
    auto to = index.find(r.to);
    if (from == index.end() || to == index.end()) continue;
    flows.push_back(GridFlow{from->second, to->second,
                             static_cast<double>(r.person_days) / static_cast<double>(std::max(1, options_.flow_days))});
  }
  f.flow_pairs = flows.size();

  const auto horizon = static_cast<std::size_t>(p.days);
  SeirResult result;
  if (!grids.empty()) {
    auto m = build_mobility(populations, flows, p.time_fraction);
    if (!m) return core::invalid("time_fraction", m.error().message);
    in.mobility = std::move(*m);
    auto r = run_seir(in);
    if (!r) return std::unexpected(r.error());
    result = std::move(*r);
    f.steps_per_day = result.steps_per_day;
  } else {
    result.days.assign(horizon + 1, {});
  }

  for (std::size_t d = 0; d <= horizon; ++d) {
    ForecastDay day;
    day.date = date_text(today_day + static_cast<std::int64_t>(d));
    for (const auto& g : result.days[d]) {
      day.state.S += g.state.S;
      day.state.E += g.state.E;
      day.state.I += g.state.I;
      day.state.R += g.state.R;
      day.new_infectious += g.new_infectious;
      day.new_infections += g.new_infections;
    }
    f.days.push_back(day);
  }
  for (std::size_t i = 0; i < grids.size(); ++i) {
    GridForecast g;
    g.area_id = grids[i].area_id;
    g.name = grids[i].name;
    g.code = grids[i].code;
    g.population = grids[i].residents;
    g.initial = result.days[0][i].state;
    g.final_state = result.days[horizon][i].state;
    for (std::size_t d = 1; d <= horizon; ++d) {
      g.new_infectious.push_back(result.days[d][i].new_infectious);
      g.projected_rise += result.days[d][i].new_infectious;
    }
    f.projected_total += g.projected_rise;
    f.grids.push_back(std::move(g));
  }
  std::stable_sort(f.grids.begin(), f.grids.end(),
                   [](const GridForecast& a, const GridForecast& b) { return a.projected_rise > b.projected_rise; });
  return f;
}

namespace {
constexpr const char* kParamsKey = "forecast_parameters";

// "r0=2.5;latent_days=3;...;updated_at=...;updated_by=..." in the settings table.
std::string encode_params(const ForecastParams& p, core::Millis at, const std::string& by) {
  return fmt::format("r0={};latent_days={};infectious_days={};time_fraction={};observation_share={};updated_at={};updated_by={}",
                     p.r0, p.latent_days, p.infectious_days, p.time_fraction, p.observation_share, at, by);
}

StoredForecastParams decode_params(const std::string& text) {
  StoredForecastParams out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const auto item = text.substr(start, end - start);
    start = end + 1;
    const auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    if (key == "updated_by") {
      out.updated_by = value;
      continue;
    }
    char* stop = nullptr;
    const double v = std::strtod(value.c_str(), &stop);
    if (stop == value.c_str()) continue;
    if (key == "r0") out.params.r0 = v;
    else if (key == "latent_days") out.params.latent_days = v;
    else if (key == "infectious_days") out.params.infectious_days = v;
    else if (key == "time_fraction") out.params.time_fraction = v;
    else if (key == "observation_share") out.params.observation_share = v;
    else if (key == "updated_at") out.updated_at = static_cast<core::Millis>(v);
  }
  // A stored value out of range (edited by hand) falls back to the default.
  if (!validate(out.params)) out.params = ForecastParams{};
  return out;
}

bool may_set_parameters(const core::Principal& who) {
  return std::any_of(who.grants.begin(), who.grants.end(), [](const core::Grant& g) {
    return g.role == core::Role::admin || g.role == core::Role::district_official || g.role == core::Role::expert;
  });
}
}  // namespace

StoredForecastParams EpiService::parameters() {
  auto conn = db_.acquire();
  auto text = EpiStore::setting(*conn, kParamsKey);
  if (!text) return {};
  return decode_params(*text);
}

core::Result<StoredForecastParams> EpiService::set_parameters(const core::Principal& who,
                                                              const ForecastParamsChange& change) {
  if (!may_set_parameters(who)) {
    return core::forbidden("only administrators, district officials and experts may change the forecast parameters");
  }
  const auto now = clock_.now();
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<StoredForecastParams> {
    EpiStore::lock_settings(*conn);
    auto stored = EpiStore::setting(*conn, kParamsKey);
    auto p = stored ? decode_params(*stored).params : ForecastParams{};
    if (change.r0) p.r0 = *change.r0;
    if (change.latent_days) p.latent_days = *change.latent_days;
    if (change.infectious_days) p.infectious_days = *change.infectious_days;
    if (change.time_fraction) p.time_fraction = *change.time_fraction;
    if (change.observation_share) p.observation_share = *change.observation_share;
    p.days = kDefaultForecastDays;
    if (auto st = validate(p); !st) return std::unexpected(st.error());
    const auto text = encode_params(p, now, who.username);
    EpiStore::save_setting(*conn, kParamsKey, text);
    audit::record(*conn, who, now, "update", "forecast_parameters", std::nullopt, std::nullopt, text);
    return decode_params(text);
  });
}

core::Result<StoredForecastParams> EpiService::reset_parameters(const core::Principal& who) {
  if (!may_set_parameters(who)) {
    return core::forbidden("only administrators, district officials and experts may change the forecast parameters");
  }
  auto conn = db_.acquire();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    EpiStore::delete_setting(*conn, kParamsKey);
    audit::record(*conn, who, clock_.now(), "delete", "forecast_parameters", std::nullopt, std::nullopt,
                  "back to the built-in defaults");
  });
  return StoredForecastParams{};
}

}  // namespace firstline::epi
