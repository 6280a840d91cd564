#include "movement/movement_store.hpp"

#include "core/text.hpp"
#include "areas/area_store.hpp"
#include "db/sql.hpp"

namespace firstline::movement {

namespace {

constexpr const char* kPlaceCols =
    "id, area_id, name, kind, code, address, opening_hours, capacity, latitude, longitude, created_at, updated_at";

Place place_from(const std::vector<db::Value>& r) {
  Place p;
  p.id = db::as_int(r[0]);
  p.area_id = db::as_int(r[1]);
  p.name = db::as_text(r[2]);
  p.kind = db::as_text(r[3]);
  p.code = db::as_text(r[4]);
  p.address = db::as_opt_text(r[5]);
  p.opening_hours = db::as_opt_text(r[6]);
  p.capacity = db::as_opt_int(r[7]);
  p.latitude = db::as_opt_double(r[8]);
  p.longitude = db::as_opt_double(r[9]);
  p.created_at = db::as_int(r[10]);
  p.updated_at = db::as_int(r[11]);
  return p;
}

void load_staff(db::Connection& conn, Place& p) {
  auto rs = conn.query("SELECT user_id FROM place_staff WHERE place_id = $1 ORDER BY user_id", {p.id});
  p.staff_user_ids.clear();
  for (const auto& r : rs.rows) p.staff_user_ids.push_back(db::as_int(r[0]));
}


void append_id_list(db::Sql& sql, const std::vector<std::int64_t>& ids) {
  sql.append("(");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) sql.append(", ");
    sql.bind(ids[i]);
  }
  sql.append(")");
}

ScreeningItem screening_from(const std::vector<db::Value>& r) {
  ScreeningItem s;
  s.id = db::as_int(r[0]);
  s.person_id = db::as_int(r[1]);
  s.person_name = db::as_text(r[2]);
  s.area_id = db::as_int(r[3]);
  s.risk_area_id = db::as_opt_int(r[4]);
  s.reason = db::as_text(r[5]);
  s.scan_id = db::as_opt_int(r[6]);
  s.status = db::as_text(r[7]);
  s.follow_up = db::as_opt_text(r[8]);
  s.note = db::as_opt_text(r[9]);
  s.created_at = db::as_int(r[10]);
  s.updated_at = db::as_int(r[11]);
  s.closed_at = db::as_opt_int(r[12]);
  return s;
}

constexpr const char* kScreeningCols =
    "s.id, s.person_id, r.name, s.area_id, s.risk_area_id, s.reason, s.scan_id, s.status, s.follow_up, s.note, "
    "s.created_at, s.updated_at, s.closed_at";

}  // namespace

// ---- places ----

Place MovementStore::insert_place(db::Connection& conn, Place p, core::Millis now) {
  auto v = conn.query_value(
      "INSERT INTO places (area_id, name, kind, code, address, opening_hours, capacity, latitude, longitude, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
      {p.area_id, p.name, p.kind, p.code, db::opt(p.address), db::opt(p.opening_hours), db::opt(p.capacity),
       db::opt(p.latitude), db::opt(p.longitude), now});
  p.id = db::as_int(*v);
  p.created_at = p.updated_at = now;
  set_place_staff(conn, p.id, p.staff_user_ids);
  return p;
}

std::optional<Place> MovementStore::get_place(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kPlaceCols + " FROM places WHERE id = $1 AND deleted_at IS NULL", {id});
  if (rs.empty()) return std::nullopt;
  auto p = place_from(rs.rows[0]);
  load_staff(conn, p);
  return p;
}

std::optional<Place> MovementStore::get_place_by_code(db::Connection& conn, const std::string& code) {
  auto rs = conn.query(std::string("SELECT ") + kPlaceCols + " FROM places WHERE code = $1 AND deleted_at IS NULL",
                       {code});
  if (rs.empty()) return std::nullopt;
  auto p = place_from(rs.rows[0]);
  load_staff(conn, p);
  return p;
}

std::vector<Place> MovementStore::list_places(db::Connection& conn, const PlaceQuery& q,
                                              const std::vector<std::string>& paths) {
  db::Sql sql(std::string("SELECT ") + kPlaceCols + " FROM places WHERE deleted_at IS NULL");
  areas::AreaStore::append_scope_filter(sql, "area_id", paths);
  if (q.kind) sql.append(" AND kind = ").bind(*q.kind);
  if (q.q) {
    const auto like = "%" + core::escape_like(*q.q) + "%";
    sql.append(" AND (lower(name) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\' OR code = ").bind(*q.q).append(")");
  }
  if (q.after_id) sql.append(" AND id > ").bind(*q.after_id);
  sql.append(" ORDER BY id LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<Place> out;
  for (const auto& r : rs.rows) {
    out.push_back(place_from(r));
    load_staff(conn, out.back());
  }
  return out;
}

void MovementStore::update_place(db::Connection& conn, const Place& p, core::Millis now) {
  conn.execute(
      "UPDATE places SET name = $1, kind = $2, address = $3, opening_hours = $4, capacity = $5, latitude = $6, "
      "longitude = $7, updated_at = $8 WHERE id = $9",
      {p.name, p.kind, db::opt(p.address), db::opt(p.opening_hours), db::opt(p.capacity), db::opt(p.latitude),
       db::opt(p.longitude), now, p.id});
  set_place_staff(conn, p.id, p.staff_user_ids);
}

void MovementStore::delete_place(db::Connection& conn, std::int64_t id, core::Millis now) {
  conn.execute("UPDATE places SET deleted_at = $1, code = code || '#' || CAST(id AS TEXT) WHERE id = $2", {now, id});
  conn.execute("DELETE FROM place_staff WHERE place_id = $1", {id});
}

std::vector<std::int64_t> MovementStore::place_ids_in(db::Connection& conn, const std::string& path) {
  auto rs = conn.query(
      "SELECT id FROM places WHERE deleted_at IS NULL AND area_id IN (SELECT id FROM areas WHERE path >= $1 AND path < $2)",
      {path, db::path_upper_bound(path)});
  std::vector<std::int64_t> out;
  out.reserve(rs.size());
  for (const auto& r : rs.rows) out.push_back(db::as_int(r[0]));
  return out;
}

void MovementStore::set_place_staff(db::Connection& conn, std::int64_t place_id, const std::vector<std::int64_t>& users) {
  conn.execute("DELETE FROM place_staff WHERE place_id = $1", {place_id});
  for (auto u : users) conn.execute("INSERT INTO place_staff (place_id, user_id) VALUES ($1, $2)", {place_id, u});
}

std::vector<std::int64_t> MovementStore::places_of_staff(db::Connection& conn, std::int64_t user_id) {
  auto rs = conn.query(
      "SELECT ps.place_id FROM place_staff ps JOIN places p ON p.id = ps.place_id WHERE ps.user_id = $1 AND "
      "p.deleted_at IS NULL ORDER BY ps.place_id",
      {user_id});
  std::vector<std::int64_t> out;
  for (const auto& r : rs.rows) out.push_back(db::as_int(r[0]));
  return out;
}

std::map<std::int64_t, MovementStore::PlaceRef> MovementStore::place_refs(db::Connection& conn) {
  auto rs = conn.query(
      "SELECT p.id, p.area_id, a.path FROM places p JOIN areas a ON a.id = p.area_id WHERE p.deleted_at IS NULL");
  std::map<std::int64_t, PlaceRef> out;
  for (const auto& r : rs.rows) out.emplace(db::as_int(r[0]), PlaceRef{db::as_int(r[1]), db::as_text(r[2])});
  return out;
}

// ---- people ----

std::map<std::int64_t, std::int64_t> MovementStore::resident_homes(db::Connection& conn,
                                                                    const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, std::int64_t> out;
  constexpr size_t kChunk = 500;
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    const std::vector<std::int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kChunk)));
    db::Sql sql("SELECT id, area_id FROM residents WHERE deleted_at IS NULL AND id IN ");
    append_id_list(sql, chunk);
    for (const auto& r : conn.query(sql.text(), sql.params()).rows) out[db::as_int(r[0])] = db::as_int(r[1]);
  }
  return out;
}

std::int64_t MovementStore::upsert_visitor(db::Connection& conn, const VisitorInput& v, core::Millis now) {
  auto found = v.phone ? conn.query_value("SELECT id FROM visitors WHERE phone = $1 AND name = $2", {*v.phone, v.name})
                       : conn.query_value("SELECT id FROM visitors WHERE phone IS NULL AND name = $1 AND id_number = $2",
                                          {v.name, db::opt(v.id_number)});
  if (found) return db::as_int(*found);
  auto id = conn.query_value(
      "INSERT INTO visitors (name, phone, document_type, id_number, created_at) VALUES ($1, $2, $3, $4, $5) "
      "RETURNING id",
      {v.name, db::opt(v.phone), v.document_type, db::opt(v.id_number), now});
  return db::as_int(*id);
}

// ---- scans ----

bool MovementStore::insert_scan(db::Connection& conn, const Scan& s, std::optional<std::int64_t> recorded_by,
                                core::Millis now) {
  return conn.execute(
             "INSERT INTO scans (client_event_id, place_id, person_id, visitor_id, ts, direction, temperature, "
             "place_area_id, home_area_id, source, recorded_by, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
             "$9, $10, $11, $12) ON CONFLICT (client_event_id) DO NOTHING",
             {s.client_event_id, s.place_id, db::opt(s.person_id), db::opt(s.visitor_id), s.ts,
              static_cast<std::int64_t>(s.direction), db::opt(s.temperature), s.place_area_id, db::opt(s.home_area_id),
              s.source, db::opt(recorded_by), now}) > 0;
}

std::size_t MovementStore::insert_scans(db::Connection& conn, const std::vector<const Scan*>& scans,
                                        std::optional<std::int64_t> recorded_by, core::Millis now) {
  constexpr std::size_t kRows = 100;  // 12 values a row: well under both backends' parameter limits
  static const std::string bulk_sql = [] {
    std::string sql =
        "INSERT INTO scans (client_event_id, place_id, person_id, visitor_id, ts, direction, temperature, "
        "place_area_id, home_area_id, source, recorded_by, received_at) VALUES ";
    for (std::size_t r = 0; r < kRows; ++r) {
      sql += r ? ", (" : "(";
      for (std::size_t c = 1; c <= 12; ++c) sql += (c > 1 ? ", $" : "$") + std::to_string(r * 12 + c);
      sql += ")";
    }
    return sql + " ON CONFLICT (client_event_id) DO NOTHING";
  }();
  std::size_t inserted = 0;
  std::size_t i = 0;
  db::Params params;
  params.reserve(kRows * 12);
  for (; i + kRows <= scans.size(); i += kRows) {
    params.clear();
    for (std::size_t r = 0; r < kRows; ++r) {
      const Scan& s = *scans[i + r];
      params.emplace_back(s.client_event_id);
      params.emplace_back(s.place_id);
      params.push_back(db::opt(s.person_id));
      params.push_back(db::opt(s.visitor_id));
      params.emplace_back(s.ts);
      params.emplace_back(static_cast<std::int64_t>(s.direction));
      params.push_back(db::opt(s.temperature));
      params.emplace_back(s.place_area_id);
      params.push_back(db::opt(s.home_area_id));
      params.emplace_back(s.source);
      params.push_back(db::opt(recorded_by));
      params.emplace_back(now);
    }
    inserted += static_cast<std::size_t>(conn.execute(bulk_sql, params));
  }
  for (; i < scans.size(); ++i) inserted += insert_scan(conn, *scans[i], recorded_by, now) ? 1 : 0;
  return inserted;
}

std::vector<Scan> MovementStore::list_scans(db::Connection& conn, const ScanQuery& q,
                                            const std::vector<std::int64_t>* place_ids) {
  db::Sql sql(
      "SELECT s.id, s.client_event_id, s.place_id, s.person_id, s.visitor_id, s.ts, s.direction, s.temperature, "
      "s.place_area_id, s.home_area_id, s.source, r.name, v.name, v.phone FROM scans s "
      "LEFT JOIN residents r ON r.id = s.person_id LEFT JOIN visitors v ON v.id = s.visitor_id WHERE 1=1");
  if (place_ids) {
    if (place_ids->empty()) return {};
    sql.append(" AND s.place_id IN ");
    append_id_list(sql, *place_ids);
  }
  if (q.place_id) sql.append(" AND s.place_id = ").bind(*q.place_id);
  if (q.person_id) sql.append(" AND s.person_id = ").bind(*q.person_id);
  if (q.since) sql.append(" AND s.ts >= ").bind(*q.since);
  if (q.until) sql.append(" AND s.ts < ").bind(*q.until);
  if (q.after_id) sql.append(" AND s.id < ").bind(*q.after_id);
  sql.append(" ORDER BY s.id DESC LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  std::vector<Scan> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    Scan s;
    s.id = db::as_int(r[0]);
    s.client_event_id = db::as_text(r[1]);
    s.place_id = db::as_int(r[2]);
    s.person_id = db::as_opt_int(r[3]);
    s.visitor_id = db::as_opt_int(r[4]);
    s.ts = db::as_int(r[5]);
    s.direction = db::as_int(r[6]) == 1 ? Direction::in : Direction::out;
    s.temperature = db::as_opt_double(r[7]);
    s.place_area_id = db::as_int(r[8]);
    s.home_area_id = db::as_opt_int(r[9]);
    s.source = db::as_text(r[10]);
    s.person_name = db::as_opt_text(r[11]);
    s.visitor_name = db::as_opt_text(r[12]);
    s.visitor_phone = db::as_opt_text(r[13]);
    out.push_back(std::move(s));
  }
  return out;
}

Occupancy MovementStore::occupancy(db::Connection& conn, const std::vector<std::int64_t>& place_ids,
                                   core::Millis day_start) {
  Occupancy o;
  if (place_ids.empty()) return o;
  db::Sql counts(
      "SELECT COALESCE(SUM(CASE WHEN direction = 1 THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN direction = 0 THEN 1 ELSE 0 END), 0) FROM scans WHERE ts >= ");
  counts.bind(day_start).append(" AND place_id IN ");
  append_id_list(counts, place_ids);
  auto rs = conn.query(counts.text(), counts.params());
  o.in_today = db::as_int(rs.rows[0][0]);
  o.out_today = db::as_int(rs.rows[0][1]);
  // Inside: people whose latest scan today at the place is an entry.
  db::Sql inside(
      "SELECT COUNT(*) FROM (SELECT direction, ROW_NUMBER() OVER (PARTITION BY place_id, person_id, visitor_id "
      "ORDER BY ts DESC, id DESC) AS rn FROM scans WHERE ts >= ");
  inside.bind(day_start).append(" AND place_id IN ");
  append_id_list(inside, place_ids);
  inside.append(") latest WHERE rn = 1 AND direction = 1");
  o.inside = db::as_int(*conn.query_value(inside.text(), inside.params()));
  return o;
}

std::vector<Flow> MovementStore::flows(db::Connection& conn, const FlowQuery& q, const std::vector<std::string>& paths) {
  // Grid to grid from the scans; community ends are the grids' parents.
  const bool community = q.level == "community";
  db::Sql sql;
  if (community) {
    sql.append(
        "SELECT hf.parent_id, pt.parent_id, COUNT(DISTINCT s.person_id), COUNT(*) FROM scans s "
        "JOIN areas hf ON hf.id = s.home_area_id JOIN areas pt ON pt.id = s.place_area_id "
        "WHERE s.person_id IS NOT NULL AND hf.parent_id <> pt.parent_id AND s.ts >= ");
  } else {
    sql.append(
        "SELECT s.home_area_id, s.place_area_id, COUNT(DISTINCT s.person_id), COUNT(*) FROM scans s "
        "WHERE s.person_id IS NOT NULL AND s.home_area_id <> s.place_area_id AND s.ts >= ");
  }
  sql.bind(q.since).append(" AND s.ts < ").bind(q.until);
  bool everything = false;
  for (const auto& p : paths) everything = everything || p.empty();
  if (!everything) {
    sql.append(" AND (s.home_area_id IN (SELECT id FROM areas WHERE ");
    db::append_subtree_filter(sql, "path", paths);
    sql.append(") OR s.place_area_id IN (SELECT id FROM areas WHERE ");
    db::append_subtree_filter(sql, "path", paths);
    sql.append("))");
  }
  sql.append(community ? " GROUP BY hf.parent_id, pt.parent_id" : " GROUP BY s.home_area_id, s.place_area_id");
  sql.append(" ORDER BY 3 DESC");
  std::vector<Flow> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    out.push_back(Flow{db::as_int(r[0]), db::as_int(r[1]), db::as_int(r[2]), db::as_int(r[3])});
  }
  return out;
}

std::int64_t MovementStore::purge_scans(db::Connection& conn, core::Millis before) {
  std::int64_t total = 0;
  for (;;) {
    auto n = db::in_transaction(conn, db::TxMode::write, [&] {
      return conn.execute(
          "DELETE FROM scans WHERE id IN (SELECT id FROM scans WHERE ts < $1 ORDER BY ts LIMIT 20000)", {before});
    });
    total += n;
    if (n < 20000) break;
  }
  return total;
}

// ---- risk areas and screening ----

std::vector<std::pair<std::int64_t, std::int64_t>> MovementStore::residents_seen_in(db::Connection& conn,
                                                                                   const std::string& path,
                                                                                   core::Millis since) {
  auto rs = conn.query(
      "SELECT DISTINCT person_id, home_area_id FROM scans WHERE person_id IS NOT NULL AND home_area_id IS NOT NULL "
      "AND ts >= $1 AND place_area_id IN (SELECT id FROM areas WHERE path >= $2 AND path < $3)",
      {since, path, db::path_upper_bound(path)});
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& r : rs.rows) out.emplace_back(db::as_int(r[0]), db::as_int(r[1]));
  return out;
}

RiskArea MovementStore::insert_risk_area(db::Connection& conn, RiskArea r, std::optional<std::int64_t> by,
                                         core::Millis now) {
  auto v = conn.query_value(
      "INSERT INTO risk_areas (code, name, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, "
      "$4, $5, $6, $7) RETURNING id",
      {r.code, r.name, r.starts_at, db::opt(r.ends_at), db::opt(r.reason), db::opt(by), now});
  r.id = db::as_int(*v);
  r.created_at = now;
  return r;
}

std::vector<RiskArea> MovementStore::list_risk_areas(db::Connection& conn, std::optional<core::Millis> active_at) {
  db::Sql sql("SELECT id, code, name, starts_at, ends_at, reason, created_at FROM risk_areas WHERE deleted_at IS NULL");
  if (active_at) {
    sql.append(" AND starts_at <= ").bind(*active_at).append(" AND (ends_at IS NULL OR ends_at > ").bind(*active_at).append(")");
  }
  sql.append(" ORDER BY id DESC");
  std::vector<RiskArea> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    out.push_back(RiskArea{db::as_int(r[0]), db::as_text(r[1]), db::as_text(r[2]), db::as_int(r[3]),
                           db::as_opt_int(r[4]), db::as_opt_text(r[5]), db::as_int(r[6])});
  }
  return out;
}

void MovementStore::end_risk_area(db::Connection& conn, std::int64_t id, core::Millis at) {
  conn.execute("UPDATE risk_areas SET ends_at = $1 WHERE id = $2 AND (ends_at IS NULL OR ends_at > $1)", {at, id});
}

bool MovementStore::open_screening(db::Connection& conn, const ScreeningItem& s, core::Millis now) {
  return conn.execute(
             "INSERT INTO screening_items (person_id, area_id, risk_area_id, reason, scan_id, status, created_at, "
             "updated_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $6) ON CONFLICT DO NOTHING",
             {s.person_id, s.area_id, db::opt(s.risk_area_id), s.reason, db::opt(s.scan_id), now}) > 0;
}

std::vector<ScreeningItem> MovementStore::list_screening(db::Connection& conn, const std::vector<std::string>& paths,
                                                         const std::optional<std::string>& status,
                                                         std::optional<std::int64_t> after_id, int limit) {
  db::Sql sql(std::string("SELECT ") + kScreeningCols +
              " FROM screening_items s JOIN residents r ON r.id = s.person_id WHERE 1=1");
  areas::AreaStore::append_scope_filter(sql, "s.area_id", paths);
  if (status) sql.append(" AND s.status = ").bind(*status);
  if (after_id) sql.append(" AND s.id > ").bind(*after_id);
  sql.append(" ORDER BY s.id LIMIT ").bind(static_cast<std::int64_t>(limit + 1));
  std::vector<ScreeningItem> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) out.push_back(screening_from(r));
  return out;
}

std::optional<ScreeningItem> MovementStore::get_screening(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kScreeningCols +
                           " FROM screening_items s JOIN residents r ON r.id = s.person_id WHERE s.id = $1",
                       {id});
  if (rs.empty()) return std::nullopt;
  return screening_from(rs.rows[0]);
}

void MovementStore::update_screening(db::Connection& conn, const ScreeningItem& s, std::optional<std::int64_t> by,
                                     core::Millis now) {
  conn.execute(
      "UPDATE screening_items SET status = $1, follow_up = $2, note = $3, updated_at = $4, closed_at = $5, "
      "closed_by = $6 WHERE id = $7",
      {s.status, db::opt(s.follow_up), db::opt(s.note), now, db::opt(s.closed_at),
       s.status == "closed" ? db::opt(by) : db::Value{}, s.id});
}

// ---- settings ----

std::string MovementStore::setting_or_insert(db::Connection& conn, const std::string& key, const std::string& value) {
  conn.execute("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", {key, value});
  return db::as_text(*conn.query_value("SELECT value FROM settings WHERE key = $1", {key}));
}

}  // namespace firstline::movement
