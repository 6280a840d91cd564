#include "db/postgres/postgres_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>

namespace firstline::db {
namespace {

// OIDs of the built-in types we convert (pg_type.h).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

Error::Kind kind_of_sqlstate(const char* state) {
  if (!state) return Error::Kind::other;
  const std::string s(state);
  if (s == "23505") return Error::Kind::unique_violation;
  if (s == "23503") return Error::Kind::foreign_key_violation;
  if (s == "23514" || s == "23502") return Error::Kind::check_violation;
  if (s == "40001" || s == "40P01" || s == "55P03") return Error::Kind::busy;
  if (s.rfind("08", 0) == 0 || s == "57P01") return Error::Kind::connection;
  return Error::Kind::other;
}

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PGresult* get() const { return r_; }

 private:
  PGresult* r_;
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(const std::string& conninfo, Stats* stats) : stats_(stats) {
    conn_ = PQconnectdb(conninfo.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      conn_ = nullptr;
      throw Error(Error::Kind::connection, "cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    execute_script("SET client_min_messages = warning; SET TIME ZONE 'UTC'");
  }
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::postgres; }
  bool healthy() const override { return PQstatus(conn_) == CONNECTION_OK; }

  ResultSet query(std::string_view sql, const Params& params) override {
    StatementTimer timer(stats_);
    PgResult res(run(sql, params));
    ResultSet rs;
    const int ncol = PQnfields(res.get());
    const int nrow = PQntuples(res.get());
    rs.columns.reserve(static_cast<size_t>(ncol));
    for (int c = 0; c < ncol; ++c) rs.columns.emplace_back(PQfname(res.get(), c));
    rs.rows.reserve(static_cast<size_t>(nrow));
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        if (PQgetisnull(res.get(), r, c)) { row.emplace_back(); continue; }
        const char* text = PQgetvalue(res.get(), r, c);
        const int len = PQgetlength(res.get(), r, c);
        switch (PQftype(res.get(), c)) {
          case kInt8: case kInt4: case kInt2: {
            std::int64_t v = 0;
            std::from_chars(text, text + len, v);
            row.emplace_back(v);
            break;
          }
          case kBool: row.emplace_back(static_cast<std::int64_t>(text[0] == 't')); break;
          case kFloat4: case kFloat8: case kNumeric: row.emplace_back(std::strtod(text, nullptr)); break;
          default: row.emplace_back(std::string(text, static_cast<size_t>(len)));
        }
      }
      rs.rows.push_back(std::move(row));
    }
    return rs;
  }

  std::int64_t execute(std::string_view sql, const Params& params) override {
    StatementTimer timer(stats_);
    PgResult res(run(sql, params));
    const char* n = PQcmdTuples(res.get());
    return (n && *n) ? std::stoll(n) : 0;
  }

  void execute_script(std::string_view sql) override {
    StatementTimer timer(stats_);
    const std::string text(sql);
    PgResult res(PQexec(conn_, text.c_str()));
    check(res.get());
  }

  void begin(TxMode) override { execute_script("BEGIN"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) execute_script("ROLLBACK");
  }

 private:
  void check(PGresult* res) {
    const auto status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return;
    if (stats_) stats_->errors.fetch_add(1, std::memory_order_relaxed);
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    auto kind = kind_of_sqlstate(state);
    if (PQstatus(conn_) != CONNECTION_OK) kind = Error::Kind::connection;
    throw Error(kind, std::string("postgres: ") + PQerrorMessage(conn_));
  }

  PGresult* run(std::string_view sql, const Params& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string key(sql);
      std::string name = "s" + std::to_string(prepared_.size() + 1);
      PgResult prep(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr));
      check(prep.get());
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (is_null(v)) continue;
      if (auto* d = std::get_if<double>(&v)) {
        char buf[64];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, *d);
        storage[i].assign(buf, p);
      } else {
        storage[i] = as_text(v);
      }
      values[i] = storage[i].c_str();
    }
    PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()), values.data(),
                                   nullptr, nullptr, 0);
    try {
      check(res);
    } catch (...) {
      PQclear(res);
      throw;
    }
    return res;
  }

  PGconn* conn_ = nullptr;
  Stats* stats_;
  // Searched with a string_view, without copying the SQL.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> prepared_;
};

}  // namespace

std::unique_ptr<Connection> open_postgres_connection(const std::string& conninfo, Stats* stats) {
  return std::make_unique<PostgresConnection>(conninfo, stats);
}

}  // namespace firstline::db
