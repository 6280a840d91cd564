// SQL of the per-area epidemic view: the grids of a subtree with their living
// residents, current health statuses per grid, the status histories of the
// people confirmed since a time (for incidence), tracing runs' onset dates,
// and grid-to-grid flows from the scans. Reads only; no rules here
// (EpiService applies them). Every function runs on the caller's connection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"

namespace firstline::epi {

class EpiStore {
 public:
  struct GridRow {
    std::int64_t area_id = 0;
    std::string name, code, path;
    std::int64_t residents = 0;  // living (not deleted) residents
  };
  /// Live grids under `path` (the area itself if it is a grid), ordered by path.
  static std::vector<GridRow> grids(db::Connection& conn, const std::string& path);

  struct StatusCounts {
    std::int64_t observation = 0, home_quarantine = 0, centralized_isolation = 0, confirmed = 0, recovered = 0;
  };
  /// Current status (the period without an end) of living residents, counted per grid under `path`.
  static std::map<std::int64_t, StatusCounts> current_counts(db::Connection& conn, const std::string& path);

  struct PeriodRow {
    std::int64_t person_id = 0;
    std::string status;
    core::Millis starts_at = 0;
  };
  /// Every status period (any time) of the residents under `path`, deleted
  /// ones included, who have a `confirmed` period starting at or after
  /// `since`; ordered by person, start and id.
  static std::vector<PeriodRow> case_histories(db::Connection& conn, const std::string& path, core::Millis since);

  struct RunOnset {
    std::int64_t person_id = 0;
    std::string onset_date;  // YYYY-MM-DD
    core::Millis created_at = 0;
  };
  /// The onset dates of the tracing runs started for these people.
  static std::vector<RunOnset> run_onsets(db::Connection& conn, const std::vector<std::int64_t>& person_ids);

  struct FlowRow {
    std::int64_t from = 0, to = 0;  // home grid, grid of the place
    std::int64_t person_days = 0;   // Σ over local days of distinct residents seen
  };
  /// Residents of a grid under `path` scanned at a place in another grid under
  /// `path` on the past local days [first_day, last_day] (days since 1970-01-01
  /// at UTC offset `utc_offset_minutes`): distinct people per day, summed over
  /// the days. Read from the per-day counts of movement::FlowDays.
  /// A value of the settings table shared by every node, and its update.
  static std::optional<std::string> setting(db::Connection& conn, const std::string& key);
  static void save_setting(db::Connection& conn, const std::string& key, const std::string& value);
  static void delete_setting(db::Connection& conn, const std::string& key);
  /// Inside a write transaction: concurrent read-change-write of settings
  /// waits for this one (PostgreSQL; SQLite runs one writer at a time).
  static void lock_settings(db::Connection& conn);

  /// The two halves of grid_flows: computing the stale days (answering the
  /// version each day was computed at) and summing the stored days.
  static std::vector<std::int64_t> ensure_flow_days(db::Connection& conn, std::int64_t first_day, std::int64_t last_day,
                                                    int utc_offset_minutes, core::Millis now);
  static std::vector<FlowRow> stored_flows(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                           std::int64_t last_day);

  static std::vector<FlowRow> grid_flows(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                         std::int64_t last_day, int utc_offset_minutes, core::Millis now);
};

}  // namespace firstline::epi
