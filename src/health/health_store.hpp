// SQL of the health module: reports and their history, status periods,
// alerts, missed-report flags, tracing runs, and the tracer's MovementSource
// over the scans table. No rules here; HealthService checks them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "health/health.hpp"

namespace firstline::health {

struct PersonRef {
  std::int64_t id = 0;
  std::string name;
  std::int64_t area_id = 0;
  std::string path;  // the grid's materialized path
  std::optional<std::int64_t> household_id;
};

class HealthStore {
 public:
  static std::optional<PersonRef> person(db::Connection& conn, std::int64_t id);

  // ---- statuses ----
  static std::optional<StatusPeriod> current_status(db::Connection& conn, std::int64_t person_id);
  static std::vector<StatusPeriod> status_history(db::Connection& conn, std::int64_t person_id);
  /// Ends the current period at `p.starts_at` and inserts `p` as the current one.
  static StatusPeriod insert_status(db::Connection& conn, StatusPeriod p);
  /// Current status of each person (absent: normal).
  static std::map<std::int64_t, std::string> current_statuses(db::Connection& conn,
                                                              const std::vector<std::int64_t>& people);

  // ---- reports ----
  static std::optional<Report> find_report(db::Connection& conn, std::int64_t person_id, const std::string& date,
                                           int slot);
  static std::optional<Report> get_report(db::Connection& conn, std::int64_t id);
  static Report insert_report(db::Connection& conn, Report r, bool unwell);
  /// Keeps `old` in the history and stores `r` (same id) with amendments + 1.
  static void amend_report(db::Connection& conn, const Report& old, const Report& r, bool unwell, core::Millis now);
  static std::vector<ReportVersion> report_history(db::Connection& conn, std::int64_t report_id);
  struct ReportFilter {
    std::vector<std::string> paths;  // scope
    std::optional<std::int64_t> person_id;
    std::optional<std::string> under_path;  // an area's subtree
    std::optional<std::string> date, since_date;
    std::optional<std::int64_t> after_id;
    int limit = 50;
  };
  /// Newest first (id descending); after_id pages downwards.
  static std::vector<Report> list_reports(db::Connection& conn, const ReportFilter& f);

  // ---- alerts ----
  /// Inserts unless the report already has an alert of that kind; returns it if inserted.
  static std::optional<Alert> insert_alert(db::Connection& conn, Alert a);
  static std::optional<Alert> get_alert(db::Connection& conn, std::int64_t id);
  static void update_alert(db::Connection& conn, const Alert& a);
  static std::vector<Alert> list_alerts(db::Connection& conn, const std::vector<std::string>& paths,
                                        std::optional<std::string> under_path, std::optional<std::string> status,
                                        std::optional<std::int64_t> person_id, std::optional<std::int64_t> before_id,
                                        int limit);

  // ---- daily view, completeness and flags ----
  /// Residents under `path` with their day's reports, ordered by id, after
  /// `after_id`. Each person's status (and so the reports required) is the
  /// one they had at `at`: the end of a past day, or now for today.
  static std::vector<DailyRow> daily_rows(db::Connection& conn, const std::string& path, const std::string& date,
                                          core::Millis at, const std::string& filter,
                                          std::optional<std::int64_t> after_id, int limit);
  static DailySummary daily_summary(db::Connection& conn, const std::string& path, const std::string& date,
                                    core::Millis at);
  struct GridCount {
    std::int64_t area_id = 0;
    std::string path;
    std::int64_t people = 0, expected = 0, reported = 0;
  };
  /// Expected and received reports per area with living residents under `path`
  /// (from the counts kept on write: residents per area, reporters per area and
  /// day; a reporter counts in the area they lived in when they reported).
  /// Statuses as at `at`, as in daily_rows.
  static std::vector<GridCount> grid_counts(db::Connection& conn, const std::string& path, const std::string& date,
                                            core::Millis at);
  static bool insert_flag(db::Connection& conn, const MissedFlag& f);
  static std::vector<MissedFlag> list_flags(db::Connection& conn, const std::vector<std::string>& paths,
                                            const std::string& date, std::optional<std::string> under_path);
  static std::set<std::int64_t> flagged_areas(db::Connection& conn, const std::string& date);

  // ---- tracing runs ----
  static std::int64_t insert_run(db::Connection& conn, const TracingRun& run, const std::vector<Stay>& case_stays);
  static void insert_contacts(db::Connection& conn, std::int64_t run_id, const std::vector<Contact>& contacts,
                              const std::map<Subject, std::optional<std::int64_t>>& areas);
  /// The run without contacts; nullopt when missing.
  static std::optional<TracingRun> get_run(db::Connection& conn, std::int64_t id);
  struct StoredContact {
    RunContact view;
    std::string path;  // path of area_id ("" when unknown)
  };
  static std::vector<StoredContact> run_contacts(db::Connection& conn, std::int64_t run_id);
  /// Contacts of the runs `run_ids` counted per run, degree and area path
  /// ("" when unknown), with the path of the run's case area: what a run list
  /// needs to count the contacts each viewer sees, in one query.
  struct ContactCount {
    std::int64_t run_id = 0;
    std::string degree, path, case_path;
    std::int64_t contacts = 0;
  };
  static std::vector<ContactCount> contact_counts(db::Connection& conn, const std::vector<std::int64_t>& run_ids);
  static std::vector<TracingRun> list_runs(db::Connection& conn, const std::vector<std::string>& paths,
                                           std::optional<std::int64_t> person_id, std::optional<std::int64_t> before_id,
                                           int limit);
  static std::vector<ContactRef> contact_refs(db::Connection& conn, std::int64_t person_id);
  static std::map<std::int64_t, std::string> place_names(db::Connection& conn, const std::vector<std::int64_t>& ids);
  static std::map<std::int64_t, std::int64_t> place_areas(db::Connection& conn, const std::vector<std::int64_t>& ids);
  /// Home grid of each resident.
  static std::map<std::int64_t, std::int64_t> home_areas(db::Connection& conn,
                                                         const std::vector<std::int64_t>& residents);
};

/// The tracer's view of the scans table: only places of the given kinds.
class SqlMovementSource final : public MovementSource {
 public:
  SqlMovementSource(db::Connection& conn, std::vector<std::string> place_kinds)
      : conn_(conn), kinds_(std::move(place_kinds)) {}
  std::vector<ScanEvent> subject_scans(const std::vector<Subject>& subjects, core::Millis from,
                                       core::Millis to) override;
  std::vector<ScanEvent> place_scans(const std::vector<PlaceWindow>& windows) override;
  std::map<Subject, std::vector<Subject>> household_members(const std::vector<Subject>& persons) override;
  std::map<Subject, core::Millis> isolated_at(const std::vector<Subject>& subjects, core::Millis since) override;
  /// Statements run so far (the benchmark reports it).
  int statements() const { return statements_; }

 private:
  db::Connection& conn_;
  std::vector<std::string> kinds_;
  int statements_ = 0;
};

}  // namespace firstline::health
