// The audit log: every write and every read of unmasked personal data is
// recorded with who, what, when. Entries are written on the caller's
// connection, inside the caller's transaction, so an audited change and its
// entry commit together.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"

namespace firstline::audit {

struct AuditEntry {
  std::int64_t id = 0;
  core::Millis at = 0;
  std::optional<std::int64_t> user_id;
  std::string username;
  std::string action;   // create, update, delete, read_personal, login, login_failed, import, export, grant...
  std::string entity;   // area, building, household, resident, user, session, ...
  std::optional<std::int64_t> entity_id;
  std::optional<std::int64_t> area_id;
  std::string detail;   // short JSON or text: changed fields, counts; never the personal data itself
};

struct AuditFilter {
  std::optional<std::int64_t> user_id;
  std::optional<std::string> action;
  std::optional<std::string> entity;
  std::optional<std::int64_t> entity_id;
  std::optional<core::Millis> since;
  std::optional<core::Millis> until;
  std::optional<std::int64_t> before_id;  // cursor: entries older than this id
  std::vector<std::string> scope_paths = {""};  // only entries of areas in these subtrees ({""}: all)
  int limit = 50;
};

/// Appends one entry. Throws db::Error on failure (the caller's transaction then rolls back).
void record(db::Connection& conn, const AuditEntry& entry);

/// Convenience: an entry by `who` at `at`.
void record(db::Connection& conn, const core::Principal& who, core::Millis at, std::string action,
            std::string entity, std::optional<std::int64_t> entity_id, std::optional<std::int64_t> area_id,
            std::string detail = {});

/// Newest first; returns up to filter.limit + 1 rows so callers can tell whether more exist.
std::vector<AuditEntry> list(db::Connection& conn, const AuditFilter& filter);

}  // namespace firstline::audit
