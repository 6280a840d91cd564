// Rules of the risk levels (issue 6, item 2): every area's level low /
// medium / high from the signals of level.hpp under the stored rules, with
// its reasons; an area above the grids takes the highest of its children's
// levels ("highest child: <name>") or its own signals' level if higher.
// Recomputation is set-based (one GROUP BY query per signal, one SEIR
// projection per district, multi-row writes), serialized by a mutex, run by
// a scheduler on the injected clock and after every rule change. When a grid
// or community rises to medium or high, a warning is proposed through
// WarningService::propose (medium → yellow, high → orange; a person releases
// it; one pending proposal per area and level). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "epi/epi_service.hpp"
#include "levels/level.hpp"
#include "warnings/warning_service.hpp"

namespace firstline::levels {

struct LevelOptions {
  int utc_offset_minutes = 480;  // local dates (China Standard Time)
  // The missed-report rate is measured for today once this local hour has
  // passed (the health module's deadline), for yesterday before it.
  int deadline_hour = 10;
  int forecast_days = 14;  // horizon of the projected rise
};

/// One area's level with its children's (and, above the grids, every grid's under it, for the map).
struct AreaView {
  AreaLevel area;
  std::vector<AreaLevel> children;
  std::vector<AreaLevel> grids;
};

/// What setting the rules did: the rules now in force and the recomputation.
struct RulesChange {
  Rules rules;
  RecomputeSummary recompute;
};

class LevelService {
 public:
  /// `epi` and `warnings` may be null (no forecast signal, no proposals),
  /// e.g. in benchmarks; both must outlive the service.
  LevelService(db::Database& db, const core::Clock& clock, epi::EpiService* epi, warnings::WarningService* warnings,
               LevelOptions options = {});
  ~LevelService();

  /// The rules in force (read_areas anywhere).
  core::Result<Rules> rules(const core::Principal& who);
  /// Sets the given thresholds ("confirmed.high" → value, nullopt: off) and
  /// recomputes every level. admin or district_official only (forbidden);
  /// invalid naming the rule. Audited.
  /// The read, the change and the write happen in one transaction, so two
  /// officials saving at once both keep their changes.
  core::Result<RulesChange> set_rules(const core::Principal& who,
                                      const std::map<std::string, std::optional<double>>& changes);
  /// Recomputes every level now (admin or district_official).
  core::Result<RecomputeSummary> recompute(const core::Principal& who);
  /// The same without a caller: the scheduler, rule changes and benchmarks.
  RecomputeSummary recompute_all();

  /// An area's level, its children's and (`with_grids`, for districts,
  /// streets and communities) its grids' (read_areas on the area). Values of
  /// personal signals are hidden where the viewer may not read health data.
  core::Result<AreaView> get(const core::Principal& who, std::int64_t area_id, bool with_grids = true);
  /// Changes of an area's level, newest first (read_areas on the area; values
  /// hidden as in get).
  core::Result<std::vector<LevelChange>> history(const core::Principal& who, std::int64_t area_id, int limit = 100);

  void start_scheduler(std::chrono::milliseconds tick = std::chrono::minutes(5));
  void stop_scheduler();

 private:
  db::Database& db_;
  const core::Clock& clock_;
  epi::EpiService* epi_;
  warnings::WarningService* warnings_;
  LevelOptions options_;
  std::mutex recompute_mutex_;
  core::PeriodicTask scheduler_;  // last member: stopped before the others go
};

}  // namespace firstline::levels
