// The risk registry: risk points (hazards and vulnerable places) of an area,
// rated on the standard 5×5 likelihood × impact matrix, inspected on a
// schedule; inspections record findings, near misses, photos and the
// resulting rating. docs/API.md ("Risk registry") describes the rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace firstline::risks {

/// old_building, flood_point, gas, crowded_place, hazardous_goods,
/// vulnerable_household, fire, other.
const std::vector<std::string_view>& kinds();
bool valid_kind(std::string_view kind);

/// The rating of a cell of the matrix: likelihood × impact (1..25).
constexpr int rating_of(int likelihood, int impact) { return likelihood * impact; }

/// The band of a rating on the standard 5×5 matrix:
///   low 1–4, medium 5–9, high 10–16, critical 20–25.
/// (Products 17–19 cannot occur; anything above 16 is critical.)
constexpr std::string_view band_of(int rating) {
  if (rating <= 4) return "low";
  if (rating <= 9) return "medium";
  if (rating <= 16) return "high";
  return "critical";
}
/// low, medium, high, critical.
const std::vector<std::string_view>& bands();
/// The inclusive rating range of a band; {0, 0} for an unknown band.
std::pair<int, int> band_range(std::string_view band);

/// The largest photo accepted, in bytes (5 MiB); larger ones get 413.
constexpr std::size_t kMaxPhotoBytes = 5u << 20;
/// "image/jpeg" or "image/png" when the bytes start with that format's
/// signature (JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A); nullopt otherwise.
std::optional<std::string_view> sniff_image_type(std::string_view bytes);

struct RiskPoint {
  std::int64_t id = 0;
  std::int64_t area_id = 0;
  std::string area_name;
  std::string name;
  std::string kind;
  std::optional<double> latitude, longitude;
  std::optional<std::string> polygon;  // GeoJSON Polygon/MultiPolygon as text
  std::string description;
  int likelihood = 1, impact = 1;  // the current rating
  std::optional<std::string> owner_name, owner_phone;
  std::optional<std::int64_t> owner_user_id;
  int inspection_interval_days = 30;
  std::optional<core::Millis> last_inspected_at;
  core::Millis next_inspection_due = 0;  // (last inspection, else creation) + interval
  std::int64_t inspections = 0;
  core::Millis created_at = 0, updated_at = 0;
  std::optional<std::int64_t> created_by;

  int rating() const { return rating_of(likelihood, impact); }
  std::string_view band() const { return band_of(rating()); }
  bool overdue(core::Millis now) const { return next_inspection_due < now; }
};

/// A new point; the service validates every field.
struct RiskInput {
  std::int64_t area_id = 0;
  std::string name;
  std::string kind;
  std::optional<double> latitude, longitude;
  std::optional<std::string> polygon;
  std::string description;
  int likelihood = 0, impact = 0;
  std::optional<std::string> owner_name, owner_phone;
  std::optional<std::int64_t> owner_user_id;
  int inspection_interval_days = 30;
};

/// A partial update: absent fields stay; `clear_*` sets an optional field to null.
struct RiskPatch {
  std::optional<std::int64_t> area_id;  // moves the point (manage_risks on both areas)
  std::optional<std::string> name, kind, description;
  std::optional<double> latitude, longitude;
  std::optional<std::string> polygon;
  std::optional<int> likelihood, impact;
  std::optional<std::string> owner_name, owner_phone;
  std::optional<std::int64_t> owner_user_id;
  std::optional<int> inspection_interval_days;
  bool clear_location = false, clear_polygon = false, clear_owner_name = false, clear_owner_phone = false,
       clear_owner_user = false;
};

struct RiskQuery {
  std::optional<std::int64_t> area_id;  // this area's subtree
  std::optional<std::string> kind;
  std::optional<std::string> band;
  std::optional<bool> overdue;
  std::optional<int> likelihood, impact;  // one cell (or row, column) of the matrix
  std::optional<std::int64_t> after_id;   // cursor: ordered by id
  int limit = 50;
};

struct PhotoInfo {
  std::int64_t id = 0;
  std::string content_type;
  std::int64_t size = 0;
  core::Millis created_at = 0;
};

struct Inspection {
  std::int64_t id = 0;
  std::int64_t risk_id = 0;
  core::Millis inspected_at = 0;
  std::string findings;
  bool near_miss = false;
  std::optional<std::string> near_miss_note;
  int likelihood = 1, impact = 1;  // the resulting rating
  int previous_likelihood = 1, previous_impact = 1;
  std::optional<std::int64_t> inspected_by;
  std::string inspected_by_name;
  core::Millis created_at = 0;
  std::vector<PhotoInfo> photos;

  int rating() const { return rating_of(likelihood, impact); }
};

struct InspectionInput {
  std::string findings;
  bool near_miss = false;
  std::optional<std::string> near_miss_note;
  int likelihood = 0, impact = 0;
  std::optional<core::Millis> inspected_at;  // default now
};

struct Photo {
  PhotoInfo info;
  std::string bytes;
};

/// Counts of live points per cell of the matrix under an area.
struct RiskMatrix {
  std::optional<std::int64_t> area_id;
  std::int64_t counts[5][5] = {};  // [likelihood - 1][impact - 1]
  std::int64_t total = 0, overdue = 0;
};

}  // namespace firstline::risks
