// Warnings: blue < yellow < orange < red, on an area of the tree, with the
// lifecycle proposed → issued → acknowledged → handled → closed (or cancelled;
// a proposal may be rejected), each step timed and attributed, and escalation
// up the tree when nobody acknowledges in time. docs/API.md ("Warnings and
// CAP 1.2") states the rules; cap_document.hpp writes CAP 1.2 and Atom.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace firstline::warnings {

/// blue, yellow, orange, red (lowest first).
const std::vector<std::string_view>& levels();
/// 1 (blue) .. 4 (red); 0 for an unknown level.
int level_rank(std::string_view level);
/// 红色预警 / 橙色预警 / 黄色预警 / 蓝色预警, for people and feeds.
std::string_view level_name_zh(std::string_view level);

/// proposed, issued, acknowledged, handled, closed, cancelled, rejected.
const std::vector<std::string_view>& statuses();
/// Statuses of a warning in force: issued, acknowledged, handled.
bool is_current(std::string_view status);

/// The CAP 1.2 categories (Geo, Met, Safety, ... Other).
const std::vector<std::string_view>& cap_categories();

/// How a level reads in CAP: urgency, severity and certainty.
struct CapGrade {
  std::string_view urgency, severity, certainty;
};
/// red → Immediate/Extreme/Observed, orange → Expected/Severe/Likely,
/// yellow → Expected/Moderate/Likely, blue → Future/Minor/Possible.
CapGrade cap_grade(std::string_view level);

/// One step in a warning's history.
struct WarningEvent {
  std::int64_t id = 0;
  // proposed, issued, released, acknowledged, handled, closed, cancelled, rejected or escalated
  std::string action;
  core::Millis at = 0;
  std::optional<std::int64_t> by;  // the user; absent for the system (engine, scheduler)
  std::string by_name;             // display name or username; "system" for the system
  std::optional<std::string> note;
  std::int64_t area_id = 0;                          // where the warning was when it happened
  std::optional<std::int64_t> escalated_to_area_id;  // escalations only
};

struct Warning {
  std::int64_t id = 0;
  std::string identifier;    // CAP identifier, "firstline-<node>-<id>"; stable
  std::int64_t area_id = 0;  // the area the warning is about
  std::string area_name, area_code, area_level, area_path;
  std::int64_t current_area_id = 0;  // where it waits: the area, or an ancestor after escalations
  std::string current_area_name, current_area_path;
  std::string level;
  std::string category = "Health";
  std::string event, headline, description, instruction;
  bool exercise = false;
  std::string status;
  std::string source = "manual";     // manual | engine
  std::vector<std::string> reasons;  // why the engine proposed it
  std::string sender, sender_name;
  int ack_minutes = 0;
  std::optional<core::Millis> ack_due_at;   // deadline of the pending acknowledgement
  std::optional<core::Millis> escalate_at;  // when the scheduler escalates next (null: never)
  int escalations = 0;
  std::optional<core::Millis> escalated_at;  // the latest escalation
  core::Millis created_at = 0;
  std::optional<std::int64_t> created_by;
  std::optional<core::Millis> sent_at;  // issued, or released from a proposal
  std::optional<std::int64_t> sent_by;
  std::optional<core::Millis> expires_at;
  std::optional<core::Millis> acknowledged_at, handled_at, closed_at, cancelled_at;
  std::optional<std::int64_t> acknowledged_by, handled_by, closed_by, cancelled_by;
  core::Millis updated_at = 0;
  std::vector<WarningEvent> history;  // oldest first; filled for single reads only
};

/// A warning as a person or the engine asks for it.
struct NewWarning {
  std::int64_t area_id = 0;
  std::string level;
  std::string event, headline, description, instruction;
  std::optional<std::string> category;  // default Health
  bool exercise = false;
  std::optional<int> ack_minutes;  // default by level (WarningOptions)
  std::optional<core::Millis> expires_at;
  bool propose = false;  // true: stays proposed until someone releases it
};

/// The lifecycle steps a person takes on a warning.
enum class Step { acknowledge, handle, close, release, cancel };
std::string_view step_key(Step step);

struct WarningQuery {
  std::optional<std::string> status;    // a status, or "current" (issued, acknowledged, handled)
  std::optional<std::int64_t> area_id;  // warnings on that area's subtree
  std::optional<std::string> level;
  std::optional<std::int64_t> before_id;  // cursor: warnings with a smaller id
  int limit = 50;
};

}  // namespace firstline::warnings
