// Rules of the risk registry: who may see and change risk points (read_areas
// and manage_risks on the point's area), validation of every field (errors
// name it), the rating and band, the inspection schedule (next due = last
// inspection, else creation, + interval; overdue when due < the injected
// clock's now), inspections that re-rate a point, and inspection photos
// (JPEG or PNG by their signature, at most kMaxPhotoBytes). Every write is
// audited in the same transaction. Thread-safe.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "risks/risk.hpp"

namespace firstline::risks {

class RiskService {
 public:
  RiskService(db::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  core::Millis now() const { return clock_.now(); }

  /// invalid naming the field; forbidden outside the caller's manage_risks scope.
  core::Result<RiskPoint> create(const core::Principal& who, const RiskInput& in);
  /// not_found for missing or deleted points; forbidden outside read_areas scope.
  core::Result<RiskPoint> get(const core::Principal& who, std::int64_t id);
  core::Result<RiskPoint> update(const core::Principal& who, std::int64_t id, const RiskPatch& patch);
  /// Soft delete: the point leaves lists and the matrix; its history stays.
  core::Status remove(const core::Principal& who, std::int64_t id);
  /// Points in the caller's read_areas scope, filtered, ordered by id.
  core::Result<core::Page<RiskPoint>> list(const core::Principal& who, const RiskQuery& q);
  /// Counts per cell under `area_id` (default: the caller's whole scope).
  core::Result<RiskMatrix> matrix(const core::Principal& who, std::optional<std::int64_t> area_id);

  /// Records an inspection. When it is the latest one (inspected_at not
  /// before the point's last inspection) it sets the point's rating and
  /// restarts its schedule from inspected_at. inspected_at may not be in the future.
  core::Result<Inspection> inspect(const core::Principal& who, std::int64_t risk_id, const InspectionInput& in);
  /// Newest first, with photo metadata.
  core::Result<std::vector<Inspection>> inspections(const core::Principal& who, std::int64_t risk_id);
  /// Stores a photo of an inspection. `declared_type` is the request's
  /// Content-Type: unsupported_media unless image/jpeg or image/png;
  /// payload_too_large above kMaxPhotoBytes; invalid ("body") when empty or
  /// when the bytes are not of the declared type.
  core::Result<PhotoInfo> add_photo(const core::Principal& who, std::int64_t risk_id, std::int64_t inspection_id,
                                    std::string_view declared_type, const std::string& bytes);
  core::Result<Photo> photo(const core::Principal& who, std::int64_t risk_id, std::int64_t inspection_id,
                            std::int64_t photo_id);

 private:
  db::Database& db_;
  const core::Clock& clock_;
};

}  // namespace firstline::risks
