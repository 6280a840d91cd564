#include "people/people_store.hpp"

#include "core/text.hpp"
#include "areas/area_store.hpp"
#include "db/sql.hpp"

namespace firstline::people {

namespace {

constexpr const char* kBuildingCols =
    "id, area_id, name, address, kind, floors, latitude, longitude, created_at, updated_at";
constexpr const char* kHouseholdCols =
    "h.id, h.area_id, h.building_id, h.address, h.head_resident_id, h.phone, h.verified_at, h.verified_by, "
    "h.created_at, h.updated_at, (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id AND r.deleted_at IS "
    "NULL)";
constexpr const char* kResidentCols =
    "id, area_id, household_id, name, document_type, id_number, phone, birth_date, sex, relation, tags, verified_at, "
    "created_at, updated_at";

Building building_from(const std::vector<db::Value>& r) {
  Building b;
  b.id = db::as_int(r[0]);
  b.area_id = db::as_int(r[1]);
  b.name = db::as_text(r[2]);
  b.address = db::as_text(r[3]);
  b.kind = db::as_text(r[4]);
  b.floors = db::as_opt_int(r[5]);
  b.latitude = db::as_opt_double(r[6]);
  b.longitude = db::as_opt_double(r[7]);
  b.created_at = db::as_int(r[8]);
  b.updated_at = db::as_int(r[9]);
  return b;
}

Household household_from(const std::vector<db::Value>& r) {
  Household h;
  h.id = db::as_int(r[0]);
  h.area_id = db::as_int(r[1]);
  h.building_id = db::as_opt_int(r[2]);
  h.address = db::as_text(r[3]);
  h.head_resident_id = db::as_opt_int(r[4]);
  h.phone = db::as_opt_text(r[5]);
  h.verified_at = db::as_opt_int(r[6]);
  h.verified_by = db::as_opt_int(r[7]);
  h.created_at = db::as_int(r[8]);
  h.updated_at = db::as_int(r[9]);
  h.member_count = db::as_int(r[10]);
  return h;
}

Resident resident_from(const std::vector<db::Value>& r) {
  Resident x;
  x.id = db::as_int(r[0]);
  x.area_id = db::as_int(r[1]);
  x.household_id = db::as_opt_int(r[2]);
  x.name = db::as_text(r[3]);
  x.document_type = db::as_text(r[4]);
  x.id_number = db::as_opt_text(r[5]);
  x.phone = db::as_opt_text(r[6]);
  x.birth_date = db::as_opt_text(r[7]);
  x.sex = db::as_opt_text(r[8]);
  x.relation = db::as_opt_text(r[9]);
  x.tags = split_tags(db::as_text(r[10]));
  x.verified_at = db::as_opt_int(r[11]);
  x.created_at = db::as_int(r[12]);
  x.updated_at = db::as_int(r[13]);
  return x;
}


}  // namespace

std::string join_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return "";
  std::string out = ",";
  for (const auto& t : tags) out += t + ",";
  return out;
}

std::vector<std::string> split_tags(const std::string& stored) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < stored.size()) {
    size_t end = stored.find(',', start);
    if (end == std::string::npos) end = stored.size();
    if (end > start) out.push_back(stored.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> PeopleStore::area_path(db::Connection& conn, std::int64_t area_id) {
  auto v = conn.query_value("SELECT path FROM areas WHERE id = $1 AND deleted_at IS NULL", {area_id});
  if (!v) return std::nullopt;
  return db::as_text(*v);
}

std::optional<int> PeopleStore::area_level(db::Connection& conn, std::int64_t area_id) {
  auto v = conn.query_value("SELECT level FROM areas WHERE id = $1 AND deleted_at IS NULL", {area_id});
  if (!v) return std::nullopt;
  return static_cast<int>(db::as_int(*v));
}

// ---- buildings ----

Building PeopleStore::insert_building(db::Connection& conn, Building b, core::Millis now) {
  auto v = conn.query_value(
      "INSERT INTO buildings (area_id, name, address, kind, floors, latitude, longitude, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
      {b.area_id, b.name, b.address, b.kind, db::opt(b.floors), db::opt(b.latitude), db::opt(b.longitude), now});
  b.id = db::as_int(*v);
  b.created_at = b.updated_at = now;
  return b;
}

std::optional<Building> PeopleStore::get_building(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kBuildingCols + " FROM buildings WHERE id = $1 AND deleted_at IS NULL",
                       {id});
  if (rs.empty()) return std::nullopt;
  return building_from(rs.rows[0]);
}

std::optional<Building> PeopleStore::find_building(db::Connection& conn, std::int64_t area_id,
                                                   const std::string& address) {
  auto rs = conn.query(std::string("SELECT ") + kBuildingCols +
                           " FROM buildings WHERE area_id = $1 AND address = $2 AND deleted_at IS NULL",
                       {area_id, address});
  if (rs.empty()) return std::nullopt;
  return building_from(rs.rows[0]);
}

std::vector<Building> PeopleStore::list_buildings(db::Connection& conn, const BuildingQuery& q,
                                                  const std::vector<std::string>& paths) {
  db::Sql sql(std::string("SELECT ") + kBuildingCols + " FROM buildings WHERE deleted_at IS NULL");
  areas::AreaStore::append_scope_filter(sql, "area_id", paths);
  if (q.kind) sql.append(" AND kind = ").bind(*q.kind);
  if (q.q) {
    const auto like = "%" + core::escape_like(*q.q) + "%";
    sql.append(" AND (lower(name) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\' OR lower(address) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\')");
  }
  if (q.after_id) sql.append(" AND id > ").bind(*q.after_id);
  sql.append(" ORDER BY id LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<Building> out;
  for (const auto& r : rs.rows) out.push_back(building_from(r));
  return out;
}

void PeopleStore::update_building(db::Connection& conn, const Building& b, core::Millis now) {
  conn.execute(
      "UPDATE buildings SET name = $1, address = $2, kind = $3, floors = $4, latitude = $5, longitude = $6, "
      "updated_at = $7 WHERE id = $8",
      {b.name, b.address, b.kind, db::opt(b.floors), db::opt(b.latitude), db::opt(b.longitude), now, b.id});
}

void PeopleStore::delete_building(db::Connection& conn, std::int64_t id, core::Millis now) {
  conn.execute("UPDATE buildings SET deleted_at = $1 WHERE id = $2", {now, id});
  conn.execute("UPDATE households SET building_id = NULL, updated_at = $1 WHERE building_id = $2", {now, id});
}

// ---- households ----

Household PeopleStore::insert_household(db::Connection& conn, Household h, core::Millis now) {
  auto v = conn.query_value(
      "INSERT INTO households (area_id, building_id, address, head_resident_id, phone, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
      {h.area_id, db::opt(h.building_id), h.address, db::opt(h.head_resident_id), db::opt(h.phone), now});
  h.id = db::as_int(*v);
  h.created_at = h.updated_at = now;
  return h;
}

std::optional<Household> PeopleStore::get_household(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(
      std::string("SELECT ") + kHouseholdCols + " FROM households h WHERE h.id = $1 AND h.deleted_at IS NULL", {id});
  if (rs.empty()) return std::nullopt;
  return household_from(rs.rows[0]);
}

std::optional<Household> PeopleStore::find_household(db::Connection& conn, std::int64_t area_id,
                                                     const std::string& address) {
  auto rs = conn.query(std::string("SELECT ") + kHouseholdCols +
                           " FROM households h WHERE h.area_id = $1 AND h.address = $2 AND h.deleted_at IS NULL",
                       {area_id, address});
  if (rs.empty()) return std::nullopt;
  return household_from(rs.rows[0]);
}

std::vector<Household> PeopleStore::list_households(db::Connection& conn, const HouseholdQuery& q,
                                                    const std::vector<std::string>& paths) {
  db::Sql sql(std::string("SELECT ") + kHouseholdCols + " FROM households h WHERE h.deleted_at IS NULL");
  areas::AreaStore::append_scope_filter(sql, "h.area_id", paths);
  if (q.building_id) sql.append(" AND h.building_id = ").bind(*q.building_id);
  if (q.verified) sql.append(*q.verified ? " AND h.verified_at IS NOT NULL" : " AND h.verified_at IS NULL");
  if (q.q) sql.append(" AND lower(h.address) LIKE ").bind(core::ascii_lower("%" + core::escape_like(*q.q) + "%")).append(" ESCAPE '\\'");
  if (q.after_id) sql.append(" AND h.id > ").bind(*q.after_id);
  sql.append(" ORDER BY h.id LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<Household> out;
  for (const auto& r : rs.rows) out.push_back(household_from(r));
  return out;
}

void PeopleStore::update_household(db::Connection& conn, const Household& h, core::Millis now) {
  conn.execute(
      "UPDATE households SET building_id = $1, address = $2, head_resident_id = $3, phone = $4, updated_at = $5 "
      "WHERE id = $6",
      {db::opt(h.building_id), h.address, db::opt(h.head_resident_id), db::opt(h.phone), now, h.id});
}

void PeopleStore::set_household_verified(db::Connection& conn, std::int64_t id, std::optional<core::Millis> at,
                                         std::optional<std::int64_t> by, core::Millis now) {
  conn.execute("UPDATE households SET verified_at = $1, verified_by = $2, updated_at = $3 WHERE id = $4",
               {db::opt(at), db::opt(by), now, id});
}

void PeopleStore::delete_household(db::Connection& conn, std::int64_t id, core::Millis now) {
  conn.execute("UPDATE households SET deleted_at = $1 WHERE id = $2", {now, id});
  conn.execute("UPDATE residents SET household_id = NULL, updated_at = $1 WHERE household_id = $2", {now, id});
}

// ---- residents ----

Resident PeopleStore::insert_resident(db::Connection& conn, Resident r, core::Millis now) {
  auto v = conn.query_value(
      "INSERT INTO residents (area_id, household_id, name, document_type, id_number, phone, birth_date, sex, "
      "relation, tags, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) "
      "RETURNING id",
      {r.area_id, db::opt(r.household_id), r.name, r.document_type, db::opt(r.id_number), db::opt(r.phone),
       db::opt(r.birth_date), db::opt(r.sex), db::opt(r.relation), join_tags(r.tags), now});
  r.id = db::as_int(*v);
  r.created_at = r.updated_at = now;
  return r;
}

std::optional<Resident> PeopleStore::get_resident(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kResidentCols + " FROM residents WHERE id = $1 AND deleted_at IS NULL",
                       {id});
  if (rs.empty()) return std::nullopt;
  return resident_from(rs.rows[0]);
}

std::optional<Resident> PeopleStore::find_resident_by_document(db::Connection& conn, const std::string& document_type,
                                                               const std::string& id_number) {
  auto rs = conn.query(std::string("SELECT ") + kResidentCols +
                           " FROM residents WHERE document_type = $1 AND id_number = $2 AND deleted_at IS NULL",
                       {document_type, id_number});
  if (rs.empty()) return std::nullopt;
  return resident_from(rs.rows[0]);
}

std::vector<Resident> PeopleStore::list_residents(db::Connection& conn, const ResidentQuery& q,
                                                  const std::vector<std::string>& paths, core::Date today,
                                                  bool digits_search) {
  db::Sql sql(std::string("SELECT ") + kResidentCols + " FROM residents WHERE deleted_at IS NULL");
  areas::AreaStore::append_scope_filter(sql, "area_id", paths);
  if (q.household_id) sql.append(" AND household_id = ").bind(*q.household_id);
  if (q.building_id) {
    sql.append(" AND household_id IN (SELECT id FROM households WHERE building_id = ").bind(*q.building_id).append(")");
  }
  if (q.tag) sql.append(" AND tags LIKE ").bind("%," + core::escape_like(*q.tag) + ",%").append(" ESCAPE '\\'");
  if (q.sex) sql.append(" AND sex = ").bind(*q.sex);
  if (q.verified) sql.append(*q.verified ? " AND verified_at IS NOT NULL" : " AND verified_at IS NULL");
  // Age in whole years on `today`: born on or before today minus N years.
  auto shifted = [&](int years) {
    core::Date d{today.year - years, today.month, today.day};
    if (!d.valid()) d.day = 28;  // 29 February in a non-leap year
    return d.to_string();
  };
  if (q.age_min) sql.append(" AND birth_date <= ").bind(shifted(*q.age_min));
  if (q.age_max) sql.append(" AND birth_date > ").bind(shifted(*q.age_max + 1));
  if (q.q) {
    const auto like = "%" + core::escape_like(*q.q) + "%";
    if (digits_search) {
      sql.append(" AND (lower(name) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\' OR phone LIKE ").bind(like);
      sql.append(" ESCAPE '\\' OR id_number LIKE ").bind(like).append(" ESCAPE '\\')");
    } else {
      sql.append(" AND lower(name) LIKE ").bind(core::ascii_lower(like)).append(" ESCAPE '\\'");
    }
  }
  if (q.after_id) sql.append(" AND id > ").bind(*q.after_id);
  sql.append(" ORDER BY id LIMIT ").bind(static_cast<std::int64_t>(q.limit + 1));
  auto rs = conn.query(sql.text(), sql.params());
  std::vector<Resident> out;
  out.reserve(rs.size());
  for (const auto& r : rs.rows) out.push_back(resident_from(r));
  return out;
}

void PeopleStore::update_resident(db::Connection& conn, const Resident& r, core::Millis now) {
  conn.execute(
      "UPDATE residents SET area_id = $1, household_id = $2, name = $3, document_type = $4, id_number = $5, "
      "phone = $6, birth_date = $7, sex = $8, relation = $9, tags = $10, verified_at = $11, updated_at = $12 "
      "WHERE id = $13",
      {r.area_id, db::opt(r.household_id), r.name, r.document_type, db::opt(r.id_number), db::opt(r.phone),
       db::opt(r.birth_date), db::opt(r.sex), db::opt(r.relation), join_tags(r.tags), db::opt(r.verified_at), now,
       r.id});
}

void PeopleStore::delete_resident(db::Connection& conn, std::int64_t id, core::Millis now) {
  conn.execute("UPDATE residents SET deleted_at = $1 WHERE id = $2", {now, id});
  conn.execute("UPDATE households SET head_resident_id = NULL, updated_at = $1 WHERE head_resident_id = $2",
               {now, id});
}

std::int64_t PeopleStore::count_household_members(db::Connection& conn, std::int64_t household_id) {
  auto v = conn.query_value("SELECT COUNT(*) FROM residents WHERE household_id = $1 AND deleted_at IS NULL",
                            {household_id});
  return v ? db::as_int(*v) : 0;
}

}  // namespace firstline::people
