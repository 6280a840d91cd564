// Risk levels through the real server, on SQLite and PostgreSQL: rules
// changes re-level areas, each signal raises a grid's level with its reason,
// the roll-up up the tree, warnings proposed when a level rises, validation
// of the rules and scope. Unit tests of the rule evaluation come first.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <thread>

#include "levels/level.hpp"
#include "test_support.hpp"

namespace firstline::levels {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::parse;
using testing::Seed;

std::string str(const json::value& v) { return std::string(v.as_string()); }

TEST(LevelRules, DefaultsAreValidAndCoverEverySignal) {
  auto rules = Rules::defaults();
  EXPECT_TRUE(rules.validate());
  for (const auto& key : signal_keys()) EXPECT_TRUE(rules.by_signal.contains(key)) << key;
}

TEST(LevelRules, ValueAtTheThresholdReachesItsLevel) {
  auto rules = Rules::defaults();
  std::vector<Reason> reasons;
  EXPECT_EQ(evaluate(rules, {{"observation", 4}}, reasons), Level::low);
  EXPECT_TRUE(reasons.empty());
  EXPECT_EQ(evaluate(rules, {{"observation", 5}}, reasons), Level::medium);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].text(), "observation 5 ≥ 5 → medium");
  reasons.clear();
  EXPECT_EQ(evaluate(rules, {{"observation", 5}, {"confirmed", 1}}, reasons), Level::high);
  EXPECT_EQ(reasons.size(), 2u);
}

TEST(LevelRules, ReasonsReadInChineseForWarnings) {
  EXPECT_EQ((Reason{"confirmed", 2, 1, Level::high}.text_zh()), "确诊病例 2 ≥ 1 → 高");
  EXPECT_EQ((Reason{"missed_rate", 0.45, 0.3, Level::medium}.text_zh()), "健康上报漏报率 45% ≥ 30% → 中");
  EXPECT_EQ((Reason{"child", 0, 0, Level::high, 7, "第二网格"}.text_zh()), "下级最高：第二网格（高）");
}

TEST(LevelRules, ReasonsRoundTripThroughTheirStoredText) {
  std::vector<Reason> in = {Reason{"missed_rate", 0.45, 0.3, Level::medium},
                            Reason{"child", 0, 0, Level::high, 7, "第二网格"}};
  auto out = decode_reasons(encode_reasons(in));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].signal, "missed_rate");
  EXPECT_DOUBLE_EQ(out[0].value, 0.45);
  EXPECT_EQ(out[1].text(), "highest child: 第二网格");
  EXPECT_EQ(out[1].child_id, 7);
}

class LevelApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
    // Nobody reported today and the seeded grids hold two people each: the
    // missed-report rate and the forecast would level every grid. Tests of
    // those signals turn them back on.
    auto r = put_rules(R"({"missed_rate.medium":null,"forecast_rise.medium":null,"forecast_rise.high":null})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }
  testing::HttpResponse put_rules(const std::string& body, const std::string& tok = "") {
    return testing::http_request(server_->port(), "PUT", "/api/v1/levels/rules", body,
                                 {{"Content-Type", "application/json"},
                                  {"Authorization", "Bearer " + (tok.empty() ? admin_ : tok)}});
  }
  void recompute() {
    auto r = server_->post("/api/v1/levels/recompute", "{}", admin_);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  json::value level(std::int64_t area) {
    auto r = server_->get("/api/v1/levels?area_id=" + std::to_string(area), admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  std::string level_of(std::int64_t area) { return str(level(area).at("level")); }
  // The reason of a signal in an area's level ("" when absent), as its text.
  std::string reason(std::int64_t area, const std::string& signal) {
    const auto v = level(area);
    for (const auto& r : v.at("reasons").as_array()) {
      if (str(r.at("signal")) == signal) return str(r.at("text"));
    }
    return "";
  }
  void set_status(std::int64_t person, const std::string& status) {
    auto r = server_->post("/api/v1/health/people/" + std::to_string(person) + "/status",
                           R"({"status":")" + status + R"(","reason":"测试"})", admin_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void sql(const std::string& text, const db::Params& params) {
    auto conn = server_->app().database().acquire();
    conn->execute(text, params);
  }

  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_;
};

TEST_P(LevelApi, RulesChangeReLevelsAreas) {
  set_status(seed_.r1_head, "observation");
  recompute();
  EXPECT_EQ(level_of(seed_.g1), "low");  // 1 under observation, default medium threshold 5

  auto r = put_rules(R"({"observation.medium":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(level_of(seed_.g1), "medium");  // the change recomputed every level
  EXPECT_EQ(reason(seed_.g1, "observation"), "observation 1 ≥ 1 → medium");
  auto rules = parse(server_->get("/api/v1/levels/rules", admin_).body).at("rules").as_array();
  EXPECT_EQ(str(rules[1].at("signal")), "observation");
  EXPECT_DOUBLE_EQ(rules[1].at("medium").to_number<double>(), 1.0);

  ASSERT_EQ(put_rules(R"({"observation.medium":5})").status, 200);
  EXPECT_EQ(level_of(seed_.g1), "low");
  auto history = parse(server_->get("/api/v1/levels/history?area_id=" + std::to_string(seed_.g1), admin_).body);
  auto items = history.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(str(items[0].at("level")), "low");
  EXPECT_EQ(str(items[0].at("previous_level")), "medium");
  EXPECT_EQ(str(items[1].at("level")), "medium");
}

TEST_P(LevelApi, SavingRulesAnswersWhatTheRecomputationDidAndConcurrentSavesKeepEveryChange) {
  set_status(seed_.r1_head, "observation");
  auto r = put_rules(R"({"observation.medium":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto saved = parse(r.body);
  const auto& rec = saved.at("recompute");
  EXPECT_GE(rec.at("areas").as_int64(), 7);  // district, 2 streets, 2 communities, 3 grids... and more
  EXPECT_GE(rec.at("changed").as_int64(), 1);  // g1 and the areas above it rose
  EXPECT_GE(rec.at("by_level").at("medium").as_int64(), 1);

  // Officials saving different rules at the same moment: each change stays.
  const std::vector<std::string> keys = {"observation.high", "screening.high", "risk_points.high", "fevers.high"};
  std::vector<std::thread> savers;
  std::vector<int> statuses(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    savers.emplace_back([&, i] { statuses[i] = put_rules("{\"" + keys[i] + "\":" + std::to_string(40 + i) + "}").status; });
  }
  for (auto& t : savers) t.join();
  for (auto s : statuses) EXPECT_EQ(s, 200);
  std::map<std::string, double> highs;
  const auto rules = parse(server_->get("/api/v1/levels/rules", admin_).body);
  for (const auto& rule : rules.at("rules").as_array()) {
    if (!rule.at("high").is_null()) highs[str(rule.at("signal")) + ".high"] = rule.at("high").to_number<double>();
  }
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_DOUBLE_EQ(highs[keys[i]], 40.0 + i) << keys[i];

  // Two saves that are each valid alone but not together: one wins, the other
  // is refused against the rules the first saved (stored now: medium 1, high 40).
  int a = 0, b = 0;
  std::thread medium([&] { a = put_rules(R"({"screening.medium":45})").status; });
  std::thread high([&] { b = put_rules(R"({"screening.high":2})").status; });
  medium.join();
  high.join();
  EXPECT_EQ(std::min(a, b), 200);
  EXPECT_EQ(std::max(a, b), 422);
}

TEST_P(LevelApi, ViewersWithoutHealthAccessSeeReasonsWithoutTheirCounts) {
  ASSERT_EQ(put_rules(R"({"observation.medium":1})").status, 200);
  set_status(seed_.r1_head, "observation");
  recompute();
  // The grid worker reads health data in the grid: the count is there.
  const auto gw1 = token("gw1");
  auto by_worker = parse(server_->get("/api/v1/levels?area_id=" + std::to_string(seed_.g1), gw1).body);
  EXPECT_DOUBLE_EQ(by_worker.at("reasons").at(0).at("value").to_number<double>(), 1.0);
  // A volunteer of the community sees the level and the signal, not how many people.
  const auto volunteer = token("volunteer");
  auto r = server_->get("/api/v1/levels?area_id=" + std::to_string(seed_.community1), volunteer);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  bool seen = false;
  for (const auto& g : v.at("grids").as_array()) {
    if (g.at("area_id").as_int64() != seed_.g1) continue;
    seen = true;
    EXPECT_EQ(str(g.at("level")), "medium");
    const auto& reason = g.at("reasons").at(0);
    EXPECT_EQ(str(reason.at("signal")), "observation");
    EXPECT_TRUE(reason.at("value").is_null());
    EXPECT_EQ(str(reason.at("text")), "observation ≥ 1 → medium");
  }
  EXPECT_TRUE(seen);
  auto history = parse(server_->get("/api/v1/levels/history?area_id=" + std::to_string(seed_.g1), volunteer).body);
  EXPECT_TRUE(history.at("items").at(0).at("reasons").at(0).at("value").is_null());

  // grids=false leaves the grid list out (the map's area panel needs one level).
  auto lean = parse(server_->get("/api/v1/levels?grids=false&area_id=" + std::to_string(seed_.district), admin_).body);
  EXPECT_TRUE(lean.at("grids").as_array().empty());
  EXPECT_FALSE(lean.at("children").as_array().empty());
  EXPECT_EQ(server_->get("/api/v1/levels?grids=maybe&area_id=" + std::to_string(seed_.district), admin_).status, 422);
}

TEST_P(LevelApi, EachSignalRaisesTheLevelWithItsReason) {
  ASSERT_EQ(put_rules(R"({"fevers.medium":1})").status, 200);  // one fever is enough here (default 3)
  // Confirmed: high at once.
  set_status(seed_.r2_head, "confirmed");
  // Fever: an open fever alert of the last 24 hours.
  auto rep = server_->post("/api/v1/health/reports",
                           R"({"reports":[{"person_id":)" + std::to_string(seed_.r1_head) +
                               R"(,"date":"2026-11-25","temperature":38.2}]})",
                           admin_);
  ASSERT_EQ(rep.status, 200) << rep.body;
  // An open screening item (an arrival from a risky area) and a high-rated risk point in g3.
  sql("INSERT INTO screening_items (person_id, area_id, reason, status, created_at, updated_at) "
      "VALUES ($1, $2, '来自风险地区', 'open', $3, $3)",
      {seed_.r3_head, seed_.g3, clock_.now()});
  auto risk = server_->post("/api/v1/risks",
                            R"({"area_id":)" + std::to_string(seed_.g3) +
                                R"(,"name":"危房","kind":"old_building","likelihood":4,"impact":4})",
                            admin_);
  ASSERT_EQ(risk.status, 201) << risk.body;
  recompute();

  EXPECT_EQ(level_of(seed_.g2), "high");
  EXPECT_EQ(reason(seed_.g2, "confirmed"), "confirmed 1 ≥ 1 → high");
  EXPECT_EQ(level_of(seed_.g1), "medium");
  EXPECT_EQ(reason(seed_.g1, "fevers"), "fevers 1 ≥ 1 → medium");
  EXPECT_EQ(level_of(seed_.g3), "medium");
  EXPECT_EQ(reason(seed_.g3, "screening"), "screening 1 ≥ 1 → medium");
  EXPECT_EQ(reason(seed_.g3, "risk_points"), "risk_points 1 ≥ 1 → medium");
  const auto g2_level = level(seed_.g2);
  const auto& g2 = g2_level.at("reasons").as_array()[0].as_object();
  EXPECT_DOUBLE_EQ(g2.at("value").to_number<double>(), 1.0);
  EXPECT_DOUBLE_EQ(g2.at("threshold").to_number<double>(), 1.0);
  EXPECT_EQ(str(g2.at("level")), "high");

  // Fever alerts older than 24 hours no longer count.
  clock_.advance(25LL * 3600 * 1000);
  admin_ = token("admin");
  // Missed reports: nobody reported on the 26th; after the deadline hour the rate is 1.
  ASSERT_EQ(put_rules(R"({"missed_rate.medium":0.3})").status, 200);
  EXPECT_EQ(reason(seed_.g1, "fevers"), "");
  EXPECT_EQ(level_of(seed_.g1), "medium");
  EXPECT_EQ(reason(seed_.g1, "missed_rate"), "missed_rate 1 ≥ 0.30 → medium");

  // Forecast: the confirmed case of g2 projects a rise far above 30 per 1,000 of its two residents.
  ASSERT_EQ(put_rules(R"({"missed_rate.medium":null,"forecast_rise.medium":10,"forecast_rise.high":30})").status, 200);
  auto text = reason(seed_.g2, "forecast_rise");
  EXPECT_NE(text.find("forecast_rise"), std::string::npos) << text;
  EXPECT_NE(text.find("→ high"), std::string::npos) << text;
}

TEST_P(LevelApi, LevelsRollUpToTheHighestChild) {
  set_status(seed_.r2_head, "confirmed");
  recompute();
  EXPECT_EQ(level_of(seed_.community1), "high");
  EXPECT_EQ(reason(seed_.community1, "child"), "highest child: 第二网格");
  EXPECT_EQ(reason(seed_.street1, "child"), "highest child: 阳光社区");
  EXPECT_EQ(level_of(seed_.district), "high");
  EXPECT_EQ(level_of(seed_.street2), "low");
  EXPECT_EQ(level_of(seed_.g1), "low");

  auto c1 = level(seed_.community1);
  const auto& children = c1.at("children").as_array();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(str(children[0].at("level")), "low");   // 第一网格
  EXPECT_EQ(str(children[1].at("level")), "high");  // 第二网格
  EXPECT_EQ(level(seed_.district).at("grids").as_array().size(), 3u);
}

TEST_P(LevelApi, RisingLevelsProposeOneWarningPerAreaAndLevel) {
  set_status(seed_.r2_head, "confirmed");
  recompute();
  recompute();
  auto list = parse(server_->get("/api/v1/warnings?status=proposed", admin_).body).at("items").as_array();
  int g2 = 0, c1 = 0, other = 0;
  for (const auto& w : list) {
    const auto area = w.at("area_id").as_int64();
    EXPECT_EQ(str(w.at("level")), "orange");
    if (area == seed_.g2) ++g2;
    else if (area == seed_.community1) ++c1;
    else ++other;
  }
  EXPECT_EQ(g2, 1);
  EXPECT_EQ(c1, 1);
  EXPECT_EQ(other, 0);  // streets and the district roll up but propose nothing

  // A medium rise elsewhere proposes yellow.
  ASSERT_EQ(put_rules(R"({"observation.medium":1})").status, 200);
  set_status(seed_.r3_head, "observation");
  recompute();
  list = parse(server_->get("/api/v1/warnings?status=proposed", admin_).body).at("items").as_array();
  bool yellow = false;
  for (const auto& w : list) yellow |= w.at("area_id").as_int64() == seed_.g3 && str(w.at("level")) == "yellow";
  EXPECT_TRUE(yellow);
}

TEST_P(LevelApi, InvalidRulesAreRejectedNamingTheRule) {
  auto field = [&](const std::string& body) {
    auto r = put_rules(body);
    EXPECT_EQ(r.status, 422) << body << " → " << r.body;
    auto v = parse(r.body).at("error");
    return v.as_object().contains("field") ? str(v.at("field")) : std::string();
  };
  EXPECT_EQ(field(R"({"observation.medium":-1})"), "observation.medium");
  EXPECT_EQ(field(R"({"observation.high":2})"), "observation.high");  // below medium 5
  EXPECT_EQ(field(R"({"missed_rate.medium":1.5})"), "missed_rate.medium");
  EXPECT_EQ(field(R"({"bogus.high":1})"), "bogus.high");
  EXPECT_EQ(field(R"({"confirmed.low":1})"), "confirmed.low");
  EXPECT_EQ(field(R"({"confirmed.high":"one"})"), "confirmed.high");
  EXPECT_EQ(field("{}"), "rules");
  EXPECT_EQ(server_->get("/api/v1/levels", admin_).status, 422);
  EXPECT_EQ(server_->get("/api/v1/levels?area_id=999999", admin_).status, 404);
  // Nothing was stored.
  auto rules = parse(server_->get("/api/v1/levels/rules", admin_).body).at("rules").as_array();
  EXPECT_DOUBLE_EQ(rules[1].at("medium").to_number<double>(), 5.0);
}

TEST_P(LevelApi, ReadersSeeTheirScopeAndOnlyOfficialsChangeRules) {
  recompute();
  const auto gw1 = token("gw1");
  EXPECT_EQ(server_->get("/api/v1/levels?area_id=" + std::to_string(seed_.g1), gw1).status, 200);
  EXPECT_EQ(server_->get("/api/v1/levels?area_id=" + std::to_string(seed_.g2), gw1).status, 403);
  EXPECT_EQ(server_->get("/api/v1/levels/history?area_id=" + std::to_string(seed_.g2), gw1).status, 403);
  EXPECT_EQ(server_->get("/api/v1/levels?area_id=" + std::to_string(seed_.g1), token("resident")).status, 403);
  EXPECT_EQ(put_rules(R"({"observation.medium":1})", token("street")).status, 403);
  EXPECT_EQ(server_->post("/api/v1/levels/recompute", "{}", gw1).status, 403);
  EXPECT_EQ(put_rules(R"({"observation.medium":1})", token("district")).status, 200);
  EXPECT_EQ(server_->post("/api/v1/levels/recompute", "{}", token("district")).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, LevelApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::levels
