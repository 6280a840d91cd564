// Places, scans, occupancy, flows, screening and retention through the real
// server, on SQLite and PostgreSQL.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

namespace firstline::movement {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::Seed;

using testing::parse;

class MovementApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
    place_g1_ = create_place("阳光社区东门", "checkpoint", seed_.g1);
    place_g2_ = create_place("便民超市", "shop", seed_.g2);
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }
  std::int64_t create_place(const std::string& name, const std::string& kind, std::int64_t area) {
    auto r = server_->post("/api/v1/places",
                           R"({"name":")" + name + R"(","kind":")" + kind + R"(","area_id":)" + std::to_string(area) + "}",
                           admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body).at("id").as_int64();
  }
  std::string scan(const std::string& event, std::int64_t person, std::int64_t place, const std::string& ts,
                   const char* direction = "in") {
    return R"({"client_event_id":")" + event + R"(","person_id":)" + std::to_string(person) + R"(,"place_id":)" +
           std::to_string(place) + R"(,"ts":")" + ts + R"(","direction":")" + direction + R"("})";
  }
  testing::HttpResponse post_scans(const std::vector<std::string>& scans, const std::string& tok) {
    std::string body = R"({"scans":[)";
    for (size_t i = 0; i < scans.size(); ++i) body += (i ? "," : "") + scans[i];
    return server_->post("/api/v1/scans", body + "]}", tok);
  }
  std::int64_t scan_count() {
    auto conn = server_->app().database().acquire();
    return db::as_int(*conn->query_value("SELECT COUNT(*) FROM scans"));
  }

  // 2026-11-25 16:00 in Beijing.
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_;
  std::int64_t place_g1_ = 0, place_g2_ = 0;
};

TEST_P(MovementApi, PlacesHaveTheContractShapeAndFollowScope) {
  auto list = parse(server_->get("/api/v1/places?area_id=" + std::to_string(seed_.community1), admin_).body);
  ASSERT_EQ(list.at("items").as_array().size(), 2u);
  const auto& p = list.at("items").at(0).as_object();
  for (const char* key : {"id", "name", "kind", "area_id", "code"}) EXPECT_TRUE(p.contains(key)) << key;
  EXPECT_EQ(p.at("kind").as_string(), "checkpoint");
  // A grid worker adds places in their own grid only.
  const auto gw1 = token("gw1");
  EXPECT_EQ(server_->post("/api/v1/places", R"({"name":"药店","kind":"pharmacy","area_id":)" + std::to_string(seed_.g2) + "}", gw1).status, 403);
  EXPECT_EQ(server_->post("/api/v1/places", R"({"name":"药店","kind":"pharmacy","area_id":)" + std::to_string(seed_.g1) + "}", gw1).status, 201);
  auto bad_kind = server_->post("/api/v1/places", R"({"name":"x","kind":"castle","area_id":)" + std::to_string(seed_.g1) + "}", gw1);
  EXPECT_EQ(bad_kind.status, 422);
  EXPECT_EQ(parse(bad_kind.body).at("error").at("field").as_string(), "kind");
  EXPECT_EQ(server_->post("/api/v1/places", R"({"name":"x","kind":"shop","area_id":)" + std::to_string(seed_.community1) + "}", admin_).status, 422);
  auto gw1_list = parse(server_->get("/api/v1/places", gw1).body);
  for (const auto& item : gw1_list.at("items").as_array()) EXPECT_EQ(item.at("area_id").as_int64(), seed_.g1);
}

TEST_P(MovementApi, BatchIngestAcceptsValidScansAndRejectsEachBadOneAlone) {
  auto r = post_scans({scan("e1", seed_.r1_head, place_g1_, "2026-11-25T15:00:00+08:00"),
                       scan("e2", seed_.r2_head, place_g1_, "2026-11-25T15:05:00+08:00"),
                       R"({"client_event_id":"e3","person_id":)" + std::to_string(seed_.r1_other) + R"(,"place_id":)" +
                           std::to_string(place_g2_) + R"(,"ts":1795590000,"direction":"out","temperature":36.6})",
                       scan("e4", seed_.r1_head, 999999, "2026-11-25T15:00:00+08:00"),
                       scan("e5", seed_.r1_head, place_g1_, "2026-11-26T15:00:00+08:00"),
                       R"("not an object")",
                       scan("e7", 999999, place_g1_, "2026-11-25T15:00:00+08:00"),
                       R"({"client_event_id":"e8","person_id":1,"place_id":1,"ts":"2026-11-25T15:00:00+08:00","direction":"sideways"})"},
                      token("staff"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(v.at("accepted").as_int64(), 3);
  EXPECT_EQ(v.at("duplicates").as_int64(), 0);
  std::vector<std::int64_t> rejected;
  for (const auto& x : v.at("rejected").as_array()) rejected.push_back(x.at("index").as_int64());
  EXPECT_EQ(rejected, (std::vector<std::int64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(v.at("rejected").at(0).at("code").as_string(), "not_found");
  EXPECT_EQ(v.at("rejected").at(1).at("code").as_string(), "invalid");
  EXPECT_EQ(scan_count(), 3);
}

TEST_P(MovementApi, RetriesNeverCountTwice) {
  const std::vector<std::string> batch = {scan("r1", seed_.r1_head, place_g1_, "2026-11-25T09:00:00+08:00"),
                                          scan("r2", seed_.r1_head, place_g1_, "2026-11-25T10:00:00+08:00", "out"),
                                          scan("r2", seed_.r1_head, place_g1_, "2026-11-25T10:00:00+08:00", "out")};
  auto first = parse(post_scans(batch, admin_).body);
  EXPECT_EQ(first.at("accepted").as_int64(), 2);
  EXPECT_EQ(first.at("duplicates").as_int64(), 1);  // the same event twice in one batch
  for (int retry = 0; retry < 3; ++retry) {
    auto again = parse(post_scans(batch, admin_).body);
    EXPECT_EQ(again.at("accepted").as_int64(), 0);
    EXPECT_EQ(again.at("duplicates").as_int64(), 3);
  }
  EXPECT_EQ(scan_count(), 2);
}

TEST_P(MovementApi, LargeBatchesCountDuplicatesExactly) {
  // Large batches are written with multi-row statements; a retry mixed with new scans still counts each once.
  std::vector<std::string> first, second;
  for (int i = 0; i < 130; ++i) first.push_back(scan("m" + std::to_string(i), seed_.r1_head, place_g1_, "2026-11-25T09:00:00+08:00"));
  for (int i = 100; i < 350; ++i) second.push_back(scan("m" + std::to_string(i), seed_.r2_head, place_g2_, "2026-11-25T10:00:00+08:00"));
  auto a = parse(post_scans(first, admin_).body);
  EXPECT_EQ(a.at("accepted").as_int64(), 130);
  auto b = parse(post_scans(second, admin_).body);
  EXPECT_EQ(b.at("accepted").as_int64(), 220);
  EXPECT_EQ(b.at("duplicates").as_int64(), 30);
  EXPECT_EQ(scan_count(), 350);
}

TEST_P(MovementApi, MalformedBatchesAre4xxAndStoreNothing) {
  const auto t = admin_;
  EXPECT_EQ(server_->post("/api/v1/scans", R"({"scans":[)", t).status, 400);
  EXPECT_EQ(server_->post("/api/v1/scans", R"({"scans":{}})", t).status, 400);
  EXPECT_EQ(server_->post("/api/v1/scans", R"({"scans":[],"extra":1})", t).status, 400);
  EXPECT_EQ(server_->post("/api/v1/scans", R"({"scans":[]})", t).status, 422);
  std::string big = R"({"scans":[)";
  for (int i = 0; i < 10001; ++i) big += std::string(i ? "," : "") + scan("b" + std::to_string(i), seed_.r1_head, place_g1_, "2026-11-25T09:00:00+08:00");
  auto too_many = server_->post("/api/v1/scans", big + "]}", t);
  EXPECT_EQ(too_many.status, 413);
  EXPECT_EQ(scan_count(), 0);
}

TEST_P(MovementApi, OccupancyCountsWhoIsInsideToday) {
  post_scans({scan("o1", seed_.r1_head, place_g1_, "2026-11-25T08:00:00+08:00"),
              scan("o2", seed_.r1_other, place_g1_, "2026-11-25T08:10:00+08:00"),
              scan("o3", seed_.r2_head, place_g1_, "2026-11-25T08:20:00+08:00"),
              scan("o4", seed_.r1_head, place_g1_, "2026-11-25T12:00:00+08:00", "out"),
              scan("o5", seed_.r2_head, place_g1_, "2026-11-24T20:00:00+08:00")},  // yesterday
             admin_);
  auto occ = server_->get("/api/v1/places/" + std::to_string(place_g1_) + "/occupancy", admin_);
  ASSERT_EQ(occ.status, 200) << occ.body;
  auto v = parse(occ.body);
  EXPECT_EQ(v.at("in_today").as_int64(), 3);
  EXPECT_EQ(v.at("out_today").as_int64(), 1);
  EXPECT_EQ(v.at("inside").as_int64(), 2);
  auto area = parse(server_->get("/api/v1/occupancy?area_id=" + std::to_string(seed_.community1), admin_).body);
  EXPECT_EQ(area.at("in_today").as_int64(), 3);
}

TEST_P(MovementApi, ResidentsScanOnlyAsThemselvesAndPlaceStaffOnlyAtTheirPlace) {
  const auto resident = token("resident");
  auto self = parse(post_scans({scan("s1", seed_.r1_head, place_g2_, "2026-11-25T15:00:00+08:00")}, resident).body);
  EXPECT_EQ(self.at("accepted").as_int64(), 1);
  auto other = parse(post_scans({scan("s2", seed_.r2_head, place_g2_, "2026-11-25T15:00:00+08:00")}, resident).body);
  EXPECT_EQ(other.at("rejected").at(0).at("code").as_string(), "forbidden");

  // The volunteer staffs the gate of grid 1.
  auto me = parse(server_->get("/api/v1/me", token("volunteer")).body);
  ASSERT_EQ(server_->patch("/api/v1/places/" + std::to_string(place_g1_),
                           R"({"staff_user_ids":[)" + std::to_string(me.at("id").as_int64()) + "]}", admin_).status, 200);
  const auto volunteer = token("volunteer");
  auto at_gate = parse(post_scans({scan("v1", seed_.r2_head, place_g1_, "2026-11-25T15:00:00+08:00")}, volunteer).body);
  EXPECT_EQ(at_gate.at("accepted").as_int64(), 1);
  auto elsewhere = parse(post_scans({scan("v2", seed_.r2_head, place_g2_, "2026-11-25T15:00:00+08:00")}, volunteer).body);
  EXPECT_EQ(elsewhere.at("rejected").at(0).at("code").as_string(), "forbidden");
  auto listed = parse(server_->get("/api/v1/scans", volunteer).body);
  ASSERT_EQ(listed.at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.at("items").at(0).at("place_id").as_int64(), place_g1_);
  EXPECT_EQ(server_->get("/api/v1/scans?place_id=" + std::to_string(place_g2_), volunteer).status, 403);
  EXPECT_EQ(server_->get("/api/v1/scans", token("district")).status, 403);  // movement is personal data
}

TEST_P(MovementApi, StaffRecordResidentsWithoutPhonesByIdentityNumber) {
  auto r = post_scans({R"({"client_event_id":"id1","visitor":{"name":"张伟","id_number":")" + seed_.r1_id_number +
                           R"("},"place_id":)" + std::to_string(place_g1_) +
                           R"(,"ts":"2026-11-25T15:00:00+08:00","direction":"in"})",
                       R"({"client_event_id":"id2","visitor":{"name":"外来人员","phone":"13911112222"},"place_id":)" +
                           std::to_string(place_g1_) + R"(,"ts":"2026-11-25T15:01:00+08:00","direction":"in"})"},
                      token("gw1"));
  ASSERT_EQ(parse(r.body).at("accepted").as_int64(), 2) << r.body;
  auto scans = parse(server_->get("/api/v1/scans?place_id=" + std::to_string(place_g1_), admin_).body);
  ASSERT_EQ(scans.at("items").as_array().size(), 2u);
  // Newest first: the visitor, then the resident recognised by number.
  EXPECT_TRUE(scans.at("items").at(0).at("person_id").is_null());
  EXPECT_EQ(scans.at("items").at(0).at("visitor_name").as_string(), "外来人员");
  EXPECT_EQ(scans.at("items").at(0).at("visitor_phone").as_string(), "139****2222");
  EXPECT_EQ(scans.at("items").at(1).at("person_id").as_int64(), seed_.r1_head);
  EXPECT_EQ(scans.at("items").at(1).at("person_name").as_string(), "张伟");
}

TEST_P(MovementApi, FlowsCountPeopleVisitingOtherGrids) {
  post_scans({scan("f1", seed_.r1_head, place_g2_, "2026-11-25T09:00:00+08:00"),
              scan("f2", seed_.r1_head, place_g2_, "2026-11-25T09:30:00+08:00", "out"),
              scan("f3", seed_.r1_other, place_g2_, "2026-11-25T10:00:00+08:00"),
              scan("f4", seed_.r2_head, place_g2_, "2026-11-25T10:00:00+08:00")},  // at home: no flow
             admin_);
  auto flows = parse(server_->get("/api/v1/flows?date=2026-11-25", admin_).body);
  EXPECT_EQ(flows.at("date").as_string(), "2026-11-25");
  ASSERT_EQ(flows.at("items").as_array().size(), 1u) << flows;
  const auto& f = flows.at("items").at(0);
  EXPECT_EQ(f.at("from_area_id").as_int64(), seed_.g1);
  EXPECT_EQ(f.at("to_area_id").as_int64(), seed_.g2);
  EXPECT_EQ(f.at("people").as_int64(), 2);
  EXPECT_EQ(f.at("scans").as_int64(), 3);
  auto community = parse(server_->get("/api/v1/flows?date=2026-11-25&level=community", admin_).body);
  EXPECT_TRUE(community.at("items").as_array().empty());  // both grids are in one community
  auto other_day = parse(server_->get("/api/v1/flows?date=2026-11-24", admin_).body);
  EXPECT_TRUE(other_day.at("items").as_array().empty());
}

TEST_P(MovementApi, ArrivalsFromRiskAreasEnterTheirGridWorkersQueue) {
  // r2 (home g2) and r1 (home g1) were seen in g2 yesterday, before it was marked.
  post_scans({scan("k0", seed_.r1_head, place_g2_, "2026-11-24T10:00:00+08:00")}, admin_);
  auto risk = server_->post("/api/v1/risk-areas",
                            R"({"code":"110105001001002","name":"第二网格","reason":"聚集性疫情","starts_at":"2026-11-20T00:00:00+08:00"})", admin_);
  ASSERT_EQ(risk.status, 201) << risk.body;
  EXPECT_EQ(server_->post("/api/v1/risk-areas", R"({"code":"4201","name":"武汉"})", token("gw1")).status, 403);
  ASSERT_EQ(server_->post("/api/v1/risk-areas", R"({"code":"4201","name":"武汉市"})", admin_).status, 201);
  post_scans({scan("k1", seed_.r1_head, place_g2_, "2026-11-25T15:00:00+08:00"),  // r1 again: no second item
              R"({"client_event_id":"k2","person_id":)" + std::to_string(seed_.r3_head) + R"(,"place_id":)" +
                  std::to_string(place_g1_) + R"(,"ts":"2026-11-25T15:10:00+08:00","direction":"in","came_from":"420106"})"},
             admin_);
  auto gw1 = parse(server_->get("/api/v1/screening?status=open", token("gw1")).body);
  ASSERT_EQ(gw1.at("items").as_array().size(), 1u) << gw1;
  EXPECT_EQ(gw1.at("items").at(0).at("person_id").as_int64(), seed_.r1_head);
  const auto item = std::to_string(gw1.at("items").at(0).at("id").as_int64());
  auto all = parse(server_->get("/api/v1/screening", admin_).body);
  EXPECT_EQ(all.at("items").as_array().size(), 2u);  // and r3 (home g3) declared Wuhan
  // Closing needs a follow-up; a grid worker of another grid cannot touch it.
  EXPECT_EQ(server_->patch("/api/v1/screening/" + item, R"({"status":"closed"})", token("gw1")).status, 422);
  EXPECT_EQ(server_->patch("/api/v1/screening/" + item, R"({"status":"verified"})", token("gw2")).status, 403);
  auto closed = server_->patch("/api/v1/screening/" + item, R"({"status":"closed","follow_up":"home_observation"})", token("gw1"));
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(parse(closed.body).at("status").as_string(), "closed");
  EXPECT_TRUE(parse(server_->get("/api/v1/screening?status=open", token("gw1")).body).at("items").as_array().empty());
}

TEST_P(MovementApi, ScansOlderThanTheRetentionPeriodArePurged) {
  post_scans({scan("p1", seed_.r1_head, place_g1_, "2026-11-20T09:00:00+08:00"),
              scan("p2", seed_.r1_head, place_g1_, "2026-11-25T09:00:00+08:00")},
             admin_);
  EXPECT_EQ(server_->app().movement().purge_expired_scans(), 0);
  clock_.advance(25LL * 86400000);  // 2026-12-20: the first scan is 30 days old
  EXPECT_EQ(server_->app().movement().purge_expired_scans(), 1);
  EXPECT_EQ(scan_count(), 1);
  admin_ = token("admin");  // the old session expired meanwhile
  auto audit = parse(server_->get("/api/v1/audit?action=purge", admin_).body);
  ASSERT_GE(audit.at("items").as_array().size(), 1u);
  EXPECT_NE(std::string(audit.at("items").at(0).at("detail").as_string()).find("deleted=1"), std::string::npos);
  // Scans older than the retention period are refused at ingest too.
  auto old = parse(post_scans({scan("p3", seed_.r1_head, place_g1_, "2026-11-01T09:00:00+08:00")}, admin_).body);
  EXPECT_EQ(old.at("rejected").at(0).at("field").as_string(), "ts");
}

TEST_P(MovementApi, TheSchedulerPurgesOnceAClockDay) {
  post_scans({scan("q1", seed_.r1_head, place_g1_, "2026-11-20T09:00:00+08:00")}, admin_);
  auto& movement = server_->app().movement();
  movement.start_scheduler(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(scan_count(), 1);  // the start-up purge found nothing old enough
  clock_.advance(30LL * 86400000);
  for (int i = 0; i < 200 && scan_count() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  movement.stop_scheduler();
  EXPECT_EQ(scan_count(), 0);
}

TEST_P(MovementApi, PostersEncodeTheScanPageAndVisitorsScanWithoutAccount) {
  auto place = parse(server_->get("/api/v1/places/" + std::to_string(place_g1_), admin_).body);
  const std::string code(place.at("code").as_string());
  auto svg = server_->get("/api/v1/places/" + std::to_string(place_g1_) + "/poster.svg", admin_);
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.headers["content-type"].rfind("image/svg+xml", 0), 0u);
  EXPECT_NE(svg.body.find(code), std::string::npos);
  auto pdf = server_->get("/api/v1/places/" + std::to_string(place_g1_) + "/poster.pdf", admin_);
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  EXPECT_EQ(server_->get("/api/v1/places/" + std::to_string(place_g2_) + "/poster.svg", token("gw1")).status, 403);

  auto pub = server_->get("/api/v1/public/places/" + code);
  ASSERT_EQ(pub.status, 200);
  EXPECT_EQ(parse(pub.body).at("name").as_string(), "阳光社区东门");
  auto visit = server_->post("/api/v1/public/scans",
                             R"({"place_code":")" + code +
                                 R"(","client_event_id":"v-1","direction":"in","visitor":{"name":"访客","phone":"13700001111"}})");
  ASSERT_EQ(visit.status, 200) << visit.body;
  EXPECT_EQ(parse(visit.body).at("accepted").as_int64(), 1);
  auto no_phone = server_->post("/api/v1/public/scans",
                                R"({"place_code":")" + code + R"(","client_event_id":"v-2","direction":"in","visitor":{"name":"访客"}})");
  EXPECT_EQ(no_phone.status, 422);
  EXPECT_EQ(parse(no_phone.body).at("error").at("field").as_string(), "visitor.phone");
  auto no_name = server_->post("/api/v1/public/scans",
                               R"({"place_code":")" + code + R"(","client_event_id":"v-3","direction":"in","visitor":{"name":"","phone":"13700001111"}})");
  EXPECT_EQ(no_name.status, 422);
  EXPECT_EQ(parse(no_name.body).at("error").at("field").as_string(), "visitor.name");
  EXPECT_EQ(server_->get("/api/v1/public/places/NOPE").status, 404);
}

TEST_P(MovementApi, ResidentsShowAPersonalPassThatStaffOfTheirGridResolveAndScan) {
  const auto resident = token("resident");
  auto got = server_->get("/api/v1/me/pass", resident);
  ASSERT_EQ(got.status, 200) << got.body;
  auto pass = parse(got.body);
  const std::string tok(pass.at("token").as_string());
  EXPECT_LE(tok.size(), 64u);
  EXPECT_TRUE(std::string_view(pass.at("url").as_string()).ends_with("/pass/" + tok)) << pass;
  const auto expires = core::parse_iso8601(std::string_view(pass.at("expires_at").as_string()));
  ASSERT_TRUE(expires);
  EXPECT_GE(*expires, clock_.now() + 24LL * 3600000);
  EXPECT_LE(*expires, clock_.now() + 25LL * 3600000);
  // Within the hour the pass stays the same, so the QR code and the JSON agree.
  EXPECT_EQ(parse(server_->get("/api/v1/me/pass", resident).body).at("token").as_string(), tok);
  EXPECT_EQ(server_->get("/api/v1/me/pass", admin_).status, 403);  // not linked to a resident

  auto seen = server_->get("/api/v1/passes/" + tok, token("gw1"));
  ASSERT_EQ(seen.status, 200) << seen.body;
  auto holder = parse(seen.body);
  EXPECT_EQ(holder.at("person_id").as_int64(), seed_.r1_head);
  EXPECT_EQ(holder.at("name").as_string(), "张伟");
  EXPECT_EQ(holder.at("area_id").as_int64(), seed_.g1);
  EXPECT_EQ(holder.at("expires_at").as_string(), pass.at("expires_at").as_string());
  auto audit = parse(server_->get("/api/v1/audit?action=read_personal&entity=resident", admin_).body);
  ASSERT_GE(audit.at("items").as_array().size(), 1u) << audit;
  EXPECT_EQ(audit.at("items").at(0).at("entity_id").as_int64(), seed_.r1_head);
  auto recorded = post_scans({scan("pass-1", holder.at("person_id").as_int64(), place_g1_, "2026-11-25T15:30:00+08:00")},
                             token("gw1"));
  EXPECT_EQ(parse(recorded.body).at("accepted").as_int64(), 1) << recorded.body;

  // Not for a grid worker of another grid, a volunteer or the resident; yes for the staff of a place.
  EXPECT_EQ(server_->get("/api/v1/passes/" + tok, token("gw2")).status, 403);
  EXPECT_EQ(server_->get("/api/v1/passes/" + tok, resident).status, 403);
  EXPECT_EQ(server_->get("/api/v1/passes/" + tok, token("volunteer")).status, 403);
  auto me = parse(server_->get("/api/v1/me", token("volunteer")).body);
  ASSERT_EQ(server_->patch("/api/v1/places/" + std::to_string(place_g1_),
                           R"({"staff_user_ids":[)" + std::to_string(me.at("id").as_int64()) + "]}", admin_).status, 200);
  EXPECT_EQ(server_->get("/api/v1/passes/" + tok, token("volunteer")).status, 200);
}

TEST_P(MovementApi, TamperedForgedAndExpiredPassesAreRefused) {
  const std::string tok(parse(server_->get("/api/v1/me/pass", token("resident")).body).at("token").as_string());
  const auto gw1 = token("gw1");
  for (std::size_t at : {std::size_t{0}, std::size_t{5}, tok.size() / 2, tok.size() - 1}) {
    std::string bad = tok;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    auto r = server_->get("/api/v1/passes/" + bad, gw1);
    EXPECT_EQ(r.status, 422) << at << " " << r.body;
    EXPECT_EQ(parse(r.body).at("error").at("field").as_string(), "token");
  }
  EXPECT_EQ(server_->get("/api/v1/passes/nope", gw1).status, 422);
  EXPECT_EQ(server_->get("/api/v1/passes/" + tok + tok, gw1).status, 422);

  clock_.advance(26LL * 3600000);  // past the expiry (and the 12-hour sessions)
  auto expired = server_->get("/api/v1/passes/" + tok, token("gw1"));
  EXPECT_EQ(expired.status, 422) << expired.body;
  EXPECT_NE(std::string(parse(expired.body).at("error").at("message").as_string()).find("expired"), std::string::npos);
  // The resident opens a fresh one.
  const std::string fresh(parse(server_->get("/api/v1/me/pass", token("resident")).body).at("token").as_string());
  EXPECT_NE(fresh, tok);
  EXPECT_EQ(server_->get("/api/v1/passes/" + fresh, token("gw1")).status, 200);
}

TEST_P(MovementApi, ThePassQrCodeIsAnSvgOfItsUrl) {
  const auto resident = token("resident");
  auto svg = server_->get("/api/v1/me/pass.svg", resident);
  ASSERT_EQ(svg.status, 200) << svg.body;
  EXPECT_EQ(svg.headers["content-type"].rfind("image/svg+xml", 0), 0u);
  EXPECT_TRUE(svg.body.starts_with("<?xml") || svg.body.starts_with("<svg")) << svg.body.substr(0, 80);
  EXPECT_NE(svg.body.find("id=\"qr-modules\""), std::string::npos);
  EXPECT_EQ(server_->get("/api/v1/me/pass.svg", admin_).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, MovementApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::movement
