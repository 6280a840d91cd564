// The one database interface of firstline. Each backend (sqlite/, postgres/)
// implements Connection; Database is a pool of them. SQL is written once with
// numbered bind parameters ($1, $2, ...) and runs on both backends; values are
// never spliced into SQL text.
//
// Failures are thrown as db::Error (typed by Kind) because they are unexpected
// at the call site except for constraint violations, which stores translate
// into core::Error values (conflict) at their boundary.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace firstline::db {

enum class Dialect { sqlite, postgres };

/// A column value: NULL, integer, real or text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Params = std::vector<Value>;

inline Value null() { return Value{}; }
/// Optional helpers for binding.
template <class T>
Value opt(const std::optional<T>& v) {
  if (!v) return Value{};
  if constexpr (std::is_integral_v<T>) return Value{static_cast<std::int64_t>(*v)};
  else return Value{*v};
}

bool is_null(const Value& v);
/// Integer value; text holding digits is parsed; NULL → 0. Throws db::Error on other text.
std::int64_t as_int(const Value& v);
std::optional<std::int64_t> as_opt_int(const Value& v);
double as_double(const Value& v);
std::optional<double> as_opt_double(const Value& v);
/// Text value; integers and reals are formatted; NULL → "".
std::string as_text(const Value& v);
std::optional<std::string> as_opt_text(const Value& v);

/// Rows of a query, fully materialized.
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  bool empty() const { return rows.empty(); }
  std::size_t size() const { return rows.size(); }
};

/// A database failure. Kind tells whether the caller can do something about it.
class Error : public std::runtime_error {
 public:
  enum class Kind { unique_violation, foreign_key_violation, check_violation, busy, connection, schema, other };
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }
  bool is_constraint() const {
    return kind_ == Kind::unique_violation || kind_ == Kind::foreign_key_violation || kind_ == Kind::check_violation;
  }

 private:
  Kind kind_;
};

enum class TxMode { read, write };

/// One open connection. Not thread-safe: a connection is used by one thread at
/// a time (the pool guarantees it). Prepared statements are cached by SQL text.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  /// Runs one statement and returns its rows (empty for statements without rows).
  virtual ResultSet query(std::string_view sql, const Params& params = {}) = 0;
  /// Runs one statement and returns the number of rows changed.
  virtual std::int64_t execute(std::string_view sql, const Params& params = {}) = 0;
  /// Runs several statements without parameters (migrations).
  virtual void execute_script(std::string_view sql) = 0;
  virtual void begin(TxMode mode) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;

  /// False when the connection is broken and must not go back to the pool.
  virtual bool healthy() const { return true; }
  /// First row's first column, or nullopt when there is no row.
  std::optional<Value> query_value(std::string_view sql, const Params& params = {});
};

/// Time and count of statements, shared by a pool's connections; for /metrics.
struct Stats {
  std::atomic<std::uint64_t> statements{0};
  std::atomic<std::uint64_t> nanoseconds{0};
  std::atomic<std::uint64_t> errors{0};
};

class Database;

/// A borrowed connection, returned to its pool when destroyed.
class PooledConnection {
 public:
  PooledConnection(Database* owner, std::unique_ptr<Connection> conn) : owner_(owner), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) noexcept = default;
  ~PooledConnection();
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_.get(); }

 private:
  Database* owner_;
  std::unique_ptr<Connection> conn_;
};

/// A pool of connections to one database. Thread-safe.
class Database {
 public:
  using Factory = std::function<std::unique_ptr<Connection>(Stats*)>;
  /// `max_connections` bounds the pool; acquire() blocks while all are lent.
  Database(Dialect dialect, Factory factory, std::size_t max_connections);
  virtual ~Database() = default;
  Dialect dialect() const { return dialect_; }
  PooledConnection acquire();
  Stats& stats() { return stats_; }

 private:
  friend class PooledConnection;
  void release(std::unique_ptr<Connection> conn);

  Dialect dialect_;
  Factory factory_;
  std::size_t max_connections_;
  std::size_t open_ = 0;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::mutex mutex_;
  std::condition_variable available_;
  Stats stats_;
};

/// Runs `body` inside a transaction; commits when it returns, rolls back when
/// it throws (and rethrows). A write transaction on SQLite takes the write lock
/// at once (BEGIN IMMEDIATE) so concurrent writers wait instead of failing.
template <class F>
auto in_transaction(Connection& conn, TxMode mode, F&& body) -> decltype(body()) {
  conn.begin(mode);
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      conn.commit();
    } else {
      auto result = body();
      conn.commit();
      return result;
    }
  } catch (...) {
    try { conn.rollback(); } catch (...) {}
    throw;
  }
}

/// Opens "sqlite:PATH" (or a bare path ending in .db/.sqlite) or
/// "postgresql://..." / "postgres://..." / "host=... dbname=..." (libpq syntax).
/// Throws db::Error(connection) when it cannot connect.
std::unique_ptr<Database> open_database(const std::string& url, std::size_t max_connections = 8);

/// Times statements into Stats; used by backends.
class StatementTimer {
 public:
  explicit StatementTimer(Stats* stats) : stats_(stats), start_(std::chrono::steady_clock::now()) {}
  ~StatementTimer() {
    if (!stats_) return;
    stats_->statements.fetch_add(1, std::memory_order_relaxed);
    stats_->nanoseconds.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                 std::chrono::steady_clock::now() - start_)
                                                                 .count()),
                                  std::memory_order_relaxed);
  }

 private:
  Stats* stats_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace firstline::db
