// Health reports, statuses, alerts, missed-report flags and contact tracing
// through the real server, on SQLite and PostgreSQL.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "health/health_service.hpp"
#include "test_support.hpp"

namespace firstline::health {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::Seed;

using testing::parse;

std::string str(const json::value& v) { return std::string(v.as_string()); }

class HealthApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
    r2_other_ = query_int("SELECT id FROM residents WHERE household_id = " + std::to_string(seed_.household2) +
                          " AND id <> " + std::to_string(seed_.r2_head));
    r3_other_ = query_int("SELECT id FROM residents WHERE household_id = " + std::to_string(seed_.household3) +
                          " AND id <> " + std::to_string(seed_.r3_head));
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }
  std::int64_t query_int(const std::string& sql) {
    auto conn = server_->app().database().acquire();
    return db::as_int(*conn->query_value(sql));
  }
  testing::HttpResponse report(const std::string& items, const std::string& tok) {
    return server_->post("/api/v1/health/reports", R"({"reports":[)" + items + "]}", tok);
  }
  static std::string item(std::int64_t person, const std::string& date, const std::string& extra = "") {
    return R"({"person_id":)" + std::to_string(person) + R"(,"date":")" + date + "\"" + extra + "}";
  }
  testing::HttpResponse set_status(std::int64_t person, const std::string& status, const std::string& tok,
                                   const std::string& extra = "") {
    return server_->post("/api/v1/health/people/" + std::to_string(person) + "/status",
                         R"({"status":")" + status + R"(","reason":"测试")" + extra + "}", tok);
  }
  std::int64_t create_place(const std::string& name, const std::string& kind, std::int64_t area) {
    auto r = server_->post("/api/v1/places",
                           R"({"name":")" + name + R"(","kind":")" + kind + R"(","area_id":)" + std::to_string(area) + "}",
                           admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body).at("id").as_int64();
  }
  // A stay: an entry and an exit scan at local (UTC+8) times "2026-11-23T10:00".
  std::string stay(std::int64_t person, std::int64_t place, const std::string& in, const std::string& out) {
    auto ev = [&](const std::string& ts, const char* dir) {
      return R"({"client_event_id":"e)" + std::to_string(++events_) + R"(","person_id":)" + std::to_string(person) +
             R"(,"place_id":)" + std::to_string(place) + R"(,"ts":")" + ts + R"(:00+08:00","direction":")" + dir + "\"}";
    };
    return ev(in, "in") + "," + ev(out, "out");
  }
  void post_scans(const std::vector<std::string>& stays) {
    std::string body = R"({"scans":[)";
    for (size_t i = 0; i < stays.size(); ++i) body += (i ? "," : "") + stays[i];
    auto r = server_->post("/api/v1/scans", body + "]}", admin_);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(parse(r.body).at("rejected").as_array().size(), 0u) << r.body;
  }
  std::string create_expert() {
    auto body = R"({"username":"epi","password":"long-enough-1","roles":[{"role":"expert","area_id":)" +
                std::to_string(seed_.district) + "}]}";
    auto r = server_->post("/api/v1/users", body, admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return server_->login("epi", "long-enough-1");
  }

  // 2026-11-25 16:00 in Beijing: today is 2026-11-25 locally.
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_;
  std::int64_t r2_other_ = 0, r3_other_ = 0;
  int events_ = 0;
};

TEST_P(HealthApi, ABatchKeepsGoodReportsAndNamesTheFieldOfEachBadOne) {
  auto gw1 = token("gw1");
  auto r = report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":36.6,"symptoms":["cough"])") + "," +
                      item(seed_.r1_other, "2026-11-25", R"(,"temperature":51)") + "," +
                      item(seed_.r1_other, "2026-11-26") + "," + item(seed_.r1_other, "2026-11-25", R"(,"symptoms":["hiccups"])") +
                      "," + item(seed_.r1_other, "2026-11-25", R"(,"test_result":"positive")") + "," +
                      item(seed_.r2_head, "2026-11-25") + "," + item(seed_.r1_other, "2026-11-05") + "," +
                      R"({"date":"2026-11-25","bogus":1})",
                  gw1);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  ASSERT_EQ(v.at("accepted").as_array().size(), 1u);
  EXPECT_EQ(v.at("accepted").at(0).at("index").as_int64(), 0);
  const auto& rejected = v.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 7u) << r.body;
  std::vector<std::string> fields;
  for (const auto& x : rejected) fields.push_back(x.as_object().contains("field") ? str(x.at("field")) : "");
  EXPECT_EQ(fields, (std::vector<std::string>{"temperature", "date", "symptoms", "test_date", "person_id", "date", "bogus"}));
  EXPECT_EQ(str(rejected[4].at("code")), "forbidden");  // gw1 may not report for grid 2
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM health_reports"), 1);

  // Not a JSON batch at all: nothing stored, a clear error.
  EXPECT_EQ(server_->post("/api/v1/health/reports", R"({"reports":{}})", gw1).status, 400);
  EXPECT_EQ(server_->post("/api/v1/health/reports", R"({"reports":[]})", gw1).status, 422);
}

TEST_P(HealthApi, ASecondReportTheSameDayAmendsTheFirstAndKeepsItsHistory) {
  auto gw1 = token("gw1");
  auto first = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":36.5)"), gw1).body);
  const auto id = first.at("accepted").at(0).at("id").as_int64();
  auto second = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":36.9,"note":"午后复测")"), gw1).body);
  EXPECT_EQ(second.at("accepted").at(0).at("id").as_int64(), id);
  EXPECT_TRUE(second.at("accepted").at(0).at("amended").as_bool());
  auto got = parse(server_->get("/api/v1/health/reports/" + std::to_string(id), gw1).body);
  EXPECT_DOUBLE_EQ(got.at("temperature").as_double(), 36.9);
  EXPECT_EQ(got.at("amendments").as_int64(), 1);
  ASSERT_EQ(got.at("history").as_array().size(), 1u);
  EXPECT_DOUBLE_EQ(got.at("history").at(0).at("temperature").as_double(), 36.5);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM health_reports"), 1);

  // A second slot is only for people under observation or quarantine.
  auto slot2 = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"slot":2)"), gw1).body);
  EXPECT_EQ(str(slot2.at("rejected").at(0).at("field")), "slot");
  ASSERT_EQ(set_status(seed_.r1_head, "observation", gw1).status, 201);
  auto ok = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"slot":2,"temperature":36.7)"), gw1).body);
  EXPECT_EQ(ok.at("accepted").as_array().size(), 1u);
  EXPECT_FALSE(ok.at("accepted").at(0).at("amended").as_bool());
}

TEST_P(HealthApi, AResidentReportsForThemselfOnlyAndReadsTheirOwnTimeline) {
  auto resident = token("resident");
  auto own = parse(report(R"({"date":"2026-11-25","temperature":36.4})", resident).body);
  ASSERT_EQ(own.at("accepted").as_array().size(), 1u) << own;
  auto other = parse(report(item(seed_.r1_other, "2026-11-25"), resident).body);
  EXPECT_EQ(str(other.at("rejected").at(0).at("code")), "forbidden");
  auto mine = server_->get("/api/v1/health/people/" + std::to_string(seed_.r1_head), resident);
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto v = parse(mine.body);
  EXPECT_EQ(str(v.at("status").at("status")), "normal");
  ASSERT_EQ(v.at("reports").as_array().size(), 1u);
  EXPECT_EQ(str(v.at("reports").at(0).at("source")), "self");
  EXPECT_EQ(server_->get("/api/v1/health/people/" + std::to_string(seed_.r1_other), resident).status, 403);
  EXPECT_EQ(server_->get("/api/v1/health/daily?area_id=" + std::to_string(seed_.g1), resident).status, 403);
}

TEST_P(HealthApi, StatusesFollowTheAllowedTransitionsAndKeepTheirHistory) {
  auto gw1 = token("gw1");
  auto jump = set_status(seed_.r1_head, "recovered", gw1);
  EXPECT_EQ(jump.status, 422);
  EXPECT_EQ(str(parse(jump.body).at("error").at("field")), "status");
  EXPECT_EQ(set_status(seed_.r1_head, "sick", gw1).status, 422);
  EXPECT_EQ(server_->post("/api/v1/health/people/" + std::to_string(seed_.r1_head) + "/status",
                          R"({"status":"observation"})", gw1).status, 422);  // no reason
  EXPECT_EQ(set_status(seed_.r2_head, "observation", gw1).status, 403);    // another grid
  ASSERT_EQ(set_status(seed_.r1_head, "observation", gw1, R"(,"planned_end":"2026-12-09")").status, 201);
  clock_.advance(3600000);
  ASSERT_EQ(set_status(seed_.r1_head, "confirmed", gw1).status, 201);
  EXPECT_EQ(set_status(seed_.r1_head, "normal", gw1).status, 422);  // a confirmed case recovers first
  clock_.advance(3600000);
  ASSERT_EQ(set_status(seed_.r1_head, "recovered", gw1).status, 201);
  auto v = parse(server_->get("/api/v1/health/people/" + std::to_string(seed_.r1_head), gw1).body);
  EXPECT_EQ(str(v.at("status").at("status")), "recovered");
  const auto& h = v.at("statuses").as_array();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(str(h[0].at("status")), "recovered");
  EXPECT_TRUE(h[0].at("ends_at").is_null());
  EXPECT_EQ(str(h[2].at("status")), "observation");
  EXPECT_EQ(str(h[2].at("planned_end")), "2026-12-09");
  EXPECT_EQ(h[2].at("ends_at"), h[1].at("starts_at"));  // one period ends where the next starts
}

TEST_P(HealthApi, AFeverAlertsTheGridWorkerAtOnceAndOnlyThem) {
  auto gw1 = token("gw1"), gw2 = token("gw2");
  auto r = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":37.3,"symptoms":["shortness_of_breath"])"), gw1).body);
  const auto& alerts = r.at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 2u) << r;
  EXPECT_EQ(str(alerts[0].at("kind")), "fever");  // exactly 37.3 counts
  EXPECT_EQ(str(alerts[1].at("kind")), "serious_symptom");
  // 37.2 with a mild symptom raises nothing; a positive test does.
  auto mild = parse(report(item(seed_.r1_other, "2026-11-25", R"(,"temperature":37.2,"symptoms":["cough"])"), gw1).body);
  EXPECT_EQ(mild.at("alerts").as_array().size(), 0u);
  auto pos = parse(report(item(seed_.r1_other, "2026-11-24", R"(,"test_result":"positive","test_date":"2026-11-24")"), gw1).body);
  ASSERT_EQ(pos.at("alerts").as_array().size(), 1u);
  EXPECT_EQ(str(pos.at("alerts").at(0).at("kind")), "positive_test");

  auto inbox = parse(server_->get("/api/v1/health/alerts?status=open", gw1).body);
  EXPECT_EQ(inbox.at("items").as_array().size(), 3u);
  EXPECT_EQ(parse(server_->get("/api/v1/health/alerts?status=open", gw2).body).at("items").as_array().size(), 0u);
  EXPECT_EQ(server_->get("/api/v1/health/alerts", token("volunteer")).status, 403);

  const auto id = std::to_string(alerts[0].at("id").as_int64());
  EXPECT_EQ(server_->patch("/api/v1/health/alerts/" + id, R"({"status":"handled"})", gw2).status, 403);
  auto handled = server_->patch("/api/v1/health/alerts/" + id, R"({"status":"handled","note":"已上门复测 36.8"})", gw1);
  ASSERT_EQ(handled.status, 200) << handled.body;
  EXPECT_EQ(str(parse(handled.body).at("status")), "handled");
  EXPECT_EQ(parse(server_->get("/api/v1/health/alerts?status=open", gw1).body).at("items").as_array().size(), 2u);
  // An amended report does not raise the same alert twice.
  auto again = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":38.0)"), gw1).body);
  EXPECT_EQ(again.at("alerts").as_array().size(), 0u);
}

TEST_P(HealthApi, TheDailyViewListsWhoIsMissingAndWhoIsUnwell) {
  auto gw1 = token("gw1");
  ASSERT_EQ(set_status(seed_.r1_other, "home_quarantine", gw1).status, 201);
  report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":38.1)") + "," + item(seed_.r1_other, "2026-11-25"), gw1);
  const auto base = "/api/v1/health/daily?area_id=" + std::to_string(seed_.g1) + "&date=2026-11-25";
  auto all = parse(server_->get(base, gw1).body);
  EXPECT_EQ(all.at("summary").at("people").as_int64(), 2);
  EXPECT_EQ(all.at("summary").at("expected").as_int64(), 3);  // the quarantined resident reports twice
  EXPECT_EQ(all.at("summary").at("reported").as_int64(), 2);
  EXPECT_EQ(all.at("summary").at("missing").as_int64(), 1);
  EXPECT_EQ(all.at("summary").at("unwell").as_int64(), 1);
  const auto missing_page = parse(server_->get(base + "&filter=missing", gw1).body);
  const auto& missing = missing_page.at("items").as_array();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].at("person_id").as_int64(), seed_.r1_other);
  EXPECT_EQ(missing[0].at("required").as_int64(), 2);
  EXPECT_EQ(missing[0].at("reported").as_int64(), 1);
  const auto unwell_page = parse(server_->get(base + "&filter=unwell", gw1).body);
  const auto& unwell = unwell_page.at("items").as_array();
  ASSERT_EQ(unwell.size(), 1u);
  EXPECT_DOUBLE_EQ(unwell[0].at("temperature").as_double(), 38.1);
  EXPECT_EQ(server_->get(base + "&filter=late", gw1).status, 422);
  EXPECT_EQ(server_->get("/api/v1/health/daily?area_id=" + std::to_string(seed_.g2), gw1).status, 403);
  EXPECT_EQ(server_->get("/api/v1/health/daily", gw1).status, 422);

  // Completeness per grid of the community, for the community's staff.
  auto c = parse(server_->get("/api/v1/health/completeness?date=2026-11-25&area_id=" + std::to_string(seed_.community1),
                              token("staff")).body);
  EXPECT_EQ(c.at("expected").as_int64(), 5);
  EXPECT_EQ(c.at("reported").as_int64(), 2);
  ASSERT_EQ(c.at("children").as_array().size(), 2u);
  EXPECT_EQ(c.at("children").at(0).at("area_id").as_int64(), seed_.g1);
  EXPECT_EQ(c.at("children").at(0).at("reported").as_int64(), 2);
  ASSERT_EQ(c.at("grids").as_array().size(), 2u);  // every grid, for the map
  for (const auto& g : c.at("grids").as_array()) {
    if (g.at("area_id").as_int64() == seed_.g1) {
      EXPECT_DOUBLE_EQ(g.at("rate").as_double(), 0.667);
    }
  }
}

TEST_P(HealthApi, AnEarlierDayOwesTheReportsOfTheStatusHeldThatDay) {
  auto gw1 = token("gw1");
  // Under observation from the 23rd, released on the 25th at 09:00 local.
  ASSERT_EQ(set_status(seed_.r1_other, "observation", gw1, R"(,"starts_at":"2026-11-23T08:00:00+08:00")").status, 201);
  ASSERT_EQ(set_status(seed_.r1_other, "normal", gw1, R"(,"starts_at":"2026-11-25T09:00:00+08:00")").status, 201);
  report(item(seed_.r1_other, "2026-11-24"), gw1);  // one of the two reports owed that day

  auto day = [&](const std::string& date) {
    return parse(server_->get("/api/v1/health/daily?area_id=" + std::to_string(seed_.g1) + "&date=" + date, gw1).body);
  };
  auto row_of = [&](const json::value& page) {
    for (const auto& r : page.at("items").as_array()) {
      if (r.at("person_id").as_int64() == seed_.r1_other) return r.as_object();
    }
    return json::object{};
  };
  const auto before = day("2026-11-24");
  const auto then = row_of(before);
  EXPECT_EQ(str(then.at("status")), "observation");
  EXPECT_EQ(then.at("required").as_int64(), 2);
  EXPECT_EQ(then.at("reported").as_int64(), 1);
  EXPECT_EQ(before.at("summary").at("expected").as_int64(), 3);
  const auto today = day("2026-11-25");
  EXPECT_EQ(str(row_of(today).at("status")), "normal");
  EXPECT_EQ(row_of(today).at("required").as_int64(), 1);
  EXPECT_EQ(today.at("summary").at("expected").as_int64(), 2);

  // The completeness of that day counts the same way.
  auto c = parse(server_->get("/api/v1/health/completeness?date=2026-11-24&area_id=" + std::to_string(seed_.community1),
                              token("staff")).body);
  bool seen = false;
  for (const auto& g : c.at("grids").as_array()) {
    if (g.at("area_id").as_int64() != seed_.g1) continue;
    seen = true;
    EXPECT_EQ(g.at("expected").as_int64(), 3);
    EXPECT_EQ(g.at("reported").as_int64(), 1);
  }
  EXPECT_TRUE(seen);
}

TEST_P(HealthApi, GridsMissingReportsAreFlaggedAtTheDeadlineHourOnFakeTime) {
  auto& health = server_->app().health();
  clock_.set(core::parse_iso8601("2026-11-26T09:30:00+08:00").value());
  auto gw1 = token("gw1");
  // Grid 1 reports in full; the others do not.
  report(item(seed_.r1_head, "2026-11-26") + "," + item(seed_.r1_other, "2026-11-26"), gw1);
  health.start_scheduler(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM health_missed_flags"), 0);  // before 10:00
  clock_.set(core::parse_iso8601("2026-11-26T10:01:00+08:00").value());
  for (int i = 0; i < 400 && query_int("SELECT COUNT(*) FROM health_missed_flags") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  health.stop_scheduler();
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM health_missed_flags"), 2);  // grids 2 and 3
  EXPECT_EQ(health.flag_missing_reports(), 0);  // once per grid and day
  auto flags = parse(server_->get("/api/v1/health/flags?date=2026-11-26", token("staff")).body).at("items").as_array();
  ASSERT_EQ(flags.size(), 1u);  // the community sees its own grid 2 only
  EXPECT_EQ(flags[0].at("area_id").as_int64(), seed_.g2);
  EXPECT_EQ(flags[0].at("missing").as_int64(), 2);
  auto c = parse(server_->get("/api/v1/health/completeness?date=2026-11-26&area_id=" + std::to_string(seed_.community1),
                              token("staff")).body);
  EXPECT_FALSE(c.at("children").at(0).at("flagged").as_bool());
  EXPECT_TRUE(c.at("children").at(1).at("flagged").as_bool());
}

TEST_P(HealthApi, TracingFindsCloseSecondaryAndGeneralContactsWithEvidence) {
  const auto shop = create_place("便民超市", "shop", seed_.g2);
  const auto market = create_place("菜市场", "market", seed_.g3);
  const auto gate = create_place("东门", "checkpoint", seed_.g2);
  post_scans({
      stay(seed_.r1_head, shop, "2026-11-22T10:00", "2026-11-22T10:30"),  // the case
      stay(seed_.r2_head, shop, "2026-11-22T10:10", "2026-11-22T10:25"),  // 15 min: close
      stay(seed_.r3_head, shop, "2026-11-22T10:25", "2026-11-22T10:50"),  // 5 min: general
      stay(seed_.r2_head, market, "2026-11-23T09:00", "2026-11-23T10:00"),  // the close contact, later
      stay(r3_other_, market, "2026-11-23T09:30", "2026-11-23T09:50"),  // 20 min: secondary
      stay(seed_.r1_head, gate, "2026-11-22T08:00", "2026-11-22T08:40"),  // a gate is no contact place
      stay(seed_.r3_head, gate, "2026-11-22T08:00", "2026-11-22T08:40"),
      stay(seed_.r1_head, shop, "2026-11-10T10:00", "2026-11-10T10:30"),  // before the window
      stay(seed_.r3_head, shop, "2026-11-10T10:00", "2026-11-10T10:30"),
  });
  auto staff = admin_;  // sees the whole chain, across both streets
  auto r = server_->post("/api/v1/tracing/runs",
                         R"({"person_id":)" + std::to_string(seed_.r1_head) + R"(,"onset_date":"2026-11-24"})", staff);
  ASSERT_EQ(r.status, 201) << r.body;
  auto run = parse(r.body);
  EXPECT_EQ(str(run.at("window_start")), "2026-11-19T16:00:00.000Z");  // 2026-11-20 00:00 local
  std::map<std::int64_t, json::value> by_person;
  for (const auto& c : run.at("contacts").as_array()) by_person[c.at("person_id").as_int64()] = c;
  ASSERT_TRUE(by_person.contains(seed_.r1_other));  // household
  EXPECT_EQ(str(by_person[seed_.r1_other].at("degree")), "close");
  EXPECT_EQ(str(by_person[seed_.r1_other].at("relation")), "household");
  ASSERT_TRUE(by_person.contains(seed_.r2_head));
  const auto& close = by_person[seed_.r2_head];
  EXPECT_EQ(str(close.at("degree")), "close");
  ASSERT_EQ(close.at("evidence").as_array().size(), 1u);
  EXPECT_EQ(close.at("evidence").at(0).at("place_id").as_int64(), shop);
  EXPECT_DOUBLE_EQ(close.at("evidence").at(0).at("minutes").as_double(), 15.0);
  EXPECT_EQ(str(close.at("evidence").at(0).at("start")), "2026-11-22T02:10:00.000Z");
  EXPECT_EQ(str(close.at("evidence").at(0).at("place_name")), "便民超市");
  ASSERT_TRUE(by_person.contains(r2_other_));  // household of a close contact
  EXPECT_EQ(str(by_person[r2_other_].at("degree")), "secondary");
  EXPECT_EQ(by_person[r2_other_].at("via_person_id").as_int64(), seed_.r2_head);
  ASSERT_TRUE(by_person.contains(r3_other_)) << r.body;  // co-present with the close contact afterwards
  EXPECT_EQ(str(by_person[r3_other_].at("degree")), "secondary");
  EXPECT_EQ(by_person[r3_other_].at("via_person_id").as_int64(), seed_.r2_head);
  ASSERT_TRUE(by_person.contains(seed_.r3_head));
  EXPECT_EQ(str(by_person[seed_.r3_head].at("degree")), "general");
  EXPECT_EQ(run.at("contacts").as_array().size(), 5u);
  EXPECT_EQ(run.at("counts").at("close").as_int64(), 2);
  EXPECT_EQ(run.at("counts").at("secondary").as_int64(), 2);
  EXPECT_EQ(run.at("counts").at("general").as_int64(), 1);

  // Stored: the same answer later, and as CSV.
  const auto id = std::to_string(run.at("id").as_int64());
  EXPECT_EQ(parse(server_->get("/api/v1/tracing/runs/" + id, staff).body).at("contacts"), run.at("contacts"));
  auto csv = server_->get("/api/v1/tracing/runs/" + id + "/contacts.csv", staff);
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("便民超市"), std::string::npos);
  EXPECT_NE(csv.body.find(",close,co-presence,"), std::string::npos);
}

TEST_P(HealthApi, EachViewerSeesTheContactsInTheirScopeAndFollowUpPutsThemUnderObservation) {
  const auto shop = create_place("便民超市", "shop", seed_.g2);
  post_scans({stay(seed_.r1_head, shop, "2026-11-22T10:00", "2026-11-22T10:30"),
              stay(seed_.r2_head, shop, "2026-11-22T10:00", "2026-11-22T10:30"),
              stay(seed_.r3_head, shop, "2026-11-22T10:00", "2026-11-22T10:30")});
  auto gw1 = token("gw1"), gw2 = token("gw2");
  // Grid workers do not start runs; community staff do, for their own residents only.
  const auto body = R"({"person_id":)" + std::to_string(seed_.r1_head) + R"(,"onset_date":"2026-11-24"})";
  EXPECT_EQ(server_->post("/api/v1/tracing/runs", body, gw1).status, 403);
  EXPECT_EQ(server_->post("/api/v1/tracing/runs",
                          R"({"person_id":)" + std::to_string(seed_.r3_head) + R"(,"onset_date":"2026-11-24"})",
                          token("staff")).status, 403);
  EXPECT_EQ(server_->post("/api/v1/tracing/runs", R"({"person_id":1,"onset_date":"2026-13-01"})", admin_).status, 422);
  auto run = parse(server_->post("/api/v1/tracing/runs", body, token("staff")).body);
  const auto id = std::to_string(run.at("id").as_int64());

  auto ids = [&](const std::string& tok) {
    std::vector<std::int64_t> out;
    auto r = server_->get("/api/v1/tracing/runs/" + id, tok);
    if (r.status != 200) return out;
    const auto run = parse(r.body);
    for (const auto& c : run.at("contacts").as_array()) out.push_back(c.at("person_id").as_int64());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids(gw1), (std::vector<std::int64_t>{seed_.r1_other}));
  EXPECT_EQ(ids(gw2), (std::vector<std::int64_t>{seed_.r2_head, r2_other_}));
  auto epi = create_expert();  // the district's epidemiologist sees the whole chain
  auto all = ids(epi);
  EXPECT_EQ(all.size(), 5u);  // 3 close (1 household), 2 secondary (their households)
  auto gw2_view = parse(server_->get("/api/v1/tracing/runs/" + id, gw2).body);
  EXPECT_EQ(gw2_view.at("case_stays").as_array().size(), 0u);  // where the case went is not grid 2's business
  EXPECT_EQ(server_->get("/api/v1/tracing/runs/" + id, token("volunteer")).status, 403);
  auto listed = parse(server_->get("/api/v1/tracing/runs", gw2).body).at("items").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("counts").at("close").as_int64(), 1);

  // Follow-up: the selected contacts go under observation, tied to the run.
  auto fu = server_->post("/api/v1/tracing/runs/" + id + "/follow-up",
                          R"({"person_ids":[)" + std::to_string(seed_.r1_other) + "," + std::to_string(seed_.r2_head) +
                              ",999999]}",
                          token("staff"));
  ASSERT_EQ(fu.status, 200) << fu.body;
  auto f = parse(fu.body);
  EXPECT_EQ(f.at("updated").as_array().size(), 2u);
  EXPECT_EQ(f.at("skipped").as_array().size(), 1u);
  auto person = parse(server_->get("/api/v1/health/people/" + std::to_string(seed_.r2_head), gw2).body);
  EXPECT_EQ(str(person.at("status").at("status")), "observation");
  EXPECT_EQ(person.at("status").at("run_id").as_int64(), run.at("id").as_int64());
  ASSERT_EQ(person.at("contacts").as_array().size(), 1u);
  auto daily = parse(server_->get("/api/v1/health/daily?filter=missing&area_id=" + std::to_string(seed_.g2), gw2).body);
  bool listed_twice = false;
  for (const auto& d : daily.at("items").as_array()) {
    if (d.at("person_id").as_int64() == seed_.r2_head) listed_twice = d.at("required").as_int64() == 2;
  }
  EXPECT_TRUE(listed_twice);
  EXPECT_EQ(server_->post("/api/v1/tracing/runs/" + id + "/follow-up", R"({"person_ids":[]})", token("staff")).status,
            422);
}



TEST_P(HealthApi, AFeverReachesTheOpenPagesOfItsGridWorkerLiveAndNoOtherGrids) {
  testing::EventStream gw1(server_->port(), "health", token("gw1")), gw2(server_->port(), "health", token("gw2"));
  auto r = parse(report(item(seed_.r1_head, "2026-11-25", R"(,"temperature":38.4)"), token("gw1")).body);
  const auto id = r.at("alerts").at(0).at("id").as_int64();
  ASSERT_TRUE(gw1.read_until("event: alert", 10000)) << gw1.text();
  EXPECT_NE(gw1.text().find("\"id\":" + std::to_string(id)), std::string::npos);
  EXPECT_FALSE(gw2.read_until("event: alert", 300)) << gw2.text();
  EXPECT_EQ(server_->get("/api/v1/events?topic=health&token=" + token("volunteer")).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, HealthApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::health
