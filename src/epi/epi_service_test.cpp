// The per-area epidemic view through the real server, on SQLite and
// PostgreSQL: the curve of confirmed cases from status periods set through
// the health API (local dates, episodes, zero days, scope, Rt and today's
// counts) and the SEIR forecast over the grids (conservation, zero cases,
// spread only along observed flows, R0, parameter errors).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

#include <cmath>
#include <map>
#include <string>

#include "epi/epi_service.hpp"
#include "test_support.hpp"

namespace firstline::epi {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::Seed;

using testing::parse;

std::string str(const json::value& v) { return std::string(v.as_string()); }
double num(const json::value& v) { return v.to_number<double>(); }

class EpiApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
    r2_other_ = query_int("SELECT id FROM residents WHERE household_id = " + std::to_string(seed_.household2) +
                          " AND id <> " + std::to_string(seed_.r2_head));
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }
  std::int64_t query_int(const std::string& sql) {
    auto conn = server_->app().database().acquire();
    return db::as_int(*conn->query_value(sql));
  }
  // A status change through the health API, starting at an ISO time.
  void set_status(std::int64_t person, const std::string& status, const std::string& starts_at) {
    auto r = server_->post("/api/v1/health/people/" + std::to_string(person) + "/status",
                           R"({"status":")" + status + R"(","reason":"测试","starts_at":")" + starts_at + "\"}",
                           admin_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json::value get_ok(const std::string& target, const std::string& tok = {}) {
    auto r = server_->get(target, tok.empty() ? admin_ : tok);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return parse(r.body);
  }
  std::string forecast_url(std::int64_t area, const std::string& extra = "") {
    return "/api/v1/epi/forecast?area_id=" + std::to_string(area) + extra;
  }
  // The field a 422 names.
  std::string invalid_field(const std::string& target) {
    auto r = server_->get(target, admin_);
    EXPECT_EQ(r.status, 422) << target << ": " << r.body;
    auto v = parse(r.body);
    if (!v.is_object() || !v.as_object().contains("error")) return "";
    const auto& e = v.at("error").as_object();
    return e.contains("field") ? str(e.at("field")) : "";
  }
  std::map<std::int64_t, json::object> grids_by_id(const json::value& forecast) {
    std::map<std::int64_t, json::object> out;
    for (const auto& g : forecast.at("grids").as_array()) out[g.at("area_id").as_int64()] = g.as_object();
    return out;
  }
  std::int64_t create_place(std::int64_t area) {
    auto r = server_->post("/api/v1/places",
                           R"({"name":"网格便利店","kind":"shop","area_id":)" + std::to_string(area) + "}", admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body).at("id").as_int64();
  }
  // An entry and an exit scan of a resident at a place, at ISO times.
  void visit(std::int64_t person, std::int64_t place, const std::string& in, const std::string& out) {
    auto ev = [&](const std::string& ts, const char* dir) {
      return R"({"client_event_id":"epi-)" + std::to_string(++events_) + R"(","person_id":)" + std::to_string(person) +
             R"(,"place_id":)" + std::to_string(place) + R"(,"ts":")" + ts + R"(","direction":")" + dir + "\"}";
    };
    auto r = server_->post("/api/v1/scans", R"({"scans":[)" + ev(in, "in") + "," + ev(out, "out") + "]}", admin_);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(parse(r.body).at("rejected").as_array().size(), 0u) << r.body;
  }

  // 2026-11-25 16:00 in Beijing: today is 2026-11-25 locally.
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_;
  std::int64_t r2_other_ = 0;
  int events_ = 0;
};

TEST_P(EpiApi, TheCurveCountsConfirmationsByLocalDateWithEveryDayAndTodaysCounts) {
  // r1_head: observation on the 20th, confirmed on the 22nd (11:00 local), then
  // isolated and confirmed again: one case, on the 22nd.
  set_status(seed_.r1_head, "observation", "2026-11-20T02:00:00Z");
  set_status(seed_.r1_head, "confirmed", "2026-11-22T03:00:00Z");
  set_status(seed_.r1_head, "centralized_isolation", "2026-11-23T03:00:00Z");
  set_status(seed_.r1_head, "confirmed", "2026-11-24T03:00:00Z");
  // r2_head: confirmed at 20:00 UTC on the 24th, which is 04:00 on the 25th in Beijing.
  set_status(seed_.r2_head, "confirmed", "2026-11-24T20:00:00Z");
  // g3 (the other community) has a case on the 23rd.
  set_status(seed_.r3_head, "confirmed", "2026-11-23T02:00:00Z");
  set_status(seed_.r1_other, "observation", "2026-11-24T02:00:00Z");
  set_status(r2_other_, "home_quarantine", "2026-11-25T01:00:00Z");

  auto c = get_ok("/api/v1/epi/curve?area_id=" + std::to_string(seed_.community1) + "&days=10");
  EXPECT_EQ(str(c.at("today")), "2026-11-25");
  const auto& inc = c.at("incidence").as_array();
  ASSERT_EQ(inc.size(), 10u);
  EXPECT_EQ(str(inc.front().at("date")), "2026-11-16");
  EXPECT_EQ(str(inc.back().at("date")), "2026-11-25");
  std::map<std::string, std::int64_t> by_date;
  for (const auto& d : inc) by_date[str(d.at("date"))] = d.at("cases").as_int64();
  EXPECT_EQ(by_date.size(), 10u);  // every day, zeros included
  EXPECT_EQ(by_date["2026-11-22"], 1);
  EXPECT_EQ(by_date["2026-11-25"], 1);
  EXPECT_EQ(by_date["2026-11-23"], 0);
  EXPECT_EQ(by_date["2026-11-24"], 0);
  EXPECT_EQ(c.at("total_cases").as_int64(), 2);

  const auto& now = c.at("now");
  EXPECT_EQ(now.at("confirmed").as_int64(), 2);
  EXPECT_EQ(now.at("observation").as_int64(), 1);
  EXPECT_EQ(now.at("home_quarantine").as_int64(), 1);
  EXPECT_EQ(now.at("quarantine_or_isolation").as_int64(), 1);
  EXPECT_EQ(now.at("population").as_int64(), 4);

  // Rt: one estimate per shown day, none reliable on so few cases.
  const auto& rt = c.at("rt").as_array();
  ASSERT_EQ(rt.size(), 10u);
  EXPECT_EQ(str(rt.back().at("date")), "2026-11-25");
  EXPECT_EQ(str(rt.back().at("start_date")), "2026-11-19");
  for (const auto& e : rt) {
    EXPECT_FALSE(e.at("enough_cases").as_bool());
    EXPECT_GT(num(e.at("q975")), num(e.at("q025")));
  }
  const auto& w = c.at("serial_interval").at("weights").as_array();
  double sum = 0;
  for (const auto& x : w) sum += num(x);
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_DOUBLE_EQ(num(c.at("serial_interval").at("mean")), 4.7);

  // The district adds g3's case; by onset, r1_head's case moves to the 20th.
  auto d = get_ok("/api/v1/epi/curve?area_id=" + std::to_string(seed_.district) + "&days=10");
  EXPECT_EQ(d.at("total_cases").as_int64(), 3);
  auto onset = get_ok("/api/v1/epi/curve?area_id=" + std::to_string(seed_.community1) + "&days=10&by=onset");
  std::map<std::string, std::int64_t> by_onset;
  for (const auto& x : onset.at("incidence").as_array()) by_onset[str(x.at("date"))] = x.at("cases").as_int64();
  EXPECT_EQ(by_onset["2026-11-20"], 1);
  EXPECT_EQ(by_onset["2026-11-22"], 0);
  EXPECT_EQ(by_onset["2026-11-25"], 1);

  // A recovery ends the episode: a later confirmation is a new case.
  set_status(seed_.r1_head, "recovered", "2026-11-25T02:00:00Z");
  set_status(seed_.r1_head, "confirmed", "2026-11-25T03:00:00Z");
  auto again = get_ok("/api/v1/epi/curve?area_id=" + std::to_string(seed_.community1) + "&days=10");
  EXPECT_EQ(again.at("total_cases").as_int64(), 3);
  EXPECT_EQ(again.at("incidence").as_array().back().at("cases").as_int64(), 2);
}

TEST_P(EpiApi, TheCurveNeedsReadHealthOnTheAreaAndNamesBadParameters) {
  const auto g1 = "/api/v1/epi/curve?area_id=" + std::to_string(seed_.g1);
  EXPECT_EQ(server_->get(g1, token("gw2")).status, 403);
  EXPECT_EQ(server_->get(g1, token("gw1")).status, 200);
  EXPECT_EQ(server_->get(g1, token("volunteer")).status, 403);
  EXPECT_EQ(server_->get(g1, token("resident")).status, 403);
  EXPECT_EQ(server_->get(g1).status, 401);
  auto empty = get_ok(g1, token("gw1"));
  EXPECT_EQ(empty.at("incidence").as_array().size(), 60u);  // default 60 days
  EXPECT_EQ(empty.at("total_cases").as_int64(), 0);

  EXPECT_EQ(invalid_field("/api/v1/epi/curve"), "area_id");
  EXPECT_EQ(invalid_field(g1 + "&days=0"), "days");
  EXPECT_EQ(invalid_field(g1 + "&days=366"), "days");
  EXPECT_EQ(invalid_field(g1 + "&days=ten"), "days");
  EXPECT_EQ(invalid_field(g1 + "&si_mean=0"), "si_mean");
  EXPECT_EQ(invalid_field(g1 + "&si_sd=-1"), "si_sd");
  EXPECT_EQ(invalid_field(g1 + "&window=61"), "window");
  EXPECT_EQ(invalid_field(g1 + "&by=report"), "by");
  EXPECT_EQ(invalid_field("/api/v1/epi/curve?area_id=999999"), "area_id");
  EXPECT_EQ(server_->get(g1 + "&bogus=1", admin_).status, 400);

  // A different serial interval and window are echoed and used.
  auto c = get_ok(g1 + "&days=20&si_mean=3&si_sd=1.5&window=3");
  EXPECT_EQ(c.at("window").as_int64(), 3);
  EXPECT_EQ(c.at("rt").as_array().size(), 20u);
  EXPECT_EQ(str(c.at("rt").at(19).at("start_date")), "2026-11-23");
}

TEST_P(EpiApi, NoCasesProjectNoCases) {
  auto f = get_ok(forecast_url(seed_.district));
  EXPECT_EQ(f.at("parameters").at("days").as_int64(), 14);
  EXPECT_DOUBLE_EQ(num(f.at("parameters").at("r0")), 2.5);
  EXPECT_EQ(f.at("days").as_array().size(), 15u);  // today and 14 days
  EXPECT_EQ(f.at("grids").as_array().size(), 3u);
  EXPECT_EQ(num(f.at("projected_total")), 0.0);
  for (const auto& g : f.at("grids").as_array()) {
    EXPECT_EQ(num(g.at("projected_rise")), 0.0);
    EXPECT_EQ(g.at("new_infectious").as_array().size(), 14u);
    EXPECT_EQ(g.at("population").as_int64(), 2);
  }
}

TEST_P(EpiApi, TheForecastConservesEachGridsPopulationAndRespondsToR0) {
  set_status(seed_.r1_head, "confirmed", "2026-11-24T02:00:00Z");
  set_status(seed_.r1_other, "observation", "2026-11-24T02:00:00Z");
  set_status(seed_.r3_head, "confirmed", "2026-11-18T02:00:00Z");
  set_status(seed_.r3_head, "recovered", "2026-11-20T02:00:00Z");
  // Everyone under observation taken as exposed (the default takes a tenth).
  auto f = get_ok(forecast_url(seed_.district, "&r0=3&days=30&observation_share=1"));
  EXPECT_EQ(f.at("days").as_array().size(), 31u);
  // Area totals every day.
  for (const auto& d : f.at("days").as_array()) {
    EXPECT_NEAR(num(d.at("S")) + num(d.at("E")) + num(d.at("I")) + num(d.at("R")), 6.0, 0.01) << str(d.at("date"));
  }
  auto grids = grids_by_id(f);
  ASSERT_EQ(grids.size(), 3u);
  for (auto& [id, g] : grids) {
    for (const char* k : {"initial", "final"}) {
      const auto& s = g.at(k);
      EXPECT_NEAR(num(s.at("S")) + num(s.at("E")) + num(s.at("I")) + num(s.at("R")), 2.0, 0.01) << id << " " << k;
    }
  }
  const auto& g1 = grids[seed_.g1];
  EXPECT_DOUBLE_EQ(num(g1.at("initial").at("I")), 1.0);
  EXPECT_DOUBLE_EQ(num(g1.at("initial").at("E")), 1.0);
  EXPECT_DOUBLE_EQ(num(g1.at("initial").at("S")), 0.0);
  // g1's exposed person becomes infectious: a rise of about one.
  EXPECT_GT(num(g1.at("projected_rise")), 0.5);
  EXPECT_LE(num(g1.at("projected_rise")), 1.0 + 1e-3);
  EXPECT_EQ(f.at("grids").at(0).at("area_id").as_int64(), seed_.g1);  // largest rise first
  EXPECT_EQ(num(grids[seed_.g3].at("initial").at("R")), 1.0);

  // With a susceptible neighbour in the same grid, a higher R0 projects more.
  set_status(seed_.r2_head, "confirmed", "2026-11-24T02:00:00Z");
  auto low = get_ok(forecast_url(seed_.community1, "&r0=1.2"));
  auto high = get_ok(forecast_url(seed_.community1, "&r0=4"));
  EXPECT_DOUBLE_EQ(num(high.at("parameters").at("r0")), 4.0);
  EXPECT_GT(num(high.at("projected_total")), num(low.at("projected_total")) + 1e-3);
  EXPECT_NEAR(num(high.at("parameters").at("beta")), 4.0 / 5.0, 1e-12);
}

TEST_P(EpiApi, ACaseSpreadsToANeighbourGridOnlyAlongObservedFlows) {
  set_status(seed_.r1_head, "confirmed", "2026-11-24T02:00:00Z");
  const auto url = forecast_url(seed_.community1, "&r0=3");
  auto isolated = get_ok(url);
  EXPECT_EQ(isolated.at("flow_pairs").as_int64(), 0);
  auto grids = grids_by_id(isolated);
  EXPECT_GT(num(grids[seed_.g1].at("projected_rise")), 0.0);
  EXPECT_EQ(num(grids[seed_.g2].at("projected_rise")), 0.0);

  // A visit older than the flow window changes nothing.
  const auto shop = create_place(seed_.g1);
  visit(seed_.r2_head, shop, "2026-11-15T02:00:00Z", "2026-11-15T03:00:00Z");
  EXPECT_EQ(get_ok(url).at("flow_pairs").as_int64(), 0);

  // g2's residents shopping in g1 during the last days: g2 is exposed.
  visit(seed_.r2_head, shop, "2026-11-23T02:00:00Z", "2026-11-23T03:00:00Z");
  visit(r2_other_, shop, "2026-11-24T02:00:00Z", "2026-11-24T03:00:00Z");
  auto coupled = get_ok(url);
  EXPECT_EQ(coupled.at("flow_pairs").as_int64(), 1);
  grids = grids_by_id(coupled);
  EXPECT_GT(num(grids[seed_.g2].at("projected_rise")), 0.01);
  for (auto& [id, g] : grids) {
    const auto& s = g.at("final");
    EXPECT_NEAR(num(s.at("S")) + num(s.at("E")) + num(s.at("I")) + num(s.at("R")), 2.0, 0.01) << id;
  }
  // The district's g3 saw nobody from community 1: still nothing there.
  auto district = grids_by_id(get_ok(forecast_url(seed_.district, "&r0=3")));
  EXPECT_EQ(num(district[seed_.g3].at("projected_rise")), 0.0);
  EXPECT_GT(num(district[seed_.g2].at("projected_rise")), 0.01);
}

TEST_P(EpiApi, StoredParametersAreEveryForecastsDefaultsAndOnlyOfficialsChangeThem) {
  const std::string params = "/api/v1/epi/forecast/parameters";
  auto stored = get_ok(params);
  EXPECT_DOUBLE_EQ(num(stored.at("r0")), 2.5);
  EXPECT_DOUBLE_EQ(num(stored.at("observation_share")), 0.1);
  EXPECT_TRUE(stored.at("updated_at").is_null());

  set_status(seed_.r1_other, "observation", "2026-11-24T02:00:00Z");
  auto g1 = [&](const std::string& extra = "") {
    return grids_by_id(get_ok(forecast_url(seed_.community1, extra)))[seed_.g1];
  };
  EXPECT_DOUBLE_EQ(num(g1().at("initial").at("E")), 0.1);

  auto put = [&](const std::string& body, const std::string& tok) {
    return testing::http_request(server_->port(), "PUT", params, body,
                                 {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + tok}});
  };
  const auto staff = server_->login("staff", Seed::kPassword);
  EXPECT_EQ(put(R"({"r0":3})", staff).status, 403);
  const auto district = server_->login("district", Seed::kPassword);
  auto field_of = [&](const testing::HttpResponse& r) {
    auto v = parse(r.body);
    return v.is_object() && v.as_object().contains("error") && v.at("error").as_object().contains("field")
               ? str(v.at("error").at("field"))
               : std::string("?");
  };
  auto bad = put(R"({"r0":-1})", district);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(field_of(bad), "r0");
  EXPECT_EQ(field_of(put(R"({"observation_share":1.5})", district)), "observation_share");
  EXPECT_EQ(field_of(put(R"({"latent_days":"three"})", district)), "latent_days");
  EXPECT_EQ(field_of(put(R"({"beta":1})", district)), "beta");  // not a parameter one sets
  EXPECT_DOUBLE_EQ(num(get_ok(params).at("r0")), 2.5);  // nothing stored by the refusals

  auto ok = put(R"({"r0":3.2,"observation_share":0.5})", district);
  ASSERT_EQ(ok.status, 200) << ok.body;
  stored = get_ok(params);
  EXPECT_DOUBLE_EQ(num(stored.at("r0")), 3.2);
  EXPECT_DOUBLE_EQ(num(stored.at("latent_days")), 3.0);  // untouched
  EXPECT_EQ(str(stored.at("updated_by")), "district");
  // The stored parameters are the forecast's defaults; a request still overrides them.
  auto f = get_ok(forecast_url(seed_.community1));
  EXPECT_DOUBLE_EQ(num(f.at("parameters").at("r0")), 3.2);
  EXPECT_DOUBLE_EQ(num(g1().at("initial").at("E")), 0.5);
  EXPECT_DOUBLE_EQ(num(get_ok(forecast_url(seed_.community1, "&r0=2")).at("parameters").at("r0")), 2.0);
  // Officials saving different parameters at the same moment keep each change.
  {
    std::vector<std::thread> savers;
    savers.emplace_back([&] { EXPECT_EQ(put(R"({"latent_days":4})", district).status, 200); });
    savers.emplace_back([&] { EXPECT_EQ(put(R"({"infectious_days":6})", district).status, 200); });
    savers.emplace_back([&] { EXPECT_EQ(put(R"({"time_fraction":0.25})", district).status, 200); });
    for (auto& t : savers) t.join();
    const auto both = get_ok(params);
    EXPECT_DOUBLE_EQ(num(both.at("latent_days")), 4.0);
    EXPECT_DOUBLE_EQ(num(both.at("infectious_days")), 6.0);
    EXPECT_DOUBLE_EQ(num(both.at("time_fraction")), 0.25);
    EXPECT_DOUBLE_EQ(num(both.at("r0")), 3.2);
  }

  // Back to the built-in defaults (officials and experts only).
  EXPECT_EQ(server_->del(params, staff).status, 403);
  auto reset = server_->del(params, district);
  ASSERT_EQ(reset.status, 200) << reset.body;
  stored = get_ok(params);
  EXPECT_DOUBLE_EQ(num(stored.at("r0")), 2.5);
  EXPECT_TRUE(stored.at("updated_by").is_null());
  auto conn = server_->app().database().acquire();
  // Four saves and the reset.
  EXPECT_EQ(db::as_int(*conn->query_value("SELECT COUNT(*) FROM audit_log WHERE entity = 'forecast_parameters'")), 5);
}

TEST_P(EpiApi, ALateScanWrittenThroughAnotherNodeReachesThisNodesForecast) {
  set_status(seed_.r1_head, "confirmed", "2026-11-24T02:00:00Z");
  const auto url = forecast_url(seed_.community1, "&r0=3");
  EXPECT_EQ(get_ok(url).at("flow_pairs").as_int64(), 0);  // this node now keeps the week's (empty) sums
  EXPECT_EQ(get_ok(url).at("flow_pairs").as_int64(), 0);

  // A second node on the same database takes a gate's late upload of yesterday.
  testing::TestServer other(db_->url(), clock_);
  const auto token = other.login("admin", Seed::kPassword);
  const auto shop = create_place(seed_.g1);
  auto ev = [&](const char* ts, const char* dir) {
    return R"({"client_event_id":"node2-)" + std::string(dir) + R"(","person_id":)" + std::to_string(seed_.r2_head) +
           R"(,"place_id":)" + std::to_string(shop) + R"(,"ts":")" + ts + R"(","direction":")" + dir + "\"}";
  };
  auto r = other.post("/api/v1/scans",
                      R"({"scans":[)" + ev("2026-11-24T02:00:00Z", "in") + "," + ev("2026-11-24T03:00:00Z", "out") + "]}",
                      token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get_ok(url).at("flow_pairs").as_int64(), 1);
}

TEST_P(EpiApi, ForecastParametersAreCheckedAndTheScopeToo) {
  const auto g1 = forecast_url(seed_.g1);
  EXPECT_EQ(invalid_field(g1 + "&r0=-1"), "r0");
  EXPECT_EQ(invalid_field(g1 + "&r0=21"), "r0");
  EXPECT_EQ(invalid_field(g1 + "&r0=abc"), "r0");
  EXPECT_EQ(invalid_field(g1 + "&latent_days=0"), "latent_days");
  EXPECT_EQ(invalid_field(g1 + "&infectious_days=61"), "infectious_days");
  EXPECT_EQ(invalid_field(g1 + "&infectious_days=nan"), "infectious_days");
  EXPECT_EQ(invalid_field(g1 + "&time_fraction=1.5"), "time_fraction");
  EXPECT_EQ(invalid_field(g1 + "&days=0"), "days");
  EXPECT_EQ(invalid_field(g1 + "&days=61"), "days");
  EXPECT_EQ(invalid_field("/api/v1/epi/forecast"), "area_id");
  EXPECT_EQ(server_->get(g1 + "&beta=1", admin_).status, 400);
  EXPECT_EQ(server_->get(g1, token("gw2")).status, 403);
  EXPECT_EQ(server_->get(g1, token("volunteer")).status, 403);
  auto ok = get_ok(g1 + "&r0=0&latent_days=2.5&infectious_days=7&time_fraction=0.5&days=7", token("gw1"));
  const auto& p = ok.at("parameters");
  EXPECT_DOUBLE_EQ(num(p.at("latent_days")), 2.5);
  EXPECT_DOUBLE_EQ(num(p.at("infectious_days")), 7.0);
  EXPECT_DOUBLE_EQ(num(p.at("time_fraction")), 0.5);
  EXPECT_EQ(ok.at("days").as_array().size(), 8u);
  EXPECT_EQ(ok.at("grids").as_array().size(), 1u);

  // The engine's entry point answers the same without a caller.
  auto direct = server_->app().epi().project(seed_.g1, ForecastParams{});
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(direct->grids.size(), 1u);
  ForecastParams bad;
  bad.r0 = -1;
  auto rejected = server_->app().epi().project(seed_.g1, bad);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().field, "r0");
}

INSTANTIATE_TEST_SUITE_P(Backends, EpiApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::epi
