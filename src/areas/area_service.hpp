// Rules of the area hierarchy: who may create, read, change and delete which
// areas, code validation against the parent, and subtree figures.
// Thread-safe: each call borrows its own connection from the pool.
#pragma once

#include <map>
#include <optional>

#include "areas/area.hpp"
#include "core/clock.hpp"
#include "core/event_hub.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"

namespace firstline::areas {

class AreaService {
 public:
  AreaService(db::Database& db, const core::Clock& clock, core::EventHub* hub = nullptr)
      : db_(db), clock_(clock), hub_(hub) {}

  /// Creates an area. A district needs an admin; any other level needs
  /// write_areas on the parent. Fails invalid (field named), not_found
  /// (parent), forbidden, or conflict (code in use).
  core::Result<Area> create(const core::Principal& who, const NewArea& area);
  /// An area inside the caller's read scope; not_found or forbidden otherwise.
  core::Result<Area> get(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<Area>> list(const core::Principal& who, const AreaQuery& query);
  core::Result<Area> update(const core::Principal& who, std::int64_t id, const AreaPatch& patch);
  /// Soft-deletes an area with no live children, buildings, households or residents (conflict otherwise).
  core::Status remove(const core::Principal& who, std::int64_t id);
  /// Figures of the subtree of each given area (all must be readable by the caller).
  core::Result<std::map<std::int64_t, AreaCounts>> counts(const core::Principal& who,
                                                          const std::vector<std::int64_t>& ids);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  core::EventHub* hub_;
};

}  // namespace firstline::areas
