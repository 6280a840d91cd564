// SQLite backend. A connection opens the file in WAL mode with foreign keys on,
// synchronous=NORMAL (a committed transaction survives a process crash such as
// kill -9) and a busy timeout, so several connections can share one file.
#pragma once

#include <memory>
#include <string>

#include "db/database.hpp"

namespace firstline::db {

/// Opens (creating if needed) the database file at `path`. Throws db::Error.
std::unique_ptr<Connection> open_sqlite_connection(const std::string& path, Stats* stats);

}  // namespace firstline::db
