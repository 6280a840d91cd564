// Rules of health monitoring: who may report for whom, one report per person,
// day and slot (a second amends the first), status transitions, alerts on
// fever, serious symptoms and positive tests, the daily view and
// completeness, missed-report flags at the deadline hour (a scheduler on the
// injected clock), and contact tracing runs scoped per viewer. Thread-safe.
#pragma once

#include <chrono>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "core/error.hpp"
#include "core/event_hub.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "health/health.hpp"

namespace firstline::health {

struct HealthOptions {
  int utc_offset_minutes = 480;  // local dates (China Standard Time)
  int deadline_hour = 10;        // local hour when grids missing reports are flagged
  int flag_below_percent = kDefaultFlagBelowPercent;  // ...when under this share of expected reports
  int days_back = 14;            // oldest date a report may be for
  std::size_t max_batch = 1000;  // reports per request
};

class HealthService {
 public:
  HealthService(db::Database& db, const core::Clock& clock, HealthOptions options = {},
                core::EventHub* hub = nullptr);
  ~HealthService();

  const HealthOptions& options() const { return options_; }
  /// Today's local date, YYYY-MM-DD.
  std::string today() const;

  // ---- reports ----
  /// Validates and stores each report alone (one bad report never sinks the others).
  core::Result<ReportResult> submit_reports(const core::Principal& who, const std::vector<ReportInput>& reports);
  core::Result<core::Page<Report>> list_reports(const core::Principal& who, std::optional<std::int64_t> person_id,
                                                std::optional<std::int64_t> area_id, std::optional<std::string> date,
                                                std::optional<std::int64_t> before_id, int limit);
  core::Result<std::pair<Report, std::vector<ReportVersion>>> get_report(const core::Principal& who, std::int64_t id);

  // ---- people and statuses ----
  /// A person's status, history, recent reports, alerts and tracing mentions.
  /// Staff with read_health on the grid, or the resident themself. Audited.
  core::Result<PersonHealth> person_health(const core::Principal& who, std::int64_t person_id);
  core::Result<StatusPeriod> set_status(const core::Principal& who, std::int64_t person_id, const StatusInput& in);

  // ---- daily view, completeness, flags, alerts ----
  core::Result<DailyPage> daily(const core::Principal& who, const DailyQuery& q);
  core::Result<Completeness> completeness(const core::Principal& who, std::int64_t area_id,
                                          std::optional<std::string> date);
  core::Result<std::vector<MissedFlag>> flags(const core::Principal& who, std::optional<std::int64_t> area_id,
                                              std::optional<std::string> date);
  core::Result<core::Page<Alert>> alerts(const core::Principal& who, std::optional<std::int64_t> area_id,
                                         std::optional<std::string> status, std::optional<std::int64_t> before_id,
                                         int limit);
  core::Result<Alert> update_alert(const core::Principal& who, std::int64_t id, const AlertPatch& patch);
  /// Flags today's grids with missing reports (once per grid and day); returns
  /// how many were newly flagged. The scheduler calls it after the deadline hour.
  std::int64_t flag_missing_reports();
  void start_scheduler(std::chrono::milliseconds tick = std::chrono::seconds(30));
  void stop_scheduler();

  // ---- tracing ----
  core::Result<TracingRun> start_tracing(const core::Principal& who, const TracingRequest& request);
  core::Result<TracingRun> get_run(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<TracingRun>> list_runs(const core::Principal& who, std::optional<std::int64_t> person_id,
                                                 std::optional<std::int64_t> before_id, int limit);
  /// The visible contacts of a run as CSV (UTF-8 with BOM, for spreadsheets).
  core::Result<std::string> run_csv(const core::Principal& who, std::int64_t id);
  core::Result<FollowUpResult> follow_up(const core::Principal& who, std::int64_t run_id, const FollowUpInput& in);

 private:
  core::Result<std::string> parse_day(std::string_view field, std::string_view text) const;
  core::Millis day_start(core::Millis t) const;
  /// The moment whose statuses count for a local date: its last millisecond,
  /// or now while the date is today (or later).
  core::Millis status_moment(const std::string& date) const;
  core::Result<TracingRun> load_run(db::Connection& conn, const core::Principal& who, std::int64_t id, bool audit);
  void publish_alert(const Alert& a, const std::string& path);

  db::Database& db_;
  const core::Clock& clock_;
  HealthOptions options_;
  core::EventHub* hub_;
  core::PeriodicTask scheduler_;  // last member: stopped before the others go
};

}  // namespace firstline::health
