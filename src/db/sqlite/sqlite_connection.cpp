#include "db/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <string>
#include <unordered_map>

namespace firstline::db {
namespace {

Error::Kind kind_of(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Error::Kind::busy;
    case SQLITE_CANTOPEN: return Error::Kind::connection;
    default: break;
  }
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return Error::Kind::unique_violation;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return Error::Kind::foreign_key_violation;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL: return Error::Kind::check_violation;
    default: return Error::Kind::other;
  }
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, Stats* stats) : stats_(stats) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw Error(Error::Kind::connection, "cannot open SQLite database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    execute_script(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");
  }

  ~SqliteConnection() override {
    for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  ResultSet query(std::string_view sql, const Params& params) override {
    StatementTimer timer(stats_);
    sqlite3_stmt* stmt = prepare(sql, params);
    ResultSet rs;
    const int ncol = sqlite3_column_count(stmt);
    rs.columns.reserve(static_cast<size_t>(ncol));
    for (int i = 0; i < ncol; ++i) rs.columns.emplace_back(sqlite3_column_name(stmt, i));
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail_step(stmt, rc);
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(ncol));
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, i))); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(stmt, i)); break;
          case SQLITE_NULL: row.emplace_back(); break;
          default: {
            auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
            row.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
          }
        }
      }
      rs.rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rs;
  }

  std::int64_t execute(std::string_view sql, const Params& params) override {
    StatementTimer timer(stats_);
    sqlite3_stmt* stmt = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) fail_step(stmt, rc);
    sqlite3_reset(stmt);
    return sqlite3_changes64(db_);
  }

  void execute_script(std::string_view sql) override {
    StatementTimer timer(stats_);
    char* err = nullptr;
    const std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw_error(rc, msg);
    }
  }

  void begin(TxMode mode) override { execute_script(mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) execute_script("ROLLBACK");
  }

 private:
  [[noreturn]] void throw_error(int rc, const std::string& msg) {
    if (stats_) stats_->errors.fetch_add(1, std::memory_order_relaxed);
    throw Error(kind_of(rc), "sqlite: " + msg);
  }

  [[noreturn]] void fail_step(sqlite3_stmt* stmt, int rc) {
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(stmt);
    throw_error(rc, msg);
  }

  // A prepared statement and, for each of its SQLite parameter slots, the
  // index of the value it takes: parameters are written $1, $2 ... and
  // SQLite numbers named parameters in order of first appearance.
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::size_t> value_index;
  };

  sqlite3_stmt* prepare(std::string_view sql, const Params& params) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      Cached cached;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                  &cached.stmt, nullptr);
      if (rc != SQLITE_OK) throw_error(rc, std::string(sqlite3_errmsg(db_)) + " in: " + std::string(sql));
      const int count = sqlite3_bind_parameter_count(cached.stmt);
      for (int i = 1; i <= count; ++i) {
        const char* name = sqlite3_bind_parameter_name(cached.stmt, i);
        if (!name || name[0] != '$') {
          sqlite3_finalize(cached.stmt);
          throw Error(Error::Kind::other, "parameters must be written $N");
        }
        cached.value_index.push_back(static_cast<std::size_t>(std::stoul(name + 1)));
      }
      it = statements_.emplace(std::string(sql), std::move(cached)).first;
    } else {
      sqlite3_clear_bindings(it->second.stmt);
    }
    sqlite3_stmt* stmt = it->second.stmt;
    const auto& slots = it->second.value_index;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const std::size_t index = slots[i];
      if (index == 0 || index > params.size()) {
        throw Error(Error::Kind::other, "missing value for parameter $" + std::to_string(index));
      }
      bind(stmt, static_cast<int>(i + 1), params[index - 1]);
    }
    return stmt;
  }

  // Lets the statement cache be searched with a string_view, without copying the SQL.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void bind(sqlite3_stmt* stmt, int i, const Value& v) {
    int rc = SQLITE_OK;
    if (auto* n = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(stmt, i, *n);
    else if (auto* d = std::get_if<double>(&v)) rc = sqlite3_bind_double(stmt, i, *d);
    else if (auto* s = std::get_if<std::string>(&v))
      rc = sqlite3_bind_text(stmt, i, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    else rc = sqlite3_bind_null(stmt, i);
    if (rc != SQLITE_OK) throw_error(rc, sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
  Stats* stats_;
  std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> statements_;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite_connection(const std::string& path, Stats* stats) {
  return std::make_unique<SqliteConnection>(path, stats);
}

}  // namespace firstline::db
