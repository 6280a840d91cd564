// Export of the registry as CSV (the columns of registry_columns(), so that an
// exported file imports again as unchanged rows) and of area boundaries as
// GeoJSON. Thread-safe: each call borrows its own connection from the pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/area_code.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "transfer/registry_import.hpp"

namespace firstline::transfer {

/// The records of `kind` inside the caller's read scope (read_areas for areas,
/// read_registry for the others), narrowed to the subtree of `area_id` when
/// given, ordered by id, as CSV text with a header row ("\r\n" line ends, no
/// BOM). Identity numbers and phones of households and residents are masked
/// where the caller lacks see_personal_data for the record's area; an export
/// that shows any of them unmasked writes one audit entry (action "export",
/// entity the kind, detail the row count) stamped by `clock`.
/// Fails with forbidden (no read permission, or area outside the scope) or
/// invalid on field area_id (no such area).
core::Result<std::string> export_csv(db::Database& db, const core::Principal& who, RegistryKind kind,
                                     std::optional<std::int64_t> area_id, const core::Clock& clock);
/// The same, with audit entries stamped by the system clock.
core::Result<std::string> export_csv(db::Database& db, const core::Principal& who, RegistryKind kind,
                                     std::optional<std::int64_t> area_id);

/// The areas that have a boundary, inside the caller's read_areas scope and
/// the subtree of `area_id`, optionally of one level, as a GeoJSON
/// FeatureCollection whose features carry the properties id, code, name, level
/// and parent_id. Fails like export_csv().
core::Result<std::string> export_areas_geojson(db::Database& db, const core::Principal& who,
                                               std::optional<std::int64_t> area_id,
                                               std::optional<core::AreaLevel> level);

}  // namespace firstline::transfer
