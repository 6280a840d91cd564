// Registry hot paths, each beside a baseline in the same run:
//  - listing a grid's residents (one page of 50) and searching residents by a
//    name fragment through PeopleService (scope check, masking, audit of the
//    unmasked read), beside the same SELECT run with the raw sqlite3 API;
//  - importing 1,000,000 resident rows from CSV through RegistryImporter
//    (parse, validate every identity number, dedupe lookups, audit), beside a
//    raw sqlite3 prepared-INSERT loop of the same rows in one transaction.
// The database is a street-scale demo (~150 k residents) in a temp folder.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "app/application.hpp"
#include "core/csv.hpp"
#include "core/identity.hpp"
#include "demo/demo_generator.hpp"

using namespace firstline;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("firstline_bench_" + std::to_string(::getpid()));
  core::SystemClock clock;
  std::unique_ptr<app::Application> app;
  core::Principal admin;
  std::vector<std::int64_t> grids;
  sqlite3* raw = nullptr;

  Fixture() {
    fs::create_directories(dir);
    app::AppOptions o;
    o.database_url = "sqlite:" + (dir / "bench.db").string();
    o.auth.hash_cost = auth::HashCost::minimal();
    app = std::make_unique<app::Application>(o, clock);
    demo::DemoOptions d;
    d.scale = demo::Scale::street;
    d.admin_password = d.account_password = "bench-password";
    auto summary = demo::generate_demo(app->database(), app->auth(), clock, d);
    std::fprintf(stderr, "demo: %lld residents in %.1f s\n", static_cast<long long>(summary.residents), summary.seconds);
    admin.user_id = 1;
    admin.username = "admin";
    admin.grants.push_back(core::Grant{core::Role::admin, std::nullopt, ""});
    auto conn = app->database().acquire();
    for (auto& r : conn->query("SELECT id FROM areas WHERE level = 3 ORDER BY id").rows) grids.push_back(db::as_int(r[0]));
    sqlite3_open_v2((dir / "bench.db").c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  }
  ~Fixture() {
    sqlite3_close_v2(raw);
    app.reset();
    fs::remove_all(dir);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_ListGridResidents_Service(benchmark::State& state) {
  auto& f = fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    people::ResidentQuery q;
    q.area_id = f.grids[i++ % f.grids.size()];
    q.limit = 50;
    auto page = f.app->people().list_residents(f.admin, q);
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_ListGridResidents_Service)->Unit(benchmark::kMicrosecond);

void BM_ListGridResidents_PlainSQL(benchmark::State& state) {
  auto& f = fixture();
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(f.raw,
                     "SELECT id, area_id, household_id, name, document_type, id_number, phone, birth_date, sex, "
                     "relation, tags, verified_at, created_at, updated_at FROM residents WHERE deleted_at IS NULL "
                     "AND area_id IN (SELECT id FROM areas WHERE path >= ?1 AND path < ?2) ORDER BY id LIMIT 51",
                     -1, &stmt, nullptr);
  std::vector<std::pair<std::string, std::string>> ranges;
  {
    auto conn = f.app->database().acquire();
    for (auto id : f.grids) {
      auto p = db::as_text(*conn->query_value("SELECT path FROM areas WHERE id = $1", {id}));
      auto upper = p;
      upper.back() = '0';
      ranges.emplace_back(p, upper);
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [lo, hi] = ranges[i++ % ranges.size()];
    sqlite3_bind_text(stmt, 1, lo.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, hi.c_str(), -1, SQLITE_STATIC);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      benchmark::DoNotOptimize(sqlite3_column_text(stmt, 3));
      ++rows;
    }
    sqlite3_reset(stmt);
    benchmark::DoNotOptimize(rows);
  }
  sqlite3_finalize(stmt);
}
BENCHMARK(BM_ListGridResidents_PlainSQL)->Unit(benchmark::kMicrosecond);

const char* kNames[] = {"伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰"};

void BM_SearchResidentsByName_Service(benchmark::State& state) {
  auto& f = fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    people::ResidentQuery q;
    q.q = kNames[i++ % 10];
    q.limit = 50;
    q.reveal = false;
    auto page = f.app->people().list_residents(f.admin, q);
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_SearchResidentsByName_Service)->Unit(benchmark::kMicrosecond);

void BM_SearchResidentsByName_PlainSQL(benchmark::State& state) {
  auto& f = fixture();
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(f.raw,
                     "SELECT id, name, id_number, phone FROM residents WHERE deleted_at IS NULL AND name LIKE ?1 "
                     "ORDER BY id LIMIT 51",
                     -1, &stmt, nullptr);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string like = std::string("%") + kNames[i++ % 10] + "%";
    sqlite3_bind_text(stmt, 1, like.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) benchmark::DoNotOptimize(sqlite3_column_text(stmt, 1));
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
}
BENCHMARK(BM_SearchResidentsByName_PlainSQL)->Unit(benchmark::kMicrosecond);

// ---- 1 M-row import ----

struct ImportRows {
  std::string csv;
  std::vector<std::vector<std::string>> rows;  // grid_code, name, id_number, phone
};

const ImportRows& import_rows() {
  static ImportRows data = [] {
    ImportRows d;
    auto& f = fixture();
    std::vector<std::string> grid_codes;
    {
      auto conn = f.app->database().acquire();
      for (auto& r : conn->query("SELECT code FROM areas WHERE level = 3 ORDER BY id").rows) grid_codes.push_back(db::as_text(r[0]));
    }
    d.csv = core::csv_line({"grid_code", "name", "id_number", "phone"});
    const int n = 1'000'000;
    d.rows.reserve(n);
    for (int i = 0; i < n; ++i) {
      // Region 650102 (not used by the demo); a date per thousand rows and the
      // sequence within it make every number unique.
      char first17[18];
      const auto birth = core::Date::from_days(core::Date{1950, 1, 1}.days_since_epoch() + i / 1000);
      std::snprintf(first17, sizeof first17, "650102%04d%02d%02d%03d", birth.year, birth.month, birth.day, i % 1000);
      std::string id = first17;
      id += core::id_number_check_char(id);
      std::vector<std::string> row = {grid_codes[static_cast<size_t>(i) % grid_codes.size()],
                                      std::string("导入") + std::to_string(i), id,
                                      "139" + std::to_string(10000000 + i)};
      d.csv += core::csv_line(row);
      d.rows.push_back(std::move(row));
    }
    return d;
  }();
  return data;
}

void BM_Import1MResidents_Importer(benchmark::State& state) {
  auto& f = fixture();
  const auto& data = import_rows();
  for (auto _ : state) {
    auto report = f.app->importer().import_csv(f.admin, transfer::RegistryKind::residents, data.csv);
    if (!report) state.SkipWithError(report.error().message.c_str());
    else state.counters["created"] = static_cast<double>(report->created);
    if (report) state.counters["errors"] = static_cast<double>(report->errors.size());
    state.PauseTiming();
    auto conn = f.app->database().acquire();
    conn->execute("DELETE FROM residents WHERE id_number LIKE '650102%'");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1'000'000);
}
BENCHMARK(BM_Import1MResidents_Importer)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_Import1MResidents_RawSQLite(benchmark::State& state) {
  auto& f = fixture();
  const auto& data = import_rows();
  std::map<std::string, std::int64_t> grid_ids;
  {
    auto conn = f.app->database().acquire();
    for (auto& r : conn->query("SELECT code, id FROM areas WHERE level = 3").rows) grid_ids[db::as_text(r[0])] = db::as_int(r[1]);
  }
  for (auto _ : state) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_exec(f.raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(f.raw,
                       "INSERT OR IGNORE INTO residents (area_id, name, document_type, id_number, phone, tags, "
                       "created_at, updated_at) VALUES (?1, ?2, 'resident_id', ?3, ?4, '', 0, 0)",
                       -1, &stmt, nullptr);
    for (const auto& row : data.rows) {
      sqlite3_bind_int64(stmt, 1, grid_ids[row[0]]);
      sqlite3_bind_text(stmt, 2, row[1].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 3, row[2].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 4, row[3].c_str(), -1, SQLITE_STATIC);
      sqlite3_step(stmt);
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sqlite3_exec(f.raw, "COMMIT", nullptr, nullptr, nullptr);
    state.PauseTiming();
    sqlite3_exec(f.raw, "DELETE FROM residents WHERE id_number LIKE '650102%'", nullptr, nullptr, nullptr);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1'000'000);
}
BENCHMARK(BM_Import1MResidents_RawSQLite)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
