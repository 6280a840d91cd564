// The area hierarchy: district → street → community → grid. Each area has a
// unified code (core/area_code.hpp), an optional local code, a GeoJSON
// boundary, responsible staff, and a materialized path of ids ("/1/4/17/")
// that makes every subtree an index range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/area_code.hpp"
#include "core/clock.hpp"

namespace firstline::areas {

struct Area {
  std::int64_t id = 0;
  std::string code;
  std::optional<std::string> local_code;
  std::string name;
  core::AreaLevel level = core::AreaLevel::grid;
  std::optional<std::int64_t> parent_id;
  std::string path;
  std::optional<std::string> boundary;  // GeoJSON Polygon or MultiPolygon, as text
  std::optional<std::string> responsible;
  std::optional<std::string> phone;
  core::Millis created_at = 0;
  core::Millis updated_at = 0;
};

/// Figures of an area's whole subtree.
struct AreaCounts {
  std::int64_t grids = 0;
  std::int64_t buildings = 0;
  std::int64_t households = 0;
  std::int64_t households_verified = 0;
  std::int64_t residents = 0;
};

struct NewArea {
  std::string code;
  std::optional<std::string> local_code;
  std::string name;
  core::AreaLevel level = core::AreaLevel::grid;
  std::optional<std::int64_t> parent_id;
  std::optional<std::string> boundary;
  std::optional<std::string> responsible;
  std::optional<std::string> phone;
};

/// A change to an area; fields left empty stay as they are. For the
/// optional-optional fields, an inner nullopt clears the value.
struct AreaPatch {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> local_code;
  std::optional<std::optional<std::string>> boundary;
  std::optional<std::optional<std::string>> responsible;
  std::optional<std::optional<std::string>> phone;
};

struct AreaQuery {
  std::optional<core::AreaLevel> level;
  std::optional<std::int64_t> parent_id;
  std::optional<std::int64_t> under_id;  // the whole subtree of this area (itself excluded)
  std::optional<std::string> q;          // name or code fragment
  std::optional<std::string> cursor;     // code of the last area of the previous page
  int limit = 50;
  bool with_counts = false;
};

/// Validates a GeoJSON Polygon or MultiPolygon geometry (or a Feature holding
/// one): closed rings of at least four positions with longitudes in
/// [-180, 180] and latitudes in [-90, 90]. Fails with invalid on `field`.
core::Status validate_boundary(std::string_view geojson, std::string_view field = "boundary");

}  // namespace firstline::areas
