// SQL of the areas table. Every function runs on the caller's connection
// (inside the caller's transaction, if any) and throws db::Error on failure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "areas/area.hpp"
#include "db/database.hpp"
#include "db/sql.hpp"

namespace firstline::areas {

class AreaStore {
 public:
  /// Appends " AND <column> IN (areas of these subtrees)" to a query; nothing
  /// when the paths include "" (everywhere).
  static void append_scope_filter(db::Sql& sql, std::string_view column, const std::vector<std::string>& paths);
  /// Inserts the area under `parent_path` ("" for a top-level area) and sets its path.
  static Area insert(db::Connection& conn, const NewArea& area, const std::string& parent_path, core::Millis now);
  static std::optional<Area> get(db::Connection& conn, std::int64_t id);
  static std::optional<Area> get_by_code(db::Connection& conn, const std::string& code);
  /// Areas matching the query inside the given subtree paths, ordered by code;
  /// returns up to limit + 1 rows.
  static std::vector<Area> list(db::Connection& conn, const AreaQuery& query,
                                const std::vector<std::string>& scope_paths, const std::optional<std::string>& under_path);
  static void update(db::Connection& conn, const Area& area, core::Millis now);
  static void soft_delete(db::Connection& conn, std::int64_t id, core::Millis now);
  /// True when the area has live children, buildings, households or residents.
  static bool has_dependents(db::Connection& conn, std::int64_t id);
  /// Figures of each listed area's subtree, computed from one pass over `root_path`'s subtree.
  static std::map<std::int64_t, AreaCounts> rollup_counts(db::Connection& conn, const std::string& root_path,
                                                          const std::vector<std::int64_t>& area_ids);
};

}  // namespace firstline::areas
