// Tests of the registry CSV import and export: whole-file failures, row
// errors with their lines, idempotent re-imports, dry runs, scopes, masking
// and the export -> import round trip. Each test runs on SQLite and, when a
// test cluster is configured, on PostgreSQL.
#include "transfer/registry_import.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "app/schema.hpp"
#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/clock.hpp"
#include "core/identity.hpp"
#include "db/migrations.hpp"
#include "people/people_store.hpp"
#include "test_support.hpp"
#include "transfer/registry_export.hpp"

namespace firstline::transfer {
namespace {

using testing::Backend;

constexpr const char* kG1 = "110105001001001";
constexpr const char* kG2 = "110105001001002";

// district 110105 - street 110105001 - community 110105001001 - grids g1 (with a boundary), g2.
const std::string kAreas =
    "code,name,level,parent_code,local_code,responsible,phone,boundary\n"
    "110105,朝阳区,district,,,,,\n"
    "110105001,幸福街道,street,110105,,,,\n"
    "110105001001,幸福社区,community,110105001,,王主任,010-65001234,\n"
    "110105001001001,第一网格,grid,110105001001,G1,李网格员,13800138000,"
    "\"{\"\"type\"\":\"\"Polygon\"\",\"\"coordinates\"\":[[[116.4,39.9],[116.41,39.9],[116.41,39.91],[116.4,39.9]]]}"
    "\"\n"
    "110105001001002,第二网格,grid,110105001001,G2,,,\n";

const std::string kBuildings =
    "grid_code,name,address,kind,floors,latitude,longitude\n"
    "110105001001001,1号楼,幸福路1号,residential,6,39.9087,116.3975\n"
    "110105001001001,-1号楼,幸福路2号,,18,,\n"
    "110105001001002,商场,幸福路9号,commercial,,,\n";

const std::string kHouseholds =
    "grid_code,address,building_address,phone,verified\n"
    "110105001001001,幸福路1号101,幸福路1号,13800138001,true\n"
    "110105001001001,幸福路1号102,幸福路1号,,false\n"
    "110105001001002,幸福路9号A,,010-65001111,\n";

const std::string kId1 = testing::make_id_number("110105", "19491231", 3);  // male
const std::string kId2 = testing::make_id_number("110105", "19520315", 4);  // female

std::string residents_csv() {
  return "grid_code,household_address,name,document_type,id_number,phone,birth_date,sex,relation,tags\n"
         "110105001001001,幸福路1号101,张伟,," +
         kId1 +
         ",13900139000,,,head,elderly_alone;chronic_illness\n"
         "110105001001001,幸福路1号101,李娜,resident_id," +
         kId2 +
         ",,,,spouse,\n"
         "110105001001001,幸福路1号102,小明,,,,2015-06-01,男,head,child\n"
         "110105001001002,,John Smith,passport,E12345678,,1980-01-01,M,,migrant|tenant\n";
}

class RegistryImport : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!tdb_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    db_ = db::open_database(tdb_->url(), 2);
    ASSERT_TRUE(db::migrate(*db_, app::schema_migrations()));
    importer_ = std::make_unique<RegistryImporter>(*db_, clock_);
    admin_.user_id = 1;
    admin_.username = "admin";
    admin_.grants = {core::Grant{core::Role::admin, std::nullopt, ""}};
  }

  ImportReport import(RegistryKind kind, const std::string& csv, bool dry_run = false) {
    return import_as(admin_, kind, csv, dry_run);
  }
  ImportReport import_as(const core::Principal& who, RegistryKind kind, const std::string& csv, bool dry_run = false) {
    auto r = importer_->import_csv(who, kind, csv, dry_run);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : ImportReport{};
  }
  void import_all() {
    for (auto [kind, csv] :
         {std::pair{RegistryKind::areas, kAreas}, std::pair{RegistryKind::buildings, kBuildings},
          std::pair{RegistryKind::households, kHouseholds}, std::pair{RegistryKind::residents, residents_csv()}}) {
      auto report = import(kind, csv);
      ASSERT_TRUE(report.errors.empty()) << registry_kind_key(kind) << " line " << report.errors[0].line << " "
                                         << report.errors[0].field << ": " << report.errors[0].message;
    }
  }
  std::string exported(RegistryKind kind, const core::Principal& who, std::optional<std::int64_t> area_id = {}) {
    auto csv = export_csv(*db_, who, kind, area_id, clock_);
    EXPECT_TRUE(csv) << (csv ? "" : csv.error().message);
    return csv ? *csv : std::string();
  }

  areas::Area area(const std::string& code) {
    auto conn = db_->acquire();
    auto a = areas::AreaStore::get_by_code(*conn, code);
    EXPECT_TRUE(a) << code;
    return a ? *a : areas::Area{};
  }
  core::Principal granted(core::Role role, const std::string& code) {
    const auto a = area(code);
    core::Principal p;
    p.user_id = 2;
    p.username = std::string(core::role_key(role));
    p.grants = {core::Grant{role, a.id, a.path}};
    return p;
  }
  std::int64_t count(const std::string& table) {
    auto conn = db_->acquire();
    return db::as_int(*conn->query_value("SELECT COUNT(*) FROM " + table + " WHERE deleted_at IS NULL"));
  }
  std::vector<audit::AuditEntry> audit_entries(const std::string& action) {
    auto conn = db_->acquire();
    audit::AuditFilter f;
    f.action = action;
    return audit::list(*conn, f);
  }
  std::optional<people::Resident> resident(const std::string& id_number) {
    auto conn = db_->acquire();
    return people::PeopleStore::find_resident_by_document(*conn, "resident_id", id_number);
  }

  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<db::Database> db_;
  core::FakeClock clock_{*core::parse_iso8601("2026-11-25T08:00:00Z")};
  std::unique_ptr<RegistryImporter> importer_;
  core::Principal admin_;
};

// ---------------------------------------------------------------- import

TEST_P(RegistryImport, ImportsAreasThenBuildingsHouseholdsAndResidents) {
  auto a = import(RegistryKind::areas, kAreas);
  EXPECT_EQ(a.rows, 5u);
  EXPECT_EQ(a.created, 5u);
  EXPECT_TRUE(a.errors.empty());
  const auto grid = area(kG1);
  EXPECT_EQ(grid.level, core::AreaLevel::grid);
  EXPECT_EQ(grid.parent_id, area("110105001001").id);
  EXPECT_EQ(grid.local_code, "G1");
  ASSERT_TRUE(grid.boundary);

  EXPECT_EQ(import(RegistryKind::buildings, kBuildings).created, 3u);
  EXPECT_EQ(import(RegistryKind::households, kHouseholds).created, 3u);
  auto r = import(RegistryKind::residents, residents_csv());
  EXPECT_EQ(r.created, 4u);
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].message;

  auto conn = db_->acquire();
  auto building = people::PeopleStore::find_building(*conn, grid.id, "幸福路1号");
  ASSERT_TRUE(building);
  EXPECT_EQ(building->floors, 6);
  EXPECT_DOUBLE_EQ(*building->latitude, 39.9087);
  auto household = people::PeopleStore::find_household(*conn, grid.id, "幸福路1号101");
  ASSERT_TRUE(household);
  EXPECT_EQ(household->building_id, building->id);
  EXPECT_TRUE(household->verified_at);
  EXPECT_EQ(household->member_count, 2);
  auto zhang = resident(kId1);
  ASSERT_TRUE(zhang);
  EXPECT_EQ(household->head_resident_id, zhang->id);
  EXPECT_EQ(zhang->birth_date, "1949-12-31");  // derived from the identity number
  EXPECT_EQ(zhang->sex, "M");
  EXPECT_EQ(zhang->tags, (std::vector<std::string>{"chronic_illness", "elderly_alone"}));
  auto passport = people::PeopleStore::find_resident_by_document(*conn, "passport", "E12345678");
  ASSERT_TRUE(passport);
  EXPECT_EQ(passport->tags, (std::vector<std::string>{"migrant", "tenant"}));
}

TEST_P(RegistryImport, ReportsBadRowsWithTheirLineAndFieldAndStoresTheGoodOnes) {
  import_all();
  const auto bad_check = kId1.substr(0, 17) + (kId1[17] == '0' ? "1" : "0");
  const std::string csv =
      "grid_code,household_address,name,id_number,sex,tags\n"  // line 1
      "110105001001001,幸福路1号102,王芳,,F,\n"                // 2: good
      "110105001001001,幸福路1号102,赵六," +
      bad_check +
      ",,\n"                                          // 3: check character
      "999999999999999,,钱七,,,\n"                    // 4: no such grid
      "110105001001001,\"幸福路\n1号101\",孙八,,,\n"  // 5-6: no such household
      "110105001001001,,周九,,X,\n"                   // 7: sex
      "\n"                                            // 8: blank
      "110105001001001,,吴十,,,flying\n"              // 9: unknown tag
      "110105001001001,,郑十一,,M,elderly\n";         // 10: good
  auto report = import(RegistryKind::residents, csv);
  EXPECT_EQ(report.rows, 7u);
  EXPECT_EQ(report.created, 2u);
  EXPECT_EQ(report.failed, 5u);
  ASSERT_EQ(report.errors.size(), 5u);
  const std::vector<std::pair<std::size_t, std::string>> want = {
      {3, "id_number"}, {4, "grid_code"}, {5, "household_address"}, {7, "sex"}, {9, "tags"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(report.errors[i].line, want[i].first) << report.errors[i].message;
    EXPECT_EQ(report.errors[i].field, want[i].second) << report.errors[i].message;
    EXPECT_FALSE(report.errors[i].message.empty());
  }
  EXPECT_EQ(count("residents"), 6);
}

TEST_P(RegistryImport, ReimportingTheSameFilesCreatesNothing) {
  import_all();
  const auto before = count("residents");
  for (auto [kind, csv, rows] :
       {std::tuple{RegistryKind::areas, kAreas, 5u}, std::tuple{RegistryKind::buildings, kBuildings, 3u},
        std::tuple{RegistryKind::households, kHouseholds, 3u},
        std::tuple{RegistryKind::residents, residents_csv(), 4u}}) {
    auto report = import(kind, csv);
    EXPECT_EQ(report.created, 0u) << registry_kind_key(kind);
    EXPECT_EQ(report.updated, 0u) << registry_kind_key(kind);
    EXPECT_EQ(report.unchanged, rows) << registry_kind_key(kind);
    EXPECT_TRUE(report.errors.empty()) << registry_kind_key(kind);
  }
  EXPECT_EQ(count("residents"), before);
  EXPECT_EQ(count("areas"), 5);
}

TEST_P(RegistryImport, ChangedRowsCountAsUpdatedAndAreStored) {
  import_all();
  auto csv = residents_csv();
  csv.replace(csv.find("13900139000"), 11, "13900139999");
  auto report = import(RegistryKind::residents, csv);
  EXPECT_EQ(report.updated, 1u);
  EXPECT_EQ(report.unchanged, 3u);
  EXPECT_EQ(resident(kId1)->phone, "13900139999");
}

TEST_P(RegistryImport, ColumnsLeftOutKeepTheirStoredValues) {
  import_all();
  auto report = import(RegistryKind::residents,
                       "grid_code,name,id_number,phone\n110105001001001,张伟," + kId1 + ",13700137000\n");
  EXPECT_EQ(report.updated, 1u) << (report.errors.empty() ? "" : report.errors[0].message);
  auto zhang = resident(kId1);
  EXPECT_EQ(zhang->phone, "13700137000");
  EXPECT_EQ(zhang->tags, (std::vector<std::string>{"chronic_illness", "elderly_alone"}));
  EXPECT_TRUE(zhang->household_id);
  EXPECT_EQ(zhang->relation, "head");
}

TEST_P(RegistryImport, ResidentWithoutIdNumberIsMatchedByNameAndLaterAdoptsOne) {
  import_all();
  const auto id = testing::make_id_number("110105", "20150601", 5);
  auto report = import(RegistryKind::residents,
                       "grid_code,household_address,name,id_number\n110105001001001,幸福路1号102,小明," + id + "\n");
  EXPECT_EQ(report.updated, 1u) << (report.errors.empty() ? "" : report.errors[0].message);
  EXPECT_EQ(report.created, 0u);
  EXPECT_EQ(count("residents"), 4);
  ASSERT_TRUE(resident(id));
  EXPECT_EQ(resident(id)->name, "小明");
}

TEST_P(RegistryImport, SameKeyTwiceInOneFileIsARowErrorOnTheLaterLine) {
  import(RegistryKind::areas, kAreas);
  auto report = import(RegistryKind::buildings,
                       "grid_code,name,address\n"
                       "110105001001001,1号楼,幸福路1号\n"
                       "110105001001001,又一个1号楼,幸福路1号\n");
  EXPECT_EQ(report.created, 1u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].line, 3u);
  EXPECT_EQ(report.errors[0].field, "address");
  EXPECT_NE(report.errors[0].message.find("line 2"), std::string::npos);
}

TEST_P(RegistryImport, FileWithAByteOrderMarkImports) {
  auto report = import(RegistryKind::areas, "\xEF\xBB\xBF" + kAreas);
  EXPECT_EQ(report.created, 5u);
  EXPECT_TRUE(report.errors.empty());
}

TEST_P(RegistryImport, GbkFileIsRejectedAndStoresNothing) {
  import(RegistryKind::areas, kAreas);
  // "张伟" and "李娜" in GBK.
  const std::string gbk = "grid_code,name,address\n110105001001001,\xD5\xC5\xCE\xB0,\xC0\xEE\xC4\xC8\n";
  auto r = importer_->import_csv(admin_, RegistryKind::buildings, gbk);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("GBK"), std::string::npos) << r.error().message;
  EXPECT_EQ(count("buildings"), 0);
}

TEST_P(RegistryImport, MissingRequiredColumnFailsTheWholeFile) {
  import(RegistryKind::areas, kAreas);
  auto r = importer_->import_csv(admin_, RegistryKind::buildings, "grid_code,name\n110105001001001,1号楼\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::bad_request);
  EXPECT_EQ(r.error().field, "address");
  EXPECT_EQ(count("buildings"), 0);
}

TEST_P(RegistryImport, UnknownColumnFailsTheWholeFile) {
  import(RegistryKind::areas, kAreas);
  auto r = importer_->import_csv(admin_, RegistryKind::buildings,
                                 "grid_code,name,address,Colour\n110105001001001,1号楼,幸福路1号,red\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::bad_request);
  EXPECT_EQ(r.error().field, "Colour");
  EXPECT_NE(r.error().message.find("Colour"), std::string::npos);
  EXPECT_EQ(count("buildings"), 0);
}

TEST_P(RegistryImport, HeaderNamesAreCaseInsensitiveAndInAnyOrder) {
  import(RegistryKind::areas, kAreas);
  auto report = import(RegistryKind::buildings, "Address,GRID_CODE,Name\n幸福路1号,110105001001001,1号楼\n");
  EXPECT_EQ(report.created, 1u);
  EXPECT_TRUE(report.errors.empty());
}

TEST_P(RegistryImport, UnclosedQuoteLaterInTheFileStoresNothing) {
  import(RegistryKind::areas, kAreas);
  auto r = importer_->import_csv(admin_, RegistryKind::buildings,
                                 "grid_code,name,address\n"
                                 "110105001001001,1号楼,幸福路1号\n"
                                 "110105001001001,\"2号楼,幸福路2号\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
  EXPECT_EQ(count("buildings"), 0);
}

TEST_P(RegistryImport, DryRunStoresNothingAndReportsWhatTheImportWouldDo) {
  // Parents defined earlier in the same file count in a dry run too.
  auto preview = import(RegistryKind::areas, kAreas, /*dry_run=*/true);
  EXPECT_TRUE(preview.dry_run);
  EXPECT_EQ(preview.created, 5u);
  EXPECT_TRUE(preview.errors.empty()) << preview.errors[0].message;
  EXPECT_EQ(count("areas"), 0);
  EXPECT_TRUE(audit_entries("import").empty());

  import(RegistryKind::areas, kAreas);
  const auto bad = kBuildings + "110105001001001,,幸福路3号,,,,\n";
  preview = import(RegistryKind::buildings, bad, /*dry_run=*/true);
  EXPECT_EQ(count("buildings"), 0);
  auto real = import(RegistryKind::buildings, bad);
  EXPECT_EQ(preview.created, real.created);
  EXPECT_EQ(preview.failed, real.failed);
  ASSERT_EQ(preview.errors.size(), 1u);
  EXPECT_EQ(preview.errors[0].line, real.errors[0].line);
  EXPECT_EQ(preview.errors[0].field, "name");
}

TEST_P(RegistryImport, RowsOutsideAGridWorkersScopeAreRowErrors) {
  import(RegistryKind::areas, kAreas);
  const auto worker = granted(core::Role::grid_worker, kG1);
  auto report = import_as(worker, RegistryKind::buildings, kBuildings);
  EXPECT_EQ(report.created, 2u);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].line, 4u);
  EXPECT_EQ(report.errors[0].field, "grid_code");
  EXPECT_NE(report.errors[0].message.find("outside your scope"), std::string::npos);
  EXPECT_EQ(count("buildings"), 2);
}

TEST_P(RegistryImport, CallerWithoutWritePermissionAnywhereIsForbidden) {
  import(RegistryKind::areas, kAreas);
  const auto street = granted(core::Role::street_official, "110105001");  // write_areas, no write_registry
  auto r = importer_->import_csv(street, RegistryKind::buildings, kBuildings);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::forbidden);
  const auto worker = granted(core::Role::grid_worker, kG1);  // write_registry, no write_areas
  auto a = importer_->import_csv(worker, RegistryKind::areas, kAreas);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, core::ErrorCode::forbidden);
  EXPECT_EQ(count("buildings"), 0);
}

TEST_P(RegistryImport, OnlyAnAdministratorCreatesDistrictsAndAreasNeedWriteAreasOnTheParent) {
  import(RegistryKind::areas, kAreas);
  const auto street = granted(core::Role::street_official, "110105001");
  auto report = import_as(street, RegistryKind::areas,
                          "code,name,level,parent_code\n"
                          "110106,东城区,district,\n"                     // line 2: not an admin
                          "110105001001003,第三网格,grid,110105001001\n"  // line 3: inside the street
                          "110105002,和平街道,street,110105\n");          // line 4: under the district
  EXPECT_EQ(report.created, 1u);
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_EQ(report.errors[0].line, 2u);
  EXPECT_EQ(report.errors[1].line, 4u);
  EXPECT_NE(report.errors[1].message.find("outside your scope"), std::string::npos);
}

TEST_P(RegistryImport, AreaCodeMustExtendItsParentsCode) {
  import(RegistryKind::areas, kAreas);
  auto report = import(RegistryKind::areas, "code,name,level,parent_code\n110106001001003,错,grid,110105001001\n");
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].field, "code");
}

TEST_P(RegistryImport, OneAuditEntryRecordsTheImport) {
  import(RegistryKind::areas, kAreas);
  auto entries = audit_entries("import");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].entity, "areas");
  EXPECT_EQ(entries[0].user_id, 1);
  EXPECT_NE(entries[0].detail.find("\"created\":5"), std::string::npos) << entries[0].detail;
}

TEST_P(RegistryImport, LargeFileSpansSeveralTransactionsWithExactLineNumbers) {
  import(RegistryKind::areas, kAreas);
  std::string csv = "grid_code,name,address,floors\n";
  std::size_t line = 1;
  std::size_t bad_line = 0;
  const std::size_t n = 2 * kImportChunkRows + 500;
  for (std::size_t i = 0; i < n; ++i) {
    ++line;
    if (i == kImportChunkRows - 2) {  // a quoted line break just before the first cut
      csv += std::string(kG1) + ",\"楼\n" + std::to_string(i) + "\",路" + std::to_string(i) + "号,3\n";
      ++line;
    } else if (i == kImportChunkRows + 700) {
      csv += std::string(kG1) + ",楼,路" + std::to_string(i) + "号,many\n";
      bad_line = line;
    } else {
      csv += std::string(kG1) + ",楼,路" + std::to_string(i) + "号,3\n";
    }
  }
  auto report = import(RegistryKind::buildings, csv);
  EXPECT_EQ(report.rows, n);
  EXPECT_EQ(report.created, n - 1);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].line, bad_line);
  EXPECT_EQ(report.errors[0].field, "floors");
  // One entry for the areas file, and one per committed chunk of this one.
  const auto entries = audit_entries("import");
  EXPECT_EQ(entries.size(), 1 + (n + kImportChunkRows) / kImportChunkRows);

  auto again = import(RegistryKind::buildings, csv);
  EXPECT_EQ(again.created, 0u);
  EXPECT_EQ(again.unchanged, n - 1);
}

// ---------------------------------------------------------------- export

class RegistryExport : public RegistryImport {};

TEST_P(RegistryExport, ExportImportsAgainAsUnchangedRows) {
  import_all();
  for (auto kind : {RegistryKind::areas, RegistryKind::buildings, RegistryKind::households, RegistryKind::residents}) {
    const auto csv = exported(kind, admin_);
    auto report = import(kind, csv);
    EXPECT_EQ(report.created, 0u) << registry_kind_key(kind) << "\n" << csv;
    EXPECT_EQ(report.updated, 0u) << registry_kind_key(kind) << "\n" << csv;
    EXPECT_GT(report.unchanged, 0u) << registry_kind_key(kind);
    EXPECT_EQ(report.unchanged, report.rows) << registry_kind_key(kind);
    EXPECT_TRUE(report.errors.empty()) << registry_kind_key(kind) << ": " << report.errors[0].message;
  }
}

TEST_P(RegistryExport, HasTheImportColumnsAndGuardsFormulaLikeCells) {
  import_all();
  const auto csv = exported(RegistryKind::buildings, admin_);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "grid_code,name,address,kind,floors,latitude,longitude");
  EXPECT_NE(csv.find("110105001001001,1号楼,幸福路1号,residential,6,39.9087,116.3975\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'-1号楼,"), std::string::npos) << csv;
}

TEST_P(RegistryExport, MasksIdNumbersAndPhonesForRolesWithoutSeePersonalData) {
  import_all();
  const auto street = granted(core::Role::street_official, "110105001");  // read_registry, no see_personal_data
  const auto masked = exported(RegistryKind::residents, street);
  EXPECT_EQ(masked.find(kId1), std::string::npos);
  EXPECT_NE(masked.find(core::mask_id_number(kId1)), std::string::npos) << masked;
  EXPECT_NE(masked.find("139****9000"), std::string::npos) << masked;
  EXPECT_TRUE(audit_entries("export").empty());

  // A masked file cannot be imported back over the real numbers.
  auto report = import(RegistryKind::residents, masked);
  EXPECT_EQ(report.updated + report.created, 0u);
  ASSERT_FALSE(report.errors.empty());
  EXPECT_EQ(report.errors[0].field, "id_number");
  EXPECT_NE(report.errors[0].message.find("masked"), std::string::npos);

  const auto worker = granted(core::Role::grid_worker, kG1);  // see_personal_data in g1
  const auto plain = exported(RegistryKind::residents, worker);
  EXPECT_NE(plain.find(kId1), std::string::npos);
  EXPECT_EQ(plain.find("E12345678"), std::string::npos);  // g2 is outside the worker's scope
  auto entries = audit_entries("export");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].entity, "residents");
  EXPECT_NE(entries[0].detail.find("\"rows\":3"), std::string::npos) << entries[0].detail;
}

TEST_P(RegistryExport, IsLimitedToTheReadScopeAndTheAreaFilter) {
  import_all();
  const auto worker = granted(core::Role::grid_worker, kG1);
  const auto mine = exported(RegistryKind::buildings, worker);
  EXPECT_NE(mine.find("幸福路1号"), std::string::npos);
  EXPECT_EQ(mine.find("幸福路9号"), std::string::npos);

  const auto g2 = exported(RegistryKind::households, admin_, area(kG2).id);
  EXPECT_EQ(g2.find("幸福路1号101"), std::string::npos);
  EXPECT_NE(g2.find("幸福路9号A"), std::string::npos);

  auto outside = export_csv(*db_, worker, RegistryKind::buildings, area(kG2).id, clock_);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, core::ErrorCode::forbidden);
  core::Principal resident_only;
  resident_only.grants = {core::Grant{core::Role::resident, std::nullopt, ""}};
  auto none = export_csv(*db_, resident_only, RegistryKind::residents, std::nullopt, clock_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, core::ErrorCode::forbidden);
}

TEST_P(RegistryExport, GeoJsonListsTheAreasThatHaveABoundary) {
  import_all();
  auto text = export_areas_geojson(*db_, admin_, std::nullopt, std::nullopt);
  ASSERT_TRUE(text) << text.error().message;
  auto doc = boost::json::parse(*text).as_object();
  EXPECT_EQ(doc["type"].as_string(), "FeatureCollection");
  auto& features = doc["features"].as_array();
  ASSERT_EQ(features.size(), 1u);
  auto& feature = features[0].as_object();
  EXPECT_EQ(feature["geometry"].as_object()["type"].as_string(), "Polygon");
  auto& props = feature["properties"].as_object();
  EXPECT_EQ(props["code"].as_string(), kG1);
  EXPECT_EQ(props["level"].as_string(), "grid");
  EXPECT_EQ(props["id"].as_int64(), area(kG1).id);
  EXPECT_EQ(props["parent_id"].as_int64(), area("110105001001").id);

  auto communities = export_areas_geojson(*db_, admin_, std::nullopt, core::AreaLevel::community);
  ASSERT_TRUE(communities);
  EXPECT_TRUE(boost::json::parse(*communities).as_object()["features"].as_array().empty());
}

// ---------------------------------------------------------------- routes

class RegistryImportExportRoutes : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!tdb_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(tdb_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_token_ = server_->login("admin", testing::Seed::kPassword);
    ASSERT_FALSE(admin_token_.empty());
  }
  void TearDown() override {
    server_.reset();
    tdb_.reset();
  }
  static boost::json::object json_of(const testing::HttpResponse& r) {
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  core::FakeClock clock_{*core::parse_iso8601("2026-11-25T08:00:00Z")};
  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<testing::TestServer> server_;
  testing::Seed seed_;
  std::string admin_token_;
};

TEST_P(RegistryImportExportRoutes, ImportAnswersTheReportAndDryRunStoresNothing) {
  const std::string csv = "grid_code,name,address\n110105001001001,9号楼,幸福路9号\n110105001001001,,幸福路10号\n";
  auto preview = server_->post("/api/v1/import/buildings?dry_run=true", csv, admin_token_, "text/csv");
  ASSERT_EQ(preview.status, 200) << preview.body;
  auto p = json_of(preview);
  EXPECT_EQ(p["kind"].as_string(), "buildings");
  EXPECT_EQ(p["rows"].to_number<int>(), 2);
  EXPECT_EQ(p["created"].to_number<int>(), 1);
  EXPECT_TRUE(p["dry_run"].as_bool());

  auto real = server_->post("/api/v1/import/buildings", csv, admin_token_, "text/csv");
  ASSERT_EQ(real.status, 200) << real.body;
  auto r = json_of(real);
  EXPECT_FALSE(r["dry_run"].as_bool());
  EXPECT_EQ(r["created"].to_number<int>(), 1);
  EXPECT_EQ(r["updated"].to_number<int>(), 0);
  EXPECT_EQ(r["unchanged"].to_number<int>(), 0);
  EXPECT_EQ(r["failed"].to_number<int>(), 1);
  auto& errors = r["errors"].as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].as_object().at("line").to_number<int>(), 3);
  EXPECT_EQ(errors[0].as_object().at("field").as_string(), "name");

  auto again = json_of(server_->post("/api/v1/import/buildings", csv, admin_token_, "text/csv"));
  EXPECT_EQ(again["created"].to_number<int>(), 0);
  EXPECT_EQ(again["unchanged"].to_number<int>(), 1);
}

TEST_P(RegistryImportExportRoutes, UnknownKindIsNotFoundAndBadFilesAreBadRequests) {
  auto kind = server_->post("/api/v1/import/cars", "a,b\n", admin_token_, "text/csv");
  EXPECT_EQ(kind.status, 404);
  EXPECT_EQ(json_of(kind)["error"].as_object()["code"].as_string(), "not_found");

  auto gbk = server_->post("/api/v1/import/buildings", "grid_code,name,address\n1,\xD5\xC5\xCE\xB0,x\n", admin_token_,
                           "text/csv");
  EXPECT_EQ(gbk.status, 400);
  EXPECT_EQ(json_of(gbk)["error"].as_object()["code"].as_string(), "bad_request");

  auto column = server_->post("/api/v1/import/buildings", "grid_code,name\n", admin_token_, "text/csv");
  EXPECT_EQ(column.status, 400);
  EXPECT_EQ(json_of(column)["error"].as_object()["field"].as_string(), "address");

  auto form = server_->post("/api/v1/import/buildings", "--x\r\n", admin_token_, "multipart/form-data; boundary=x");
  EXPECT_EQ(form.status, 415);

  auto flag =
      server_->post("/api/v1/import/buildings?dry_run=maybe", "grid_code,name,address\n", admin_token_, "text/csv");
  EXPECT_EQ(flag.status, 422);
  EXPECT_EQ(server_->post("/api/v1/import/buildings", "grid_code,name,address\n").status, 401);
}

TEST_P(RegistryImportExportRoutes, ExportIsAnExcelFriendlyCsvThatImportsAgainUnchanged) {
  for (const char* kind : {"areas", "buildings", "households", "residents"}) {
    auto r = server_->get(std::string("/api/v1/export/") + kind, admin_token_);
    ASSERT_EQ(r.status, 200) << kind << ": " << r.body;
    EXPECT_EQ(r.headers["content-type"], "text/csv; charset=utf-8");
    EXPECT_EQ(r.headers["content-disposition"], std::string("attachment; filename=\"") + kind + ".csv\"");
    EXPECT_EQ(r.body.substr(0, 3), "\xEF\xBB\xBF") << kind;
    auto back = json_of(server_->post(std::string("/api/v1/import/") + kind, r.body, admin_token_, "text/csv"));
    EXPECT_EQ(back["created"].to_number<int>(), 0) << kind;
    EXPECT_EQ(back["updated"].to_number<int>(), 0) << kind;
    EXPECT_EQ(back["unchanged"].to_number<int>(), back["rows"].to_number<int>()) << kind;
    EXPECT_TRUE(back["errors"].as_array().empty()) << kind << ": " << boost::json::serialize(back["errors"]);
  }
  EXPECT_EQ(server_->get("/api/v1/export/cars", admin_token_).status, 404);
}

TEST_P(RegistryImportExportRoutes, StreetOfficialsExportIsMaskedAndLimitedToTheirStreet) {
  auto token = server_->login("street", testing::Seed::kPassword);
  auto r = server_->get("/api/v1/export/residents", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(seed_.r1_id_number), std::string::npos);
  EXPECT_NE(r.body.find(core::mask_id_number(seed_.r1_id_number)), std::string::npos);
  EXPECT_EQ(r.body.find("110105002001001"), std::string::npos);  // g3 is in the other street
  auto outside = server_->get("/api/v1/export/residents?area_id=" + std::to_string(seed_.street2), token);
  EXPECT_EQ(outside.status, 403);
}

TEST_P(RegistryImportExportRoutes, GeoJsonRouteIsNotTakenForAKind) {
  const std::string boundary =
      R"({"type":"Polygon","coordinates":[[[116.4,39.9],[116.41,39.9],[116.41,39.91],[116.4,39.9]]]})";
  auto patch =
      server_->patch("/api/v1/areas/" + std::to_string(seed_.g1), R"({"boundary":)" + boundary + "}", admin_token_);
  ASSERT_EQ(patch.status, 200) << patch.body;
  auto r = server_->get("/api/v1/export/areas.geojson?level=grid", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/geo+json");
  auto doc = json_of(r);
  EXPECT_EQ(doc["type"].as_string(), "FeatureCollection");
  ASSERT_EQ(doc["features"].as_array().size(), 1u);
  EXPECT_EQ(doc["features"].as_array()[0].as_object().at("properties").as_object().at("id").as_int64(), seed_.g1);
  EXPECT_EQ(server_->get("/api/v1/export/areas.geojson?level=planet", admin_token_).status, 422);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryImportExportRoutes, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

INSTANTIATE_TEST_SUITE_P(Backends, RegistryImport, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });
INSTANTIATE_TEST_SUITE_P(Backends, RegistryExport, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::transfer
