// The risk registry through the real server, on SQLite and PostgreSQL: CRUD
// and validation, ratings, bands and the matrix, inspections re-rating a
// point and restarting its schedule, overdue points on fake time, inspection
// photos, and scope.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "risks/risk.hpp"
#include "risks/risk_store.hpp"
#include "test_support.hpp"

namespace firstline::risks {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::Seed;

constexpr core::Millis kDay = 24LL * 60 * 60 * 1000;

using testing::parse;

std::string str(const json::value& v) { return std::string(v.as_string()); }

// A 1×1 transparent PNG.
std::string tiny_png() {
  static const unsigned char bytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
      0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
      0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

TEST(RiskRating, BandsFollowTheStandardFiveByFiveMatrix) {
  EXPECT_EQ(band_of(rating_of(1, 1)), "low");
  EXPECT_EQ(band_of(rating_of(2, 2)), "low");
  EXPECT_EQ(band_of(rating_of(1, 4)), "low");
  EXPECT_EQ(band_of(rating_of(1, 5)), "medium");
  EXPECT_EQ(band_of(rating_of(3, 3)), "medium");
  EXPECT_EQ(band_of(rating_of(2, 5)), "high");
  EXPECT_EQ(band_of(rating_of(4, 4)), "high");
  EXPECT_EQ(band_of(rating_of(4, 5)), "critical");
  EXPECT_EQ(band_of(rating_of(5, 5)), "critical");
  // Every product of the matrix falls into the band whose range holds it.
  for (int l = 1; l <= 5; ++l) {
    for (int i = 1; i <= 5; ++i) {
      auto [lo, hi] = band_range(band_of(l * i));
      EXPECT_LE(lo, l * i);
      EXPECT_GE(hi, l * i);
    }
  }
}

TEST(RiskPhotos, SniffsJpegAndPngByTheirSignature) {
  EXPECT_EQ(sniff_image_type(tiny_png()), "image/png");
  EXPECT_EQ(sniff_image_type(std::string("\xFF\xD8\xFF\xE0rest", 8)), "image/jpeg");
  EXPECT_FALSE(sniff_image_type("GIF89a"));
  EXPECT_FALSE(sniff_image_type(std::string("\x89PNG", 4)));  // truncated signature
  EXPECT_FALSE(sniff_image_type(""));
}

TEST(RiskPhotos, Base64RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (std::size_t n = 0; n <= 5; ++n) EXPECT_EQ(base64_decode(base64_encode(all.substr(0, n))), all.substr(0, n));
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm=v"));
}

class RiskApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }

  testing::HttpResponse create(std::int64_t area, int likelihood, int impact, const std::string& extra = "",
                               const std::string& tok = "") {
    return server_->post("/api/v1/risks",
                         R"({"area_id":)" + std::to_string(area) + R"(,"name":"老旧楼房)" + std::to_string(++made_) +
                             R"(","kind":"old_building","likelihood":)" + std::to_string(likelihood) + R"(,"impact":)" +
                             std::to_string(impact) + extra + "}",
                         tok.empty() ? admin_ : tok);
  }
  std::int64_t create_id(std::int64_t area, int likelihood, int impact, const std::string& extra = "") {
    auto r = create(area, likelihood, impact, extra);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body).at("id").as_int64();
  }
  // Sessions expire on the same fake clock, so the administrator signs in again.
  void advance(core::Millis ms) {
    clock_.advance(ms);
    admin_ = token("admin");
  }
  std::string risk_url(std::int64_t id) { return "/api/v1/risks/" + std::to_string(id); }
  json::value get_point(std::int64_t id) {
    auto r = server_->get(risk_url(id), admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  std::int64_t inspect(std::int64_t id, int likelihood, int impact, const std::string& extra = "") {
    auto r = server_->post(risk_url(id) + "/inspections",
                           R"({"findings":"墙体裂缝","likelihood":)" + std::to_string(likelihood) + R"(,"impact":)" +
                               std::to_string(impact) + extra + "}",
                           admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body).at("id").as_int64();
  }
  void expect_invalid(const testing::HttpResponse& r, const std::string& field) {
    EXPECT_EQ(r.status, 422) << r.body;
    auto v = parse(r.body);
    if (v.is_object() && v.as_object().contains("error")) {
      EXPECT_EQ(str(v.at("error").at("field")), field) << r.body;
    }
  }

  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_;
  int made_ = 0;
};

TEST_P(RiskApi, CreatesReadsUpdatesAndSoftDeletesAPoint) {
  auto r = create(seed_.g1, 3, 4,
                  R"(,"latitude":39.9,"longitude":116.4,"description":"六层砖混","owner_name":"张工",)"
                  R"("owner_phone":"13800000000","inspection_interval_days":14)");
  ASSERT_EQ(r.status, 201) << r.body;
  auto p = parse(r.body);
  const auto id = p.at("id").as_int64();
  EXPECT_EQ(p.at("area_id").as_int64(), seed_.g1);
  EXPECT_EQ(str(p.at("kind")), "old_building");
  EXPECT_EQ(p.at("rating").as_int64(), 12);
  EXPECT_EQ(str(p.at("band")), "high");
  EXPECT_DOUBLE_EQ(p.at("latitude").as_double(), 39.9);
  EXPECT_TRUE(p.at("polygon").is_null());
  EXPECT_EQ(str(p.at("owner_name")), "张工");
  EXPECT_EQ(str(p.at("next_inspection_due")), "2026-12-09T08:00:00.000Z");
  EXPECT_FALSE(p.at("overdue").as_bool());

  EXPECT_EQ(str(get_point(id).at("description")), "六层砖混");

  auto polygon = R"({"type":"Polygon","coordinates":[[[116.4,39.9],[116.5,39.9],[116.5,40.0],[116.4,39.9]]]})";
  r = server_->patch(risk_url(id),
                     std::string(R"({"name":"3号楼","kind":"fire","impact":5,"latitude":null,"longitude":null,)") +
                         R"("polygon":)" + polygon + R"(,"owner_phone":null})",
                     admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  p = parse(r.body);
  EXPECT_EQ(str(p.at("name")), "3号楼");
  EXPECT_EQ(str(p.at("kind")), "fire");
  EXPECT_EQ(p.at("rating").as_int64(), 15);
  EXPECT_TRUE(p.at("latitude").is_null());
  EXPECT_EQ(str(p.at("polygon").at("type")), "Polygon");
  EXPECT_TRUE(p.at("owner_phone").is_null());
  EXPECT_EQ(str(p.at("owner_name")), "张工");

  EXPECT_EQ(server_->del(risk_url(id), admin_).status, 204);
  EXPECT_EQ(server_->get(risk_url(id), admin_).status, 404);
  EXPECT_EQ(server_->del(risk_url(id), admin_).status, 404);
  auto list = parse(server_->get("/api/v1/risks", admin_).body);
  EXPECT_EQ(list.at("items").as_array().size(), 0u);

  // Every write is in the audit log.
  auto conn = server_->app().database().acquire();
  auto n = db::as_int(*conn->query_value("SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_point'"));
  EXPECT_EQ(n, 3);
}

TEST_P(RiskApi, ValidationNamesTheField) {
  expect_invalid(create(seed_.g1, 6, 3), "likelihood");
  expect_invalid(create(seed_.g1, 3, 0), "impact");
  expect_invalid(create(999999, 3, 3), "area_id");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"latitude":39.9)"), "longitude");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"latitude":95,"longitude":116)"), "latitude");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"inspection_interval_days":0)"), "inspection_interval_days");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"owner_phone":"call me")"), "owner_phone");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"owner_user_id":999999)"), "owner_user_id");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"polygon":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2]]]})"),
                 "polygon");
  expect_invalid(create(seed_.g1, 3, 3, R"(,"polygon":"not an object")"), "polygon");
  expect_invalid(server_->post("/api/v1/risks",
                               R"({"area_id":)" + std::to_string(seed_.g1) +
                                   R"(,"name":"x","kind":"volcano","likelihood":1,"impact":1})",
                               admin_),
                 "kind");
  expect_invalid(
      server_->post("/api/v1/risks",
                    R"({"area_id":)" + std::to_string(seed_.g1) + R"(,"kind":"gas","likelihood":1,"impact":1})",
                    admin_),
      "name");
  auto unknown = create(seed_.g1, 3, 3, R"(,"colour":"red")");
  EXPECT_EQ(unknown.status, 400) << unknown.body;

  const auto id = create_id(seed_.g1, 2, 2);
  expect_invalid(server_->patch(risk_url(id), R"({"likelihood":9})", admin_), "likelihood");
  expect_invalid(server_->post(risk_url(id) + "/inspections", R"({"findings":"ok","likelihood":2})", admin_), "impact");
  expect_invalid(server_->post(risk_url(id) + "/inspections",
                               R"({"findings":"ok","likelihood":2,"impact":2,"near_miss":true})", admin_),
                 "near_miss_note");
  expect_invalid(
      server_->post(risk_url(id) + "/inspections",
                    R"({"findings":"ok","likelihood":2,"impact":2,"inspected_at":"2027-01-01T00:00:00Z"})", admin_),
      "inspected_at");
  expect_invalid(server_->get("/api/v1/risks?band=severe", admin_), "band");
  expect_invalid(server_->get("/api/v1/risks?overdue=maybe", admin_), "overdue");
  EXPECT_EQ(server_->get("/api/v1/risks/abc", admin_).status, 404);
}

TEST_P(RiskApi, RatingsFallIntoBandsAndTheMatrixCountsEachCell) {
  const std::vector<std::pair<int, int>> cells = {{1, 4}, {1, 5}, {3, 3}, {3, 3}, {2, 5}, {4, 4}, {4, 5}, {5, 5}};
  const std::vector<std::string> bands = {"low", "medium", "medium", "medium", "high", "high", "critical", "critical"};
  for (std::size_t k = 0; k < cells.size(); ++k) {
    auto r = create(k < 6 ? seed_.g1 : seed_.g3, cells[k].first, cells[k].second);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(str(parse(r.body).at("band")), bands[k]) << k;
  }
  auto m = parse(server_->get("/api/v1/risks/matrix", admin_).body);
  EXPECT_EQ(m.at("total").as_int64(), 8);
  EXPECT_EQ(m.at("cells").as_array().size(), 25u);
  for (const auto& c : m.at("cells").as_array()) {
    const int l = static_cast<int>(c.at("likelihood").as_int64()), i = static_cast<int>(c.at("impact").as_int64());
    const auto expected = std::count(cells.begin(), cells.end(), std::make_pair(l, i));
    EXPECT_EQ(c.at("count").as_int64(), expected) << l << "x" << i;
    EXPECT_EQ(c.at("rating").as_int64(), l * i);
    EXPECT_EQ(str(c.at("band")), band_of(l * i));
  }
  EXPECT_EQ(m.at("bands").at("low").as_int64(), 1);
  EXPECT_EQ(m.at("bands").at("medium").as_int64(), 3);
  EXPECT_EQ(m.at("bands").at("high").as_int64(), 2);
  EXPECT_EQ(m.at("bands").at("critical").as_int64(), 2);

  // Under community 1 only the first six points count.
  m = parse(server_->get("/api/v1/risks/matrix?area_id=" + std::to_string(seed_.community1), admin_).body);
  EXPECT_EQ(m.at("total").as_int64(), 6);
  EXPECT_EQ(m.at("bands").at("critical").as_int64(), 0);

  // The list filters by band, kind and area subtree.
  auto list = parse(server_->get("/api/v1/risks?band=medium", admin_).body);
  EXPECT_EQ(list.at("items").as_array().size(), 3u);
  list = parse(server_->get("/api/v1/risks?band=critical&area_id=" + std::to_string(seed_.street2), admin_).body);
  EXPECT_EQ(list.at("items").as_array().size(), 2u);
  list = parse(server_->get("/api/v1/risks?likelihood=3&impact=3", admin_).body);
  EXPECT_EQ(list.at("items").as_array().size(), 2u);  // one cell of the matrix
  expect_invalid(server_->get("/api/v1/risks?impact=7", admin_), "impact");
  list = parse(server_->get("/api/v1/risks?kind=gas", admin_).body);
  EXPECT_EQ(list.at("items").as_array().size(), 0u);

  // Paging by id.
  auto page = parse(server_->get("/api/v1/risks?limit=5", admin_).body);
  ASSERT_EQ(page.at("items").as_array().size(), 5u);
  ASSERT_TRUE(page.at("next").is_string());
  page = parse(server_->get("/api/v1/risks?limit=5&cursor=" + str(page.at("next")), admin_).body);
  EXPECT_EQ(page.at("items").as_array().size(), 3u);
  EXPECT_TRUE(page.at("next").is_null());
}

TEST_P(RiskApi, AnInspectionSetsTheRatingAndRestartsTheSchedule) {
  const auto id = create_id(seed_.g1, 4, 5, R"(,"inspection_interval_days":7)");
  EXPECT_EQ(str(get_point(id).at("next_inspection_due")), "2026-12-02T08:00:00.000Z");
  advance(3 * kDay);
  const auto iid = inspect(id, 2, 3, R"(,"near_miss":true,"near_miss_note":"煤气味")");
  auto p = get_point(id);
  EXPECT_EQ(p.at("likelihood").as_int64(), 2);
  EXPECT_EQ(p.at("impact").as_int64(), 3);
  EXPECT_EQ(str(p.at("band")), "medium");
  EXPECT_EQ(str(p.at("last_inspected_at")), "2026-11-28T08:00:00.000Z");
  EXPECT_EQ(str(p.at("next_inspection_due")), "2026-12-05T08:00:00.000Z");
  EXPECT_EQ(p.at("inspections").as_int64(), 1);

  // A back-dated inspection joins the history but leaves the current rating.
  inspect(id, 5, 5, R"(,"inspected_at":"2026-11-26T08:00:00Z")");
  p = get_point(id);
  EXPECT_EQ(p.at("rating").as_int64(), 6);
  EXPECT_EQ(str(p.at("next_inspection_due")), "2026-12-05T08:00:00.000Z");

  auto r = server_->get(risk_url(id) + "/inspections", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto items = parse(r.body).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("id").as_int64(), iid);  // newest inspected first
  EXPECT_EQ(items[0].at("previous_rating").as_int64(), 20);
  EXPECT_EQ(items[0].at("rating").as_int64(), 6);
  EXPECT_TRUE(items[0].at("near_miss").as_bool());
  EXPECT_EQ(str(items[0].at("near_miss_note")), "煤气味");
  EXPECT_EQ(str(items[0].at("inspected_by_name")), "admin");
  EXPECT_EQ(str(items[1].at("inspected_at")), "2026-11-26T08:00:00.000Z");
}

TEST_P(RiskApi, APointIsOverdueOnceItsInspectionFallsDue) {
  const auto id = create_id(seed_.g1, 3, 3, R"(,"inspection_interval_days":7)");
  create_id(seed_.g1, 1, 1, R"(,"inspection_interval_days":30)");
  EXPECT_FALSE(get_point(id).at("overdue").as_bool());
  advance(7 * kDay);
  EXPECT_FALSE(get_point(id).at("overdue").as_bool());  // due now: not yet overdue
  advance(1);
  EXPECT_TRUE(get_point(id).at("overdue").as_bool());
  auto list = parse(server_->get("/api/v1/risks?overdue=true", admin_).body).at("items").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("id").as_int64(), id);
  EXPECT_EQ(parse(server_->get("/api/v1/risks?overdue=false", admin_).body).at("items").as_array().size(), 1u);
  EXPECT_EQ(parse(server_->get("/api/v1/risks/matrix", admin_).body).at("overdue").as_int64(), 1);

  inspect(id, 3, 3);
  EXPECT_FALSE(get_point(id).at("overdue").as_bool());
  EXPECT_EQ(parse(server_->get("/api/v1/risks/matrix", admin_).body).at("overdue").as_int64(), 0);
}

TEST_P(RiskApi, PhotosAreTypeCheckedSizeLimitedAndServedBackIdentical) {
  const auto id = create_id(seed_.g1, 3, 3);
  const auto iid = inspect(id, 2, 2);
  const auto url = risk_url(id) + "/inspections/" + std::to_string(iid) + "/photos";
  const auto png = tiny_png();

  auto r = server_->post(url, png, admin_, "image/png");
  ASSERT_EQ(r.status, 201) << r.body;
  auto ph = parse(r.body);
  EXPECT_EQ(str(ph.at("content_type")), "image/png");
  EXPECT_EQ(ph.at("size").as_int64(), static_cast<std::int64_t>(png.size()));
  const auto photo_url = str(ph.at("url"));

  auto got = server_->get(photo_url, admin_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.headers["content-type"], "image/png");
  EXPECT_EQ(got.body, png);

  auto list = parse(server_->get(risk_url(id) + "/inspections", admin_).body);
  EXPECT_EQ(list.at("items").at(0).at("photos").as_array().size(), 1u);

  // The signature decides, not the header.
  expect_invalid(server_->post(url, "GIF89a not a photo", admin_, "image/png"), "body");
  expect_invalid(server_->post(url, png, admin_, "image/jpeg"), "body");
  expect_invalid(server_->post(url, "", admin_, "image/png"), "body");
  r = server_->post(url, png, admin_, "text/plain");
  EXPECT_EQ(r.status, 415) << r.body;
  r = server_->post(url, png, admin_, "multipart/form-data; boundary=x");
  EXPECT_EQ(r.status, 415) << r.body;
  // One byte over 5 MiB, with a valid signature: 413 with the JSON error.
  std::string big = png;
  big.resize(kMaxPhotoBytes + 1, '\0');
  r = server_->post(url, big, admin_, "image/png");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(str(parse(r.body).at("error").at("code")), "payload_too_large");
  // Exactly 5 MiB is accepted.
  big.resize(kMaxPhotoBytes);
  r = server_->post(url, big, admin_, "image/png");
  EXPECT_EQ(r.status, 201) << r.body.substr(0, 200);
  got = server_->get(str(parse(r.body).at("url")), admin_);
  EXPECT_EQ(got.body.size(), kMaxPhotoBytes);
  EXPECT_TRUE(got.body == big);

  EXPECT_EQ(server_->post(risk_url(id) + "/inspections/999999/photos", png, admin_, "image/png").status, 404);
  EXPECT_EQ(server_->get(url + "/999999", admin_).status, 404);

  auto conn = server_->app().database().acquire();
  EXPECT_EQ(db::as_int(*conn->query_value("SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_photo'")), 2);
}

TEST_P(RiskApi, AGridWorkerKeepsOnlyTheirOwnGridsPoints) {
  const auto id = create_id(seed_.g1, 3, 3);
  const auto iid = inspect(id, 3, 3);
  const auto gw1 = token("gw1"), gw2 = token("gw2"), volunteer = token("volunteer");

  EXPECT_EQ(server_->patch(risk_url(id), R"({"likelihood":1})", gw2).status, 403);
  EXPECT_EQ(server_->del(risk_url(id), gw2).status, 403);
  EXPECT_EQ(server_->post(risk_url(id) + "/inspections", R"({"findings":"x","likelihood":1,"impact":1})", gw2).status,
            403);
  EXPECT_EQ(
      server_->post(risk_url(id) + "/inspections/" + std::to_string(iid) + "/photos", tiny_png(), gw2, "image/png")
          .status,
      403);
  EXPECT_EQ(server_->get(risk_url(id), gw2).status, 403);
  EXPECT_EQ(create(seed_.g1, 2, 2, "", gw2).status, 403);
  EXPECT_EQ(parse(server_->get("/api/v1/risks", gw2).body).at("items").as_array().size(), 0u);
  EXPECT_EQ(parse(server_->get("/api/v1/risks/matrix", gw2).body).at("total").as_int64(), 0);

  EXPECT_EQ(create(seed_.g2, 2, 2, "", gw2).status, 201);
  EXPECT_EQ(server_->patch(risk_url(id), R"({"likelihood":1})", gw1).status, 200);
  EXPECT_EQ(server_->post(risk_url(id) + "/inspections", R"({"findings":"x","likelihood":1,"impact":1})", gw1).status,
            201);

  // A volunteer reads the community's points and changes none.
  EXPECT_EQ(server_->get(risk_url(id), volunteer).status, 200);
  EXPECT_EQ(parse(server_->get("/api/v1/risks", volunteer).body).at("items").as_array().size(), 2u);
  EXPECT_EQ(server_->patch(risk_url(id), R"({"likelihood":2})", volunteer).status, 403);
  EXPECT_EQ(create(seed_.g1, 2, 2, "", volunteer).status, 403);

  // Moving a point: manage_risks on both areas. gw1 may not hand it to g2;
  // the community's staff may, and gw2 then keeps it.
  EXPECT_EQ(server_->patch(risk_url(id), R"({"area_id":)" + std::to_string(seed_.g2) + "}", gw1).status, 403);
  auto bad = server_->patch(risk_url(id), R"({"area_id":999999})", token("staff"));
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(parse(bad.body).at("error").at("field").as_string(), "area_id");
  auto moved = server_->patch(risk_url(id), R"({"area_id":)" + std::to_string(seed_.g2) + "}", token("staff"));
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(parse(moved.body).at("area_id").as_int64(), seed_.g2);
  EXPECT_EQ(server_->get(risk_url(id), gw2).status, 200);
  EXPECT_EQ(server_->get(risk_url(id), gw1).status, 403);

  // A resident reads nothing.
  auto resident = token("resident");
  EXPECT_EQ(server_->get("/api/v1/risks", resident).status, 403);
  EXPECT_EQ(server_->get(risk_url(id), resident).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, RiskApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::risks
