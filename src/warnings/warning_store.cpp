#include "warnings/warning_store.hpp"

#include <boost/json.hpp>

#include "core/area_code.hpp"
#include "db/sql.hpp"

namespace firstline::warnings {

namespace {

namespace json = boost::json;
using db::as_int;
using db::as_opt_int;
using db::as_opt_text;
using db::as_text;

std::string encode_reasons(const std::vector<std::string>& reasons) {
  json::array a;
  for (const auto& r : reasons) a.push_back(json::value(r));
  return json::serialize(a);
}

std::vector<std::string> decode_reasons(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& x : v.as_array()) {
    if (x.is_string()) out.emplace_back(x.get_string());
  }
  return out;
}

constexpr const char* kColumns =
    "w.id, w.identifier, w.area_id, a.name, a.code, a.level, a.path, w.current_area_id, c.name, c.path, w.level, "
    "w.category, w.event, w.headline, w.description, w.instruction, w.exercise, w.status, w.source, w.reasons, "
    "w.sender, w.sender_name, w.ack_minutes, w.ack_due_at, w.escalate_at, w.escalations, w.escalated_at, "
    "w.created_at, w.created_by, w.sent_at, w.sent_by, w.expires_at, w.acknowledged_at, w.acknowledged_by, "
    "w.handled_at, w.handled_by, w.closed_at, w.closed_by, w.cancelled_at, w.cancelled_by, w.updated_at";

constexpr const char* kFrom =
    " FROM warnings w JOIN areas a ON a.id = w.area_id JOIN areas c ON c.id = w.current_area_id";

Warning warning_from(const std::vector<db::Value>& r) {
  Warning w;
  std::size_t i = 0;
  w.id = as_int(r[i++]);
  w.identifier = as_text(r[i++]);
  w.area_id = as_int(r[i++]);
  w.area_name = as_text(r[i++]);
  w.area_code = as_text(r[i++]);
  w.area_level = std::string(core::area_level_key(static_cast<core::AreaLevel>(as_int(r[i++]))));
  w.area_path = as_text(r[i++]);
  w.current_area_id = as_int(r[i++]);
  w.current_area_name = as_text(r[i++]);
  w.current_area_path = as_text(r[i++]);
  w.level = as_text(r[i++]);
  w.category = as_text(r[i++]);
  w.event = as_text(r[i++]);
  w.headline = as_text(r[i++]);
  w.description = as_text(r[i++]);
  w.instruction = as_text(r[i++]);
  w.exercise = as_int(r[i++]) != 0;
  w.status = as_text(r[i++]);
  w.source = as_text(r[i++]);
  w.reasons = decode_reasons(as_text(r[i++]));
  w.sender = as_text(r[i++]);
  w.sender_name = as_text(r[i++]);
  w.ack_minutes = static_cast<int>(as_int(r[i++]));
  w.ack_due_at = as_opt_int(r[i++]);
  w.escalate_at = as_opt_int(r[i++]);
  w.escalations = static_cast<int>(as_int(r[i++]));
  w.escalated_at = as_opt_int(r[i++]);
  w.created_at = as_int(r[i++]);
  w.created_by = as_opt_int(r[i++]);
  w.sent_at = as_opt_int(r[i++]);
  w.sent_by = as_opt_int(r[i++]);
  w.expires_at = as_opt_int(r[i++]);
  w.acknowledged_at = as_opt_int(r[i++]);
  w.acknowledged_by = as_opt_int(r[i++]);
  w.handled_at = as_opt_int(r[i++]);
  w.handled_by = as_opt_int(r[i++]);
  w.closed_at = as_opt_int(r[i++]);
  w.closed_by = as_opt_int(r[i++]);
  w.cancelled_at = as_opt_int(r[i++]);
  w.cancelled_by = as_opt_int(r[i++]);
  w.updated_at = as_int(r[i++]);
  return w;
}

}  // namespace

std::string WarningStore::node_id(db::Connection& conn, const std::string& candidate) {
  conn.execute("INSERT INTO settings (key, value) VALUES ('warning_node_id', $1) ON CONFLICT (key) DO NOTHING",
               {candidate});
  return as_text(*conn.query_value("SELECT value FROM settings WHERE key = 'warning_node_id'"));
}

std::int64_t WarningStore::insert(db::Connection& conn, const Warning& w, const std::string& identifier_prefix) {
  auto rs = conn.query(
      "INSERT INTO warnings (area_id, current_area_id, level, category, event, headline, description, instruction, "
      "exercise, status, source, reasons, sender, sender_name, ack_minutes, ack_due_at, escalate_at, escalations, "
      "created_at, created_by, sent_at, sent_by, expires_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0, $18, $19, $20, $21, "
      "$22, $18) RETURNING id",
      {w.area_id,
       w.current_area_id,
       w.level,
       w.category,
       w.event,
       w.headline,
       w.description,
       w.instruction,
       static_cast<std::int64_t>(w.exercise ? 1 : 0),
       w.status,
       w.source,
       encode_reasons(w.reasons),
       w.sender,
       w.sender_name,
       static_cast<std::int64_t>(w.ack_minutes),
       db::opt(w.ack_due_at),
       db::opt(w.escalate_at),
       w.created_at,
       db::opt(w.created_by),
       db::opt(w.sent_at),
       db::opt(w.sent_by),
       db::opt(w.expires_at)});
  const auto id = as_int(rs.rows.at(0).at(0));
  conn.execute("UPDATE warnings SET identifier = $1 WHERE id = $2", {identifier_prefix + std::to_string(id), id});
  return id;
}

std::optional<Warning> WarningStore::get(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kColumns + kFrom + " WHERE w.id = $1", {id});
  if (rs.empty()) return std::nullopt;
  return warning_from(rs.rows[0]);
}

std::vector<WarningEvent> WarningStore::history(db::Connection& conn, std::int64_t warning_id) {
  auto rs = conn.query(
      "SELECT e.id, e.action, e.at, e.by_user, COALESCE(NULLIF(u.display_name, ''), u.username, 'system'), e.note, "
      "e.area_id, e.escalated_to_area_id FROM warning_events e LEFT JOIN users u ON u.id = e.by_user "
      "WHERE e.warning_id = $1 ORDER BY e.id",
      {warning_id});
  std::vector<WarningEvent> out;
  for (const auto& r : rs.rows) {
    WarningEvent e;
    e.id = as_int(r[0]);
    e.action = as_text(r[1]);
    e.at = as_int(r[2]);
    e.by = as_opt_int(r[3]);
    e.by_name = as_text(r[4]);
    e.note = as_opt_text(r[5]);
    e.area_id = as_int(r[6]);
    e.escalated_to_area_id = as_opt_int(r[7]);
    out.push_back(std::move(e));
  }
  return out;
}

void WarningStore::add_event(db::Connection& conn, std::int64_t warning_id, const WarningEvent& e) {
  conn.execute(
      "INSERT INTO warning_events (warning_id, action, at, by_user, note, area_id, escalated_to_area_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {warning_id, e.action, e.at, db::opt(e.by), db::opt(e.note), e.area_id, db::opt(e.escalated_to_area_id)});
}

bool WarningStore::update(db::Connection& conn, const Warning& before, const Warning& w) {
  return conn.execute(
             "UPDATE warnings SET current_area_id = $1, status = $2, ack_due_at = $3, escalate_at = $4, "
             "escalations = $5, escalated_at = $6, sent_at = $7, sent_by = $8, acknowledged_at = $9, "
             "acknowledged_by = $10, handled_at = $11, handled_by = $12, closed_at = $13, closed_by = $14, "
             "cancelled_at = $15, cancelled_by = $16, updated_at = $17, reasons = $18, sender_name = $23 "
             "WHERE id = $19 AND status = $20 AND current_area_id = $21 AND escalations = $22",
             {w.current_area_id,
              w.status,
              db::opt(w.ack_due_at),
              db::opt(w.escalate_at),
              static_cast<std::int64_t>(w.escalations),
              db::opt(w.escalated_at),
              db::opt(w.sent_at),
              db::opt(w.sent_by),
              db::opt(w.acknowledged_at),
              db::opt(w.acknowledged_by),
              db::opt(w.handled_at),
              db::opt(w.handled_by),
              db::opt(w.closed_at),
              db::opt(w.closed_by),
              db::opt(w.cancelled_at),
              db::opt(w.cancelled_by),
              w.updated_at,
              encode_reasons(w.reasons),
              before.id,
              before.status,
              before.current_area_id,
              static_cast<std::int64_t>(before.escalations),
              w.sender_name}) == 1;
}

std::vector<Warning> WarningStore::list(db::Connection& conn, const Filter& f) {
  db::Sql sql(std::string("SELECT ") + kColumns + kFrom + " WHERE (");
  db::append_subtree_filter(sql, "a.path", f.scope_paths);
  if (!f.ancestor_ids.empty()) {
    sql.append(" OR w.area_id IN (");
    for (std::size_t i = 0; i < f.ancestor_ids.size(); ++i) {
      if (i) sql.append(", ");
      sql.bind(f.ancestor_ids[i]);
    }
    sql.append(")");
  }
  sql.append(")");
  if (f.under_path) {
    sql.append(" AND a.path >= ").bind(*f.under_path);
    sql.append(" AND a.path < ").bind(db::path_upper_bound(*f.under_path));
  }
  if (!f.statuses.empty()) {
    sql.append(" AND w.status IN (");
    for (std::size_t i = 0; i < f.statuses.size(); ++i) {
      if (i) sql.append(", ");
      sql.bind(f.statuses[i]);
    }
    sql.append(")");
  }
  if (f.level) sql.append(" AND w.level = ").bind(*f.level);
  if (f.not_expired_at) sql.append(" AND (w.expires_at IS NULL OR w.expires_at > ").bind(*f.not_expired_at).append(")");
  if (f.before_id) sql.append(" AND w.id < ").bind(*f.before_id);
  sql.append(" ORDER BY w.id DESC LIMIT ").bind(static_cast<std::int64_t>(f.limit + 1));
  std::vector<Warning> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) out.push_back(warning_from(r));
  return out;
}

std::vector<Warning> WarningStore::due_for_escalation(db::Connection& conn, core::Millis now, int limit) {
  // The partial index warnings_escalate_at (WHERE status = 'issued') answers the first two conditions.
  auto rs = conn.query(std::string("SELECT ") + kColumns + kFrom +
                           " WHERE w.status = 'issued' AND w.escalate_at <= $1 "
                           "AND (w.expires_at IS NULL OR w.expires_at > $1) ORDER BY w.escalate_at, w.id LIMIT $2",
                       {now, static_cast<std::int64_t>(limit)});
  std::vector<Warning> out;
  for (const auto& r : rs.rows) out.push_back(warning_from(r));
  return out;
}

std::optional<std::int64_t> WarningStore::pending_proposal(db::Connection& conn, std::int64_t area_id,
                                                           const std::string& level) {
  auto v = conn.query_value(
      "SELECT id FROM warnings WHERE area_id = $1 AND status = 'proposed' AND level = $2 ORDER BY id DESC LIMIT 1",
      {area_id, level});
  if (!v) return std::nullopt;
  return as_int(*v);
}

}  // namespace firstline::warnings
