#include "db/database.hpp"

#include <charconv>

#include "db/postgres/postgres_connection.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace firstline::db {

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

std::int64_t as_int(const Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec != std::errc() || p != s->data() + s->size()) throw Error(Error::Kind::other, "not an integer: " + *s);
    return out;
  }
  return 0;
}

std::optional<std::int64_t> as_opt_int(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return as_int(v);
}

double as_double(const Value& v) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::stod(*s);
  return 0.0;
}

std::optional<double> as_opt_double(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return as_double(v);
}

std::string as_text(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

std::optional<std::string> as_opt_text(const Value& v) {
  if (is_null(v)) return std::nullopt;
  return as_text(v);
}

std::optional<Value> Connection::query_value(std::string_view sql, const Params& params) {
  auto rs = query(sql, params);
  if (rs.rows.empty() || rs.rows[0].empty()) return std::nullopt;
  return std::move(rs.rows[0][0]);
}

PooledConnection::~PooledConnection() {
  if (owner_ && conn_) owner_->release(std::move(conn_));
}

Database::Database(Dialect dialect, Factory factory, std::size_t max_connections)
    : dialect_(dialect), factory_(std::move(factory)), max_connections_(max_connections ? max_connections : 1) {}

PooledConnection Database::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return PooledConnection(this, std::move(conn));
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      try {
        return PooledConnection(this, factory_(&stats_));
      } catch (...) {
        lock.lock();
        --open_;
        available_.notify_one();
        throw;
      }
    }
    available_.wait(lock);
  }
}

void Database::release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mutex_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // a broken connection is closed; the next acquire() opens a new one
  }
  available_.notify_one();
}

std::unique_ptr<Database> open_database(const std::string& url, std::size_t max_connections) {
  auto starts = [&](std::string_view p) { return url.rfind(p, 0) == 0; };
  auto ends = [&](std::string_view s) {
    return url.size() >= s.size() && url.compare(url.size() - s.size(), s.size(), s) == 0;
  };
  std::unique_ptr<Database> db;
  if (starts("postgresql://") || starts("postgres://") || url.find("dbname=") != std::string::npos) {
    db = std::make_unique<Database>(
        Dialect::postgres, [url](Stats* stats) { return open_postgres_connection(url, stats); }, max_connections);
  } else {
    std::string path = url;
    if (starts("sqlite:")) path = url.substr(7);
    else if (!(ends(".db") || ends(".sqlite") || ends(".sqlite3") || url == ":memory:"))
      throw Error(Error::Kind::connection, "unrecognized database URL: " + url);
    db = std::make_unique<Database>(
        Dialect::sqlite, [path](Stats* stats) { return open_sqlite_connection(path, stats); }, max_connections);
  }
  { auto probe = db->acquire(); }  // fail early and clearly when it cannot be opened
  return db;
}

}  // namespace firstline::db
