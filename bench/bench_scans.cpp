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
//  - occupancy of the busiest gate today and of a community's places today,
//    and the grid-level flow matrix of yesterday, through MovementService,
//    beside a plain SQL GROUP BY through raw sqlite3; each pair is first run
//    once both ways and the answers compared (printed, and "same answer" in
//    the summary table with the ratios). The demo's clock is frozen at the
//    latest 20:00 local time, so "today" is a whole day whenever it runs.
//    With FIRSTLINE_TEST_POSTGRES set, the same queries also run on a copy of
//    that database in PostgreSQL (COPY, then VACUUM ANALYZE), beside plain
//    SQL through raw libpq.
//
// Environment:
//   FIRSTLINE_BENCH_SCALE=community|street|district  the demo the query
//       benchmarks read (default street: ~150 k residents, ~1.5 M scans;
//       district: ~1 M residents, 2,000 grids, ~10 M scans, ~4 min to
//       generate on 2 cores, ~3.4 GB).
//   FIRSTLINE_BENCH_DATA=DIR  keep the generated query database in DIR
//       (scans-<scale>.db + .meta) and reuse it on later runs; delete the
//       files to generate again (e.g. after the demo generator changed).
// The district figures of docs/BENCHMARKS.md: with FIRSTLINE_BENCH_SCALE=district
// and FIRSTLINE_BENCH_DATA=/work/bench-data set, from the repository root,
//   scripts/with-postgres.sh build/bench_scans --benchmark_filter='Occupancy|Flows'
// Other databases live in a temp folder removed at exit.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
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

/// FIRSTLINE_BENCH_SCALE: the demo the query benchmarks read; street unless set.
std::optional<demo::Scale> parse_scale(std::string_view s) {
  if (s == "community") return demo::Scale::community;
  if (s == "street") return demo::Scale::street;
  if (s == "district") return demo::Scale::district;
  return std::nullopt;
}

const char* scale_name(demo::Scale s) {
  switch (s) {
    case demo::Scale::community: return "community";
    case demo::Scale::street: return "street";
    case demo::Scale::district: return "district";
  }
  return "?";
}

demo::Scale query_scale() {
  const char* env = std::getenv("FIRSTLINE_BENCH_SCALE");
  if (!env || !*env) return demo::Scale::street;
  return parse_scale(env).value_or(demo::Scale::street);  // main() refuses other values
}

/// The demo database the query benchmarks read, generated or found in the
/// FIRSTLINE_BENCH_DATA cache.
struct QueryData {
  fs::path file;
  core::Millis now = 0;  // the generation's clock: "today" is its day
  long long residents = 0, places = 0, scans = 0;
  double seconds = 0;  // generation time
  bool cached = false;
};

/// The latest 20:00 local time (the movement module's zone) at or before
/// `t`: the query demo's clock, so that "today" holds a whole day of scans
/// whenever the bench runs (at 01:00 local it would hold almost none).
core::Millis evening_before(core::Millis t) {
  constexpr core::Millis kHour = 3'600'000, kDay = 24 * kHour;
  const core::Millis offset = app::AppOptions{}.movement.utc_offset_minutes * 60'000LL;
  const core::Millis local = t + offset;
  core::Millis evening = (local / kDay) * kDay + 20 * kHour - offset;
  if (evening > t) evening -= kDay;
  return evening;
}

/// Generates the query demo (on a clock frozen at evening_before(now)), or reuses
/// the one cached in $FIRSTLINE_BENCH_DATA: scans-<scale>.db beside
/// scans-<scale>.db.meta, which is written last and so marks a complete
/// database. Without the variable the database lives in the bench's temp folder.
QueryData query_database(demo::Scale scale) {
  const char* cache = std::getenv("FIRSTLINE_BENCH_DATA");
  const bool caching = cache && *cache;
  const fs::path dir = caching ? fs::path(cache) : bench_dir();
  fs::create_directories(dir);
  QueryData q;
  q.file = dir / fmt::format("scans-{}.db", scale_name(scale));
  fs::path meta = q.file;
  meta += ".meta";
  if (caching && fs::exists(meta) && fs::exists(q.file)) {
    std::ifstream in(meta);
    std::string key;
    while (in >> key) {
      if (key == "now") in >> q.now;
      else if (key == "residents") in >> q.residents;
      else if (key == "places") in >> q.places;
      else if (key == "scans") in >> q.scans;
      else if (key == "seconds") in >> q.seconds;
      else in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    if (q.now > 0) {
      q.cached = true;
      return q;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm", ".meta"}) {
    fs::path p = q.file;
    p += suffix;
    fs::remove(p);
  }
  core::FakeClock clock(evening_before(core::SystemClock().now()));
  q.now = clock.now();
  {
    app::AppOptions o;
    o.database_url = "sqlite:" + q.file.string();
    o.auth.hash_cost = auth::HashCost::minimal();
    app::Application app(o, clock);
    demo::DemoOptions d;
    d.scale = scale;
    d.admin_password = d.account_password = kPassword;
    const auto summary = demo::generate_demo(app.database(), app.auth(), clock, d);
    q.residents = summary.residents;
    q.places = summary.places;
    q.scans = summary.scans;
    q.seconds = summary.seconds;
    auto conn = app.database().acquire();
    conn->execute_script("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  if (caching) {
    fs::path tmp = meta;
    tmp += ".tmp";
    {
      std::ofstream out(tmp);
      out << "now " << q.now << "\nresidents " << q.residents << "\nplaces " << q.places << "\nscans " << q.scans
          << "\nseconds " << q.seconds << "\n";
    }
    fs::rename(tmp, meta);
  }
  return q;
}

struct OccupancyAnswer {
  std::int64_t in = 0, out = 0, inside = 0;
  bool operator==(const OccupancyAnswer&) const = default;
};
/// (from, to, people, scans) per grid pair.
using FlowRows = std::vector<std::array<std::int64_t, 4>>;

/// The same questions as plain SQL through the backend's own C API.
class PlainSql {
 public:
  virtual ~PlainSql() = default;
  /// In and out today, and people whose latest scan at a place today is an entry.
  virtual OccupancyAnswer occupancy(const std::vector<std::int64_t>& places, core::Millis since) = 0;
  /// Grid pairs of the scans in [since, until) whose home grid is not the place's.
  virtual FlowRows flows(core::Millis since, core::Millis until) = 0;
};

/// raw sqlite3. Occupancy takes each person's latest scan per place with
/// GROUP BY place_id, person_id + MAX(ts) (SQLite's bare-column rule).
class SqlitePlain final : public PlainSql {
 public:
  explicit SqlitePlain(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &raw_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + file.string());
    }
    sqlite3_exec(raw_, "PRAGMA cache_size=-65536;", nullptr, nullptr, nullptr);
    if (sqlite3_prepare_v2(raw_,
                           "SELECT home_area_id, place_area_id, COUNT(DISTINCT person_id), COUNT(*) FROM scans "
                           "WHERE ts >= ?1 AND ts < ?2 AND person_id IS NOT NULL AND home_area_id <> place_area_id "
                           "GROUP BY home_area_id, place_area_id ORDER BY 3 DESC",
                           -1, &flows_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(raw_));
    }
  }
  ~SqlitePlain() override {
    for (auto& [n, stmt] : occupancy_) sqlite3_finalize(stmt);
    sqlite3_finalize(flows_);
    sqlite3_close_v2(raw_);
  }
  OccupancyAnswer occupancy(const std::vector<std::int64_t>& places, core::Millis since) override {
    auto& stmt = occupancy_[places.size()];
    if (!stmt) {  // one statement per list length, prepared on first use (the warm-up)
      std::string list;
      for (std::size_t i = 0; i < places.size(); ++i) fmt::format_to(std::back_inserter(list), "{}?{}", i ? ", " : "", i + 2);
      const std::string sql = fmt::format(
          "SELECT (SELECT SUM(direction) FROM (SELECT direction, MAX(ts) FROM scans WHERE ts >= ?1 AND place_id IN "
          "({0}) GROUP BY place_id, person_id)), SUM(direction = 1), SUM(direction = 0) FROM scans WHERE ts >= ?1 AND "
          "place_id IN ({0})",
          list);
      if (sqlite3_prepare_v2(raw_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sqlite3_errmsg(raw_));
      }
    }
    sqlite3_bind_int64(stmt, 1, since);
    for (std::size_t i = 0; i < places.size(); ++i) sqlite3_bind_int64(stmt, static_cast<int>(i + 2), places[i]);
    OccupancyAnswer a;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      a.inside = sqlite3_column_int64(stmt, 0);
      a.in = sqlite3_column_int64(stmt, 1);
      a.out = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_reset(stmt);
    return a;
  }
  FlowRows flows(core::Millis since, core::Millis until) override {
    sqlite3_bind_int64(flows_, 1, since);
    sqlite3_bind_int64(flows_, 2, until);
    FlowRows rows;
    while (sqlite3_step(flows_) == SQLITE_ROW) {
      rows.push_back({sqlite3_column_int64(flows_, 0), sqlite3_column_int64(flows_, 1),
                      sqlite3_column_int64(flows_, 2), sqlite3_column_int64(flows_, 3)});
    }
    sqlite3_reset(flows_);
    return rows;
  }
  sqlite3* handle() { return raw_; }

 private:
  sqlite3* raw_ = nullptr;
  sqlite3_stmt* flows_ = nullptr;
  std::map<std::size_t, sqlite3_stmt*> occupancy_;
};

/// raw libpq, prepared statements (as the backend prepares the service's).
/// Occupancy is one pass: GROUP BY place_id, person_id counts the entries and
/// exits and takes each person's latest direction with
/// (array_agg(direction ORDER BY ts DESC, id DESC))[1].
class PostgresPlain final : public PlainSql {
 public:
  explicit PostgresPlain(const std::string& conninfo) : pg_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(pg_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(pg_));
    prepare("occupancy",
            "SELECT COALESCE(SUM(n_in), 0), COALESCE(SUM(n_out), 0), COUNT(*) FILTER (WHERE last = 1) FROM "
            "(SELECT COUNT(*) FILTER (WHERE direction = 1) AS n_in, COUNT(*) FILTER (WHERE direction = 0) AS n_out, "
            "(array_agg(direction ORDER BY ts DESC, id DESC))[1] AS last FROM scans "
            "WHERE ts >= $1 AND place_id = ANY($2::bigint[]) GROUP BY place_id, person_id) g");
    prepare("flows",
            "SELECT home_area_id, place_area_id, COUNT(DISTINCT person_id), COUNT(*) FROM scans "
            "WHERE ts >= $1 AND ts < $2 AND person_id IS NOT NULL AND home_area_id <> place_area_id "
            "GROUP BY home_area_id, place_area_id ORDER BY 3 DESC");
  }
  ~PostgresPlain() override { PQfinish(pg_); }
  OccupancyAnswer occupancy(const std::vector<std::int64_t>& places, core::Millis since) override {
    std::string list = "{";
    for (std::size_t i = 0; i < places.size(); ++i) fmt::format_to(std::back_inserter(list), "{}{}", i ? "," : "", places[i]);
    list += "}";
    const std::string ts = std::to_string(since);
    auto* r = exec("occupancy", {ts.c_str(), list.c_str()});
    OccupancyAnswer a{std::stoll(PQgetvalue(r, 0, 0)), std::stoll(PQgetvalue(r, 0, 1)), std::stoll(PQgetvalue(r, 0, 2))};
    PQclear(r);
    return a;
  }
  FlowRows flows(core::Millis since, core::Millis until) override {
    const std::string a = std::to_string(since), b = std::to_string(until);
    auto* r = exec("flows", {a.c_str(), b.c_str()});
    FlowRows rows;
    rows.reserve(static_cast<std::size_t>(PQntuples(r)));
    for (int i = 0; i < PQntuples(r); ++i) {
      rows.push_back({std::stoll(PQgetvalue(r, i, 0)), std::stoll(PQgetvalue(r, i, 1)), std::stoll(PQgetvalue(r, i, 2)),
                      std::stoll(PQgetvalue(r, i, 3))});
    }
    PQclear(r);
    return rows;
  }

 private:
  void prepare(const char* name, const char* sql) {
    PGresult* r = PQprepare(pg_, name, sql, 0, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(PQerrorMessage(pg_));
  }
  PGresult* exec(const char* name, std::vector<const char*> values) {
    PGresult* r = PQexecPrepared(pg_, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      const std::string message = PQerrorMessage(pg_);
      PQclear(r);
      throw std::runtime_error(message);
    }
    return r;
  }
  PGconn* pg_;
};

/// Copies areas, places and scans from the SQLite query database into a fresh
/// PostgreSQL database (already migrated) with COPY; the scans' indexes are
/// dropped for the copy and built again afterwards, then everything vacuumed
/// and analyzed.
void copy_to_postgres(sqlite3* from, const std::string& conninfo) {
  PGconn* pg = PQconnectdb(conninfo.c_str());
  if (PQstatus(pg) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(pg));
  auto run = [&](const std::string& sql) {
    PGresult* r = PQexec(pg, sql.c_str());
    const auto st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + PQerrorMessage(pg));
  };
  std::vector<std::string> index_defs;
  {
    PGresult* r = PQexec(pg, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scans' AND indexname NOT IN "
                             "(SELECT conname FROM pg_constraint WHERE conrelid = 'scans'::regclass)");
    for (int i = 0; i < PQntuples(r); ++i) {
      index_defs.emplace_back(PQgetvalue(r, i, 1));
      run(fmt::format("DROP INDEX {}", PQgetvalue(r, i, 0)));
    }
    PQclear(r);
  }
  for (const std::string table : {"areas", "places", "scans"}) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(from, ("SELECT * FROM " + table + " ORDER BY id").c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(from));
    }
    const int cols = sqlite3_column_count(stmt);
    std::string head = "COPY " + table + " (";
    for (int c = 0; c < cols; ++c) head += (c ? ", " : "") + std::string(sqlite3_column_name(stmt, c));
    {
      PGresult* r = PQexec(pg, (head + ") FROM STDIN").c_str());
      const bool ok = PQresultStatus(r) == PGRES_COPY_IN;
      PQclear(r);
      if (!ok) throw std::runtime_error("COPY " + table + ": " + PQerrorMessage(pg));
    }
    std::string buf;
    auto flush = [&] {
      if (PQputCopyData(pg, buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error(PQerrorMessage(pg));
      buf.clear();
    };
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int c = 0; c < cols; ++c) {
        if (c) buf += '\t';
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: buf += "\\N"; break;
          case SQLITE_INTEGER: fmt::format_to(std::back_inserter(buf), "{}", sqlite3_column_int64(stmt, c)); break;
          case SQLITE_FLOAT: fmt::format_to(std::back_inserter(buf), "{}", sqlite3_column_double(stmt, c)); break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            for (const char* p = text; *p; ++p) {
              switch (*p) {
                case '\\': buf += "\\\\"; break;
                case '\t': buf += "\\t"; break;
                case '\n': buf += "\\n"; break;
                case '\r': buf += "\\r"; break;
                default: buf += *p;
              }
            }
          }
        }
      }
      buf += '\n';
      if (buf.size() > (1u << 20)) flush();
    }
    sqlite3_finalize(stmt);
    flush();
    if (PQputCopyEnd(pg, nullptr) != 1) throw std::runtime_error(PQerrorMessage(pg));
    PGresult* r = PQgetResult(pg);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(pg))) PQclear(r);
    if (!ok) throw std::runtime_error("COPY " + table + ": " + PQerrorMessage(pg));
    run(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT MAX(id) FROM {0}))", table));
  }
  for (const auto& def : index_defs) run(def);
  // Vacuumed as autovacuum would leave them: hint bits and visibility map set,
  // so neither the first timed reads nor a concurrent autovacuum pay for the load.
  run("VACUUM ANALYZE areas");
  run("VACUUM ANALYZE places");
  run("VACUUM ANALYZE scans");
  PQfinish(pg);
}

/// The three questions on one backend: MovementService on an Application, and
/// the plain SQL beside it, with the inputs (busiest gate today, the first
/// community and its places) and whether both gave the same answers.
struct QueryTarget {
  std::string backend;  // "SQLite" or "PostgreSQL"
  core::FakeClock clock{0};
  std::unique_ptr<app::Application> app;
  std::unique_ptr<PlainSql> plain;
  core::Principal admin;
  core::Millis today = 0;
  std::int64_t busiest_gate = 0, community = 0;
  std::vector<std::int64_t> community_places;
  std::map<std::string, bool> same;  // query → same answer from both

  QueryTarget(std::string name, core::Millis now, const std::string& url) : backend(std::move(name)), clock(now) {
    app::AppOptions o;
    o.database_url = url;
    o.auth.hash_cost = auth::HashCost::minimal();
    app = std::make_unique<app::Application>(o, clock);
    admin.user_id = 1;
    admin.username = "admin";
    admin.grants.push_back(core::Grant{core::Role::admin, std::nullopt, ""});
    today = app->movement().day_start(clock.now());
    auto conn = app->database().acquire();
    const auto gate = conn->query_value(
        "SELECT s.place_id FROM scans s JOIN places p ON p.id = s.place_id WHERE p.kind = 'checkpoint' AND s.ts >= $1 "
        "GROUP BY s.place_id ORDER BY COUNT(*) DESC, s.place_id LIMIT 1",
        {today});
    if (!gate) throw std::runtime_error(backend + " query database: no checkpoint has scans today");
    busiest_gate = db::as_int(*gate);
    community = db::as_int(*conn->query_value("SELECT id FROM areas WHERE level = 2 ORDER BY id LIMIT 1"));
    for (const auto& r : conn->query("SELECT p.id FROM places p JOIN areas g ON g.id = p.area_id WHERE g.parent_id = $1 "
                                     "AND p.deleted_at IS NULL ORDER BY p.id",
                                     {community})
                             .rows) {
      community_places.push_back(db::as_int(r[0]));
    }
  }

  movement::FlowQuery day_flows() const {
    movement::FlowQuery q;
    q.since = today - 86'400'000;
    q.until = today;
    q.level = "grid";
    return q;
  }

  /// Runs each question once both ways (the warm-up), records and prints
  /// whether the answers agree.
  void check() {
    auto occupancy = [&](const char* what, const core::Result<movement::Occupancy>& s, const OccupancyAnswer& p) {
      if (!s) throw std::runtime_error(s.error().message);
      const OccupancyAnswer mine{s->in_today, s->out_today, s->inside};
      same[what] = mine == p;
      std::fprintf(stderr, "%s %s: service in %lld out %lld inside %lld; plain SQL in %lld out %lld inside %lld: %s\n",
                   backend.c_str(), what, static_cast<long long>(mine.in), static_cast<long long>(mine.out),
                   static_cast<long long>(mine.inside), static_cast<long long>(p.in), static_cast<long long>(p.out),
                   static_cast<long long>(p.inside), same[what] ? "same" : "DIFFERENT");
    };
    occupancy("gate", app->movement().place_occupancy(admin, busiest_gate), plain->occupancy({busiest_gate}, today));
    occupancy("community", app->movement().area_occupancy(admin, community),
              plain->occupancy(community_places, today));
    const auto q = day_flows();
    auto s = app->movement().flows(admin, q);
    if (!s) throw std::runtime_error(s.error().message);
    FlowRows mine;
    for (const auto& f : *s) mine.push_back({f.from_area_id, f.to_area_id, f.people, f.scans});
    auto p = plain->flows(q.since, q.until);
    std::ranges::sort(mine);
    std::ranges::sort(p);
    same["flows"] = mine == p;
    std::fprintf(stderr, "%s flows: service %zu pairs, plain SQL %zu pairs: %s\n", backend.c_str(), mine.size(),
                 p.size(), same["flows"] ? "same" : "DIFFERENT");
  }
};

QueryData& query_data() {
  static QueryData data = [] {
    const auto scale = query_scale();
    const char* cache = std::getenv("FIRSTLINE_BENCH_DATA");
    std::fprintf(stderr, "query database: %s demo%s...\n", scale_name(scale),
                 cache && *cache ? " (cache: $FIRSTLINE_BENCH_DATA)" : "");
    auto q = query_database(scale);
    std::fprintf(stderr, "query database: %s demo, %lld residents, %lld places, %lld scans, %s in %.1f s (%s)\n",
                 scale_name(scale), q.residents, q.places, q.scans, q.cached ? "generated earlier" : "generated",
                 q.seconds, q.file.c_str());
    return q;
  }();
  return data;
}

std::unique_ptr<QueryTarget> g_sqlite_queries;
QueryTarget& sqlite_queries() {
  if (!g_sqlite_queries) {
    auto& data = query_data();
    g_sqlite_queries = std::make_unique<QueryTarget>("SQLite", data.now, "sqlite:" + data.file.string());
    g_sqlite_queries->plain = std::make_unique<SqlitePlain>(data.file);
    g_sqlite_queries->check();
  }
  return *g_sqlite_queries;
}

/// A copy of the query database in the FIRSTLINE_TEST_POSTGRES cluster, dropped at exit.
struct PostgresQueries {
  std::string base, name;
  std::unique_ptr<QueryTarget> target;

  PostgresQueries() {
    base = std::getenv("FIRSTLINE_TEST_POSTGRES");
    name = "fl_bench_queries_" + std::to_string(::getpid());
    {
      auto admin = db::open_database(base, 1);
      auto conn = admin->acquire();
      conn->execute_script("CREATE DATABASE " + name);
    }
    auto& data = query_data();
    const auto url = replace_dbname(base, name);
    {  // the schema, as the application makes it
      core::FakeClock clock(data.now);
      app::AppOptions o;
      o.database_url = url;
      app::Application migrate(o, clock);
    }
    const auto started = std::chrono::steady_clock::now();
    {
      SqlitePlain from(data.file);
      copy_to_postgres(from.handle(), url);
    }
    std::fprintf(stderr, "PostgreSQL query database: copied areas, places and scans in %.1f s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    target = std::make_unique<QueryTarget>("PostgreSQL", data.now, url);
    target->plain = std::make_unique<PostgresPlain>(url);
    target->check();
  }
  ~PostgresQueries() {
    target.reset();
    try {
      auto admin = db::open_database(base, 1);
      auto conn = admin->acquire();
      conn->execute_script("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (...) {
    }
  }
};

std::unique_ptr<PostgresQueries> g_postgres_queries;
QueryTarget& postgres_queries() {
  if (!g_postgres_queries) g_postgres_queries = std::make_unique<PostgresQueries>();
  return *g_postgres_queries->target;
}

using TargetFn = QueryTarget& (*)();

void place_occupancy_service(benchmark::State& state, TargetFn target) {
  auto& f = target();
  movement::Occupancy o;
  for (auto _ : state) {
    auto r = f.app->movement().place_occupancy(f.admin, f.busiest_gate);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else o = *r;
  }
  state.counters["inside"] = static_cast<double>(o.inside);
  state.counters["in_today"] = static_cast<double>(o.in_today);
}

void place_occupancy_plain(benchmark::State& state, TargetFn target) {
  auto& f = target();
  OccupancyAnswer a;
  for (auto _ : state) a = f.plain->occupancy({f.busiest_gate}, f.today);
  state.counters["inside"] = static_cast<double>(a.inside);
  state.counters["in_today"] = static_cast<double>(a.in);
}

void community_occupancy_service(benchmark::State& state, TargetFn target) {
  auto& f = target();
  movement::Occupancy o;
  for (auto _ : state) {
    auto r = f.app->movement().area_occupancy(f.admin, f.community);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else o = *r;
  }
  state.counters["inside"] = static_cast<double>(o.inside);
  state.counters["in_today"] = static_cast<double>(o.in_today);
}

void community_occupancy_plain(benchmark::State& state, TargetFn target) {
  auto& f = target();
  OccupancyAnswer a;
  for (auto _ : state) a = f.plain->occupancy(f.community_places, f.today);
  state.counters["inside"] = static_cast<double>(a.inside);
  state.counters["in_today"] = static_cast<double>(a.in);
}

void day_flows_service(benchmark::State& state, TargetFn target) {
  auto& f = target();
  std::size_t pairs = 0;
  const auto q = f.day_flows();
  for (auto _ : state) {
    auto r = f.app->movement().flows(f.admin, q);
    if (!r) state.SkipWithError(r.error().message.c_str());
    else pairs = r->size();
  }
  state.counters["pairs"] = static_cast<double>(pairs);
}

void day_flows_plain(benchmark::State& state, TargetFn target) {
  auto& f = target();
  std::size_t pairs = 0;
  const auto q = f.day_flows();
  for (auto _ : state) pairs = f.plain->flows(q.since, q.until).size();
  state.counters["pairs"] = static_cast<double>(pairs);
}

/// The query benchmarks, in pairs (service, plain SQL); the PostgreSQL ones
/// when FIRSTLINE_TEST_POSTGRES is set.
void register_query_benchmarks() {
  struct Query {
    const char* name;
    void (*service)(benchmark::State&, TargetFn);
    void (*plain)(benchmark::State&, TargetFn);
  };
  const Query all[] = {{"BM_PlaceOccupancy", place_occupancy_service, place_occupancy_plain},
                       {"BM_CommunityOccupancy", community_occupancy_service, community_occupancy_plain},
                       {"BM_DayFlowsGrid", day_flows_service, day_flows_plain}};
  std::vector<std::pair<std::string, TargetFn>> backends = {{"", sqlite_queries}};
  if (const char* pg = std::getenv("FIRSTLINE_TEST_POSTGRES"); pg && *pg) {
    backends.emplace_back("_PostgreSQL", postgres_queries);
  }
  const std::string label = scale_name(query_scale());
  for (const auto& [suffix, target] : backends) {
    for (const auto& q : all) {
      for (const auto& [kind, fn] : {std::pair{"_Service", q.service}, std::pair{"_PlainSQL", q.plain}}) {
        benchmark::RegisterBenchmark((std::string(q.name) + kind + suffix).c_str(),
                                     [fn = fn, target = target, label](benchmark::State& state) {
                                       try {
                                         fn(state, target);
                                         state.SetLabel(label);
                                       } catch (const std::exception& e) {
                                         state.SkipWithError(e.what());
                                         for (auto _ : state) {
                                         }
                                       }
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

/// Prints the ingest ratio and the query table (service vs plain SQL) after
/// the console table.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const auto it = run.counters.find("scans/s");
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
      // Query times: the median when repeated, else the (last) run.
      const std::string name = run.run_name.function_name;
      const double ms = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e3;
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") {
          times_[name] = ms;
          medians_.insert(name);
        }
      } else if (!medians_.contains(name)) {
        times_[name] = ms;
      }
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
    bool header = false;
    const std::pair<const char*, const char*> queries[] = {
        {"BM_PlaceOccupancy", "gate"}, {"BM_CommunityOccupancy", "community"}, {"BM_DayFlowsGrid", "flows"}};
    for (const auto& [target, suffix] : {std::pair{g_sqlite_queries.get(), ""},
                                         std::pair{g_postgres_queries ? g_postgres_queries->target.get() : nullptr,
                                                   "_PostgreSQL"}}) {
      if (!target) continue;
      for (const auto& [name, key] : queries) {
        const auto s = times_.find(std::string(name) + "_Service" + suffix);
        const auto p = times_.find(std::string(name) + "_PlainSQL" + suffix);
        if (s == times_.end() || p == times_.end()) continue;
        if (!header) {
          const auto& d = query_data();
          std::printf("\nqueries on the %s demo (%lld residents, %lld places, %lld scans):\n",
                      scale_name(query_scale()), d.residents, d.places, d.scans);
          std::printf("  %-11s %-22s %12s %12s %8s  %s\n", "backend", "query", "service ms", "plain ms", "ratio",
                      "same answer");
          header = true;
        }
        const auto same = target->same.find(key);
        std::printf("  %-11s %-22s %12.2f %12.2f %7.1fx  %s\n", target->backend.c_str(), name, s->second, p->second,
                    s->second / p->second,
                    same == target->same.end() ? "?" : same->second ? "yes" : "NO");
      }
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
  std::map<std::string, double> times_;
  std::set<std::string> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (const char* s = std::getenv("FIRSTLINE_BENCH_SCALE"); s && *s && !parse_scale(s)) {
    std::fprintf(stderr, "FIRSTLINE_BENCH_SCALE must be community, street or district, not '%s'\n", s);
    return 2;
  }
  register_query_benchmarks();
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  // A query whose service and plain SQL answers differ fails the run.
  int status = 0;
  for (const QueryTarget* t : {g_sqlite_queries.get(), g_postgres_queries ? g_postgres_queries->target.get() : nullptr}) {
    if (!t) continue;
    for (const auto& [query, same] : t->same) {
      if (!same) {
        std::fprintf(stderr, "%s %s: the service and the plain SQL gave different answers\n", t->backend.c_str(),
                     query.c_str());
        status = 1;
      }
    }
  }
  // Servers and databases go before static destruction begins (their threads log).
  g_postgres_queries.reset();
  g_sqlite_queries.reset();
  g_postgres_ingest.reset();
  g_sqlite_ingest.reset();
  std::error_code ec;
  fs::remove_all(bench_dir(), ec);
  return status;
}
