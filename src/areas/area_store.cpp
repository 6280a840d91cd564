#include "areas/area_store.hpp"

#include <set>

#include "core/text.hpp"
#include "db/sql.hpp"

namespace firstline::areas {

namespace {

constexpr const char* kColumns =
    "id, code, local_code, name, level, parent_id, path, boundary, responsible, phone, created_at, updated_at";

Area from_row(const std::vector<db::Value>& r) {
  Area a;
  a.id = db::as_int(r[0]);
  a.code = db::as_text(r[1]);
  a.local_code = db::as_opt_text(r[2]);
  a.name = db::as_text(r[3]);
  a.level = static_cast<core::AreaLevel>(db::as_int(r[4]));
  a.parent_id = db::as_opt_int(r[5]);
  a.path = db::as_text(r[6]);
  a.boundary = db::as_opt_text(r[7]);
  a.responsible = db::as_opt_text(r[8]);
  a.phone = db::as_opt_text(r[9]);
  a.created_at = db::as_int(r[10]);
  a.updated_at = db::as_int(r[11]);
  return a;
}

// Ids along a path "/1/4/17/" -> {1, 4, 17}.
std::vector<std::int64_t> path_ids(const std::string& path) {
  std::vector<std::int64_t> ids;
  std::int64_t cur = 0;
  bool in = false;
  for (char c : path) {
    if (c == '/') {
      if (in) ids.push_back(cur);
      cur = 0;
      in = false;
    } else {
      cur = cur * 10 + (c - '0');
      in = true;
    }
  }
  return ids;
}

}  // namespace

void AreaStore::append_scope_filter(db::Sql& sql, std::string_view column, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (p.empty()) return;  // everything: no filter
  }
  sql.append(" AND ").append(column).append(" IN (SELECT id FROM areas WHERE ");
  db::append_subtree_filter(sql, "path", paths);
  sql.append(")");
}

Area AreaStore::insert(db::Connection& conn, const NewArea& n, const std::string& parent_path, core::Millis now) {
  auto rs = conn.query(
      "INSERT INTO areas (code, local_code, name, level, parent_id, path, boundary, responsible, phone, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $9) RETURNING id",
      {n.code, db::opt(n.local_code), n.name, static_cast<std::int64_t>(n.level), db::opt(n.parent_id),
       db::opt(n.boundary), db::opt(n.responsible), db::opt(n.phone), now});
  Area a;
  a.id = db::as_int(rs.rows.at(0).at(0));
  a.path = (parent_path.empty() ? std::string("/") : parent_path) + std::to_string(a.id) + "/";
  conn.execute("UPDATE areas SET path = $1 WHERE id = $2", {a.path, a.id});
  a.code = n.code;
  a.local_code = n.local_code;
  a.name = n.name;
  a.level = n.level;
  a.parent_id = n.parent_id;
  a.boundary = n.boundary;
  a.responsible = n.responsible;
  a.phone = n.phone;
  a.created_at = a.updated_at = now;
  return a;
}

std::optional<Area> AreaStore::get(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kColumns + " FROM areas WHERE id = $1 AND deleted_at IS NULL", {id});
  if (rs.empty()) return std::nullopt;
  return from_row(rs.rows[0]);
}

std::optional<Area> AreaStore::get_by_code(db::Connection& conn, const std::string& code) {
  auto rs =
      conn.query(std::string("SELECT ") + kColumns + " FROM areas WHERE code = $1 AND deleted_at IS NULL", {code});
  if (rs.empty()) return std::nullopt;
  return from_row(rs.rows[0]);
}

std::vector<Area> AreaStore::list(db::Connection& conn, const AreaQuery& q,
                                  const std::vector<std::string>& scope_paths,
                                  const std::optional<std::string>& under_path) {
  db::Sql sql(std::string("SELECT ") + kColumns + " FROM areas WHERE deleted_at IS NULL AND ");
  append_subtree_filter(sql, "path", scope_paths);
  if (q.level) sql.append(" AND level = ").bind(static_cast<std::int64_t>(*q.level));
  if (q.parent_id) sql.append(" AND parent_id = ").bind(*q.parent_id);
  if (under_path) {
    sql.append(" AND path > ").bind(*under_path).append(" AND path < ").bind(db::path_upper_bound(*under_path));
  }
  if (q.q) {
    const std::string like = "%" + core::escape_like(*q.q) + "%";
    sql.append(" AND (lower(name) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\' OR code LIKE ");
    sql.bind(core::escape_like(*q.q) + "%").append(" ESCAPE '\\')");
  }
  if (q.cursor) sql.append(" AND code > ").bind(*q.cursor);
  sql.append(" ORDER BY code LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<Area> out;
  out.reserve(rs.size());
  for (const auto& r : rs.rows) out.push_back(from_row(r));
  return out;
}

void AreaStore::update(db::Connection& conn, const Area& a, core::Millis now) {
  conn.execute(
      "UPDATE areas SET name = $1, local_code = $2, boundary = $3, responsible = $4, phone = $5, updated_at = $6 "
      "WHERE id = $7",
      {a.name, db::opt(a.local_code), db::opt(a.boundary), db::opt(a.responsible), db::opt(a.phone), now, a.id});
}

void AreaStore::soft_delete(db::Connection& conn, std::int64_t id, core::Millis now) {
  // The code is freed for reuse: a deleted area keeps its row with a tombstone code.
  conn.execute("UPDATE areas SET deleted_at = $1, code = code || '#' || CAST(id AS TEXT) WHERE id = $2", {now, id});
}

bool AreaStore::has_dependents(db::Connection& conn, std::int64_t id) {
  auto v = conn.query_value(
      "SELECT (SELECT COUNT(*) FROM areas WHERE parent_id = $1 AND deleted_at IS NULL) + "
      "(SELECT COUNT(*) FROM buildings WHERE area_id = $1 AND deleted_at IS NULL) + "
      "(SELECT COUNT(*) FROM households WHERE area_id = $1 AND deleted_at IS NULL) + "
      "(SELECT COUNT(*) FROM residents WHERE area_id = $1 AND deleted_at IS NULL)",
      {id});
  return v && db::as_int(*v) > 0;
}

std::map<std::int64_t, AreaCounts> AreaStore::rollup_counts(db::Connection& conn, const std::string& root_path,
                                                            const std::vector<std::int64_t>& area_ids) {
  std::map<std::int64_t, AreaCounts> out;
  for (auto id : area_ids) out[id] = AreaCounts{};
  if (area_ids.empty()) return out;
  const std::string upper = db::path_upper_bound(root_path);

  // Every area of the subtree with its path, to add each one's own figures to its listed ancestors.
  std::map<std::int64_t, std::string> paths;
  std::map<std::int64_t, AreaCounts> own;
  auto areas = conn.query("SELECT id, path, level FROM areas WHERE deleted_at IS NULL AND path >= $1 AND path < $2",
                          {root_path, upper});
  for (const auto& r : areas.rows) {
    const auto id = db::as_int(r[0]);
    paths[id] = db::as_text(r[1]);
    if (db::as_int(r[2]) == static_cast<int>(core::AreaLevel::grid)) own[id].grids += 1;
  }
  auto add = [&](const char* sql, auto apply) {
    auto rs = conn.query(sql, {root_path, upper});
    for (const auto& r : rs.rows) apply(own[db::as_int(r[0])], r);
  };
  constexpr const char* kScope = " IN (SELECT id FROM areas WHERE deleted_at IS NULL AND path >= $1 AND path < $2)";
  add((std::string("SELECT area_id, COUNT(*) FROM buildings WHERE deleted_at IS NULL AND area_id") + kScope +
       " GROUP BY area_id").c_str(),
      [](AreaCounts& c, const auto& r) { c.buildings += db::as_int(r[1]); });
  add((std::string("SELECT area_id, COUNT(*), COUNT(verified_at) FROM households WHERE deleted_at IS NULL AND area_id") +
       kScope + " GROUP BY area_id").c_str(),
      [](AreaCounts& c, const auto& r) {
        c.households += db::as_int(r[1]);
        c.households_verified += db::as_int(r[2]);
      });
  add((std::string("SELECT area_id, COUNT(*) FROM residents WHERE deleted_at IS NULL AND area_id") + kScope +
       " GROUP BY area_id").c_str(),
      [](AreaCounts& c, const auto& r) { c.residents += db::as_int(r[1]); });

  for (const auto& [id, counts] : own) {
    auto it = paths.find(id);
    if (it == paths.end()) continue;
    for (auto ancestor : path_ids(it->second)) {
      auto target = out.find(ancestor);
      if (target == out.end()) continue;
      target->second.grids += counts.grids;
      target->second.buildings += counts.buildings;
      target->second.households += counts.households;
      target->second.households_verified += counts.households_verified;
      target->second.residents += counts.residents;
    }
  }
  return out;
}

}  // namespace firstline::areas
