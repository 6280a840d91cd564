// Health monitoring: daily reports, status periods, alerts, missed-report
// flags, and stored contact tracing runs. docs/HEALTH_SPEC.md and docs/API.md
// describe the rules; the tracer itself is in tracer.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "health/tracer.hpp"

namespace firstline::health {

/// normal, observation, home_quarantine, centralized_isolation, confirmed, recovered.
const std::vector<std::string_view>& statuses();
/// True if a person with status `from` may be set to `to`.
bool transition_allowed(std::string_view from, std::string_view to);
/// Statuses whose people report twice a day.
bool reports_twice(std::string_view status);
/// Statuses that end the tracing window (the person is isolated).
bool isolates(std::string_view status);
/// Symptom codes; serious ones raise an alert.
const std::vector<std::string_view>& symptom_codes();
bool serious_symptom(std::string_view code);

constexpr double kFeverCelsius = 37.3;

/// A grid is flagged at the deadline when fewer than this share of its
/// expected reports came in (100: any missing report flags it).
constexpr int kDefaultFlagBelowPercent = 95;
inline bool should_flag(std::int64_t expected, std::int64_t received, int below_percent) {
  return received < expected && received * 100 < static_cast<std::int64_t>(below_percent) * expected;
}

struct ReportInput {
  std::optional<std::int64_t> person_id;  // omitted by a resident: their own
  std::string date;                       // YYYY-MM-DD (local)
  std::optional<double> temperature;
  std::vector<std::string> symptoms;
  std::string test_result = "none";  // none | negative | positive
  std::optional<std::string> test_date;
  std::optional<int> slot;
  std::optional<std::string> note;
};

struct Report {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::string person_name;
  std::int64_t area_id = 0;
  std::string date;
  int slot = 1;
  std::optional<double> temperature;
  std::vector<std::string> symptoms;
  std::string test_result = "none";
  std::optional<std::string> test_date;
  std::optional<std::string> note;
  std::string source = "staff";  // self | staff | demo
  std::optional<std::int64_t> reported_by;
  core::Millis created_at = 0, updated_at = 0;
  int amendments = 0;
};

/// The values a report held before an amendment.
struct ReportVersion {
  std::optional<double> temperature;
  std::vector<std::string> symptoms;
  std::string test_result;
  std::optional<std::string> test_date;
  std::optional<std::string> note;
  std::string source;
  std::optional<std::int64_t> reported_by;
  core::Millis reported_at = 0;  // when these values were reported
  core::Millis changed_at = 0;   // when they were replaced
};

struct Alert {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::string person_name;
  std::int64_t area_id = 0;
  std::int64_t report_id = 0;
  std::string kind;  // fever | serious_symptom | positive_test
  std::string detail;
  core::Millis created_at = 0;
  std::string status = "open";  // open | handled
  std::optional<std::int64_t> handled_by;
  std::optional<core::Millis> handled_at;
  std::optional<std::string> note;
};

struct AlertPatch {
  std::optional<std::string> status;
  std::optional<std::string> note;
};

struct AcceptedReport {
  std::size_t index = 0;
  std::int64_t id = 0;
  bool amended = false;
};

struct ReportRejection {
  std::size_t index = 0;
  std::string code;
  std::string message;
  std::optional<std::string> field;
};

struct ReportResult {
  std::vector<AcceptedReport> accepted;
  std::vector<ReportRejection> rejected;
  std::vector<Alert> alerts;
};

struct StatusPeriod {
  std::int64_t id = 0;  // 0: the implicit "normal" of a person without periods
  std::int64_t person_id = 0;
  std::string status = "normal";
  core::Millis starts_at = 0;
  std::optional<core::Millis> ends_at;
  std::optional<std::string> planned_end;
  std::string reason;
  std::optional<std::int64_t> set_by;
  std::string set_by_name;
  core::Millis set_at = 0;
  std::optional<std::int64_t> run_id;
};

struct StatusInput {
  std::string status;
  std::optional<core::Millis> starts_at;  // default now
  std::optional<std::string> planned_end;
  std::string reason;
  std::optional<std::int64_t> run_id;
};

struct DailyRow {
  std::int64_t person_id = 0;
  std::string name;
  std::int64_t area_id = 0;
  std::string status = "normal";
  int required = 1;
  int reported = 0;
  bool unwell = false;
  std::optional<double> temperature;  // the day's highest
  std::vector<std::string> symptoms;  // union of the day's
  std::string test_result = "none";   // positive beats negative beats none
};

struct DailySummary {
  std::int64_t people = 0, expected = 0, reported = 0, missing = 0, unwell = 0;
  double rate = 0;
};

struct DailyQuery {
  std::int64_t area_id = 0;
  std::optional<std::string> date;  // default today
  std::string filter = "all";       // all | missing | unwell | reported
  std::optional<std::int64_t> after_id;
  int limit = 50;
};

struct DailyPage {
  std::string date;
  std::vector<DailyRow> items;
  std::optional<std::string> next;
  DailySummary summary;
};

struct AreaCompleteness {
  std::int64_t area_id = 0;
  std::string name, code, level;
  std::int64_t expected = 0, reported = 0;
  double rate = 0;
  bool flagged = false;
};

struct Completeness {
  std::int64_t area_id = 0;
  std::string date;
  std::int64_t expected = 0, reported = 0;
  double rate = 0;
  std::vector<AreaCompleteness> children;
  std::vector<AreaCompleteness> grids;  // every grid of the subtree (name, code and level left empty)
};

struct MissedFlag {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  std::string area_name;
  std::string date;
  std::int64_t expected = 0, missing = 0;
  core::Millis created_at = 0;
};

struct ContactRef {
  std::int64_t run_id = 0;
  std::int64_t case_person_id = 0;
  std::string degree;
  std::optional<std::int64_t> via_person_id;
  core::Millis created_at = 0;
};

struct PersonSummary {
  std::int64_t id = 0;
  std::string name;
  std::int64_t area_id = 0;
  std::optional<std::int64_t> household_id;
};

struct PersonHealth {
  PersonSummary person;
  StatusPeriod status;
  std::vector<StatusPeriod> statuses;  // newest first
  std::vector<Report> reports;         // last 28 days, newest first
  std::vector<Alert> alerts;           // newest first
  std::vector<ContactRef> contacts;    // tracing runs naming the person
};

struct TracingRequest {
  std::int64_t person_id = 0;
  std::string onset_date;
  TracingRules rules;
  std::optional<std::vector<std::string>> place_kinds;  // default: every kind but checkpoint
};

struct StayView {
  std::int64_t place_id = 0;
  std::string place_name;
  core::Millis start = 0, end = 0;
};

struct EvidenceView {
  std::int64_t place_id = 0;
  std::string place_name;
  core::Millis start = 0, end = 0;
  double minutes = 0;
};

struct RunContact {
  std::optional<std::int64_t> person_id;
  std::optional<std::int64_t> visitor_id;
  std::string name;
  std::optional<std::int64_t> area_id;
  std::optional<std::int64_t> household_id;
  std::string degree;    // close | secondary | general
  std::string relation;  // household | co-presence
  std::optional<std::int64_t> via_person_id;
  core::Millis exposure = 0;
  std::string status = "normal";  // the contact's current status (visitors: normal)
  std::vector<EvidenceView> evidence;
};

struct TracingRun {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::string person_name;
  std::int64_t area_id = 0;
  std::string onset_date;
  TracingRules rules;
  std::vector<std::string> place_kinds;
  core::Millis window_start = 0;
  std::optional<core::Millis> window_end;
  core::Millis created_at = 0;
  std::optional<std::int64_t> created_by;
  std::string created_by_name;
  std::int64_t close = 0, secondary = 0, general = 0;  // the viewer's counts
  std::vector<StayView> case_stays;
  std::vector<RunContact> contacts;  // only those the viewer may see
  bool with_contacts = true;         // false in lists
};

struct FollowUpInput {
  std::vector<std::int64_t> person_ids;
  std::string status = "observation";
  std::string reason;
};

struct FollowUpResult {
  std::vector<std::int64_t> updated;
  struct Skipped {
    std::int64_t person_id = 0;
    std::string reason;
  };
  std::vector<Skipped> skipped;
};

}  // namespace firstline::health
