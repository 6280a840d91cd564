#include "movement/flow_days.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "db/sql.hpp"

namespace firstline::movement {

namespace {
constexpr core::Millis kDayMillis = 24LL * 60 * 60 * 1000;

core::Millis offset_millis(int utc_offset_minutes) { return static_cast<core::Millis>(utc_offset_minutes) * 60 * 1000; }
}  // namespace

std::int64_t FlowDays::local_day(core::Millis t, int utc_offset_minutes) {
  const auto local = t + offset_millis(utc_offset_minutes);
  auto day = local / kDayMillis;
  if (local < 0 && local % kDayMillis != 0) --day;
  return day;
}

void FlowDays::scans_written(db::Connection& conn, const std::vector<core::Millis>& times, std::int64_t today,
                             int utc_offset_minutes) {
  std::set<std::int64_t> days;  // ascending, so that concurrent writers lock the rows in one order
  for (const auto t : times) {
    const auto day = local_day(t, utc_offset_minutes);
    if (day < today) days.insert(day);
  }
  for (const auto day : days) {
    conn.execute(
        "INSERT INTO grid_flow_day_state (day, version) VALUES ($1, 1) "
        "ON CONFLICT (day) DO UPDATE SET version = grid_flow_day_state.version + 1",
        {day});
  }
}

void FlowDays::compute_day(db::Connection& conn, std::int64_t day, int utc_offset_minutes, bool settled) {
  db::in_transaction(conn, db::TxMode::write, [&] {
    conn.execute("INSERT INTO grid_flow_day_state (day, version) VALUES ($1, 0) ON CONFLICT (day) DO NOTHING", {day});
    // The version read before the scans: a write of this day's scans that the
    // count below does not see has bumped it by the time it is stored, so the
    // day stays stale.
    const auto version = db::as_int(*conn.query_value("SELECT version FROM grid_flow_day_state WHERE day = $1", {day}));
    conn.execute("DELETE FROM grid_flow_days WHERE day = $1", {day});
    const auto start = day * kDayMillis - offset_millis(utc_offset_minutes);
    conn.execute(
        "INSERT INTO grid_flow_days (day, home_area_id, place_area_id, people) "
        "SELECT $1, home_area_id, place_area_id, COUNT(DISTINCT person_id) FROM scans "
        "WHERE ts >= $2 AND ts < $3 AND person_id IS NOT NULL AND home_area_id IS NOT NULL "
        "AND home_area_id <> place_area_id GROUP BY home_area_id, place_area_id "
        "ON CONFLICT (day, home_area_id, place_area_id) DO UPDATE SET people = excluded.people",
        {day, start, start + kDayMillis});
    if (settled) {
      conn.execute("UPDATE grid_flow_day_state SET computed_version = $2, utc_offset_minutes = $3 WHERE day = $1",
                   {day, version, static_cast<std::int64_t>(utc_offset_minutes)});
    }
  });
}

std::vector<std::int64_t> FlowDays::ensure(db::Connection& conn, std::int64_t first_day, std::int64_t last_day,
                                           int utc_offset_minutes, core::Millis now) {
  auto fresh_versions = [&] {
    std::unordered_map<std::int64_t, std::int64_t> fresh;  // day -> computed version
    for (const auto& r : conn.query("SELECT day, computed_version FROM grid_flow_day_state WHERE day >= $1 AND "
                                    "day <= $2 AND computed_version = version AND utc_offset_minutes = $3",
                                    {first_day, last_day, static_cast<std::int64_t>(utc_offset_minutes)})
                             .rows) {
      fresh[db::as_int(r[0])] = db::as_int(r[1]);
    }
    return fresh;
  };
  auto fresh = fresh_versions();
  bool computed = false;
  for (auto day = first_day; day <= last_day; ++day) {
    if (fresh.contains(day)) continue;
    const auto day_end = (day + 1) * kDayMillis - offset_millis(utc_offset_minutes);
    compute_day(conn, day, utc_offset_minutes, day_end + kSettleMillis <= now);
    computed = true;
  }
  if (computed) fresh = fresh_versions();
  std::vector<std::int64_t> out;
  for (auto day = first_day; day <= last_day; ++day) {
    auto it = fresh.find(day);
    out.push_back(it == fresh.end() ? -1 : it->second);  // -1: made stale again meanwhile
  }
  return out;
}

std::vector<FlowDays::Sum> FlowDays::stored_sums(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                                 std::int64_t last_day) {
  // Areas outside `path` are dropped here rather than by joining areas twice:
  // a district's week of pairs is a few tens of thousands of rows.
  db::Sql sql(
      "SELECT home_area_id, place_area_id, CAST(SUM(people) AS BIGINT) FROM grid_flow_days WHERE day >= ");
  sql.bind(first_day).append(" AND day <= ").bind(last_day).append(" GROUP BY home_area_id, place_area_id");
  std::unordered_set<std::int64_t> inside;
  if (path != "/") {
    db::Sql areas("SELECT id FROM areas WHERE path >= ");
    areas.bind(path).append(" AND path < ").bind(db::path_upper_bound(path));
    for (const auto& r : conn.query(areas.text(), areas.params()).rows) inside.insert(db::as_int(r[0]));
  }
  std::vector<Sum> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    Sum s{db::as_int(r[0]), db::as_int(r[1]), db::as_int(r[2])};
    if (path != "/" && (!inside.contains(s.home_area_id) || !inside.contains(s.place_area_id))) continue;
    out.push_back(s);
  }
  return out;
}

std::vector<FlowDays::Sum> FlowDays::sums(db::Connection& conn, const std::string& path, std::int64_t first_day,
                                          std::int64_t last_day, int utc_offset_minutes, core::Millis now) {
  ensure(conn, first_day, last_day, utc_offset_minutes, now);
  return stored_sums(conn, path, first_day, last_day);
}

void FlowDays::purge_before(db::Connection& conn, std::int64_t day) {
  db::in_transaction(conn, db::TxMode::write, [&] {
    conn.execute("DELETE FROM grid_flow_days WHERE day < $1", {day});
    conn.execute("DELETE FROM grid_flow_day_state WHERE day < $1", {day});
  });
}

}  // namespace firstline::movement
