// SQL of buildings, households and residents. Functions run on the caller's
// connection and throw db::Error. List functions take the subtree paths the
// caller may see and return up to limit + 1 rows ordered by id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "people/people.hpp"

namespace firstline::people {

class PeopleStore {
 public:
  // buildings
  static Building insert_building(db::Connection& conn, Building b, core::Millis now);
  static std::optional<Building> get_building(db::Connection& conn, std::int64_t id);
  static std::optional<Building> find_building(db::Connection& conn, std::int64_t area_id, const std::string& address);
  static std::vector<Building> list_buildings(db::Connection& conn, const BuildingQuery& q,
                                              const std::vector<std::string>& paths);
  static void update_building(db::Connection& conn, const Building& b, core::Millis now);
  static void delete_building(db::Connection& conn, std::int64_t id, core::Millis now);

  // households
  static Household insert_household(db::Connection& conn, Household h, core::Millis now);
  static std::optional<Household> get_household(db::Connection& conn, std::int64_t id);
  static std::optional<Household> find_household(db::Connection& conn, std::int64_t area_id, const std::string& address);
  static std::vector<Household> list_households(db::Connection& conn, const HouseholdQuery& q,
                                                const std::vector<std::string>& paths);
  static void update_household(db::Connection& conn, const Household& h, core::Millis now);
  static void set_household_verified(db::Connection& conn, std::int64_t id, std::optional<core::Millis> at,
                                     std::optional<std::int64_t> by, core::Millis now);
  static void delete_household(db::Connection& conn, std::int64_t id, core::Millis now);

  // residents
  static Resident insert_resident(db::Connection& conn, Resident r, core::Millis now);
  static std::optional<Resident> get_resident(db::Connection& conn, std::int64_t id);
  static std::optional<Resident> find_resident_by_document(db::Connection& conn, const std::string& document_type,
                                                           const std::string& id_number);
  /// `today` resolves age filters; `digits_search` lets q match phone and identity numbers.
  static std::vector<Resident> list_residents(db::Connection& conn, const ResidentQuery& q,
                                              const std::vector<std::string>& paths, core::Date today,
                                              bool digits_search);
  static void update_resident(db::Connection& conn, const Resident& r, core::Millis now);
  static void delete_resident(db::Connection& conn, std::int64_t id, core::Millis now);
  static std::int64_t count_household_members(db::Connection& conn, std::int64_t household_id);

  /// The materialized path of an area, or nullopt when it does not exist.
  static std::optional<std::string> area_path(db::Connection& conn, std::int64_t area_id);
  /// The level of an area (0..3), or nullopt.
  static std::optional<int> area_level(db::Connection& conn, std::int64_t area_id);
};

/// "a,b" <-> {"a","b"} for the tags column (stored as ",a,b," so LIKE '%,a,%' finds one).
std::string join_tags(const std::vector<std::string>& tags);
std::vector<std::string> split_tags(const std::string& stored);

}  // namespace firstline::people
