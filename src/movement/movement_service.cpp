#include "movement/movement_service.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/identity.hpp"
#include "core/text.hpp"
#include "movement/flow_days.hpp"
#include "movement/movement_store.hpp"
#include "people/people_store.hpp"

namespace firstline::movement {

using core::Permission;

const std::vector<std::string_view>& place_kinds() {
  static const std::vector<std::string_view> kinds = {"checkpoint", "shop",   "market", "clinic", "pharmacy",
                                                      "office",     "school", "transport", "other"};
  return kinds;
}

namespace {

constexpr core::Millis kMinute = 60 * 1000;
constexpr core::Millis kDay = 24 * 60 * kMinute;
const std::vector<std::string_view> kFollowUps = {"none", "home_observation", "health_monitoring", "testing",
                                                  "quarantine"};
const std::vector<std::string_view> kStatuses = {"open", "verified", "closed"};

bool contains(const std::vector<std::string_view>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

core::Status validate_place(Place& p) {
  p.name = std::string(core::trim(p.name));
  if (p.name.empty()) return core::invalid("name", "name is required");
  if (core::utf8_length(p.name) > 100) return core::invalid("name", "name is longer than 100 characters");
  if (!contains(place_kinds(), p.kind)) {
    return core::invalid("kind", "kind must be checkpoint, shop, market, clinic, pharmacy, office, school, transport or other");
  }
  if (p.capacity && (*p.capacity < 0 || *p.capacity > 1000000)) return core::invalid("capacity", "capacity must be 0..1000000");
  if (p.latitude && (*p.latitude < -90 || *p.latitude > 90)) return core::invalid("latitude", "latitude must be within -90..90");
  if (p.longitude && (*p.longitude < -180 || *p.longitude > 180)) return core::invalid("longitude", "longitude must be within -180..180");
  return {};
}

}  // namespace

MovementService::MovementService(db::Database& db, const core::Clock& clock, MovementOptions options,
                                 core::EventHub* hub)
    : db_(db), clock_(clock), options_(options), hub_(hub),
      rng_(options.seed ? options.seed : std::random_device{}()) {}

MovementService::~MovementService() { stop_scheduler(); }

core::Millis MovementService::day_start(core::Millis t) const {
  const core::Millis offset = options_.utc_offset_minutes * kMinute;
  const core::Millis local = t + offset;
  core::Millis day = local / kDay;
  if (local < 0 && local % kDay != 0) --day;
  return day * kDay - offset;
}

std::string MovementService::new_place_code() {
  static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  std::lock_guard lock(rng_mutex_);
  std::string code = "P";
  for (int i = 0; i < 7; ++i) code.push_back(kAlphabet[rng_() % kAlphabet.size()]);
  return code;
}

std::optional<MovementService::PlaceRef> MovementService::place_ref(db::Connection& conn, std::int64_t place_id) {
  std::lock_guard lock(cache_mutex_);
  const auto now = clock_.now();
  if (place_cache_.empty() || now - place_cache_at_ > kMinute || now < place_cache_at_) {
    place_cache_.clear();
    for (auto& [id, ref] : MovementStore::place_refs(conn)) place_cache_.emplace(id, PlaceRef{ref.area_id, ref.path});
    place_cache_at_ = now;
  }
  auto it = place_cache_.find(place_id);
  if (it != place_cache_.end()) return it->second;
  // A place created on another node since the last refresh.
  auto place = MovementStore::get_place(conn, place_id);
  if (!place) return std::nullopt;
  auto path = people::PeopleStore::area_path(conn, place->area_id);
  if (!path) return std::nullopt;
  return place_cache_.emplace(place_id, PlaceRef{place->area_id, *path}).first->second;
}

// ---- places ----

core::Result<Place> MovementService::create_place(const core::Principal& who, Place in) {
  if (auto st = validate_place(in); !st) return std::unexpected(st.error());
  auto conn = db_.acquire();
  auto level = people::PeopleStore::area_level(*conn, in.area_id);
  if (!level) return core::invalid("area_id", fmt::format("no area {}", in.area_id));
  if (*level != static_cast<int>(core::AreaLevel::grid)) return core::invalid("area_id", "a place stands in a grid");
  const auto path = *people::PeopleStore::area_path(*conn, in.area_id);
  if (!who.covers(Permission::write_areas, path) && !who.covers(Permission::write_registry, path)) {
    return core::forbidden("your roles do not allow adding places here");
  }
  for (auto user : in.staff_user_ids) {
    if (!conn->query_value("SELECT id FROM users WHERE id = $1", {user})) {
      return core::invalid("staff_user_ids", fmt::format("no user {}", user));
    }
  }
  const auto now = clock_.now();
  for (int attempt = 0;; ++attempt) {
    in.code = new_place_code();
    try {
      auto place = db::in_transaction(*conn, db::TxMode::write, [&] {
        auto p = MovementStore::insert_place(*conn, in, now);
        audit::record(*conn, who, now, "create", "place", p.id, p.area_id, "code=" + p.code);
        return p;
      });
      std::lock_guard lock(cache_mutex_);
      place_cache_.emplace(place.id, PlaceRef{place.area_id, path});
      return place;
    } catch (const db::Error& e) {
      if (e.kind() != db::Error::Kind::unique_violation || attempt > 5) throw;  // a code collision: draw again
    }
  }
}

core::Result<std::string> MovementService::place_path_for_read(db::Connection& conn, const core::Principal& who,
                                                               const Place& p) {
  auto path = people::PeopleStore::area_path(conn, p.area_id);
  if (!path) return core::not_found("the place's area no longer exists");
  if (who.covers(Permission::read_areas, *path)) return *path;
  if (std::find(p.staff_user_ids.begin(), p.staff_user_ids.end(), who.user_id) != p.staff_user_ids.end()) return *path;
  return core::forbidden("this place is outside your scope");
}

core::Result<Place> MovementService::get_place(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto p = MovementStore::get_place(*conn, id);
  if (!p) return core::not_found(fmt::format("no place {}", id));
  if (auto path = place_path_for_read(*conn, who, *p); !path) return std::unexpected(path.error());
  return *p;
}

core::Result<Place> MovementService::find_place_by_code(const std::string& code) {
  auto conn = db_.acquire();
  auto p = MovementStore::get_place_by_code(*conn, code);
  if (!p) return core::not_found("no place has this code");
  p->staff_user_ids.clear();  // not for the public
  return *p;
}

core::Result<core::Page<Place>> MovementService::list_places(const core::Principal& who, const PlaceQuery& q) {
  auto conn = db_.acquire();
  std::vector<std::string> paths = who.scope_paths(Permission::read_areas);
  if (q.area_id) {
    auto path = people::PeopleStore::area_path(*conn, *q.area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *q.area_id));
    if (who.covers(Permission::read_areas, *path)) {
      paths = {*path};
    } else {
      std::vector<std::string> narrowed;
      for (const auto& s : paths) {
        if (s.rfind(*path, 0) == 0) narrowed.push_back(s);
      }
      paths = std::move(narrowed);
    }
  }
  core::Page<Place> page;
  if (paths.empty()) {
    // Staff of places without an area role see their own places.
    auto mine = MovementStore::places_of_staff(*conn, who.user_id);
    if (mine.empty() && !q.area_id) return core::forbidden("your roles do not allow reading places");
    for (auto id : mine) {
      if (auto p = MovementStore::get_place(*conn, id)) page.items.push_back(*p);
    }
    return page;
  }
  auto rows = MovementStore::list_places(*conn, q, paths);
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(static_cast<size_t>(q.limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

core::Result<Place> MovementService::update_place(const core::Principal& who, std::int64_t id, const PlacePatch& patch) {
  auto conn = db_.acquire();
  auto p = MovementStore::get_place(*conn, id);
  if (!p) return core::not_found(fmt::format("no place {}", id));
  auto path = people::PeopleStore::area_path(*conn, p->area_id).value_or("");
  if (!who.covers(Permission::write_areas, path) && !who.covers(Permission::write_registry, path)) {
    return core::forbidden("your roles do not allow editing this place");
  }
  if (patch.name) p->name = *patch.name;
  if (patch.kind) p->kind = *patch.kind;
  if (patch.address) p->address = *patch.address;
  if (patch.opening_hours) p->opening_hours = *patch.opening_hours;
  if (patch.capacity) p->capacity = *patch.capacity;
  if (patch.latitude) p->latitude = *patch.latitude;
  if (patch.longitude) p->longitude = *patch.longitude;
  if (patch.staff_user_ids) {
    for (auto user : *patch.staff_user_ids) {
      if (!conn->query_value("SELECT id FROM users WHERE id = $1", {user})) {
        return core::invalid("staff_user_ids", fmt::format("no user {}", user));
      }
    }
    p->staff_user_ids = *patch.staff_user_ids;
  }
  if (auto st = validate_place(*p); !st) return std::unexpected(st.error());
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    MovementStore::update_place(*conn, *p, now);
    audit::record(*conn, who, now, "update", "place", p->id, p->area_id);
  });
  p->updated_at = now;
  return *p;
}

core::Status MovementService::delete_place(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto p = MovementStore::get_place(*conn, id);
  if (!p) return core::not_found(fmt::format("no place {}", id));
  auto path = people::PeopleStore::area_path(*conn, p->area_id).value_or("");
  if (!who.covers(Permission::write_areas, path) && !who.covers(Permission::write_registry, path)) {
    return core::forbidden("your roles do not allow deleting this place");
  }
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    MovementStore::delete_place(*conn, id, now);
    audit::record(*conn, who, now, "delete", "place", id, p->area_id);
  });
  std::lock_guard lock(cache_mutex_);
  place_cache_.erase(id);
  return {};
}

core::Result<Occupancy> MovementService::place_occupancy(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto p = MovementStore::get_place(*conn, id);
  if (!p) return core::not_found(fmt::format("no place {}", id));
  if (auto path = place_path_for_read(*conn, who, *p); !path) return std::unexpected(path.error());
  return MovementStore::occupancy(*conn, {id}, day_start(clock_.now()));
}

core::Result<Occupancy> MovementService::area_occupancy(const core::Principal& who, std::int64_t area_id) {
  auto conn = db_.acquire();
  auto path = people::PeopleStore::area_path(*conn, area_id);
  if (!path) return core::not_found(fmt::format("no area {}", area_id));
  if (!who.covers(Permission::read_areas, *path)) return core::forbidden("this area is outside your scope");
  return MovementStore::occupancy(*conn, MovementStore::place_ids_in(*conn, *path), day_start(clock_.now()));
}

// ---- scans ----

core::Result<IngestResult> MovementService::ingest(const core::Principal& who, const std::vector<ScanInput>& scans,
                                                   const std::string& source) {
  if (scans.empty()) return core::invalid("scans", "the batch holds no scans");
  if (scans.size() > options_.max_batch) {
    return core::fail(core::ErrorCode::payload_too_large,
                      fmt::format("a batch holds at most {} scans", options_.max_batch), "scans");
  }
  auto conn = db_.acquire();
  return store_batch(*conn, &who, scans, source);
}

core::Result<IngestResult> MovementService::ingest_public(const ScanInput& scan) {
  if (!scan.visitor && !scan.person_id) return core::invalid("visitor", "name and phone are required");
  if (scan.person_id) return core::invalid("person_id", "sign in to scan as a registered resident");
  auto conn = db_.acquire();
  return store_batch(*conn, nullptr, {scan}, "visitor");
}

core::Result<IngestResult> MovementService::store_batch(db::Connection& conn, const core::Principal* who,
                                                        const std::vector<ScanInput>& input, const std::string& source) {
  const auto now = clock_.now();
  // Staff record people without phones by identity number: a registered
  // resident's number turns the "visitor" into that resident. (Not on the
  // public page, where anyone could claim someone else's number.)
  std::vector<ScanInput> resolved;
  const std::vector<ScanInput>* batch = &input;
  if (who) {
    for (std::size_t i = 0; i < input.size(); ++i) {
      const auto& v = input[i].visitor;
      if (!v || !v->id_number || v->document_type != "resident_id") continue;
      auto number = core::validate_id_number(*v->id_number, core::date_of(now));
      if (!number) continue;
      auto resident = people::PeopleStore::find_resident_by_document(conn, "resident_id", *number);
      if (!resident) continue;
      if (resolved.empty()) resolved = input;
      resolved[i].visitor.reset();
      resolved[i].person_id = resident->id;
    }
    if (!resolved.empty()) batch = &resolved;
  }
  const auto& scans = *batch;
  const core::Millis oldest = now - static_cast<core::Millis>(options_.retention_days) * kDay;
  IngestResult result;
  auto reject = [&](std::size_t i, const char* code, std::string message, std::string field) {
    result.rejected.push_back(Rejection{i, code, std::move(message), std::move(field)});
  };

  // People of the batch, looked up once.
  std::vector<std::int64_t> person_ids;
  for (const auto& s : scans) {
    if (s.person_id) person_ids.push_back(*s.person_id);
  }
  std::sort(person_ids.begin(), person_ids.end());
  person_ids.erase(std::unique(person_ids.begin(), person_ids.end()), person_ids.end());
  const auto homes = MovementStore::resident_homes(conn, person_ids);
  std::set<std::int64_t> staff_places;
  if (who) {
    for (auto id : MovementStore::places_of_staff(conn, who->user_id)) staff_places.insert(id);
  }

  struct Ready {
    std::size_t index;
    Scan scan;
    std::optional<VisitorInput> visitor;
    std::string place_path;
    std::optional<std::string> came_from;
  };
  std::vector<Ready> ready;
  ready.reserve(scans.size());
  std::set<std::string> batch_events;
  for (std::size_t i = 0; i < scans.size(); ++i) {
    const auto& s = scans[i];
    if (s.client_event_id.empty() || s.client_event_id.size() > 64) {
      reject(i, "invalid", "client_event_id must have 1 to 64 characters", "client_event_id");
      continue;
    }
    if (s.ts > now + options_.clock_skew) {
      reject(i, "invalid", "the scan time is in the future", "ts");
      continue;
    }
    if (s.ts < oldest) {
      reject(i, "invalid", fmt::format("the scan is older than the {}-day retention period", options_.retention_days), "ts");
      continue;
    }
    if (s.temperature && (*s.temperature < 30.0 || *s.temperature > 45.0)) {
      reject(i, "invalid", "temperature must be within 30.0..45.0 °C", "temperature");
      continue;
    }
    if (s.person_id.has_value() == s.visitor.has_value()) {
      reject(i, "invalid", "a scan names either person_id or a visitor", "person_id");
      continue;
    }
    if (s.came_from && (s.came_from->size() != 6 || !std::all_of(s.came_from->begin(), s.came_from->end(), ::isdigit))) {
      reject(i, "invalid", "came_from must be a 6-digit GB/T 2260 code", "came_from");
      continue;
    }
    auto place = place_ref(conn, s.place_id);
    if (!place) {
      reject(i, "not_found", fmt::format("no place {}", s.place_id), "place_id");
      continue;
    }
    std::optional<std::int64_t> home;
    if (s.person_id) {
      auto it = homes.find(*s.person_id);
      if (it == homes.end()) {
        reject(i, "not_found", fmt::format("no resident {}", *s.person_id), "person_id");
        continue;
      }
      home = it->second;
    } else {
      const auto& v = *s.visitor;
      if (core::trim(v.name).empty() || core::utf8_length(v.name) > 50) {
        reject(i, "invalid", "the visitor's name is required (at most 50 characters)", "visitor.name");
        continue;
      }
      if (!v.phone && !v.id_number) {
        reject(i, "invalid", "a visitor gives a phone or a document number", "visitor.phone");
        continue;
      }
      if (v.phone && !core::validate_phone(*v.phone)) {
        reject(i, "invalid", "the visitor's phone number is not valid", "visitor.phone");
        continue;
      }
    }
    if (who) {
      const bool allowed = who->covers(Permission::write_registry, place->path) || staff_places.contains(s.place_id) ||
                           (s.person_id && who->resident_id == s.person_id);
      if (!allowed) {
        reject(i, "forbidden", "you may not record scans at this place for this person", "place_id");
        continue;
      }
    }
    if (!batch_events.insert(s.client_event_id).second) {
      ++result.duplicates;  // the same event twice in one batch counts once
      continue;
    }
    Scan scan;
    scan.client_event_id = s.client_event_id;
    scan.place_id = s.place_id;
    scan.person_id = s.person_id;
    scan.ts = s.ts;
    scan.direction = s.direction;
    scan.temperature = s.temperature;
    scan.place_area_id = place->area_id;
    scan.home_area_id = home;
    scan.source = source;
    ready.push_back(Ready{i, std::move(scan), s.visitor, place->path, s.came_from});
  }
  if (ready.empty()) return result;

  // Active risk areas, resolved once: codes inside the district become subtree paths.
  auto risks = MovementStore::list_risk_areas(conn, now);
  std::vector<std::pair<RiskArea, std::string>> internal;  // risk, area path
  std::vector<RiskArea> external;
  for (auto& r : risks) {
    if (auto area = areas::AreaStore::get_by_code(conn, r.code)) internal.emplace_back(r, area->path);
    else external.push_back(r);
  }

  std::set<std::int64_t> touched_places;
  const bool screening = !internal.empty() || !external.empty();
  db::in_transaction(conn, db::TxMode::write, [&] {
    for (auto& r : ready) {
      if (r.visitor) {
        auto v = *r.visitor;
        if (v.phone) v.phone = *core::validate_phone(*v.phone);
        r.scan.visitor_id = MovementStore::upsert_visitor(conn, v, now);
      }
    }
    // Late scans of a day that has passed make its stored flows stale.
    std::vector<core::Millis> times;
    times.reserve(ready.size());
    for (const auto& r : ready) times.push_back(r.scan.ts);
    FlowDays::scans_written(conn, times, FlowDays::local_day(now, options_.utc_offset_minutes),
                            options_.utc_offset_minutes);
    if (!screening) {
      // The common case: no risk area to check each scan against, so write in multi-row statements.
      std::vector<const Scan*> rows;
      rows.reserve(ready.size());
      for (const auto& r : ready) {
        rows.push_back(&r.scan);
        touched_places.insert(r.scan.place_id);
      }
      const auto inserted = MovementStore::insert_scans(conn, rows, who ? std::optional(who->user_id) : std::nullopt, now);
      result.accepted += inserted;
      result.duplicates += rows.size() - inserted;
      return;
    }
    for (auto& r : ready) {
      if (!MovementStore::insert_scan(conn, r.scan, who ? std::optional(who->user_id) : std::nullopt, now)) {
        ++result.duplicates;
        continue;
      }
      ++result.accepted;
      touched_places.insert(r.scan.place_id);
      if (!r.scan.person_id || !r.scan.home_area_id) continue;
      for (const auto& [risk, path] : internal) {
        if (r.place_path.rfind(path, 0) == 0 && r.scan.ts >= risk.starts_at) {
          ScreeningItem item;
          item.person_id = *r.scan.person_id;
          item.area_id = *r.scan.home_area_id;
          item.risk_area_id = risk.id;
          item.reason = fmt::format("scanned in the risk area {} ({})", risk.name, risk.code);
          MovementStore::open_screening(conn, item, now);
        }
      }
      if (r.came_from && r.scan.direction == Direction::in) {
        for (const auto& risk : external) {
          if (r.came_from->rfind(risk.code, 0) == 0) {
            ScreeningItem item;
            item.person_id = *r.scan.person_id;
            item.area_id = *r.scan.home_area_id;
            item.risk_area_id = risk.id;
            item.reason = fmt::format("declared a recent stay in the risk area {} ({})", risk.name, risk.code);
            MovementStore::open_screening(conn, item, now);
          }
        }
      }
    }
  });
  if (hub_ && !touched_places.empty()) {
    std::string ids;
    for (auto id : touched_places) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    hub_->publish("occupancy", "scans", "{\"place_ids\":[" + ids + "]}");
  }
  return result;
}

core::Result<core::Page<Scan>> MovementService::list_scans(const core::Principal& who, const ScanQuery& q) {
  auto conn = db_.acquire();
  // Allowed places: those on the caller's staff list, plus every place where they may see personal data.
  std::vector<std::int64_t> allowed;
  const auto staff = MovementStore::places_of_staff(*conn, who.user_id);
  const auto personal = who.scope_paths(Permission::see_personal_data);
  std::vector<std::int64_t>* filter = nullptr;
  bool everything = std::find(personal.begin(), personal.end(), "") != personal.end();
  if (!everything) {
    allowed = staff;
    for (const auto& path : personal) {
      const auto ids = MovementStore::place_ids_in(*conn, path);
      allowed.insert(allowed.end(), ids.begin(), ids.end());
    }
    if (allowed.empty()) return core::forbidden("your roles do not allow reading movement records");
    if (q.place_id && std::find(allowed.begin(), allowed.end(), *q.place_id) == allowed.end()) {
      return core::forbidden("this place is outside your scope");
    }
    filter = &allowed;
  }
  auto rows = MovementStore::list_scans(*conn, q, filter);
  core::Page<Scan> page;
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(static_cast<size_t>(q.limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  if (!page.items.empty()) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      audit::record(*conn, who, clock_.now(), "read_personal", "scan", std::nullopt, std::nullopt,
                    fmt::format("scans={} place={} person={}", page.items.size(),
                                q.place_id ? std::to_string(*q.place_id) : "any",
                                q.person_id ? std::to_string(*q.person_id) : "any"));
    });
  }
  return page;
}

core::Result<std::vector<Flow>> MovementService::flows(const core::Principal& who, FlowQuery q) {
  if (q.level != "grid" && q.level != "community") return core::invalid("level", "level must be grid or community");
  auto conn = db_.acquire();
  auto paths = who.scope_paths(Permission::read_areas);
  if (paths.empty()) return core::forbidden("your roles do not allow reading flows");
  if (q.area_id) {
    auto path = people::PeopleStore::area_path(*conn, *q.area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *q.area_id));
    if (!who.covers(Permission::read_areas, *path)) return core::forbidden("this area is outside your scope");
    paths = {*path};
  }
  return MovementStore::flows(*conn, q, paths);
}

// ---- risk areas and screening ----

core::Result<RiskArea> MovementService::mark_risk_area(const core::Principal& who, RiskArea in) {
  if (!who.is_admin() && !who.has(Permission::read_audit)) {
    return core::forbidden("only administrators and district officials mark risk areas");
  }
  const bool digits = !in.code.empty() && std::all_of(in.code.begin(), in.code.end(), ::isdigit);
  if (!digits || (in.code.size() != 2 && in.code.size() != 4 && in.code.size() % 3 != 0) || in.code.size() > 15) {
    return core::invalid("code", "code must be a GB/T 2260 code (2, 4 or 6 digits) or an area code (9, 12 or 15 digits)");
  }
  in.name = std::string(core::trim(in.name));
  if (in.name.empty() || core::utf8_length(in.name) > 100) return core::invalid("name", "name is required (at most 100 characters)");
  const auto now = clock_.now();
  if (in.starts_at == 0) in.starts_at = now;
  if (in.ends_at && *in.ends_at <= in.starts_at) return core::invalid("ends_at", "ends_at must be after starts_at");
  auto conn = db_.acquire();
  return db::in_transaction(*conn, db::TxMode::write, [&] {
    auto r = MovementStore::insert_risk_area(*conn, in, who.user_id, now);
    std::size_t screened = 0;
    // An area inside the district: everyone seen there since the start is screened now.
    if (auto area = areas::AreaStore::get_by_code(*conn, r.code)) {
      for (const auto& [person, home] : MovementStore::residents_seen_in(*conn, area->path, r.starts_at)) {
        ScreeningItem item;
        item.person_id = person;
        item.area_id = home;
        item.risk_area_id = r.id;
        item.reason = fmt::format("scanned in the risk area {} ({})", r.name, r.code);
        if (MovementStore::open_screening(*conn, item, now)) ++screened;
      }
    }
    audit::record(*conn, who, now, "create", "risk_area", r.id, std::nullopt,
                  fmt::format("code={} screened={}", r.code, screened));
    return r;
  });
}

core::Result<std::vector<RiskArea>> MovementService::risk_areas(const core::Principal& who, bool active_only) {
  if (!who.has(Permission::read_areas)) return core::forbidden("your roles do not allow reading risk areas");
  auto conn = db_.acquire();
  return MovementStore::list_risk_areas(*conn, active_only ? std::optional(clock_.now()) : std::nullopt);
}

core::Status MovementService::end_risk_area(const core::Principal& who, std::int64_t id) {
  if (!who.is_admin() && !who.has(Permission::read_audit)) {
    return core::forbidden("only administrators and district officials end risk areas");
  }
  auto conn = db_.acquire();
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    MovementStore::end_risk_area(*conn, id, now);
    audit::record(*conn, who, now, "update", "risk_area", id, std::nullopt, "ended");
  });
  return {};
}

core::Result<core::Page<ScreeningItem>> MovementService::screening_queue(const core::Principal& who,
                                                                         std::optional<std::int64_t> area_id,
                                                                         std::optional<std::string> status,
                                                                         std::optional<std::int64_t> after_id, int limit) {
  if (status && !contains(kStatuses, *status)) return core::invalid("status", "status must be open, verified or closed");
  auto conn = db_.acquire();
  auto paths = who.scope_paths(Permission::see_personal_data);
  if (paths.empty()) return core::forbidden("your roles do not allow reading the screening queue");
  if (area_id) {
    auto path = people::PeopleStore::area_path(*conn, *area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
    if (!who.covers(Permission::see_personal_data, *path)) return core::forbidden("this area is outside your scope");
    paths = {*path};
  }
  auto rows = MovementStore::list_screening(*conn, paths, status, after_id, limit);
  core::Page<ScreeningItem> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<size_t>(limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

core::Result<ScreeningItem> MovementService::update_screening(const core::Principal& who, std::int64_t id,
                                                              const ScreeningPatch& patch) {
  if (patch.status && !contains(kStatuses, *patch.status)) return core::invalid("status", "status must be open, verified or closed");
  if (patch.follow_up && !contains(kFollowUps, *patch.follow_up)) {
    return core::invalid("follow_up", "follow_up must be none, home_observation, health_monitoring, testing or quarantine");
  }
  if (patch.note && core::utf8_length(*patch.note) > 500) return core::invalid("note", "note is longer than 500 characters");
  auto conn = db_.acquire();
  auto item = MovementStore::get_screening(*conn, id);
  if (!item) return core::not_found(fmt::format("no screening item {}", id));
  auto path = people::PeopleStore::area_path(*conn, item->area_id).value_or("");
  if (!who.covers(Permission::write_registry, path)) return core::forbidden("this item is outside your scope");
  if (item->status == "closed") return core::conflict("the item is closed");
  const auto now = clock_.now();
  if (patch.status) item->status = *patch.status;
  if (patch.follow_up) item->follow_up = *patch.follow_up;
  if (patch.note) item->note = *patch.note;
  if (item->status == "closed") {
    if (!item->follow_up) return core::invalid("follow_up", "set the follow-up before closing the item");
    item->closed_at = now;
  }
  db::in_transaction(*conn, db::TxMode::write, [&] {
    MovementStore::update_screening(*conn, *item, who.user_id, now);
    audit::record(*conn, who, now, "update", "screening", id, item->area_id,
                  fmt::format("status={} follow_up={}", item->status, item->follow_up.value_or("")));
  });
  item->updated_at = now;
  return *item;
}

// ---- personal passes ----
//
// A pass token is base64url (no padding) of 33 bytes: a format byte (1), the
// resident id and the expiry in unix seconds (8 bytes each, big-endian), and
// the first 16 bytes of HMAC-SHA256 over those 17 bytes with the key shared
// through the settings table. 44 characters: a small QR code.

namespace {

constexpr core::Millis kHour = 60 * kMinute;
constexpr unsigned char kPassFormat = 1;
constexpr std::size_t kPassPayloadBytes = 17;
constexpr std::size_t kPassMacBytes = 16;
constexpr std::size_t kPassBytes = kPassPayloadBytes + kPassMacBytes;
const std::string kPassKeySetting = "pass_hmac_key";

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialize");
}

void put_be64(unsigned char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<unsigned char>(v & 0xFF);
}

std::uint64_t get_be64(const unsigned char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

void pass_mac(const std::string& key, const unsigned char* payload, unsigned char* mac) {
  unsigned char full[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(full, payload, kPassPayloadBytes, reinterpret_cast<const unsigned char*>(key.data()));
  std::copy(full, full + kPassMacBytes, mac);
}

}  // namespace

std::string MovementService::pass_key(db::Connection& conn) {
  ensure_sodium();
  std::lock_guard lock(pass_key_mutex_);
  if (!pass_key_.empty()) return pass_key_;
  unsigned char fresh[crypto_auth_hmacsha256_KEYBYTES];
  randombytes_buf(fresh, sizeof fresh);
  std::string hex(sizeof fresh * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), fresh, sizeof fresh);
  hex.pop_back();
  sodium_memzero(fresh, sizeof fresh);
  // Another node may have stored its key first: every node signs with the one stored.
  const auto stored = db::in_transaction(conn, db::TxMode::write, [&] {
    return MovementStore::setting_or_insert(conn, kPassKeySetting, hex);
  });
  std::string key(crypto_auth_hmacsha256_KEYBYTES, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), stored.data(), stored.size(), nullptr,
                     &length, nullptr) != 0 ||
      length != key.size()) {
    throw std::runtime_error("the stored pass key (settings." + kPassKeySetting + ") is not 64 hex digits");
  }
  pass_key_ = key;
  return pass_key_;
}

std::string MovementService::sign_pass(db::Connection& conn, std::int64_t resident_id, core::Millis expires_at) {
  unsigned char raw[kPassBytes];
  raw[0] = kPassFormat;
  put_be64(raw + 1, static_cast<std::uint64_t>(resident_id));
  put_be64(raw + 9, static_cast<std::uint64_t>(expires_at / 1000));
  pass_mac(pass_key(conn), raw, raw + kPassPayloadBytes);
  std::string out(sodium_base64_ENCODED_LEN(kPassBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), raw, kPassBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

core::Result<Pass> MovementService::my_pass(const core::Principal& who) {
  if (!who.resident_id) return core::forbidden("only accounts linked to a resident have a personal pass");
  auto conn = db_.acquire();
  if (!people::PeopleStore::get_resident(*conn, *who.resident_id)) {
    return core::not_found("the resident linked to this account no longer exists");
  }
  const auto now = clock_.now();
  Pass pass;
  pass.expires_at = (now + kPassHours * kHour + kHour - 1) / kHour * kHour;  // up to the hour
  pass.token = sign_pass(*conn, *who.resident_id, pass.expires_at);
  pass.url = options_.public_url + "/pass/" + pass.token;
  return pass;
}

core::Result<PassHolder> MovementService::resolve_pass(const core::Principal& who, std::string_view token) {
  ensure_sodium();
  constexpr const char* kNotValid = "this is not a valid personal pass";
  unsigned char raw[kPassBytes];
  std::size_t length = 0;
  if (token.size() > 64 ||
      sodium_base642bin(raw, sizeof raw, token.data(), token.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length != kPassBytes || raw[0] != kPassFormat) {
    return core::invalid("token", kNotValid);
  }
  auto conn = db_.acquire();
  unsigned char mac[kPassMacBytes];
  pass_mac(pass_key(*conn), raw, mac);
  if (sodium_memcmp(mac, raw + kPassPayloadBytes, kPassMacBytes) != 0) return core::invalid("token", kNotValid);
  const auto resident_id = static_cast<std::int64_t>(get_be64(raw + 1));
  const auto expires_at = static_cast<core::Millis>(get_be64(raw + 9)) * 1000;
  const auto now = clock_.now();
  if (now >= expires_at) {
    return core::invalid("token", fmt::format("this pass expired at {}; the resident opens a new one in the portal",
                                              core::format_iso8601(expires_at)));
  }
  auto resident = people::PeopleStore::get_resident(*conn, resident_id);
  if (!resident) return core::not_found("the resident of this pass no longer exists");
  const auto path = people::PeopleStore::area_path(*conn, resident->area_id).value_or("");
  if (!who.covers(Permission::write_registry, path) && MovementStore::places_of_staff(*conn, who.user_id).empty()) {
    return core::forbidden("your roles do not allow recording scans for this resident");
  }
  db::in_transaction(*conn, db::TxMode::write, [&] {
    audit::record(*conn, who, now, "read_personal", "resident", resident->id, resident->area_id, "personal pass");
  });
  return PassHolder{resident->id, resident->name, resident->area_id, expires_at};
}

// ---- retention ----

std::int64_t MovementService::purge_expired_scans() {
  const auto now = clock_.now();
  const auto cutoff = now - static_cast<core::Millis>(options_.retention_days) * kDay;
  auto conn = db_.acquire();
  const auto n = MovementStore::purge_scans(*conn, cutoff);
  FlowDays::purge_before(*conn, FlowDays::local_day(cutoff, options_.utc_offset_minutes));
  db::in_transaction(*conn, db::TxMode::write, [&] {
    audit::AuditEntry e;
    e.at = now;
    e.username = "system";
    e.action = "purge";
    e.entity = "scan";
    e.detail = fmt::format("deleted={} older_than={} retention_days={}", n, core::format_iso8601(cutoff),
                           options_.retention_days);
    audit::record(*conn, e);
  });
  spdlog::info("retention: purged {} scans older than {}", n, core::format_iso8601(cutoff));
  return n;
}

void MovementService::start_scheduler(std::chrono::milliseconds tick) {
  // Purge at start, then once a day of clock time (also after a failed purge).
  scheduler_.start("retention purge", tick, [this, next_run = clock_.now()]() mutable {
    if (clock_.now() < next_run) return;
    try {
      purge_expired_scans();
    } catch (...) {
      next_run = clock_.now() + kDay;
      throw;
    }
    next_run = clock_.now() + kDay;
  });
}

void MovementService::stop_scheduler() { scheduler_.stop(); }

}  // namespace firstline::movement
