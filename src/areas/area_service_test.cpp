#include "areas/area_service.hpp"

#include <gtest/gtest.h>

#include "app/schema.hpp"
#include "areas/area_store.hpp"
#include "db/migrations.hpp"
#include "test_support.hpp"

namespace firstline::areas {
namespace {

using core::AreaLevel;

class AreaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db::migrate(*db_, app::schema_migrations())); }
  Area make(const char* code, AreaLevel level, std::optional<std::int64_t> parent, const core::Principal& who) {
    NewArea a;
    a.code = code;
    a.name = std::string("区域") + code;
    a.level = level;
    a.parent_id = parent;
    auto r = service_.create(who, a);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : Area{};
  }
  core::Principal granted(core::Role role, const Area& on) {
    core::Principal p;
    p.user_id = 7;
    p.username = "u";
    p.grants.push_back(core::Grant{role, on.id, on.path});
    return p;
  }

  testing::TestDatabase tdb_{testing::Backend::sqlite};
  std::unique_ptr<db::Database> db_ = db::open_database(tdb_.url(), 2);
  core::FakeClock clock_{1'700'000'000'000};
  AreaService service_{*db_, clock_};
  core::Principal admin_ = testing::admin_principal();
};

TEST_F(AreaServiceTest, ChildrenGetTheirParentsPathAsPrefix) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  auto s = make("110105001", AreaLevel::street, d.id, admin_);
  auto c = make("110105001001", AreaLevel::community, s.id, admin_);
  EXPECT_EQ(d.path, "/" + std::to_string(d.id) + "/");
  EXPECT_EQ(c.path, s.path + std::to_string(c.id) + "/");
}

TEST_F(AreaServiceTest, CodeMustExtendTheParentsCode) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  NewArea a{.code = "110106001", .name = "错", .level = AreaLevel::street, .parent_id = d.id};
  auto r = service_.create(admin_, a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "code");
}

TEST_F(AreaServiceTest, OnlyAdministratorsCreateDistricts) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  auto official = granted(core::Role::district_official, d);
  NewArea a{.code = "110106", .name = "别区", .level = AreaLevel::district};
  auto r = service_.create(official, a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::forbidden);
  // ...but a district official creates streets in their own district.
  make("110105002", AreaLevel::street, d.id, official);
}

TEST_F(AreaServiceTest, ListIsLimitedToTheGrantedSubtree) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  auto s1 = make("110105001", AreaLevel::street, d.id, admin_);
  auto s2 = make("110105002", AreaLevel::street, d.id, admin_);
  auto c1 = make("110105001001", AreaLevel::community, s1.id, admin_);
  make("110105002001", AreaLevel::community, s2.id, admin_);
  auto page = service_.list(granted(core::Role::street_official, s1), AreaQuery{.level = AreaLevel::community});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, c1.id);
}

TEST_F(AreaServiceTest, PagesFollowCodeOrder) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  for (int i = 1; i <= 5; ++i) make(("11010500" + std::to_string(i)).c_str(), AreaLevel::street, d.id, admin_);
  AreaQuery q{.level = AreaLevel::street, .limit = 2};
  std::vector<std::string> codes;
  for (int guard = 0; guard < 5; ++guard) {
    auto page = service_.list(admin_, q);
    ASSERT_TRUE(page);
    for (auto& a : page->items) codes.push_back(a.code);
    if (!page->next) break;
    q.cursor = page->next;
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"110105001", "110105002", "110105003", "110105004", "110105005"}));
}

TEST_F(AreaServiceTest, DeletingAnAreaWithChildrenIsAConflictAndAnEmptyOneFreesItsCode) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  auto s = make("110105001", AreaLevel::street, d.id, admin_);
  auto refused = service_.remove(admin_, d.id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::conflict);
  ASSERT_TRUE(service_.remove(admin_, s.id));
  EXPECT_EQ(service_.get(admin_, s.id).error().code, core::ErrorCode::not_found);
  make("110105001", AreaLevel::street, d.id, admin_);  // the code is free again
}

TEST_F(AreaServiceTest, BoundaryMustBeAClosedPolygon) {
  EXPECT_TRUE(validate_boundary(R"({"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]})"));
  EXPECT_TRUE(validate_boundary(
      R"({"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[1,1],[2,1],[2,2],[1,1]]]]}})"));
  EXPECT_FALSE(validate_boundary(R"({"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2]]]})"));  // open
  EXPECT_FALSE(validate_boundary(R"({"type":"Point","coordinates":[1,1]})"));
  EXPECT_FALSE(validate_boundary(R"({"type":"Polygon","coordinates":[[[1,1],[200,1],[2,2],[1,1]]]})"));
  EXPECT_FALSE(validate_boundary("not json"));
}

TEST_F(AreaServiceTest, EditsAreAudited) {
  auto d = make("110105", AreaLevel::district, std::nullopt, admin_);
  ASSERT_TRUE(service_.update(admin_, d.id, AreaPatch{.name = "新名字"}));
  auto conn = db_->acquire();
  auto n = conn->query_value("SELECT COUNT(*) FROM audit_log WHERE entity = 'area' AND entity_id = $1", {d.id});
  EXPECT_EQ(db::as_int(*n), 2);  // create + update
  EXPECT_EQ(service_.get(admin_, d.id)->name, "新名字");
}

}  // namespace
}  // namespace firstline::areas
