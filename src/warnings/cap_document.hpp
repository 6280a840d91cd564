// Warnings as documents for other systems: a CAP 1.2 alert message (OASIS,
// urn:oasis:names:tc:emergency:cap:1.2) per warning and an Atom 1.0 feed of
// current warnings. Both are written with libxml2's xmlTextWriter, which
// escapes every piece of text; nothing here concatenates user text into
// markup. Pure functions of their input; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "warnings/warning.hpp"

namespace firstline::warnings {

inline constexpr std::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";
inline constexpr std::string_view kAtomNamespace = "http://www.w3.org/2005/Atom";

/// A CAP date-time: local time with a numeric offset and no fraction,
/// "2026-11-25T16:00:00+08:00"; UTC is written "-00:00" as CAP requires.
std::string cap_time(core::Millis t, int utc_offset_minutes);

/// The outer ring of each polygon of a GeoJSON Polygon or MultiPolygon (or a
/// Feature holding one) as a CAP polygon: "lat,lon" pairs separated by
/// spaces, the first pair repeated last. Empty when the text holds no
/// usable polygon (holes cannot be expressed in CAP and are left out).
std::vector<std::string> cap_polygons(std::string_view geojson);

/// What the CAP message needs beyond the warning itself.
struct CapContext {
  int utc_offset_minutes = 480;
  std::string language = "zh-CN";
  std::string area_desc;                // the area's names from the district down
  std::optional<std::string> boundary;  // GeoJSON of the warning's area
  std::optional<std::string> contact;   // responsible person and phone of the area
  std::optional<std::string> web;       // where people read more (absolute URL)
  std::optional<std::string> end_note;  // the note of the closing or cancelling step
};

/// Which CAP message a warning is now: a proposal is a Draft Alert; an issued,
/// acknowledged or handled warning an Alert (Actual, or Exercise for drills);
/// a closed one an Update with responseType AllClear and a cancelled one a
/// Cancel, both referring to the original Alert. A rejected proposal has none.
struct CapMessageKind {
  std::string status;      // Actual | Exercise | Draft
  std::string msg_type;    // Alert | Update | Cancel
  std::string identifier;  // the warning's identifier; "-closed" / "-cancelled" appended for Update / Cancel
  core::Millis sent = 0;
  std::optional<std::string> references;  // "sender,identifier,sent" of the original Alert
};
/// nullopt for a rejected proposal.
std::optional<CapMessageKind> cap_message_kind(const Warning& w, int utc_offset_minutes);

/// The CAP 1.2 alert document (UTF-8 XML). Requires cap_message_kind(w) to
/// have a value; throws std::logic_error otherwise, std::runtime_error when
/// libxml2 fails.
std::string write_cap(const Warning& w, const CapContext& context);

struct FeedInfo {
  std::string id;  // IRI of the feed
  std::string title;
  std::string self_url;  // absolute URL of the feed
  std::string author;
  core::Millis updated = 0;
  int utc_offset_minutes = 480;
};

struct FeedItem {
  Warning warning;
  std::string cap_url;  // absolute URL of its CAP document
};

/// An Atom 1.0 feed, one entry per item, each linking to its CAP document
/// (rel="alternate", type="application/cap+xml").
std::string write_atom_feed(const FeedInfo& info, const std::vector<FeedItem>& items);

}  // namespace firstline::warnings
