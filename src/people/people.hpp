// Buildings, households and residents of the population registry
// (MISSION.md §1). Each belongs to a grid; a household may sit in a building;
// a resident may belong to a household.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace firstline::people {

template <class T>
using Maybe = std::optional<T>;
/// A PATCH field: absent (outer nullopt), cleared (inner nullopt) or set.
template <class T>
using Change = std::optional<std::optional<T>>;

// ---- buildings ----
struct Building {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  std::string name;
  std::string address;
  std::string kind;  // residential, commercial, office, school, clinic, mixed, other
  Maybe<std::int64_t> floors;
  Maybe<double> latitude, longitude;
  core::Millis created_at = 0, updated_at = 0;
};
struct BuildingPatch {
  Maybe<std::string> name, address, kind;
  Change<std::int64_t> floors;
  Change<double> latitude, longitude;
};
const std::vector<std::string_view>& building_kinds();

// ---- households ----
struct Household {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  Maybe<std::int64_t> building_id;
  std::string address;
  Maybe<std::int64_t> head_resident_id;
  Maybe<std::string> phone;
  Maybe<core::Millis> verified_at;
  Maybe<std::int64_t> verified_by;
  std::int64_t member_count = 0;
  core::Millis created_at = 0, updated_at = 0;
};
struct HouseholdPatch {
  Maybe<std::string> address;
  Change<std::int64_t> building_id;
  Change<std::int64_t> head_resident_id;
  Change<std::string> phone;
};

// ---- residents ----
struct Resident {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  Maybe<std::int64_t> household_id;
  std::string name;
  std::string document_type = "resident_id";
  Maybe<std::string> id_number;
  Maybe<std::string> phone;
  Maybe<std::string> birth_date;  // YYYY-MM-DD
  Maybe<std::string> sex;         // "M" or "F"
  Maybe<std::string> relation;    // to the head of household: head, spouse, child, parent, other...
  std::vector<std::string> tags;
  Maybe<core::Millis> verified_at;
  core::Millis created_at = 0, updated_at = 0;
  bool masked = false;  // id_number and phone are masked in this copy
};
struct ResidentPatch {
  Maybe<std::string> name;
  Maybe<std::string> document_type;
  Change<std::string> id_number, phone, birth_date, sex, relation;
  Change<std::int64_t> household_id;
  Maybe<std::int64_t> area_id;
  Maybe<std::vector<std::string>> tags;
};

/// The vulnerability and group tags a resident may carry.
const std::vector<std::string_view>& resident_tags();

struct ResidentQuery {
  Maybe<std::int64_t> area_id;       // the whole subtree
  Maybe<std::int64_t> household_id;
  Maybe<std::int64_t> building_id;
  Maybe<std::string> tag;
  Maybe<std::string> sex;
  Maybe<int> age_min, age_max;
  Maybe<bool> verified;
  Maybe<std::string> q;              // name, phone or identity-number fragment
  Maybe<std::int64_t> after_id;      // cursor
  int limit = 50;
  bool reveal = true;                // unmask for roles that may see personal data (audited)
};

struct HouseholdQuery {
  Maybe<std::int64_t> area_id;
  Maybe<std::int64_t> building_id;
  Maybe<bool> verified;
  Maybe<std::string> q;  // address fragment
  Maybe<std::int64_t> after_id;
  int limit = 50;
};

struct BuildingQuery {
  Maybe<std::int64_t> area_id;
  Maybe<std::string> kind;
  Maybe<std::string> q;
  Maybe<std::int64_t> after_id;
  int limit = 50;
};

}  // namespace firstline::people
