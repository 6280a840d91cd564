#include "people/people_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "audit/audit_log.hpp"
#include "core/area_code.hpp"
#include "core/identity.hpp"
#include "core/text.hpp"
#include "people/people_store.hpp"

namespace firstline::people {

using core::Permission;

const std::vector<std::string_view>& building_kinds() {
  static const std::vector<std::string_view> kinds = {"residential", "commercial", "office", "school",
                                                      "clinic",      "mixed",      "public", "other"};
  return kinds;
}

const std::vector<std::string_view>& resident_tags() {
  static const std::vector<std::string_view> tags = {
      "elderly_alone", "elderly", "disabled", "chronic_illness", "pregnant", "child", "tenant",
      "migrant",       "party_member", "volunteer", "low_income", "veteran"};
  return tags;
}

namespace {

const std::vector<std::string_view> kRelations = {"head", "spouse", "child", "parent", "grandchild",
                                                  "grandparent", "sibling", "tenant", "other"};

core::Status check_text(const std::string& value, const char* field, std::size_t max, bool required = true) {
  if (required && core::trim(value).empty()) return core::invalid(field, fmt::format("{} is required", field));
  if (core::utf8_length(value) > max) return core::invalid(field, fmt::format("{} is longer than {} characters", field, max));
  return {};
}

bool contains(const std::vector<std::string_view>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The subtree paths a caller may use for `p`, narrowed to an area filter.
core::Result<std::vector<std::string>> scoped_paths(db::Connection& conn, const core::Principal& who, Permission p,
                                                    const std::optional<std::int64_t>& area_id) {
  auto scope = who.scope_paths(p);
  if (scope.empty()) return core::forbidden("your roles do not allow reading the registry");
  if (!area_id) return scope;
  auto path = PeopleStore::area_path(conn, *area_id);
  if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
  if (who.covers(p, *path)) return std::vector<std::string>{*path};
  std::vector<std::string> narrowed;
  for (const auto& s : scope) {
    if (s.rfind(*path, 0) == 0) narrowed.push_back(s);
  }
  if (narrowed.empty()) return core::forbidden("this area is outside your scope");
  return narrowed;
}

// The grid an item is written to: it must exist, be a grid, and be writable by the caller.
core::Result<std::string> writable_grid(db::Connection& conn, const core::Principal& who, std::int64_t area_id) {
  auto level = PeopleStore::area_level(conn, area_id);
  if (!level) return core::invalid("area_id", fmt::format("no area {}", area_id));
  if (*level != static_cast<int>(core::AreaLevel::grid)) {
    return core::invalid("area_id", "buildings, households and residents belong to a grid");
  }
  auto path = *PeopleStore::area_path(conn, area_id);
  if (!who.covers(Permission::write_registry, path)) return core::forbidden("your roles do not allow changes in this grid");
  return path;
}

core::Status readable(db::Connection& conn, const core::Principal& who, std::int64_t area_id) {
  auto path = PeopleStore::area_path(conn, area_id);
  if (!path || !who.covers(Permission::read_registry, *path)) return core::forbidden("this record is outside your scope");
  return {};
}

template <class T>
core::Page<T> to_page(std::vector<T> rows, int limit) {
  core::Page<T> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<size_t>(limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

std::optional<std::int64_t> own_household(db::Connection& conn, const core::Principal& who) {
  if (!who.resident_id) return std::nullopt;
  auto me = PeopleStore::get_resident(conn, *who.resident_id);
  if (!me) return std::nullopt;
  return me->household_id;
}

// A household's phone is personal data: masked unless the caller may see it there.
Household shown_to(db::Connection& conn, const core::Principal& who, Household h) {
  if (!h.phone) return h;
  if (who.is_resident_only()) return h;  // only their own household reaches them
  auto path = PeopleStore::area_path(conn, h.area_id);
  if (!path || !who.covers(Permission::see_personal_data, *path)) h.phone = core::mask_phone(*h.phone);
  return h;
}

}  // namespace

// ---- validation ----

core::Status validate_building(Building& b) {
  b.name = std::string(core::trim(b.name));
  b.address = std::string(core::trim(b.address));
  if (auto st = check_text(b.name, "name", 100); !st) return st;
  if (auto st = check_text(b.address, "address", 200); !st) return st;
  if (b.kind.empty()) b.kind = "residential";
  if (!contains(building_kinds(), b.kind)) {
    return core::invalid("kind", "kind must be one of residential, commercial, office, school, clinic, mixed, public, other");
  }
  if (b.floors && (*b.floors < 1 || *b.floors > 200)) return core::invalid("floors", "floors must be from 1 to 200");
  if (b.latitude && (*b.latitude < -90 || *b.latitude > 90)) return core::invalid("latitude", "latitude must be within -90..90");
  if (b.longitude && (*b.longitude < -180 || *b.longitude > 180)) {
    return core::invalid("longitude", "longitude must be within -180..180");
  }
  return {};
}

core::Status validate_household(Household& h) {
  h.address = std::string(core::trim(h.address));
  if (auto st = check_text(h.address, "address", 200); !st) return st;
  if (h.phone) {
    auto p = core::validate_phone(*h.phone);
    if (!p) return std::unexpected(p.error());
    h.phone = *p;
  }
  return {};
}

core::Status validate_resident(Resident& r, core::Date today) {
  r.name = std::string(core::trim(r.name));
  if (auto st = check_text(r.name, "name", 50); !st) return st;
  if (r.document_type.empty()) r.document_type = "resident_id";
  auto doc = core::parse_document_type(r.document_type);
  if (!doc) {
    return core::invalid("document_type",
                         "document_type must be resident_id, passport, hk_macao_permit, taiwan_permit, "
                         "foreign_permanent or other");
  }
  if (r.id_number && core::trim(*r.id_number).empty()) r.id_number.reset();
  if (r.id_number) {
    if (*doc == core::DocumentType::resident_id) {
      auto n = core::validate_id_number(core::trim(*r.id_number), today);
      if (!n) return std::unexpected(n.error());
      r.id_number = *n;
      const auto birth = core::id_number_birth_date(*n).to_string();
      const std::string sex(1, core::id_number_sex(*n));
      if (r.birth_date && *r.birth_date != birth) {
        return core::invalid("birth_date", "birth_date differs from the date in the identity number");
      }
      if (r.sex && *r.sex != sex) return core::invalid("sex", "sex differs from the identity number");
      r.birth_date = birth;
      r.sex = sex;
    } else {
      auto n = core::validate_document_number(core::trim(*r.id_number));
      if (!n) return std::unexpected(n.error());
      r.id_number = *n;
    }
  }
  if (r.phone && core::trim(*r.phone).empty()) r.phone.reset();
  if (r.phone) {
    auto p = core::validate_phone(*r.phone);
    if (!p) return std::unexpected(p.error());
    r.phone = *p;
  }
  if (r.birth_date) {
    auto d = core::parse_date(*r.birth_date);
    if (!d) return core::invalid("birth_date", "birth_date must be a real date YYYY-MM-DD");
    if (*d > today) return core::invalid("birth_date", "birth_date is in the future");
    r.birth_date = d->to_string();
  }
  if (r.sex && *r.sex != "M" && *r.sex != "F") return core::invalid("sex", "sex must be M or F");
  if (r.relation && !contains(kRelations, *r.relation)) {
    return core::invalid("relation",
                         "relation must be head, spouse, child, parent, grandchild, grandparent, sibling, tenant or other");
  }
  std::vector<std::string> tags;
  for (auto& t : r.tags) {
    if (!contains(resident_tags(), t)) return core::invalid("tags", fmt::format("unknown tag {}", t));
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  }
  std::sort(tags.begin(), tags.end());
  r.tags = std::move(tags);
  return {};
}

void mask_resident(Resident& r) {
  // The masked middle of an identity number is the birth date: hide it too,
  // keeping the year for age groups.
  if (r.birth_date && r.birth_date->size() >= 4) r.birth_date = r.birth_date->substr(0, 4);
  if (r.id_number) r.id_number = core::mask_id_number(*r.id_number);
  if (r.phone) r.phone = core::mask_phone(*r.phone);
  r.masked = true;
}

// ---- buildings ----

core::Result<Building> PeopleService::create_building(const core::Principal& who, Building in) {
  if (auto st = validate_building(in); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  auto grid = writable_grid(*conn, who, in.area_id);
  if (!grid) return std::unexpected(grid.error());
  const auto now = clock_.now();
  try {
    return db::in_transaction(*conn, db::TxMode::write, [&] {
      auto b = PeopleStore::insert_building(*conn, in, now);
      audit::record(*conn, who, now, "create", "building", b.id, b.area_id);
      return b;
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a building with this address already exists in the grid", "address");
    }
    throw;
  }
}

core::Result<Building> PeopleService::get_building(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto b = PeopleStore::get_building(*conn, id);
  if (!b) return core::not_found(fmt::format("no building {}", id));
  if (auto st = readable(*conn, who, b->area_id); !st) return std::unexpected(st.error());
  return *b;
}

core::Result<core::Page<Building>> PeopleService::list_buildings(const core::Principal& who, const BuildingQuery& q) {
  auto conn = db_.acquire();
  auto paths = scoped_paths(*conn, who, Permission::read_registry, q.area_id);
  if (!paths) return std::unexpected(paths.error());
  return to_page(PeopleStore::list_buildings(*conn, q, *paths), q.limit);
}

core::Result<Building> PeopleService::update_building(const core::Principal& who, std::int64_t id,
                                                      const BuildingPatch& patch) {
  auto conn = db_.acquire();
  auto b = PeopleStore::get_building(*conn, id);
  if (!b) return core::not_found(fmt::format("no building {}", id));
  if (auto g = writable_grid(*conn, who, b->area_id); !g) return std::unexpected(g.error());
  if (patch.name) b->name = *patch.name;
  if (patch.address) b->address = *patch.address;
  if (patch.kind) b->kind = *patch.kind;
  if (patch.floors) b->floors = *patch.floors;
  if (patch.latitude) b->latitude = *patch.latitude;
  if (patch.longitude) b->longitude = *patch.longitude;
  if (auto st = validate_building(*b); !st) return std::unexpected(st.error());
  const auto now = clock_.now();
  try {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      PeopleStore::update_building(*conn, *b, now);
      audit::record(*conn, who, now, "update", "building", b->id, b->area_id);
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a building with this address already exists in the grid", "address");
    }
    throw;
  }
  b->updated_at = now;
  return *b;
}

core::Status PeopleService::delete_building(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto b = PeopleStore::get_building(*conn, id);
  if (!b) return core::not_found(fmt::format("no building {}", id));
  if (auto g = writable_grid(*conn, who, b->area_id); !g) return std::unexpected(g.error());
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    PeopleStore::delete_building(*conn, id, now);
    audit::record(*conn, who, now, "delete", "building", id, b->area_id);
  });
  return {};
}

// ---- households ----

core::Result<Household> PeopleService::create_household(const core::Principal& who, Household in) {
  if (auto st = validate_household(in); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  if (in.building_id) {
    auto b = PeopleStore::get_building(*conn, *in.building_id);
    if (!b) return core::invalid("building_id", fmt::format("no building {}", *in.building_id));
    if (in.area_id == 0) in.area_id = b->area_id;
    if (b->area_id != in.area_id) return core::invalid("building_id", "the building is in another grid");
  }
  if (in.area_id == 0) return core::invalid("area_id", "area_id or building_id is required");
  auto grid = writable_grid(*conn, who, in.area_id);
  if (!grid) return std::unexpected(grid.error());
  in.head_resident_id.reset();  // set once members exist
  const auto now = clock_.now();
  try {
    return db::in_transaction(*conn, db::TxMode::write, [&] {
      auto h = PeopleStore::insert_household(*conn, in, now);
      audit::record(*conn, who, now, "create", "household", h.id, h.area_id);
      return h;
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a household with this address already exists in the grid", "address");
    }
    throw;
  }
}

core::Result<Household> PeopleService::get_household(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto h = PeopleStore::get_household(*conn, id);
  if (!h) return core::not_found(fmt::format("no household {}", id));
  if (who.is_resident_only()) {
    if (own_household(*conn, who) != id) return core::forbidden("residents see only their own household");
    return *h;
  }
  if (auto st = readable(*conn, who, h->area_id); !st) return std::unexpected(st.error());
  return shown_to(*conn, who, *h);
}

core::Result<core::Page<Household>> PeopleService::list_households(const core::Principal& who,
                                                                   const HouseholdQuery& q) {
  auto conn = db_.acquire();
  if (who.is_resident_only()) {
    core::Page<Household> page;
    if (auto hid = own_household(*conn, who)) {
      if (auto h = PeopleStore::get_household(*conn, *hid)) page.items.push_back(*h);
    }
    return page;
  }
  auto paths = scoped_paths(*conn, who, Permission::read_registry, q.area_id);
  if (!paths) return std::unexpected(paths.error());
  auto page = to_page(PeopleStore::list_households(*conn, q, *paths), q.limit);
  for (auto& h : page.items) h = shown_to(*conn, who, std::move(h));
  return page;
}

core::Result<Household> PeopleService::update_household(const core::Principal& who, std::int64_t id,
                                                        const HouseholdPatch& patch) {
  auto conn = db_.acquire();
  auto h = PeopleStore::get_household(*conn, id);
  if (!h) return core::not_found(fmt::format("no household {}", id));
  if (auto g = writable_grid(*conn, who, h->area_id); !g) return std::unexpected(g.error());
  if (patch.address) h->address = *patch.address;
  if (patch.phone) h->phone = *patch.phone;
  if (patch.building_id) {
    if (*patch.building_id) {
      auto b = PeopleStore::get_building(*conn, **patch.building_id);
      if (!b) return core::invalid("building_id", fmt::format("no building {}", **patch.building_id));
      if (b->area_id != h->area_id) return core::invalid("building_id", "the building is in another grid");
    }
    h->building_id = *patch.building_id;
  }
  if (patch.head_resident_id) {
    if (*patch.head_resident_id) {
      auto r = PeopleStore::get_resident(*conn, **patch.head_resident_id);
      if (!r || r->household_id != id) return core::invalid("head_resident_id", "the head must be a member of the household");
    }
    h->head_resident_id = *patch.head_resident_id;
  }
  if (auto st = validate_household(*h); !st) return std::unexpected(st.error());
  const auto now = clock_.now();
  try {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      PeopleStore::update_household(*conn, *h, now);
      audit::record(*conn, who, now, "update", "household", h->id, h->area_id);
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a household with this address already exists in the grid", "address");
    }
    throw;
  }
  h->updated_at = now;
  return *h;
}

core::Result<Household> PeopleService::verify_household(const core::Principal& who, std::int64_t id, bool verified) {
  auto conn = db_.acquire();
  auto h = PeopleStore::get_household(*conn, id);
  if (!h) return core::not_found(fmt::format("no household {}", id));
  if (auto g = writable_grid(*conn, who, h->area_id); !g) return std::unexpected(g.error());
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    PeopleStore::set_household_verified(*conn, id, verified ? std::optional(now) : std::nullopt,
                                        verified ? std::optional(who.user_id) : std::nullopt, now);
    audit::record(*conn, who, now, verified ? "verify" : "unverify", "household", id, h->area_id);
  });
  h->verified_at = verified ? std::optional(now) : std::nullopt;
  h->verified_by = verified ? std::optional(who.user_id) : std::nullopt;
  h->updated_at = now;
  return *h;
}

core::Status PeopleService::delete_household(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto h = PeopleStore::get_household(*conn, id);
  if (!h) return core::not_found(fmt::format("no household {}", id));
  if (auto g = writable_grid(*conn, who, h->area_id); !g) return std::unexpected(g.error());
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    PeopleStore::delete_household(*conn, id, now);
    audit::record(*conn, who, now, "delete", "household", id, h->area_id);
  });
  return {};
}

// ---- residents ----

core::Result<Resident> PeopleService::create_resident(const core::Principal& who, Resident in) {
  const auto now = clock_.now();
  if (auto st = validate_resident(in, core::date_of(now)); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  if (in.household_id) {
    auto h = PeopleStore::get_household(*conn, *in.household_id);
    if (!h) return core::invalid("household_id", fmt::format("no household {}", *in.household_id));
    if (in.area_id != 0 && in.area_id != h->area_id) return core::invalid("area_id", "the household is in another grid");
    in.area_id = h->area_id;
  }
  if (in.area_id == 0) return core::invalid("area_id", "area_id or household_id is required");
  auto grid = writable_grid(*conn, who, in.area_id);
  if (!grid) return std::unexpected(grid.error());
  try {
    auto r = db::in_transaction(*conn, db::TxMode::write, [&] {
      auto r = PeopleStore::insert_resident(*conn, in, now);
      if (r.household_id && r.relation == "head") {
        auto h = PeopleStore::get_household(*conn, *r.household_id);
        if (h && !h->head_resident_id) {
          h->head_resident_id = r.id;
          PeopleStore::update_household(*conn, *h, now);
        }
      }
      audit::record(*conn, who, now, "create", "resident", r.id, r.area_id);
      return r;
    });
    if (hub_) {
      hub_->publish("residents", "resident_created",
                    fmt::format("{{\"id\":{},\"area_id\":{},\"path\":\"{}\"}}", r.id, r.area_id, *grid));
    }
    if (!who.covers(Permission::see_personal_data, *grid)) mask_resident(r);
    return r;
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a resident with this identity document is already registered", "id_number");
    }
    throw;
  }
}

core::Result<Resident> PeopleService::get_resident(const core::Principal& who, std::int64_t id, bool reveal) {
  auto conn = db_.acquire();
  auto r = PeopleStore::get_resident(*conn, id);
  if (!r) return core::not_found(fmt::format("no resident {}", id));
  if (who.is_resident_only()) {
    const bool self = who.resident_id == id;
    if (!self && (!r->household_id || own_household(*conn, who) != r->household_id)) {
      return core::forbidden("residents see only their own household");
    }
    if (!self || !reveal) mask_resident(*r);
    return *r;
  }
  auto path = PeopleStore::area_path(*conn, r->area_id);
  if (!path || !who.covers(Permission::read_registry, *path)) return core::forbidden("this resident is outside your scope");
  if (reveal && who.covers(Permission::see_personal_data, *path)) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      audit::record(*conn, who, clock_.now(), "read_personal", "resident", r->id, r->area_id);
    });
  } else {
    mask_resident(*r);
  }
  return *r;
}

core::Result<core::Page<Resident>> PeopleService::list_residents(const core::Principal& who, const ResidentQuery& q) {
  auto conn = db_.acquire();
  const auto now = clock_.now();
  if (who.is_resident_only()) {
    core::Page<Resident> page;
    auto hid = own_household(*conn, who);
    if (!hid) {
      if (who.resident_id) {
        if (auto me = PeopleStore::get_resident(*conn, *who.resident_id)) page.items.push_back(*me);
      }
      return page;
    }
    ResidentQuery own;
    own.household_id = *hid;
    own.limit = 100;
    page.items = PeopleStore::list_residents(*conn, own, {""}, core::date_of(now), false);
    for (auto& r : page.items) {
      if (r.id != who.resident_id) mask_resident(r);
    }
    return page;
  }
  auto paths = scoped_paths(*conn, who, Permission::read_registry, q.area_id);
  if (!paths) return std::unexpected(paths.error());
  const bool may_search_digits =
      std::all_of(paths->begin(), paths->end(), [&](const std::string& p) { return who.covers(Permission::see_personal_data, p); });
  if (q.q && has_digit(*q.q) && !may_search_digits) {
    return core::invalid("q", "searching by phone or identity number needs a role that may see personal data");
  }
  auto page = to_page(PeopleStore::list_residents(*conn, q, *paths, core::date_of(now), may_search_digits), q.limit);
  // Unmask where the caller may see personal data, and audit what was shown.
  std::map<std::int64_t, bool> area_allowed;
  std::string shown;
  for (auto& r : page.items) {
    bool allowed = false;
    if (q.reveal) {
      auto it = area_allowed.find(r.area_id);
      if (it == area_allowed.end()) {
        auto path = PeopleStore::area_path(*conn, r.area_id);
        it = area_allowed.emplace(r.area_id, path && who.covers(Permission::see_personal_data, *path)).first;
      }
      allowed = it->second;
    }
    if (!allowed) {
      mask_resident(r);
    } else if (r.id_number || r.phone) {
      if (!shown.empty()) shown += ",";
      shown += std::to_string(r.id);
    }
  }
  if (!shown.empty()) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      audit::record(*conn, who, now, "read_personal", "resident", std::nullopt, q.area_id, "ids=" + shown);
    });
  }
  return page;
}

core::Result<Resident> PeopleService::update_resident(const core::Principal& who, std::int64_t id,
                                                      const ResidentPatch& patch) {
  auto conn = db_.acquire();
  auto r = PeopleStore::get_resident(*conn, id);
  if (!r) return core::not_found(fmt::format("no resident {}", id));
  auto grid = writable_grid(*conn, who, r->area_id);
  if (!grid) return std::unexpected(grid.error());
  const auto previous_household = r->household_id;
  std::vector<std::string> changed;
  auto note = [&](const char* f) { changed.emplace_back(f); };
  if (patch.name) { r->name = *patch.name; note("name"); }
  if (patch.document_type) { r->document_type = *patch.document_type; note("document_type"); }
  if (patch.id_number) {
    r->id_number = *patch.id_number;
    note("id_number");
    // A new identity number re-derives the birth date and sex unless they are given too.
    if (!patch.birth_date) r->birth_date.reset();
    if (!patch.sex) r->sex.reset();
  }
  if (patch.phone) { r->phone = *patch.phone; note("phone"); }
  if (patch.birth_date) { r->birth_date = *patch.birth_date; note("birth_date"); }
  if (patch.sex) { r->sex = *patch.sex; note("sex"); }
  if (patch.relation) { r->relation = *patch.relation; note("relation"); }
  if (patch.tags) { r->tags = *patch.tags; note("tags"); }
  if (patch.household_id) {
    if (*patch.household_id) {
      auto h = PeopleStore::get_household(*conn, **patch.household_id);
      if (!h) return core::invalid("household_id", fmt::format("no household {}", **patch.household_id));
      if (auto g = writable_grid(*conn, who, h->area_id); !g) return std::unexpected(g.error());
      r->area_id = h->area_id;
    }
    r->household_id = *patch.household_id;
    note("household_id");
  }
  if (patch.area_id && *patch.area_id != r->area_id) {
    if (r->household_id && !patch.household_id) return core::invalid("area_id", "move the household, or leave it first");
    if (auto g = writable_grid(*conn, who, *patch.area_id); !g) return std::unexpected(g.error());
    r->area_id = *patch.area_id;
    note("area_id");
  }
  if (r->household_id) {
    auto h = PeopleStore::get_household(*conn, *r->household_id);
    if (h && h->area_id != r->area_id) return core::invalid("area_id", "a resident lives in their household's grid");
  }
  const auto now = clock_.now();
  if (auto st = validate_resident(*r, core::date_of(now)); !st) return std::unexpected(st.error());
  std::string detail = "fields=";
  for (size_t i = 0; i < changed.size(); ++i) detail += (i ? "," : "") + changed[i];
  try {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      PeopleStore::update_resident(*conn, *r, now);
      if (previous_household && previous_household != r->household_id) {
        // A head who leaves no longer heads the old household.
        auto old = PeopleStore::get_household(*conn, *previous_household);
        if (old && old->head_resident_id == r->id) {
          old->head_resident_id.reset();
          PeopleStore::update_household(*conn, *old, now);
        }
      }
      audit::record(*conn, who, now, "update", "resident", r->id, r->area_id, detail);
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict("a resident with this identity document is already registered", "id_number");
    }
    throw;
  }
  r->updated_at = now;
  auto path = PeopleStore::area_path(*conn, r->area_id);
  if (!path || !who.covers(Permission::see_personal_data, *path)) mask_resident(*r);
  return *r;
}

core::Status PeopleService::delete_resident(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto r = PeopleStore::get_resident(*conn, id);
  if (!r) return core::not_found(fmt::format("no resident {}", id));
  if (auto g = writable_grid(*conn, who, r->area_id); !g) return std::unexpected(g.error());
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    PeopleStore::delete_resident(*conn, id, now);
    audit::record(*conn, who, now, "delete", "resident", id, r->area_id);
  });
  return {};
}

}  // namespace firstline::people
