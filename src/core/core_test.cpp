// Unit tests of src/core: identity numbers, area codes, time, text, roles and
// scopes, the event hub and CSV.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/area_code.hpp"
#include "core/clock.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/event_hub.hpp"
#include "core/identity.hpp"
#include "core/principal.hpp"
#include "core/text.hpp"

namespace firstline::core {
namespace {

constexpr Date kToday{2026, 11, 25};

// ---------------------------------------------------------------- errors

TEST(ErrorCode, MapsToHttpStatusAndStableKey) {
  EXPECT_EQ(error_code_status(ErrorCode::bad_request), 400);
  EXPECT_EQ(error_code_status(ErrorCode::invalid), 422);
  EXPECT_EQ(error_code_status(ErrorCode::forbidden), 403);
  EXPECT_EQ(error_code_status(ErrorCode::internal), 500);
  EXPECT_EQ(error_code_key(ErrorCode::not_found), "not_found");
  EXPECT_EQ(error_code_key(ErrorCode::conflict), "conflict");
}

TEST(ErrorCode, InvalidHelperNamesTheField) {
  Status s = invalid("phone", "bad phone");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::invalid);
  EXPECT_EQ(s.error().field, "phone");
  EXPECT_EQ(s.error().message, "bad phone");
}

// ---------------------------------------------------------------- identity numbers

TEST(IdNumber, AcceptsWorkedExampleFromStandard) {
  EXPECT_EQ(id_number_check_char("11010519491231002"), 'X');
  auto r = validate_id_number("11010519491231002X", kToday);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "11010519491231002X");
}

TEST(IdNumber, AcceptsLowerCaseXAndNormalizesToUpperCase) {
  auto r = validate_id_number("11010519491231002x", kToday);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "11010519491231002X");
}

TEST(IdNumber, AcceptsDigitCheckCharacter) {
  auto r = validate_id_number("110105194912310038", kToday);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "110105194912310038");
}

TEST(IdNumber, RejectsWrongCheckCharacter) {
  auto r = validate_id_number("110105194912310021", kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid);
  EXPECT_EQ(r.error().field, "id_number");
  EXPECT_NE(r.error().message.find("check character"), std::string::npos);
}

TEST(IdNumber, RejectsImpossibleDateEvenWithCorrectCheckCharacter) {
  // 1949-02-30 with its correct check character.
  ASSERT_EQ(id_number_check_char("11010519490230002"), '0');
  auto r = validate_id_number("110105194902300020", kToday);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a real date"), std::string::npos);
}

TEST(IdNumber, AcceptsFebruary29InLeapYearOnly) {
  EXPECT_TRUE(validate_id_number("110105200002290013", kToday));   // 2000 is a leap year
  EXPECT_FALSE(validate_id_number("110105190002290017", kToday));  // 1900 is not
}

TEST(IdNumber, RejectsBirthDateAfterToday) {
  auto r = validate_id_number("110105203001010028", kToday);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("future"), std::string::npos);
}

TEST(IdNumber, FutureIsRelativeToTheGivenToday) {
  // Born 2026-11-26: the day after kToday is the future, on that day it is not.
  EXPECT_TRUE(validate_id_number("110105202611250024", kToday));
  EXPECT_FALSE(validate_id_number("11010520261126002X", kToday));
  EXPECT_TRUE(validate_id_number("11010520261126002X", Date{2026, 11, 26}));
}

TEST(IdNumber, RejectsWrongLength) {
  EXPECT_FALSE(validate_id_number("11010519491231002", kToday));
  EXPECT_FALSE(validate_id_number("11010519491231002X1", kToday));
  EXPECT_FALSE(validate_id_number("", kToday));
  EXPECT_FALSE(validate_id_number("110105491231002", kToday));  // old 15-digit form
}

TEST(IdNumber, RejectsNonDigitsInFirstSeventeen) {
  auto r = validate_id_number("1101051949123100AX", kToday);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid);
  EXPECT_FALSE(validate_id_number("X10105194912310021", kToday));
  EXPECT_FALSE(validate_id_number("11010519491231002Y", kToday));
}

TEST(IdNumber, ErrorNamesTheGivenField) {
  auto r = validate_id_number("123", kToday, "guardian_id_number");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "guardian_id_number");
}

TEST(IdNumber, ExtractsBirthDateAndSex) {
  EXPECT_EQ(id_number_birth_date("11010519491231002X"), (Date{1949, 12, 31}));
  EXPECT_EQ(id_number_sex("11010519491231002X"), 'F');  // sequence 002: even
  EXPECT_EQ(id_number_sex("110105194912310038"), 'M');  // sequence 003: odd
  EXPECT_EQ(id_number_birth_date("440306198507171232"), (Date{1985, 7, 17}));
  EXPECT_EQ(id_number_sex("440306198507171232"), 'M');
}

TEST(IdNumber, MaskKeepsFirstSixAndLastFour) {
  EXPECT_EQ(mask_id_number("11010519491231002X"), "110105********002X");
  EXPECT_EQ(mask_id_number("1234567890"), "**********");  // too short to show anything
  EXPECT_EQ(mask_id_number(""), "");
}

TEST(DocumentNumber, AcceptsPassportAndRejectsOddCharacters) {
  EXPECT_TRUE(validate_document_number("E12345678"));
  EXPECT_TRUE(validate_document_number("H1234-5678"));
  EXPECT_FALSE(validate_document_number("E12"));
  EXPECT_FALSE(validate_document_number("E1234 5678"));
  EXPECT_FALSE(validate_document_number(std::string(33, 'A')));
}

TEST(DocumentType, KeysRoundTrip) {
  for (auto t : {DocumentType::resident_id, DocumentType::passport, DocumentType::hk_macao_permit,
                 DocumentType::taiwan_permit, DocumentType::foreign_permanent, DocumentType::other}) {
    EXPECT_EQ(parse_document_type(document_type_key(t)), t);
  }
  EXPECT_FALSE(parse_document_type("driving_licence"));
}

// ---------------------------------------------------------------- phones

TEST(Phone, AcceptsMobileAndStripsSpaces) {
  auto r = validate_phone("138 1234 5678");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "13812345678");
}

TEST(Phone, AcceptsLandlineAndInternationalForms) {
  EXPECT_EQ(validate_phone("010-12345678").value(), "010-12345678");
  EXPECT_EQ(validate_phone("+86 138 1234 5678").value(), "+8613812345678");
  EXPECT_EQ(validate_phone("12345").value(), "12345");
}

TEST(Phone, RejectsMobileWithImpossibleSecondDigit) {
  auto r = validate_phone("12812345678");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "phone");
}

TEST(Phone, RejectsLettersAndMisplacedPlus) {
  EXPECT_FALSE(validate_phone("138-abcd-5678"));
  EXPECT_FALSE(validate_phone("138+12345678"));
}

TEST(Phone, RejectsTooFewOrTooManyDigits) {
  EXPECT_FALSE(validate_phone("1234"));
  EXPECT_FALSE(validate_phone("+"));
  EXPECT_FALSE(validate_phone(""));
  EXPECT_FALSE(validate_phone(std::string(21, '5')));
}

TEST(Phone, MaskKeepsFirstThreeAndLastFour) {
  EXPECT_EQ(mask_phone("13812345678"), "138****5678");
  EXPECT_EQ(mask_phone("1234567"), "*******");
}

// ---------------------------------------------------------------- area codes

TEST(AreaCode, LengthsPerLevel) {
  EXPECT_EQ(area_code_length(AreaLevel::district), 6u);
  EXPECT_EQ(area_code_length(AreaLevel::street), 9u);
  EXPECT_EQ(area_code_length(AreaLevel::community), 12u);
  EXPECT_EQ(area_code_length(AreaLevel::grid), 15u);
}

TEST(AreaCode, ParentLevels) {
  EXPECT_FALSE(parent_level(AreaLevel::district));
  EXPECT_EQ(parent_level(AreaLevel::street), AreaLevel::district);
  EXPECT_EQ(parent_level(AreaLevel::community), AreaLevel::street);
  EXPECT_EQ(parent_level(AreaLevel::grid), AreaLevel::community);
}

TEST(AreaCode, LevelKeysRoundTrip) {
  for (auto l : {AreaLevel::district, AreaLevel::street, AreaLevel::community, AreaLevel::grid}) {
    EXPECT_EQ(parse_area_level(area_level_key(l)), l);
  }
  EXPECT_FALSE(parse_area_level("province"));
}

TEST(AreaCode, AcceptsValidCodeAtEveryLevel) {
  EXPECT_TRUE(validate_area_code("110105", AreaLevel::district, std::nullopt));
  EXPECT_TRUE(validate_area_code("110105001", AreaLevel::street, "110105"));
  EXPECT_TRUE(validate_area_code("110105001002", AreaLevel::community, "110105001"));
  EXPECT_TRUE(validate_area_code("110105001002003", AreaLevel::grid, "110105001002"));
  EXPECT_TRUE(validate_area_code("110105001002003", AreaLevel::grid, std::nullopt));
}

TEST(AreaCode, RejectsWrongLengthForLevel) {
  auto r = validate_area_code("11010500", AreaLevel::street, "110105");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid);
  EXPECT_EQ(r.error().field, "code");
  EXPECT_FALSE(validate_area_code("1101050", AreaLevel::district, std::nullopt));
  EXPECT_FALSE(validate_area_code("110105001", AreaLevel::community, std::nullopt));
  EXPECT_FALSE(validate_area_code("110105001002", AreaLevel::grid, std::nullopt));
}

TEST(AreaCode, RejectsNonDigits) {
  EXPECT_FALSE(validate_area_code("11010A", AreaLevel::district, std::nullopt));
  EXPECT_FALSE(validate_area_code("110105 01", AreaLevel::street, std::nullopt));
  EXPECT_FALSE(validate_area_code("110105-01", AreaLevel::street, std::nullopt));
}

TEST(AreaCode, ChildMustExtendParentCode) {
  auto r = validate_area_code("110106001", AreaLevel::street, "110105");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("parent"), std::string::npos);
  EXPECT_FALSE(validate_area_code("110105002001001", AreaLevel::grid, "110105001001"));
}

TEST(AreaCode, ParentCodeMustBeOfTheLevelAbove) {
  // Regression: a grid code was accepted with a district's code as "parent",
  // because only the prefix was compared.
  EXPECT_FALSE(validate_area_code("110105001002003", AreaLevel::grid, "110105"));
  EXPECT_FALSE(validate_area_code("110105001002003", AreaLevel::grid, ""));
}

TEST(AreaCode, RejectsZeroSuffixForChildren) {
  EXPECT_FALSE(validate_area_code("110105000", AreaLevel::street, "110105"));
  EXPECT_FALSE(validate_area_code("110105001000", AreaLevel::community, "110105001"));
  EXPECT_FALSE(validate_area_code("110105001002000", AreaLevel::grid, "110105001002"));
  // A district code may end in 000 digits (it is not a child of another code).
  EXPECT_TRUE(validate_area_code("110000", AreaLevel::district, std::nullopt));
}

// ---------------------------------------------------------------- dates and time

TEST(Date, ValidChecksLeapYears) {
  EXPECT_TRUE((Date{2024, 2, 29}.valid()));
  EXPECT_FALSE((Date{2023, 2, 29}.valid()));
  EXPECT_FALSE((Date{1900, 2, 29}.valid()));  // divisible by 100
  EXPECT_TRUE((Date{2000, 2, 29}.valid()));   // divisible by 400
  EXPECT_FALSE((Date{2026, 4, 31}.valid()));
  EXPECT_TRUE((Date{2026, 12, 31}.valid()));
  EXPECT_FALSE((Date{2026, 13, 1}.valid()));
  EXPECT_FALSE((Date{2026, 0, 1}.valid()));
  EXPECT_FALSE((Date{2026, 1, 0}.valid()));
}

TEST(Date, DaysSinceEpochRoundTrip) {
  EXPECT_EQ((Date{1970, 1, 1}.days_since_epoch()), 0);
  EXPECT_EQ((Date{2000, 3, 1}.days_since_epoch()), 11017);
  EXPECT_EQ((Date{1969, 12, 31}.days_since_epoch()), -1);
  for (std::int64_t d : {-50000, -1, 0, 1, 11016, 20000, 60000}) {
    EXPECT_EQ(Date::from_days(d).days_since_epoch(), d);
  }
  EXPECT_EQ((Date{1949, 12, 31}.to_string()), "1949-12-31");
}

TEST(Date, ParsesBothFormats) {
  EXPECT_EQ(parse_date("2026-11-25"), (Date{2026, 11, 25}));
  EXPECT_EQ(parse_date("20261125"), (Date{2026, 11, 25}));
}

TEST(Date, ParseRejectsMalformedAndImpossible) {
  EXPECT_FALSE(parse_date("2026-02-30"));
  EXPECT_FALSE(parse_date("20260230"));
  EXPECT_FALSE(parse_date("2026/11/25"));
  EXPECT_FALSE(parse_date("2026-1-25"));
  EXPECT_FALSE(parse_date("2026-11-2x"));
  EXPECT_FALSE(parse_date(""));
}

TEST(Date, DateOfMillis) {
  EXPECT_EQ(date_of(0), (Date{1970, 1, 1}));
  EXPECT_EQ(date_of(-1), (Date{1969, 12, 31}));
  EXPECT_EQ(date_of(*parse_iso8601("2026-11-25T23:59:59.999Z")), (Date{2026, 11, 25}));
}

TEST(Iso8601, ParsesUtcWithZ) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("1970-01-02T00:00:01Z"), 86401000);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:01Z"), 60000);
}

TEST(Iso8601, DateOnlyIsMidnightUtc) { EXPECT_EQ(parse_iso8601("1970-01-02"), 86400000); }

TEST(Iso8601, AppliesOffsets) {
  const Millis utc = *parse_iso8601("2026-11-25T04:00:00Z");
  EXPECT_EQ(parse_iso8601("2026-11-25T12:00:00+08:00"), utc);
  EXPECT_EQ(parse_iso8601("2026-11-24T23:00:00-05:00"), utc);
  EXPECT_EQ(parse_iso8601("2026-11-25T09:30:00+05:30"), utc);
}

TEST(Iso8601, ParsesFractionalSeconds) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.25Z"), 1250);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.123Z"), 1123);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.123456Z"), 1123);  // truncated to ms
}

TEST(Iso8601, RejectsInvalidStrings) {
  for (const char* s : {"", "2026", "2026-11-25T", "2026-11-25T12", "2026-11-25T12:0", "2026-11-25T24:00:00Z",
                        "2026-11-25T12:60:00Z", "2026-11-25T12:00:00.Z", "2026-11-25T12:00:00+08",
                        "2026-11-25T12:00:00+0800", "2026-11-25T12:00:00 UTC", "2026-02-30T00:00:00Z",
                        "2026-11-25X12:00:00Z", "2026-11-25T12:00:00Zjunk", "2026-11-25T12:00:00+25:00",
                        "2026-11-25T12:00:00+08:60"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(Iso8601, FormatRoundTrips) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  for (Millis t : {Millis{0}, Millis{1}, Millis{-1}, Millis{1764072000123}, Millis{951782400000},
                   Millis{-631152000000}}) {
    const auto text = format_iso8601(t);
    EXPECT_EQ(parse_iso8601(text), t) << text;
  }
  EXPECT_EQ(format_iso8601(*parse_iso8601("2026-11-25T12:00:00.250+08:00")), "2026-11-25T04:00:00.250Z");
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.now(), 1000);
  clock.advance(500);
  EXPECT_EQ(clock.now(), 1500);
  clock.set(42);
  EXPECT_EQ(clock.now(), 42);
}

// ---------------------------------------------------------------- text

TEST(Utf8, AcceptsAsciiAndChineseText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("grid 17"));
  EXPECT_TRUE(is_valid_utf8("朝阳区建外街道"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x9A\x91"));  // U+1F691 ambulance, 4 bytes
  EXPECT_EQ(utf8_length("朝阳区"), 3u);
  EXPECT_EQ(utf8_length("a张b"), 3u);
}

TEST(Utf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // '/' in two bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
}

TEST(Utf8, RejectsSurrogatesAndBeyondUnicode) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsTruncatedAndStrayContinuationBytes) {
  EXPECT_FALSE(is_valid_utf8("\xE6\x9C"));       // first two bytes of 朝
  EXPECT_FALSE(is_valid_utf8("ab\xE6"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE6\x9C" "a"));   // continuation replaced by ASCII
}

TEST(Text, TrimRemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("   "), "");
}

TEST(Text, EscapeLikeEscapesWildcardsAndBackslash) {
  EXPECT_EQ(escape_like("50%_off\\"), "50\\%\\_off\\\\");
  EXPECT_EQ(escape_like("张三"), "张三");
  EXPECT_EQ(escape_like(""), "");
}

// ---------------------------------------------------------------- principals

Principal with_grants(std::vector<Grant> grants) {
  Principal p;
  p.user_id = 7;
  p.username = "tester";
  p.grants = std::move(grants);
  return p;
}

TEST(Principal, GrantCoversItsSubtreeOnly) {
  const auto p = with_grants({{Role::community_staff, 4, "/1/4/"}});
  EXPECT_TRUE(p.covers(Permission::read_registry, "/1/4/"));
  EXPECT_TRUE(p.covers(Permission::read_registry, "/1/4/17/"));
  EXPECT_TRUE(p.covers(Permission::read_registry, "/1/4/17/230/"));
  EXPECT_FALSE(p.covers(Permission::read_registry, "/1/40/"));
  EXPECT_FALSE(p.covers(Permission::read_registry, "/1/"));
  EXPECT_FALSE(p.covers(Permission::read_registry, ""));
}

TEST(Principal, CoverageRequiresTheRoleToHoldThePermission) {
  const auto p = with_grants({{Role::street_official, 4, "/1/4/"}});
  EXPECT_TRUE(p.covers(Permission::read_registry, "/1/4/17/"));
  EXPECT_FALSE(p.covers(Permission::see_personal_data, "/1/4/17/"));
  EXPECT_FALSE(p.covers(Permission::write_registry, "/1/4/17/"));
}

TEST(Principal, AdminWithoutAreaIsGlobal) {
  const auto p = with_grants({{Role::admin, std::nullopt, ""}});
  EXPECT_TRUE(p.is_admin());
  EXPECT_TRUE(p.covers(Permission::manage_users, "/9/99/"));
  EXPECT_TRUE(p.covers(Permission::see_personal_data, "/1/"));
  EXPECT_EQ(p.scope_paths(Permission::read_registry), std::vector<std::string>{""});
}

TEST(Principal, NonAdminGrantWithoutAreaCoversNothing) {
  const auto p = with_grants({{Role::grid_worker, std::nullopt, ""}});
  EXPECT_FALSE(p.covers(Permission::read_registry, "/1/4/"));
  EXPECT_TRUE(p.scope_paths(Permission::read_registry).empty());
}

TEST(Principal, ScopePathsMergesNestedGrants) {
  const auto p = with_grants({{Role::grid_worker, 17, "/1/4/17/"},
                              {Role::community_staff, 4, "/1/4/"},
                              {Role::grid_worker, 40, "/1/40/"},
                              {Role::community_staff, 4, "/1/4/"},
                              {Role::volunteer, 2, "/2/"}});  // volunteers may not read the registry
  EXPECT_EQ(p.scope_paths(Permission::read_registry), (std::vector<std::string>{"/1/4/", "/1/40/"}));
  EXPECT_EQ(p.scope_paths(Permission::read_areas), (std::vector<std::string>{"/1/4/", "/1/40/", "/2/"}));
  EXPECT_TRUE(p.scope_paths(Permission::manage_users).empty());
}

TEST(Principal, HasAndResidentOnly) {
  const auto resident = with_grants({{Role::resident, 17, "/1/4/17/"}});
  EXPECT_TRUE(resident.is_resident_only());
  EXPECT_FALSE(resident.has(Permission::read_areas));
  EXPECT_FALSE(resident.is_admin());

  const auto mixed = with_grants({{Role::resident, 17, "/1/4/17/"}, {Role::volunteer, 4, "/1/4/"}});
  EXPECT_FALSE(mixed.is_resident_only());
  EXPECT_TRUE(mixed.has(Permission::read_areas));
  EXPECT_FALSE(mixed.has(Permission::read_registry));

  EXPECT_FALSE(with_grants({}).is_resident_only());
}

TEST(RoleTable, SpotChecks) {
  EXPECT_TRUE(role_allows(Role::grid_worker, Permission::see_personal_data));
  EXPECT_TRUE(role_allows(Role::grid_worker, Permission::write_registry));
  EXPECT_FALSE(role_allows(Role::grid_worker, Permission::write_areas));
  EXPECT_FALSE(role_allows(Role::street_official, Permission::see_personal_data));
  EXPECT_TRUE(role_allows(Role::street_official, Permission::read_registry));
  EXPECT_TRUE(role_allows(Role::district_official, Permission::read_audit));
  EXPECT_FALSE(role_allows(Role::district_official, Permission::manage_users));
  EXPECT_TRUE(role_allows(Role::community_staff, Permission::see_personal_data));
  EXPECT_FALSE(role_allows(Role::volunteer, Permission::read_registry));
  EXPECT_TRUE(role_allows(Role::expert, Permission::read_areas));
  // Health: grid workers record and read but do not start tracing runs;
  // an epidemiologist (expert) reads and traces but records nothing.
  EXPECT_TRUE(role_allows(Role::grid_worker, Permission::write_health));
  EXPECT_FALSE(role_allows(Role::grid_worker, Permission::trace_contacts));
  EXPECT_TRUE(role_allows(Role::expert, Permission::trace_contacts));
  EXPECT_FALSE(role_allows(Role::expert, Permission::write_health));
  EXPECT_FALSE(role_allows(Role::volunteer, Permission::read_health));
  EXPECT_FALSE(role_allows(Role::resident, Permission::read_health));
  EXPECT_FALSE(role_allows(Role::resident, Permission::read_registry));
  EXPECT_FALSE(role_allows(Role::resident, Permission::write_registry));
  EXPECT_FALSE(role_allows(Role::resident, Permission::see_personal_data));
  // Warnings: officials and community staff issue them; grid workers and up
  // acknowledge and handle them; nobody else does either.
  for (auto r : {Role::district_official, Role::street_official, Role::community_staff}) {
    EXPECT_TRUE(role_allows(r, Permission::issue_warnings));
    EXPECT_TRUE(role_allows(r, Permission::respond_warnings));
  }
  EXPECT_FALSE(role_allows(Role::grid_worker, Permission::issue_warnings));
  EXPECT_TRUE(role_allows(Role::grid_worker, Permission::respond_warnings));
  for (auto r : {Role::expert, Role::volunteer, Role::property_company, Role::social_org, Role::enterprise,
                 Role::resident}) {
    EXPECT_FALSE(role_allows(r, Permission::issue_warnings));
    EXPECT_FALSE(role_allows(r, Permission::respond_warnings));
  }
  for (auto p : {Permission::read_areas, Permission::write_areas, Permission::read_registry,
                 Permission::write_registry, Permission::see_personal_data, Permission::manage_users,
                 Permission::read_audit, Permission::read_health, Permission::write_health,
                 Permission::trace_contacts, Permission::issue_warnings, Permission::respond_warnings,
                 Permission::manage_risks}) {
    EXPECT_TRUE(role_allows(Role::admin, p));
  }
  // Risk registry: officials, community staff and grid workers keep it; nobody else writes.
  for (auto r : {Role::district_official, Role::street_official, Role::community_staff, Role::grid_worker}) {
    EXPECT_TRUE(role_allows(r, Permission::manage_risks));
  }
  for (auto r : {Role::expert, Role::volunteer, Role::property_company, Role::social_org, Role::enterprise,
                 Role::resident}) {
    EXPECT_FALSE(role_allows(r, Permission::manage_risks));
  }
}

TEST(RoleTable, ParsesAllElevenKeys) {
  const std::vector<std::pair<std::string, Role>> keys = {
      {"admin", Role::admin},
      {"district_official", Role::district_official},
      {"street_official", Role::street_official},
      {"community_staff", Role::community_staff},
      {"grid_worker", Role::grid_worker},
      {"property_company", Role::property_company},
      {"social_org", Role::social_org},
      {"enterprise", Role::enterprise},
      {"volunteer", Role::volunteer},
      {"expert", Role::expert},
      {"resident", Role::resident}};
  ASSERT_EQ(all_roles().size(), 11u);
  for (const auto& [key, role] : keys) {
    EXPECT_EQ(parse_role(key), role) << key;
    EXPECT_EQ(role_key(role), key);
  }
  EXPECT_FALSE(parse_role("Admin"));
  EXPECT_FALSE(parse_role("superuser"));
  EXPECT_FALSE(parse_role(""));
}

// ---------------------------------------------------------------- event hub

TEST(EventHub, DeliversOnlyToSubscribersOfTheTopic) {
  EventHub hub;
  std::vector<std::string> areas, grid;
  hub.subscribe("areas", [&](const std::string& e, const std::string& d) { areas.push_back(e + ":" + d); });
  hub.subscribe("residents:grid:17", [&](const std::string& e, const std::string&) { grid.push_back(e); });
  EXPECT_EQ(hub.subscriber_count(), 2u);

  hub.publish("areas", "area_created", R"({"id":4})");
  hub.publish("residents:grid:18", "resident_created", "{}");

  EXPECT_EQ(areas, std::vector<std::string>{R"(area_created:{"id":4})"});
  EXPECT_TRUE(grid.empty());
}

TEST(EventHub, EverySubscriberOfATopicGetsTheEvent) {
  EventHub hub;
  int a = 0, b = 0;
  hub.subscribe("areas", [&](const std::string&, const std::string&) { ++a; });
  hub.subscribe("areas", [&](const std::string&, const std::string&) { ++b; });
  hub.publish("areas", "x", "{}");
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST(EventHub, UnsubscribeStopsDelivery) {
  EventHub hub;
  int calls = 0;
  const auto id = hub.subscribe("areas", [&](const std::string&, const std::string&) { ++calls; });
  hub.publish("areas", "x", "{}");
  hub.unsubscribe(id);
  hub.publish("areas", "x", "{}");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(hub.subscriber_count(), 0u);
  hub.unsubscribe(id);  // twice is harmless
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

TEST(EventHub, CallbackMayUnsubscribeItselfWithoutDeadlock) {
  EventHub hub;
  int calls = 0;
  std::uint64_t id = 0;
  id = hub.subscribe("areas", [&](const std::string&, const std::string&) {
    ++calls;
    hub.unsubscribe(id);
  });
  hub.publish("areas", "x", "{}");
  hub.publish("areas", "x", "{}");
  EXPECT_EQ(calls, 1);
}

// ---------------------------------------------------------------- CSV

std::vector<std::vector<std::string>> fields_of(const std::vector<CsvRow>& rows) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : rows) out.push_back(r.fields);
  return out;
}

std::vector<std::size_t> lines_of(const std::vector<CsvRow>& rows) {
  std::vector<std::size_t> out;
  for (const auto& r : rows) out.push_back(r.line);
  return out;
}

using Fields = std::vector<std::vector<std::string>>;

TEST(Csv, ParsesSimpleRecords) {
  auto r = parse_csv("name,phone\n张三,13812345678\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fields_of(*r), (Fields{{"name", "phone"}, {"张三", "13812345678"}}));
  EXPECT_EQ(lines_of(*r), (std::vector<std::size_t>{1, 2}));
}

TEST(Csv, LastRecordWithoutLineBreak) {
  auto r = parse_csv("a,b\nc,d");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a", "b"}, {"c", "d"}}));
}

TEST(Csv, EmptyTextHasNoRecords) {
  EXPECT_TRUE(parse_csv("").value().empty());
  EXPECT_TRUE(parse_csv("\xEF\xBB\xBF").value().empty());
  EXPECT_TRUE(parse_csv("\n\r\n").value().empty());
}

TEST(Csv, StripsUtf8Bom) {
  auto r = parse_csv("\xEF\xBB\xBF姓名,电话\r\n张三,138\r\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fields_of(*r), (Fields{{"姓名", "电话"}, {"张三", "138"}}));
}

TEST(Csv, AcceptsCrLf) {
  auto r = parse_csv("a,b\r\nc,d\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(lines_of(*r), (std::vector<std::size_t>{1, 2}));
}

TEST(Csv, KeepsEmptyFieldsIncludingTrailingOnes) {
  auto r = parse_csv("a,,c,\n,\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a", "", "c", ""}, {"", ""}}));
  auto end = parse_csv("a,");
  ASSERT_TRUE(end);
  EXPECT_EQ(fields_of(*end), (Fields{{"a", ""}}));
}

TEST(Csv, KeepsSpacesInsideUnquotedFields) {
  auto r = parse_csv(" a , b\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{" a ", " b"}}));
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  auto r = parse_csv("\"Smith, J\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fields_of(*r), (Fields{{"Smith, J", "say \"hi\"", "two\nlines", ""}}));
}

TEST(Csv, QuotedFieldKeepsCrLfInside) {
  auto r = parse_csv("\"a\r\nb\",c\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a\r\nb", "c"}}));
}

TEST(Csv, QuoteInsideUnquotedFieldIsLiteral) {
  auto r = parse_csv("5\" pipe,x\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"5\" pipe", "x"}}));
}

TEST(Csv, SkipsBlankLinesButCountsThem) {
  auto r = parse_csv("a,b\n\n\r\n   \nc,d\n\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(lines_of(*r), (std::vector<std::size_t>{1, 5}));
}

TEST(Csv, LineOfCommasIsARecordOfEmptyFields) {
  auto r = parse_csv("a,b\n,\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(fields_of(*r), (Fields{{"a", "b"}, {"", ""}}));
}

TEST(Csv, RecordsAfterMultiLineFieldReportTheirPhysicalLine) {
  auto r = parse_csv("h1,h2\r\n1,\"line one\r\nline two\r\nline three\"\r\n2,x\r\n\r\n3,y\r\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(lines_of(*r), (std::vector<std::size_t>{1, 2, 5, 7}));
  EXPECT_EQ((*r)[1].fields[1], "line one\r\nline two\r\nline three");
  EXPECT_EQ((*r)[2].fields, (std::vector<std::string>{"2", "x"}));
}

TEST(Csv, RejectsGbkWithAClearMessage) {
  // "姓名,性别,身份证号码" and two rows, as Excel saves them on a Chinese Windows.
  const std::string gbk =
      "\xD0\xD5\xC3\xFB,\xD0\xD4\xB1\xF0,\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5\xC2\xEB\r\n"
      "\xD5\xC5\xC8\xFD,\xC4\xD0,11010519491231002X\r\n"
      "\xC0\xEE\xCB\xC4,\xC5\xAE,110105194912310038\r\n";
  auto r = parse_csv(gbk);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("not UTF-8"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("GBK/GB 18030"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("CSV UTF-8"), std::string::npos) << r.error().message;
}

TEST(Csv, DamagedUtf8IsNotCalledGbkAndNamesTheLine) {
  auto r = parse_csv("姓名,电话\n张三,138\n李\xFF四,139\n王五,137\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_EQ(r.error().message.find("GBK"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
}

TEST(Csv, RejectsUtf16WithAClearMessage) {
  auto r = parse_csv(std::string("\xFF\xFE" "a\0,\0b\0", 8));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("UTF-16"), std::string::npos) << r.error().message;
}

TEST(Csv, RejectsUnterminatedQuoteNamingItsLine) {
  auto r = parse_csv("a,b\nc,d\ne,\"never closed\nf,g\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("unterminated"), std::string::npos) << r.error().message;
}

TEST(Csv, RejectsTextAfterClosingQuote) {
  auto r = parse_csv("a,b\n\"x\"y,z\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::bad_request);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
}

TEST(Csv, QuotedFieldAtEndOfTextWithOrWithoutLineBreak) {
  EXPECT_EQ(fields_of(parse_csv("a,\"b\"").value()), (Fields{{"a", "b"}}));
  EXPECT_EQ(fields_of(parse_csv("a,\"b\"\r").value()), (Fields{{"a", "b"}}));
  EXPECT_EQ(fields_of(parse_csv("\"a\",").value()), (Fields{{"a", ""}}));
}

TEST(CsvEscape, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_escape("plain"), "plain");
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("张三"), "张三");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_escape("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_escape(" lead"), "\" lead\"");
  EXPECT_EQ(csv_escape("trail "), "\"trail \"");
  EXPECT_EQ(csv_escape("in side"), "in side");
}

TEST(CsvEscape, DefusesSpreadsheetFormulas) {
  EXPECT_EQ(csv_escape("=1+1"), "'=1+1");
  EXPECT_EQ(csv_escape("@SUM(A1:A9)"), "'@SUM(A1:A9)");
  EXPECT_EQ(csv_escape("+cmd"), "'+cmd");
  EXPECT_EQ(csv_escape("-A1"), "'-A1");
  EXPECT_EQ(csv_escape("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  // Starts like a number but is a formula (a known bypass of "sign then digit").
  EXPECT_EQ(csv_escape("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
}

TEST(CsvEscape, LeavesSignedNumbersAndPhonesAlone) {
  EXPECT_EQ(csv_escape("-5"), "-5");
  EXPECT_EQ(csv_escape("-3.25"), "-3.25");
  EXPECT_EQ(csv_escape("+86 138 0013 8000"), "+86 138 0013 8000");
  EXPECT_EQ(csv_escape("+86-10-12345678"), "+86-10-12345678");
  EXPECT_EQ(csv_escape("-"), "-");
  EXPECT_EQ(csv_escape("a=b"), "a=b");
}

TEST(CsvLine, JoinsEscapedFieldsWithCrLf) {
  EXPECT_EQ(csv_line({"a", "b,c", ""}), "a,\"b,c\",\r\n");
  EXPECT_EQ(csv_line({}), "\r\n");
}

TEST(CsvLine, RoundTripsThroughParse) {
  const Fields records = {
      {"姓名", "身份证号码", "备注"},
      {"张三", "11010519491231002X", "lives at \"No. 5\", 2nd floor"},
      {"李四", "", "first line\r\nsecond line\nthird"},
      {" spaced ", "-5", "+86 138 0013 8000"},
      {"", "", ""},
  };
  std::string text = "\xEF\xBB\xBF";
  for (const auto& r : records) text += csv_line(r);
  auto parsed = parse_csv(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(fields_of(*parsed), records);
  EXPECT_EQ(lines_of(*parsed), (std::vector<std::size_t>{1, 2, 3, 6, 7}));
}

TEST(CsvLine, DefusedFormulaSurvivesParseWithItsApostrophe) {
  auto parsed = parse_csv(csv_line({"=1+1", "ok"}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(fields_of(*parsed), (Fields{{"'=1+1", "ok"}}));
}

TEST(Csv, ParsesManyRecords) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += csv_line({std::to_string(i), "张三", "a,b"});
  auto parsed = parse_csv(text);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 10000u);
  EXPECT_EQ(parsed->back().line, 10000u);
  EXPECT_EQ(parsed->back().fields, (std::vector<std::string>{"9999", "张三", "a,b"}));
}

}  // namespace
}  // namespace firstline::core
