#include "areas/area_service.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/text.hpp"

namespace firstline::areas {

namespace json = boost::json;
using core::ErrorCode;
using core::Permission;

namespace {

bool valid_ring(const json::value& ring) {
  if (!ring.is_array() || ring.as_array().size() < 4) return false;
  const auto& pts = ring.as_array();
  for (const auto& p : pts) {
    if (!p.is_array() || p.as_array().size() < 2) return false;
    const auto& xy = p.as_array();
    if (!xy[0].is_number() || !xy[1].is_number()) return false;
    const double lon = xy[0].to_number<double>(), lat = xy[1].to_number<double>();
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90) return false;
  }
  const auto& first = pts.front().as_array();
  const auto& last = pts.back().as_array();
  return first[0].to_number<double>() == last[0].to_number<double>() &&
         first[1].to_number<double>() == last[1].to_number<double>();
}

bool valid_polygon(const json::value& coords) {
  if (!coords.is_array() || coords.as_array().empty()) return false;
  for (const auto& ring : coords.as_array()) {
    if (!valid_ring(ring)) return false;
  }
  return true;
}

core::Status validate_name(const std::string& name) {
  if (core::trim(name).empty()) return core::invalid("name", "name is required");
  if (core::utf8_length(name) > 100) return core::invalid("name", "name is longer than 100 characters");
  return {};
}

}  // namespace

core::Status validate_boundary(std::string_view text, std::string_view field) {
  const std::string f(field);
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return core::invalid(f, "the boundary must be a GeoJSON object");
  const json::object* geom = &v.as_object();
  auto type_of = [](const json::object& o) -> std::string {
    auto it = o.find("type");
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
  };
  if (type_of(*geom) == "Feature") {
    auto it = geom->find("geometry");
    if (it == geom->end() || !it->value().is_object()) return core::invalid(f, "the Feature has no geometry");
    geom = &it->value().as_object();
  }
  const auto type = type_of(*geom);
  auto coords = geom->find("coordinates");
  if (coords == geom->end()) return core::invalid(f, "the geometry has no coordinates");
  if (type == "Polygon") {
    if (!valid_polygon(coords->value())) {
      return core::invalid(f, "a Polygon needs closed rings of at least 4 [lon, lat] positions within range");
    }
  } else if (type == "MultiPolygon") {
    if (!coords->value().is_array() || coords->value().as_array().empty()) {
      return core::invalid(f, "a MultiPolygon needs at least one polygon");
    }
    for (const auto& poly : coords->value().as_array()) {
      if (!valid_polygon(poly)) {
        return core::invalid(f, "a MultiPolygon needs closed rings of at least 4 [lon, lat] positions within range");
      }
    }
  } else {
    return core::invalid(f, "the boundary must be a GeoJSON Polygon or MultiPolygon");
  }
  return {};
}

core::Result<Area> AreaService::create(const core::Principal& who, const NewArea& in) {
  if (auto st = validate_name(in.name); !st) return std::unexpected(st.error());
  if (in.boundary) {
    if (auto st = validate_boundary(*in.boundary); !st) return std::unexpected(st.error());
  }
  auto conn = db_.acquire();
  std::string parent_path;
  std::optional<std::string> parent_code;
  if (in.level == core::AreaLevel::district) {
    if (in.parent_id) return core::invalid("parent_id", "a district has no parent area");
    if (!who.is_admin()) return core::forbidden("only an administrator creates districts");
  } else {
    if (!in.parent_id) return core::invalid("parent_id", "parent_id is required below district level");
    auto parent = AreaStore::get(*conn, *in.parent_id);
    if (!parent) return core::invalid("parent_id", "no area has this parent_id");
    if (parent->level != *core::parent_level(in.level)) {
      return core::invalid("parent_id", fmt::format("the parent of a {} must be a {}", core::area_level_key(in.level),
                                                    core::area_level_key(*core::parent_level(in.level))));
    }
    if (!who.covers(Permission::write_areas, parent->path)) {
      return core::forbidden("your roles do not allow creating areas here");
    }
    parent_path = parent->path;
    parent_code = parent->code;
  }
  if (auto st = core::validate_area_code(in.code, in.level,
                                         parent_code ? std::optional<std::string_view>(*parent_code) : std::nullopt);
      !st) {
    return std::unexpected(st.error());
  }
  const auto now = clock_.now();
  try {
    auto area = db::in_transaction(*conn, db::TxMode::write, [&] {
      auto a = AreaStore::insert(*conn, in, parent_path, now);
      audit::record(*conn, who, now, "create", "area", a.id, a.id, fmt::format("code={}", a.code));
      return a;
    });
    if (hub_) hub_->publish("areas", "area_created", fmt::format("{{\"id\":{}}}", area.id));
    return area;
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) {
      return core::conflict(fmt::format("the code {} is already used by another area", in.code), "code");
    }
    throw;
  }
}

core::Result<Area> AreaService::get(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto area = AreaStore::get(*conn, id);
  if (!area) return core::not_found(fmt::format("no area {}", id));
  if (!who.covers(Permission::read_areas, area->path)) return core::forbidden("this area is outside your scope");
  return *area;
}

core::Result<core::Page<Area>> AreaService::list(const core::Principal& who, const AreaQuery& query) {
  if (!who.has(Permission::read_areas)) return core::forbidden("your roles do not allow reading areas");
  auto conn = db_.acquire();
  std::optional<std::string> under_path;
  if (query.under_id) {
    auto under = AreaStore::get(*conn, *query.under_id);
    if (!under) return core::invalid("under_id", "no area has this id");
    under_path = under->path;
  }
  auto rows = AreaStore::list(*conn, query, who.scope_paths(Permission::read_areas), under_path);
  core::Page<Area> page;
  if (static_cast<int>(rows.size()) > query.limit) {
    rows.resize(static_cast<size_t>(query.limit));
    page.next = rows.back().code;
  }
  page.items = std::move(rows);
  return page;
}

core::Result<Area> AreaService::update(const core::Principal& who, std::int64_t id, const AreaPatch& patch) {
  auto conn = db_.acquire();
  auto area = AreaStore::get(*conn, id);
  if (!area) return core::not_found(fmt::format("no area {}", id));
  // Editing an area is allowed to whoever may write areas at its parent, or at the area itself for
  // descriptive fields (name, boundary, staff).
  if (!who.covers(Permission::write_areas, area->path)) return core::forbidden("your roles do not allow editing this area");
  if (patch.name) {
    if (auto st = validate_name(*patch.name); !st) return std::unexpected(st.error());
    area->name = *patch.name;
  }
  if (patch.local_code) area->local_code = *patch.local_code;
  if (patch.boundary) {
    if (*patch.boundary) {
      if (auto st = validate_boundary(**patch.boundary); !st) return std::unexpected(st.error());
    }
    area->boundary = *patch.boundary;
  }
  if (patch.responsible) area->responsible = *patch.responsible;
  if (patch.phone) area->phone = *patch.phone;
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    AreaStore::update(*conn, *area, now);
    audit::record(*conn, who, now, "update", "area", area->id, area->id);
  });
  area->updated_at = now;
  return *area;
}

core::Status AreaService::remove(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto area = AreaStore::get(*conn, id);
  if (!area) return core::not_found(fmt::format("no area {}", id));
  if (!who.covers(Permission::write_areas, area->path) || (area->level == core::AreaLevel::district && !who.is_admin())) {
    return core::forbidden("your roles do not allow deleting this area");
  }
  const auto now = clock_.now();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Status {
    if (AreaStore::has_dependents(*conn, id)) {
      return core::conflict("the area still has sub-areas, buildings, households or residents; move or delete them first");
    }
    AreaStore::soft_delete(*conn, id, now);
    audit::record(*conn, who, now, "delete", "area", id, id, fmt::format("code={}", area->code));
    return {};
  });
}

core::Result<std::map<std::int64_t, AreaCounts>> AreaService::counts(const core::Principal& who,
                                                                      const std::vector<std::int64_t>& ids) {
  auto conn = db_.acquire();
  std::vector<Area> areas;
  for (auto id : ids) {
    auto a = AreaStore::get(*conn, id);
    if (!a) return core::not_found(fmt::format("no area {}", id));
    if (!who.covers(Permission::read_areas, a->path)) return core::forbidden("this area is outside your scope");
    areas.push_back(std::move(*a));
  }
  if (areas.empty()) return std::map<std::int64_t, AreaCounts>{};
  // The common ancestor's subtree covers every listed area.
  std::string root = areas.front().path;
  for (const auto& a : areas) {
    size_t n = 0;
    while (n < root.size() && n < a.path.size() && root[n] == a.path[n]) ++n;
    root = root.substr(0, n);
    auto slash = root.rfind('/');
    root = slash == std::string::npos ? "/" : root.substr(0, slash + 1);
  }
  return AreaStore::rollup_counts(*conn, root, ids);
}

}  // namespace firstline::areas
