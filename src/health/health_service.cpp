#include "health/health_service.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "areas/area_store.hpp"
#include "core/area_code.hpp"
#include "audit/audit_log.hpp"
#include "core/csv.hpp"
#include "core/text.hpp"
#include "health/health_store.hpp"
#include "people/people_store.hpp"

namespace firstline::health {

using core::Permission;

namespace {

constexpr core::Millis kMinute = 60 * 1000;
constexpr core::Millis kDay = 24 * 60 * kMinute;

template <class T>
bool contains(const std::vector<T>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const std::vector<std::string_view> kTestResults = {"none", "negative", "positive"};

}  // namespace

const std::vector<std::string_view>& statuses() {
  static const std::vector<std::string_view> s = {"normal",    "observation", "home_quarantine", "centralized_isolation",
                                                  "confirmed", "recovered"};
  return s;
}

bool transition_allowed(std::string_view from, std::string_view to) {
  if (from == to) return false;
  if (from == "normal") return to == "observation" || to == "home_quarantine" || to == "centralized_isolation" || to == "confirmed";
  if (from == "observation" || from == "home_quarantine" || from == "centralized_isolation") {
    return to != "recovered" && contains(statuses(), to);
  }
  if (from == "confirmed") return to == "recovered" || to == "centralized_isolation";
  if (from == "recovered") return to == "normal" || to == "observation" || to == "confirmed";
  return false;
}

bool reports_twice(std::string_view status) {
  return status == "observation" || status == "home_quarantine" || status == "centralized_isolation";
}

bool isolates(std::string_view status) {
  return status == "home_quarantine" || status == "centralized_isolation" || status == "confirmed";
}

const std::vector<std::string_view>& symptom_codes() {
  static const std::vector<std::string_view> s = {
      "fever",     "cough",    "sore_throat",         "fatigue",             "headache",   "muscle_pain", "runny_nose",
      "diarrhea", "loss_of_smell_taste", "shortness_of_breath", "chest_pain", "confusion",   "other"};
  return s;
}

bool serious_symptom(std::string_view code) {
  return code == "shortness_of_breath" || code == "chest_pain" || code == "confusion";
}

HealthService::HealthService(db::Database& db, const core::Clock& clock, HealthOptions options, core::EventHub* hub)
    : db_(db), clock_(clock), options_(options), hub_(hub) {}

HealthService::~HealthService() { stop_scheduler(); }

core::Millis HealthService::day_start(core::Millis t) const {
  const core::Millis offset = options_.utc_offset_minutes * kMinute;
  const core::Millis local = t + offset;
  core::Millis day = local / kDay;
  if (local < 0 && local % kDay != 0) --day;
  return day * kDay - offset;
}

core::Millis HealthService::status_moment(const std::string& date) const {
  const auto now = clock_.now();
  auto d = core::parse_date(date);
  if (!d) return now;
  const core::Millis end = (d->days_since_epoch() + 1) * kDay - options_.utc_offset_minutes * kMinute - 1;
  return std::min(now, end);
}

std::string HealthService::today() const {
  return core::date_of(clock_.now() + options_.utc_offset_minutes * kMinute).to_string();
}

core::Result<std::string> HealthService::parse_day(std::string_view field, std::string_view text) const {
  auto d = core::parse_date(text);
  if (!d || text.size() != 10) return core::invalid(std::string(field), std::string(field) + " must be a date YYYY-MM-DD");
  return d->to_string();
}

void HealthService::publish_alert(const Alert& a, const std::string& path) {
  if (!hub_) return;
  hub_->publish("health", "alert",
                fmt::format(R"({{"id":{},"person_id":{},"area_id":{},"kind":"{}","path":"{}"}})", a.id, a.person_id,
                            a.area_id, a.kind, path));
}

// ---- reports ----

core::Result<ReportResult> HealthService::submit_reports(const core::Principal& who,
                                                         const std::vector<ReportInput>& reports) {
  if (reports.empty()) return core::invalid("reports", "the batch holds no reports");
  if (reports.size() > options_.max_batch) {
    return core::fail(core::ErrorCode::payload_too_large,
                      fmt::format("a batch holds at most {} reports", options_.max_batch), "reports");
  }
  const bool self_only = who.is_resident_only();
  if (!self_only && !who.has(Permission::write_health) && !who.resident_id) {
    return core::forbidden("your roles do not allow recording health reports");
  }
  const auto now = clock_.now();
  const auto today_s = today();
  const auto today_days = core::parse_date(today_s)->days_since_epoch();

  ReportResult result;
  std::vector<std::pair<Alert, std::string>> to_publish;
  auto conn = db_.acquire();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      const auto& in = reports[i];
      auto reject = [&](std::string code, std::string field, std::string message) {
        result.rejected.push_back(ReportRejection{i, std::move(code), std::move(message),
                                                  field.empty() ? std::nullopt : std::optional<std::string>(field)});
      };
      // Who is this report about, and may the caller report for them?
      std::int64_t person_id = 0;
      if (in.person_id) person_id = *in.person_id;
      else if (who.resident_id) person_id = *who.resident_id;
      else {
        reject("invalid", "person_id", "person_id is required");
        continue;
      }
      auto person = HealthStore::person(*conn, person_id);
      if (!person) {
        reject("not_found", "person_id", fmt::format("no resident {}", person_id));
        continue;
      }
      const bool own = who.resident_id && *who.resident_id == person_id;
      if (!own && !who.covers(Permission::write_health, person->path)) {
        reject("forbidden", "person_id", "you may not report for this resident");
        continue;
      }
      auto date = core::parse_date(in.date);
      if (!date || in.date.size() != 10) {
        reject("invalid", "date", "date must be a date YYYY-MM-DD");
        continue;
      }
      const auto days = date->days_since_epoch();
      if (days > today_days) {
        reject("invalid", "date", "date is in the future");
        continue;
      }
      if (days < today_days - options_.days_back) {
        reject("invalid", "date", fmt::format("date is more than {} days ago", options_.days_back));
        continue;
      }
      if (in.temperature && (!std::isfinite(*in.temperature) || *in.temperature < 34.0 || *in.temperature > 43.0)) {
        reject("invalid", "temperature", "temperature must be 34.0–43.0 °C");
        continue;
      }
      bool bad_symptom = false;
      std::vector<std::string> symptoms;
      for (const auto& s : in.symptoms) {
        if (!contains(symptom_codes(), s)) {
          reject("invalid", "symptoms", fmt::format("unknown symptom '{}'", s));
          bad_symptom = true;
          break;
        }
        if (!contains(symptoms, s)) symptoms.push_back(s);
      }
      if (bad_symptom) continue;
      if (!contains(kTestResults, in.test_result)) {
        reject("invalid", "test_result", "test_result must be none, negative or positive");
        continue;
      }
      std::optional<std::string> test_date;
      if (in.test_result != "none") {
        if (!in.test_date) {
          reject("invalid", "test_date", "test_date is required with a test result");
          continue;
        }
        auto td = core::parse_date(*in.test_date);
        if (!td || in.test_date->size() != 10 || td->days_since_epoch() > today_days) {
          reject("invalid", "test_date", "test_date must be a date YYYY-MM-DD, not in the future");
          continue;
        }
        test_date = td->to_string();
      }
      if (in.note && core::utf8_length(*in.note) > 500) {
        reject("invalid", "note", "note is longer than 500 characters");
        continue;
      }
      auto current = HealthStore::current_status(*conn, person_id);
      const int slot = in.slot.value_or(1);
      if (slot != 1 && slot != 2) {
        reject("invalid", "slot", "slot must be 1 or 2");
        continue;
      }
      if (slot == 2 && !(current && reports_twice(current->status))) {
        reject("invalid", "slot", "only people under observation or quarantine report a second time a day");
        continue;
      }

      Report r;
      r.person_id = person_id;
      r.person_name = person->name;
      r.area_id = person->area_id;
      r.date = date->to_string();
      r.slot = slot;
      r.temperature = in.temperature;
      r.symptoms = symptoms;
      r.test_result = in.test_result;
      r.test_date = test_date;
      r.note = in.note;
      r.source = own ? "self" : "staff";
      r.reported_by = who.user_id;
      r.created_at = now;
      const bool fever = r.temperature && *r.temperature >= kFeverCelsius - 1e-9;
      const bool serious = std::any_of(symptoms.begin(), symptoms.end(), [](const auto& s) { return serious_symptom(s); });
      const bool positive = r.test_result == "positive";
      const bool unwell = fever || serious || positive;

      bool amended = false;
      if (auto old = HealthStore::find_report(*conn, person_id, r.date, slot)) {
        HealthStore::amend_report(*conn, *old, r, unwell, now);
        r.id = old->id;
        amended = true;
      } else {
        r = HealthStore::insert_report(*conn, r, unwell);
      }
      audit::record(*conn, who, now, amended ? "update" : "create", "health_report", r.id, r.area_id,
                    "date=" + r.date);
      result.accepted.push_back(AcceptedReport{i, r.id, amended});

      auto raise = [&](const char* kind, std::string detail) {
        Alert a;
        a.person_id = person_id;
        a.person_name = person->name;
        a.area_id = person->area_id;
        a.report_id = r.id;
        a.kind = kind;
        a.detail = std::move(detail);
        a.created_at = now;
        if (auto stored = HealthStore::insert_alert(*conn, a)) {
          result.alerts.push_back(*stored);
          to_publish.emplace_back(*stored, person->path);
        }
      };
      if (fever) raise("fever", fmt::format("{:.1f} °C on {}", *r.temperature, r.date));
      if (serious) {
        std::string list;
        for (const auto& s : symptoms) {
          if (!serious_symptom(s)) continue;
          if (!list.empty()) list += ", ";
          list += s;
        }
        raise("serious_symptom", list);
      }
      if (positive) raise("positive_test", "positive test on " + *r.test_date);
    }
  });
  for (const auto& [a, path] : to_publish) publish_alert(a, path);
  return result;
}

core::Result<core::Page<Report>> HealthService::list_reports(const core::Principal& who,
                                                             std::optional<std::int64_t> person_id,
                                                             std::optional<std::int64_t> area_id,
                                                             std::optional<std::string> date,
                                                             std::optional<std::int64_t> before_id, int limit) {
  auto conn = db_.acquire();
  HealthStore::ReportFilter f;
  f.limit = limit;
  f.after_id = before_id;
  f.person_id = person_id;
  if (date) {
    auto d = parse_day("date", *date);
    if (!d) return std::unexpected(d.error());
    f.date = *d;
  }
  const bool own = person_id && who.resident_id && *who.resident_id == *person_id;
  if (own) {
    f.paths = {""};
  } else {
    f.paths = who.scope_paths(Permission::read_health);
    if (f.paths.empty()) return core::forbidden("your roles do not allow reading health reports");
  }
  if (area_id) {
    auto path = people::PeopleStore::area_path(*conn, *area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
    if (!who.covers(Permission::read_health, *path)) return core::forbidden("this area is outside your scope");
    f.under_path = *path;
  }
  auto rows = HealthStore::list_reports(*conn, f);
  core::Page<Report> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = std::to_string(rows.back().id);
  }
  audit::record(*conn, who, clock_.now(), "read_health", "health_report", std::nullopt, area_id,
                fmt::format("{} reports", rows.size()));
  page.items = std::move(rows);
  return page;
}

core::Result<std::pair<Report, std::vector<ReportVersion>>> HealthService::get_report(const core::Principal& who,
                                                                                      std::int64_t id) {
  auto conn = db_.acquire();
  auto r = HealthStore::get_report(*conn, id);
  if (!r) return core::not_found(fmt::format("no health report {}", id));
  const bool own = who.resident_id && *who.resident_id == r->person_id;
  if (!own) {
    auto path = people::PeopleStore::area_path(*conn, r->area_id);
    if (!path || !who.covers(Permission::read_health, *path)) return core::forbidden("this report is outside your scope");
  }
  audit::record(*conn, who, clock_.now(), "read_health", "health_report", id, r->area_id);
  return std::make_pair(*r, HealthStore::report_history(*conn, id));
}

// ---- people and statuses ----

core::Result<PersonHealth> HealthService::person_health(const core::Principal& who, std::int64_t person_id) {
  auto conn = db_.acquire();
  auto p = HealthStore::person(*conn, person_id);
  if (!p) return core::not_found(fmt::format("no resident {}", person_id));
  const bool own = who.resident_id && *who.resident_id == person_id;
  if (!own && !who.covers(Permission::read_health, p->path)) return core::forbidden("this resident is outside your scope");
  PersonHealth h;
  h.person = PersonSummary{p->id, p->name, p->area_id, p->household_id};
  h.statuses = HealthStore::status_history(*conn, person_id);
  if (auto cur = HealthStore::current_status(*conn, person_id)) h.status = *cur;
  else h.status.person_id = person_id;
  HealthStore::ReportFilter f;
  f.paths = {""};
  f.person_id = person_id;
  f.since_date = core::date_of(clock_.now() + options_.utc_offset_minutes * kMinute - 28 * kDay).to_string();
  f.limit = 200;
  h.reports = HealthStore::list_reports(*conn, f);
  if (h.reports.size() > 200) h.reports.resize(200);
  h.alerts = HealthStore::list_alerts(*conn, {""}, std::nullopt, std::nullopt, person_id, std::nullopt, 100);
  if (h.alerts.size() > 100) h.alerts.resize(100);
  h.contacts = HealthStore::contact_refs(*conn, person_id);
  audit::record(*conn, who, clock_.now(), "read_health", "resident", person_id, p->area_id);
  return h;
}

core::Result<StatusPeriod> HealthService::set_status(const core::Principal& who, std::int64_t person_id,
                                                     const StatusInput& in) {
  if (!contains(statuses(), in.status)) {
    return core::invalid("status", "status must be normal, observation, home_quarantine, centralized_isolation, "
                                   "confirmed or recovered");
  }
  auto reason = core::trim(in.reason);
  if (reason.empty()) return core::invalid("reason", "reason is required");
  if (core::utf8_length(reason) > 500) return core::invalid("reason", "reason is longer than 500 characters");
  if (in.planned_end) {
    auto d = parse_day("planned_end", *in.planned_end);
    if (!d) return std::unexpected(d.error());
  }
  const auto now = clock_.now();
  auto conn = db_.acquire();
  auto p = HealthStore::person(*conn, person_id);
  if (!p) return core::not_found(fmt::format("no resident {}", person_id));
  if (!who.covers(Permission::write_health, p->path) &&
      !(in.run_id && who.covers(Permission::trace_contacts, p->path))) {
    return core::forbidden("you may not set the health status of this resident");
  }
  return db::in_transaction(*conn, db::TxMode::write, [&]() -> core::Result<StatusPeriod> {
    auto cur = HealthStore::current_status(*conn, person_id);
    const std::string from = cur ? cur->status : "normal";
    if (!transition_allowed(from, in.status)) {
      return core::invalid("status", fmt::format("a person who is {} cannot become {}", from, in.status));
    }
    StatusPeriod sp;
    sp.person_id = person_id;
    sp.status = in.status;
    sp.starts_at = in.starts_at.value_or(now);
    if (sp.starts_at > now + 5 * kMinute) return core::invalid("starts_at", "starts_at is in the future");
    if (cur && sp.starts_at < cur->starts_at) {
      return core::invalid("starts_at", "starts_at is before the start of the current status");
    }
    sp.planned_end = in.planned_end ? std::optional(core::parse_date(*in.planned_end)->to_string()) : std::nullopt;
    sp.reason = std::string(reason);
    sp.set_by = who.user_id;
    sp.set_by_name = who.username;
    sp.set_at = now;
    sp.run_id = in.run_id;
    sp = HealthStore::insert_status(*conn, sp);
    audit::record(*conn, who, now, "update", "health_status", person_id, p->area_id, from + "->" + in.status);
    return sp;
  });
}

// ---- daily view, completeness, flags, alerts ----

core::Result<DailyPage> HealthService::daily(const core::Principal& who, const DailyQuery& q) {
  if (q.filter != "all" && q.filter != "missing" && q.filter != "unwell" && q.filter != "reported") {
    return core::invalid("filter", "filter must be all, missing, unwell or reported");
  }
  DailyPage page;
  page.date = today();
  if (q.date) {
    auto d = parse_day("date", *q.date);
    if (!d) return std::unexpected(d.error());
    page.date = *d;
  }
  auto conn = db_.acquire();
  auto path = people::PeopleStore::area_path(*conn, q.area_id);
  if (!path) return core::invalid("area_id", fmt::format("no area {}", q.area_id));
  if (!who.covers(Permission::read_health, *path)) return core::forbidden("this area is outside your scope");
  const auto at = status_moment(page.date);
  auto rows = HealthStore::daily_rows(*conn, *path, page.date, at, q.filter, q.after_id, q.limit);
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(static_cast<std::size_t>(q.limit));
    page.next = std::to_string(rows.back().person_id);
  }
  page.items = std::move(rows);
  page.summary = HealthStore::daily_summary(*conn, *path, page.date, at);
  audit::record(*conn, who, clock_.now(), "read_health", "area", q.area_id, q.area_id,
                fmt::format("daily {} {}", page.date, q.filter));
  return page;
}

core::Result<Completeness> HealthService::completeness(const core::Principal& who, std::int64_t area_id,
                                                       std::optional<std::string> date) {
  Completeness c;
  c.area_id = area_id;
  c.date = today();
  if (date) {
    auto d = parse_day("date", *date);
    if (!d) return std::unexpected(d.error());
    c.date = *d;
  }
  auto conn = db_.acquire();
  auto area = areas::AreaStore::get(*conn, area_id);
  if (!area) return core::invalid("area_id", fmt::format("no area {}", area_id));
  if (!who.covers(Permission::read_health, area->path)) return core::forbidden("this area is outside your scope");
  auto grids = HealthStore::grid_counts(*conn, area->path, c.date, status_moment(c.date));
  auto flagged = HealthStore::flagged_areas(*conn, c.date);
  // Children of the area, each summing the grids under it.
  areas::AreaQuery aq;
  aq.parent_id = area_id;
  aq.limit = 10000;
  auto children = areas::AreaStore::list(*conn, aq, {""}, std::nullopt);
  for (const auto& child : children) {
    AreaCompleteness ac;
    ac.area_id = child.id;
    ac.name = child.name;
    ac.code = child.code;
    ac.level = std::string(core::area_level_key(child.level));
    for (const auto& g : grids) {
      if (g.path.rfind(child.path, 0) != 0) continue;
      ac.expected += g.expected;
      ac.reported += g.reported;
      if (flagged.contains(g.area_id)) ac.flagged = true;
    }
    ac.rate = ac.expected ? static_cast<double>(ac.reported) / static_cast<double>(ac.expected) : 1.0;
    c.children.push_back(std::move(ac));
  }
  for (const auto& g : grids) {
    c.expected += g.expected;
    c.reported += g.reported;
    AreaCompleteness ac;
    ac.area_id = g.area_id;
    ac.level = "grid";
    ac.expected = g.expected;
    ac.reported = g.reported;
    ac.rate = g.expected ? static_cast<double>(g.reported) / static_cast<double>(g.expected) : 1.0;
    ac.flagged = flagged.contains(g.area_id);
    c.grids.push_back(std::move(ac));
  }
  c.rate = c.expected ? static_cast<double>(c.reported) / static_cast<double>(c.expected) : 1.0;
  return c;
}

core::Result<std::vector<MissedFlag>> HealthService::flags(const core::Principal& who,
                                                           std::optional<std::int64_t> area_id,
                                                           std::optional<std::string> date) {
  std::string day = today();
  if (date) {
    auto d = parse_day("date", *date);
    if (!d) return std::unexpected(d.error());
    day = *d;
  }
  auto paths = who.scope_paths(Permission::read_health);
  if (paths.empty()) return core::forbidden("your roles do not allow reading health data");
  auto conn = db_.acquire();
  std::optional<std::string> under;
  if (area_id) {
    auto path = people::PeopleStore::area_path(*conn, *area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
    if (!who.covers(Permission::read_health, *path)) return core::forbidden("this area is outside your scope");
    under = *path;
  }
  return HealthStore::list_flags(*conn, paths, day, under);
}

core::Result<core::Page<Alert>> HealthService::alerts(const core::Principal& who, std::optional<std::int64_t> area_id,
                                                      std::optional<std::string> status,
                                                      std::optional<std::int64_t> before_id, int limit) {
  if (status && *status != "open" && *status != "handled") return core::invalid("status", "status must be open or handled");
  auto paths = who.scope_paths(Permission::read_health);
  if (paths.empty()) return core::forbidden("your roles do not allow reading health alerts");
  auto conn = db_.acquire();
  std::optional<std::string> under;
  if (area_id) {
    auto path = people::PeopleStore::area_path(*conn, *area_id);
    if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
    if (!who.covers(Permission::read_health, *path)) return core::forbidden("this area is outside your scope");
    under = *path;
  }
  auto rows = HealthStore::list_alerts(*conn, paths, under, status, std::nullopt, before_id, limit);
  core::Page<Alert> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = std::to_string(rows.back().id);
  }
  audit::record(*conn, who, clock_.now(), "read_health", "health_alert", std::nullopt, area_id,
                fmt::format("{} alerts", rows.size()));
  page.items = std::move(rows);
  return page;
}

core::Result<Alert> HealthService::update_alert(const core::Principal& who, std::int64_t id, const AlertPatch& patch) {
  if (patch.status && *patch.status != "open" && *patch.status != "handled") {
    return core::invalid("status", "status must be open or handled");
  }
  if (patch.note && core::utf8_length(*patch.note) > 500) return core::invalid("note", "note is longer than 500 characters");
  auto conn = db_.acquire();
  auto a = HealthStore::get_alert(*conn, id);
  if (!a) return core::not_found(fmt::format("no alert {}", id));
  auto path = people::PeopleStore::area_path(*conn, a->area_id);
  if (!path || !who.covers(Permission::write_health, *path)) return core::forbidden("you may not handle this alert");
  const auto now = clock_.now();
  if (patch.note) a->note = *patch.note;
  if (patch.status && *patch.status != a->status) {
    a->status = *patch.status;
    if (a->status == "handled") {
      a->handled_by = who.user_id;
      a->handled_at = now;
    } else {
      a->handled_by.reset();
      a->handled_at.reset();
    }
  }
  HealthStore::update_alert(*conn, *a);
  audit::record(*conn, who, now, "update", "health_alert", id, a->area_id, a->status);
  return *a;
}

std::int64_t HealthService::flag_missing_reports() {
  const auto now = clock_.now();
  const auto day = today();
  auto conn = db_.acquire();
  std::int64_t flagged = 0;
  auto grids = HealthStore::grid_counts(*conn, "/", day, status_moment(day));
  std::map<std::int64_t, std::string> paths;
  for (const auto& g : grids) {
    if (!should_flag(g.expected, g.reported, options_.flag_below_percent)) continue;
    MissedFlag f;
    f.area_id = g.area_id;
    f.date = day;
    f.expected = g.expected;
    f.missing = g.expected - g.reported;
    f.created_at = now;
    if (!HealthStore::insert_flag(*conn, f)) continue;
    ++flagged;
    if (hub_) {
      auto path = people::PeopleStore::area_path(*conn, g.area_id).value_or("");
      hub_->publish("health", "missed_reports",
                    fmt::format(R"({{"area_id":{},"date":"{}","missing":{},"expected":{},"path":"{}"}})", g.area_id,
                                day, f.missing, f.expected, path));
    }
  }
  if (flagged) spdlog::info("flagged {} grids with missing health reports for {}", flagged, day);
  return flagged;
}

void HealthService::start_scheduler(std::chrono::milliseconds tick) {
  // Once per local day, after the deadline hour; a failed run is tried again next tick.
  scheduler_.start("missed-report flags", tick, [this, done_for = std::string()]() mutable {
    const auto now = clock_.now();
    const auto local_hour = (now - day_start(now)) / (60 * kMinute);
    const auto day = today();
    if (local_hour < options_.deadline_hour || done_for == day) return;
    flag_missing_reports();
    done_for = day;
  });
}

void HealthService::stop_scheduler() { scheduler_.stop(); }

// ---- tracing ----

core::Result<TracingRun> HealthService::start_tracing(const core::Principal& who, const TracingRequest& req) {
  auto onset = core::parse_date(req.onset_date);
  if (!onset || req.onset_date.size() != 10) return core::invalid("onset_date", "onset_date must be a date YYYY-MM-DD");
  const auto& r = req.rules;
  if (r.window_days_before < 0 || r.window_days_before > 21) return core::invalid("window_days_before", "window_days_before must be 0..21");
  if (r.min_overlap_minutes < 1 || r.min_overlap_minutes > 240) return core::invalid("min_overlap_minutes", "min_overlap_minutes must be 1..240");
  if (r.default_stay_minutes < 1 || r.default_stay_minutes > 720) return core::invalid("default_stay_minutes", "default_stay_minutes must be 1..720");
  if (r.max_stay_hours < 1 || r.max_stay_hours > 48) return core::invalid("max_stay_hours", "max_stay_hours must be 1..48");
  std::vector<std::string> kinds;
  if (req.place_kinds) {
    // Place kinds are validated by the movement module's list; keep the known ones.
    static const std::vector<std::string_view> known = {"checkpoint", "shop",   "market",    "clinic", "pharmacy",
                                                        "office",     "school", "transport", "other"};
    for (const auto& k : *req.place_kinds) {
      if (!contains(known, k)) return core::invalid("place_kinds", fmt::format("unknown place kind '{}'", k));
      if (!contains(kinds, k)) kinds.push_back(k);
    }
    if (kinds.empty()) return core::invalid("place_kinds", "place_kinds needs at least one kind");
  } else {
    kinds = {"shop", "market", "clinic", "pharmacy", "office", "school", "transport", "other"};
  }
  if (onset->days_since_epoch() > core::date_of(clock_.now() + options_.utc_offset_minutes * kMinute).days_since_epoch()) {
    return core::invalid("onset_date", "onset_date is in the future");
  }
  auto conn = db_.acquire();
  auto person = HealthStore::person(*conn, req.person_id);
  if (!person) return core::invalid("person_id", fmt::format("no resident {}", req.person_id));
  if (!who.covers(Permission::trace_contacts, person->path)) {
    return core::forbidden("you may not trace contacts of this resident");
  }
  TracingRules rules = r;
  rules.utc_offset_minutes = options_.utc_offset_minutes;
  SqlMovementSource source(*conn, kinds);
  auto result = trace(source, req.person_id, *onset, rules);

  // Where each contact belongs: residents their home grid; visitors the grid
  // of the place where they were first exposed.
  std::vector<std::int64_t> residents, places;
  for (const auto& c : result.contacts) {
    if (c.subject > 0) residents.push_back(c.subject);
    else if (!c.evidence.empty()) places.push_back(c.evidence.front().place_id);
  }
  std::map<Subject, std::optional<std::int64_t>> areas;
  {
    auto home = HealthStore::home_areas(*conn, residents);
    auto place_area = HealthStore::place_areas(*conn, places);
    for (const auto& c : result.contacts) {
      if (c.subject > 0) {
        if (auto it = home.find(c.subject); it != home.end()) areas[c.subject] = it->second;
      } else if (!c.evidence.empty()) {
        if (auto it = place_area.find(c.evidence.front().place_id); it != place_area.end()) areas[c.subject] = it->second;
      }
    }
  }
  TracingRun run;
  run.person_id = req.person_id;
  run.area_id = person->area_id;
  run.onset_date = onset->to_string();
  run.rules = rules;
  run.place_kinds = kinds;
  run.window_start = result.window_start;
  run.window_end = result.window_end;
  run.created_at = clock_.now();
  run.created_by = who.user_id;
  std::int64_t id = db::in_transaction(*conn, db::TxMode::write, [&] {
    auto id = HealthStore::insert_run(*conn, run, result.case_stays);
    HealthStore::insert_contacts(*conn, id, result.contacts, areas);
    audit::record(*conn, who, run.created_at, "create", "tracing_run", id, person->area_id,
                  fmt::format("person={} onset={} contacts={}", req.person_id, run.onset_date, result.contacts.size()));
    return id;
  });
  return load_run(*conn, who, id, false);
}

core::Result<TracingRun> HealthService::load_run(db::Connection& conn, const core::Principal& who, std::int64_t id,
                                                 bool audit) {
  auto run = HealthStore::get_run(conn, id);
  if (!run) return core::not_found(fmt::format("no tracing run {}", id));
  auto paths = who.scope_paths(Permission::read_health);
  if (paths.empty()) return core::forbidden("your roles do not allow reading tracing runs");
  auto visible = [&](const std::string& path) {
    if (path.empty()) return false;
    return who.covers(Permission::read_health, path);
  };
  auto case_path = people::PeopleStore::area_path(conn, run->area_id).value_or("");
  const bool sees_case = visible(case_path);
  std::vector<std::int64_t> place_ids;
  for (auto& c : HealthStore::run_contacts(conn, id)) {
    // Visitors belong to the grid where they were exposed; people without a
    // stored area to the case's grid.
    bool ok = c.path.empty() ? sees_case : visible(c.path);
    if (!ok) continue;
    if (c.view.degree == "close") ++run->close;
    else if (c.view.degree == "secondary") ++run->secondary;
    else ++run->general;
    for (const auto& e : c.view.evidence) place_ids.push_back(e.place_id);
    run->contacts.push_back(std::move(c.view));
  }
  if (!sees_case && run->contacts.empty()) return core::forbidden("this tracing run is outside your scope");
  if (!sees_case) run->case_stays.clear();  // where the case went is not theirs to see
  for (const auto& s : run->case_stays) place_ids.push_back(s.place_id);
  std::sort(place_ids.begin(), place_ids.end());
  place_ids.erase(std::unique(place_ids.begin(), place_ids.end()), place_ids.end());
  auto names = HealthStore::place_names(conn, place_ids);
  for (auto& s : run->case_stays) s.place_name = names[s.place_id];
  for (auto& c : run->contacts) {
    for (auto& e : c.evidence) e.place_name = names[e.place_id];
  }
  if (audit) {
    audit::record(conn, who, clock_.now(), "read_health", "tracing_run", id, run->area_id,
                  fmt::format("{} contacts", run->contacts.size()));
  }
  return *run;
}

core::Result<TracingRun> HealthService::get_run(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  return load_run(*conn, who, id, true);
}

core::Result<core::Page<TracingRun>> HealthService::list_runs(const core::Principal& who,
                                                              std::optional<std::int64_t> person_id,
                                                              std::optional<std::int64_t> before_id, int limit) {
  auto paths = who.scope_paths(Permission::read_health);
  if (paths.empty()) return core::forbidden("your roles do not allow reading tracing runs");
  auto conn = db_.acquire();
  auto rows = HealthStore::list_runs(*conn, paths, person_id, before_id, limit);
  core::Page<TracingRun> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = std::to_string(rows.back().id);
  }
  // Counts as the viewer sees them (the rule of load_run: a contact by its
  // area, one without an area by the case's), for the whole page at once.
  std::vector<std::int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  std::map<std::int64_t, TracingRun*> by_id;
  for (auto& r : rows) by_id[r.id] = &r;
  for (const auto& c : HealthStore::contact_counts(*conn, ids)) {
    const auto& path = c.path.empty() ? c.case_path : c.path;
    if (path.empty() || !who.covers(Permission::read_health, path)) continue;
    auto* run = by_id[c.run_id];
    if (c.degree == "close") run->close += c.contacts;
    else if (c.degree == "secondary") run->secondary += c.contacts;
    else run->general += c.contacts;
  }
  audit::record(*conn, who, clock_.now(), "read_health", "tracing_run", std::nullopt, std::nullopt,
                fmt::format("{} runs", rows.size()));
  page.items = std::move(rows);
  return page;
}

core::Result<std::string> HealthService::run_csv(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto run = load_run(*conn, who, id, true);
  if (!run) return std::unexpected(run.error());
  std::string out = "\xEF\xBB\xBF";
  out += core::csv_line({"run_id", "case_person_id", "person_id", "visitor_id", "name", "area_id", "degree", "relation",
                         "via_person_id", "status", "place_id", "place_name", "start", "end", "minutes"});
  auto opt = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string(); };
  for (const auto& c : run->contacts) {
    std::vector<std::string> base = {std::to_string(run->id), std::to_string(run->person_id), opt(c.person_id),
                                     opt(c.visitor_id),        c.name,                          opt(c.area_id),
                                     c.degree,                 c.relation,                      opt(c.via_person_id),
                                     c.status};
    if (c.evidence.empty()) {
      auto row = base;
      row.insert(row.end(), {"", "", "", "", ""});
      out += core::csv_line(row);
    }
    for (const auto& e : c.evidence) {
      auto row = base;
      row.insert(row.end(), {std::to_string(e.place_id), e.place_name, core::format_iso8601(e.start),
                             core::format_iso8601(e.end), fmt::format("{:.1f}", e.minutes)});
      out += core::csv_line(row);
    }
  }
  return out;
}

core::Result<FollowUpResult> HealthService::follow_up(const core::Principal& who, std::int64_t run_id,
                                                      const FollowUpInput& in) {
  if (in.person_ids.empty()) return core::invalid("person_ids", "choose at least one contact");
  if (in.person_ids.size() > 5000) return core::invalid("person_ids", "at most 5000 contacts at a time");
  if (in.status != "observation" && in.status != "home_quarantine" && in.status != "centralized_isolation") {
    return core::invalid("status", "status must be observation, home_quarantine or centralized_isolation");
  }
  auto conn = db_.acquire();
  auto run = load_run(*conn, who, run_id, false);
  if (!run) return std::unexpected(run.error());
  std::map<std::int64_t, const RunContact*> listed;
  for (const auto& c : run->contacts) {
    if (c.person_id) listed[*c.person_id] = &c;
  }
  FollowUpResult out;
  for (auto id : in.person_ids) {
    auto it = listed.find(id);
    if (it == listed.end()) {
      out.skipped.push_back({id, "not a contact of this run that you can see"});
      continue;
    }
    StatusInput s;
    s.status = in.status;
    s.reason = in.reason.empty() ? fmt::format("{} contact of tracing run {} (case {})", it->second->degree, run_id,
                                               run->person_id)
                                 : in.reason;
    s.run_id = run_id;
    auto st = set_status(who, id, s);
    if (!st) {
      out.skipped.push_back({id, st.error().message});
      continue;
    }
    out.updated.push_back(id);
  }
  return out;
}

}  // namespace firstline::health
