#include "risks/risk_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "areas/area.hpp"
#include "audit/audit_log.hpp"
#include "core/text.hpp"
#include "people/people_store.hpp"
#include "risks/risk_store.hpp"

namespace firstline::risks {

using core::Permission;

namespace {

constexpr core::Millis kDay = 24LL * 60 * 60 * 1000;
constexpr core::Millis kClockSkew = 5LL * 60 * 1000;  // inspected_at may be this far ahead of now
constexpr int kMaxIntervalDays = 3650;

core::Status check_text(std::string_view field, std::string_view text, std::size_t max, bool required) {
  if (required && core::trim(text).empty())
    return core::invalid(std::string(field), fmt::format("{} is required", field));
  if (core::utf8_length(text) > max) {
    return core::invalid(std::string(field), fmt::format("{} is longer than {} characters", field, max));
  }
  return {};
}

core::Status check_rating(int likelihood, int impact) {
  if (likelihood < 1 || likelihood > 5) return core::invalid("likelihood", "likelihood must be 1 to 5");
  if (impact < 1 || impact > 5) return core::invalid("impact", "impact must be 1 to 5");
  return {};
}

core::Status check_phone(const std::optional<std::string>& phone) {
  if (!phone) return {};
  const bool ok = phone->size() >= 3 && phone->size() <= 20 && std::all_of(phone->begin(), phone->end(), [](char c) {
                    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ';
                  });
  if (!ok) return core::invalid("owner_phone", "owner_phone must be 3 to 20 digits (+, - and spaces allowed)");
  return {};
}

core::Status check_location(const std::optional<double>& lat, const std::optional<double>& lon) {
  if (lat.has_value() != lon.has_value()) {
    return core::invalid(lat ? "longitude" : "latitude", "latitude and longitude go together");
  }
  if (lat && (!std::isfinite(*lat) || *lat < -90 || *lat > 90))
    return core::invalid("latitude", "latitude must be -90 to 90");
  if (lon && (!std::isfinite(*lon) || *lon < -180 || *lon > 180)) {
    return core::invalid("longitude", "longitude must be -180 to 180");
  }
  return {};
}

core::Status check_point(const RiskPoint& p) {
  if (auto st = check_text("name", p.name, 100, true); !st) return st;
  if (!valid_kind(p.kind)) {
    return core::invalid("kind",
                         "kind must be old_building, flood_point, gas, crowded_place, hazardous_goods, "
                         "vulnerable_household, fire or other");
  }
  if (auto st = check_location(p.latitude, p.longitude); !st) return st;
  if (p.polygon) {
    if (auto st = areas::validate_boundary(*p.polygon, "polygon"); !st) return st;
  }
  if (auto st = check_text("description", p.description, 2000, false); !st) return st;
  if (auto st = check_rating(p.likelihood, p.impact); !st) return st;
  if (p.owner_name) {
    if (auto st = check_text("owner_name", *p.owner_name, 64, true); !st) return st;
  }
  if (auto st = check_phone(p.owner_phone); !st) return st;
  if (p.inspection_interval_days < 1 || p.inspection_interval_days > kMaxIntervalDays) {
    return core::invalid("inspection_interval_days",
                         fmt::format("inspection_interval_days must be 1 to {}", kMaxIntervalDays));
  }
  return {};
}

core::Millis next_due(const RiskPoint& p) {
  return p.last_inspected_at.value_or(p.created_at) + p.inspection_interval_days * kDay;
}

bool user_exists(db::Connection& conn, std::int64_t id) {
  return conn.query_value("SELECT 1 FROM users WHERE id = $1", {id}).has_value();
}

std::string rating_detail(const RiskPoint& p) {
  return fmt::format("{}x{}={} {}", p.likelihood, p.impact, p.rating(), p.band());
}

}  // namespace

const std::vector<std::string_view>& kinds() {
  static const std::vector<std::string_view> k = {"old_building",    "flood_point",          "gas",  "crowded_place",
                                                  "hazardous_goods", "vulnerable_household", "fire", "other"};
  return k;
}

bool valid_kind(std::string_view kind) { return std::find(kinds().begin(), kinds().end(), kind) != kinds().end(); }

const std::vector<std::string_view>& bands() {
  static const std::vector<std::string_view> b = {"low", "medium", "high", "critical"};
  return b;
}

std::pair<int, int> band_range(std::string_view band) {
  if (band == "low") return {1, 4};
  if (band == "medium") return {5, 9};
  if (band == "high") return {10, 16};
  if (band == "critical") return {17, 25};
  return {0, 0};
}

std::optional<std::string_view> sniff_image_type(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3)) return "image/jpeg";
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return "image/png";
  return std::nullopt;
}

core::Result<RiskPoint> RiskService::create(const core::Principal& who, const RiskInput& in) {
  if (!who.has(Permission::manage_risks)) return core::forbidden("your roles do not allow managing risk points");
  RiskPoint p;
  p.area_id = in.area_id;
  p.name = std::string(core::trim(in.name));
  p.kind = in.kind;
  p.latitude = in.latitude;
  p.longitude = in.longitude;
  p.polygon = in.polygon;
  p.description = in.description;
  p.likelihood = in.likelihood;
  p.impact = in.impact;
  p.owner_name = in.owner_name;
  p.owner_phone = in.owner_phone;
  p.owner_user_id = in.owner_user_id;
  p.inspection_interval_days = in.inspection_interval_days;
  if (auto st = check_point(p); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<RiskPoint> {
    auto path = people::PeopleStore::area_path(*conn, in.area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", in.area_id));
    if (!who.covers(Permission::manage_risks, *path)) return core::forbidden("this area is outside your scope");
    if (p.owner_user_id && !user_exists(*conn, *p.owner_user_id)) {
      return core::invalid("owner_user_id", fmt::format("no user {}", *p.owner_user_id));
    }
    const auto now = clock_.now();
    p.created_at = now;
    p.created_by = who.user_id;
    p.next_inspection_due = next_due(p);
    auto stored = RiskStore::insert(*conn, p);
    audit::record(*conn, who, now, "create", "risk_point", stored.id, stored.area_id, rating_detail(stored));
    return *RiskStore::get(*conn, stored.id);
  });
}

core::Result<RiskPoint> RiskService::get(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto p = RiskStore::get(*conn, id);
  if (!p) return core::not_found(fmt::format("no risk point {}", id));
  auto path = people::PeopleStore::area_path(*conn, p->area_id);
  if (!path || !who.covers(Permission::read_areas, *path))
    return core::forbidden("this risk point is outside your scope");
  return *p;
}

core::Result<RiskPoint> RiskService::update(const core::Principal& who, std::int64_t id, const RiskPatch& patch) {
  if (!who.has(Permission::manage_risks)) return core::forbidden("your roles do not allow managing risk points");
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<RiskPoint> {
    auto p = RiskStore::get(*conn, id);
    if (!p) return core::not_found(fmt::format("no risk point {}", id));
    auto path = people::PeopleStore::area_path(*conn, p->area_id);
    if (!path || !who.covers(Permission::manage_risks, *path))
      return core::forbidden("you may not edit this risk point");
    std::vector<std::string> changed;
    auto set = [&changed](auto& field, const auto& value, const char* name) {
      if (value) {
        field = *value;
        changed.emplace_back(name);
      }
    };
    if (patch.area_id && *patch.area_id != p->area_id) {
      auto to = people::PeopleStore::area_path(*conn, *patch.area_id);
      if (!to) return core::invalid("area_id", fmt::format("no area {}", *patch.area_id));
      if (!who.covers(Permission::manage_risks, *to)) return core::forbidden("the new area is outside your scope");
      p->area_id = *patch.area_id;
      changed.emplace_back("area");
    }
    set(p->name, patch.name, "name");
    if (patch.name) p->name = std::string(core::trim(p->name));
    set(p->kind, patch.kind, "kind");
    set(p->description, patch.description, "description");
    if (patch.latitude || patch.longitude) {
      p->latitude = patch.latitude;
      p->longitude = patch.longitude;
      changed.emplace_back("location");
    } else if (patch.clear_location) {
      p->latitude.reset();
      p->longitude.reset();
      changed.emplace_back("location");
    }
    if (patch.polygon) {
      p->polygon = patch.polygon;
      changed.emplace_back("polygon");
    } else if (patch.clear_polygon) {
      p->polygon.reset();
      changed.emplace_back("polygon");
    }
    set(p->likelihood, patch.likelihood, "likelihood");
    set(p->impact, patch.impact, "impact");
    if (patch.owner_name) p->owner_name = patch.owner_name;
    if (patch.clear_owner_name) p->owner_name.reset();
    if (patch.owner_phone) p->owner_phone = patch.owner_phone;
    if (patch.clear_owner_phone) p->owner_phone.reset();
    if (patch.owner_user_id) p->owner_user_id = patch.owner_user_id;
    if (patch.clear_owner_user) p->owner_user_id.reset();
    if (patch.owner_name || patch.clear_owner_name || patch.owner_phone || patch.clear_owner_phone ||
        patch.owner_user_id || patch.clear_owner_user) {
      changed.emplace_back("owner");
    }
    set(p->inspection_interval_days, patch.inspection_interval_days, "inspection_interval_days");
    if (auto st = check_point(*p); !st) return std::unexpected(st.error());
    if (patch.owner_user_id && !user_exists(*conn, *patch.owner_user_id)) {
      return core::invalid("owner_user_id", fmt::format("no user {}", *patch.owner_user_id));
    }
    const auto now = clock_.now();
    p->next_inspection_due = next_due(*p);
    p->updated_at = now;
    RiskStore::update(*conn, *p);
    std::string detail;
    for (const auto& c : changed) detail += (detail.empty() ? "" : ",") + c;
    audit::record(*conn, who, now, "update", "risk_point", id, p->area_id, detail + " " + rating_detail(*p));
    return *RiskStore::get(*conn, id);
  });
}

core::Status RiskService::remove(const core::Principal& who, std::int64_t id) {
  if (!who.has(Permission::manage_risks)) return core::forbidden("your roles do not allow managing risk points");
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Status {
    auto p = RiskStore::get(*conn, id);
    if (!p) return core::not_found(fmt::format("no risk point {}", id));
    auto path = people::PeopleStore::area_path(*conn, p->area_id);
    if (!path || !who.covers(Permission::manage_risks, *path))
      return core::forbidden("you may not delete this risk point");
    const auto now = clock_.now();
    RiskStore::soft_delete(*conn, id, now);
    audit::record(*conn, who, now, "delete", "risk_point", id, p->area_id, p->name);
    return {};
  });
}

core::Result<core::Page<RiskPoint>> RiskService::list(const core::Principal& who, const RiskQuery& q) {
  RiskStore::ListFilter f;
  f.scope_paths = who.scope_paths(Permission::read_areas);
  if (f.scope_paths.empty()) return core::forbidden("your roles do not allow reading risk points");
  if (q.kind) {
    if (!valid_kind(*q.kind)) return core::invalid("kind", fmt::format("unknown kind {}", *q.kind));
    f.kind = q.kind;
  }
  if (q.band) {
    auto range = band_range(*q.band);
    if (range.first == 0) return core::invalid("band", "band must be low, medium, high or critical");
    f.rating = range;
  }
  f.overdue = q.overdue;
  if (q.likelihood && (*q.likelihood < 1 || *q.likelihood > 5))
    return core::invalid("likelihood", "likelihood must be 1 to 5");
  if (q.impact && (*q.impact < 1 || *q.impact > 5)) return core::invalid("impact", "impact must be 1 to 5");
  f.likelihood = q.likelihood;
  f.impact = q.impact;
  f.now = clock_.now();
  f.after_id = q.after_id;
  f.limit = q.limit;
  auto conn = db_.acquire();
  if (q.area_id) {
    auto path = people::PeopleStore::area_path(*conn, *q.area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *q.area_id));
    if (!who.covers(Permission::read_areas, *path)) return core::forbidden("this area is outside your scope");
    f.under_path = *path;
  }
  auto rows = RiskStore::list(*conn, f);
  core::Page<RiskPoint> page;
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(static_cast<std::size_t>(q.limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

core::Result<RiskMatrix> RiskService::matrix(const core::Principal& who, std::optional<std::int64_t> area_id) {
  auto paths = who.scope_paths(Permission::read_areas);
  if (paths.empty()) return core::forbidden("your roles do not allow reading risk points");
  auto conn = db_.acquire();
  std::optional<std::string> under;
  if (area_id) {
    auto path = people::PeopleStore::area_path(*conn, *area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
    if (!who.covers(Permission::read_areas, *path)) return core::forbidden("this area is outside your scope");
    under = *path;
  }
  auto m = RiskStore::matrix(*conn, paths, under, clock_.now());
  m.area_id = area_id;
  return m;
}

core::Result<Inspection> RiskService::inspect(const core::Principal& who, std::int64_t risk_id,
                                              const InspectionInput& in) {
  if (!who.has(Permission::manage_risks)) return core::forbidden("your roles do not allow inspecting risk points");
  if (auto st = check_text("findings", in.findings, 4000, true); !st) return std::unexpected(st.error());
  if (in.near_miss_note) {
    if (auto st = check_text("near_miss_note", *in.near_miss_note, 2000, false); !st)
      return std::unexpected(st.error());
  }
  if (in.near_miss && (!in.near_miss_note || core::trim(*in.near_miss_note).empty())) {
    return core::invalid("near_miss_note", "describe the near miss in near_miss_note");
  }
  if (auto st = check_rating(in.likelihood, in.impact); !st) return std::unexpected(st.error());
  const auto now = clock_.now();
  const auto at = in.inspected_at.value_or(now);
  if (at > now + kClockSkew) return core::invalid("inspected_at", "inspected_at is in the future");
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<Inspection> {
    auto p = RiskStore::get(*conn, risk_id);
    if (!p) return core::not_found(fmt::format("no risk point {}", risk_id));
    auto path = people::PeopleStore::area_path(*conn, p->area_id);
    if (!path || !who.covers(Permission::manage_risks, *path)) {
      return core::forbidden("you may not inspect this risk point");
    }
    if (at < p->created_at - 366 * kDay) return core::invalid("inspected_at", "inspected_at is too far in the past");
    Inspection i;
    i.risk_id = risk_id;
    i.inspected_at = at;
    i.findings = in.findings;
    i.near_miss = in.near_miss;
    if (in.near_miss_note && !core::trim(*in.near_miss_note).empty()) i.near_miss_note = in.near_miss_note;
    i.likelihood = in.likelihood;
    i.impact = in.impact;
    i.previous_likelihood = p->likelihood;
    i.previous_impact = p->impact;
    i.inspected_by = who.user_id;
    i.inspected_by_name = who.username;
    i.created_at = now;
    i = RiskStore::insert_inspection(*conn, i);
    // Only the latest inspection sets the current rating and restarts the schedule.
    if (!p->last_inspected_at || at >= *p->last_inspected_at) {
      p->likelihood = in.likelihood;
      p->impact = in.impact;
      p->last_inspected_at = at;
      p->next_inspection_due = next_due(*p);
      p->updated_at = now;
      RiskStore::update(*conn, *p);
    }
    audit::record(*conn, who, now, "create", "risk_inspection", i.id, p->area_id,
                  fmt::format("risk {} {}x{}{}", risk_id, in.likelihood, in.impact, in.near_miss ? " near_miss" : ""));
    return i;
  });
}

core::Result<std::vector<Inspection>> RiskService::inspections(const core::Principal& who, std::int64_t risk_id) {
  auto p = get(who, risk_id);
  if (!p) return std::unexpected(p.error());
  auto conn = db_.acquire();
  return RiskStore::list_inspections(*conn, risk_id);
}

core::Result<PhotoInfo> RiskService::add_photo(const core::Principal& who, std::int64_t risk_id,
                                               std::int64_t inspection_id, std::string_view declared_type,
                                               const std::string& bytes) {
  if (!who.has(Permission::manage_risks)) return core::forbidden("your roles do not allow inspecting risk points");
  auto type = core::ascii_lower(core::trim(declared_type.substr(0, declared_type.find(';'))));
  if (type != "image/jpeg" && type != "image/png") {
    return core::fail(core::ErrorCode::unsupported_media,
                      "send the photo's bytes as the body with Content-Type image/jpeg or image/png");
  }
  if (bytes.size() > kMaxPhotoBytes) {
    return core::fail(
        core::ErrorCode::payload_too_large,
        fmt::format("the photo is {} bytes; the limit is {} bytes (5 MiB)", bytes.size(), kMaxPhotoBytes));
  }
  if (bytes.empty()) return core::invalid("body", "the photo is empty");
  auto sniffed = sniff_image_type(bytes);
  if (!sniffed) return core::invalid("body", "the body is neither a JPEG nor a PNG image");
  if (*sniffed != type) return core::invalid("body", fmt::format("the body is {}, not {}", *sniffed, type));
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<PhotoInfo> {
    auto p = RiskStore::get(*conn, risk_id);
    if (!p) return core::not_found(fmt::format("no risk point {}", risk_id));
    auto path = people::PeopleStore::area_path(*conn, p->area_id);
    if (!path || !who.covers(Permission::manage_risks, *path)) {
      return core::forbidden("you may not add photos to this risk point");
    }
    if (!RiskStore::get_inspection(*conn, risk_id, inspection_id)) {
      return core::not_found(fmt::format("no inspection {} of risk point {}", inspection_id, risk_id));
    }
    const auto now = clock_.now();
    auto info = RiskStore::insert_photo(*conn, risk_id, inspection_id, type, bytes, who.user_id, now);
    audit::record(*conn, who, now, "create", "risk_photo", info.id, p->area_id,
                  fmt::format("inspection {} {} {} bytes", inspection_id, type, bytes.size()));
    return info;
  });
}

core::Result<Photo> RiskService::photo(const core::Principal& who, std::int64_t risk_id, std::int64_t inspection_id,
                                       std::int64_t photo_id) {
  auto p = get(who, risk_id);
  if (!p) return std::unexpected(p.error());
  auto conn = db_.acquire();
  auto photo = RiskStore::get_photo(*conn, risk_id, inspection_id, photo_id);
  if (!photo) return core::not_found(fmt::format("no photo {} of inspection {}", photo_id, inspection_id));
  return std::move(*photo);
}

}  // namespace firstline::risks
