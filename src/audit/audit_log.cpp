#include "audit/audit_log.hpp"

#include <algorithm>

#include "db/sql.hpp"

namespace firstline::audit {

void record(db::Connection& conn, const AuditEntry& e) {
  conn.execute(
      "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, area_id, detail) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {e.at, db::opt(e.user_id), e.username, e.action, e.entity, db::opt(e.entity_id), db::opt(e.area_id), e.detail});
}

void record(db::Connection& conn, const core::Principal& who, core::Millis at, std::string action,
            std::string entity, std::optional<std::int64_t> entity_id, std::optional<std::int64_t> area_id,
            std::string detail) {
  AuditEntry e;
  e.at = at;
  if (who.user_id) e.user_id = who.user_id;
  e.username = who.username;
  e.action = std::move(action);
  e.entity = std::move(entity);
  e.entity_id = entity_id;
  e.area_id = area_id;
  e.detail = std::move(detail);
  record(conn, e);
}

std::vector<AuditEntry> list(db::Connection& conn, const AuditFilter& f) {
  db::Sql sql(
      "SELECT id, at, user_id, username, action, entity, entity_id, area_id, detail FROM audit_log WHERE 1=1");
  if (f.user_id) sql.append(" AND user_id = ").bind(*f.user_id);
  if (f.action) sql.append(" AND action = ").bind(*f.action);
  if (f.entity) sql.append(" AND entity = ").bind(*f.entity);
  if (f.entity_id) sql.append(" AND entity_id = ").bind(*f.entity_id);
  if (f.since) sql.append(" AND at >= ").bind(*f.since);
  if (f.until) sql.append(" AND at < ").bind(*f.until);
  if (f.before_id) sql.append(" AND id < ").bind(*f.before_id);
  const bool everything = std::find(f.scope_paths.begin(), f.scope_paths.end(), "") != f.scope_paths.end();
  if (!everything) {
    sql.append(" AND area_id IN (SELECT id FROM areas WHERE ");
    db::append_subtree_filter(sql, "path", f.scope_paths);
    sql.append(")");
  }
  sql.append(" ORDER BY id DESC LIMIT ").bind(static_cast<std::int64_t>(f.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<AuditEntry> out;
  out.reserve(rs.size());
  for (auto& r : rs.rows) {
    AuditEntry e;
    e.id = db::as_int(r[0]);
    e.at = db::as_int(r[1]);
    e.user_id = db::as_opt_int(r[2]);
    e.username = db::as_text(r[3]);
    e.action = db::as_text(r[4]);
    e.entity = db::as_text(r[5]);
    e.entity_id = db::as_opt_int(r[6]);
    e.area_id = db::as_opt_int(r[7]);
    e.detail = db::as_text(r[8]);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace firstline::audit
