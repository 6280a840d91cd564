// Who is calling, and what their roles allow. Every service call takes a
// Principal; scope checks compare an area's materialized path ("/1/4/17/")
// with the paths of the areas the caller's roles are granted on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firstline::core {

enum class Role {
  admin,
  district_official,
  street_official,
  community_staff,
  grid_worker,
  property_company,
  social_org,
  enterprise,
  volunteer,
  expert,
  resident,
};

std::string_view role_key(Role role);
std::optional<Role> parse_role(std::string_view key);
/// Every role, in the order of MISSION.md §10.
const std::vector<Role>& all_roles();

enum class Permission {
  read_areas,          // see areas and their counts
  write_areas,         // create and edit areas under the granted one
  read_registry,       // list and fetch buildings, households, residents
  write_registry,      // create, edit, delete and import them
  see_personal_data,   // unmasked identity numbers and phones (each read audited)
  manage_users,        // create users and grant roles
  read_audit,          // read the audit log
  read_health,         // health reports, statuses, alerts and tracing results of people in scope
  write_health,        // record reports for others, set statuses, handle alerts
  trace_contacts,      // start contact tracing runs and turn contacts into observation tasks
  issue_warnings,      // issue, release, close and cancel warnings on areas in scope
  respond_warnings,    // acknowledge and handle warnings waiting at an area in scope
  manage_risks,        // create, edit and delete risk points, record inspections and photos
};

/// The fixed permission table of a role (docs/API.md lists it).
bool role_allows(Role role, Permission permission);

/// A role granted on an area subtree. An admin grant may have no area: global.
struct Grant {
  Role role = Role::resident;
  std::optional<std::int64_t> area_id;
  std::string area_path;  // "/1/4/17/" of area_id; empty for a global grant
};

/// An authenticated caller. Cheap to copy; immutable during a request.
struct Principal {
  std::int64_t user_id = 0;
  std::string username;
  std::vector<Grant> grants;
  std::optional<std::int64_t> resident_id;  // set for accounts linked to a resident
  std::string language = "zh-CN";

  /// True if any grant has the permission.
  bool has(Permission p) const;
  /// True if a grant with permission `p` covers the area at `area_path`
  /// (its path is a prefix of area_path, or the grant is global).
  bool covers(Permission p, std::string_view area_path) const;
  /// Paths of the subtrees where `p` holds; {""} means everywhere.
  std::vector<std::string> scope_paths(Permission p) const;
  bool is_admin() const;
  /// True if the only role is `resident`.
  bool is_resident_only() const;
};

}  // namespace firstline::core
