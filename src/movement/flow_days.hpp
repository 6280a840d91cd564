// Grid-to-grid flows per past local day, computed once from scans and kept in
// grid_flow_days (migration 9). The forecast reads a week of them for every
// projection; recounting distinct people over a week of scans each time cost
// more than the projection itself.
//
// A day is computed when first asked for once it has passed. A write of scans
// of a past day (a late batch from an offline gate) bumps that day's version,
// so it is computed again on the next read; the version check also makes a
// computation racing such a write count as stale.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"

namespace firstline::movement {

class FlowDays {
 public:
  /// Local day number (days since 1970-01-01 in local time) of `t`.
  static std::int64_t local_day(core::Millis t, int utc_offset_minutes);

  /// Marks the days of the scans at `times` that are before `today` stale.
  /// Call in the transaction that writes the scans.
  static void scans_written(db::Connection& conn, const std::vector<core::Millis>& times, std::int64_t today,
                            int utc_offset_minutes);

  struct Sum {
    std::int64_t home_area_id = 0, place_area_id = 0;
    std::int64_t person_days = 0;  // distinct residents per day, summed over the days
  };
  /// Flows summed over the local days [first_day, last_day] (all before
  /// today) between areas under `path`, computing the days not yet stored.
  static std::vector<Sum> sums(db::Connection& conn, const std::string& path, std::int64_t first_day,
                               std::int64_t last_day, int utc_offset_minutes, core::Millis now);

  /// Computes the stale days of [first_day, last_day] and answers the version
  /// each day's stored counts were computed at: while the answer is the same,
  /// so are the stored counts (a caller may keep their sums).
  /// A day ended less than kSettleMillis before `now` is counted but not
  /// marked fresh (version -1, counted again next time): a batch that read
  /// its clock before midnight may still be writing that day's scans without
  /// marking it stale, and nodes' clocks may differ by a few seconds.
  static std::vector<std::int64_t> ensure(db::Connection& conn, std::int64_t first_day, std::int64_t last_day,
                                          int utc_offset_minutes, core::Millis now);
  static constexpr core::Millis kSettleMillis = 10LL * 60 * 1000;
  /// The stored counts summed over [first_day, last_day] (see `ensure`).
  static std::vector<Sum> stored_sums(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                      std::int64_t last_day);

  /// Drops the stored days before `day` (with the scans they came from).
  static void purge_before(db::Connection& conn, std::int64_t day);

 private:
  static void compute_day(db::Connection& conn, std::int64_t day, int utc_offset_minutes, bool settled);
};

}  // namespace firstline::movement
