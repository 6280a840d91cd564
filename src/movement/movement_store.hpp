// SQL of places, scans, visitors, risk areas and screening items. Functions
// run on the caller's connection and throw db::Error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "movement/movement.hpp"

namespace firstline::movement {

class MovementStore {
 public:
  // places
  static Place insert_place(db::Connection& conn, Place p, core::Millis now);
  static std::optional<Place> get_place(db::Connection& conn, std::int64_t id);
  static std::optional<Place> get_place_by_code(db::Connection& conn, const std::string& code);
  static std::vector<Place> list_places(db::Connection& conn, const PlaceQuery& q, const std::vector<std::string>& paths);
  static void update_place(db::Connection& conn, const Place& p, core::Millis now);
  static void delete_place(db::Connection& conn, std::int64_t id, core::Millis now);
  /// Ids of the live places in the subtree `path`.
  static std::vector<std::int64_t> place_ids_in(db::Connection& conn, const std::string& path);
  static void set_place_staff(db::Connection& conn, std::int64_t place_id, const std::vector<std::int64_t>& users);
  /// Ids of the places where `user_id` is on the staff.
  static std::vector<std::int64_t> places_of_staff(db::Connection& conn, std::int64_t user_id);
  /// Every live place: id -> (grid id, grid path), for the ingest cache.
  struct PlaceRef {
    std::int64_t area_id;
    std::string path;
  };
  static std::map<std::int64_t, PlaceRef> place_refs(db::Connection& conn);

  // people
  /// Home grid of each existing resident among `ids`.
  static std::map<std::int64_t, std::int64_t> resident_homes(db::Connection& conn, const std::vector<std::int64_t>& ids);
  /// The visitor with this name and phone, created if new.
  static std::int64_t upsert_visitor(db::Connection& conn, const VisitorInput& v, core::Millis now);

  // scans
  /// Inserts unless the client event id is known; true when inserted.
  static bool insert_scan(db::Connection& conn, const Scan& s, std::optional<std::int64_t> recorded_by, core::Millis now);
  /// Inserts many scans with multi-row statements, skipping known client
  /// event ids; returns how many were inserted.
  static std::size_t insert_scans(db::Connection& conn, const std::vector<const Scan*>& scans,
                                  std::optional<std::int64_t> recorded_by, core::Millis now);
  static std::vector<Scan> list_scans(db::Connection& conn, const ScanQuery& q, const std::vector<std::int64_t>* place_ids);
  static Occupancy occupancy(db::Connection& conn, const std::vector<std::int64_t>& place_ids, core::Millis day_start);
  static std::vector<Flow> flows(db::Connection& conn, const FlowQuery& q, const std::vector<std::string>& paths);
  /// Deletes scans older than `before`, in chunks; returns how many.
  static std::int64_t purge_scans(db::Connection& conn, core::Millis before);

  // risk areas and screening
  /// Residents seen at places inside the subtree `path` since `since`: (person, home grid).
  static std::vector<std::pair<std::int64_t, std::int64_t>> residents_seen_in(db::Connection& conn,
                                                                             const std::string& path, core::Millis since);
  static RiskArea insert_risk_area(db::Connection& conn, RiskArea r, std::optional<std::int64_t> by, core::Millis now);
  static std::vector<RiskArea> list_risk_areas(db::Connection& conn, std::optional<core::Millis> active_at);
  static void end_risk_area(db::Connection& conn, std::int64_t id, core::Millis at);
  /// Opens an item unless one is already open for the person and risk area; true when opened.
  static bool open_screening(db::Connection& conn, const ScreeningItem& item, core::Millis now);
  static std::vector<ScreeningItem> list_screening(db::Connection& conn, const std::vector<std::string>& paths,
                                                   const std::optional<std::string>& status,
                                                   std::optional<std::int64_t> after_id, int limit);
  static std::optional<ScreeningItem> get_screening(db::Connection& conn, std::int64_t id);
  static void update_screening(db::Connection& conn, const ScreeningItem& item, std::optional<std::int64_t> by,
                               core::Millis now);

  // settings
  /// The value of setting `key`; when none is stored yet, stores `value` first.
  /// Several nodes racing here all read back the one value that won.
  static std::string setting_or_insert(db::Connection& conn, const std::string& key, const std::string& value);
};

}  // namespace firstline::movement
