#include "levels/level_store.hpp"

#include <set>

#include <fmt/format.h>

#include "db/sql.hpp"

namespace firstline::levels {

using db::as_int;
using db::as_opt_int;
using db::as_text;

namespace {

std::string threshold_text(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : "off"; }

// Areas are joined to their stored level; absent: never computed (low).
constexpr const char* kLevelCols =
    "a.id, a.name, a.code, a.level, a.parent_id, a.path, l.level, l.reasons, l.computed_at, l.changed_at";

AreaLevel level_from(const std::vector<db::Value>& r) {
  static const char* kinds[] = {"district", "street", "community", "grid"};
  AreaLevel a;
  a.area_id = as_int(r[0]);
  a.name = as_text(r[1]);
  a.code = as_text(r[2]);
  const auto depth = as_int(r[3]);
  a.kind = depth >= 0 && depth <= 3 ? kinds[depth] : "grid";
  a.parent_id = as_opt_int(r[4]);
  a.path = as_text(r[5]);
  if (!db::is_null(r[6])) {
    a.level = parse_level(as_text(r[6])).value_or(Level::low);
    a.reasons = decode_reasons(as_text(r[7]));
    a.computed_at = as_opt_int(r[8]);
    a.changed_at = as_opt_int(r[9]);
  }
  return a;
}

void add_counts(db::Connection& conn, std::string_view sql, const db::Params& params, const std::string& key,
                std::map<std::int64_t, Signals>& out) {
  for (const auto& r : conn.query(sql, params).rows) out[as_int(r[0])][key] += static_cast<double>(as_int(r[1]));
}

}  // namespace

Rules LevelStore::load_rules(db::Connection& conn) {
  auto rules = Rules::defaults();
  for (const auto& r : conn.query("SELECT key, value FROM level_rules").rows) {
    const auto key = as_text(r[0]);
    const auto dot = key.rfind('.');
    if (dot == std::string::npos) continue;
    auto it = rules.by_signal.find(key.substr(0, dot));
    if (it == rules.by_signal.end()) continue;
    const auto value = as_text(r[1]);
    std::optional<double> v;
    if (value != "off") v = std::strtod(value.c_str(), nullptr);
    if (key.substr(dot + 1) == "medium") it->second.medium = v;
    else if (key.substr(dot + 1) == "high") it->second.high = v;
  }
  return rules;
}

void LevelStore::lock_rules(db::Connection& conn) {
  if (conn.dialect() == db::Dialect::postgres) conn.execute_script("LOCK TABLE level_rules IN SHARE ROW EXCLUSIVE MODE");
}

void LevelStore::save_rules(db::Connection& conn, const Rules& rules, const std::set<std::string>& keys,
                            core::Millis now, std::optional<std::int64_t> by) {
  for (const auto& [signal, t] : rules.by_signal) {
    for (auto [which, v] : {std::pair{"medium", t.medium}, std::pair{"high", t.high}}) {
      const auto key = signal + "." + which;
      if (!keys.contains(key)) continue;
      conn.execute(
          "INSERT INTO level_rules (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
          "updated_by = excluded.updated_by",
          {key, threshold_text(v), now, db::opt(by)});
    }
  }
}

std::vector<AreaNode> LevelStore::areas(db::Connection& conn) {
  std::vector<AreaNode> out;
  for (const auto& r :
       conn.query("SELECT id, name, code, level, parent_id, path FROM areas WHERE deleted_at IS NULL").rows) {
    out.push_back(AreaNode{as_int(r[0]), as_text(r[1]), as_text(r[2]), static_cast<int>(as_int(r[3])),
                           as_opt_int(r[4]), as_text(r[5])});
  }
  return out;
}

std::optional<AreaNode> LevelStore::area(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query("SELECT id, name, code, level, parent_id, path FROM areas WHERE id = $1 AND deleted_at IS NULL",
                       {id});
  if (rs.empty()) return std::nullopt;
  const auto& r = rs.rows[0];
  return AreaNode{as_int(r[0]), as_text(r[1]), as_text(r[2]), static_cast<int>(as_int(r[3])), as_opt_int(r[4]),
                  as_text(r[5])};
}

void LevelStore::add_status_counts(db::Connection& conn, std::map<std::int64_t, Signals>& out) {
  auto rs = conn.query(
      "SELECT s.area_id, SUM(CASE WHEN s.status = 'confirmed' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN s.status = 'observation' THEN 1 ELSE 0 END) "
      "FROM health_statuses s "
      "WHERE s.ends_at IS NULL AND s.status IN ('confirmed', 'observation') AND s.area_id IS NOT NULL "
      "GROUP BY s.area_id");
  for (const auto& r : rs.rows) {
    auto& s = out[as_int(r[0])];
    s["confirmed"] += static_cast<double>(as_int(r[1]));
    s["observation"] += static_cast<double>(as_int(r[2]));
  }
}

void LevelStore::add_fevers(db::Connection& conn, core::Millis since, std::map<std::int64_t, Signals>& out) {
  add_counts(conn,
             "SELECT area_id, COUNT(*) FROM health_alerts WHERE kind = 'fever' AND status = 'open' AND created_at >= $1 "
             "GROUP BY area_id",
             {since}, "fevers", out);
}

void LevelStore::add_screening(db::Connection& conn, std::map<std::int64_t, Signals>& out) {
  add_counts(conn, "SELECT area_id, COUNT(*) FROM screening_items WHERE status = 'open' GROUP BY area_id", {},
             "screening", out);
}

void LevelStore::add_risk_points(db::Connection& conn, std::map<std::int64_t, Signals>& out) {
  add_counts(conn,
             "SELECT area_id, COUNT(*) FROM risk_points WHERE deleted_at IS NULL AND likelihood * impact >= 10 "
             "GROUP BY area_id",
             {}, "risk_points", out);
}

std::map<std::int64_t, StoredLevel> LevelStore::stored(db::Connection& conn) {
  std::map<std::int64_t, StoredLevel> out;
  for (const auto& r : conn.query("SELECT area_id, level, reasons FROM area_levels").rows) {
    out[as_int(r[0])] = StoredLevel{parse_level(as_text(r[1])).value_or(Level::low), as_text(r[2])};
  }
  return out;
}

void LevelStore::write(db::Connection& conn, const std::vector<Row>& rows, core::Millis now) {
  constexpr std::size_t kChunk = 200;  // rows per statement (bind parameters stay well under limits)
  for (std::size_t i = 0; i < rows.size(); i += kChunk) {
    db::Sql sql("INSERT INTO area_levels (area_id, level, reasons, computed_at, changed_at) VALUES ");
    for (std::size_t j = i; j < std::min(rows.size(), i + kChunk); ++j) {
      const auto& r = rows[j];
      if (j > i) sql.append(", ");
      sql.append("(").bind(r.area_id).append(", ").bind(std::string(level_key(r.level))).append(", ");
      sql.bind(r.reasons).append(", ").bind(now).append(", ").bind(now).append(")");
    }
    // changed_at moves only when the level changes.
    sql.append(
        " ON CONFLICT (area_id) DO UPDATE SET reasons = excluded.reasons, computed_at = excluded.computed_at, "
        "changed_at = CASE WHEN area_levels.level = excluded.level THEN area_levels.changed_at ELSE "
        "excluded.changed_at END, level = excluded.level");
    conn.execute(sql.text(), sql.params());
  }
  std::vector<const Row*> changes;
  for (const auto& r : rows) {
    if (r.level_changed) changes.push_back(&r);
  }
  for (std::size_t i = 0; i < changes.size(); i += kChunk) {
    db::Sql sql("INSERT INTO area_level_history (area_id, level, previous_level, reasons, changed_at) VALUES ");
    for (std::size_t j = i; j < std::min(changes.size(), i + kChunk); ++j) {
      const auto& r = *changes[j];
      if (j > i) sql.append(", ");
      sql.append("(").bind(r.area_id).append(", ").bind(std::string(level_key(r.level))).append(", ");
      sql.bind(r.previous ? db::Value{std::string(level_key(*r.previous))} : db::Value{}).append(", ");
      sql.bind(r.reasons).append(", ").bind(now).append(")");
    }
    conn.execute(sql.text(), sql.params());
  }
  conn.execute("UPDATE area_levels SET computed_at = $1 WHERE computed_at <> $1", {now});
}

std::optional<AreaLevel> LevelStore::get(db::Connection& conn, const AreaNode& area) {
  auto rs = conn.query(std::string("SELECT ") + kLevelCols +
                           " FROM areas a LEFT JOIN area_levels l ON l.area_id = a.id WHERE a.id = $1",
                       {area.id});
  if (rs.empty()) return std::nullopt;
  return level_from(rs.rows[0]);
}

std::vector<AreaLevel> LevelStore::children(db::Connection& conn, std::int64_t area_id) {
  std::vector<AreaLevel> out;
  for (const auto& r : conn.query(std::string("SELECT ") + kLevelCols +
                                      " FROM areas a LEFT JOIN area_levels l ON l.area_id = a.id "
                                      "WHERE a.parent_id = $1 AND a.deleted_at IS NULL ORDER BY a.code",
                                  {area_id})
                           .rows) {
    out.push_back(level_from(r));
  }
  return out;
}

std::vector<AreaLevel> LevelStore::grids_under(db::Connection& conn, const std::string& path) {
  std::vector<AreaLevel> out;
  for (const auto& r : conn.query(std::string("SELECT ") + kLevelCols +
                                      " FROM areas a LEFT JOIN area_levels l ON l.area_id = a.id "
                                      "WHERE a.level = 3 AND a.deleted_at IS NULL AND a.path >= $1 AND a.path < $2 "
                                      "ORDER BY a.code",
                                  {path, db::path_upper_bound(path)})
                           .rows) {
    out.push_back(level_from(r));
  }
  return out;
}

std::vector<LevelChange> LevelStore::history(db::Connection& conn, std::int64_t area_id, int limit) {
  std::vector<LevelChange> out;
  for (const auto& r : conn.query("SELECT id, area_id, level, previous_level, reasons, changed_at "
                                  "FROM area_level_history WHERE area_id = $1 ORDER BY id DESC LIMIT $2",
                                  {area_id, static_cast<std::int64_t>(limit)})
                           .rows) {
    LevelChange c;
    c.id = as_int(r[0]);
    c.area_id = as_int(r[1]);
    c.level = parse_level(as_text(r[2])).value_or(Level::low);
    if (!db::is_null(r[3])) c.previous = parse_level(as_text(r[3]));
    c.reasons = decode_reasons(as_text(r[4]));
    c.changed_at = as_int(r[5]);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace firstline::levels
