// SQL of the risk registry: risk points, their inspections and inspection
// photos. No rules here; RiskService checks them. Every function runs on the
// caller's connection (inside its transaction, if any) and throws db::Error
// on failure.
//
// Photos are kept in the database (risk_photos.data) as base64 text, because
// db::Value has no bytes type; the store encodes on insert and decodes on
// read, so callers only ever see the raw bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "risks/risk.hpp"

namespace firstline::risks {

class RiskStore {
 public:
  /// A live (not deleted) point with its area's name and inspection count.
  static std::optional<RiskPoint> get(db::Connection& conn, std::int64_t id);
  static RiskPoint insert(db::Connection& conn, RiskPoint p);
  /// Writes every editable field, the rating, schedule and updated_at.
  static void update(db::Connection& conn, const RiskPoint& p);
  static void soft_delete(db::Connection& conn, std::int64_t id, core::Millis now);

  struct ListFilter {
    std::vector<std::string> scope_paths;   // the caller's read scope ({""}: everywhere)
    std::optional<std::string> under_path;  // an area's subtree
    std::optional<std::string> kind;
    std::optional<std::pair<int, int>> rating;  // inclusive range (a band)
    std::optional<bool> overdue;
    std::optional<int> likelihood, impact;
    core::Millis now = 0;
    std::optional<std::int64_t> after_id;
    int limit = 50;
  };
  /// Ordered by id; returns up to limit + 1 points.
  static std::vector<RiskPoint> list(db::Connection& conn, const ListFilter& f);
  /// Counts of live points per (likelihood, impact) and how many are overdue.
  static RiskMatrix matrix(db::Connection& conn, const std::vector<std::string>& scope_paths,
                           const std::optional<std::string>& under_path, core::Millis now);

  static Inspection insert_inspection(db::Connection& conn, Inspection i);
  static std::optional<Inspection> get_inspection(db::Connection& conn, std::int64_t risk_id, std::int64_t id);
  /// Newest inspection first, each with its photos' metadata.
  static std::vector<Inspection> list_inspections(db::Connection& conn, std::int64_t risk_id);

  static PhotoInfo insert_photo(db::Connection& conn, std::int64_t risk_id, std::int64_t inspection_id,
                                const std::string& content_type, const std::string& bytes,
                                std::optional<std::int64_t> created_by, core::Millis now);
  static std::optional<Photo> get_photo(db::Connection& conn, std::int64_t risk_id, std::int64_t inspection_id,
                                        std::int64_t id);
};

/// Standard base64 (RFC 4648, padded). Exposed for tests.
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace firstline::risks
