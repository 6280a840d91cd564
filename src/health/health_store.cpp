#include "health/health_store.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "areas/area_store.hpp"
#include "db/sql.hpp"

namespace firstline::health {

namespace {

using db::as_int;
using db::as_opt_double;
using db::as_opt_int;
using db::as_text;

std::optional<std::string> opt_text(const db::Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return as_text(v);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "place:start:end;..." — compact, and only this file reads it.
std::string encode_spans(const std::vector<std::array<std::int64_t, 3>>& spans) {
  std::string out;
  for (const auto& s : spans) {
    if (!out.empty()) out += ';';
    out += std::to_string(s[0]) + ':' + std::to_string(s[1]) + ':' + std::to_string(s[2]);
  }
  return out;
}

std::vector<std::array<std::int64_t, 3>> decode_spans(const std::string& text) {
  std::vector<std::array<std::int64_t, 3>> out;
  for (const auto& item : split(text, ';')) {
    auto f = split(item, ':');
    if (f.size() == 3) out.push_back({to_int(f[0]), to_int(f[1]), to_int(f[2])});
  }
  return out;
}

std::string encode_rules(const TracingRules& r, const std::vector<std::string>& kinds) {
  return "window_days_before=" + std::to_string(r.window_days_before) +
         ";min_overlap_minutes=" + std::to_string(r.min_overlap_minutes) +
         ";default_stay_minutes=" + std::to_string(r.default_stay_minutes) +
         ";max_stay_hours=" + std::to_string(r.max_stay_hours) +
         ";utc_offset_minutes=" + std::to_string(r.utc_offset_minutes) + ";place_kinds=" + join(kinds, ',');
}

void decode_rules(const std::string& text, TracingRules& r, std::vector<std::string>& kinds) {
  for (const auto& item : split(text, ';')) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    auto key = item.substr(0, eq);
    auto value = item.substr(eq + 1);
    if (key == "place_kinds") kinds = split(value, ',');
    else if (key == "window_days_before") r.window_days_before = static_cast<int>(to_int(value));
    else if (key == "min_overlap_minutes") r.min_overlap_minutes = static_cast<int>(to_int(value));
    else if (key == "default_stay_minutes") r.default_stay_minutes = static_cast<int>(to_int(value));
    else if (key == "max_stay_hours") r.max_stay_hours = static_cast<int>(to_int(value));
    else if (key == "utc_offset_minutes") r.utc_offset_minutes = static_cast<int>(to_int(value));
  }
}

// "$a, $b, ..." binding every value; lists are padded to a power of two with
// their last value so that the statement cache sees few distinct texts.
template <class T>
void bind_list(db::Sql& sql, const std::vector<T>& values) {
  std::size_t n = 1;
  while (n < values.size()) n *= 2;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) sql.append(", ");
    sql.bind(values[std::min(i, values.size() - 1)]);
  }
}

// Runs `head` + "(id, ...)" + `tail` over `ids` in chunks of `chunk`,
// calling `row` with each result row; returns the number of statements.
using SqlPart = std::function<void(db::Sql&)>;
template <class F>
int query_in_chunks(db::Connection& conn, const std::vector<std::int64_t>& ids, std::size_t chunk,
                    const SqlPart& head, const SqlPart& tail, F&& row) {
  int statements = 0;
  for (std::size_t i = 0; i < ids.size(); i += chunk) {
    std::vector<std::int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + chunk)));
    db::Sql sql;
    head(sql);
    sql.append("(");
    bind_list(sql, part);
    sql.append(")");
    if (tail) tail(sql);
    ++statements;
    for (const auto& r : conn.query(sql.text(), sql.params()).rows) row(r);
  }
  return statements;
}

constexpr const char* kReportCols =
    "h.id, h.person_id, r.name, h.area_id, h.date, h.slot, h.temperature, h.symptoms, h.test_result, h.test_date, "
    "h.note, h.source, h.reported_by, h.created_at, h.updated_at, h.amendments";

Report report_from(const std::vector<db::Value>& r) {
  Report x;
  x.id = as_int(r[0]);
  x.person_id = as_int(r[1]);
  x.person_name = as_text(r[2]);
  x.area_id = as_int(r[3]);
  x.date = as_text(r[4]);
  x.slot = static_cast<int>(as_int(r[5]));
  x.temperature = as_opt_double(r[6]);
  x.symptoms = split(as_text(r[7]), ',');
  x.test_result = as_text(r[8]);
  x.test_date = opt_text(r[9]);
  x.note = opt_text(r[10]);
  x.source = as_text(r[11]);
  x.reported_by = as_opt_int(r[12]);
  x.created_at = as_int(r[13]);
  x.updated_at = as_int(r[14]);
  x.amendments = static_cast<int>(as_int(r[15]));
  return x;
}

constexpr const char* kStatusCols =
    "s.id, s.person_id, s.status, s.starts_at, s.ends_at, s.planned_end, s.reason, s.set_by, "
    "COALESCE(u.display_name, u.username, ''), s.set_at, s.run_id";

StatusPeriod status_from(const std::vector<db::Value>& r) {
  StatusPeriod p;
  p.id = as_int(r[0]);
  p.person_id = as_int(r[1]);
  p.status = as_text(r[2]);
  p.starts_at = as_int(r[3]);
  p.ends_at = as_opt_int(r[4]);
  p.planned_end = opt_text(r[5]);
  p.reason = as_text(r[6]);
  p.set_by = as_opt_int(r[7]);
  p.set_by_name = as_text(r[8]);
  p.set_at = as_int(r[9]);
  p.run_id = as_opt_int(r[10]);
  return p;
}

constexpr const char* kAlertCols =
    "a.id, a.person_id, r.name, a.area_id, a.report_id, a.kind, a.detail, a.created_at, a.status, a.handled_by, "
    "a.handled_at, a.note";

Alert alert_from(const std::vector<db::Value>& r) {
  Alert a;
  a.id = as_int(r[0]);
  a.person_id = as_int(r[1]);
  a.person_name = as_text(r[2]);
  a.area_id = as_int(r[3]);
  a.report_id = as_int(r[4]);
  a.kind = as_text(r[5]);
  a.detail = as_text(r[6]);
  a.created_at = as_int(r[7]);
  a.status = as_text(r[8]);
  a.handled_by = as_opt_int(r[9]);
  a.handled_at = as_opt_int(r[10]);
  a.note = opt_text(r[11]);
  return a;
}

// Required reports of a resident by current status.
constexpr const char* kRequired =
    "(CASE WHEN s.status IN ('observation', 'home_quarantine', 'centralized_isolation') THEN 2 ELSE 1 END)";

}  // namespace

std::optional<PersonRef> HealthStore::person(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(
      "SELECT r.id, r.name, r.area_id, a.path, r.household_id FROM residents r JOIN areas a ON a.id = r.area_id "
      "WHERE r.id = $1 AND r.deleted_at IS NULL",
      {id});
  if (rs.empty()) return std::nullopt;
  const auto& r = rs.rows[0];
  return PersonRef{as_int(r[0]), as_text(r[1]), as_int(r[2]), as_text(r[3]), as_opt_int(r[4])};
}

// ---- statuses ----

std::optional<StatusPeriod> HealthStore::current_status(db::Connection& conn, std::int64_t person_id) {
  auto rs = conn.query(std::string("SELECT ") + kStatusCols +
                           " FROM health_statuses s LEFT JOIN users u ON u.id = s.set_by "
                           "WHERE s.person_id = $1 AND s.ends_at IS NULL",
                       {person_id});
  if (rs.empty()) return std::nullopt;
  return status_from(rs.rows[0]);
}

std::vector<StatusPeriod> HealthStore::status_history(db::Connection& conn, std::int64_t person_id) {
  auto rs = conn.query(std::string("SELECT ") + kStatusCols +
                           " FROM health_statuses s LEFT JOIN users u ON u.id = s.set_by "
                           "WHERE s.person_id = $1 ORDER BY s.starts_at DESC, s.id DESC",
                       {person_id});
  std::vector<StatusPeriod> out;
  for (const auto& r : rs.rows) out.push_back(status_from(r));
  return out;
}

StatusPeriod HealthStore::insert_status(db::Connection& conn, StatusPeriod p) {
  conn.execute("UPDATE health_statuses SET ends_at = $1 WHERE person_id = $2 AND ends_at IS NULL",
               {p.starts_at, p.person_id});
  auto rs = conn.query(
      "INSERT INTO health_statuses (person_id, status, starts_at, planned_end, reason, set_by, set_at, run_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      {p.person_id, p.status, p.starts_at, db::opt(p.planned_end), p.reason, db::opt(p.set_by), p.set_at,
       db::opt(p.run_id)});
  p.id = as_int(rs.rows.at(0).at(0));
  return p;
}

std::map<std::int64_t, std::string> HealthStore::current_statuses(db::Connection& conn,
                                                                  const std::vector<std::int64_t>& people) {
  std::map<std::int64_t, std::string> out;
  query_in_chunks(
      conn, people, 256,
      [](db::Sql& q) { q.append("SELECT person_id, status FROM health_statuses WHERE ends_at IS NULL AND person_id IN "); },
      nullptr, [&](const auto& r) { out[as_int(r[0])] = as_text(r[1]); });
  return out;
}

// ---- reports ----

std::optional<Report> HealthStore::find_report(db::Connection& conn, std::int64_t person_id, const std::string& date,
                                               int slot) {
  auto rs = conn.query(std::string("SELECT ") + kReportCols +
                           " FROM health_reports h JOIN residents r ON r.id = h.person_id "
                           "WHERE h.person_id = $1 AND h.date = $2 AND h.slot = $3",
                       {person_id, date, static_cast<std::int64_t>(slot)});
  if (rs.empty()) return std::nullopt;
  return report_from(rs.rows[0]);
}

std::optional<Report> HealthStore::get_report(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kReportCols +
                           " FROM health_reports h JOIN residents r ON r.id = h.person_id WHERE h.id = $1",
                       {id});
  if (rs.empty()) return std::nullopt;
  return report_from(rs.rows[0]);
}

Report HealthStore::insert_report(db::Connection& conn, Report r, bool unwell) {
  auto rs = conn.query(
      "INSERT INTO health_reports (person_id, area_id, date, slot, temperature, symptoms, test_result, test_date, "
      "note, unwell, source, reported_by, created_at, updated_at, amendments) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 0) RETURNING id",
      {r.person_id, r.area_id, r.date, static_cast<std::int64_t>(r.slot), db::opt(r.temperature),
       join(r.symptoms, ','), r.test_result, db::opt(r.test_date), db::opt(r.note),
       static_cast<std::int64_t>(unwell ? 1 : 0), r.source, db::opt(r.reported_by), r.created_at});
  r.id = as_int(rs.rows.at(0).at(0));
  r.updated_at = r.created_at;
  r.amendments = 0;
  return r;
}

void HealthStore::amend_report(db::Connection& conn, const Report& old, const Report& r, bool unwell,
                               core::Millis now) {
  conn.execute(
      "INSERT INTO health_report_history (report_id, temperature, symptoms, test_result, test_date, note, source, "
      "reported_by, reported_at, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {old.id, db::opt(old.temperature), join(old.symptoms, ','), old.test_result, db::opt(old.test_date),
       db::opt(old.note), old.source, db::opt(old.reported_by), old.updated_at, now});
  conn.execute(
      "UPDATE health_reports SET temperature = $1, symptoms = $2, test_result = $3, test_date = $4, note = $5, "
      "unwell = $6, source = $7, reported_by = $8, updated_at = $9, amendments = amendments + 1 "
      "WHERE id = $10",
      {db::opt(r.temperature), join(r.symptoms, ','), r.test_result, db::opt(r.test_date), db::opt(r.note),
       static_cast<std::int64_t>(unwell ? 1 : 0), r.source, db::opt(r.reported_by), now, old.id});
  // area_id stays: a report belongs to the grid the person lived in when they
  // first reported that day (the reporters counted per grid and day agree).
}

std::vector<ReportVersion> HealthStore::report_history(db::Connection& conn, std::int64_t report_id) {
  auto rs = conn.query(
      "SELECT temperature, symptoms, test_result, test_date, note, source, reported_by, reported_at, changed_at "
      "FROM health_report_history WHERE report_id = $1 ORDER BY id DESC",
      {report_id});
  std::vector<ReportVersion> out;
  for (const auto& r : rs.rows) {
    ReportVersion v;
    v.temperature = as_opt_double(r[0]);
    v.symptoms = split(as_text(r[1]), ',');
    v.test_result = as_text(r[2]);
    v.test_date = opt_text(r[3]);
    v.note = opt_text(r[4]);
    v.source = as_text(r[5]);
    v.reported_by = as_opt_int(r[6]);
    v.reported_at = as_int(r[7]);
    v.changed_at = as_int(r[8]);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<Report> HealthStore::list_reports(db::Connection& conn, const ReportFilter& f) {
  db::Sql sql(std::string("SELECT ") + kReportCols +
              " FROM health_reports h JOIN residents r ON r.id = h.person_id WHERE 1=1");
  areas::AreaStore::append_scope_filter(sql, "h.area_id", f.paths);
  if (f.person_id) sql.append(" AND h.person_id = ").bind(*f.person_id);
  if (f.under_path) {
    sql.append(" AND h.area_id IN (SELECT id FROM areas WHERE path >= ").bind(*f.under_path);
    sql.append(" AND path < ").bind(db::path_upper_bound(*f.under_path)).append(")");
  }
  if (f.date) sql.append(" AND h.date = ").bind(*f.date);
  if (f.since_date) sql.append(" AND h.date >= ").bind(*f.since_date);
  if (f.after_id) sql.append(" AND h.id < ").bind(*f.after_id);
  sql.append(" ORDER BY h.id DESC LIMIT ").bind(static_cast<std::int64_t>(f.limit + 1));
  std::vector<Report> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) out.push_back(report_from(r));
  return out;
}

// ---- alerts ----

std::optional<Alert> HealthStore::insert_alert(db::Connection& conn, Alert a) {
  auto rs = conn.query(
      "INSERT INTO health_alerts (person_id, area_id, report_id, kind, detail, created_at, status) "
      "VALUES ($1, $2, $3, $4, $5, $6, 'open') ON CONFLICT (report_id, kind) DO NOTHING RETURNING id",
      {a.person_id, a.area_id, a.report_id, a.kind, a.detail, a.created_at});
  if (rs.empty()) return std::nullopt;
  a.id = as_int(rs.rows[0][0]);
  a.status = "open";
  return a;
}

std::optional<Alert> HealthStore::get_alert(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kAlertCols +
                           " FROM health_alerts a JOIN residents r ON r.id = a.person_id WHERE a.id = $1",
                       {id});
  if (rs.empty()) return std::nullopt;
  return alert_from(rs.rows[0]);
}

void HealthStore::update_alert(db::Connection& conn, const Alert& a) {
  conn.execute("UPDATE health_alerts SET status = $1, handled_by = $2, handled_at = $3, note = $4 WHERE id = $5",
               {a.status, db::opt(a.handled_by), db::opt(a.handled_at), db::opt(a.note), a.id});
}

std::vector<Alert> HealthStore::list_alerts(db::Connection& conn, const std::vector<std::string>& paths,
                                            std::optional<std::string> under_path, std::optional<std::string> status,
                                            std::optional<std::int64_t> person_id,
                                            std::optional<std::int64_t> before_id, int limit) {
  db::Sql sql(std::string("SELECT ") + kAlertCols +
              " FROM health_alerts a JOIN residents r ON r.id = a.person_id WHERE 1=1");
  areas::AreaStore::append_scope_filter(sql, "a.area_id", paths);
  if (under_path) {
    sql.append(" AND a.area_id IN (SELECT id FROM areas WHERE path >= ").bind(*under_path);
    sql.append(" AND path < ").bind(db::path_upper_bound(*under_path)).append(")");
  }
  if (status) sql.append(" AND a.status = ").bind(*status);
  if (person_id) sql.append(" AND a.person_id = ").bind(*person_id);
  if (before_id) sql.append(" AND a.id < ").bind(*before_id);
  sql.append(" ORDER BY a.id DESC LIMIT ").bind(static_cast<std::int64_t>(limit + 1));
  std::vector<Alert> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) out.push_back(alert_from(r));
  return out;
}

// ---- daily view ----

namespace {

// Residents of the subtree joined with their current status and the day's
// reports aggregated per person: n reports, highest temperature, any unwell,
// best test result (2 positive, 1 negative, 0 none).
void daily_from(db::Sql& sql, const std::string& path, const std::string& date, core::Millis at) {
  sql.append(" FROM residents r JOIN areas a ON a.id = r.area_id LEFT JOIN health_statuses s ON s.person_id = r.id AND ");
  sql.append("s.starts_at <= ").bind(at).append(" AND (s.ends_at IS NULL OR s.ends_at > ").bind(at).append(")");
  sql.append(
      " LEFT JOIN (SELECT person_id, COUNT(*) AS n, MAX(temperature) AS t, MAX(unwell) AS u,"
      " MAX(CASE WHEN test_result = 'positive' THEN 2 WHEN test_result = 'negative' THEN 1 ELSE 0 END) AS tr"
      " FROM health_reports WHERE date = ");
  sql.bind(date);
  sql.append(" GROUP BY person_id) d ON d.person_id = r.id WHERE r.deleted_at IS NULL AND a.path >= ");
  sql.bind(path).append(" AND a.path < ").bind(db::path_upper_bound(path));
}

}  // namespace

std::vector<DailyRow> HealthStore::daily_rows(db::Connection& conn, const std::string& path, const std::string& date,
                                              core::Millis at, const std::string& filter,
                                              std::optional<std::int64_t> after_id, int limit) {
  db::Sql sql(std::string("SELECT r.id, r.name, r.area_id, COALESCE(s.status, 'normal'), ") + kRequired +
              ", COALESCE(d.n, 0), COALESCE(d.u, 0), d.t, COALESCE(d.tr, 0)");
  daily_from(sql, path, date, at);
  if (filter == "missing") sql.append(std::string(" AND COALESCE(d.n, 0) < ") + kRequired);
  else if (filter == "reported") sql.append(" AND d.n > 0");
  else if (filter == "unwell") sql.append(" AND d.u = 1");
  if (after_id) sql.append(" AND r.id > ").bind(*after_id);
  sql.append(" ORDER BY r.id LIMIT ").bind(static_cast<std::int64_t>(limit + 1));
  std::vector<DailyRow> rows;
  std::vector<std::int64_t> with_reports;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    DailyRow d;
    d.person_id = as_int(r[0]);
    d.name = as_text(r[1]);
    d.area_id = as_int(r[2]);
    d.status = as_text(r[3]);
    d.required = static_cast<int>(as_int(r[4]));
    d.reported = static_cast<int>(std::min<std::int64_t>(as_int(r[5]), d.required));
    d.unwell = as_int(r[6]) != 0;
    d.temperature = as_opt_double(r[7]);
    auto tr = as_int(r[8]);
    d.test_result = tr == 2 ? "positive" : tr == 1 ? "negative" : "none";
    if (as_int(r[5]) > 0) with_reports.push_back(d.person_id);
    rows.push_back(std::move(d));
  }
  // Symptoms of the page's people in one more statement (the union per person).
  if (!with_reports.empty()) {
    std::map<std::int64_t, std::set<std::string>> symptoms;
    db::Sql q("SELECT person_id, symptoms FROM health_reports WHERE date = ");
    q.bind(date).append(" AND symptoms <> '' AND person_id IN (");
    bind_list(q, with_reports);
    q.append(")");
    for (const auto& r : conn.query(q.text(), q.params()).rows) {
      for (auto& s : split(as_text(r[1]), ',')) symptoms[as_int(r[0])].insert(std::move(s));
    }
    for (auto& d : rows) {
      if (auto it = symptoms.find(d.person_id); it != symptoms.end()) d.symptoms.assign(it->second.begin(), it->second.end());
    }
  }
  return rows;
}

DailySummary HealthStore::daily_summary(db::Connection& conn, const std::string& path, const std::string& date,
                                        core::Millis at) {
  db::Sql sql(std::string("SELECT COUNT(*), COALESCE(SUM(") + kRequired + "), 0), COALESCE(SUM(CASE WHEN COALESCE(d.n, 0) >= " +
              kRequired + " THEN " + kRequired + " ELSE COALESCE(d.n, 0) END), 0), COALESCE(SUM(CASE WHEN COALESCE(d.n, 0) < " +
              kRequired + " THEN 1 ELSE 0 END), 0), COALESCE(SUM(COALESCE(d.u, 0)), 0)");
  daily_from(sql, path, date, at);
  auto r = conn.query(sql.text(), sql.params()).rows.at(0);
  DailySummary s;
  s.people = as_int(r[0]);
  s.expected = as_int(r[1]);
  s.reported = as_int(r[2]);
  s.missing = as_int(r[3]);
  s.unwell = as_int(r[4]);
  s.rate = s.expected ? static_cast<double>(s.reported) / static_cast<double>(s.expected) : 1.0;
  return s;
}

std::vector<HealthStore::GridCount> HealthStore::grid_counts(db::Connection& conn, const std::string& path,
                                                             const std::string& date, core::Millis at) {
  // Counts kept on write (migration 9): living residents per area and people
  // who reported per area and day. Each person is expected once and counts
  // once when they reported; only the few who report twice a day (observation,
  // quarantine, isolation) at `at` are read one by one, for their second
  // report (a status's area is its person's grid while it is open, and stays
  // where it was when it ends).
  const auto upper = db::path_upper_bound(path);
  std::map<std::int64_t, GridCount> by_area;
  db::Sql sql(
      "SELECT p.area_id, a.path, p.residents, COALESCE(d.reporters, 0) FROM area_population p "
      "JOIN areas a ON a.id = p.area_id LEFT JOIN health_day_reporters d ON d.area_id = p.area_id AND d.date = ");
  sql.bind(date).append(" WHERE p.residents > 0 AND a.path >= ").bind(path).append(" AND a.path < ").bind(upper);
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    const auto residents = as_int(r[2]);
    by_area.emplace(as_int(r[0]), GridCount{as_int(r[0]), as_text(r[1]), residents, residents, as_int(r[3])});
  }
  db::Sql twice(
      "SELECT s.area_id, s.person_id, COUNT(h.id) FROM health_statuses s JOIN areas a ON a.id = s.area_id "
      "LEFT JOIN health_reports h ON h.person_id = s.person_id AND h.date = ");
  twice.bind(date).append(" WHERE s.starts_at <= ").bind(at).append(" AND (s.ends_at IS NULL OR s.ends_at > ");
  twice.bind(at).append(
      ") AND s.status IN ('observation', 'home_quarantine', 'centralized_isolation') "
      "AND a.path >= ");
  twice.bind(path).append(" AND a.path < ").bind(upper).append(" GROUP BY s.area_id, s.person_id");
  for (const auto& r : conn.query(twice.text(), twice.params()).rows) {
    auto it = by_area.find(as_int(r[0]));
    if (it == by_area.end()) continue;
    it->second.expected += 1;
    it->second.reported += std::max<std::int64_t>(as_int(r[2]) - 1, 0);
  }
  std::vector<GridCount> out;
  out.reserve(by_area.size());
  for (auto& [id, g] : by_area) {
    // Reporters are counted where they lived when they reported; people who
    // moved away or were removed since must not push a grid over 100 %.
    g.reported = std::min(g.reported, g.expected);
    out.push_back(std::move(g));
  }
  return out;
}

bool HealthStore::insert_flag(db::Connection& conn, const MissedFlag& f) {
  return conn.execute(
             "INSERT INTO health_missed_flags (area_id, date, expected, missing, created_at) VALUES ($1, $2, $3, $4, $5) "
             "ON CONFLICT (area_id, date) DO NOTHING",
             {f.area_id, f.date, f.expected, f.missing, f.created_at}) > 0;
}

std::vector<MissedFlag> HealthStore::list_flags(db::Connection& conn, const std::vector<std::string>& paths,
                                                const std::string& date, std::optional<std::string> under_path) {
  db::Sql sql(
      "SELECT f.id, f.area_id, a.name, f.date, f.expected, f.missing, f.created_at FROM health_missed_flags f "
      "JOIN areas a ON a.id = f.area_id WHERE f.date = ");
  sql.bind(date).append(" AND ");
  db::append_subtree_filter(sql, "a.path", paths);
  if (under_path) sql.append(" AND a.path >= ").bind(*under_path).append(" AND a.path < ").bind(db::path_upper_bound(*under_path));
  sql.append(" ORDER BY f.missing DESC, f.id");
  std::vector<MissedFlag> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    out.push_back(MissedFlag{as_int(r[0]), as_int(r[1]), as_text(r[2]), as_text(r[3]), as_int(r[4]), as_int(r[5]),
                             as_int(r[6])});
  }
  return out;
}

std::set<std::int64_t> HealthStore::flagged_areas(db::Connection& conn, const std::string& date) {
  std::set<std::int64_t> out;
  for (const auto& r : conn.query("SELECT area_id FROM health_missed_flags WHERE date = $1", {date}).rows) {
    out.insert(as_int(r[0]));
  }
  return out;
}

// ---- tracing runs ----

std::int64_t HealthStore::insert_run(db::Connection& conn, const TracingRun& run, const std::vector<Stay>& case_stays) {
  std::vector<std::array<std::int64_t, 3>> spans;
  for (const auto& s : case_stays) spans.push_back({s.place_id, s.start, s.end});
  auto rs = conn.query(
      "INSERT INTO tracing_runs (person_id, area_id, onset_date, rules, window_start, window_end, case_stays, "
      "created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {run.person_id, run.area_id, run.onset_date, encode_rules(run.rules, run.place_kinds), run.window_start,
       db::opt(run.window_end), encode_spans(spans), run.created_at, db::opt(run.created_by)});
  return as_int(rs.rows.at(0).at(0));
}

namespace {
std::string_view degree_key(Degree d) {
  switch (d) {
    case Degree::close: return "close";
    case Degree::secondary: return "secondary";
    case Degree::general: return "general";
  }
  return "general";
}
}  // namespace

void HealthStore::insert_contacts(db::Connection& conn, std::int64_t run_id, const std::vector<Contact>& contacts,
                                  const std::map<Subject, std::optional<std::int64_t>>& areas) {
  for (const auto& c : contacts) {
    std::vector<std::array<std::int64_t, 3>> spans;
    for (const auto& e : c.evidence) spans.push_back({e.place_id, e.start, e.end});
    std::optional<std::int64_t> area;
    if (auto it = areas.find(c.subject); it != areas.end()) area = it->second;
    conn.execute(
        "INSERT INTO tracing_contacts (run_id, person_id, visitor_id, area_id, degree, relation, via_person_id, "
        "exposure, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {run_id, c.subject > 0 ? db::Value(c.subject) : db::Value{},
         c.subject < 0 ? db::Value(-c.subject) : db::Value{}, db::opt(area), std::string(degree_key(c.degree)),
         std::string(c.relation == Relation::household ? "household" : "co-presence"), db::opt(c.via), c.exposure,
         encode_spans(spans)});
  }
}

namespace {
constexpr const char* kRunCols =
    "t.id, t.person_id, r.name, t.area_id, t.onset_date, t.rules, t.window_start, t.window_end, t.case_stays, "
    "t.created_at, t.created_by, COALESCE(u.display_name, u.username, '')";

TracingRun run_from(const std::vector<db::Value>& r) {
  TracingRun t;
  t.id = as_int(r[0]);
  t.person_id = as_int(r[1]);
  t.person_name = as_text(r[2]);
  t.area_id = as_int(r[3]);
  t.onset_date = as_text(r[4]);
  decode_rules(as_text(r[5]), t.rules, t.place_kinds);
  t.window_start = as_int(r[6]);
  t.window_end = as_opt_int(r[7]);
  for (const auto& s : decode_spans(as_text(r[8]))) t.case_stays.push_back(StayView{s[0], "", s[1], s[2]});
  t.created_at = as_int(r[9]);
  t.created_by = as_opt_int(r[10]);
  t.created_by_name = as_text(r[11]);
  return t;
}
}  // namespace

std::optional<TracingRun> HealthStore::get_run(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(std::string("SELECT ") + kRunCols +
                           " FROM tracing_runs t JOIN residents r ON r.id = t.person_id "
                           "LEFT JOIN users u ON u.id = t.created_by WHERE t.id = $1",
                       {id});
  if (rs.empty()) return std::nullopt;
  return run_from(rs.rows[0]);
}

std::vector<HealthStore::StoredContact> HealthStore::run_contacts(db::Connection& conn, std::int64_t run_id) {
  auto rs = conn.query(
      "SELECT c.person_id, c.visitor_id, COALESCE(r.name, v.name, ''), c.area_id, r.household_id, c.degree, "
      "c.relation, c.via_person_id, c.exposure, c.evidence, COALESCE(a.path, ''), COALESCE(s.status, 'normal') "
      "FROM tracing_contacts c LEFT JOIN residents r ON r.id = c.person_id "
      "LEFT JOIN visitors v ON v.id = c.visitor_id LEFT JOIN areas a ON a.id = c.area_id "
      "LEFT JOIN health_statuses s ON s.person_id = c.person_id AND s.ends_at IS NULL "
      "WHERE c.run_id = $1 ORDER BY c.id",
      {run_id});
  std::vector<StoredContact> out;
  for (const auto& r : rs.rows) {
    StoredContact c;
    c.view.person_id = as_opt_int(r[0]);
    c.view.visitor_id = as_opt_int(r[1]);
    c.view.name = as_text(r[2]);
    c.view.area_id = as_opt_int(r[3]);
    c.view.household_id = as_opt_int(r[4]);
    c.view.degree = as_text(r[5]);
    c.view.relation = as_text(r[6]);
    c.view.via_person_id = as_opt_int(r[7]);
    c.view.exposure = as_int(r[8]);
    for (const auto& s : decode_spans(as_text(r[9]))) {
      c.view.evidence.push_back(EvidenceView{s[0], "", s[1], s[2], static_cast<double>(s[2] - s[1]) / 60000.0});
    }
    c.path = as_text(r[10]);
    c.view.status = as_text(r[11]);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<TracingRun> HealthStore::list_runs(db::Connection& conn, const std::vector<std::string>& paths,
                                               std::optional<std::int64_t> person_id,
                                               std::optional<std::int64_t> before_id, int limit) {
  db::Sql sql(std::string("SELECT ") + kRunCols +
              " FROM tracing_runs t JOIN residents r ON r.id = t.person_id LEFT JOIN users u ON u.id = t.created_by "
              "WHERE 1=1");
  // A run is listed where the case lives, or where one of its contacts does.
  bool everywhere = std::any_of(paths.begin(), paths.end(), [](const std::string& p) { return p.empty(); });
  if (!everywhere) {
    sql.append(" AND (t.area_id IN (SELECT id FROM areas WHERE ");
    db::append_subtree_filter(sql, "path", paths);
    sql.append(") OR t.id IN (SELECT c.run_id FROM tracing_contacts c JOIN areas ca ON ca.id = c.area_id WHERE ");
    db::append_subtree_filter(sql, "ca.path", paths);
    sql.append("))");
  }
  if (person_id) sql.append(" AND t.person_id = ").bind(*person_id);
  if (before_id) sql.append(" AND t.id < ").bind(*before_id);
  sql.append(" ORDER BY t.id DESC LIMIT ").bind(static_cast<std::int64_t>(limit + 1));
  std::vector<TracingRun> out;
  for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
    auto t = run_from(r);
    t.with_contacts = false;
    out.push_back(std::move(t));
  }
  // Counts per run and degree (all contacts; the service narrows them per viewer).
  return out;
}

std::vector<ContactRef> HealthStore::contact_refs(db::Connection& conn, std::int64_t person_id) {
  auto rs = conn.query(
      "SELECT c.run_id, t.person_id, c.degree, c.via_person_id, t.created_at FROM tracing_contacts c "
      "JOIN tracing_runs t ON t.id = c.run_id WHERE c.person_id = $1 ORDER BY c.run_id DESC LIMIT 50",
      {person_id});
  std::vector<ContactRef> out;
  for (const auto& r : rs.rows) {
    out.push_back(ContactRef{as_int(r[0]), as_int(r[1]), as_text(r[2]), as_opt_int(r[3]), as_int(r[4])});
  }
  return out;
}

std::vector<HealthStore::ContactCount> HealthStore::contact_counts(db::Connection& conn,
                                                                   const std::vector<std::int64_t>& run_ids) {
  std::vector<ContactCount> out;
  query_in_chunks(
      conn, run_ids, 256,
      [](db::Sql& q) {
        q.append(
            "SELECT c.run_id, c.degree, COALESCE(a.path, ''), COALESCE(ra.path, ''), COUNT(*) FROM tracing_contacts c "
            "JOIN tracing_runs t ON t.id = c.run_id LEFT JOIN areas a ON a.id = c.area_id "
            "LEFT JOIN areas ra ON ra.id = t.area_id WHERE c.run_id IN ");
      },
      [](db::Sql& q) { q.append(" GROUP BY c.run_id, c.degree, a.path, ra.path"); },
      [&](const auto& r) {
        out.push_back(ContactCount{as_int(r[0]), as_text(r[1]), as_text(r[2]), as_text(r[3]), as_int(r[4])});
      });
  return out;
}

std::map<std::int64_t, std::string> HealthStore::place_names(db::Connection& conn,
                                                            const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, std::string> out;
  query_in_chunks(conn, ids, 256, [](db::Sql& q) { q.append("SELECT id, name FROM places WHERE id IN "); }, nullptr,
                  [&](const auto& r) { out[as_int(r[0])] = as_text(r[1]); });
  return out;
}

std::map<std::int64_t, std::int64_t> HealthStore::place_areas(db::Connection& conn,
                                                             const std::vector<std::int64_t>& ids) {
  std::map<std::int64_t, std::int64_t> out;
  query_in_chunks(conn, ids, 256, [](db::Sql& q) { q.append("SELECT id, area_id FROM places WHERE id IN "); }, nullptr,
                  [&](const auto& r) { out[as_int(r[0])] = as_int(r[1]); });
  return out;
}

std::map<std::int64_t, std::int64_t> HealthStore::home_areas(db::Connection& conn,
                                                            const std::vector<std::int64_t>& residents) {
  std::map<std::int64_t, std::int64_t> out;
  query_in_chunks(conn, residents, 256, [](db::Sql& q) { q.append("SELECT id, area_id FROM residents WHERE id IN "); },
                  nullptr, [&](const auto& r) { out[as_int(r[0])] = as_int(r[1]); });
  return out;
}

// ---- the tracer's movement source ----

namespace {

ScanEvent event_from(const std::vector<db::Value>& r) {
  ScanEvent e;
  e.id = as_int(r[0]);
  auto person = as_opt_int(r[1]);
  e.subject = person ? *person : -as_int(r[2]);
  e.place_id = as_int(r[3]);
  e.ts = as_int(r[4]);
  e.in = as_int(r[5]) == 1;
  return e;
}

void append_kinds(db::Sql& sql, const std::vector<std::string>& kinds) {
  // The unary plus keeps SQLite from driving the query through the place
  // index (every scan of the period at those places) instead of the person's
  // (person_id, ts) range; PostgreSQL reads it as the same column.
  sql.append(" AND +s.place_id IN (SELECT id FROM places WHERE kind IN (");
  if (kinds.empty()) sql.append("''");
  else bind_list(sql, kinds);
  sql.append("))");
}

}  // namespace

std::vector<ScanEvent> SqlMovementSource::subject_scans(const std::vector<Subject>& subjects, core::Millis from,
                                                        core::Millis to) {
  std::vector<ScanEvent> out;
  std::vector<std::int64_t> people, visitors;
  for (auto s : subjects) (s > 0 ? people : visitors).push_back(s > 0 ? s : -s);
  for (auto* list : {&people, &visitors}) {
    const std::string column = list == &people ? "s.person_id" : "s.visitor_id";
    statements_ += query_in_chunks(
        conn_, *list, 128,
        [&](db::Sql& q) {
          q.append("SELECT s.id, s.person_id, s.visitor_id, s.place_id, s.ts, s.direction FROM scans s WHERE ")
              .append(column)
              .append(" IN ");
        },
        [&](db::Sql& q) {
          q.append(" AND s.ts >= ").bind(from).append(" AND s.ts <= ").bind(to);
          append_kinds(q, kinds_);
        },
        [&](const auto& r) { out.push_back(event_from(r)); });
  }
  return out;
}

std::vector<ScanEvent> SqlMovementSource::place_scans(const std::vector<PlaceWindow>& windows) {
  std::vector<ScanEvent> out;
  // One statement per window: each is a range of the (place_id, ts) index and
  // the text stays the same, so the prepared statement is reused.
  for (const auto& w : windows) {
    ++statements_;
    auto rs = conn_.query(
        "SELECT s.id, s.person_id, s.visitor_id, s.place_id, s.ts, s.direction FROM scans s "
        "WHERE s.place_id = $1 AND s.ts >= $2 AND s.ts <= $3",
        {w.place_id, w.from, w.to});
    for (const auto& r : rs.rows) {
      if (std::holds_alternative<std::monostate>(r[1]) && std::holds_alternative<std::monostate>(r[2])) continue;
      out.push_back(event_from(r));
    }
  }
  return out;
}

std::map<Subject, std::vector<Subject>> SqlMovementSource::household_members(const std::vector<Subject>& persons) {
  std::map<Subject, std::vector<Subject>> out;
  std::vector<std::int64_t> people;
  for (auto p : persons) {
    if (p > 0) people.push_back(p);
  }
  statements_ += query_in_chunks(
      conn_, people, 128,
      [](db::Sql& q) {
        q.append("SELECT a.id, b.id FROM residents a JOIN residents b ON b.household_id = a.household_id "
                 "AND b.id <> a.id AND b.deleted_at IS NULL WHERE a.id IN ");
      },
      nullptr, [&](const auto& r) { out[as_int(r[0])].push_back(as_int(r[1])); });
  for (auto& [k, v] : out) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  return out;
}

std::map<Subject, core::Millis> SqlMovementSource::isolated_at(const std::vector<Subject>& subjects,
                                                               core::Millis since) {
  std::map<Subject, core::Millis> out;
  std::vector<std::int64_t> people;
  for (auto p : subjects) {
    if (p > 0) people.push_back(p);
  }
  // A period still running at `since` isolates from `since` on.
  statements_ += query_in_chunks(
      conn_, people, 128,
      [&](db::Sql& q) {
        q.append("SELECT person_id, starts_at FROM health_statuses WHERE status IN ('home_quarantine', "
                 "'centralized_isolation', 'confirmed') AND (ends_at IS NULL OR ends_at > ")
            .bind(since)
            .append(") AND person_id IN ");
      },
      nullptr,
      [&](const auto& r) {
        auto t = std::max(as_int(r[1]), since);
        auto [it, inserted] = out.emplace(as_int(r[0]), t);
        if (!inserted) it->second = std::min(it->second, t);
      });
  return out;
}

}  // namespace firstline::health
