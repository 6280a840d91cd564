// SQL of the warnings module: warnings, their history (warning_events) and
// the node id behind CAP identifiers. No rules here; WarningService checks
// them. Every function runs on the caller's connection (inside the caller's
// transaction, if any) and throws db::Error on failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "warnings/warning.hpp"

namespace firstline::warnings {

class WarningStore {
 public:
  /// The value stored under settings.warning_node_id, storing `candidate`
  /// first when there is none (every node of one database agrees).
  static std::string node_id(db::Connection& conn, const std::string& candidate);

  /// Inserts the warning and sets its identifier to `identifier_prefix` + id;
  /// returns the id.
  static std::int64_t insert(db::Connection& conn, const Warning& w, const std::string& identifier_prefix);
  /// The warning with its areas' names, without history; nullopt when missing.
  static std::optional<Warning> get(db::Connection& conn, std::int64_t id);
  static std::vector<WarningEvent> history(db::Connection& conn, std::int64_t warning_id);
  static void add_event(db::Connection& conn, std::int64_t warning_id, const WarningEvent& e);
  /// Stores every mutable field of `after` if the row still has `before`'s
  /// status, current area and escalation count; false when someone changed it first.
  static bool update(db::Connection& conn, const Warning& before, const Warning& after);

  struct Filter {
    std::vector<std::string> scope_paths;    // subtrees the caller reads ({""}: everywhere)
    std::vector<std::int64_t> ancestor_ids;  // areas above the caller's grants (their warnings concern the caller)
    std::optional<std::string> under_path;   // ?area_id=: that area's subtree
    std::vector<std::string> statuses;       // empty: any
    std::optional<std::string> level;
    std::optional<std::int64_t> before_id;
    std::optional<core::Millis> not_expired_at;  // only warnings without expiry or expiring after this
    int limit = 50;
  };
  /// Newest first (id descending); returns up to limit + 1 rows.
  static std::vector<Warning> list(db::Connection& conn, const Filter& f);
  /// Issued warnings whose escalation time has come and that have not expired, oldest deadline first.
  static std::vector<Warning> due_for_escalation(db::Connection& conn, core::Millis now, int limit);
  /// A proposal still waiting for release on the area at that level.
  static std::optional<std::int64_t> pending_proposal(db::Connection& conn, std::int64_t area_id,
                                                      const std::string& level);
};

}  // namespace firstline::warnings
