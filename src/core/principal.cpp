#include "core/principal.hpp"

#include <algorithm>

namespace firstline::core {

std::string_view role_key(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::district_official: return "district_official";
    case Role::street_official: return "street_official";
    case Role::community_staff: return "community_staff";
    case Role::grid_worker: return "grid_worker";
    case Role::property_company: return "property_company";
    case Role::social_org: return "social_org";
    case Role::enterprise: return "enterprise";
    case Role::volunteer: return "volunteer";
    case Role::expert: return "expert";
    case Role::resident: return "resident";
  }
  return "resident";
}

const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles = {
      Role::admin,        Role::district_official, Role::street_official, Role::community_staff,
      Role::grid_worker,  Role::property_company,  Role::social_org,      Role::enterprise,
      Role::volunteer,    Role::expert,            Role::resident};
  return roles;
}

std::optional<Role> parse_role(std::string_view key) {
  for (Role r : all_roles()) {
    if (role_key(r) == key) return r;
  }
  return std::nullopt;
}

bool role_allows(Role role, Permission p) {
  using P = Permission;
  switch (role) {
    case Role::admin:
      return true;
    case Role::district_official:
      return p == P::read_areas || p == P::write_areas || p == P::read_registry || p == P::read_audit ||
             p == P::read_health || p == P::trace_contacts || p == P::issue_warnings || p == P::respond_warnings ||
             p == P::manage_risks;
    case Role::street_official:
      return p == P::read_areas || p == P::write_areas || p == P::read_registry || p == P::read_health ||
             p == P::trace_contacts || p == P::issue_warnings || p == P::respond_warnings || p == P::manage_risks;
    case Role::community_staff:
      return p == P::read_areas || p == P::write_areas || p == P::read_registry || p == P::write_registry ||
             p == P::see_personal_data || p == P::read_health || p == P::write_health || p == P::trace_contacts ||
             p == P::issue_warnings || p == P::respond_warnings || p == P::manage_risks;
    case Role::grid_worker:  // acknowledges and handles the grid's warnings, issues none
      return p == P::read_areas || p == P::read_registry || p == P::write_registry || p == P::see_personal_data ||
             p == P::read_health || p == P::write_health || p == P::respond_warnings || p == P::manage_risks;
    case Role::expert:  // e.g. the district's epidemiologist: the whole chain of a case
      return p == P::read_areas || p == P::read_health || p == P::trace_contacts;
    case Role::property_company:
    case Role::social_org:
    case Role::enterprise:
    case Role::volunteer:
      return p == P::read_areas;
    case Role::resident:
      return false;  // residents reach only their own household, checked separately
  }
  return false;
}

bool Principal::has(Permission p) const {
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) { return role_allows(g.role, p); });
}

bool Principal::covers(Permission p, std::string_view area_path) const {
  for (const auto& g : grants) {
    if (!role_allows(g.role, p)) continue;
    if (g.area_path.empty() && g.role == Role::admin) return true;
    if (!g.area_path.empty() && area_path.substr(0, g.area_path.size()) == g.area_path) return true;
  }
  return false;
}

std::vector<std::string> Principal::scope_paths(Permission p) const {
  std::vector<std::string> out;
  for (const auto& g : grants) {
    if (!role_allows(g.role, p)) continue;
    if (g.area_path.empty()) {
      if (g.role == Role::admin) return {""};
      continue;
    }
    out.push_back(g.area_path);
  }
  // Drop paths nested inside another granted path.
  std::sort(out.begin(), out.end());
  std::vector<std::string> merged;
  for (auto& path : out) {
    if (!merged.empty() && path.substr(0, merged.back().size()) == merged.back()) continue;
    merged.push_back(std::move(path));
  }
  return merged;
}

bool Principal::is_admin() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) { return g.role == Role::admin; });
}

bool Principal::is_resident_only() const {
  return !grants.empty() &&
         std::all_of(grants.begin(), grants.end(), [](const Grant& g) { return g.role == Role::resident; });
}

}  // namespace firstline::core
