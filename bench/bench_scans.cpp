// Movement hot paths, each beside a baseline in the same run:
//  - durable batch ingest through the real HTTP API: the server (Application
//    + http::Server, 2 I/O threads) runs in this process on a loopback port;
//    2 client threads POST /api/v1/scans batches of 10,000 scans (bodies
//    built before timing, unique client event ids) over keep-alive
//    connections and wait for each answer, so every scan counted is parsed,
//    validated, committed and acknowledged. Baseline: a raw sqlite3
//    prepared-INSERT loop of the same rows (same columns, values already
//    resolved) into a copy of the same database file (same schema, indexes
//    and pragmas), one transaction per 10,000. The summary prints the ratio
//    (issue 4 aims at >= 0.5 of raw and >= 60,000 scans/s on 2 cores).
//  - the same HTTP ingest into PostgreSQL when FIRSTLINE_TEST_POSTGRES is set
//    (scripts/run-bench.sh runs under scripts/with-postgres.sh).
//  - occupancy of the busiest gate and of a community, and the grid-level
//    flow matrix of one day, through MovementService, beside a plain SQL
//    GROUP BY giving the same answer through raw sqlite3, on a street-scale
//    demo (~150 k residents, ~1.5 M scans).
// Databases live in a temp folder removed at exit.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/application.hpp"
#include "demo/demo_generator.hpp"
#include "http/server.hpp"

using namespace firstline;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBatch = 10'000;   // scans per request / per raw transaction
constexpr int kClients = 2;              // client threads posting at once
constexpr int kHttpIterations = 10;      // each iteration: every client posts one batch
constexpr const char* kPassword = "bench-password";

fs::path bench_dir() {
  static const fs::path dir = fs::temp_directory_path() / ("firstline_bench_scans_" + std::to_string(::getpid()));
  return dir;
}

// ------------------------------------------------------------------ HTTP client

/// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1.
class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}
  ~HttpClient() { close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  struct Response {
    int status = 0;
    std::string body;
  };

  Response post(const std::string& target, const std::string& body, const std::string& token = {}) {
    if (fd_ < 0) connect();
    std::string head = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!token.empty()) head += "Authorization: Bearer " + token + "\r\n";
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    send_all(head);
    send_all(body);
    return read_response();
  }

 private:
  void connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      throw std::runtime_error("connect failed");
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }
  void send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }
  bool fill() {
    char chunk[65536];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  Response read_response() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) throw std::runtime_error("connection closed before the response");
    }
    Response r;
    r.status = std::stoi(buffer_.substr(9, 3));
    std::string head = buffer_.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto cl = head.find("content-length:");
    const std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
    while (buffer_.size() < end + 4 + length) {
      if (!fill()) throw std::runtime_error("connection closed inside the body");
    }
    r.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    if (head.find("connection: close") != std::string::npos) close();
    return r;
  }

  int port_;
  int fd_ = -1;
  std::string buffer_;
};

// ------------------------------------------------------------------ scan rows

struct Row {
  std::string event;
  std::int64_t person_id, place_id, place_area_id, home_area_id;
  std::int64_t ts_seconds;
  bool in;
  double temperature;  // 0: none
};

/// Rows for `count` scans by random residents of the demo at random places,
/// in the last hour; event ids start with `prefix`.
std::vector<Row> make_rows(db::Database& database, std::size_t count, const std::string& prefix, core::Millis now) {
  auto conn = database.acquire();
  std::vector<std::pair<std::int64_t, std::int64_t>> people, places;
  for (const auto& r : conn->query("SELECT id, area_id FROM residents ORDER BY id").rows) {
    people.emplace_back(db::as_int(r[0]), db::as_int(r[1]));
  }
  for (const auto& r : conn->query("SELECT id, area_id FROM places ORDER BY id").rows) {
    places.emplace_back(db::as_int(r[0]), db::as_int(r[1]));
  }
  std::mt19937_64 rng(42);
  std::vector<Row> rows;
  rows.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& person = people[rng() % people.size()];
    const auto& place = places[rng() % places.size()];
    // Devices upload as they go: times rise through the last hour.
    const std::int64_t ts = now / 1000 - 3600 + static_cast<std::int64_t>(i * 3600 / count);
    const double temp = rng() % 2 ? 36.0 + static_cast<double>(rng() % 13) / 10.0 : 0.0;
    rows.push_back(Row{fmt::format("{}{:09d}", prefix, i), person.first, place.first, place.second, person.second, ts,
                       rng() % 2 == 0, temp});
  }
  return rows;
}

std::string batch_body(const std::vector<Row>& rows, std::size_t from, std::size_t to) {
  std::string body = "{\"scans\":[";
  body.reserve((to - from) * 130);
  for (std::size_t i = from; i < to; ++i) {
    const auto& r = rows[i];
    if (i > from) body += ',';
    fmt::format_to(std::back_inserter(body),
                   R"({{"client_event_id":"{}","person_id":{},"place_id":{},"ts":{},"direction":"{}")", r.event,
                   r.person_id, r.place_id, r.ts_seconds, r.in ? "in" : "out");
    if (r.temperature > 0) fmt::format_to(std::back_inserter(body), R"(,"temperature":{:.1f})", r.temperature);
    body += '}';
  }
  body += "]}";
  return body;
}

// ------------------------------------------------------------------ server

/// An Application on `url` with a community-scale demo, served on a loopback port.
struct IngestServer {
  core::SystemClock clock;
  std::unique_ptr<app::Application> app;
  std::unique_ptr<http::Server> server;
  std::thread thread;
  std::string token;
  int port = 0;
  double demo_seconds = 0;
  std::int64_t demo_scans = 0;

  explicit IngestServer(const std::string& url) {
    app::AppOptions o;
    o.database_url = url;
    o.auth.hash_cost = auth::HashCost::minimal();
    app = std::make_unique<app::Application>(o, clock);
    demo::DemoOptions d;
    d.scale = demo::Scale::community;
    d.admin_password = d.account_password = kPassword;
    const auto summary = demo::generate_demo(app->database(), app->auth(), clock, d);
    demo_seconds = summary.seconds;
    demo_scans = summary.scans;
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    so.body_limit = 64u << 20;
    so.handle_signals = false;
    so.shutdown_grace = std::chrono::seconds(2);
    server = std::make_unique<http::Server>(so, app->router(), app->hub());
    server->listen();
    port = server->port();
    thread = std::thread([this] { server->run(); });
    HttpClient c(port);
    const auto r = c.post("/api/v1/auth/login", fmt::format(R"({{"username":"admin","password":"{}"}})", kPassword));
    const auto at = r.body.find("\"token\":\"");
    if (r.status != 200 || at == std::string::npos) throw std::runtime_error("login failed: " + r.body);
    token = r.body.substr(at + 9, r.body.find('"', at + 9) - at - 9);
  }
  ~IngestServer() {
    server->stop();
    thread.join();
  }
};

/// Posts `iterations` rounds; in each, every client thread posts one batch.
void run_http_ingest(benchmark::State& state, IngestServer& s, const std::vector<std::string>& bodies) {
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int c = 0; c < kClients; ++c) clients.push_back(std::make_unique<HttpClient>(s.port));
  std::size_t next = 0;
  std::atomic<std::int64_t> accepted{0};
  std::atomic<bool> failed{false};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
      const std::string& body = bodies[next++ % bodies.size()];
      threads.emplace_back([&, c, &body = body] {
        try {
          const auto r = clients[static_cast<std::size_t>(c)]->post("/api/v1/scans", body, s.token);
          const auto at = r.body.find("\"accepted\":");
          if (r.status != 200 || at == std::string::npos) {
            std::fprintf(stderr, "ingest answered %d: %.300s\n", r.status, r.body.c_str());
            failed = true;
            return;
          }
          accepted += std::stoll(r.body.substr(at + 11));
        } catch (const std::exception& e) {
          std::fprintf(stderr, "ingest failed: %s\n", e.what());
          failed = true;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  if (failed) state.SkipWithError("an ingest request failed");
  if (accepted != static_cast<std::int64_t>(state.iterations()) * kClients * static_cast<std::int64_t>(kBatch)) {
    std::fprintf(stderr, "accepted %lld scans, expected %lld\n", static_cast<long long>(accepted.load()),
                 static_cast<long long>(state.iterations() * kClients * kBatch));
  }
  state.SetItemsProcessed(accepted.load());
  state.counters["scans/s"] = benchmark::Counter(static_cast<double>(accepted.load()), benchmark::Counter::kIsRate);
}

struct SqliteIngest {
  fs::path db_file = bench_dir() / "ingest.db";
  fs::path raw_file = bench_dir() / "raw.db";
  std::unique_ptr<IngestServer> server;
  std::vector<Row> rows;
  std::vector<std::string> bodies;

  SqliteIngest() {
    fs::create_directories(bench_dir());
    server = std::make_unique<IngestServer>("sqlite:" + db_file.string());
    std::fprintf(stderr, "ingest database: community demo with %lld scans in %.1f s\n",
                 static_cast<long long>(server->demo_scans), server->demo_seconds);
    rows = make_rows(server->app->database(), kHttpIterations * kClients * kBatch, "bench-", server->clock.now());
    for (std::size_t i = 0; i < rows.size(); i += kBatch) bodies.push_back(batch_body(rows, i, i + kBatch));
    // The raw baseline starts from a copy of the same database: same schema, indexes and rows.
    {
      auto conn = server->app->database().acquire();
      conn->execute_script("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::copy_file(db_file, raw_file, fs::copy_options::overwrite_existing);
  }
};

std::unique_ptr<SqliteIngest> g_sqlite_ingest;
SqliteIngest& sqlite_ingest() {
  if (!g_sqlite_ingest) g_sqlite_ingest = std::make_unique<SqliteIngest>();
  return *g_sqlite_ingest;
}

void BM_IngestHttp_SQLite(benchmark::State& state) {
  auto& f = sqlite_ingest();
  run_http_ingest(state, *f.server, f.bodies);
}
BENCHMARK(BM_IngestHttp_SQLite)->Iterations(kHttpIterations)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_IngestRaw_SQLite(benchmark::State& state) {
  auto& f = sqlite_ingest();
  sqlite3* raw = nullptr;
  sqlite3_open_v2(f.raw_file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;", nullptr, nullptr,
               nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(raw,
                     "INSERT INTO scans (client_event_id, place_id, person_id, visitor_id, ts, direction, temperature, "
                     "place_area_id, home_area_id, source, recorded_by, received_at) VALUES (?1, ?2, ?3, NULL, ?4, ?5, "
                     "?6, ?7, ?8, 'staff', 1, ?9) ON CONFLICT (client_event_id) DO NOTHING",
                     -1, &stmt, nullptr);
  std::size_t next = 0;
  std::int64_t inserted = 0;
  for (auto _ : state) {
    const std::int64_t received = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
    sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::size_t k = 0; k < kBatch; ++k) {
      const auto& r = f.rows[next++ % f.rows.size()];
      sqlite3_bind_text(stmt, 1, r.event.data(), static_cast<int>(r.event.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 2, r.place_id);
      sqlite3_bind_int64(stmt, 3, r.person_id);
      sqlite3_bind_int64(stmt, 4, r.ts_seconds * 1000);
      sqlite3_bind_int64(stmt, 5, r.in ? 1 : 0);
      if (r.temperature > 0) sqlite3_bind_double(stmt, 6, r.temperature);
      else sqlite3_bind_null(stmt, 6);
      sqlite3_bind_int64(stmt, 7, r.place_area_id);
      sqlite3_bind_int64(stmt, 8, r.home_area_id);
      sqlite3_bind_int64(stmt, 9, received);
      if (sqlite3_step(stmt) != SQLITE_DONE) state.SkipWithError(sqlite3_errmsg(raw));
      inserted += sqlite3_changes(raw);
      sqlite3_reset(stmt);
    }
    sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(raw);
  state.SetItemsProcessed(inserted);
  state.counters["scans/s"] = benchmark::Counter(static_cast<double>(inserted), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IngestRaw_SQLite)
    ->Iterations(kHttpIterations * kClients)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ------------------------------------------------------------------ PostgreSQL

std::string replace_dbname(const std::string& conninfo, const std::string& name) {
  const auto pos = conninfo.find("dbname=");
  if (pos == std::string::npos) return conninfo + " dbname=" + name;
  const auto end = conninfo.find(' ', pos);
  return conninfo.substr(0, pos) + "dbname=" + name + (end == std::string::npos ? "" : conninfo.substr(end));
}

/// A fresh database in the FIRSTLINE_TEST_POSTGRES cluster, dropped at exit.
struct PostgresIngest {
  std::string base, name;
  std::unique_ptr<IngestServer> server;
  std::vector<std::string> bodies;

  PostgresIngest() {
    const char* env = std::getenv("FIRSTLINE_TEST_POSTGRES");
    if (!env || !*env) return;
    base = env;
    name = "fl_bench_scans_" + std::to_string(::getpid());
    {
      auto admin = db::open_database(base, 1);
      auto conn = admin->acquire();
      conn->execute_script("CREATE DATABASE " + name);
    }
    server = std::make_unique<IngestServer>(replace_dbname(base, name));
    std::fprintf(stderr, "PostgreSQL ingest database: community demo with %lld scans in %.1f s\n",
                 static_cast<long long>(server->demo_scans), server->demo_seconds);
    const auto rows = make_rows(server->app->database(), kHttpIterations * kClients * kBatch, "bench-pg-",
                                server->clock.now());
    for (std::size_t i = 0; i < rows.size(); i += kBatch) bodies.push_back(batch_body(rows, i, i + kBatch));
  }
  ~PostgresIngest() {
    if (name.empty()) return;
    server.reset();
    try {
      auto admin = db::open_database(base, 1);
      auto conn = admin->acquire();
      conn->execute_script("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (...) {
    }
  }
};

std::unique_ptr<PostgresIngest> g_postgres_ingest;
PostgresIngest& postgres_ingest() {
  if (!g_postgres_ingest) g_postgres_ingest = std::make_unique<PostgresIngest>();
  return *g_postgres_ingest;
}

void BM_IngestHttp_PostgreSQL(benchmark::State& state) {
  auto& f = postgres_ingest();
  if (!f.server) {
    state.SkipWithError("FIRSTLINE_TEST_POSTGRES is not set (run under scripts/with-postgres.sh)");
    for (auto _ : state) {
    }
    return;
  }
  run_http_ingest(state, *f.server, f.bodies);
}
BENCHMARK(BM_IngestHttp_PostgreSQL)->Iterations(kHttpIterations)->UseRealTime()->Unit(benchmark::kMillisecond);

// ------------------------------------------------------------------ queries

/// A street-scale demo (~1.5 M scans) and a raw sqlite3 handle on the same file.
struct QueryFixture {
  fs::path file = bench_dir() / "street.db";
  core::SystemClock clock;
  std::unique_ptr<app::Application> app;
  core::Principal admin;
  sqlite3* raw = nullptr;
  std::int64_t busiest_gate = 0, community = 0;
  std::vector<std::int64_t> community_places;
  core::Millis today = 0;

  QueryFixture() {
    fs::create_directories(bench_dir());
    app::AppOptions o;
    o.database_url = "sqlite:" + file.string();
    o.auth.hash_cost = auth::HashCost::minimal();
    app = std::make_unique<app::Application>(o, clock);
    demo::DemoOptions d;
    d.scale = demo::Scale::street;
    d.admin_password = d.account_password = kPassword;
    const auto summary = demo::generate_demo(app->database(), app->auth(), clock, d);
    std::fprintf(stderr, "query database: street demo, %lld residents, %lld places, %lld scans in %.1f s\n",
                 static_cast<long long>(summary.residents), static_cast<long long>(summary.places),
                 static_cast<long long>(summary.scans), summary.seconds);
    admin.user_id = 1;
    admin.username = "admin";
    admin.grants.push_back(core::Grant{core::Role::admin, std::nullopt, ""});
    today = app->movement().day_start(clock.now());
    auto conn = app->database().acquire();
    busiest_gate = db::as_int(*conn->query_value(
        "SELECT s.place_id FROM scans s JOIN places p ON p.id = s.place_id WHERE p.kind = 'checkpoint' AND s.ts >= $1 "
        "GROUP BY s.place_id ORDER BY COUNT(*) DESC LIMIT 1",
        {today}));
    community = db::as_int(*conn->query_value("SELECT id FROM areas WHERE level = 2 ORDER BY id LIMIT 1"));
    for (const auto& r : conn->query("SELECT p.id FROM places p JOIN areas g ON g.id = p.area_id WHERE g.parent_id = $1 "
                                     "AND p.deleted_at IS NULL ORDER BY p.id",
                                     {community})
                             .rows) {
      community_places.push_back(db::as_int(r[0]));
    }
    sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_exec(raw, "PRAGMA cache_size=-65536;", nullptr, nullptr, nullptr);
  }
  ~QueryFixture() { sqlite3_close_v2(raw); }
};

std::unique_ptr<QueryFixture> g_queries;
QueryFixture& queries() {
  if (!g_queries) g_queries = std::make_unique<QueryFixture>();
  return *g_queries;
}

/// In, out and inside today at the places: the latest scan of each person at
/// each place decides whether they are inside.
sqlite3_stmt* prepare_occupancy(sqlite3* raw, std::size_t places) {
  std::string list;
  for (std::size_t i = 0; i < places; ++i) list += (i ? ", ?" : "?") + std::to_string(i + 2);
  const std::string sql = fmt::format(
      "SELECT (SELECT SUM(direction) FROM (SELECT direction, MAX(ts) FROM scans WHERE ts >= ?1 AND place_id IN ({0}) "
      "GROUP BY place_id, person_id)), SUM(direction = 1), SUM(direction = 0) FROM scans WHERE ts >= ?1 AND place_id "
      "IN ({0})",
      list);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(raw));
  return stmt;
}

void run_occupancy_sql(benchmark::State& state, const std::vector<std::int64_t>& places) {
  auto& f = queries();
  sqlite3_stmt* stmt = prepare_occupancy(f.raw, places.size());
  std::int64_t inside = 0, in = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(stmt, 1, f.today);
    for (std::size_t i = 0; i < places.size(); ++i) sqlite3_bind_int64(stmt, static_cast<int>(i + 2), places[i]);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      inside = sqlite3_column_int64(stmt, 0);
      in = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  state.counters["inside"] = static_cast<double>(inside);
  state.counters["in_today"] = static_cast<double>(in);
}

void BM_PlaceOccupancy_Service(benchmark::State& state) {
  auto& f = queries();
  movement::Occupancy o;
  for (auto _ : state) {
    auto r = f.app->movement().place_occupancy(f.admin, f.busiest_gate);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else o = *r;
  }
  state.counters["inside"] = static_cast<double>(o.inside);
  state.counters["in_today"] = static_cast<double>(o.in_today);
}
BENCHMARK(BM_PlaceOccupancy_Service)->Unit(benchmark::kMillisecond);

void BM_PlaceOccupancy_PlainSQL(benchmark::State& state) { run_occupancy_sql(state, {queries().busiest_gate}); }
BENCHMARK(BM_PlaceOccupancy_PlainSQL)->Unit(benchmark::kMillisecond);

void BM_CommunityOccupancy_Service(benchmark::State& state) {
  auto& f = queries();
  movement::Occupancy o;
  for (auto _ : state) {
    auto r = f.app->movement().area_occupancy(f.admin, f.community);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else o = *r;
  }
  state.counters["inside"] = static_cast<double>(o.inside);
  state.counters["in_today"] = static_cast<double>(o.in_today);
}
BENCHMARK(BM_CommunityOccupancy_Service)->Unit(benchmark::kMillisecond);

void BM_CommunityOccupancy_PlainSQL(benchmark::State& state) { run_occupancy_sql(state, queries().community_places); }
BENCHMARK(BM_CommunityOccupancy_PlainSQL)->Unit(benchmark::kMillisecond);

void BM_DayFlowsGrid_Service(benchmark::State& state) {
  auto& f = queries();
  std::size_t pairs = 0;
  for (auto _ : state) {
    movement::FlowQuery q;
    q.since = f.today - 86'400'000;
    q.until = f.today;
    q.level = "grid";
    auto r = f.app->movement().flows(f.admin, q);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else pairs = r->size();
  }
  state.counters["pairs"] = static_cast<double>(pairs);
}
BENCHMARK(BM_DayFlowsGrid_Service)->Unit(benchmark::kMillisecond);

void BM_DayFlowsGrid_PlainSQL(benchmark::State& state) {
  auto& f = queries();
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(f.raw,
                     "SELECT home_area_id, place_area_id, COUNT(DISTINCT person_id), COUNT(*) FROM scans "
                     "WHERE ts >= ?1 AND ts < ?2 AND person_id IS NOT NULL AND home_area_id <> place_area_id "
                     "GROUP BY home_area_id, place_area_id ORDER BY 3 DESC",
                     -1, &stmt, nullptr);
  std::size_t pairs = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(stmt, 1, f.today - 86'400'000);
    sqlite3_bind_int64(stmt, 2, f.today);
    pairs = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      benchmark::DoNotOptimize(sqlite3_column_int64(stmt, 2));
      ++pairs;
    }
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  state.counters["pairs"] = static_cast<double>(pairs);
}
BENCHMARK(BM_DayFlowsGrid_PlainSQL)->Unit(benchmark::kMillisecond);

/// Prints the ingest ratio beside the console table.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const auto it = run.counters.find("scans/s");
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const auto http = find("BM_IngestHttp_SQLite"), raw = find("BM_IngestRaw_SQLite");
    if (http > 0 && raw > 0) {
      std::printf("\ningest: HTTP→SQLite %.0f scans/s, raw sqlite3 %.0f scans/s, ratio %.2f (target >= 0.50 and >= "
                  "60000 scans/s)\n",
                  http, raw, http / raw);
    }
    if (const auto pg = find("BM_IngestHttp_PostgreSQL"); pg > 0) {
      std::printf("ingest: HTTP→PostgreSQL %.0f scans/s%s\n", pg,
                  raw > 0 ? fmt::format(", {:.2f} of raw SQLite", pg / raw).c_str() : "");
    }
  }

 private:
  double find(const std::string& prefix) const {
    for (const auto& [name, rate] : rates_) {
      if (name.rfind(prefix, 0) == 0) return rate;
    }
    return 0;
  }
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  // Servers and databases go before static destruction begins (their threads log).
  g_queries.reset();
  g_postgres_ingest.reset();
  g_sqlite_ingest.reset();
  std::error_code ec;
  fs::remove_all(bench_dir(), ec);
  return 0;
}
