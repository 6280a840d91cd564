// Rules of warnings: who may issue, release, acknowledge, handle, close and
// cancel them, which lifecycle step may follow which (a wrong step is a
// conflict), acknowledgement deadlines by level, escalation up the area tree
// when a deadline passes (a scheduler on the injected clock), proposals for
// the risk-level engine, live events on topic "warnings", and the CAP 1.2
// document and Atom feed. Every change is audited. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "core/error.hpp"
#include "core/event_hub.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "warnings/warning.hpp"

namespace firstline::warnings {

struct WarningOptions {
  int utc_offset_minutes = 480;                      // CAP times are local (China Standard Time)
  std::string public_url = "http://127.0.0.1:8080";  // absolute links in the feed and CAP <web>
  std::string sender;                                // CAP <sender>; default "firstline@<node id>"
  std::string node_id;  // identifier prefix "firstline-<node id>-"; default: settings.warning_node_id (random once)
  std::string language = "zh-CN";
  // Minutes to acknowledge by level, unless a request sets ack_minutes.
  int red_ack_minutes = 15;
  int orange_ack_minutes = 30;
  int yellow_ack_minutes = 120;
  int blue_ack_minutes = 24 * 60;
  int max_ack_minutes = 7 * 24 * 60;
};

/// True when `who` may read a warning on the area at `area_path`: a
/// read_areas grant covers the area, or the area contains one of the
/// caller's read_areas grants (a street's warning concerns its grids).
bool may_read(const core::Principal& who, std::string_view area_path);
/// For the "warnings" event stream: whether an event's JSON data (with
/// "path", the warning's area path) may reach `who`.
bool event_visible(const core::Principal& who, const std::string& data);

class WarningService {
 public:
  WarningService(db::Database& db, const core::Clock& clock, WarningOptions options = {},
                 core::EventHub* hub = nullptr);
  ~WarningService();

  const WarningOptions& options() const { return options_; }
  /// Minutes to acknowledge a warning of `level` by default.
  int default_ack_minutes(std::string_view level) const;

  /// Issues a warning at once, or stores it as proposed when `in.propose`.
  /// Needs issue_warnings on the area. Fails with invalid naming the field.
  core::Result<Warning> create(const core::Principal& who, const NewWarning& in);
  /// A proposal from the risk-level engine (no person): stored as proposed,
  /// source "engine", until someone with issue_warnings releases it. A
  /// proposal still pending on the same area and level is returned instead
  /// of a second one (its reasons replaced by these).
  core::Result<Warning> propose(std::int64_t area_id, std::string level, std::string event, std::string headline,
                                std::string description, std::vector<std::string> reasons);

  /// The caller's inbox: warnings they may read (may_read), newest first.
  core::Result<core::Page<Warning>> list(const core::Principal& who, const WarningQuery& query);
  /// One warning with its history.
  core::Result<Warning> get(const core::Principal& who, std::int64_t id);
  /// One lifecycle step; conflict when the warning's status does not allow it.
  /// acknowledge, handle: respond_warnings covering the area the warning is
  /// at now; release, close, cancel: issue_warnings on the warning's area.
  core::Result<Warning> step(const core::Principal& who, std::int64_t id, Step step, std::optional<std::string> note);

  /// The CAP 1.2 document of a warning the caller may read; conflict for a
  /// rejected proposal.
  core::Result<std::string> cap_document(const core::Principal& who, std::int64_t id);
  /// Atom feed of the current (issued, acknowledged, handled, not expired)
  /// warnings the caller may read, newest first, at most `limit`.
  core::Result<std::string> feed(const core::Principal& who, int limit = 100);

  /// Escalates every issued warning whose deadline has passed to the parent
  /// of the area it is at, with a new deadline (none above a district);
  /// returns how many were escalated. The scheduler calls it.
  std::int64_t escalate_overdue();
  void start_scheduler(std::chrono::milliseconds tick = std::chrono::seconds(15));
  void stop_scheduler();

 private:
  std::string identifier_prefix(db::Connection& conn);
  std::string sender(db::Connection& conn);
  core::Result<Warning> insert(db::Connection& conn, const NewWarning& in, const core::Principal* who,
                               std::vector<std::string> reasons);
  void publish(const Warning& w, std::string_view action);
  Warning load(db::Connection& conn, std::int64_t id, bool with_history);

  db::Database& db_;
  const core::Clock& clock_;
  WarningOptions options_;
  core::EventHub* hub_;
  std::mutex node_mutex_;
  std::string node_id_;
  core::PeriodicTask scheduler_;  // last member: stopped before the others go
};

}  // namespace firstline::warnings
