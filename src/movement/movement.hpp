// Checkpoints, places and the movement of people between them (MISSION.md §2):
// places with a printable QR code, entry/exit scans ingested singly or in
// batches (idempotent by client event id), occupancy, flows between grids,
// areas marked risky and the arrival-screening queue of grid workers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace firstline::movement {

/// Kinds of place; checkpoints are the gates ("bayonets") of a community.
const std::vector<std::string_view>& place_kinds();

struct Place {
  std::int64_t id = 0;
  std::int64_t area_id = 0;  // the grid it stands in
  std::string name;
  std::string kind = "checkpoint";
  std::string code;  // printed on the poster and encoded in its QR URL
  std::optional<std::string> address, opening_hours;
  std::optional<std::int64_t> capacity;
  std::optional<double> latitude, longitude;
  std::vector<std::int64_t> staff_user_ids;  // staff on duty
  core::Millis created_at = 0, updated_at = 0;
};

struct PlacePatch {
  std::optional<std::string> name, kind;
  std::optional<std::optional<std::string>> address, opening_hours;
  std::optional<std::optional<std::int64_t>> capacity;
  std::optional<std::optional<double>> latitude, longitude;
  std::optional<std::vector<std::int64_t>> staff_user_ids;
};

struct PlaceQuery {
  std::optional<std::int64_t> area_id;  // subtree
  std::optional<std::string> kind;
  std::optional<std::string> q;
  std::optional<std::int64_t> after_id;
  int limit = 50;
};

enum class Direction { in = 1, out = 0 };

/// A visitor without a resident record (or without a phone app: recorded by staff).
struct VisitorInput {
  std::string name;
  std::optional<std::string> phone;
  std::string document_type = "resident_id";
  std::optional<std::string> id_number;
};

struct ScanInput {
  std::string client_event_id;
  std::optional<std::int64_t> person_id;  // a resident
  std::optional<VisitorInput> visitor;    // or a visitor
  std::int64_t place_id = 0;
  core::Millis ts = 0;
  Direction direction = Direction::in;
  std::optional<double> temperature;
  std::optional<std::string> came_from;  // declared recent stay: a GB/T 2260 code
};

struct Rejection {
  std::size_t index = 0;
  std::string code;  // invalid, not_found, forbidden
  std::string message;
  std::string field;
};

struct IngestResult {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::vector<Rejection> rejected;
};

struct Scan {
  std::int64_t id = 0;
  std::string client_event_id;
  std::int64_t place_id = 0;
  std::optional<std::int64_t> person_id, visitor_id;
  core::Millis ts = 0;
  Direction direction = Direction::in;
  std::optional<double> temperature;
  std::int64_t place_area_id = 0;
  std::optional<std::int64_t> home_area_id;
  std::string source;
  // Filled when listing (personal data, shown only to those who may see scans).
  std::optional<std::string> person_name, visitor_name, visitor_phone;
};

struct ScanQuery {
  std::optional<std::int64_t> place_id, person_id;
  std::optional<core::Millis> since, until;
  std::optional<std::int64_t> after_id;
  int limit = 100;
};

struct Occupancy {
  std::int64_t inside = 0;
  std::int64_t in_today = 0;
  std::int64_t out_today = 0;
};

/// People whose home grid differs from the grid of the place they scanned at.
struct Flow {
  std::int64_t from_area_id = 0;
  std::int64_t to_area_id = 0;
  std::int64_t people = 0;
  std::int64_t scans = 0;
};

struct FlowQuery {
  std::optional<std::int64_t> area_id;  // flows touching this subtree (either end)
  core::Millis since = 0, until = 0;
  std::string level = "grid";  // grid or community
};

struct RiskArea {
  std::int64_t id = 0;
  std::string code;  // a GB/T 2260 code (6 digits, outside the district) or an area code inside it
  std::string name;
  core::Millis starts_at = 0;
  std::optional<core::Millis> ends_at;
  std::optional<std::string> reason;
  core::Millis created_at = 0;
};

struct ScreeningItem {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::string person_name;
  std::int64_t area_id = 0;  // the person's home grid
  std::optional<std::int64_t> risk_area_id;
  std::string reason;
  std::optional<std::int64_t> scan_id;
  std::string status = "open";  // open, verified, closed
  std::optional<std::string> follow_up;  // none, home_observation, health_monitoring, testing, quarantine
  std::optional<std::string> note;
  core::Millis created_at = 0, updated_at = 0;
  std::optional<core::Millis> closed_at;
};

struct ScreeningPatch {
  std::optional<std::string> status, follow_up;
  std::optional<std::string> note;
};

/// A resident's personal pass: a signed token that staff scan to record the
/// resident's entries and exits (people without phones show it printed).
struct Pass {
  std::string token;       // base64url, self-contained: resident id, expiry, HMAC-SHA256
  core::Millis expires_at = 0;
  std::string url;         // public_url + "/pass/" + token, what the QR code holds
};

/// Who a valid pass belongs to, for staff about to record a scan.
struct PassHolder {
  std::int64_t person_id = 0;
  std::string name;
  std::int64_t area_id = 0;  // home grid
  core::Millis expires_at = 0;
};

}  // namespace firstline::movement
