// Versioned schema migrations, run at start-up. SQL is shared by both backends;
// two tokens are replaced per dialect: {{pk}} (an auto-numbered BIGINT primary
// key) and {{bytes_order}} (a byte-wise collation for materialized paths), and
// "{{sqlite}} ... {{end}}" / "{{postgres}} ... {{end}}" blocks are kept for
// their dialect only (triggers, whose syntax differs).
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/database.hpp"

namespace firstline::db {

struct Migration {
  int version = 0;      // strictly increasing from 1
  std::string name;
  std::string sql;      // several statements allowed
};

/// The migration's SQL for a dialect.
std::string render_migration_sql(const std::string& sql, Dialect dialect);

/// Applies every migration newer than the database's version, each in its own
/// transaction. Fails (conflict, with a clear message) when the database is
/// newer than the newest migration known to this binary; nothing is changed then.
core::Status migrate(Database& db, const std::vector<Migration>& migrations);

/// Current schema version (0 for an empty database).
int schema_version(Connection& conn);

}  // namespace firstline::db
