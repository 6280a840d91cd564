// API tests: the real server on an ephemeral port, spoken to over HTTP, on
// SQLite and on PostgreSQL. They hold the role/scope matrix, masking, the
// audit log, the error shape and codes, and malformed input.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace firstline::testing {
namespace {

namespace json = boost::json;

using testing::parse;

std::string error_code(const HttpResponse& r) {
  auto v = parse(r.body);
  if (!v.is_object() || !v.as_object().contains("error")) return "<no error object>";
  return std::string(v.at("error").at("code").as_string());
}

std::string error_field(const HttpResponse& r) {
  auto v = parse(r.body);
  const auto& e = v.at("error").as_object();
  return e.contains("field") ? std::string(e.at("field").as_string()) : "";
}

std::vector<std::int64_t> item_ids(const HttpResponse& r) {
  std::vector<std::int64_t> ids;
  auto v = parse(r.body);
  for (const auto& item : v.at("items").as_array()) ids.push_back(item.at("id").as_int64());
  std::sort(ids.begin(), ids.end());
  return ids;
}

class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<TestServer>(db_->url(), clock_);
    seed_ = seed_district(server_->app());
  }
  void TearDown() override {
    server_.reset();
    db_.reset();
  }
  std::string token(const std::string& user) {
    auto it = tokens_.find(user);
    if (it != tokens_.end()) return it->second;
    auto t = server_->login(user, Seed::kPassword);
    EXPECT_FALSE(t.empty()) << "login failed for " << user;
    return tokens_[user] = t;
  }
  std::int64_t count_residents() {
    auto conn = server_->app().database().acquire();
    return db::as_int(*conn->query_value("SELECT COUNT(*) FROM residents WHERE deleted_at IS NULL"));
  }
  std::string resident_json(const std::string& id_number, std::int64_t household) {
    return R"({"name":"赵敏","id_number":")" + id_number + R"(","household_id":)" + std::to_string(household) +
           R"(,"phone":"13912345678","tags":["chronic_illness"]})";
  }

  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<TestServer> server_;
  Seed seed_;
  std::map<std::string, std::string> tokens_;
};

TEST_P(ApiTest, HealthAndMetricsAnswerWithoutToken) {
  auto h = server_->get("/healthz");
  EXPECT_EQ(h.status, 200);
  server_->get("/api/v1/residents");  // counted as 401
  auto m = server_->get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("firstline_http_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("firstline_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("firstline_db_seconds_total"), std::string::npos);
}

TEST_P(ApiTest, LoginReturnsTokenAndRejectsWrongPassword) {
  auto ok = server_->post("/api/v1/auth/login", R"({"username":"admin","password":"password123"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(parse(ok.body).at("token").as_string().size(), 64u);
  auto bad = server_->post("/api/v1/auth/login", R"({"username":"admin","password":"wrong-password"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(error_code(bad), "unauthorized");
  auto unknown = server_->post("/api/v1/auth/login", R"({"username":"nobody","password":"password123"})");
  EXPECT_EQ(unknown.status, 401);
  auto missing = server_->post("/api/v1/auth/login", R"({"username":"admin"})");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(error_field(missing), "password");
}

TEST_P(ApiTest, RequestsWithoutValidTokenAre401) {
  EXPECT_EQ(server_->get("/api/v1/residents").status, 401);
  EXPECT_EQ(server_->get("/api/v1/residents", std::string(64, 'a')).status, 401);
  auto t = token("gw1");
  ASSERT_EQ(server_->post("/api/v1/auth/logout", "", t).status, 204);
  EXPECT_EQ(server_->get("/api/v1/residents", t).status, 401);
}

TEST_P(ApiTest, SessionsExpire) {
  auto t = token("gw1");
  EXPECT_EQ(server_->get("/api/v1/me", t).status, 200);
  clock_.advance(13LL * 3600 * 1000);
  auto r = server_->get("/api/v1/me", t);
  EXPECT_EQ(r.status, 401);
}

TEST_P(ApiTest, AreasListHasContractFieldsAndIsScoped) {
  auto all = server_->get("/api/v1/areas?level=grid", token("admin"));
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(item_ids(all), (std::vector<std::int64_t>{seed_.g1, seed_.g2, seed_.g3}));
  const auto first = parse(all.body).at("items").at(0);
  for (const char* key : {"id", "code", "name", "level", "parent_id"}) EXPECT_TRUE(first.as_object().contains(key)) << key;
  EXPECT_TRUE(parse(all.body).as_object().contains("next"));

  auto gw = server_->get("/api/v1/areas?level=grid", token("gw1"));
  EXPECT_EQ(item_ids(gw), (std::vector<std::int64_t>{seed_.g1}));
  auto children = server_->get("/api/v1/areas?parent_id=" + std::to_string(seed_.community1), token("street"));
  EXPECT_EQ(item_ids(children), (std::vector<std::int64_t>{seed_.g1, seed_.g2}));
  EXPECT_EQ(server_->get("/api/v1/areas/" + std::to_string(seed_.g2), token("gw1")).status, 403);
  EXPECT_EQ(server_->get("/api/v1/areas/999999", token("admin")).status, 404);
}

TEST_P(ApiTest, AreaDetailRollsUpCounts) {
  auto r = server_->get("/api/v1/areas/" + std::to_string(seed_.street1), token("admin"));
  ASSERT_EQ(r.status, 200);
  auto counts = parse(r.body).at("counts");
  EXPECT_EQ(counts.at("grids").as_int64(), 2);
  EXPECT_EQ(counts.at("households").as_int64(), 2);
  EXPECT_EQ(counts.at("residents").as_int64(), 4);
  auto list = server_->get("/api/v1/areas?level=street&with_counts=true", token("admin"));
  auto items = parse(list.body).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].at("counts").at("residents").as_int64(), 2);
}

TEST_P(ApiTest, AreaCodesAreValidatedAgainstTheParent) {
  const auto t = token("admin");
  const auto parent = std::to_string(seed_.community1);
  auto wrong_prefix =
      server_->post("/api/v1/areas", R"({"code":"110105002001009","name":"x","level":"grid","parent_id":)" + parent + "}", t);
  EXPECT_EQ(wrong_prefix.status, 422);
  EXPECT_EQ(error_field(wrong_prefix), "code");
  auto wrong_length = server_->post("/api/v1/areas", R"({"code":"1101050010019","name":"x","level":"grid","parent_id":)" + parent + "}", t);
  EXPECT_EQ(wrong_length.status, 422);
  auto duplicate = server_->post("/api/v1/areas", R"({"code":"110105001001001","name":"x","level":"grid","parent_id":)" + parent + "}", t);
  EXPECT_EQ(duplicate.status, 409);
  auto wrong_level = server_->post("/api/v1/areas", R"({"code":"110105001001","name":"x","level":"street","parent_id":)" + parent + "}", t);
  EXPECT_EQ(wrong_level.status, 422);
  EXPECT_EQ(error_field(wrong_level), "parent_id");
  auto bad_polygon = server_->post("/api/v1/areas",
      R"({"code":"110105001001003","name":"x","level":"grid","parent_id":)" + parent +
      R"(,"boundary":{"type":"Polygon","coordinates":[[[116.4,39.9],[116.5,39.9],[116.5,40.0]]]}})", t);
  EXPECT_EQ(bad_polygon.status, 422);
  EXPECT_EQ(error_field(bad_polygon), "boundary");
  auto ok = server_->post("/api/v1/areas",
      R"({"code":"110105001001003","name":"第三网格","level":"grid","parent_id":)" + parent +
      R"(,"boundary":{"type":"Polygon","coordinates":[[[116.4,39.9],[116.5,39.9],[116.5,40.0],[116.4,39.9]]]}})", t);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(parse(ok.body).at("boundary").at("type").as_string(), "Polygon");
  // A grid worker cannot create areas; community staff can, inside their community only.
  EXPECT_EQ(server_->post("/api/v1/areas", R"({"code":"110105001001004","name":"x","level":"grid","parent_id":)" + parent + "}", token("gw1")).status, 403);
  EXPECT_EQ(server_->post("/api/v1/areas", R"({"code":"110105001001004","name":"x","level":"grid","parent_id":)" + parent + "}", token("staff")).status, 201);
  EXPECT_EQ(server_->post("/api/v1/areas", R"({"code":"110105002001002","name":"x","level":"grid","parent_id":)" + std::to_string(seed_.community2) + "}", token("staff")).status, 403);
}

// Who sees which residents: the scope matrix of the seeded district.
TEST_P(ApiTest, ResidentListAndFetchFollowTheCallersScope) {
  struct Case {
    const char* user;
    int list_status;
    std::size_t listed;
    std::vector<std::pair<std::int64_t, int>> fetches;  // resident id -> status
  };
  const std::vector<Case> cases = {
      {"admin", 200, 6, {{seed_.r1_head, 200}, {seed_.r3_head, 200}}},
      {"district", 200, 6, {{seed_.r1_head, 200}, {seed_.r3_head, 200}}},
      {"street", 200, 4, {{seed_.r2_head, 200}, {seed_.r3_head, 403}}},
      {"staff", 200, 4, {{seed_.r2_head, 200}, {seed_.r3_head, 403}}},
      {"gw1", 200, 2, {{seed_.r1_head, 200}, {seed_.r2_head, 403}, {seed_.r3_head, 403}}},
      {"gw2", 200, 2, {{seed_.r2_head, 200}, {seed_.r1_head, 403}}},
      {"volunteer", 403, 0, {{seed_.r1_head, 403}}},
      {"resident", 200, 2, {{seed_.r1_head, 200}, {seed_.r1_other, 200}, {seed_.r2_head, 403}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.user);
    auto list = server_->get("/api/v1/residents?limit=100", token(c.user));
    EXPECT_EQ(list.status, c.list_status) << list.body;
    if (list.status == 200) {
      EXPECT_EQ(parse(list.body).at("items").as_array().size(), c.listed);
    }
    for (auto [id, status] : c.fetches) {
      EXPECT_EQ(server_->get("/api/v1/residents/" + std::to_string(id), token(c.user)).status, status) << "resident " << id;
    }
  }
  // Filtering by another grid is refused, by an enclosing area narrowed to the caller's grid.
  EXPECT_EQ(server_->get("/api/v1/residents?area_id=" + std::to_string(seed_.g2), token("gw1")).status, 403);
  auto narrowed = server_->get("/api/v1/residents?area_id=" + std::to_string(seed_.community1), token("gw1"));
  ASSERT_EQ(narrowed.status, 200);
  EXPECT_EQ(parse(narrowed.body).at("items").as_array().size(), 2u);
  auto subtree = server_->get("/api/v1/residents?area_id=" + std::to_string(seed_.street2), token("admin"));
  EXPECT_EQ(parse(subtree.body).at("items").as_array().size(), 2u);
}

TEST_P(ApiTest, IdentityNumbersAreMaskedUnlessTheRoleMaySeeThem) {
  const auto path = "/api/v1/residents/" + std::to_string(seed_.r1_head);
  auto admin = parse(server_->get(path, token("admin")).body);
  EXPECT_EQ(admin.at("id_number").as_string(), seed_.r1_id_number);
  EXPECT_FALSE(admin.at("masked").as_bool());
  auto gw = parse(server_->get(path, token("gw1")).body);
  EXPECT_EQ(gw.at("id_number").as_string(), seed_.r1_id_number);
  auto official = parse(server_->get(path, token("district")).body);
  const std::string masked(official.at("id_number").as_string());
  EXPECT_EQ(masked, seed_.r1_id_number.substr(0, 6) + "********" + seed_.r1_id_number.substr(14));
  EXPECT_TRUE(official.at("masked").as_bool());
  EXPECT_NE(std::string(official.at("phone").as_string()).find("****"), std::string::npos);
  auto asked_masked = parse(server_->get(path + "?reveal=false", token("admin")).body);
  EXPECT_TRUE(asked_masked.at("masked").as_bool());
  // A resident sees their own number, and only masked numbers of their family.
  auto self = parse(server_->get(path, token("resident")).body);
  EXPECT_EQ(self.at("id_number").as_string(), seed_.r1_id_number);
  auto family = parse(server_->get("/api/v1/residents/" + std::to_string(seed_.r1_other), token("resident")).body);
  EXPECT_TRUE(family.at("masked").as_bool());
  // Lists mask for officials too.
  auto list = parse(server_->get("/api/v1/residents", token("street")).body);
  for (const auto& item : list.at("items").as_array()) EXPECT_TRUE(item.at("masked").as_bool());
}

TEST_P(ApiTest, UnmaskedReadsAndWritesAreAudited) {
  const auto admin = token("admin");
  ASSERT_EQ(server_->get("/api/v1/residents/" + std::to_string(seed_.r2_head), token("gw2")).status, 200);
  auto reads = parse(server_->get("/api/v1/audit?action=read_personal&entity=resident", admin).body);
  bool found = false;
  for (const auto& e : reads.at("items").as_array()) {
    if (e.at("username").as_string() == "gw2" && e.at("entity_id").is_int64() &&
        e.at("entity_id").as_int64() == seed_.r2_head) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << reads;
  // A masked read is not a read of personal data.
  const auto before = parse(server_->get("/api/v1/audit?action=read_personal", admin).body).at("items").as_array().size();
  server_->get("/api/v1/residents/" + std::to_string(seed_.r2_head), token("district"));
  EXPECT_EQ(parse(server_->get("/api/v1/audit?action=read_personal", admin).body).at("items").as_array().size(), before);

  auto created = server_->post("/api/v1/residents", resident_json(make_id_number("110105", "19900101", 123), seed_.household1), token("gw1"));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = parse(created.body).at("id").as_int64();
  auto writes = parse(server_->get("/api/v1/audit?action=create&entity=resident&entity_id=" + std::to_string(id), admin).body);
  ASSERT_EQ(writes.at("items").as_array().size(), 1u);
  EXPECT_EQ(writes.at("items").at(0).at("username").as_string(), "gw1");
  // Only roles with read_audit see the log.
  EXPECT_EQ(server_->get("/api/v1/audit", token("gw1")).status, 403);
}

TEST_P(ApiTest, ResidentLifecycleCreateReadUpdateDelete) {
  const auto t = token("staff");
  auto created = server_->post("/api/v1/residents", resident_json(make_id_number("110105", "19521212", 124), seed_.household2), t);
  ASSERT_EQ(created.status, 201) << created.body;
  auto r = parse(created.body);
  const auto id = std::to_string(r.at("id").as_int64());
  EXPECT_EQ(r.at("area_id").as_int64(), seed_.g2);
  EXPECT_EQ(r.at("birth_date").as_string(), "1952-12-12");
  EXPECT_EQ(r.at("sex").as_string(), "F");

  auto patched = server_->patch("/api/v1/residents/" + id, R"({"phone":null,"tags":["elderly","disabled"]})", t);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(parse(patched.body).at("phone").is_null());
  EXPECT_EQ(parse(patched.body).at("tags").as_array().size(), 2u);

  auto by_tag = server_->get("/api/v1/residents?tag=disabled", t);
  EXPECT_EQ(item_ids(by_tag), (std::vector<std::int64_t>{r.at("id").as_int64()}));
  auto by_name = server_->get("/api/v1/residents?q=%E8%B5%B5", t);  // 赵
  EXPECT_EQ(parse(by_name.body).at("items").as_array().size(), 1u);
  auto elderly = server_->get("/api/v1/residents?age_min=70", t);
  EXPECT_EQ(item_ids(elderly), (std::vector<std::int64_t>{r.at("id").as_int64()}));

  EXPECT_EQ(server_->del("/api/v1/residents/" + id, token("gw1")).status, 403);
  EXPECT_EQ(server_->del("/api/v1/residents/" + id, t).status, 204);
  EXPECT_EQ(server_->get("/api/v1/residents/" + id, t).status, 404);
}

TEST_P(ApiTest, BadResidentInputIsRejectedAndNothingIsStored) {
  const auto t = token("gw1");
  const auto before = count_residents();
  const auto hh = std::to_string(seed_.household1);
  struct Bad {
    std::string body;
    int status;
    std::string field;
  };
  const std::string good_id = make_id_number("110105", "19900101", 321);
  std::string wrong_check = good_id;
  wrong_check[17] = wrong_check[17] == '1' ? '2' : '1';
  const std::vector<Bad> cases = {
      {R"({"name":"x","household_id":)" + hh + R"(,"id_number":")" + wrong_check + R"("})", 422, "id_number"},
      {R"({"name":"x","household_id":)" + hh + R"(,"id_number":"110105199002300011"})", 422, "id_number"},
      {R"({"name":"x","household_id":)" + hh + R"(,"id_number":")" + make_id_number("110105", "20991231", 1) + R"("})", 422, "id_number"},
      {R"({"household_id":)" + hh + "}", 422, "name"},
      {R"({"name":42,"household_id":)" + hh + "}", 422, "name"},
      {R"({"name":"x","household_id":"one"})", 422, "household_id"},
      {R"({"name":"x","household_id":)" + hh + R"(,"phone":"call me"})", 422, "phone"},
      {R"({"name":"x","household_id":)" + hh + R"(,"tags":["vip"]})", 422, "tags"},
      {R"({"name":"x","household_id":)" + hh + R"(,"sex":"X"})", 422, "sex"},
      {R"({"name":"x","household_id":)" + hh + R"(,"nickname":"y"})", 400, "nickname"},
      {R"({"name":"x"})", 422, "area_id"},
      {R"({"name":"x","area_id":)" + std::to_string(seed_.community1) + "}", 422, "area_id"},
      {R"({"name":"x","household_id":999999})", 422, "household_id"},
      {R"({"name":"x","household_id":)" + std::to_string(seed_.household2) + "}", 403, ""},
      {R"({"name":"x",)", 400, ""},
      {R"([1,2,3])", 400, ""},
      {"\xff\xfe{}", 400, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = server_->post("/api/v1/residents", c.body, t);
    EXPECT_EQ(r.status, c.status) << r.body;
    if (!c.field.empty()) {
      EXPECT_EQ(error_field(r), c.field);
    }
    EXPECT_TRUE(parse(r.body).as_object().contains("error"));
  }
  auto wrong_type = server_->post("/api/v1/residents", "name=x", t, "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(count_residents(), before);

  // The same document twice is a conflict.
  ASSERT_EQ(server_->post("/api/v1/residents", resident_json(good_id, seed_.household1), t).status, 201);
  auto dup = server_->post("/api/v1/residents", resident_json(good_id, seed_.household1), t);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(error_code(dup), "conflict");
  // Lower-case x is accepted and stored upper-case.
  std::string x_id;
  for (int seq = 0; seq < 1000 && x_id.empty(); ++seq) {
    auto candidate = make_id_number("110105", "19880808", seq);
    if (candidate.back() == 'X') x_id = candidate;
  }
  x_id.back() = 'x';
  auto lower = server_->post("/api/v1/residents", resident_json(x_id, seed_.household1), t);
  ASSERT_EQ(lower.status, 201) << lower.body;
  EXPECT_EQ(parse(lower.body).at("id_number").as_string().back(), 'X');
}

TEST_P(ApiTest, OversizedBodiesAre413) {
  const std::string big(9u << 20, 'a');
  auto r = server_->post("/api/v1/residents", big, token("admin"));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r), "payload_too_large");
}

TEST_P(ApiTest, UnknownEndpointsAndMethodsAnswerJsonErrors) {
  auto t = token("admin");
  auto missing = server_->get("/api/v1/nothing-here", t);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error_code(missing), "not_found");
  auto method = http_request(server_->port(), "PUT", "/api/v1/residents", "{}", {{"Authorization", "Bearer " + t}});
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(error_code(method), "method_not_allowed");
  EXPECT_EQ(server_->get("/api/v1/residents/abc", t).status, 404);
  auto bad_limit = server_->get("/api/v1/residents?limit=0", t);
  EXPECT_EQ(bad_limit.status, 422);
  EXPECT_EQ(error_field(bad_limit), "limit");
  auto unknown_param = server_->get("/api/v1/residents?areaid=1", t);
  EXPECT_EQ(unknown_param.status, 400);
  auto garbage = raw_request(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(garbage.empty() || garbage.find(" 400 ") != std::string::npos) << garbage;
  EXPECT_EQ(server_->get("/healthz").status, 200);  // still serving
}

TEST_P(ApiTest, ListsPageWithCursor) {
  const auto t = token("admin");
  std::vector<std::int64_t> seen;
  std::string target = "/api/v1/residents?limit=4";
  for (int guard = 0; guard < 10; ++guard) {
    auto page = parse(server_->get(target, t).body);
    for (const auto& item : page.at("items").as_array()) seen.push_back(item.at("id").as_int64());
    if (page.at("next").is_null()) break;
    target = "/api/v1/residents?limit=4&cursor=" + std::string(page.at("next").as_string());
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_P(ApiTest, HouseholdsAndBuildingsFollowScopeAndVerification) {
  const auto t = token("gw1");
  auto b = server_->post("/api/v1/buildings", R"({"area_id":)" + std::to_string(seed_.g1) + R"(,"name":"1号楼","address":"幸福路1号院1号楼","floors":6})", t);
  ASSERT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(server_->post("/api/v1/buildings", R"({"area_id":)" + std::to_string(seed_.g2) + R"(,"name":"x","address":"y"})", t).status, 403);
  EXPECT_EQ(server_->post("/api/v1/buildings", R"({"area_id":)" + std::to_string(seed_.g1) + R"(,"name":"x","address":"y","kind":"castle"})", t).status, 422);
  auto bid = std::to_string(parse(b.body).at("id").as_int64());
  auto hh = server_->post("/api/v1/households", R"({"building_id":)" + bid + R"(,"address":"1号楼2单元202"})", t);
  ASSERT_EQ(hh.status, 201) << hh.body;
  EXPECT_EQ(parse(hh.body).at("area_id").as_int64(), seed_.g1);
  auto hid = std::to_string(parse(hh.body).at("id").as_int64());
  auto verified = server_->post("/api/v1/households/" + hid + "/verify", "", t);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_TRUE(parse(verified.body).at("verified").as_bool());
  auto unverified = server_->get("/api/v1/households?verified=false", t);
  EXPECT_EQ(item_ids(unverified), (std::vector<std::int64_t>{seed_.household1}));
  EXPECT_EQ(server_->get("/api/v1/households/" + std::to_string(seed_.household2), t).status, 403);
  auto own = server_->get("/api/v1/households", token("resident"));
  EXPECT_EQ(item_ids(own), (std::vector<std::int64_t>{seed_.household1}));
  auto members = server_->get("/api/v1/households/" + std::to_string(seed_.household1), t);
  EXPECT_EQ(parse(members.body).at("member_count").as_int64(), 2);
  EXPECT_EQ(parse(members.body).at("head_resident_id").as_int64(), seed_.r1_head);
}

TEST_P(ApiTest, OnlyAdministratorsManageUsers) {
  const auto body = R"({"username":"newworker","password":"long-enough-1","roles":[{"role":"grid_worker","area_id":)" +
                    std::to_string(seed_.g3) + "}]}";
  EXPECT_EQ(server_->post("/api/v1/users", body, token("staff")).status, 403);
  auto created = server_->post("/api/v1/users", body, token("admin"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parse(created.body).at("roles").at(0).at("role").as_string(), "grid_worker");
  EXPECT_EQ(server_->post("/api/v1/users", body, token("admin")).status, 409);
  auto bad_role = server_->post("/api/v1/users", R"({"username":"x1y","password":"long-enough-1","roles":[{"role":"king","area_id":1}]})", token("admin"));
  EXPECT_EQ(bad_role.status, 422);
  auto short_pw = server_->post("/api/v1/users", R"({"username":"x2y","password":"short","roles":[{"role":"admin"}]})", token("admin"));
  EXPECT_EQ(short_pw.status, 422);
  EXPECT_EQ(error_field(short_pw), "password");
  auto resident_unlinked = server_->post("/api/v1/users", R"({"username":"x3y","password":"long-enough-1","roles":[{"role":"resident"}]})", token("admin"));
  EXPECT_EQ(resident_unlinked.status, 422);
  EXPECT_EQ(error_field(resident_unlinked), "resident_id");
  // The new account works and sees only its grid.
  auto t = server_->login("newworker", "long-enough-1");
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(parse(server_->get("/api/v1/residents", t).body).at("items").as_array().size(), 2u);
  // Disabling an account ends its sessions.
  const auto uid = std::to_string(parse(created.body).at("id").as_int64());
  ASSERT_EQ(server_->patch("/api/v1/users/" + uid, R"({"disabled":true})", token("admin")).status, 200);
  EXPECT_EQ(server_->get("/api/v1/residents", t).status, 401);
}

TEST_P(ApiTest, MeReportsRolesAndRemembersLanguage) {
  const auto t = token("gw1");
  auto me = parse(server_->get("/api/v1/me", t).body);
  EXPECT_EQ(me.at("username").as_string(), "gw1");
  EXPECT_EQ(me.at("roles").at(0).at("area_code").as_string(), "110105001001001");
  auto changed = server_->patch("/api/v1/me", R"({"language":"en"})", t);
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(parse(server_->get("/api/v1/me", t).body).at("language").as_string(), "en");
  EXPECT_EQ(server_->patch("/api/v1/me", R"({"language":"fr"})", t).status, 422);
}

// The whole role/scope matrix, as data: tests/scope_matrix.txt.
TEST_P(ApiTest, EveryEndpointAnswersEachRoleAsTheScopeMatrixSays) {
  std::ifstream in(std::string(FIRSTLINE_SOURCE_DIR) + "/tests/scope_matrix.txt");
  ASSERT_TRUE(in) << "tests/scope_matrix.txt is missing";
  const std::vector<std::string> users = {"resident", "volunteer", "gw2", "gw1", "staff", "street", "district", "admin"};
  const std::map<std::string, std::int64_t> ids = {
      {"{g1}", seed_.g1}, {"{g2}", seed_.g2}, {"{g3}", seed_.g3}, {"{community1}", seed_.community1},
      {"{r1}", seed_.r1_head}, {"{r2}", seed_.r2_head}, {"{r3}", seed_.r3_head},
      {"{h1}", seed_.household1}, {"{h2}", seed_.household2}};
  auto substitute = [&](std::string text, std::size_t column) {
    for (const auto& [key, value] : ids) {
      for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key)) text.replace(pos, key.size(), std::to_string(value));
    }
    for (auto pos = text.find("{n}"); pos != std::string::npos; pos = text.find("{n}")) text.replace(pos, 3, std::to_string(column + 1));
    for (auto pos = text.find("\\n"); pos != std::string::npos; pos = text.find("\\n")) text.replace(pos, 2, "\n");
    return text;
  };
  std::string line;
  int rows = 0;
  std::vector<std::string> mismatches;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string method, path;
    words >> method >> path;
    // The body runs up to the eight statuses at the end of the line.
    std::vector<std::string> tokens;
    for (std::string w; words >> w;) tokens.push_back(w);
    ASSERT_GE(tokens.size(), 9u) << line;
    std::vector<int> expected;
    for (std::size_t i = tokens.size() - 8; i < tokens.size(); ++i) expected.push_back(std::stoi(tokens[i]));
    std::string body;
    for (std::size_t i = 0; i + 8 < tokens.size(); ++i) body += (i ? " " : "") + tokens[i];
    ++rows;
    for (std::size_t c = 0; c < users.size(); ++c) {
      std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token(users[c])}};
      std::string payload;
      if (body.rfind("csv:", 0) == 0) {
        payload = substitute(body.substr(4), c);
        headers["Content-Type"] = "text/csv";
      } else if (body != "-") {
        payload = substitute(body, c);
        headers["Content-Type"] = "application/json";
      }
      auto r = http_request(server_->port(), method, substitute(path, c), payload, headers);
      if (r.status != expected[c]) {
        mismatches.push_back(method + " " + path + " as " + users[c] + ": expected " + std::to_string(expected[c]) +
                             ", got " + std::to_string(r.status) + " " + r.body.substr(0, 160));
      }
    }
  }
  EXPECT_GT(rows, 20);
  for (const auto& m : mismatches) ADD_FAILURE() << m;
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace firstline::testing
