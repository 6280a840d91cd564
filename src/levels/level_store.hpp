// SQL of the risk levels: the rules (key=value rows of level_rules), the
// signals of every area in one set-based query per signal (GROUP BY area),
// the stored levels and their history. No rules are applied here;
// LevelService does that.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "levels/level.hpp"

namespace firstline::levels {

/// An area as the engine needs it.
struct AreaNode {
  std::int64_t id = 0;
  std::string name, code;
  int depth = 0;  // core::AreaLevel: 0 district .. 3 grid
  std::optional<std::int64_t> parent_id;
  std::string path;
};

/// A stored level row: level and encoded reasons.
struct StoredLevel {
  Level level = Level::low;
  std::string reasons;
};

class LevelStore {
 public:
  /// The defaults overlaid with the stored rows ("confirmed.high" = "1" or "off").
  static Rules load_rules(db::Connection& conn);
  /// Stores every threshold of `rules` (one row per signal and level).
  /// Inside a write transaction: makes concurrent rule saves wait for this
  /// one (PostgreSQL; SQLite runs one writer at a time anyway), so each
  /// validates against the rules the other saved.
  static void lock_rules(db::Connection& conn);
  /// Writes the thresholds named in `keys` ("confirmed.high") only, so that
  /// officials changing different rules at once keep each other's changes.
  static void save_rules(db::Connection& conn, const Rules& rules, const std::set<std::string>& keys, core::Millis now,
                         std::optional<std::int64_t> by);

  /// Every area not deleted.
  static std::vector<AreaNode> areas(db::Connection& conn);

  /// Per area: residents whose current status is confirmed / observation.
  static void add_status_counts(db::Connection& conn, std::map<std::int64_t, Signals>& out);
  /// Per area: open fever alerts created at or after `since`.
  static void add_fevers(db::Connection& conn, core::Millis since, std::map<std::int64_t, Signals>& out);
  /// Per area: open screening items.
  static void add_screening(db::Connection& conn, std::map<std::int64_t, Signals>& out);
  /// Per area: risk points not deleted with likelihood × impact ≥ 10.
  static void add_risk_points(db::Connection& conn, std::map<std::int64_t, Signals>& out);

  /// The stored level of every area computed before.
  static std::map<std::int64_t, StoredLevel> stored(db::Connection& conn);
  /// Writes the rows whose level or reasons differ from what is stored (a
  /// multi-row upsert), a history row for each level change, and sets
  /// computed_at of every row to `now`.
  struct Row {
    std::int64_t area_id = 0;
    Level level = Level::low;
    std::string reasons;
    bool level_changed = false;
    std::optional<Level> previous;
  };
  static void write(db::Connection& conn, const std::vector<Row>& rows, core::Millis now);

  /// The stored level of one area (nullopt: never computed) and of a set of areas.
  static std::optional<AreaLevel> get(db::Connection& conn, const AreaNode& area);
  /// Levels of the direct children of an area.
  static std::vector<AreaLevel> children(db::Connection& conn, std::int64_t area_id);
  /// Levels of every grid under a path.
  static std::vector<AreaLevel> grids_under(db::Connection& conn, const std::string& path);
  static std::optional<AreaNode> area(db::Connection& conn, std::int64_t id);
  /// Changes of one area's level, newest first.
  static std::vector<LevelChange> history(db::Connection& conn, std::int64_t area_id, int limit);
};

}  // namespace firstline::levels
