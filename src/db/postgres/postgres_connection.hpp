// PostgreSQL backend through libpq. Parameters are sent as text and typed by
// the server; statements are prepared once per connection and reused.
#pragma once

#include <memory>
#include <string>

#include "db/database.hpp"

namespace firstline::db {

/// Connects with a libpq connection string or URL. Throws db::Error(connection).
std::unique_ptr<Connection> open_postgres_connection(const std::string& conninfo, Stats* stats);

}  // namespace firstline::db
