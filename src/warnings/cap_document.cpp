#include "warnings/cap_document.hpp"

#include <fmt/format.h>
#include <libxml/xmlwriter.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace firstline::warnings {

namespace {

namespace json = boost::json;

constexpr core::Millis kMinute = 60 * 1000;
constexpr core::Millis kDay = 24 * 60 * kMinute;

const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// A document written through xmlTextWriter into memory. Every text and
// attribute value goes through libxml2's escaping.
class XmlWriter {
 public:
  XmlWriter() {
    static std::once_flag init;
    std::call_once(init, [] { xmlInitParser(); });
    buffer_ = xmlBufferCreate();
    if (!buffer_) throw std::runtime_error("libxml2: cannot allocate a buffer");
    writer_ = xmlNewTextWriterMemory(buffer_, 0);
    if (!writer_) {
      xmlBufferFree(buffer_);
      throw std::runtime_error("libxml2: cannot create a writer");
    }
    check(xmlTextWriterSetIndent(writer_, 1));
    check(xmlTextWriterSetIndentString(writer_, x("  ")));
    check(xmlTextWriterStartDocument(writer_, nullptr, "UTF-8", nullptr));
  }
  ~XmlWriter() {
    if (writer_) xmlFreeTextWriter(writer_);
    if (buffer_) xmlBufferFree(buffer_);
  }
  XmlWriter(const XmlWriter&) = delete;
  XmlWriter& operator=(const XmlWriter&) = delete;

  void start(const char* name) { check(xmlTextWriterStartElement(writer_, x(name))); }
  void attribute(const char* name, const std::string& value) {
    check(xmlTextWriterWriteAttribute(writer_, x(name), x(value.c_str())));
  }
  void end() { check(xmlTextWriterEndElement(writer_)); }
  void text(const std::string& text) { check(xmlTextWriterWriteString(writer_, x(text.c_str()))); }
  void element(const char* name, const std::string& text) {
    check(xmlTextWriterWriteElement(writer_, x(name), x(text.c_str())));
  }
  void element(const char* name, std::string_view text) { element(name, std::string(text)); }
  void element_if(const char* name, const std::string& text) {
    if (!text.empty()) element(name, text);
  }
  /// An element with only attributes (<link rel="..." href="..."/>).
  void empty(const char* name, std::initializer_list<std::pair<const char*, std::string>> attributes) {
    start(name);
    for (const auto& [k, v] : attributes) attribute(k, v);
    end();
  }
  std::string finish() {
    check(xmlTextWriterEndDocument(writer_));
    xmlFreeTextWriter(writer_);  // flushes into the buffer
    writer_ = nullptr;
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_)),
                       static_cast<std::size_t>(xmlBufferLength(buffer_)));
  }

 private:
  static void check(int rc) {
    if (rc < 0) throw std::runtime_error("libxml2: writing the document failed");
  }
  xmlBufferPtr buffer_ = nullptr;
  xmlTextWriterPtr writer_ = nullptr;
};

core::Millis floor_div(core::Millis a, core::Millis b) {
  core::Millis q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

// Decimal degrees with at most 7 places (about 1 cm), never in exponent form.
std::string coordinate(double v) {
  auto s = fmt::format("{:.7f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

// One ring as CAP text, closed; empty if it has fewer than 3 distinct positions.
std::string ring_text(const json::value& ring) {
  if (!ring.is_array()) return {};
  std::vector<std::pair<double, double>> points;  // (lat, lon)
  for (const auto& p : ring.as_array()) {
    if (!p.is_array() || p.as_array().size() < 2 || !p.as_array()[0].is_number() || !p.as_array()[1].is_number()) {
      return {};
    }
    const double lon = p.as_array()[0].to_number<double>();
    const double lat = p.as_array()[1].to_number<double>();
    points.emplace_back(lat, lon);
  }
  if (points.empty()) return {};
  if (points.front() != points.back()) points.push_back(points.front());
  if (points.size() < 4) return {};
  std::string out;
  for (const auto& [lat, lon] : points) {
    if (!out.empty()) out += ' ';
    out += coordinate(lat) + "," + coordinate(lon);
  }
  return out;
}

}  // namespace

std::string cap_time(core::Millis t, int utc_offset_minutes) {
  const core::Millis local = t + utc_offset_minutes * kMinute;
  const core::Millis day = floor_div(local, kDay);
  const core::Millis seconds = (local - day * kDay) / 1000;
  const auto date = core::Date::from_days(day);
  const int offset = std::abs(utc_offset_minutes);
  const char sign = utc_offset_minutes > 0 ? '+' : '-';  // UTC is "-00:00" in CAP
  return fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}", date.to_string(), seconds / 3600, seconds / 60 % 60,
                     seconds % 60, sign, offset / 60, offset % 60);
}

std::vector<std::string> cap_polygons(std::string_view geojson) {
  std::vector<std::string> out;
  json::error_code ec;
  auto v = json::parse(geojson, ec);
  if (ec || !v.is_object()) return out;
  const json::object* geom = &v.as_object();
  auto type_of = [](const json::object& o) -> std::string {
    auto it = o.find("type");
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
  };
  if (type_of(*geom) == "Feature") {
    auto it = geom->find("geometry");
    if (it == geom->end() || !it->value().is_object()) return out;
    geom = &it->value().as_object();
  }
  auto coords = geom->find("coordinates");
  if (coords == geom->end() || !coords->value().is_array()) return out;
  auto outer = [&](const json::value& polygon) {
    if (!polygon.is_array() || polygon.as_array().empty()) return;
    auto text = ring_text(polygon.as_array()[0]);
    if (!text.empty()) out.push_back(std::move(text));
  };
  const auto type = type_of(*geom);
  if (type == "Polygon") {
    outer(coords->value());
  } else if (type == "MultiPolygon") {
    for (const auto& polygon : coords->value().as_array()) outer(polygon);
  }
  return out;
}

std::optional<CapMessageKind> cap_message_kind(const Warning& w, int utc_offset_minutes) {
  CapMessageKind k;
  k.identifier = w.identifier;
  k.status = w.exercise ? "Exercise" : "Actual";
  k.msg_type = "Alert";
  if (w.status == "rejected") return std::nullopt;
  if (w.status == "proposed") {
    k.status = "Draft";
    k.sent = w.created_at;
    return k;
  }
  const core::Millis original = w.sent_at.value_or(w.created_at);
  k.sent = original;
  if (w.status == "closed" || w.status == "cancelled") {
    const bool closed = w.status == "closed";
    k.msg_type = closed ? "Update" : "Cancel";
    k.identifier = w.identifier + (closed ? "-closed" : "-cancelled");
    k.sent = (closed ? w.closed_at : w.cancelled_at).value_or(w.updated_at);
    k.references = w.sender + "," + w.identifier + "," + cap_time(original, utc_offset_minutes);
  }
  return k;
}

std::string write_cap(const Warning& w, const CapContext& c) {
  auto kind = cap_message_kind(w, c.utc_offset_minutes);
  if (!kind) throw std::logic_error("a rejected proposal has no CAP document");
  const auto grade = cap_grade(w.level);

  XmlWriter out;
  out.start("alert");
  out.attribute("xmlns", std::string(kCapNamespace));
  out.element("identifier", kind->identifier);
  out.element("sender", w.sender);
  out.element("sent", cap_time(kind->sent, c.utc_offset_minutes));
  out.element("status", kind->status);
  out.element("msgType", kind->msg_type);
  out.element("scope", std::string("Public"));
  std::string note;
  if (w.exercise) note = "演练信息，非真实预警 (exercise)";
  if (c.end_note && !c.end_note->empty()) note += (note.empty() ? "" : " ") + *c.end_note;
  out.element_if("note", note);
  if (kind->references) out.element("references", *kind->references);

  out.start("info");
  out.element("language", c.language);
  out.element("category", w.category);
  out.element("event", w.event);
  if (w.status == "closed") out.element("responseType", std::string("AllClear"));
  out.element("urgency", grade.urgency);
  out.element("severity", grade.severity);
  out.element("certainty", grade.certainty);
  if (w.sent_at) out.element("effective", cap_time(*w.sent_at, c.utc_offset_minutes));
  if (w.expires_at) out.element("expires", cap_time(*w.expires_at, c.utc_offset_minutes));
  out.element_if("senderName", w.sender_name);
  out.element_if("headline", w.headline);
  out.element_if("description", w.description);
  out.element_if("instruction", w.instruction);
  if (c.web) out.element("web", *c.web);
  if (c.contact) out.element_if("contact", *c.contact);
  out.start("parameter");
  out.element("valueName", std::string("level"));
  out.element("value", w.level);
  out.end();
  out.start("parameter");
  out.element("valueName", std::string("level_zh"));
  out.element("value", level_name_zh(w.level));
  out.end();

  out.start("area");
  out.element("areaDesc", c.area_desc.empty() ? w.area_name : c.area_desc);
  if (c.boundary) {
    for (const auto& polygon : cap_polygons(*c.boundary)) out.element("polygon", polygon);
  }
  if (w.area_code.size() >= 6) {
    out.start("geocode");
    out.element("valueName", std::string("GB/T 2260"));
    out.element("value", w.area_code.substr(0, 6));
    out.end();
  }
  if (w.area_code.size() > 6) {
    out.start("geocode");
    out.element("valueName", std::string("firstline:area_code"));
    out.element("value", w.area_code);
    out.end();
  }
  out.end();  // area
  out.end();  // info
  out.end();  // alert
  return out.finish();
}

std::string write_atom_feed(const FeedInfo& info, const std::vector<FeedItem>& items) {
  XmlWriter out;
  out.start("feed");
  out.attribute("xmlns", std::string(kAtomNamespace));
  out.element("id", info.id);
  out.element("title", info.title);
  out.element("updated", cap_time(info.updated, info.utc_offset_minutes));
  out.start("author");
  out.element("name", info.author);
  out.end();
  out.empty("link", {{"rel", "self"}, {"type", "application/atom+xml"}, {"href", info.self_url}});
  for (const auto& item : items) {
    const auto& w = item.warning;
    out.start("entry");
    out.element("id", item.cap_url);
    std::string title = std::string(level_name_zh(w.level)) + " " + w.headline;
    if (w.exercise) title = "【演练】" + title;
    out.element("title", title);
    out.element("updated", cap_time(w.updated_at, info.utc_offset_minutes));
    if (w.sent_at) out.element("published", cap_time(*w.sent_at, info.utc_offset_minutes));
    out.start("author");
    out.element("name", w.sender_name.empty() ? info.author : w.sender_name);
    out.end();
    out.empty("category", {{"term", w.level}, {"label", std::string(level_name_zh(w.level))}});
    out.empty("link", {{"rel", "alternate"}, {"type", "application/cap+xml"}, {"href", item.cap_url}});
    out.start("summary");
    out.attribute("type", "text");
    out.text(w.description);
    out.end();
    out.end();  // entry
  }
  out.end();  // feed
  return out.finish();
}

}  // namespace firstline::warnings
