#include "risks/risk_store.hpp"

#include <array>

#include "db/sql.hpp"

namespace firstline::risks {

namespace {

using db::as_int;
using db::as_opt_double;
using db::as_opt_int;
using db::as_opt_text;
using db::as_text;

constexpr const char* kPointCols =
    "p.id, p.area_id, a.name, p.name, p.kind, p.latitude, p.longitude, p.polygon, p.description, p.likelihood,"
    " p.impact, p.owner_name, p.owner_phone, p.owner_user_id, p.inspection_interval_days, p.last_inspected_at,"
    " p.next_inspection_due, p.created_at, p.updated_at, p.created_by,"
    " (SELECT COUNT(*) FROM risk_inspections i WHERE i.risk_id = p.id)";
constexpr const char* kPointFrom = " FROM risk_points p JOIN areas a ON a.id = p.area_id WHERE p.deleted_at IS NULL";

RiskPoint point_from(const std::vector<db::Value>& r) {
  RiskPoint p;
  p.id = as_int(r[0]);
  p.area_id = as_int(r[1]);
  p.area_name = as_text(r[2]);
  p.name = as_text(r[3]);
  p.kind = as_text(r[4]);
  p.latitude = as_opt_double(r[5]);
  p.longitude = as_opt_double(r[6]);
  p.polygon = as_opt_text(r[7]);
  p.description = as_text(r[8]);
  p.likelihood = static_cast<int>(as_int(r[9]));
  p.impact = static_cast<int>(as_int(r[10]));
  p.owner_name = as_opt_text(r[11]);
  p.owner_phone = as_opt_text(r[12]);
  p.owner_user_id = as_opt_int(r[13]);
  p.inspection_interval_days = static_cast<int>(as_int(r[14]));
  p.last_inspected_at = as_opt_int(r[15]);
  p.next_inspection_due = as_int(r[16]);
  p.created_at = as_int(r[17]);
  p.updated_at = as_int(r[18]);
  p.created_by = as_opt_int(r[19]);
  p.inspections = as_int(r[20]);
  return p;
}

constexpr const char* kInspectionCols =
    "i.id, i.risk_id, i.inspected_at, i.findings, i.near_miss, i.near_miss_note, i.likelihood, i.impact,"
    " i.previous_likelihood, i.previous_impact, i.inspected_by, COALESCE(u.username, ''), i.created_at";

Inspection inspection_from(const std::vector<db::Value>& r) {
  Inspection i;
  i.id = as_int(r[0]);
  i.risk_id = as_int(r[1]);
  i.inspected_at = as_int(r[2]);
  i.findings = as_text(r[3]);
  i.near_miss = as_int(r[4]) != 0;
  i.near_miss_note = as_opt_text(r[5]);
  i.likelihood = static_cast<int>(as_int(r[6]));
  i.impact = static_cast<int>(as_int(r[7]));
  i.previous_likelihood = static_cast<int>(as_int(r[8]));
  i.previous_impact = static_cast<int>(as_int(r[9]));
  i.inspected_by = as_opt_int(r[10]);
  i.inspected_by_name = as_text(r[11]);
  i.created_at = as_int(r[12]);
  return i;
}

void append_area_filters(db::Sql& sql, const std::vector<std::string>& scope_paths,
                         const std::optional<std::string>& under_path) {
  sql.append(" AND ");
  db::append_subtree_filter(sql, "a.path", scope_paths);
  if (under_path) {
    sql.append(" AND a.path >= ").bind(*under_path);
    sql.append(" AND a.path < ").bind(db::path_upper_bound(*under_path));
  }
}

void attach_photos(db::Connection& conn, Inspection& i) {
  auto rows = conn.query(
      "SELECT id, content_type, size, created_at FROM risk_photos WHERE inspection_id = $1 ORDER BY id", {i.id});
  for (const auto& r : rows.rows) {
    i.photos.push_back(PhotoInfo{as_int(r[0]), as_text(r[1]), as_int(r[2]), as_int(r[3])});
  }
}

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> value;
  value.fill(-1);
  for (std::size_t k = 0; k < kAlphabet.size(); ++k)
    value[static_cast<unsigned char>(kAlphabet[k])] = static_cast<int>(k);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return std::nullopt;
      v[k] = value[static_cast<unsigned char>(c)];
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t n = static_cast<std::uint32_t>(v[0]) << 18 | static_cast<std::uint32_t>(v[1]) << 12 |
                            static_cast<std::uint32_t>(v[2]) << 6 | static_cast<std::uint32_t>(v[3]);
    out += static_cast<char>(n >> 16 & 0xFF);
    if (pad < 2) out += static_cast<char>(n >> 8 & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

std::optional<RiskPoint> RiskStore::get(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kPointCols + kPointFrom + " AND p.id = $1", {id});
  if (rs.empty()) return std::nullopt;
  return point_from(rs.rows[0]);
}

RiskPoint RiskStore::insert(db::Connection& conn, RiskPoint p) {
  auto id = conn.query_value(
      "INSERT INTO risk_points (area_id, name, kind, latitude, longitude, polygon, description, likelihood, impact,"
      " owner_name, owner_phone, owner_user_id, inspection_interval_days, last_inspected_at, next_inspection_due,"
      " created_at, created_by, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $16) RETURNING id",
      {p.area_id, p.name, p.kind, db::opt(p.latitude), db::opt(p.longitude), db::opt(p.polygon), p.description,
       std::int64_t{p.likelihood}, std::int64_t{p.impact}, db::opt(p.owner_name), db::opt(p.owner_phone),
       db::opt(p.owner_user_id), std::int64_t{p.inspection_interval_days}, db::opt(p.last_inspected_at),
       p.next_inspection_due, p.created_at, db::opt(p.created_by)});
  p.id = as_int(*id);
  p.updated_at = p.created_at;
  return p;
}

void RiskStore::update(db::Connection& conn, const RiskPoint& p) {
  conn.execute(
      "UPDATE risk_points SET name = $2, kind = $3, latitude = $4, longitude = $5, polygon = $6, description = $7,"
      " likelihood = $8, impact = $9, owner_name = $10, owner_phone = $11, owner_user_id = $12,"
      " inspection_interval_days = $13, last_inspected_at = $14, next_inspection_due = $15, updated_at = $16,"
      " area_id = $17 WHERE id = $1",
      {p.id, p.name, p.kind, db::opt(p.latitude), db::opt(p.longitude), db::opt(p.polygon), p.description,
       std::int64_t{p.likelihood}, std::int64_t{p.impact}, db::opt(p.owner_name), db::opt(p.owner_phone),
       db::opt(p.owner_user_id), std::int64_t{p.inspection_interval_days}, db::opt(p.last_inspected_at),
       p.next_inspection_due, p.updated_at, p.area_id});
}

void RiskStore::soft_delete(db::Connection& conn, std::int64_t id, core::Millis now) {
  conn.execute("UPDATE risk_points SET deleted_at = $2, updated_at = $2 WHERE id = $1", {id, now});
}

std::vector<RiskPoint> RiskStore::list(db::Connection& conn, const ListFilter& f) {
  db::Sql sql(std::string("SELECT ") + kPointCols + kPointFrom);
  append_area_filters(sql, f.scope_paths, f.under_path);
  if (f.kind) sql.append(" AND p.kind = ").bind(*f.kind);
  if (f.rating) {
    sql.append(" AND p.likelihood * p.impact >= ").bind(std::int64_t{f.rating->first});
    sql.append(" AND p.likelihood * p.impact <= ").bind(std::int64_t{f.rating->second});
  }
  if (f.overdue)
    sql.append(*f.overdue ? " AND p.next_inspection_due < " : " AND p.next_inspection_due >= ").bind(f.now);
  if (f.likelihood) sql.append(" AND p.likelihood = ").bind(std::int64_t{*f.likelihood});
  if (f.impact) sql.append(" AND p.impact = ").bind(std::int64_t{*f.impact});
  if (f.after_id) sql.append(" AND p.id > ").bind(*f.after_id);
  sql.append(" ORDER BY p.id LIMIT ").bind(static_cast<std::int64_t>(f.limit + 1));
  std::vector<RiskPoint> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) out.push_back(point_from(r));
  return out;
}

RiskMatrix RiskStore::matrix(db::Connection& conn, const std::vector<std::string>& scope_paths,
                             const std::optional<std::string>& under_path, core::Millis now) {
  db::Sql sql("SELECT p.likelihood, p.impact, COUNT(*), SUM(CASE WHEN p.next_inspection_due < ");
  sql.bind(now).append(" THEN 1 ELSE 0 END)");
  sql.append(kPointFrom);
  append_area_filters(sql, scope_paths, under_path);
  sql.append(" GROUP BY p.likelihood, p.impact");
  RiskMatrix m;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    const auto l = as_int(r[0]), i = as_int(r[1]);
    if (l < 1 || l > 5 || i < 1 || i > 5) continue;
    m.counts[l - 1][i - 1] = as_int(r[2]);
    m.total += as_int(r[2]);
    m.overdue += as_int(r[3]);
  }
  return m;
}

Inspection RiskStore::insert_inspection(db::Connection& conn, Inspection i) {
  auto id = conn.query_value(
      "INSERT INTO risk_inspections (risk_id, inspected_at, findings, near_miss, near_miss_note, likelihood, impact,"
      " previous_likelihood, previous_impact, inspected_by, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
      {i.risk_id, i.inspected_at, i.findings, std::int64_t{i.near_miss ? 1 : 0}, db::opt(i.near_miss_note),
       std::int64_t{i.likelihood}, std::int64_t{i.impact}, std::int64_t{i.previous_likelihood},
       std::int64_t{i.previous_impact}, db::opt(i.inspected_by), i.created_at});
  i.id = as_int(*id);
  return i;
}

std::optional<Inspection> RiskStore::get_inspection(db::Connection& conn, std::int64_t risk_id, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kInspectionCols +
                           " FROM risk_inspections i LEFT JOIN users u ON u.id = i.inspected_by"
                           " WHERE i.risk_id = $1 AND i.id = $2",
                       {risk_id, id});
  if (rs.empty()) return std::nullopt;
  auto i = inspection_from(rs.rows[0]);
  attach_photos(conn, i);
  return i;
}

std::vector<Inspection> RiskStore::list_inspections(db::Connection& conn, std::int64_t risk_id) {
  auto rs = conn.query(std::string("SELECT ") + kInspectionCols +
                           " FROM risk_inspections i LEFT JOIN users u ON u.id = i.inspected_by"
                           " WHERE i.risk_id = $1 ORDER BY i.inspected_at DESC, i.id DESC",
                       {risk_id});
  std::vector<Inspection> out;
  for (const auto& r : rs.rows) {
    out.push_back(inspection_from(r));
    attach_photos(conn, out.back());
  }
  return out;
}

PhotoInfo RiskStore::insert_photo(db::Connection& conn, std::int64_t risk_id, std::int64_t inspection_id,
                                  const std::string& content_type, const std::string& bytes,
                                  std::optional<std::int64_t> created_by, core::Millis now) {
  auto id = conn.query_value(
      "INSERT INTO risk_photos (risk_id, inspection_id, content_type, size, data, created_by, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {risk_id, inspection_id, content_type, static_cast<std::int64_t>(bytes.size()), base64_encode(bytes),
       db::opt(created_by), now});
  return PhotoInfo{as_int(*id), content_type, static_cast<std::int64_t>(bytes.size()), now};
}

std::optional<Photo> RiskStore::get_photo(db::Connection& conn, std::int64_t risk_id, std::int64_t inspection_id,
                                          std::int64_t id) {
  auto rs = conn.query(
      "SELECT id, content_type, size, created_at, data FROM risk_photos"
      " WHERE risk_id = $1 AND inspection_id = $2 AND id = $3",
      {risk_id, inspection_id, id});
  if (rs.empty()) return std::nullopt;
  const auto& r = rs.rows[0];
  auto bytes = base64_decode(as_text(r[4]));
  if (!bytes) throw db::Error(db::Error::Kind::other, "risk photo " + std::to_string(id) + " is not valid base64");
  return Photo{PhotoInfo{as_int(r[0]), as_text(r[1]), as_int(r[2]), as_int(r[3])}, std::move(*bytes)};
}

}  // namespace firstline::risks
