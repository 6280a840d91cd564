#include "people/people_service.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace firstline::people {
namespace {

const core::Date kToday{2026, 11, 25};

TEST(ValidateResident, DerivesBirthDateAndSexFromTheIdentityNumber) {
  Resident r;
  r.name = " 张三 ";
  r.id_number = "11010519491231002x";
  ASSERT_TRUE(validate_resident(r, kToday));
  EXPECT_EQ(r.name, "张三");
  EXPECT_EQ(*r.id_number, "11010519491231002X");
  EXPECT_EQ(*r.birth_date, "1949-12-31");
  EXPECT_EQ(*r.sex, "F");
}

TEST(ValidateResident, RejectsABirthDateThatContradictsTheIdentityNumber) {
  Resident r;
  r.name = "张三";
  r.id_number = "11010519491231002X";
  r.birth_date = "1950-01-01";
  auto st = validate_resident(r, kToday);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().field, "birth_date");
}

TEST(ValidateResident, AcceptsPassportsWithTheirOwnNumberFormat) {
  Resident r;
  r.name = "John Smith";
  r.document_type = "passport";
  r.id_number = "E12345678";
  r.birth_date = "1990-05-05";
  EXPECT_TRUE(validate_resident(r, kToday));
  r.id_number = "E1234 5678!";
  EXPECT_FALSE(validate_resident(r, kToday));
}

TEST(ValidateResident, TagsAreCheckedDeduplicatedAndSorted) {
  Resident r;
  r.name = "王五";
  r.tags = {"disabled", "child", "disabled"};
  ASSERT_TRUE(validate_resident(r, kToday));
  EXPECT_EQ(r.tags, (std::vector<std::string>{"child", "disabled"}));
  r.tags = {"vip"};
  EXPECT_EQ(validate_resident(r, kToday).error().field, "tags");
}

TEST(ValidateResident, RejectsFutureBirthDatesAndUnknownRelations) {
  Resident r;
  r.name = "赵六";
  r.birth_date = "2027-01-01";
  EXPECT_EQ(validate_resident(r, kToday).error().field, "birth_date");
  r.birth_date = "2000-02-30";
  EXPECT_EQ(validate_resident(r, kToday).error().field, "birth_date");
  r.birth_date.reset();
  r.relation = "boss";
  EXPECT_EQ(validate_resident(r, kToday).error().field, "relation");
}

TEST(MaskResident, KeepsTheEndsOfNumbersOnly) {
  Resident r;
  r.id_number = "11010519491231002X";
  r.phone = "13812345678";
  mask_resident(r);
  EXPECT_EQ(*r.id_number, "110105********002X");
  EXPECT_EQ(*r.phone, "138****5678");
  EXPECT_TRUE(r.masked);
}

class PeopleServiceTest : public ::testing::Test {
 protected:
  testing::TestDatabase tdb_{testing::Backend::sqlite};
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  testing::TestServer server_{tdb_.url(), clock_};
  testing::Seed seed_ = testing::seed_district(server_.app());
  PeopleService& people() { return server_.app().people(); }
  core::Principal as(core::Role role, std::int64_t area_id, const char* path_of_code) {
    core::Principal p;
    p.user_id = 99;
    p.username = "tester";
    auto area = server_.app().areas().get(testing::admin_principal(), area_id);
    p.grants.push_back(core::Grant{role, area_id, area->path});
    (void)path_of_code;
    return p;
  }
};

TEST_F(PeopleServiceTest, SearchingByDigitsNeedsARoleThatMaySeePersonalData) {
  ResidentQuery q;
  q.q = "1381234";
  auto official = people().list_residents(as(core::Role::street_official, seed_.street1, ""), q);
  ASSERT_FALSE(official);
  EXPECT_EQ(official.error().field, "q");
  auto worker = people().list_residents(as(core::Role::grid_worker, seed_.g1, ""), q);
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->items.size(), 2u);
}

TEST_F(PeopleServiceTest, SearchFindsAResidentByIdentityNumberFragment) {
  ResidentQuery q;
  q.q = seed_.r1_id_number.substr(10, 6);
  auto found = people().list_residents(testing::admin_principal(), q);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].id, seed_.r1_head);
}

TEST_F(PeopleServiceTest, TheFirstHeadRegisteredBecomesTheHouseholdHead) {
  auto h = people().get_household(testing::admin_principal(), seed_.household2);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->head_resident_id, seed_.r2_head);
  EXPECT_EQ(h->member_count, 2);
}

TEST_F(PeopleServiceTest, DeletingAHouseholdKeepsItsResidentsWithoutHousehold) {
  const auto admin = testing::admin_principal();
  ASSERT_TRUE(people().delete_household(admin, seed_.household1));
  auto r = people().get_resident(admin, seed_.r1_head);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->household_id);
  EXPECT_EQ(r->area_id, seed_.g1);
}

TEST_F(PeopleServiceTest, MovingAResidentToAnotherGridNeedsWriteAccessThere) {
  ResidentPatch move;
  move.household_id = std::optional<std::int64_t>{seed_.household2};
  auto refused = people().update_resident(as(core::Role::grid_worker, seed_.g1, ""), seed_.r1_other, move);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::forbidden);
  auto moved = people().update_resident(as(core::Role::community_staff, seed_.community1, ""), seed_.r1_other, move);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->area_id, seed_.g2);
}

}  // namespace
}  // namespace firstline::people
