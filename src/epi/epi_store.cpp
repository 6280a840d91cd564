#include "epi/epi_store.hpp"

#include <algorithm>

#include "core/area_code.hpp"
#include "db/sql.hpp"
#include "movement/flow_days.hpp"

namespace firstline::epi {

namespace {

using db::as_int;
using db::as_text;

constexpr std::int64_t kDayMillis = 24LL * 60 * 60 * 1000;

// "path >= $a AND path < $b" for the subtree of `path` on `column`.
void append_under(db::Sql& sql, std::string_view column, const std::string& path) {
  sql.append(column).append(" >= ").bind(path).append(" AND ").append(column).append(" < ");
  sql.bind(db::path_upper_bound(path));
}

}  // namespace

std::vector<EpiStore::GridRow> EpiStore::grids(db::Connection& conn, const std::string& path) {
  // Residents per area are kept on write (area_population, migration 9).
  db::Sql sql(
      "SELECT a.id, a.name, a.code, a.path, COALESCE(p.residents, 0) FROM areas a "
      "LEFT JOIN area_population p ON p.area_id = a.id WHERE a.deleted_at IS NULL AND a.level = ");
  sql.bind(static_cast<std::int64_t>(core::AreaLevel::grid)).append(" AND ");
  append_under(sql, "a.path", path);
  sql.append(" ORDER BY a.path");
  std::vector<GridRow> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    out.push_back(GridRow{as_int(r[0]), as_text(r[1]), as_text(r[2]), as_text(r[3]), as_int(r[4])});
  }
  return out;
}

std::map<std::int64_t, EpiStore::StatusCounts> EpiStore::current_counts(db::Connection& conn,
                                                                       const std::string& path) {
  db::Sql sql(
      "SELECT s.area_id, s.status, COUNT(*) FROM health_statuses s JOIN areas a ON a.id = s.area_id "
      "WHERE s.ends_at IS NULL AND s.status IN ('observation', 'home_quarantine', 'centralized_isolation', "
      "'confirmed', 'recovered') AND ");
  append_under(sql, "a.path", path);
  sql.append(" GROUP BY s.area_id, s.status");
  std::map<std::int64_t, StatusCounts> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    auto& c = out[as_int(r[0])];
    const auto status = as_text(r[1]);
    const auto n = as_int(r[2]);
    if (status == "observation") c.observation += n;
    else if (status == "home_quarantine") c.home_quarantine += n;
    else if (status == "centralized_isolation") c.centralized_isolation += n;
    else if (status == "confirmed") c.confirmed += n;
    else if (status == "recovered") c.recovered += n;
  }
  return out;
}

std::vector<EpiStore::PeriodRow> EpiStore::case_histories(db::Connection& conn, const std::string& path,
                                                          core::Millis since) {
  // Confirmations are few: the inner query reads the confirmed periods of the
  // time range, the outer one their people's whole histories (by the
  // (person_id, starts_at) index).
  db::Sql sql(
      "SELECT s.person_id, s.status, s.starts_at FROM health_statuses s WHERE s.person_id IN ("
      "SELECT c.person_id FROM health_statuses c JOIN residents r ON r.id = c.person_id "
      "JOIN areas a ON a.id = r.area_id WHERE c.status = 'confirmed' AND c.starts_at >= ");
  sql.bind(since).append(" AND ");
  append_under(sql, "a.path", path);
  sql.append(") ORDER BY s.person_id, s.starts_at, s.id");
  std::vector<PeriodRow> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    out.push_back(PeriodRow{as_int(r[0]), as_text(r[1]), as_int(r[2])});
  }
  return out;
}

std::vector<EpiStore::RunOnset> EpiStore::run_onsets(db::Connection& conn,
                                                     const std::vector<std::int64_t>& person_ids) {
  std::vector<RunOnset> out;
  for (std::size_t i = 0; i < person_ids.size(); i += 256) {
    const auto end = std::min(person_ids.size(), i + 256);
    db::Sql sql("SELECT person_id, onset_date, created_at FROM tracing_runs WHERE person_id IN (");
    // Padded to a power of two with the last id, so the statement cache sees few texts.
    std::size_t n = 1;
    while (n < end - i) n *= 2;
    for (std::size_t k = 0; k < n; ++k) {
      if (k) sql.append(", ");
      sql.bind(person_ids[std::min(i + k, end - 1)]);
    }
    sql.append(")");
    for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
      out.push_back(RunOnset{as_int(r[0]), as_text(r[1]), as_int(r[2])});
    }
  }
  return out;
}

std::vector<std::int64_t> EpiStore::ensure_flow_days(db::Connection& conn, std::int64_t first_day,
                                                     std::int64_t last_day, int utc_offset_minutes, core::Millis now) {
  return movement::FlowDays::ensure(conn, first_day, last_day, utc_offset_minutes, now);
}

std::vector<EpiStore::FlowRow> EpiStore::stored_flows(db::Connection& conn, const std::string& path,
                                                      std::int64_t first_day, std::int64_t last_day) {
  std::vector<FlowRow> out;
  for (const auto& s : movement::FlowDays::stored_sums(conn, path, first_day, last_day)) {
    out.push_back(FlowRow{s.home_area_id, s.place_area_id, s.person_days});
  }
  return out;
}

std::vector<EpiStore::FlowRow> EpiStore::grid_flows(db::Connection& conn, const std::string& path,
                                                    std::int64_t first_day, std::int64_t last_day,
                                                    int utc_offset_minutes, core::Millis now) {
  std::vector<FlowRow> out;
  for (const auto& s : movement::FlowDays::sums(conn, path, first_day, last_day, utc_offset_minutes, now)) {
    out.push_back(FlowRow{s.home_area_id, s.place_area_id, s.person_days});
  }
  return out;
}

std::optional<std::string> EpiStore::setting(db::Connection& conn, const std::string& key) {
  auto v = conn.query_value("SELECT value FROM settings WHERE key = $1", {key});
  if (!v) return std::nullopt;
  return as_text(*v);
}

void EpiStore::save_setting(db::Connection& conn, const std::string& key, const std::string& value) {
  conn.execute("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               {key, value});
}

void EpiStore::delete_setting(db::Connection& conn, const std::string& key) {
  conn.execute("DELETE FROM settings WHERE key = $1", {key});
}

void EpiStore::lock_settings(db::Connection& conn) {
  if (conn.dialect() == db::Dialect::postgres) conn.execute_script("LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE");
}

}  // namespace firstline::epi
