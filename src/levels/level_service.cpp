#include "levels/level_service.hpp"

#include <algorithm>
#include <set>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "audit/audit_log.hpp"
#include "health/health_store.hpp"
#include "levels/level_store.hpp"

namespace firstline::levels {

using core::Permission;

namespace {

constexpr core::Millis kHour = 60LL * 60 * 1000;
constexpr core::Millis kDay = 24 * kHour;

std::string date_of_day(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool may_manage(const core::Principal& who) {
  return std::any_of(who.grants.begin(), who.grants.end(), [](const core::Grant& g) {
    return g.role == core::Role::admin || g.role == core::Role::district_official;
  });
}

// The warning level proposed for a risk level.
std::string warning_level(Level l) { return l == Level::high ? "orange" : "yellow"; }

}  // namespace

LevelService::LevelService(db::Database& db, const core::Clock& clock, epi::EpiService* epi,
                           warnings::WarningService* warnings, LevelOptions options)
    : db_(db), clock_(clock), epi_(epi), warnings_(warnings), options_(options) {}

LevelService::~LevelService() { stop_scheduler(); }

core::Result<Rules> LevelService::rules(const core::Principal& who) {
  if (!who.has(Permission::read_areas)) return core::forbidden("your roles do not allow reading risk levels");
  auto conn = db_.acquire();
  return LevelStore::load_rules(*conn);
}

core::Result<RulesChange> LevelService::set_rules(const core::Principal& who,
                                                  const std::map<std::string, std::optional<double>>& changes) {
  if (!may_manage(who)) return core::forbidden("only administrators and district officials may change the rules");
  if (changes.empty()) return core::invalid("rules", "give at least one rule, e.g. \"confirmed.high\": 1");
  const auto now = clock_.now();
  auto conn = db_.acquire();
  auto saved = db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<Rules> {
    LevelStore::lock_rules(*conn);
    auto next = LevelStore::load_rules(*conn);
    std::string detail;
    for (const auto& [key, value] : changes) {
      const auto dot = key.rfind('.');
      const auto signal = dot == std::string::npos ? key : key.substr(0, dot);
      const auto which = dot == std::string::npos ? std::string() : key.substr(dot + 1);
      auto it = next.by_signal.find(signal);
      if (it == next.by_signal.end() || (which != "medium" && which != "high")) {
        return core::invalid(key, "unknown rule " + key + " (signal.medium or signal.high)");
      }
      (which == "medium" ? it->second.medium : it->second.high) = value;
      detail += fmt::format("{}{}={}", detail.empty() ? "" : " ", key, value ? fmt::format("{}", *value) : "off");
    }
    if (auto st = next.validate(); !st) return std::unexpected(st.error());
    std::set<std::string> keys;
    for (const auto& [key, value] : changes) keys.insert(key);
    LevelStore::save_rules(*conn, next, keys, now, who.user_id);
    audit::record(*conn, who, now, "update", "level_rules", std::nullopt, std::nullopt, detail);
    return next;
  });
  if (!saved) return std::unexpected(saved.error());
  {
    auto released = std::move(conn);  // back to the pool before the recomputation takes its own
  }
  return RulesChange{std::move(*saved), recompute_all()};
}

core::Result<RecomputeSummary> LevelService::recompute(const core::Principal& who) {
  if (!may_manage(who)) return core::forbidden("only administrators and district officials may recompute levels");
  return recompute_all();
}

RecomputeSummary LevelService::recompute_all() {
  std::lock_guard lock(recompute_mutex_);
  const auto started = std::chrono::steady_clock::now();
  const auto now = clock_.now();
  RecomputeSummary summary;
  summary.computed_at = now;

  Rules rules;
  std::vector<AreaNode> areas;
  std::map<std::int64_t, Signals> signals;
  std::map<std::int64_t, StoredLevel> before;
  {
    auto conn = db_.acquire();
    rules = LevelStore::load_rules(*conn);
    areas = LevelStore::areas(*conn);
    LevelStore::add_status_counts(*conn, signals);
    LevelStore::add_fevers(*conn, now - kDay, signals);
    LevelStore::add_screening(*conn, signals);
    LevelStore::add_risk_points(*conn, signals);
    // Missed reports of the evaluated day, per grid of every district.
    const auto local = now + static_cast<core::Millis>(options_.utc_offset_minutes) * 60 * 1000;
    auto day = floor_div(local, kDay);
    if (floor_div(local - day * kDay, kHour) < options_.deadline_hour) --day;
    const auto date = date_of_day(day);
    // Statuses at the end of the evaluated day (now, while it is today).
    const auto status_at = std::min(now, (day + 1) * kDay - static_cast<core::Millis>(options_.utc_offset_minutes) * 60 * 1000 - 1);
    for (const auto& a : areas) {
      if (a.parent_id) continue;
      for (const auto& g : health::HealthStore::grid_counts(*conn, a.path, date, status_at)) {
        if (g.expected > 0) {
          signals[g.area_id]["missed_rate"] =
              static_cast<double>(g.expected - g.reported) / static_cast<double>(g.expected);
        }
      }
    }
    before = LevelStore::stored(*conn);
  }
  // The projected rise per 1,000 residents, one projection per district.
  const auto& fr = rules.by_signal["forecast_rise"];
  if (epi_ && (fr.medium || fr.high)) {
    auto p = epi_->parameters().params;  // as saved on the epidemic page
    p.days = options_.forecast_days;
    for (const auto& a : areas) {
      if (a.parent_id) continue;
      auto f = epi_->project(a.id, p);
      if (!f) {
        spdlog::warn("risk levels: no forecast for area {}: {}", a.id, f.error().message);
        continue;
      }
      for (const auto& g : f->grids) {
        if (g.population > 0 && g.projected_rise > 0) {
          // Rounded to 0.1 so that reasons do not change with every tick.
          const double per_1000 = g.projected_rise * 1000.0 / static_cast<double>(g.population);
          signals[g.area_id]["forecast_rise"] = std::round(per_1000 * 10.0) / 10.0;
        }
      }
    }
  }

  // Own levels, then the roll-up from the grids upwards.
  std::sort(areas.begin(), areas.end(), [](const AreaNode& a, const AreaNode& b) {
    return a.depth != b.depth ? a.depth > b.depth : a.code < b.code;
  });
  struct Computed {
    Level level = Level::low;
    std::vector<Reason> reasons;
    const AreaNode* top_child = nullptr;
    Level top_child_level = Level::low;
  };
  std::unordered_map<std::int64_t, Computed> computed;
  computed.reserve(areas.size());
  for (const auto& a : areas) {
    auto& c = computed[a.id];
    auto it = signals.find(a.id);
    c.level = evaluate(rules, it == signals.end() ? Signals{} : it->second, c.reasons);
    if (c.top_child && c.top_child_level > Level::low && c.top_child_level >= c.level) {
      c.level = c.top_child_level;
      c.reasons.insert(c.reasons.begin(),
                       Reason{"child", 0, 0, c.top_child_level, c.top_child->id, c.top_child->name});
    }
    if (a.parent_id) {
      auto& parent = computed[*a.parent_id];
      if (!parent.top_child || c.level > parent.top_child_level) {
        parent.top_child = &a;
        parent.top_child_level = c.level;
      }
    }
  }

  std::vector<LevelStore::Row> rows;
  struct Rise {
    const AreaNode* area;
    Level level;
    std::vector<Reason> reasons;
  };
  std::vector<Rise> rises;
  for (const auto& a : areas) {
    const auto& c = computed[a.id];
    ++summary.areas;
    ++summary.by_level[std::string(level_key(c.level))];
    auto text = encode_reasons(c.reasons);
    auto old = before.find(a.id);
    std::optional<Level> previous;
    if (old != before.end()) previous = old->second.level;
    const bool changed = previous ? *previous != c.level : c.level != Level::low;
    if (old != before.end() && !changed && old->second.reasons == text) continue;
    if (changed) ++summary.changed;
    if (changed && c.level > previous.value_or(Level::low) && a.depth >= 2) rises.push_back({&a, c.level, c.reasons});
    rows.push_back(LevelStore::Row{a.id, c.level, std::move(text), changed, previous});
  }
  {
    auto conn = db_.acquire();
    db::in_transaction(*conn, db::TxMode::write, [&] { LevelStore::write(*conn, rows, now); });
  }

  if (warnings_) {
    for (const auto& r : rises) {
      std::vector<std::string> reasons;
      std::string description = fmt::format("{}的风险等级升为{}。原因：", r.area->name,
                                            r.level == Level::high ? "高" : "中");
      for (const auto& reason : r.reasons) {
        reasons.push_back(reason.text());
        description += reason.text_zh() + "；";
      }
      auto w = warnings_->propose(r.area->id, warning_level(r.level), "风险等级上升",
                                  fmt::format("{}风险等级升为{}", r.area->name, r.level == Level::high ? "高" : "中"),
                                  description, std::move(reasons));
      if (w) ++summary.proposals;
      else spdlog::warn("risk levels: no proposal for area {}: {}", r.area->id, w.error().message);
    }
  }
  summary.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

namespace {
// Withholds the values of personal signals from a viewer who may not read
// the health data of the area at `path`.
void hide_personal_values(const core::Principal& who, const std::string& path, std::vector<Reason>& reasons) {
  if (who.covers(Permission::read_health, path)) return;
  for (auto& r : reasons) {
    if (!is_personal_signal(r.signal)) continue;
    r.value_hidden = true;
    r.value = 0;
  }
}
}  // namespace

core::Result<AreaView> LevelService::get(const core::Principal& who, std::int64_t area_id, bool with_grids) {
  auto conn = db_.acquire();
  auto area = LevelStore::area(*conn, area_id);
  if (!area) return core::not_found("no such area");
  if (!who.covers(Permission::read_areas, area->path)) return core::forbidden("the area is outside your scope");
  AreaView v;
  v.area = *LevelStore::get(*conn, *area);
  v.children = LevelStore::children(*conn, area_id);
  if (with_grids && area->depth < 3) v.grids = LevelStore::grids_under(*conn, area->path);
  hide_personal_values(who, v.area.path, v.area.reasons);
  for (auto* list : {&v.children, &v.grids}) {
    for (auto& a : *list) hide_personal_values(who, a.path, a.reasons);
  }
  return v;
}

core::Result<std::vector<LevelChange>> LevelService::history(const core::Principal& who, std::int64_t area_id,
                                                             int limit) {
  auto conn = db_.acquire();
  auto area = LevelStore::area(*conn, area_id);
  if (!area) return core::not_found("no such area");
  if (!who.covers(Permission::read_areas, area->path)) return core::forbidden("the area is outside your scope");
  auto changes = LevelStore::history(*conn, area_id, limit);
  for (auto& c : changes) hide_personal_values(who, area->path, c.reasons);
  return changes;
}

void LevelService::start_scheduler(std::chrono::milliseconds tick) {
  scheduler_.start("risk level recomputation", tick, [this] { recompute_all(); });
}

void LevelService::stop_scheduler() { scheduler_.stop(); }

}  // namespace firstline::levels
