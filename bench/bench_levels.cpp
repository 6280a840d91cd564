// Risk levels and the forecast at district scale (issue 6): recomputing the
// level of every area of a 2,000-grid district (LevelService::recompute_all:
// one GROUP BY query per signal, the 14-day SEIR projection feeding the
// forecast signal, the roll-up and multi-row writes), and a 30-day forecast
// for the whole district (EpiService::project with days = 30). The baseline
// beside them is the bare signal queries (plain SQL, no rules, no writes), so
// the table shows what the engine adds. Both backends: SQLite always,
// PostgreSQL when FIRSTLINE_TEST_POSTGRES is set (scripts/run-bench.sh).
//
// Data (deterministic): 1 district, 10 streets, 50 communities,
// FIRSTLINE_BENCH_GRIDS grids (default 2,000) with FIRSTLINE_BENCH_PER_GRID
// residents each (default 500, so 1 M residents); 1 confirmed resident in 5 %
// of grids, 3 under observation in 10 %, 2 % recovered; today's health
// reports from every resident of every fourth grid; 300 open fever alerts,
// 300 open screening items, 400 risk points of random rating; 7 days of
// scans: 20 residents of each grid visiting a place in a nearby grid daily
// (280,000 scans). Loaded with multi-row INSERTs.
//
// Reported per backend: the first recomputation (every area written), then
// p50 / max of 10 steady recomputations, p50 / max of 10 forecasts, and the
// bare signal queries. docs/BENCHMARKS.md records the numbers.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "app/schema.hpp"
#include "db/bulk_insert.hpp"
#include "db/database.hpp"
#include "db/migrations.hpp"
#include "epi/epi_service.hpp"
#include "epi/epi_store.hpp"
#include "health/health_store.hpp"
#include "movement/flow_days.hpp"
#include "levels/level_service.hpp"
#include "levels/level_store.hpp"

using namespace firstline;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr core::Millis kDay = 24LL * 60 * 60 * 1000;
constexpr core::Millis kNow = 1'795'000'000'000;  // 2026-11-18T09:46Z, 17:46 local: past the report deadline

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

using db::BulkInsert;

struct Scale {
  long grids, per_grid;
};

std::string local_date(core::Millis t) {
  const std::chrono::year_month_day ymd{
      std::chrono::floor<std::chrono::days>(std::chrono::sys_time<std::chrono::milliseconds>(
          std::chrono::milliseconds(t + 8LL * 3600 * 1000)))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

void generate(db::Database& database, const Scale& scale) {
  auto conn = database.acquire();
  std::mt19937_64 rng(20201106);
  const auto t0 = Clock::now();
  const std::int64_t now = kNow;
  const auto today = local_date(kNow);
  db::in_transaction(*conn, db::TxMode::write, [&] {
    BulkInsert areas(*conn, "INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at)", 8, 500);
    areas.add({std::int64_t{1}, std::string("110105"), std::string("示范区"), std::int64_t{0}, db::Value{},
               std::string("/1/"), now, now});
    std::int64_t id = 1;
    std::vector<std::int64_t> grids;
    const long communities = 50, streets = 10;
    const long per_community = (scale.grids + communities - 1) / communities;
    for (long s = 0; s < streets; ++s) {
      const auto street = ++id;
      const auto spath = fmt::format("/1/{}/", street);
      const auto scode = fmt::format("110105{:03}", s + 1);
      areas.add({street, scode, fmt::format("街道{}", s + 1), std::int64_t{1}, std::int64_t{1}, spath, now, now});
      for (long c = 0; c < communities / streets; ++c) {
        const auto community = ++id;
        const auto cpath = fmt::format("{}{}/", spath, community);
        const auto ccode = fmt::format("{}{:03}", scode, c + 1);
        areas.add({community, ccode, fmt::format("社区{}-{}", s + 1, c + 1), std::int64_t{2}, street, cpath, now, now});
        for (long g = 0; g < per_community && static_cast<long>(grids.size()) < scale.grids; ++g) {
          const auto grid = ++id;
          areas.add({grid, fmt::format("{}{:03}", ccode, g + 1), fmt::format("网格{}", grids.size() + 1),
                     std::int64_t{3}, community, fmt::format("{}{}/", cpath, grid), now, now});
          grids.push_back(grid);
        }
      }
    }
    areas.flush();

    BulkInsert residents(*conn, "INSERT INTO residents (id, area_id, name, document_type, created_at, updated_at)", 6,
                         500);
    BulkInsert statuses(*conn,
                        "INSERT INTO health_statuses (person_id, status, starts_at, reason, set_at)", 5, 500);
    BulkInsert reports(*conn,
                       "INSERT INTO health_reports (id, person_id, area_id, date, slot, temperature, test_result, "
                       "source, created_at, updated_at)",
                       10, 500);
    BulkInsert alerts(*conn,
                      "INSERT INTO health_alerts (person_id, area_id, report_id, kind, detail, created_at, status)", 7,
                      500);
    std::int64_t person = 0, report = 0, fevers = 0;
    std::vector<std::vector<db::Value>> fever_rows;  // inserted after their reports
    for (std::size_t g = 0; g < grids.size(); ++g) {
      const auto grid = grids[g];
      const bool reporting = g % 4 == 0;
      const auto first_person = person + 1;
      for (long i = 0; i < scale.per_grid; ++i) {
        residents.add({first_person + i, grid, "p" + std::to_string(first_person + i), std::string("other"), now, now});
      }
      residents.flush();  // statuses and reports refer to them
      for (long i = 0; i < scale.per_grid; ++i) {
        ++person;
        const char* status = nullptr;
        if (i == 0 && g % 20 == 0) status = "confirmed";
        else if (i < 4 && i > 0 && g % 10 == 1) status = "observation";
        else if (rng() % 50 == 0) status = "recovered";
        if (status) statuses.add({person, std::string(status), now - 3 * kDay, std::string("bench"), now});
        if (reporting) {
          const bool fever = fevers < 300 && rng() % 100 == 0;
          reports.add({++report, person, grid, today, std::int64_t{1}, fever ? 38.2 : 36.6, std::string("none"),
                       std::string("self"), now - 3600000, now - 3600000});
          if (fever) {
            ++fevers;
            fever_rows.push_back({person, grid, report, std::string("fever"), std::string("38.2 °C"), now - 3600000,
                                  std::string("open")});
          }
        }
      }
    }
    residents.flush();
    statuses.flush();
    reports.flush();
    for (auto& row : fever_rows) alerts.add(std::move(row));
    alerts.flush();

    BulkInsert screening(*conn,
                         "INSERT INTO screening_items (person_id, area_id, reason, status, created_at, updated_at)", 6,
                         500);
    for (int i = 0; i < 300; ++i) {
      const auto g = static_cast<std::int64_t>(rng() % grids.size());
      screening.add({g * scale.per_grid + 1 + i % scale.per_grid, grids[static_cast<std::size_t>(g)],
                     std::string("arrival from a risky area"), std::string("open"), now, now});
    }
    screening.flush();
    BulkInsert risks(*conn,
                     "INSERT INTO risk_points (area_id, name, kind, likelihood, impact, inspection_interval_days, "
                     "next_inspection_due, created_at, updated_at)",
                     9, 500);
    for (int i = 0; i < 400; ++i) {
      risks.add({grids[rng() % grids.size()], "risk" + std::to_string(i), std::string("old_building"),
                 static_cast<std::int64_t>(1 + rng() % 5), static_cast<std::int64_t>(1 + rng() % 5), std::int64_t{30},
                 now + 30 * kDay, now, now});
    }
    risks.flush();

    // Flows: 20 residents of each grid visit a place in a grid up to 5 away, every day for 7 days.
    BulkInsert scans(*conn,
                     "INSERT INTO scans (client_event_id, place_id, person_id, ts, direction, place_area_id, "
                     "home_area_id, source, received_at)",
                     9, 500);
    std::int64_t event = 0;
    for (int day = 0; day < 7; ++day) {
      for (std::size_t g = 0; g < grids.size(); ++g) {
        for (int i = 0; i < 20; ++i) {
          const auto p = static_cast<std::int64_t>(g) * scale.per_grid + 1 + static_cast<std::int64_t>(rng() % scale.per_grid);
          const auto to = std::min(grids.size() - 1, g + 1 + static_cast<std::size_t>(rng() % 5));
          const auto ts = now - (day + 1) * kDay + static_cast<std::int64_t>(rng() % (10 * 3600000));
          scans.add({"e" + std::to_string(++event), static_cast<std::int64_t>(to + 1), p, ts, std::int64_t{1},
                     grids[to], grids[g], std::string("bench"), ts});
        }
      }
    }
    scans.flush();
  });
  // PostgreSQL: the counters kept by triggers were updated once per row
  // loaded; vacuum their dead versions as autovacuum would before a day's use.
  conn->execute_script(database.dialect() == db::Dialect::postgres ? "VACUUM ANALYZE" : "ANALYZE");
  fmt::print("  generated {} grids, {} residents in {:.1f} s\n", scale.grids, scale.grids * scale.per_grid,
             ms_since(t0) / 1000);
}

struct Stats {
  double p50, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.back()};
}

void run_backend(const std::string& name, const std::string& url, const Scale& scale) {
  fmt::print("== {} ==\n", name);
  auto database = db::open_database(url, 4);
  if (auto st = db::migrate(*database, app::schema_migrations()); !st) throw std::runtime_error(st.error().message);
  generate(*database, scale);
  core::FakeClock clock(kNow);
  epi::EpiService epi(*database, clock);
  levels::LevelService service(*database, clock, &epi, nullptr);

  auto t = Clock::now();
  auto first = service.recompute_all();
  fmt::print("  first recompute: {:.1f} ms, with the 7 days of flows computed from scans ({} areas: {} low, {} medium, {} high)\n", ms_since(t), first.areas,
             first.by_level["low"], first.by_level["medium"], first.by_level["high"]);
  std::vector<double> recompute, forecast, bare;
  for (int i = 0; i < 10; ++i) {
    clock.advance(60'000);
    t = Clock::now();
    service.recompute_all();
    recompute.push_back(ms_since(t));
  }
  epi::ForecastParams p;
  p.days = 30;
  std::size_t grids = 0;
  for (int i = 0; i < 10; ++i) {
    t = Clock::now();
    auto f = epi.project(1, p);
    forecast.push_back(ms_since(t));
    if (!f) throw std::runtime_error(f.error().message);
    grids = f->grids.size();
  }
  for (int i = 0; i < 10; ++i) {
    auto conn = database->acquire();
    std::map<std::int64_t, levels::Signals> signals;
    t = Clock::now();
    levels::LevelStore::add_status_counts(*conn, signals);
    levels::LevelStore::add_fevers(*conn, kNow - kDay, signals);
    levels::LevelStore::add_screening(*conn, signals);
    levels::LevelStore::add_risk_points(*conn, signals);
    bare.push_back(ms_since(t));
  }
  {
    // Where the time goes: the heavier queries one by one.
    auto conn = database->acquire();
    auto time = [&](const char* what, auto&& body) {
      auto t0 = Clock::now();
      body();
      fmt::print("    {}: {:.1f} ms\n", what, ms_since(t0));
    };
    time("HealthStore::grid_counts (missed rate)", [&] { health::HealthStore::grid_counts(*conn, "/1/", local_date(kNow), kNow); });
    time("EpiStore::grids", [&] { epi::EpiStore::grids(*conn, "/1/"); });
    time("EpiStore::current_counts", [&] { epi::EpiStore::current_counts(*conn, "/1/"); });
    const auto today = movement::FlowDays::local_day(kNow, 480);
    time("EpiStore::grid_flows (7 stored days)", [&] { epi::EpiStore::grid_flows(*conn, "/1/", today - 7, today - 1, 480, kNow); });
    time("FlowDays: computing one day from scans", [&] {
      conn->execute("UPDATE grid_flow_day_state SET version = version + 1 WHERE day = $1", {today - 1});
      epi::EpiStore::grid_flows(*conn, "/1/", today - 1, today - 1, 480, kNow);
    });
  }
  auto r = stats(recompute), f = stats(forecast), b = stats(bare);
  fmt::print("  recompute all levels: p50 {:.1f} ms, max {:.1f} ms (10 runs; includes the 14-day projection)\n", r.p50,
             r.max);
  fmt::print("  30-day forecast ({} grids): p50 {:.1f} ms, max {:.1f} ms (10 runs)\n", grids, f.p50, f.max);
  fmt::print("  baseline, bare signal queries (no missed-rate, no forecast, no writes): p50 {:.1f} ms\n", b.p50);
}

}  // namespace

int main() {
  Scale scale;
  scale.grids = env_long("FIRSTLINE_BENCH_GRIDS", 2000);
  scale.per_grid = env_long("FIRSTLINE_BENCH_PER_GRID", 500);
  fmt::print("bench_levels: {} grids x {} residents\n", scale.grids, scale.per_grid);
  const fs::path dir = fs::temp_directory_path() / ("firstline_bench_levels_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int status = 0;
  try {
    run_backend("SQLite", "sqlite:" + (dir / "levels.db").string(), scale);
    if (const char* pg = std::getenv("FIRSTLINE_TEST_POSTGRES"); pg && *pg) {
      auto admin = db::open_database(pg, 1);
      {
        auto c = admin->acquire();
        c->execute_script("DROP DATABASE IF EXISTS firstline_bench_levels");
        c->execute_script("CREATE DATABASE firstline_bench_levels");
      }
      std::string url = pg;
      auto at = url.find("dbname=");
      if (at == std::string::npos) throw std::runtime_error("FIRSTLINE_TEST_POSTGRES has no dbname");
      auto end = url.find(' ', at);
      url.replace(at, end == std::string::npos ? std::string::npos : end - at, "dbname=firstline_bench_levels");
      run_backend("PostgreSQL", url, scale);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_levels: " << e.what() << "\n";
    status = 1;
  }
  fs::remove_all(dir);
  return status;
}
