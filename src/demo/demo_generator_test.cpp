// Tests of the demo generator at community scale (12 grids, ~10 k residents)
// on temporary SQLite files: determinism, valid identity numbers and area
// codes, grid polygons, household sizes, the age pyramid, the accounts, the
// places and two weeks of scans of the movement module, and the health
// module's reports, alerts, flags and outbreak (statuses, traceable cases),
// the risk registry's points and inspections, and the outbreak's warnings.
#include "demo/demo_generator.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/schema.hpp"
#include "areas/area.hpp"
#include "core/area_code.hpp"
#include "core/identity.hpp"
#include "db/migrations.hpp"
#include "health/health.hpp"
#include "health/health_store.hpp"
#include "health/tracer.hpp"
#include "movement/movement.hpp"
#include "risks/risk.hpp"
#include "test_support.hpp"

namespace firstline::demo {
namespace {

constexpr core::Millis kNow = 1'764'072'000'000;  // 2025-11-25T12:00:00Z
const std::string kPassword = "demo-password-1";

/// A migrated SQLite database in a temporary file, removed afterwards.
class DemoDatabase {
 public:
  explicit DemoDatabase(const std::string& tag, core::Millis now = kNow)
      : path_(std::filesystem::temp_directory_path() /
              ("firstline_demo_" + tag + "_" + std::to_string(::getpid()) + ".db")),
        clock_(now) {
    remove_files();
    db_ = db::open_database("sqlite:" + path_.string(), 4);
    auto migrated = db::migrate(*db_, app::schema_migrations());
    if (!migrated) throw std::runtime_error(migrated.error().message);
    auth_ = std::make_unique<auth::AuthService>(*db_, clock_, auth::AuthOptions{.hash_cost = auth::HashCost::minimal()});
  }
  ~DemoDatabase() {
    auth_.reset();
    db_.reset();
    remove_files();
  }

  DemoSummary generate(std::uint64_t seed = 7) {
    DemoOptions o;
    o.scale = Scale::community;
    o.seed = seed;
    o.admin_password = kPassword;
    o.account_password = kPassword;
    return generate_demo(*db_, *auth_, clock_, o);
  }

  db::ResultSet query(const std::string& sql, const db::Params& params = {}) {
    auto conn = db_->acquire();
    return conn->query(sql, params);
  }
  std::int64_t count(const std::string& sql, const db::Params& params = {}) {
    auto conn = db_->acquire();
    return db::as_int(*conn->query_value(sql, params));
  }
  auth::AuthService& auth() { return *auth_; }
  db::Database& database() { return *db_; }
  const core::FakeClock& clock() const { return clock_; }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      std::filesystem::remove(path_.string() + suffix, ec);
    }
  }

  std::filesystem::path path_;
  core::FakeClock clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<auth::AuthService> auth_;
};

/// One community-scale demo shared by the read-only tests (generating takes a
/// second or two).
class DemoGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new DemoDatabase("shared");
    summary_ = new DemoSummary(db_->generate());
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete db_;
    summary_ = nullptr;
    db_ = nullptr;
  }
  static DemoDatabase* db_;
  static DemoSummary* summary_;
};
DemoDatabase* DemoGeneratorTest::db_ = nullptr;
DemoSummary* DemoGeneratorTest::summary_ = nullptr;

TEST(DemoGenerator, SameSeedGivesTheSameResidents) {
  DemoDatabase a("seed_a"), b("seed_b");
  a.generate(42);
  b.generate(42);
  const std::string sql =
      "SELECT name, id_number, phone, birth_date, tags FROM residents ORDER BY id LIMIT 200";
  const auto ra = a.query(sql), rb = b.query(sql);
  ASSERT_EQ(ra.size(), 200u);
  EXPECT_EQ(ra.rows, rb.rows);
  EXPECT_EQ(a.count("SELECT COUNT(*) FROM residents"), b.count("SELECT COUNT(*) FROM residents"));
  EXPECT_EQ(a.query("SELECT code, name, boundary FROM areas ORDER BY id").rows,
            b.query("SELECT code, name, boundary FROM areas ORDER BY id").rows);
}

TEST(DemoGenerator, DifferentSeedsGiveDifferentResidents) {
  DemoDatabase a("seed_c"), b("seed_d");
  a.generate(1);
  b.generate(2);
  const std::string sql = "SELECT name, id_number FROM residents ORDER BY id LIMIT 50";
  EXPECT_NE(a.query(sql).rows, b.query(sql).rows);
}

TEST(DemoGenerator, RefusesADatabaseThatHoldsAreas) {
  DemoDatabase d("twice");
  d.generate();
  EXPECT_THROW(d.generate(), std::runtime_error);
}

TEST_F(DemoGeneratorTest, SummaryMatchesTheDatabase) {
  EXPECT_EQ(summary_->areas, db_->count("SELECT COUNT(*) FROM areas"));
  EXPECT_EQ(summary_->streets, 1);
  EXPECT_EQ(summary_->communities, 1);
  EXPECT_EQ(summary_->grids, 12);
  EXPECT_EQ(summary_->grids, db_->count("SELECT COUNT(*) FROM areas WHERE level = 3"));
  EXPECT_EQ(summary_->buildings, db_->count("SELECT COUNT(*) FROM buildings"));
  EXPECT_EQ(summary_->households, db_->count("SELECT COUNT(*) FROM households"));
  EXPECT_EQ(summary_->residents, db_->count("SELECT COUNT(*) FROM residents"));
  EXPECT_GT(summary_->residents, 8'000);
  EXPECT_LT(summary_->residents, 12'000);
  EXPECT_GT(summary_->seconds, 0.0);
}

TEST_F(DemoGeneratorTest, EveryIdentityNumberIsValidAndUnique) {
  const auto today = core::date_of(db_->clock().now());
  const auto rs = db_->query("SELECT id_number, birth_date, sex, document_type FROM residents");
  ASSERT_FALSE(rs.empty());
  std::set<std::string> seen;
  for (const auto& r : rs.rows) {
    const auto number = db::as_text(r[0]);
    ASSERT_TRUE(core::validate_id_number(number, today)) << number;
    EXPECT_EQ(db::as_text(r[3]), "resident_id");
    EXPECT_EQ(core::id_number_birth_date(number).to_string(), db::as_text(r[1])) << number;
    EXPECT_EQ(std::string(1, core::id_number_sex(number)), db::as_text(r[2])) << number;
    EXPECT_TRUE(seen.insert(number).second) << "duplicate " << number;
  }
}

TEST_F(DemoGeneratorTest, AreaCodesExtendTheirParents) {
  const auto rs = db_->query(
      "SELECT a.code, a.level, p.code FROM areas a LEFT JOIN areas p ON p.id = a.parent_id ORDER BY a.code");
  for (const auto& r : rs.rows) {
    const auto code = db::as_text(r[0]);
    const auto level = static_cast<core::AreaLevel>(db::as_int(r[1]));
    const auto parent = db::as_opt_text(r[2]);
    EXPECT_TRUE(core::validate_area_code(code, level, parent ? std::optional<std::string_view>(*parent) : std::nullopt))
        << code;
    if (level == core::AreaLevel::grid) {
      ASSERT_TRUE(parent);
      EXPECT_EQ(code.size(), 15u);
      EXPECT_EQ(parent->size(), 12u);
      EXPECT_EQ(code.substr(0, 12), *parent);
    }
  }
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM areas WHERE level = 0 AND code = '110105'"), 1);
}

TEST_F(DemoGeneratorTest, EveryAreaHasAPolygonBoundary) {
  const auto rs = db_->query("SELECT code, level, boundary FROM areas");
  for (const auto& r : rs.rows) {
    const auto boundary = db::as_opt_text(r[2]);
    ASSERT_TRUE(boundary) << db::as_text(r[0]);
    EXPECT_NE(boundary->find("\"Polygon\""), std::string::npos);
    EXPECT_TRUE(areas::validate_boundary(*boundary)) << db::as_text(r[0]) << " " << *boundary;
  }
}

TEST_F(DemoGeneratorTest, BuildingsLieInsideTheirGrid) {
  const auto rs = db_->query("SELECT b.latitude, b.longitude, a.boundary FROM buildings b JOIN areas a ON a.id = b.area_id");
  ASSERT_FALSE(rs.empty());
  for (const auto& r : rs.rows) {
    // The boundary is [[w,s],[e,s],[e,n],[w,n],[w,s]].
    const auto text = db::as_text(r[2]);
    double w, s, e, n;
    ASSERT_EQ(std::sscanf(text.c_str(), "{\"type\":\"Polygon\",\"coordinates\":[[[%lf,%lf],[%lf,%*f],[%*f,%lf]", &w, &s,
                          &e, &n),
              4)
        << text;
    const double lat = db::as_double(r[0]), lon = db::as_double(r[1]);
    EXPECT_GT(lat, s);
    EXPECT_LT(lat, n);
    EXPECT_GT(lon, w);
    EXPECT_LT(lon, e);
  }
}

TEST_F(DemoGeneratorTest, HouseholdsHaveRealisticSizesAndAHead) {
  const auto rs = db_->query(
      "SELECT h.id, COUNT(r.id), SUM(CASE WHEN r.id = h.head_resident_id THEN 1 ELSE 0 END) "
      "FROM households h LEFT JOIN residents r ON r.household_id = h.id GROUP BY h.id");
  ASSERT_FALSE(rs.empty());
  double total = 0;
  for (const auto& r : rs.rows) {
    const auto size = db::as_int(r[1]);
    EXPECT_GE(size, 1);
    EXPECT_LE(size, 6);
    EXPECT_EQ(db::as_int(r[2]), 1) << "household " << db::as_int(r[0]) << " has no head among its members";
    total += static_cast<double>(size);
  }
  const double mean = total / static_cast<double>(rs.size());
  EXPECT_GE(mean, 2.2);
  EXPECT_LE(mean, 3.2);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM residents WHERE relation = 'head'"), summary_->households);
}

TEST_F(DemoGeneratorTest, MostHouseholdsAreVerified) {
  const double verified = static_cast<double>(db_->count("SELECT COUNT(*) FROM households WHERE verified_at IS NOT NULL"));
  const double share = verified / static_cast<double>(summary_->households);
  EXPECT_GT(share, 0.80);
  EXPECT_LT(share, 0.90);
}

TEST_F(DemoGeneratorTest, AgesFollowAPyramidAndTagsMatchThem) {
  const double all = static_cast<double>(summary_->residents);
  const auto share = [&](const std::string& tag) {
    return static_cast<double>(db_->count("SELECT COUNT(*) FROM residents WHERE tags LIKE $1", {"%," + tag + ",%"})) / all;
  };
  // Ages from birth dates, on the fake clock's date (2025-11-25).
  const auto band = [&](int lo, int hi) {
    const auto rs = db_->query("SELECT birth_date FROM residents");
    const auto today = core::date_of(kNow);
    int n = 0;
    for (const auto& r : rs.rows) {
      const auto b = *core::parse_date(db::as_text(r[0]));
      int age = today.year - b.year - ((today.month < b.month || (today.month == b.month && today.day < b.day)) ? 1 : 0);
      if (age >= lo && age <= hi) ++n;
    }
    return n / all;
  };
  EXPECT_NEAR(band(0, 14), 0.15, 0.04);
  EXPECT_NEAR(band(15, 59), 0.65, 0.05);
  EXPECT_NEAR(band(60, 200), 0.20, 0.04);
  EXPECT_NEAR(share("elderly"), band(60, 200), 1e-9);
  EXPECT_NEAR(share("child"), band(0, 13), 1e-9);
  EXPECT_NEAR(share("disabled"), 0.02, 0.01);
  EXPECT_NEAR(share("party_member"), 0.06, 0.02);
  EXPECT_NEAR(share("volunteer"), 0.03, 0.015);
  EXPECT_GT(share("elderly_alone"), 0.005);
  EXPECT_GT(share("pregnant"), 0.0);
  EXPECT_GT(share("chronic_illness"), 0.02);
  // Tenants are migrants: their identity numbers were not issued in Beijing.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM residents WHERE tags LIKE '%,tenant,%' AND id_number LIKE '11%'"), 0);
  EXPECT_NEAR(share("tenant"), 0.16, 0.06);
  // Elderly people living alone are exactly the elderly in one-person households.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM residents r WHERE r.tags LIKE '%,elderly_alone,%' AND "
                       "(r.tags NOT LIKE '%,elderly,%' OR (SELECT COUNT(*) FROM residents m WHERE m.household_id = "
                       "r.household_id) <> 1)"),
            0);
}

TEST_F(DemoGeneratorTest, AdultsHaveTheirOwnMobilePhones) {
  const auto rs = db_->query("SELECT phone FROM residents WHERE phone IS NOT NULL");
  ASSERT_GT(static_cast<std::int64_t>(rs.size()), summary_->residents / 2);
  std::set<std::string> seen;
  for (const auto& r : rs.rows) {
    EXPECT_TRUE(seen.insert(db::as_text(r[0])).second) << "shared phone " << db::as_text(r[0]);
    const auto phone = db::as_text(r[0]);
    ASSERT_EQ(phone.size(), 11u) << phone;
    EXPECT_EQ(phone[0], '1');
    EXPECT_GE(phone[1], '3');
    EXPECT_LE(phone[1], '9');
    EXPECT_TRUE(core::validate_phone(phone)) << phone;
  }
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM residents WHERE tags LIKE '%,child,%' AND phone IS NOT NULL AND "
                       "birth_date > '2015-11-25'"),
            0);
}

TEST_F(DemoGeneratorTest, EveryRoleHasAnAccountThatCanSignIn) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"admin", "admin"},           {"district", "district_official"}, {"street", "street_official"},
      {"community", "community_staff"}, {"grid1", "grid_worker"},     {"grid2", "grid_worker"},
      {"property", "property_company"}, {"socialorg", "social_org"},  {"enterprise", "enterprise"},
      {"volunteer", "volunteer"},   {"expert", "expert"},             {"resident", "resident"}};
  ASSERT_EQ(summary_->accounts.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(summary_->accounts[i].username, expected[i].first);
    EXPECT_EQ(summary_->accounts[i].role, expected[i].second);
    auto session = db_->auth().login(expected[i].first, kPassword, "test");
    ASSERT_TRUE(session) << expected[i].first;
    ASSERT_EQ(session->user.roles.size(), 1u);
    EXPECT_EQ(core::role_key(session->user.roles[0].role), expected[i].second);
  }
  // Grid workers on the first two grids, the resident linked to the first household's head.
  const auto grids = db_->query("SELECT id, name FROM areas WHERE level = 3 ORDER BY code LIMIT 2");
  EXPECT_EQ(db_->count("SELECT ur.area_id FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.username = 'grid1'"),
            db::as_int(grids.rows[0][0]));
  EXPECT_EQ(db_->count("SELECT ur.area_id FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.username = 'grid2'"),
            db::as_int(grids.rows[1][0]));
  EXPECT_EQ(summary_->accounts[4].area_name, db::as_text(grids.rows[0][1]));
  const auto first_head =
      db_->count("SELECT head_resident_id FROM households WHERE area_id = $1 ORDER BY id LIMIT 1", {grids.rows[0][0]});
  EXPECT_EQ(db_->count("SELECT resident_id FROM users WHERE username = 'resident'"), first_head);
}

TEST_F(DemoGeneratorTest, EveryCommunityHasGatesAndEverydayPlaces) {
  const auto communities = db_->query("SELECT id, name FROM areas WHERE level = 2");
  ASSERT_FALSE(communities.empty());
  for (const auto& c : communities.rows) {
    const auto count = [&](const std::string& kinds) {
      return db_->count("SELECT COUNT(*) FROM places p JOIN areas g ON g.id = p.area_id WHERE g.parent_id = $1 AND "
                        "g.level = 3 AND p.kind IN (" + kinds + ")",
                        {c[0]});
    };
    const auto name = db::as_text(c[1]);
    EXPECT_GE(count("'checkpoint'"), 2) << name;
    EXPECT_LE(count("'checkpoint'"), 4) << name;
    EXPECT_GE(count("'shop'"), 2) << name;
    EXPECT_GE(count("'market'"), 1) << name;
    EXPECT_GE(count("'clinic', 'pharmacy'"), 1) << name;
    EXPECT_GE(count("'office'"), 1) << name;
    EXPECT_GE(count("'school'"), 1) << name;
  }
  // Gates are named after their community and side: 望湖南里社区东门.
  for (const auto& r : db_->query("SELECT p.name, c.name FROM places p JOIN areas g ON g.id = p.area_id JOIN areas c ON "
                                  "c.id = g.parent_id WHERE p.kind = 'checkpoint'")
                           .rows) {
    const auto gate = db::as_text(r[0]), community = db::as_text(r[1]);
    EXPECT_EQ(gate.rfind(community, 0), 0u) << gate;
    EXPECT_EQ(gate.size(), community.size() + std::string("东门").size()) << gate;
  }
  EXPECT_EQ(summary_->places, db_->count("SELECT COUNT(*) FROM places"));
}

TEST_F(DemoGeneratorTest, PlacesHaveUniqueCodesHoursAndASpotInTheirGrid) {
  const auto rs = db_->query(
      "SELECT p.code, p.kind, p.opening_hours, p.capacity, p.latitude, p.longitude, a.boundary, a.level "
      "FROM places p JOIN areas a ON a.id = p.area_id");
  ASSERT_FALSE(rs.empty());
  std::set<std::string> codes;
  const auto& kinds = movement::place_kinds();
  for (const auto& r : rs.rows) {
    const auto code = db::as_text(r[0]);
    ASSERT_EQ(code.size(), 8u) << code;
    EXPECT_EQ(code[0], 'P');
    EXPECT_EQ(code.find_first_not_of("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", 1), std::string::npos) << code;
    EXPECT_TRUE(codes.insert(code).second) << "duplicate code " << code;
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), db::as_text(r[1])), kinds.end()) << db::as_text(r[1]);
    EXPECT_TRUE(db::as_opt_text(r[2])) << code;
    EXPECT_GT(db::as_int(r[3]), 0) << code;
    EXPECT_EQ(db::as_int(r[7]), 3) << code << " is not in a grid";
    double w, s, e, n;
    const auto text = db::as_text(r[6]);
    ASSERT_EQ(std::sscanf(text.c_str(), "{\"type\":\"Polygon\",\"coordinates\":[[[%lf,%lf],[%lf,%*f],[%*f,%lf]", &w, &s,
                          &e, &n),
              4);
    const double lat = db::as_double(r[4]), lon = db::as_double(r[5]);
    EXPECT_GT(lat, s) << code;
    EXPECT_LT(lat, n) << code;
    EXPECT_GT(lon, w) << code;
    EXPECT_LT(lon, e) << code;
  }
}

TEST_F(DemoGeneratorTest, ScansCoverEachOfTheLastFourteenDaysAndNoneIsInTheFuture) {
  constexpr core::Millis kDay = 86'400'000;
  EXPECT_EQ(summary_->scans, db_->count("SELECT COUNT(*) FROM scans"));
  // About 10 per resident over the two weeks.
  EXPECT_GT(summary_->scans, summary_->residents * 6);
  EXPECT_LT(summary_->scans, summary_->residents * 15);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE ts > $1", {kNow}), 0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE received_at > $1 OR received_at < ts", {kNow}), 0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE ts < $1", {kNow - 14 * kDay}), 0);
  for (int d = 0; d < 14; ++d) {
    const core::Millis until = kNow - d * kDay;
    EXPECT_GT(db_->count("SELECT COUNT(*) FROM scans WHERE ts >= $1 AND ts < $2", {until - kDay, until}), 1000)
        << d << " days ago";
  }
}

TEST_F(DemoGeneratorTest, ScansAreWellFormedAndUnique) {
  EXPECT_EQ(db_->count("SELECT COUNT(DISTINCT client_event_id) FROM scans"), summary_->scans);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE client_event_id NOT LIKE 'demo-%'"), 0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE source <> 'device' OR person_id IS NULL OR visitor_id IS NOT "
                       "NULL OR direction NOT IN (0, 1)"),
            0);
  // Denormalized areas match the place's grid and the resident's home grid.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans s JOIN places p ON p.id = s.place_id WHERE p.area_id <> s.place_area_id"),
            0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans s JOIN residents r ON r.id = s.person_id WHERE r.area_id <> "
                       "s.home_area_id"),
            0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans s LEFT JOIN places p ON p.id = s.place_id WHERE p.id IS NULL"), 0);
  // Temperatures: mostly normal, taken on a good share of entries, a rare fever.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM scans WHERE temperature IS NOT NULL AND (temperature < 36.0 OR "
                       "temperature > 38.5)"),
            0);
  const auto taken = db_->count("SELECT COUNT(*) FROM scans WHERE temperature IS NOT NULL");
  const auto fevers = db_->count("SELECT COUNT(*) FROM scans WHERE temperature >= 37.3");
  EXPECT_GT(taken, summary_->scans / 5);
  EXPECT_GT(fevers, 0);
  EXPECT_LT(fevers, taken / 50);
}

TEST_F(DemoGeneratorTest, PeopleLeaveThroughGatesAndCrossGrids) {
  const double all = static_cast<double>(summary_->scans);
  const auto share = [&](const std::string& where) {
    return static_cast<double>(db_->count("SELECT COUNT(*) FROM scans s JOIN places p ON p.id = s.place_id WHERE " + where)) /
           all;
  };
  // Gate exits in the morning, entries later: out before noon local time (UTC+8) outnumber ins.
  const auto gate = [&](int direction, const char* hours) {
    return db_->count(std::string("SELECT COUNT(*) FROM scans s JOIN places p ON p.id = s.place_id WHERE p.kind = "
                                  "'checkpoint' AND s.direction = $1 AND ((s.ts / 3600000 + 8) % 24) ") +
                          hours,
                      {std::int64_t{direction}});
  };
  EXPECT_GT(gate(0, "< 10"), 2 * gate(1, "< 10"));
  EXPECT_GT(gate(1, ">= 17"), 2 * gate(0, ">= 17"));
  EXPECT_GT(share("p.kind = 'checkpoint'"), 0.3);
  EXPECT_GT(share("p.kind IN ('shop', 'market')"), 0.2);
  EXPECT_GT(share("p.kind IN ('clinic', 'pharmacy')"), 0.005);
  EXPECT_GT(share("p.kind = 'office'"), 0.02);
  EXPECT_GT(share("p.kind = 'school'"), 0.005);
  // Scans at places outside the home grid: the flow matrix has something to show.
  EXPECT_GT(share("s.place_area_id <> s.home_area_id"), 0.5);
  EXPECT_GT(db_->count("SELECT COUNT(DISTINCT home_area_id || '-' || place_area_id) FROM scans WHERE place_area_id <> "
                       "home_area_id"),
            50);
  // Some exits are missing: entries outnumber exits at shops.
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM scans s JOIN places p ON p.id = s.place_id WHERE p.kind = 'shop' AND "
                       "s.direction = 1"),
            db_->count("SELECT COUNT(*) FROM scans s JOIN places p ON p.id = s.place_id WHERE p.kind = 'shop' AND "
                       "s.direction = 0"));
}

TEST(DemoGenerator, SameSeedGivesTheSamePlacesAndScans) {
  DemoDatabase a("scan_a"), b("scan_b");
  a.generate(5);
  b.generate(5);
  EXPECT_EQ(a.query("SELECT name, kind, code, latitude FROM places ORDER BY id").rows,
            b.query("SELECT name, kind, code, latitude FROM places ORDER BY id").rows);
  const std::string sql = "SELECT client_event_id, place_id, person_id, ts, direction, temperature FROM scans ORDER BY "
                          "id LIMIT 2000 OFFSET 30000";
  EXPECT_EQ(a.query(sql).rows, b.query(sql).rows);
  // The health records too.
  const std::string reports = "SELECT person_id, date, slot, temperature, symptoms, test_result, created_at FROM "
                              "health_reports ORDER BY id LIMIT 2000 OFFSET 50000";
  EXPECT_EQ(a.query(reports).rows, b.query(reports).rows);
  const std::string statuses = "SELECT person_id, status, starts_at, ends_at, reason, run_id FROM health_statuses ORDER BY id";
  EXPECT_EQ(a.query(statuses).rows, b.query(statuses).rows);
  EXPECT_EQ(a.query("SELECT person_id, kind, detail, status FROM health_alerts ORDER BY id").rows,
            b.query("SELECT person_id, kind, detail, status FROM health_alerts ORDER BY id").rows);
  // Risk points, inspections and warnings too, CAP identifiers included.
  const std::string points = "SELECT area_id, name, kind, latitude, likelihood, impact, next_inspection_due FROM "
                             "risk_points ORDER BY id";
  EXPECT_EQ(a.query(points).rows, b.query(points).rows);
  const std::string inspections = "SELECT risk_id, inspected_at, findings, likelihood, impact FROM risk_inspections "
                                  "ORDER BY id";
  EXPECT_EQ(a.query(inspections).rows, b.query(inspections).rows);
  const std::string warnings = "SELECT identifier, level, status, headline, description, updated_at FROM warnings "
                               "ORDER BY id";
  EXPECT_EQ(a.query(warnings).rows, b.query(warnings).rows);
  EXPECT_EQ(a.query("SELECT warning_id, action, at, note FROM warning_events ORDER BY id").rows,
            b.query("SELECT warning_id, action, at, note FROM warning_events ORDER BY id").rows);
}

// ---- health

constexpr core::Millis kDayMs = 86'400'000;
constexpr core::Millis kLocal = 8 * 3'600'000;  // UTC+8
/// The local date of a time, as stored in health_reports.date.
std::string local_date(core::Millis t) { return core::date_of(t + kLocal).to_string(); }
/// Local days since the epoch.
std::int64_t local_day(core::Millis t) { return (t + kLocal) / kDayMs; }

/// The tracer's default place kinds: every kind except checkpoint.
std::vector<std::string> default_kinds() {
  std::vector<std::string> kinds;
  for (auto k : movement::place_kinds()) {
    if (k != "checkpoint") kinds.emplace_back(k);
  }
  return kinds;
}

TEST_F(DemoGeneratorTest, HealthReportsCoverEachOfTheLastFourteenDaysWithGaps) {
  EXPECT_EQ(summary_->health_report_days, 14);
  EXPECT_EQ(summary_->health_reports, db_->count("SELECT COUNT(*) FROM health_reports"));
  const double residents = static_cast<double>(summary_->residents);
  double lowest = 1.0, highest = 0.0;
  for (int d = 0; d < 14; ++d) {
    const auto date = local_date(kNow - d * kDayMs);
    const auto reported = db_->count("SELECT COUNT(*) FROM health_reports WHERE date = $1 AND slot = 1", {date});
    const double rate = static_cast<double>(reported) / residents;
    EXPECT_GE(rate, 0.5) << date;
    EXPECT_LE(rate, 1.0) << date;
    lowest = std::min(lowest, rate);
    highest = std::max(highest, rate);
  }
  EXPECT_LT(highest, 0.97);  // never everyone: there are gaps
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_reports WHERE date < $1 OR date > $2",
                       {local_date(kNow - 13 * kDayMs), local_date(kNow)}),
            0);
  // Nothing from the future; a report's date is the local date of its time.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_reports WHERE created_at > $1 OR updated_at <> created_at", {kNow}),
            0);
  for (const auto& r : db_->query("SELECT date, created_at FROM health_reports ORDER BY id LIMIT 500").rows) {
    EXPECT_EQ(db::as_text(r[0]), local_date(db::as_int(r[1])));
  }
  // One report a person, day and slot, at the person's home grid, marked as demo data.
  EXPECT_EQ(
      db_->count("SELECT COUNT(*) FROM health_reports h JOIN residents r ON r.id = h.person_id WHERE h.area_id <> "
                 "r.area_id OR h.source <> 'demo' OR h.amendments <> 0 OR h.slot NOT IN (1, 2)"),
      0);
  // Grids differ: a lax one well below the others.
  const auto grids = db_->query(
      "SELECT r.area_id, COUNT(*) FROM health_reports h JOIN residents r ON r.id = h.person_id WHERE h.slot = 1 "
      "GROUP BY r.area_id");
  ASSERT_EQ(grids.size(), 12u);
  std::vector<double> rates;
  for (const auto& g : grids.rows) {
    const auto people = db_->count("SELECT COUNT(*) FROM residents WHERE area_id = $1", {g[0]});
    rates.push_back(static_cast<double>(db::as_int(g[1])) / (14.0 * static_cast<double>(people)));
  }
  std::sort(rates.begin(), rates.end());
  EXPECT_LT(rates.front(), 0.78);
  EXPECT_GT(rates[rates.size() / 2], 0.82);
  // Some people never or hardly ever report.
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM residents r WHERE (SELECT COUNT(*) FROM health_reports h WHERE "
                       "h.person_id = r.id) <= 3"),
            summary_->residents / 200);
  // Temperatures: normal nearly always, a few fevers.
  const auto all = db_->count("SELECT COUNT(*) FROM health_reports");
  const auto normal = db_->count("SELECT COUNT(*) FROM health_reports WHERE temperature BETWEEN 36.2 AND 37.1");
  const auto fevers = db_->count("SELECT COUNT(*) FROM health_reports WHERE temperature >= 37.3");
  EXPECT_GT(normal, all * 99 / 100);
  EXPECT_GT(fevers, 14);
  EXPECT_LT(fevers, all / 500);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_reports WHERE temperature < 36.0 OR temperature > 39.5"), 0);
  // A second report a day only from people whose status asks for two at that time.
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_reports WHERE slot = 2"), 0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_reports h WHERE h.slot = 2 AND NOT EXISTS (SELECT 1 FROM "
                       "health_statuses s WHERE s.person_id = h.person_id AND s.status IN ('observation', "
                       "'home_quarantine', 'centralized_isolation') AND s.starts_at <= h.created_at AND (s.ends_at IS "
                       "NULL OR s.ends_at > h.created_at))"),
            0);
}

TEST_F(DemoGeneratorTest, UnwellReportsRaiseAlertsLikeTheService) {
  EXPECT_EQ(summary_->health_alerts, db_->count("SELECT COUNT(*) FROM health_alerts"));
  // unwell = fever, serious symptom or positive test; one alert of each kind that applies.
  const auto rs = db_->query(
      "SELECT h.id, h.temperature, h.symptoms, h.test_result, h.unwell, "
      "(SELECT COUNT(*) FROM health_alerts a WHERE a.report_id = h.id AND a.kind = 'fever'), "
      "(SELECT COUNT(*) FROM health_alerts a WHERE a.report_id = h.id AND a.kind = 'serious_symptom'), "
      "(SELECT COUNT(*) FROM health_alerts a WHERE a.report_id = h.id AND a.kind = 'positive_test') "
      "FROM health_reports h WHERE h.unwell = 1 OR h.temperature >= 37.3 OR h.test_result = 'positive' OR "
      "h.symptoms LIKE '%shortness_of_breath%' OR h.symptoms LIKE '%chest_pain%' OR h.symptoms LIKE '%confusion%'");
  ASSERT_FALSE(rs.empty());
  std::int64_t reports_with_alerts = 0;
  for (const auto& r : rs.rows) {
    const auto temperature = db::as_opt_double(r[1]);
    const bool fever = temperature && *temperature >= health::kFeverCelsius - 1e-9;
    bool serious = false;
    const auto symptoms = db::as_text(r[2]);
    for (std::size_t start = 0; start < symptoms.size();) {
      auto end = symptoms.find(',', start);
      if (end == std::string::npos) end = symptoms.size();
      const auto code = symptoms.substr(start, end - start);
      EXPECT_NE(std::find(health::symptom_codes().begin(), health::symptom_codes().end(), code),
                health::symptom_codes().end())
          << code;
      serious = serious || health::serious_symptom(code);
      start = end + 1;
    }
    const bool positive = db::as_text(r[3]) == "positive";
    EXPECT_EQ(db::as_int(r[4]), fever || serious || positive ? 1 : 0) << db::as_int(r[0]);
    EXPECT_EQ(db::as_int(r[5]), fever ? 1 : 0) << db::as_int(r[0]);
    EXPECT_EQ(db::as_int(r[6]), serious ? 1 : 0) << db::as_int(r[0]);
    EXPECT_EQ(db::as_int(r[7]), positive ? 1 : 0) << db::as_int(r[0]);
    ++reports_with_alerts;
  }
  EXPECT_EQ(db_->count("SELECT COUNT(DISTINCT report_id) FROM health_alerts"), reports_with_alerts);
  // Alerts belong to their report: person, grid, time.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_alerts a JOIN health_reports h ON h.id = a.report_id WHERE "
                       "a.person_id <> h.person_id OR a.area_id <> h.area_id OR a.created_at <> h.created_at"),
            0);
  // Open for the last two days, handled with a note before.
  const auto yesterday = local_date(kNow - kDayMs);
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_alerts a JOIN health_reports h ON h.id = a.report_id WHERE "
                       "a.kind = 'fever' AND a.status = 'open'"),
            0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_alerts a JOIN health_reports h ON h.id = a.report_id WHERE "
                       "(h.date >= $1) <> (a.status = 'open')",
                       {yesterday}),
            0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_alerts WHERE status = 'open' AND (handled_by IS NOT NULL OR "
                       "handled_at IS NOT NULL OR note IS NOT NULL)"),
            0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_alerts a WHERE status = 'handled' AND (note IS NULL OR note = '' "
                       "OR handled_at < created_at OR handled_at > $1 OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id "
                       "= a.handled_by))",
                       {kNow}),
            0);
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_alerts WHERE status = 'handled'"), 0);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_alerts WHERE kind = 'fever' AND detail NOT LIKE '%°C on %'"), 0);
}

TEST_F(DemoGeneratorTest, MissedReportFlagsForPastDays) {
  const auto today = local_date(kNow);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_missed_flags WHERE date >= $1", {today}), 0);
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_missed_flags"), 12);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_missed_flags f JOIN areas a ON a.id = f.area_id WHERE a.level <> 3 "
                       "OR f.missing <= 0 OR f.missing > f.expected OR f.created_at > $1",
                       {kNow}),
            0);
}

/// Status periods of one person, oldest first, obey the spec: contiguous, one
/// open, and every change an allowed transition.
void expect_valid_history(DemoDatabase& d, std::int64_t person) {
  const auto rs = d.query(
      "SELECT status, starts_at, ends_at, reason, set_at FROM health_statuses WHERE person_id = $1 "
      "ORDER BY starts_at, id",
      {person});
  ASSERT_FALSE(rs.empty());
  std::string from = "normal";
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const auto& r = rs.rows[i];
    const auto status = db::as_text(r[0]);
    EXPECT_TRUE(health::transition_allowed(from, status)) << person << ": " << from << " -> " << status;
    EXPECT_FALSE(db::as_text(r[3]).empty()) << person;
    EXPECT_LE(db::as_int(r[1]), kNow) << person;
    EXPECT_EQ(db::as_int(r[4]), db::as_int(r[1])) << person;
    if (i + 1 < rs.size()) {
      ASSERT_FALSE(db::is_null(r[2])) << person << " has two open periods";
      EXPECT_EQ(db::as_int(r[2]), db::as_int(rs.rows[i + 1][1])) << person;
    } else {
      EXPECT_TRUE(db::is_null(r[2])) << person << " has no current period";
    }
    from = status;
  }
}

TEST_F(DemoGeneratorTest, OutbreakHasConfirmedCasesWithValidHistories) {
  const auto cases = db_->query(
      "SELECT s.person_id, r.area_id, g.parent_id, r.household_id, s.starts_at FROM health_statuses s "
      "JOIN residents r ON r.id = s.person_id JOIN areas g ON g.id = r.area_id "
      "WHERE s.status = 'confirmed' AND s.ends_at IS NULL ORDER BY s.person_id");
  ASSERT_GE(cases.size(), 3u);
  EXPECT_LE(cases.size(), 6u);
  EXPECT_EQ(summary_->confirmed_cases, static_cast<std::int64_t>(cases.size()));
  std::set<std::int64_t> communities;
  const auto today = local_day(kNow);
  for (const auto& c : cases.rows) {
    const auto person = db::as_int(c[0]);
    communities.insert(db::as_int(c[2]));
    // Onset (the first period) 3–6 days ago, confirmed 1–2 days ago, with a positive test.
    const auto first = db_->count("SELECT MIN(starts_at) FROM health_statuses WHERE person_id = $1", {c[0]});
    EXPECT_GE(today - local_day(first), 3) << person;
    EXPECT_LE(today - local_day(first), 6) << person;
    EXPECT_GE(today - local_day(db::as_int(c[4])), 1) << person;
    EXPECT_LE(today - local_day(db::as_int(c[4])), 2) << person;
    EXPECT_EQ(db_->count("SELECT COUNT(*) FROM health_reports WHERE person_id = $1 AND test_result = 'positive' AND "
                         "created_at <= $2 AND test_date IS NOT NULL",
                         {c[0], c[4]}),
              1)
        << person;
    EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_reports WHERE person_id = $1 AND temperature >= 37.3", {c[0]}),
              0);
    // The household is in home quarantine since the confirmation (or is itself a case).
    EXPECT_EQ(
        db_->count("SELECT COUNT(*) FROM residents m WHERE m.household_id = $1 AND m.id <> $2 AND NOT EXISTS "
                   "(SELECT 1 FROM health_statuses s WHERE s.person_id = m.id AND s.status IN ('home_quarantine', "
                   "'confirmed'))",
                   {c[3], c[0]}),
        0)
        << person;
  }
  EXPECT_EQ(communities.size(), 1u);
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_statuses WHERE status = 'home_quarantine' AND ends_at IS NULL"), 0);
  // Close contacts found by the runs are under observation, linked to their run.
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM health_statuses s JOIN tracing_runs t ON t.id = s.run_id WHERE s.status = "
                       "'observation' AND s.starts_at >= t.created_at"),
            0);
  EXPECT_EQ(
      db_->count("SELECT COUNT(*) FROM health_statuses s WHERE s.run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                 "tracing_contacts c WHERE c.run_id = s.run_id AND c.person_id = s.person_id AND c.degree = "
                 "'close')"),
      0);
  // Every history is valid, cases and contacts alike.
  for (const auto& p : db_->query("SELECT DISTINCT person_id FROM health_statuses ORDER BY person_id").rows) {
    expect_valid_history(*db_, db::as_int(p[0]));
  }
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM (SELECT person_id FROM health_statuses WHERE ends_at IS NULL GROUP BY "
                       "person_id HAVING COUNT(*) > 1) x"),
            0);
}

TEST_F(DemoGeneratorTest, ConfirmedCasesHaveTraceableContacts) {
  const auto cases = db_->query(
      "SELECT person_id, MIN(starts_at) FROM health_statuses WHERE person_id IN (SELECT person_id FROM "
      "health_statuses WHERE status = 'confirmed') GROUP BY person_id ORDER BY person_id");
  ASSERT_GE(cases.size(), 3u);
  auto conn = db_->database().acquire();
  std::int64_t with_contacts = 0;
  for (const auto& c : cases.rows) {
    health::SqlMovementSource source(*conn, default_kinds());
    const auto onset = *core::parse_date(local_date(db::as_int(c[1])));
    const auto result = health::trace(source, db::as_int(c[0]), onset, health::TracingRules{});
    ASSERT_TRUE(result.window_end) << "a confirmed case is isolated";
    const auto co_present = std::count_if(result.contacts.begin(), result.contacts.end(), [](const health::Contact& k) {
      return k.subject > 0 && k.degree == health::Degree::close && k.relation == health::Relation::co_presence;
    });
    if (co_present > 0) ++with_contacts;
  }
  EXPECT_GE(with_contacts, 1);
  // One stored run per case, by the expert, with its contacts.
  EXPECT_EQ(summary_->tracing_runs, static_cast<std::int64_t>(cases.size()));
  EXPECT_EQ(
      db_->count("SELECT COUNT(*) FROM tracing_runs t JOIN users u ON u.id = t.created_by WHERE u.username = "
                 "'expert' AND t.created_at <= $1 AND t.person_id IN (SELECT person_id FROM health_statuses WHERE "
                 "status = 'confirmed')",
                 {kNow}),
      static_cast<std::int64_t>(cases.size()));
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM tracing_contacts WHERE degree = 'close' AND relation = 'co-presence'"), 0);
}

TEST(DemoGenerator, HealthRecordsNeverRunAheadOfTheClock) {
  // 08:30 local: only early reporters have reported today, and nothing is later than now.
  constexpr core::Millis kMorning = 1'764'030'600'000;  // 2025-11-25T00:30:00Z
  DemoDatabase d("morning", kMorning);
  d.generate(11);
  const auto today = local_date(kMorning), yesterday = local_date(kMorning - kDayMs);
  const auto today_reports = d.count("SELECT COUNT(*) FROM health_reports WHERE date = $1", {today});
  const auto yesterday_reports = d.count("SELECT COUNT(*) FROM health_reports WHERE date = $1", {yesterday});
  EXPECT_GT(today_reports, 0);
  EXPECT_LT(today_reports, yesterday_reports * 3 / 4);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM health_reports WHERE created_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM health_reports WHERE slot = 2 AND date = $1", {today}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM health_statuses WHERE starts_at > $1 OR set_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM health_alerts WHERE created_at > $1 OR handled_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM tracing_runs WHERE created_at > $1 OR window_start > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM health_missed_flags WHERE created_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM scans WHERE ts > $1", {kMorning}), 0);
  EXPECT_GE(d.count("SELECT COUNT(*) FROM health_statuses WHERE status = 'confirmed'"), 3);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM risk_inspections WHERE inspected_at > $1 OR created_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM risk_points WHERE created_at > $1 OR updated_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM warning_events WHERE at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM warnings WHERE updated_at > $1", {kMorning}), 0);
  EXPECT_EQ(d.count("SELECT COUNT(*) FROM warnings WHERE status = 'issued' AND escalations = 1"), 1);
}

TEST(DemoGenerator, HealthRecordsOnPostgres) {
  // bench_scans generates the community demo on PostgreSQL too: the same SQL must hold there.
  firstline::testing::TestDatabase tdb(firstline::testing::Backend::postgres);
  if (!tdb.available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
  core::FakeClock clock(kNow);
  auto database = db::open_database(tdb.url(), 4);
  ASSERT_TRUE(db::migrate(*database, app::schema_migrations()));
  {
    auth::AuthService auth(*database, clock, auth::AuthOptions{.hash_cost = auth::HashCost::minimal()});
    DemoOptions o;
    o.seed = 7;
    o.admin_password = kPassword;
    o.account_password = kPassword;
    const auto summary = generate_demo(*database, auth, clock, o);
    auto conn = database->acquire();
    auto count = [&](const std::string& sql) { return db::as_int(*conn->query_value(sql)); };
    EXPECT_EQ(count("SELECT COUNT(*) FROM health_reports"), summary.health_reports);
    EXPECT_EQ(count("SELECT COUNT(DISTINCT date) FROM health_reports"), 14);
    EXPECT_EQ(count("SELECT COUNT(*) FROM health_alerts"), summary.health_alerts);
    EXPECT_GE(summary.confirmed_cases, 3);
    EXPECT_EQ(count("SELECT COUNT(*) FROM tracing_runs"), summary.confirmed_cases);
    EXPECT_GT(count("SELECT COUNT(*) FROM health_missed_flags"), 0);
    // The same data as on SQLite with the same seed and clock.
    DemoDatabase sqlite("pg_twin");
    sqlite.generate(7);
    const std::string sql =
        "SELECT person_id, date, slot, temperature, symptoms, test_result FROM health_reports ORDER BY id LIMIT 500";
    EXPECT_EQ(conn->query(sql).rows, sqlite.query(sql).rows);
    EXPECT_EQ(conn->query("SELECT person_id, status, starts_at, reason FROM health_statuses ORDER BY id").rows,
              sqlite.query("SELECT person_id, status, starts_at, reason FROM health_statuses ORDER BY id").rows);
    EXPECT_EQ(count("SELECT COUNT(*) FROM risk_points"), summary.risk_points);
    EXPECT_EQ(count("SELECT COUNT(*) FROM risk_inspections"), summary.inspections);
    EXPECT_EQ(count("SELECT COUNT(*) FROM warnings"), summary.warnings);
    const std::string points = "SELECT name, kind, likelihood, impact, last_inspected_at FROM risk_points ORDER BY id";
    EXPECT_EQ(conn->query(points).rows, sqlite.query(points).rows);
    const std::string warnings = "SELECT identifier, level, status, escalations, description FROM warnings ORDER BY id";
    EXPECT_EQ(conn->query(warnings).rows, sqlite.query(warnings).rows);
    EXPECT_EQ(conn->query("SELECT action, at, note FROM warning_events ORDER BY id").rows,
              sqlite.query("SELECT action, at, note FROM warning_events ORDER BY id").rows);
  }
}

// ---- risks

TEST_F(DemoGeneratorTest, EveryCommunityHasRiskPointsWithInspections) {
  EXPECT_EQ(summary_->risk_points, db_->count("SELECT COUNT(*) FROM risk_points WHERE deleted_at IS NULL"));
  EXPECT_EQ(summary_->inspections, db_->count("SELECT COUNT(*) FROM risk_inspections"));
  for (const auto& c : db_->query("SELECT id, name FROM areas WHERE level = 2").rows) {
    const auto points = db_->count(
        "SELECT COUNT(*) FROM risk_points p JOIN areas g ON g.id = p.area_id WHERE g.parent_id = $1", {c[0]});
    EXPECT_GE(points, 4) << db::as_text(c[1]);
    EXPECT_LE(points, 10) << db::as_text(c[1]);
  }
  const auto rs = db_->query(
      "SELECT p.id, p.kind, p.latitude, p.longitude, a.boundary, a.level, p.inspection_interval_days, "
      "(SELECT COUNT(*) FROM risk_inspections i WHERE i.risk_id = p.id), p.name, p.owner_name FROM risk_points p "
      "JOIN areas a ON a.id = p.area_id");
  ASSERT_FALSE(rs.empty());
  std::set<std::string> kinds;
  for (const auto& r : rs.rows) {
    const auto id = db::as_int(r[0]);
    kinds.insert(db::as_text(r[1]));
    EXPECT_TRUE(risks::valid_kind(db::as_text(r[1]))) << id;
    EXPECT_EQ(db::as_int(r[5]), 3) << id << " is not in a grid";
    double w, s, e, n;
    const auto text = db::as_text(r[4]);
    ASSERT_EQ(std::sscanf(text.c_str(), "{\"type\":\"Polygon\",\"coordinates\":[[[%lf,%lf],[%lf,%*f],[%*f,%lf]", &w, &s,
                          &e, &n),
              4);
    const double lat = db::as_double(r[2]), lon = db::as_double(r[3]);
    EXPECT_GT(lat, s) << id;
    EXPECT_LT(lat, n) << id;
    EXPECT_GT(lon, w) << id;
    EXPECT_LT(lon, e) << id;
    EXPECT_GE(db::as_int(r[6]), 7) << id;
    EXPECT_LE(db::as_int(r[6]), 90) << id;
    EXPECT_GE(db::as_int(r[7]), 1) << id;
    EXPECT_LE(db::as_int(r[7]), 4) << id;
    EXPECT_FALSE(db::as_text(r[8]).empty()) << id;
    EXPECT_TRUE(db::as_opt_text(r[9])) << id;
  }
  EXPECT_GE(kinds.size(), 4u);
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM risk_inspections WHERE findings = '' OR (near_miss = 1 AND "
                       "(near_miss_note IS NULL OR near_miss_note = '')) OR (near_miss = 0 AND near_miss_note IS NOT "
                       "NULL) OR inspected_by IS NULL"),
            0);
}

TEST_F(DemoGeneratorTest, RiskRatingsCoverEveryBandAndSomePointsAreOverdue) {
  std::map<std::string, int> bands;
  for (const auto& r : db_->query("SELECT likelihood, impact FROM risk_points").rows) {
    ++bands[std::string(
        risks::band_of(risks::rating_of(static_cast<int>(db::as_int(r[0])), static_cast<int>(db::as_int(r[1])))))];
  }
  for (auto band : risks::bands()) EXPECT_GT(bands[std::string(band)], 0) << band;
  const auto overdue = db_->count("SELECT COUNT(*) FROM risk_points WHERE next_inspection_due < $1", {kNow});
  EXPECT_GT(overdue, 0);
  EXPECT_LT(overdue, summary_->risk_points);
}

TEST_F(DemoGeneratorTest, RiskRatingHistoriesAreConsistent) {
  constexpr core::Millis kDay = 86'400'000;
  const auto points = db_->query(
      "SELECT id, likelihood, impact, last_inspected_at, next_inspection_due, inspection_interval_days, created_at, "
      "updated_at FROM risk_points ORDER BY id");
  for (const auto& p : points.rows) {
    const auto id = db::as_int(p[0]);
    const auto rs = db_->query(
        "SELECT inspected_at, likelihood, impact, previous_likelihood, previous_impact, created_at FROM "
        "risk_inspections WHERE risk_id = $1 ORDER BY inspected_at, id",
        {p[0]});
    ASSERT_FALSE(rs.empty()) << id;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const auto& r = rs.rows[i];
      EXPECT_GT(db::as_int(r[0]), db::as_int(p[6])) << id << " inspected before it was registered";
      EXPECT_LE(db::as_int(r[0]), db::as_int(r[5])) << id;
      EXPECT_LE(db::as_int(r[5]), kNow) << id;
      if (i > 0) {
        // Each inspection starts from the rating the one before left.
        EXPECT_LT(db::as_int(rs.rows[i - 1][0]), db::as_int(r[0])) << id;
        EXPECT_EQ(db::as_int(r[3]), db::as_int(rs.rows[i - 1][1])) << id;
        EXPECT_EQ(db::as_int(r[4]), db::as_int(rs.rows[i - 1][2])) << id;
      }
    }
    // The current rating and schedule are the latest inspection's.
    const auto& last = rs.rows.back();
    EXPECT_EQ(db::as_int(p[1]), db::as_int(last[1])) << id;
    EXPECT_EQ(db::as_int(p[2]), db::as_int(last[2])) << id;
    EXPECT_EQ(db::as_int(p[3]), db::as_int(last[0])) << id;
    EXPECT_EQ(db::as_int(p[4]), db::as_int(last[0]) + db::as_int(p[5]) * kDay) << id;
    EXPECT_EQ(db::as_int(p[7]), db::as_int(last[5])) << id;
  }
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM risk_inspections WHERE near_miss = 1"), 0);
  EXPECT_GT(db_->count("SELECT COUNT(*) FROM risk_inspections WHERE likelihood * impact <> previous_likelihood * "
                       "previous_impact"),
            0);
}

// ---- warnings

struct DemoWarning {
  std::int64_t id = 0, area_level = 0, current_level = 0;
  std::string status;
  int escalations = 0;
  bool exercise = false;
  std::vector<std::string> actions;
  std::vector<std::string> actors;  // usernames, "" for the system
};

std::map<std::string, DemoWarning> demo_warnings(DemoDatabase& d) {
  std::map<std::string, DemoWarning> out;
  for (const auto& r : d.query("SELECT w.id, w.level, w.status, w.escalations, w.exercise, a.level, c.level FROM "
                               "warnings w JOIN areas a ON a.id = w.area_id JOIN areas c ON c.id = w.current_area_id")
                           .rows) {
    DemoWarning w;
    w.id = db::as_int(r[0]);
    w.status = db::as_text(r[2]);
    w.escalations = static_cast<int>(db::as_int(r[3]));
    w.exercise = db::as_int(r[4]) != 0;
    w.area_level = db::as_int(r[5]);
    w.current_level = db::as_int(r[6]);
    for (const auto& e : d.query("SELECT e.action, COALESCE(u.username, '') FROM warning_events e LEFT JOIN users u "
                                 "ON u.id = e.by_user WHERE e.warning_id = $1 ORDER BY e.id",
                                 {r[0]})
                             .rows) {
      w.actions.push_back(db::as_text(e[0]));
      w.actors.push_back(db::as_text(e[1]));
    }
    out[(w.exercise ? "drill-" : "") + db::as_text(r[1])] = std::move(w);
  }
  return out;
}

TEST_F(DemoGeneratorTest, OutbreakWarningsFollowTheLifecycle) {
  EXPECT_EQ(summary_->warnings, db_->count("SELECT COUNT(*) FROM warnings"));
  auto w = demo_warnings(*db_);
  ASSERT_EQ(w.size(), 4u);
  using V = std::vector<std::string>;
  // Orange on the grid of the first case: acknowledged and handled by its grid worker.
  ASSERT_TRUE(w.contains("orange"));
  EXPECT_EQ(w["orange"].area_level, 3);
  EXPECT_EQ(w["orange"].status, "handled");
  EXPECT_EQ(w["orange"].actions, (V{"issued", "acknowledged", "handled"}));
  EXPECT_EQ(w["orange"].actors[0], "community");
  EXPECT_EQ(w["orange"].actors[1], w["orange"].actors[2]);
  EXPECT_EQ(w["orange"].escalations, 0);
  // Yellow on the community: never acknowledged, escalated once to the street by the system.
  ASSERT_TRUE(w.contains("yellow"));
  EXPECT_EQ(w["yellow"].area_level, 2);
  EXPECT_EQ(w["yellow"].current_level, 1);
  EXPECT_EQ(w["yellow"].status, "issued");
  EXPECT_EQ(w["yellow"].escalations, 1);
  EXPECT_EQ(w["yellow"].actions, (V{"issued", "escalated"}));
  EXPECT_EQ(w["yellow"].actors, (V{"street", ""}));
  // Blue, closed; the drill, closed too.
  EXPECT_EQ(w["blue"].status, "closed");
  EXPECT_EQ(w["blue"].actions, (V{"issued", "acknowledged", "handled", "closed"}));
  ASSERT_TRUE(w.contains("drill-red"));
  EXPECT_TRUE(w["drill-red"].exercise);
  EXPECT_EQ(w["drill-red"].status, "closed");
  EXPECT_EQ(w["drill-red"].actions, (V{"issued", "acknowledged", "handled", "closed"}));
  EXPECT_EQ(w["drill-red"].actors[1], "grid2");
  // The columns agree with the history.
  const auto rs = db_->query(
      "SELECT w.id, w.status, w.sent_at, w.acknowledged_at, w.handled_at, w.closed_at, w.escalated_at, w.escalate_at, "
      "w.ack_due_at, w.updated_at, w.created_at, w.identifier, "
      "(SELECT MAX(e.at) FROM warning_events e WHERE e.warning_id = w.id), "
      "(SELECT at FROM warning_events e WHERE e.warning_id = w.id AND e.action = 'escalated') FROM warnings w");
  const auto node = db::as_text(db_->query("SELECT value FROM settings WHERE key = 'warning_node_id'").rows.at(0)[0]);
  for (const auto& r : rs.rows) {
    const auto id = db::as_int(r[0]);
    const auto status = db::as_text(r[1]);
    EXPECT_EQ(db::as_text(r[11]), "firstline-" + node + "-" + std::to_string(id));
    EXPECT_EQ(db::as_int(r[2]), db::as_int(r[10])) << id;
    EXPECT_EQ(db::is_null(r[3]), status == "issued") << id;
    EXPECT_EQ(db::is_null(r[4]), status == "issued" || status == "acknowledged") << id;
    EXPECT_EQ(db::is_null(r[5]), status != "closed") << id;
    EXPECT_EQ(db::as_int(r[9]), db::as_int(r[12])) << id << ": updated_at is the last step";
    EXPECT_LE(db::as_int(r[9]), kNow) << id;
    if (status == "issued") {
      // Escalated when its deadline passed; the next deadline (at the street) is still ahead.
      EXPECT_EQ(db::as_int(r[6]), db::as_int(r[13])) << id;
      EXPECT_GE(db::as_int(r[6]), db::as_int(r[2]) + 120 * 60'000) << id;
      EXPECT_GT(db::as_int(r[8]), kNow) << id;
      EXPECT_EQ(db::as_int(r[7]), db::as_int(r[8])) << id;
    } else {
      EXPECT_TRUE(db::is_null(r[7])) << id;
      EXPECT_TRUE(db::is_null(r[6])) << id;
      EXPECT_LE(db::as_int(r[3]), db::as_int(r[8])) << id << " acknowledged late";
    }
  }
  // Steps in time order.
  EXPECT_EQ(db_->count("SELECT COUNT(*) FROM warning_events a JOIN warning_events b ON b.warning_id = a.warning_id "
                       "AND b.id > a.id WHERE b.at < a.at"),
            0);
}

TEST_F(DemoGeneratorTest, WritesOneAuditEntry) {
  const auto rs = db_->query("SELECT username, entity_id, detail FROM audit_log WHERE action = 'demo' AND entity = 'district'");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(db::as_text(rs.rows[0][0]), "admin");
  EXPECT_NE(db::as_text(rs.rows[0][2]).find("residents=" + std::to_string(summary_->residents)), std::string::npos);
}

}  // namespace
}  // namespace firstline::demo
