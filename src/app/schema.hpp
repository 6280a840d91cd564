// The schema of firstline, as the ordered list of migrations every database
// (SQLite or PostgreSQL) is brought to at start-up.
#pragma once

#include <vector>

#include "db/migrations.hpp"

namespace firstline::app {

const std::vector<db::Migration>& schema_migrations();

}  // namespace firstline::app
