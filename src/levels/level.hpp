// The model of risk levels per area: the signals measured per grid, the
// rules (a medium and a high threshold per signal, either may be off), the
// reasons a level carries, and an area's stored level and its history.
// Plain values; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace firstline::levels {

/// low < medium < high; compare with rank().
enum class Level { low = 0, medium = 1, high = 2 };
std::string_view level_key(Level l);
std::optional<Level> parse_level(std::string_view key);

/// The signals measured per area (all of them per grid; risk points also on
/// the community or street they are registered at), in display order:
///   confirmed      residents whose current status is confirmed
///   observation    residents whose current status is observation
///   fevers         open fever alerts raised in the last 24 h
///   missed_rate    1 − completeness of the evaluated day's reports (0..1)
///   screening      open screening items (arrivals from risky areas)
///   risk_points    risk points rated high or critical (likelihood × impact ≥ 10)
///   forecast_rise  SEIR projected 14-day rise of cases per 1,000 residents
const std::vector<std::string>& signal_keys();
/// A short description of a signal, for the rules endpoint and docs.
std::string_view signal_description(std::string_view key);

/// Thresholds of one signal: the level is reached when value ≥ threshold.
/// nullopt: the signal never produces that level.
struct Threshold {
  std::optional<double> medium, high;
};

/// All rules, one Threshold per signal key.
struct Rules {
  std::map<std::string, Threshold> by_signal;
  /// The defaults of docs/API.md ("Risk levels").
  static Rules defaults();
  /// invalid naming the rule ("observation.high") when a threshold is
  /// negative, a rate is above 1, or high is below medium.
  core::Status validate() const;
};

/// Why an area has its level: a signal that reached a threshold, or (signal
/// "child") the child whose level the area takes.
struct Reason {
  std::string signal;
  double value = 0;
  double threshold = 0;
  Level level = Level::low;
  std::int64_t child_id = 0;  // signal "child" only
  std::string child_name;     // signal "child" only
  /// The value withheld from a viewer who may not read the area's health
  /// data: the signal, threshold and level remain.
  bool value_hidden = false;
  /// "confirmed 2 ≥ 1 → high", "highest child: 幸福社区"; hidden: "confirmed ≥ 1 → high".
  std::string text() const;
  /// The same in Chinese for warnings: "确诊病例 2 ≥ 1 → 高", "健康上报漏报率 45% ≥ 30% → 中".
  std::string text_zh() const;
};

/// Signals counted from people's health, status or movement records (all
/// but risk_points and child): their values are personal in a small grid.
bool is_personal_signal(std::string_view signal);

/// Reasons as stored in area_levels.reasons: one line per reason,
/// "signal|value|threshold|level|child_id|child_name".
std::string encode_reasons(const std::vector<Reason>& reasons);
std::vector<Reason> decode_reasons(const std::string& text);

/// Measured signals of one area (missing keys: 0).
using Signals = std::map<std::string, double>;

/// The level the signals reach under the rules, with a reason per signal at
/// or above its medium threshold (its highest threshold reached).
Level evaluate(const Rules& rules, const Signals& signals, std::vector<Reason>& reasons);

/// An area's current level as stored.
struct AreaLevel {
  std::int64_t area_id = 0;
  std::string name, code, kind;  // kind: district, street, community, grid
  std::optional<std::int64_t> parent_id;
  std::string path;
  Level level = Level::low;
  std::vector<Reason> reasons;
  std::optional<core::Millis> computed_at, changed_at;  // unset: never computed
};

/// One change of an area's level.
struct LevelChange {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  Level level = Level::low;
  std::optional<Level> previous;  // unset: the first computation
  std::vector<Reason> reasons;
  core::Millis changed_at = 0;
};

/// What a recomputation did.
struct RecomputeSummary {
  std::int64_t areas = 0;      // areas levelled
  std::int64_t changed = 0;    // areas whose level changed
  std::int64_t proposals = 0;  // warnings proposed for rising grids and communities
  std::map<std::string, std::int64_t> by_level;  // low/medium/high → count
  core::Millis computed_at = 0;
  double milliseconds = 0;
};

}  // namespace firstline::levels
