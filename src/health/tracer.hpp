// Contact tracing over movement data: stays from entry/exit scans, then close,
// secondary and general contacts of a case with their evidence. Pure logic:
// the data comes through a MovementSource (SQL in health_store, memory in the
// tests), so the same tracer runs on both backends and against a brute-force
// reference. docs/HEALTH_SPEC.md states the rules.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace firstline::health {

/// A person (resident id > 0) or a visitor (-visitor id < 0).
using Subject = std::int64_t;

struct ScanEvent {
  std::int64_t id = 0;  // scan id: orders scans with equal ts
  Subject subject = 0;
  std::int64_t place_id = 0;
  core::Millis ts = 0;
  bool in = true;
};

struct Stay {
  Subject subject = 0;
  std::int64_t place_id = 0;
  core::Millis start = 0, end = 0;
};

struct TracingRules {
  int window_days_before = 4;
  int min_overlap_minutes = 15;
  int default_stay_minutes = 30;
  int max_stay_hours = 12;
  int utc_offset_minutes = 480;  // local midnight of the onset date
};

struct Evidence {
  std::int64_t place_id = 0;
  core::Millis start = 0, end = 0;  // the overlap
  double minutes = 0;               // (end - start) / 60000
  bool operator==(const Evidence&) const = default;
};

enum class Degree { close = 0, secondary = 1, general = 2 };
enum class Relation { household, co_presence };

struct Contact {
  Subject subject = 0;
  Degree degree = Degree::general;
  Relation relation = Relation::co_presence;
  std::optional<Subject> via;  // secondary: the close contact; close/general: none
  core::Millis exposure = 0;   // first exposure (close: earliest qualifying overlap start)
  std::vector<Evidence> evidence;  // sorted by (start, place_id, end)
};

struct TracingResult {
  core::Millis window_start = 0;
  std::optional<core::Millis> window_end;  // the case's isolation, if any
  std::vector<Stay> case_stays;            // clipped to the window, sorted by start
  std::vector<Contact> contacts;           // sorted by (degree, subject)
};

struct PlaceWindow {
  std::int64_t place_id = 0;
  core::Millis from = 0, to = 0;  // inclusive ts range
};

/// Where the tracer reads movement. Implementations return only scans at
/// places that count for tracing (e.g. not checkpoints).
class MovementSource {
 public:
  virtual ~MovementSource() = default;
  /// Scans of these subjects with from <= ts <= to.
  virtual std::vector<ScanEvent> subject_scans(const std::vector<Subject>& subjects, core::Millis from,
                                               core::Millis to) = 0;
  /// Scans at each place within its window (duplicates across windows allowed).
  virtual std::vector<ScanEvent> place_scans(const std::vector<PlaceWindow>& windows) = 0;
  /// Household members of each person (not the person itself); visitors have none.
  virtual std::map<Subject, std::vector<Subject>> household_members(const std::vector<Subject>& persons) = 0;
  /// When each subject was isolated: the earliest moment at or after `since`
  /// inside a home_quarantine, centralized_isolation or confirmed period (a
  /// period still running at `since` gives `since`), if ever.
  virtual std::map<Subject, core::Millis> isolated_at(const std::vector<Subject>& subjects, core::Millis since) = 0;
};

/// Stays from scans (any order, any subjects and places) per the rules.
std::vector<Stay> build_stays(std::vector<ScanEvent> scans, const TracingRules& rules);

/// Local midnight (rules.utc_offset_minutes) of `onset` minus window_days_before.
core::Millis window_start(const core::Date& onset, const TracingRules& rules);

/// Traces the case. Reads through `source` with few batched calls.
TracingResult trace(MovementSource& source, Subject case_person, const core::Date& onset, const TracingRules& rules);

}  // namespace firstline::health
