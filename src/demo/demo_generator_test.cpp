// Tests of the demo generator at community scale (12 grids, ~10 k residents)
// on temporary SQLite files: determinism, valid identity numbers and area
// codes, grid polygons, household sizes, the age pyramid, the accounts, and
// the places and two weeks of scans of the movement module.
#include "demo/demo_generator.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/schema.hpp"
#include "areas/area.hpp"
#include "core/area_code.hpp"
#include "core/identity.hpp"
#include "db/migrations.hpp"
#include "movement/movement.hpp"

namespace firstline::demo {
namespace {

constexpr core::Millis kNow = 1'764'072'000'000;  // 2025-11-25T12:00:00Z
const std::string kPassword = "demo-password-1";

/// A migrated SQLite database in a temporary file, removed afterwards.
class DemoDatabase {
 public:
  explicit DemoDatabase(const std::string& tag)
      : path_(std::filesystem::temp_directory_path() /
              ("firstline_demo_" + tag + "_" + std::to_string(::getpid()) + ".db")),
        clock_(kNow) {
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
}

TEST_F(DemoGeneratorTest, WritesOneAuditEntry) {
  const auto rs = db_->query("SELECT username, entity_id, detail FROM audit_log WHERE action = 'demo' AND entity = 'district'");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(db::as_text(rs.rows[0][0]), "admin");
  EXPECT_NE(db::as_text(rs.rows[0][2]).find("residents=" + std::to_string(summary_->residents)), std::string::npos);
}

}  // namespace
}  // namespace firstline::demo
