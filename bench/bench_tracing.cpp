// Contact tracing at district scale (issue 5): close plus secondary contacts
// of random cases, through health::trace over SqlMovementSource (indexed range
// reads of the scans table), beside the same answer computed by one plain SQL
// statement (stays from a window function over the scans, then self-joins of
// stays) on the same database in the same run. Both backends: SQLite always,
// PostgreSQL when FIRSTLINE_TEST_POSTGRES is set (scripts/run-bench.sh).
//
// Data (deterministic): FIRSTLINE_BENCH_PEOPLE residents (default 1,000,000)
// in households of 1–4, 20 places per 1,000 residents (30 % gates, which do
// not count for tracing), and about 5 visits per resident over 14 days —
// an entry scan and, for 90 % of visits, an exit 5 min to 3 h later — so
// ~10 M scans at the default. Visits stay mostly near home (the resident's
// block of places), popular places draw more. Loaded with multi-row INSERTs
// and the scan indexes built afterwards.
//
// Reported per backend: p50 / p99 / max latency of trace() over
// FIRSTLINE_BENCH_CASES random cases (default 200; after 5 unmeasured warm-up traces) — each a resident with at
// least one visit, onset 3 days before the end of the data — the mean number
// of contacts, the statements per trace, the scan events read per trace and
// their memory, peak RSS; then the SQL baseline on the first few cases, its
// latency, the ratio, and whether both found the same close and secondary
// contacts. Prints a summary; docs/BENCHMARKS.md records it.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "app/schema.hpp"
#include "db/bulk_insert.hpp"
#include "db/database.hpp"
#include "db/migrations.hpp"
#include "health/health_store.hpp"
#include "health/tracer.hpp"

using namespace firstline;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr core::Millis kMinute = 60'000;
constexpr core::Millis kDay = 24 * 60 * kMinute;
constexpr core::Millis kEnd = 1'795'000'000'000;  // end of the data (2026-11-18)

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

using db::BulkInsert;

struct Scale {
  long people, places, visits;
};

/// Fills a migrated, empty database. Returns the residents with at least one visit.
std::vector<std::int64_t> generate(db::Database& database, const Scale& scale) {
  auto conn = database.acquire();
  std::mt19937_64 rng(20200123);
  const auto t0 = Clock::now();
  const std::int64_t now = kEnd;
  db::in_transaction(*conn, db::TxMode::write, [&] {
    conn->execute(
        "INSERT INTO areas (id, code, name, level, path, created_at, updated_at) VALUES "
        "(1, '110105', 'district', 0, '/1/', $1, $1)",
        {now});
    BulkInsert households(*conn, "INSERT INTO households (id, area_id, address, created_at, updated_at)", 5, 500);
    BulkInsert residents(*conn,
                         "INSERT INTO residents (id, area_id, household_id, name, document_type, created_at, updated_at)",
                         7, 500);
    // Households first (residents refer to them), then their members.
    std::vector<int> sizes;
    for (long left = scale.people; left > 0;) {
      const int size = static_cast<int>(std::min<long>(left, 1 + static_cast<long>(rng() % 4)));
      sizes.push_back(size);
      left -= size;
    }
    for (std::int64_t h = 1; h <= static_cast<std::int64_t>(sizes.size()); ++h) {
      households.add({h, std::int64_t{1}, "h" + std::to_string(h), now, now});
    }
    households.flush();
    std::int64_t person = 0;
    for (std::size_t h = 0; h < sizes.size(); ++h) {
      for (int i = 0; i < sizes[h]; ++i) {
        ++person;
        residents.add({person, std::int64_t{1}, static_cast<std::int64_t>(h + 1), "p" + std::to_string(person),
                       std::string("other"), now, now});
      }
    }
    residents.flush();
    BulkInsert places(*conn,
                      "INSERT INTO places (id, area_id, name, kind, code, created_at, updated_at)", 7, 500);
    static const char* kinds[] = {"shop", "market", "clinic", "pharmacy", "office", "school", "transport"};
    for (std::int64_t p = 1; p <= scale.places; ++p) {
      const bool gate = rng() % 10 < 3;
      places.add({p, std::int64_t{1}, "place" + std::to_string(p), std::string(gate ? "checkpoint" : kinds[rng() % 7]),
                  "P" + std::to_string(p), now, now});
    }
    places.flush();
  });
  fmt::print("  registry: {} residents, {} places in {:.1f} s\n", scale.people, scale.places, ms_since(t0) / 1000);

  // Scans: drop the indexes, load, rebuild.
  for (const char* idx : {"scans_event", "scans_place_ts", "scans_person_ts", "scans_ts"}) {
    conn->execute(std::string("DROP INDEX ") + idx);
  }
  const auto t1 = Clock::now();
  std::vector<std::int64_t> visited;
  std::int64_t scan_id = 0, scans = 0;
  std::lognormal_distribution<double> stay(std::log(35.0), 0.8);
  const std::int64_t block = 200;  // places near one home
  constexpr std::int64_t kChunk = 100'000;
  for (std::int64_t first = 1; first <= scale.people; first += kChunk) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      BulkInsert out(*conn,
                     "INSERT INTO scans (id, client_event_id, place_id, person_id, ts, direction, place_area_id, "
                     "source, received_at)",
                     9, 400);
      for (std::int64_t p = first; p < std::min(first + kChunk, scale.people + 1); ++p) {
        // Poisson-ish number of visits, sequential in time, never overlapping.
        const long n = static_cast<long>(rng() % static_cast<std::uint64_t>(2 * scale.visits + 1));
        if (n == 0) continue;
        visited.push_back(p);
        const std::int64_t home_block = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(
                                                                   std::max<std::int64_t>(1, scale.places / block)));
        std::vector<std::int64_t> starts;
        for (long v = 0; v < n; ++v) {
          const auto day = static_cast<std::int64_t>(rng() % 14);
          const auto minute = 7 * 60 + static_cast<std::int64_t>(rng() % (14 * 60));
          starts.push_back(kEnd - (14 - day) * kDay + minute * kMinute + static_cast<std::int64_t>(rng() % 60000));
        }
        std::sort(starts.begin(), starts.end());
        core::Millis free_from = 0;
        for (auto start : starts) {
          if (start < free_from) start = free_from + kMinute;
          // 80 % near home, skewed to the block's first places (popular ones).
          std::int64_t place;
          if (rng() % 10 < 8) {
            const double u = std::uniform_real_distribution<double>(0, 1)(rng);
            place = home_block * block + 1 + static_cast<std::int64_t>(u * u * static_cast<double>(block));
          } else {
            place = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(scale.places));
          }
          place = std::clamp<std::int64_t>(place, 1, scale.places);
          const auto minutes = std::clamp(stay(rng), 5.0, 180.0);
          const auto end = start + static_cast<core::Millis>(minutes * 60000);
          ++scan_id;
          out.add({scan_id, "b" + std::to_string(scan_id), place, p, start, std::int64_t{1}, std::int64_t{1},
                   std::string("bench"), start});
          ++scans;
          if (rng() % 10 != 0) {
            ++scan_id;
            out.add({scan_id, "b" + std::to_string(scan_id), place, p, end, std::int64_t{0}, std::int64_t{1},
                     std::string("bench"), end});
            ++scans;
          }
          free_from = end;
        }
      }
      out.flush();
    });
  }
  const auto load_s = ms_since(t1) / 1000;
  const auto t2 = Clock::now();
  conn->execute("CREATE UNIQUE INDEX scans_event ON scans(client_event_id)");
  conn->execute("CREATE INDEX scans_place_ts ON scans(place_id, ts)");
  conn->execute("CREATE INDEX scans_person_ts ON scans(person_id, ts)");
  conn->execute("CREATE INDEX scans_ts ON scans(ts)");
  conn->execute("ANALYZE");
  fmt::print("  scans: {} loaded in {:.1f} s, indexed in {:.1f} s\n", scans, load_s, ms_since(t2) / 1000);
  return visited;
}

/// Counts what the tracer reads.
class CountingSource final : public health::MovementSource {
 public:
  explicit CountingSource(health::MovementSource& inner) : inner_(inner) {}
  std::vector<health::ScanEvent> subject_scans(const std::vector<health::Subject>& s, core::Millis a,
                                               core::Millis b) override {
    auto r = inner_.subject_scans(s, a, b);
    events += r.size();
    return r;
  }
  std::vector<health::ScanEvent> place_scans(const std::vector<health::PlaceWindow>& w) override {
    auto r = inner_.place_scans(w);
    events += r.size();
    return r;
  }
  std::map<health::Subject, std::vector<health::Subject>> household_members(const std::vector<health::Subject>& p) override {
    return inner_.household_members(p);
  }
  std::map<health::Subject, core::Millis> isolated_at(const std::vector<health::Subject>& s, core::Millis t) override {
    return inner_.isolated_at(s, t);
  }
  std::size_t events = 0;

 private:
  health::MovementSource& inner_;
};

// The plain-SQL answer: stays of everyone from a window function over the
// scans of the period, the case's stays joined with everyone's stays at the
// same place, then the close contacts' later stays joined again; household
// members from residents. Same rules as the tracer (no isolation in this data).
std::string baseline_sql() {
  const std::string lo = "(CASE WHEN o.b > c.b THEN o.b ELSE c.b END)";
  const std::string hi = "(CASE WHEN o.e < c.e THEN o.e ELSE c.e END)";
  return "WITH ev AS ("
         " SELECT s.person_id AS p, s.place_id AS pl, s.ts, s.direction AS d,"
         " LEAD(s.direction) OVER w AS nd, LEAD(s.ts) OVER w AS nts"
         " FROM scans s JOIN places x ON x.id = s.place_id AND x.kind <> 'checkpoint'"
         " WHERE s.ts >= $1 AND s.ts <= $2 AND s.person_id IS NOT NULL"
         " WINDOW w AS (PARTITION BY s.person_id, s.place_id ORDER BY s.ts, s.id)),"
         " st AS (SELECT p, pl, ts AS b, CASE WHEN nd = 0 AND nts - ts <= $3 THEN nts ELSE ts + $4 END AS e"
         " FROM ev WHERE d = 1),"
         " cs AS (SELECT p, pl, CASE WHEN b < $5 THEN $5 ELSE b END AS b, e FROM st WHERE p = $6 AND e > $5),"
         " co AS (SELECT o.p, MIN(" + lo + ") AS x FROM cs c JOIN st o ON o.pl = c.pl AND o.p <> c.p"
         " WHERE " + hi + " - " + lo + " >= $7 GROUP BY o.p),"
         " hh AS (SELECT m.id AS p, $5 AS x FROM residents r JOIN residents m ON m.household_id = r.household_id"
         " AND m.id <> r.id WHERE r.id = $6),"
         " cl AS (SELECT p, MIN(x) AS x FROM (SELECT p, x FROM co UNION ALL SELECT p, x FROM hh) u GROUP BY p),"
         " cst AS (SELECT s.p, s.pl, CASE WHEN s.b < k.x THEN k.x ELSE s.b END AS b, s.e FROM cl k"
         " JOIN st s ON s.p = k.p AND s.e > k.x),"
         " sc AS (SELECT o.p FROM cst c JOIN st o ON o.pl = c.pl AND o.p <> c.p WHERE " + hi + " - " + lo + " >= $7"
         " UNION SELECT m.id FROM cl k JOIN residents r ON r.id = k.p JOIN residents m"
         " ON m.household_id = r.household_id AND m.id <> r.id)"
         " SELECT 1, p FROM cl WHERE p <> $6"
         " UNION ALL SELECT 2, p FROM sc WHERE p <> $6 AND p NOT IN (SELECT p FROM cl)";
}

void run_backend(const std::string& name, const std::string& url, const Scale& scale, long cases) {
  fmt::print("== {} ==\n", name);
  auto database = db::open_database(url, 2);
  if (auto st = db::migrate(*database, app::schema_migrations()); !st) throw std::runtime_error(st.error().message);
  auto visited = generate(*database, scale);
  auto conn = database->acquire();

  health::TracingRules rules;  // the defaults: 4 days, 15 min, 30 min, 12 h
  const core::Date onset = core::date_of(kEnd - 3 * kDay + 8 * 60 * kMinute);
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> sample;
  for (long i = 0; i < cases; ++i) sample.push_back(visited[rng() % visited.size()]);

  std::vector<double> lat;
  std::size_t max_events = 0, contacts = 0, close = 0;
  int statements = 0;
  std::vector<health::TracingResult> results;
  const std::vector<std::string> kinds = {"shop", "market", "clinic", "pharmacy", "office", "school", "transport", "other"};
  // Warm-up (not measured): prepared statements and the first index pages.
  for (int i = 0; i < 5; ++i) {
    health::SqlMovementSource sql(*conn, kinds);
    health::trace(sql, visited[rng() % visited.size()], onset, rules);
  }
  for (auto p : sample) {
    health::SqlMovementSource sql(*conn, kinds);
    CountingSource source(sql);
    const auto t = Clock::now();
    auto r = health::trace(source, p, onset, rules);
    lat.push_back(ms_since(t));
    max_events = std::max(max_events, source.events);
    statements += sql.statements();
    contacts += r.contacts.size();
    for (const auto& c : r.contacts) close += c.degree == health::Degree::close;
    results.push_back(std::move(r));
  }
  auto sorted = lat;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double q) { return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))]; };
  fmt::print("  trace(): {} cases, p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms; {:.1f} contacts per case ({:.1f} close); "
             "{:.1f} statements per case; at most {} scan events read ({} KiB); peak RSS {} MiB\n",
             sample.size(), pct(0.5), pct(0.99), sorted.back(), static_cast<double>(contacts) / static_cast<double>(sample.size()),
             static_cast<double>(close) / static_cast<double>(sample.size()),
             static_cast<double>(statements) / static_cast<double>(sample.size()), max_events,
             max_events * sizeof(health::ScanEvent) / 1024, peak_rss_mb());

  // The SQL baseline on the first cases (each reads the whole period).
  const long baseline_cases = env_long("FIRSTLINE_BENCH_BASELINE_CASES", 3);
  std::vector<double> base;
  int same = 0;
  const auto ws = health::window_start(onset, rules);
  for (long i = 0; i < baseline_cases && i < static_cast<long>(sample.size()); ++i) {
    const auto t = Clock::now();
    auto rs = conn->query(baseline_sql(),
                          {ws - rules.max_stay_hours * 60 * kMinute, kEnd + kDay, rules.max_stay_hours * 60 * kMinute,
                           rules.default_stay_minutes * kMinute, ws, sample[static_cast<std::size_t>(i)],
                           rules.min_overlap_minutes * kMinute});
    base.push_back(ms_since(t));
    std::set<std::pair<int, std::int64_t>> sql_set, tracer_set;
    for (const auto& r : rs.rows) sql_set.emplace(static_cast<int>(db::as_int(r[0])), db::as_int(r[1]));
    for (const auto& c : results[static_cast<std::size_t>(i)].contacts) {
      if (c.degree != health::Degree::general && c.subject > 0) {
        tracer_set.emplace(c.degree == health::Degree::close ? 1 : 2, c.subject);
      }
    }
    same += sql_set == tracer_set;
    if (sql_set != tracer_set) {
      fmt::print("  case {}: SQL found {} contacts, trace() {}\n", sample[static_cast<std::size_t>(i)], sql_set.size(),
                 tracer_set.size());
    }
  }
  double tracer_mean = 0, base_mean = 0;
  for (std::size_t i = 0; i < base.size(); ++i) {
    tracer_mean += lat[i];
    base_mean += base[i];
  }
  if (!base.empty()) {
    fmt::print("  plain SQL self-join: {} cases, mean {:.0f} ms vs trace() {:.2f} ms on the same cases: {:.0f}x faster; "
               "same close+secondary contacts in {}/{}\n",
               base.size(), base_mean / static_cast<double>(base.size()), tracer_mean / static_cast<double>(base.size()),
               base_mean / std::max(tracer_mean, 1e-3), same, base.size());
  }
}

}  // namespace

int main() {
  Scale scale;
  scale.people = env_long("FIRSTLINE_BENCH_PEOPLE", 1'000'000);
  scale.places = std::max<long>(200, scale.people / 50);
  scale.visits = 5;
  const long cases = env_long("FIRSTLINE_BENCH_CASES", 200);
  fmt::print("bench_tracing: {} residents, {} places, ~{} scans over 14 days\n", scale.people, scale.places,
             scale.people * scale.visits * 19 / 10);
  const fs::path dir = fs::temp_directory_path() / ("firstline_bench_tracing_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int status = 0;
  try {
    run_backend("SQLite", "sqlite:" + (dir / "tracing.db").string(), scale, cases);
    if (const char* pg = std::getenv("FIRSTLINE_TEST_POSTGRES"); pg && *pg) {
      // A fresh database on the test cluster.
      auto admin = db::open_database(pg, 1);
      {
        auto c = admin->acquire();
        c->execute_script("DROP DATABASE IF EXISTS firstline_bench_tracing");
        c->execute_script("CREATE DATABASE firstline_bench_tracing");
      }
      // The cluster's connection string with another dbname.
      std::string url = pg;
      auto at = url.find("dbname=");
      if (at == std::string::npos) throw std::runtime_error("FIRSTLINE_TEST_POSTGRES has no dbname");
      auto end = url.find(' ', at);
      url.replace(at, end == std::string::npos ? std::string::npos : end - at, "dbname=firstline_bench_tracing");
      run_backend("PostgreSQL", url, scale, cases);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_tracing: " << e.what() << "\n";
    status = 1;
  }
  fs::remove_all(dir);
  return status;
}
