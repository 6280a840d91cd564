#include "warnings/warning_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <random>
#include <set>
#include <stdexcept>

#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/text.hpp"
#include "warnings/cap_document.hpp"
#include "warnings/warning_store.hpp"

namespace firstline::warnings {

using core::Permission;

namespace {

constexpr core::Millis kMinute = 60 * 1000;
constexpr std::string_view kSystem = "system";

template <class T>
bool contains(const std::vector<T>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Text that XML 1.0 can carry: valid UTF-8 without control characters
// (tab, line feed and carriage return aside) and without U+FFFE / U+FFFF.
bool xml_safe(std::string_view s) {
  if (!core::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
      return false;
    }
  }
  return true;
}

// Sender and identifier parts: CAP forbids spaces, commas, '<' and '&'.
bool cap_token(std::string_view s) {
  if (s.empty()) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == ',' || c == '<' || c == '&' || static_cast<unsigned char>(c) < 0x21;
  });
}

core::Status check_text(std::string_view field, const std::string& value, bool required, std::size_t max_length) {
  const std::string f(field);
  if (required && core::trim(value).empty()) return core::invalid(f, f + " is required");
  if (!xml_safe(value)) return core::invalid(f, f + " contains characters that cannot be sent (control characters)");
  if (core::utf8_length(value) > max_length) {
    return core::invalid(f, fmt::format("{} is longer than {} characters", f, max_length));
  }
  return {};
}

// Ids of the areas on a materialized path ("/1/4/17/" → 1, 4, 17).
std::vector<std::int64_t> path_ids(std::string_view path) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      std::int64_t v = 0;
      std::from_chars(path.data() + start, path.data() + end, v);
      if (v > 0) out.push_back(v);
    }
    start = end + 1;
  }
  return out;
}

std::string past_tense(Step s) {
  switch (s) {
    case Step::acknowledge:
      return "acknowledged";
    case Step::handle:
      return "handled";
    case Step::close:
      return "closed";
    case Step::release:
      return "released";
    case Step::cancel:
      return "cancelled";
  }
  return "";
}

// The name of the unit that issues: the area of the caller's closest grant
// covering the warning's area with issue_warnings (a global admin: the area itself).
std::string issuing_unit(db::Connection& conn, const core::Principal* who, const areas::Area& area) {
  if (!who) return area.name;
  const core::Grant* best = nullptr;
  for (const auto& g : who->grants) {
    if (!core::role_allows(g.role, Permission::issue_warnings) || g.area_path.empty() || !g.area_id) continue;
    if (area.path.compare(0, g.area_path.size(), g.area_path) != 0) continue;
    if (!best || g.area_path.size() > best->area_path.size()) best = &g;
  }
  if (!best) return area.name;
  auto unit = areas::AreaStore::get(conn, *best->area_id);
  return unit ? unit->name : area.name;
}

}  // namespace

bool may_read(const core::Principal& who, std::string_view area_path) {
  if (area_path.empty()) return false;
  if (who.covers(Permission::read_areas, area_path)) return true;
  for (const auto& g : who.grants) {
    if (!core::role_allows(g.role, Permission::read_areas) || g.area_path.empty()) continue;
    if (g.area_path.size() > area_path.size() && g.area_path.compare(0, area_path.size(), area_path) == 0) return true;
  }
  return false;
}

bool event_visible(const core::Principal& who, const std::string& data) {
  boost::system::error_code ec;
  auto v = boost::json::parse(data, ec);
  if (ec || !v.is_object()) return false;
  const auto* path = v.as_object().if_contains("path");
  if (!path || !path->is_string()) return false;
  return may_read(who, std::string_view(path->get_string()));
}

WarningService::WarningService(db::Database& db, const core::Clock& clock, WarningOptions options, core::EventHub* hub)
    : db_(db), clock_(clock), options_(std::move(options)), hub_(hub) {
  if (!options_.sender.empty() && !cap_token(options_.sender)) {
    throw std::runtime_error("the CAP sender may not contain spaces, commas, '<' or '&': " + options_.sender);
  }
  if (!options_.node_id.empty() && !cap_token(options_.node_id)) {
    throw std::runtime_error("the warning node id may not contain spaces, commas, '<' or '&': " + options_.node_id);
  }
  while (!options_.public_url.empty() && options_.public_url.back() == '/') options_.public_url.pop_back();
}

WarningService::~WarningService() { stop_scheduler(); }

int WarningService::default_ack_minutes(std::string_view level) const {
  if (level == "red") return options_.red_ack_minutes;
  if (level == "orange") return options_.orange_ack_minutes;
  if (level == "yellow") return options_.yellow_ack_minutes;
  return options_.blue_ack_minutes;
}

std::string WarningService::identifier_prefix(db::Connection& conn) {
  std::lock_guard lock(node_mutex_);
  if (node_id_.empty()) {
    if (!options_.node_id.empty()) {
      node_id_ = options_.node_id;
    } else {
      // Random once per database, then shared by every node through settings.
      std::random_device rd;
      const auto candidate = fmt::format("{:08x}", static_cast<std::uint32_t>(rd()));
      node_id_ = WarningStore::node_id(conn, candidate);
    }
  }
  return "firstline-" + node_id_ + "-";
}

std::string WarningService::sender(db::Connection& conn) {
  if (!options_.sender.empty()) return options_.sender;
  identifier_prefix(conn);
  std::lock_guard lock(node_mutex_);
  return "firstline@" + node_id_;
}

void WarningService::publish(const Warning& w, std::string_view action) {
  if (!hub_) return;
  boost::json::object o{{"id", w.id},
                        {"action", action},
                        {"status", w.status},
                        {"level", w.level},
                        {"exercise", w.exercise},
                        {"area_id", w.area_id},
                        {"current_area_id", w.current_area_id},
                        {"path", w.area_path}};
  hub_->publish("warnings", "warning", boost::json::serialize(o));
}

Warning WarningService::load(db::Connection& conn, std::int64_t id, bool with_history) {
  auto w = WarningStore::get(conn, id);
  if (!w) throw std::runtime_error(fmt::format("warning {} vanished", id));
  if (with_history) w->history = WarningStore::history(conn, id);
  return *w;
}

core::Result<Warning> WarningService::insert(db::Connection& conn, const NewWarning& in, const core::Principal* who,
                                             std::vector<std::string> reasons) {
  const bool manual = who != nullptr;
  if (!contains(levels(), in.level)) return core::invalid("level", "level must be blue, yellow, orange or red");
  if (auto st = check_text("event", in.event, true, 100); !st) return std::unexpected(st.error());
  if (auto st = check_text("headline", in.headline, true, 160); !st) return std::unexpected(st.error());
  if (auto st = check_text("description", in.description, true, 4000); !st) return std::unexpected(st.error());
  if (auto st = check_text("instruction", in.instruction, manual, 2000); !st) return std::unexpected(st.error());
  for (const auto& r : reasons) {
    if (auto st = check_text("reasons", r, true, 500); !st) return std::unexpected(st.error());
  }
  const std::string category = in.category.value_or("Health");
  if (!contains(cap_categories(), category)) {
    return core::invalid("category",
                         "category must be a CAP category: Geo, Met, Safety, Security, Rescue, Fire, "
                         "Health, Env, Transport, Infra, CBRNE or Other");
  }
  const int ack = in.ack_minutes.value_or(default_ack_minutes(in.level));
  if (ack < 1 || ack > options_.max_ack_minutes) {
    return core::invalid("ack_minutes", fmt::format("ack_minutes must be 1..{}", options_.max_ack_minutes));
  }
  const auto now = clock_.now();
  if (in.expires_at && *in.expires_at <= now) return core::invalid("expires_at", "expires_at must lie in the future");

  auto area = areas::AreaStore::get(conn, in.area_id);
  if (!area) return core::invalid("area_id", fmt::format("no area {}", in.area_id));
  if (who && !who->covers(Permission::issue_warnings, area->path)) {
    return core::forbidden("you may not issue warnings on this area");
  }

  Warning w;
  w.area_id = area->id;
  w.current_area_id = area->id;
  w.level = in.level;
  w.category = category;
  w.event = std::string(core::trim(in.event));
  w.headline = std::string(core::trim(in.headline));
  w.description = std::string(core::trim(in.description));
  w.instruction = std::string(core::trim(in.instruction));
  w.exercise = in.exercise;
  w.status = in.propose ? "proposed" : "issued";
  w.source = manual ? "manual" : "engine";
  w.reasons = std::move(reasons);
  w.sender = sender(conn);
  w.sender_name = issuing_unit(conn, who, *area);
  w.ack_minutes = ack;
  w.created_at = now;
  if (who) w.created_by = who->user_id;
  w.expires_at = in.expires_at;
  if (!in.propose) {
    w.sent_at = now;
    w.sent_by = w.created_by;
    w.ack_due_at = now + ack * kMinute;
    if (area->parent_id) w.escalate_at = w.ack_due_at;
  }
  const auto prefix = identifier_prefix(conn);
  const auto id = db::in_transaction(conn, db::TxMode::write, [&] {
    const auto id = WarningStore::insert(conn, w, prefix);
    WarningEvent e;
    e.action = w.status;  // proposed | issued
    e.at = now;
    e.by = w.created_by;
    e.area_id = w.area_id;
    WarningStore::add_event(conn, id, e);
    const auto detail = fmt::format("level={} status={}{}", w.level, w.status, w.exercise ? " exercise" : "");
    if (who) {
      audit::record(conn, *who, now, "create", "warning", id, w.area_id, detail);
    } else {
      audit::record(conn, audit::AuditEntry{0, now, std::nullopt, std::string(kSystem), "create", "warning", id,
                                            w.area_id, detail + " source=engine"});
    }
    return id;
  });
  auto stored = load(conn, id, true);
  publish(stored, stored.status);
  return stored;
}

core::Result<Warning> WarningService::create(const core::Principal& who, const NewWarning& in) {
  if (!who.has(Permission::issue_warnings)) return core::forbidden("your roles do not allow issuing warnings");
  auto conn = db_.acquire();
  return insert(*conn, in, &who, {});
}

core::Result<Warning> WarningService::propose(std::int64_t area_id, std::string level, std::string event,
                                              std::string headline, std::string description,
                                              std::vector<std::string> reasons) {
  auto conn = db_.acquire();
  if (auto pending = WarningStore::pending_proposal(*conn, area_id, level)) {
    auto before = load(*conn, *pending, false);
    for (const auto& r : reasons) {
      if (auto st = check_text("reasons", r, true, 500); !st) return std::unexpected(st.error());
    }
    auto after = before;
    after.reasons = std::move(reasons);
    after.updated_at = clock_.now();
    db::in_transaction(*conn, db::TxMode::write, [&] { WarningStore::update(*conn, before, after); });
    return load(*conn, before.id, true);
  }
  NewWarning in;
  in.area_id = area_id;
  in.level = std::move(level);
  in.event = std::move(event);
  in.headline = std::move(headline);
  in.description = std::move(description);
  in.propose = true;
  return insert(*conn, in, nullptr, std::move(reasons));
}

core::Result<core::Page<Warning>> WarningService::list(const core::Principal& who, const WarningQuery& q) {
  WarningStore::Filter f;
  f.scope_paths = who.scope_paths(Permission::read_areas);
  if (f.scope_paths.empty()) return core::forbidden("your roles do not allow reading warnings");
  if (!contains(f.scope_paths, "")) {
    std::set<std::int64_t> above;
    for (const auto& g : who.grants) {
      if (!core::role_allows(g.role, Permission::read_areas) || g.area_path.empty()) continue;
      auto ids = path_ids(g.area_path);
      if (!ids.empty()) ids.pop_back();  // the grant's own area is in its subtree
      above.insert(ids.begin(), ids.end());
    }
    f.ancestor_ids.assign(above.begin(), above.end());
  }
  if (q.status) {
    if (*q.status == "current") {
      f.statuses = {"issued", "acknowledged", "handled"};
    } else if (contains(statuses(), *q.status)) {
      f.statuses = {*q.status};
    } else {
      return core::invalid("status",
                           "status must be proposed, issued, acknowledged, handled, closed, cancelled, "
                           "rejected or current");
    }
  }
  if (q.level) {
    if (!contains(levels(), *q.level)) return core::invalid("level", "level must be blue, yellow, orange or red");
    f.level = *q.level;
  }
  f.before_id = q.before_id;
  f.limit = q.limit;
  auto conn = db_.acquire();
  if (q.area_id) {
    auto area = areas::AreaStore::get(*conn, *q.area_id);
    if (!area) return core::invalid("area_id", fmt::format("no area {}", *q.area_id));
    if (!may_read(who, area->path)) return core::forbidden("this area is outside your scope");
    f.under_path = area->path;
  }
  auto rows = WarningStore::list(*conn, f);
  core::Page<Warning> page;
  if (static_cast<int>(rows.size()) > q.limit) {
    rows.resize(static_cast<std::size_t>(q.limit));
    page.next = std::to_string(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

core::Result<Warning> WarningService::get(const core::Principal& who, std::int64_t id) {
  auto conn = db_.acquire();
  auto w = WarningStore::get(*conn, id);
  if (!w) return core::not_found(fmt::format("no warning {}", id));
  if (!may_read(who, w->area_path)) return core::forbidden("this warning is outside your scope");
  w->history = WarningStore::history(*conn, id);
  return *w;
}

core::Result<Warning> WarningService::step(const core::Principal& who, std::int64_t id, Step step,
                                           std::optional<std::string> note) {
  if (note) {
    if (auto st = check_text("note", *note, false, 500); !st) return std::unexpected(st.error());
    note = std::string(core::trim(*note));
    if (note->empty()) note.reset();
  }
  auto conn = db_.acquire();
  auto found = WarningStore::get(*conn, id);
  if (!found) return core::not_found(fmt::format("no warning {}", id));
  const Warning before = *found;
  if (!may_read(who, before.area_path)) return core::forbidden("this warning is outside your scope");
  const bool responding = step == Step::acknowledge || step == Step::handle;
  if (responding) {
    if (!who.covers(Permission::respond_warnings, before.current_area_path)) {
      return core::forbidden(fmt::format("you may not {} this warning: it waits at {} (area {})", step_key(step),
                                         before.current_area_name, before.current_area_id));
    }
  } else if (!who.covers(Permission::issue_warnings, before.area_path)) {
    return core::forbidden(fmt::format("you may not {} warnings on this area", step_key(step)));
  }

  const auto now = clock_.now();
  Warning after = before;
  after.updated_at = now;
  std::string action = past_tense(step);
  auto wrong_step = [&] {
    return core::conflict(fmt::format("a warning that is {} cannot be {}", before.status, past_tense(step)), "status");
  };
  switch (step) {
    case Step::acknowledge:
      if (before.status != "issued") return wrong_step();
      after.status = "acknowledged";
      after.acknowledged_at = now;
      after.acknowledged_by = who.user_id;
      after.escalate_at.reset();
      break;
    case Step::handle:
      if (before.status != "acknowledged") return wrong_step();
      after.status = "handled";
      after.handled_at = now;
      after.handled_by = who.user_id;
      break;
    case Step::close:
      if (before.status != "handled") return wrong_step();
      after.status = "closed";
      after.closed_at = now;
      after.closed_by = who.user_id;
      after.escalate_at.reset();
      break;
    case Step::release: {
      if (before.status != "proposed") return wrong_step();
      if (before.expires_at && *before.expires_at <= now) {
        return core::conflict("this proposal has expired; cancel it and issue a new warning", "expires_at");
      }
      auto area = areas::AreaStore::get(*conn, before.area_id);
      after.status = "issued";
      after.sent_at = now;
      after.sent_by = who.user_id;
      after.ack_due_at = now + before.ack_minutes * kMinute;
      if (area && area->parent_id) after.escalate_at = after.ack_due_at;
      if (area) after.sender_name = issuing_unit(*conn, &who, *area);
      break;
    }
    case Step::cancel:
      if (before.status == "proposed") {
        after.status = "rejected";
        action = "rejected";
      } else if (is_current(before.status)) {
        after.status = "cancelled";
      } else {
        return wrong_step();
      }
      after.cancelled_at = now;
      after.cancelled_by = who.user_id;
      after.escalate_at.reset();
      break;
  }
  const bool stored = db::in_transaction(*conn, db::TxMode::write, [&] {
    if (!WarningStore::update(*conn, before, after)) return false;
    WarningEvent e;
    e.action = action;
    e.at = now;
    e.by = who.user_id;
    e.note = note;
    e.area_id = before.current_area_id;
    WarningStore::add_event(*conn, id, e);
    audit::record(*conn, who, now, "update", "warning", id, before.area_id,
                  fmt::format("{} -> {}", before.status, after.status));
    return true;
  });
  if (!stored) return core::conflict("the warning changed meanwhile; reload it and try again");
  auto result = load(*conn, id, true);
  publish(result, action);
  return result;
}

core::Result<std::string> WarningService::cap_document(const core::Principal& who, std::int64_t id) {
  auto found = get(who, id);
  if (!found) return std::unexpected(found.error());
  const auto& w = *found;
  if (!cap_message_kind(w, options_.utc_offset_minutes)) {
    return core::conflict("a rejected proposal was never released and has no CAP document", "status");
  }
  auto conn = db_.acquire();
  CapContext c;
  c.utc_offset_minutes = options_.utc_offset_minutes;
  c.language = options_.language;
  for (auto area_id : path_ids(w.area_path)) {
    auto a = areas::AreaStore::get(*conn, area_id);
    if (!a) continue;
    if (!c.area_desc.empty()) c.area_desc += ' ';
    c.area_desc += a->name;
    if (a->id == w.area_id) {
      c.boundary = a->boundary;
      std::string contact = a->responsible.value_or("");
      if (a->phone) contact += (contact.empty() ? "" : " ") + *a->phone;
      if (!contact.empty()) c.contact = contact;
    }
  }
  if (w.status == "closed" || w.status == "cancelled") {
    for (auto it = w.history.rbegin(); it != w.history.rend(); ++it) {
      if (it->action == w.status) {
        c.end_note = it->note;
        break;
      }
    }
  }
  return write_cap(w, c);
}

core::Result<std::string> WarningService::feed(const core::Principal& who, int limit) {
  WarningQuery q;
  q.status = "current";
  q.limit = limit;
  // list() without expired ones: filter here, the page is small.
  auto page = list(who, q);
  if (!page) return std::unexpected(page.error());
  const auto now = clock_.now();
  FeedInfo info;
  info.id = options_.public_url + "/api/v1/warnings/feed";
  info.self_url = info.id;
  info.title = "firstline 预警 (warnings)";
  info.author = "firstline";
  info.utc_offset_minutes = options_.utc_offset_minutes;
  info.updated = 0;
  std::vector<FeedItem> items;
  for (auto& w : page->items) {
    if (w.expires_at && *w.expires_at <= now) continue;
    info.updated = std::max(info.updated, w.updated_at);
    auto url = fmt::format("{}/api/v1/warnings/{}/cap", options_.public_url, w.id);
    items.push_back(FeedItem{std::move(w), std::move(url)});
  }
  if (info.updated == 0) info.updated = now;
  return write_atom_feed(info, items);
}

std::int64_t WarningService::escalate_overdue() {
  const auto now = clock_.now();
  auto conn = db_.acquire();
  std::int64_t escalated = 0;
  for (const auto& before : WarningStore::due_for_escalation(*conn, now, 500)) {
    auto at = areas::AreaStore::get(*conn, before.current_area_id);
    Warning after = before;
    after.updated_at = now;
    if (!at || !at->parent_id) {  // nothing above: the deadline stays, no more escalation
      after.escalate_at.reset();
      db::in_transaction(*conn, db::TxMode::write, [&] { WarningStore::update(*conn, before, after); });
      continue;
    }
    auto parent = areas::AreaStore::get(*conn, *at->parent_id);
    if (!parent) continue;
    after.current_area_id = parent->id;
    after.escalations = before.escalations + 1;
    after.escalated_at = now;
    after.ack_due_at = now + before.ack_minutes * kMinute;
    if (parent->parent_id)
      after.escalate_at = after.ack_due_at;
    else
      after.escalate_at.reset();
    const bool stored = db::in_transaction(*conn, db::TxMode::write, [&] {
      if (!WarningStore::update(*conn, before, after)) return false;  // acknowledged meanwhile
      WarningEvent e;
      e.action = "escalated";
      e.at = now;
      e.area_id = before.current_area_id;
      e.escalated_to_area_id = parent->id;
      e.note = fmt::format("not acknowledged within {} minutes", before.ack_minutes);
      WarningStore::add_event(*conn, before.id, e);
      audit::record(
          *conn, audit::AuditEntry{0, now, std::nullopt, std::string(kSystem), "escalate", "warning", before.id,
                                   before.area_id, fmt::format("area {} -> {}", before.current_area_id, parent->id)});
      return true;
    });
    if (!stored) continue;
    ++escalated;
    publish(load(*conn, before.id, false), "escalated");
  }
  if (escalated) spdlog::info("escalated {} unacknowledged warnings", escalated);
  return escalated;
}

void WarningService::start_scheduler(std::chrono::milliseconds tick) {
  scheduler_.start("warning escalation", tick, [this] { escalate_overdue(); });
}

void WarningService::stop_scheduler() { scheduler_.stop(); }

}  // namespace firstline::warnings
