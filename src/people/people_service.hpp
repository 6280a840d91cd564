// Rules of the population registry: validation, role scope, masking of
// personal data, and the audit of every write and every unmasked read.
// Thread-safe: each call borrows its own connection.
#pragma once

#include "core/clock.hpp"
#include "core/event_hub.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "people/people.hpp"

namespace firstline::people {

/// Checks and normalizes a building's fields (kind, name, address, floors, coordinates).
core::Status validate_building(Building& b);
/// Checks and normalizes a household's fields (address, phone).
core::Status validate_household(Household& h);
/// Checks and normalizes a resident's fields: name, document type and number
/// (GB 11643 for resident_id), phone, birth date (derived from the identity
/// number when absent, and must agree with it), sex, relation and tags.
core::Status validate_resident(Resident& r, core::Date today);

/// Masks identity number and phone in place and sets `masked`.
void mask_resident(Resident& r);

class PeopleService {
 public:
  PeopleService(db::Database& db, const core::Clock& clock, core::EventHub* hub = nullptr)
      : db_(db), clock_(clock), hub_(hub) {}

  core::Result<Building> create_building(const core::Principal& who, Building in);
  core::Result<Building> get_building(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<Building>> list_buildings(const core::Principal& who, const BuildingQuery& q);
  core::Result<Building> update_building(const core::Principal& who, std::int64_t id, const BuildingPatch& patch);
  core::Status delete_building(const core::Principal& who, std::int64_t id);

  core::Result<Household> create_household(const core::Principal& who, Household in);
  core::Result<Household> get_household(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<Household>> list_households(const core::Principal& who, const HouseholdQuery& q);
  core::Result<Household> update_household(const core::Principal& who, std::int64_t id, const HouseholdPatch& patch);
  /// Marks a household's registration as checked (or un-checks it).
  core::Result<Household> verify_household(const core::Principal& who, std::int64_t id, bool verified);
  core::Status delete_household(const core::Principal& who, std::int64_t id);

  /// Residents come back masked unless the caller may see personal data in
  /// their area and asked to (`reveal`); every unmasked answer is audited.
  core::Result<Resident> create_resident(const core::Principal& who, Resident in);
  core::Result<Resident> get_resident(const core::Principal& who, std::int64_t id, bool reveal = true);
  core::Result<core::Page<Resident>> list_residents(const core::Principal& who, const ResidentQuery& q);
  core::Result<Resident> update_resident(const core::Principal& who, std::int64_t id, const ResidentPatch& patch);
  core::Status delete_resident(const core::Principal& who, std::int64_t id);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  core::EventHub* hub_;
};

}  // namespace firstline::people
