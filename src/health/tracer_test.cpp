// Tests of the contact tracer: the stay rules, the window, named edge cases of
// docs/HEALTH_SPEC.md ("Stay and contact rules"), and trace() against a
// brute-force reference on many random districts. The reference builds stays
// from all scans of everyone with its own stay builder and compares every pair,
// so it shares nothing with trace() but the rules.
#include "health/tracer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace firstline::health {
namespace {

using core::Date;
using core::Millis;

constexpr Millis kMin = 60'000;
constexpr Millis kHourMs = 60 * kMin;
constexpr Millis kDayMs = 24 * kHourMs;

/// "2026-11-18 10:00" (local time, UTC+8) or any parse_iso8601 text with a zone.
Millis local(std::string_view text) {
  std::string s(text);
  const bool has_zone = s.ends_with('Z') || (s.size() > 16 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-'));
  if (!has_zone) s += "+08:00";
  auto t = core::parse_iso8601(s);
  if (!t) throw std::invalid_argument("bad time in test: " + s);
  return *t;
}

// ---------------------------------------------------------------- district and memory source

struct District {
  std::vector<ScanEvent> scans;
  std::map<Subject, std::int64_t> household_of;       // persons with a household
  std::map<Subject, std::vector<Millis>> isolations;  // starts of isolating status periods
};

std::vector<Subject> household_of_person(const District& d, Subject p) {
  std::vector<Subject> members;
  auto it = d.household_of.find(p);
  if (p <= 0 || it == d.household_of.end()) return members;
  for (const auto& [other, hh] : d.household_of) {
    if (hh == it->second && other != p) members.push_back(other);
  }
  return members;
}

std::optional<Millis> first_isolation(const District& d, Subject s, Millis since) {
  std::optional<Millis> best;
  auto it = d.isolations.find(s);
  if (it == d.isolations.end()) return best;
  for (Millis t : it->second) {
    if (t >= since && (!best || t < *best)) best = t;
  }
  return best;
}

/// Answers like the SQL store would (inclusive ts ranges, rows in no
/// particular order, duplicates across place windows), and records the calls.
class MemorySource final : public MovementSource {
 public:
  explicit MemorySource(const District& d, std::uint64_t seed = 1, bool repeat_rows = false)
      : d_(d), rng_(seed), repeat_rows_(repeat_rows) {
    for (const ScanEvent& s : d.scans) at_place_[s.place_id].push_back(s);  // the (place_id, ts) index
  }

  std::vector<ScanEvent> subject_scans(const std::vector<Subject>& subjects, Millis from, Millis to) override {
    ++subject_calls;
    subject_ranges.emplace_back(from, to);
    const std::set<Subject> wanted(subjects.begin(), subjects.end());
    std::vector<ScanEvent> out;
    for (const ScanEvent& s : d_.scans) {
      if (wanted.contains(s.subject) && from <= s.ts && s.ts <= to) out.push_back(s);
    }
    return finish(std::move(out));
  }

  std::vector<ScanEvent> place_scans(const std::vector<PlaceWindow>& windows) override {
    ++place_calls;
    place_windows.insert(place_windows.end(), windows.begin(), windows.end());
    std::vector<ScanEvent> out;
    for (const PlaceWindow& w : windows) {
      auto it = at_place_.find(w.place_id);
      if (it == at_place_.end()) continue;
      for (const ScanEvent& s : it->second) {
        if (w.from <= s.ts && s.ts <= w.to) out.push_back(s);
      }
    }
    return finish(std::move(out));
  }

  std::map<Subject, std::vector<Subject>> household_members(const std::vector<Subject>& persons) override {
    ++household_calls;
    household_asked.insert(household_asked.end(), persons.begin(), persons.end());
    std::map<Subject, std::vector<Subject>> out;
    for (Subject p : persons) {
      auto members = household_of_person(d_, p);
      if (!members.empty()) out[p] = std::move(members);
    }
    return out;
  }

  std::map<Subject, Millis> isolated_at(const std::vector<Subject>& subjects, Millis since) override {
    ++isolation_calls;
    std::map<Subject, Millis> out;
    for (Subject s : subjects) {
      if (auto t = first_isolation(d_, s, since)) out[s] = *t;
    }
    return out;
  }

  int calls() const { return subject_calls + place_calls + household_calls + isolation_calls; }

  int subject_calls = 0, place_calls = 0, household_calls = 0, isolation_calls = 0;
  std::vector<std::pair<Millis, Millis>> subject_ranges;
  std::vector<PlaceWindow> place_windows;
  std::vector<Subject> household_asked;

 private:
  std::vector<ScanEvent> finish(std::vector<ScanEvent> rows) {
    if (repeat_rows_) {
      const std::size_t n = rows.size();
      for (std::size_t i = 0; i < n; i += 2) rows.push_back(rows[i]);
    }
    std::shuffle(rows.begin(), rows.end(), rng_);
    return rows;
  }

  const District& d_;
  std::map<std::int64_t, std::vector<ScanEvent>> at_place_;
  std::mt19937_64 rng_;
  bool repeat_rows_;
};

// ---------------------------------------------------------------- brute-force reference

/// Stays written from the rule's wording, scan by scan: an `in` lasts until the
/// next scan if that is an `out` within max_stay, else the default; an `out`
/// stands alone unless the scan just before it is an `in` it closes.
std::vector<Stay> naive_stays(const std::vector<ScanEvent>& scans, const TracingRules& r) {
  const Millis def = r.default_stay_minutes * kMin, max = r.max_stay_hours * kHourMs;
  std::map<std::pair<Subject, std::int64_t>, std::vector<ScanEvent>> groups;
  for (const ScanEvent& s : scans) groups[{s.subject, s.place_id}].push_back(s);
  std::vector<Stay> stays;
  for (auto& [key, g] : groups) {
    std::sort(g.begin(), g.end(),
              [](const ScanEvent& a, const ScanEvent& b) { return a.ts != b.ts ? a.ts < b.ts : a.id < b.id; });
    for (std::size_t i = 0; i < g.size(); ++i) {
      const ScanEvent& s = g[i];
      if (s.in) {
        const bool closed = i + 1 < g.size() && !g[i + 1].in && g[i + 1].ts - s.ts <= max;
        stays.push_back({s.subject, s.place_id, s.ts, closed ? g[i + 1].ts : s.ts + def});
      } else {
        const bool closes = i > 0 && g[i - 1].in && s.ts - g[i - 1].ts <= max;
        if (!closes) stays.push_back({s.subject, s.place_id, s.ts - def, s.ts});
      }
    }
  }
  return stays;
}

auto stay_key(const Stay& s) { return std::make_tuple(s.subject, s.place_id, s.start, s.end); }

std::vector<std::tuple<Subject, std::int64_t, Millis, Millis>> sorted_keys(const std::vector<Stay>& stays) {
  std::vector<std::tuple<Subject, std::int64_t, Millis, Millis>> keys;
  for (const Stay& s : stays) keys.push_back(stay_key(s));
  std::sort(keys.begin(), keys.end());
  return keys;
}

Evidence pair_evidence(const Stay& a, const Stay& b) {
  Evidence e;
  e.place_id = a.place_id;
  e.start = std::max(a.start, b.start);
  e.end = std::min(a.end, b.end);
  e.minutes = static_cast<double>(e.end - e.start) / 60000.0;
  return e;
}

void sort_ev(std::vector<Evidence>& ev) {
  std::sort(ev.begin(), ev.end(), [](const Evidence& a, const Evidence& b) {
    return std::tie(a.start, a.place_id, a.end) < std::tie(b.start, b.place_id, b.end);
  });
}

/// The spec, applied to every stay of everyone.
TracingResult reference_trace(const District& d, Subject c, const Date& onset, const TracingRules& r) {
  const Millis thr = r.min_overlap_minutes * kMin;
  TracingResult out;
  out.window_start = (onset.days_since_epoch() - r.window_days_before) * kDayMs - r.utc_offset_minutes * kMin;
  const Millis ws = out.window_start;
  out.window_end = first_isolation(d, c, ws);
  const Millis never = INT64_MAX;
  const Millis we = out.window_end.value_or(never);

  const std::vector<Stay> all = naive_stays(d.scans, r);
  std::map<std::int64_t, std::vector<Stay>> at_place;  // only to skip pairs at different places
  for (const Stay& s : all) at_place[s.place_id].push_back(s);
  auto clip = [](const Stay& s, Millis from, Millis to) {
    Stay x = s;
    x.start = std::max(s.start, from);
    x.end = std::min(s.end, to);
    return x;
  };
  for (const Stay& s : all) {
    if (s.subject != c) continue;
    const Stay x = clip(s, ws, we);
    if (x.start < x.end) out.case_stays.push_back(x);
  }
  std::sort(out.case_stays.begin(), out.case_stays.end(), [](const Stay& a, const Stay& b) {
    return std::tie(a.start, a.place_id, a.end) < std::tie(b.start, b.place_id, b.end);
  });

  // Every case stay against every stay of someone else at the same place.
  std::map<Subject, std::vector<Evidence>> any, strong;
  for (const Stay& cs : out.case_stays) {
    for (const Stay& s : at_place[cs.place_id]) {
      if (s.subject == c) continue;
      const Millis ov = std::min(cs.end, s.end) - std::max(cs.start, s.start);
      if (ov > 0) any[s.subject].push_back(pair_evidence(cs, s));
      if (ov >= thr) strong[s.subject].push_back(pair_evidence(cs, s));
    }
  }

  struct Close {
    Millis exposure = 0;
    bool household = false;
    std::vector<Evidence> ev;
  };
  std::map<Subject, Close> close;
  for (const auto& [s, ev] : strong) {
    Millis first = ev.front().start;
    for (const Evidence& e : ev) first = std::min(first, e.start);
    close[s] = Close{first, false, ev};
  }
  for (Subject m : household_of_person(d, c)) {
    close[m].household = true;
    close[m].exposure = ws;
  }

  // Every close contact's stays in [exposure, isolation) against every stay.
  struct Link {
    Millis at;
    Subject via;
  };
  std::map<Subject, std::vector<Link>> links;
  std::map<std::pair<Subject, Subject>, std::vector<Evidence>> with_via;
  for (const auto& [k, info] : close) {
    const Millis end = first_isolation(d, k, ws).value_or(never);
    for (const Stay& ks : all) {
      if (ks.subject != k) continue;
      const Stay x = clip(ks, info.exposure, end);
      if (x.start >= x.end) continue;
      for (const Stay& s : at_place[x.place_id]) {
        if (s.subject == c || close.contains(s.subject)) continue;
        const Millis ov = std::min(x.end, s.end) - std::max(x.start, s.start);
        if (ov >= thr) {
          links[s.subject].push_back({std::max(x.start, s.start), k});
          with_via[{s.subject, k}].push_back(pair_evidence(x, s));
        }
      }
    }
    for (Subject m : household_of_person(d, k)) {
      if (m != c && !close.contains(m)) links[m].push_back({info.exposure, k});
    }
  }

  for (const auto& [s, info] : close) {
    Contact x;
    x.subject = s;
    x.degree = Degree::close;
    x.relation = info.household ? Relation::household : Relation::co_presence;
    x.exposure = info.exposure;
    x.evidence = info.ev;
    sort_ev(x.evidence);
    out.contacts.push_back(x);
  }
  for (const auto& [s, ls] : links) {
    Link best = ls.front();
    for (const Link& l : ls) {
      if (l.at < best.at || (l.at == best.at && l.via < best.via)) best = l;
    }
    Contact x;
    x.subject = s;
    x.degree = Degree::secondary;
    x.via = best.via;
    x.exposure = best.at;
    const auto hh = household_of_person(d, best.via);
    x.relation = std::find(hh.begin(), hh.end(), s) != hh.end() ? Relation::household : Relation::co_presence;
    if (with_via.contains({s, best.via})) x.evidence = with_via.at({s, best.via});
    sort_ev(x.evidence);
    out.contacts.push_back(x);
  }
  for (const auto& [s, ev] : any) {
    if (close.contains(s) || links.contains(s)) continue;
    Contact x;
    x.subject = s;
    x.degree = Degree::general;
    x.evidence = ev;
    sort_ev(x.evidence);
    x.exposure = x.evidence.front().start;
    out.contacts.push_back(x);
  }
  std::sort(out.contacts.begin(), out.contacts.end(), [](const Contact& a, const Contact& b) {
    return std::make_pair(static_cast<int>(a.degree), a.subject) <
           std::make_pair(static_cast<int>(b.degree), b.subject);
  });
  return out;
}

// ---------------------------------------------------------------- comparing results

const char* degree_name(Degree d) {
  switch (d) {
    case Degree::close:
      return "close";
    case Degree::secondary:
      return "secondary";
    case Degree::general:
      return "general";
  }
  return "?";
}

std::string describe(const Contact& c) {
  std::ostringstream o;
  o << "{subject " << c.subject << ", " << degree_name(c.degree) << ", "
    << (c.relation == Relation::household ? "household" : "co-presence") << ", via "
    << (c.via ? std::to_string(*c.via) : "-") << ", exposure " << core::format_iso8601(c.exposure) << ", evidence [";
  for (const Evidence& e : c.evidence) {
    o << " (" << e.place_id << " " << core::format_iso8601(e.start) << " " << core::format_iso8601(e.end) << ")";
  }
  o << " ]}";
  return o.str();
}

/// "" when equal, else the first difference.
std::string difference(const TracingResult& got, const TracingResult& want) {
  std::ostringstream o;
  if (got.window_start != want.window_start) o << "window_start " << got.window_start << " vs " << want.window_start;
  if (got.window_end != want.window_end) o << "window_end differs; ";
  if (sorted_keys(got.case_stays) != sorted_keys(want.case_stays)) {
    o << "case_stays differ (" << got.case_stays.size() << " vs " << want.case_stays.size() << "); ";
  }
  for (std::size_t i = 1; i < got.case_stays.size(); ++i) {
    if (got.case_stays[i].start < got.case_stays[i - 1].start) o << "case_stays not sorted by start; ";
  }
  const std::size_t n = std::max(got.contacts.size(), want.contacts.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Contact* g = i < got.contacts.size() ? &got.contacts[i] : nullptr;
    const Contact* w = i < want.contacts.size() ? &want.contacts[i] : nullptr;
    const bool same = g && w && g->subject == w->subject && g->degree == w->degree && g->relation == w->relation &&
                      g->via == w->via && g->exposure == w->exposure && g->evidence == w->evidence;
    if (!same) {
      o << "contact #" << i << ": got " << (g ? describe(*g) : "nothing") << " want " << (w ? describe(*w) : "nothing");
      break;
    }
  }
  return o.str();
}

std::string describe(const TracingRules& r) {
  std::ostringstream o;
  o << "rules{days " << r.window_days_before << ", min " << r.min_overlap_minutes << ", default "
    << r.default_stay_minutes << ", max_h " << r.max_stay_hours << ", offset " << r.utc_offset_minutes << "}";
  return o.str();
}

// ---------------------------------------------------------------- named scenarios

class Scenario {
 public:
  void in(Subject s, std::int64_t place, std::string_view t) {
    d.scans.push_back({next_id_++, s, place, local(t), true});
  }
  void out(Subject s, std::int64_t place, std::string_view t) {
    d.scans.push_back({next_id_++, s, place, local(t), false});
  }
  void visit(Subject s, std::int64_t place, std::string_view from, std::string_view to) {
    in(s, place, from);
    out(s, place, to);
  }
  void household(std::int64_t id, std::initializer_list<Subject> members) {
    for (Subject m : members) d.household_of[m] = id;
  }
  void isolate(Subject s, std::string_view t) { d.isolations[s].push_back(local(t)); }

  /// Traces through a memory source and checks the reference agrees.
  TracingResult trace_case(Subject c, TracingRules rules = {}, Date onset = {2026, 11, 20}) {
    MemorySource source(d);
    TracingResult got = trace(source, c, onset, rules);
    EXPECT_EQ(difference(got, reference_trace(d, c, onset, rules)), "");
    calls = source.calls();
    household_asked = source.household_asked;
    place_calls = source.place_calls;
    return got;
  }

  District d;
  int calls = 0, place_calls = 0;
  std::vector<Subject> household_asked;

 private:
  std::int64_t next_id_ = 1;
};

const Contact* find(const TracingResult& r, Subject s) {
  for (const Contact& c : r.contacts) {
    if (c.subject == s) return &c;
  }
  return nullptr;
}

// The default window of onset 2026-11-20 starts at local midnight of 11-16.
constexpr Date kOnset{2026, 11, 20};

TEST(TracerWindow, StartsAtLocalMidnightOfTheFirstDay) {
  EXPECT_EQ(window_start(kOnset, {}), local("2026-11-16 00:00"));
  EXPECT_EQ(window_start(kOnset, {}), local("2026-11-15T16:00:00Z"));
  TracingRules utc;
  utc.window_days_before = 0;
  utc.utc_offset_minutes = 0;
  EXPECT_EQ(window_start(kOnset, utc), local("2026-11-20T00:00Z"));
  EXPECT_EQ(window_start({2027, 1, 2}, {}), local("2026-12-29 00:00"));
  TracingRules one;
  one.window_days_before = 1;
  EXPECT_EQ(window_start({2024, 3, 1}, one), local("2024-02-29 00:00"));
}

// ---------------------------------------------------------------- stays

std::vector<Stay> stays_of(Scenario& s, const TracingRules& rules = {}) {
  auto stays = build_stays(s.d.scans, rules);
  EXPECT_EQ(sorted_keys(stays), sorted_keys(naive_stays(s.d.scans, rules)));
  return stays;
}

Stay stay(Subject s, std::int64_t place, std::string_view from, std::string_view to) {
  return Stay{s, place, local(from), local(to)};
}

TEST(TracerStays, InThenOutIsOneStay) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 10:40");
  EXPECT_EQ(sorted_keys(stays_of(s)), sorted_keys(std::vector{stay(1, 7, "2026-11-18 10:00", "2026-11-18 10:40")}));
}

TEST(TracerStays, MissingExitGetsTheDefaultLength) {
  Scenario s;
  s.in(1, 7, "2026-11-18 10:00");
  s.in(1, 7, "2026-11-18 10:10");
  s.out(1, 7, "2026-11-18 10:50");
  EXPECT_EQ(sorted_keys(stays_of(s)), sorted_keys(std::vector{stay(1, 7, "2026-11-18 10:00", "2026-11-18 10:30"),
                                                              stay(1, 7, "2026-11-18 10:10", "2026-11-18 10:50")}));
}

TEST(TracerStays, OutWithoutInIsAStayEndingAtTheOut) {
  Scenario s;
  s.out(1, 7, "2026-11-18 11:00");
  s.visit(1, 8, "2026-11-18 12:00", "2026-11-18 12:10");
  s.out(1, 8, "2026-11-18 12:20");  // the in was already closed
  EXPECT_EQ(sorted_keys(stays_of(s)), sorted_keys(std::vector{stay(1, 7, "2026-11-18 10:30", "2026-11-18 11:00"),
                                                              stay(1, 8, "2026-11-18 12:00", "2026-11-18 12:10"),
                                                              stay(1, 8, "2026-11-18 11:50", "2026-11-18 12:20")}));
}

TEST(TracerStays, OutLaterThanMaxStayClosesNothing) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 08:00", "2026-11-18 20:00");  // exactly 12 h: closes
  s.visit(2, 7, "2026-11-18 08:00", "2026-11-18 20:00:00.001");
  EXPECT_EQ(sorted_keys(stays_of(s)),
            sorted_keys(std::vector{stay(1, 7, "2026-11-18 08:00", "2026-11-18 20:00"),
                                    stay(2, 7, "2026-11-18 08:00", "2026-11-18 08:30"),
                                    stay(2, 7, "2026-11-18 19:30:00.001", "2026-11-18 20:00:00.001")}));
}

TEST(TracerStays, EqualTimestampsAreOrderedByScanId) {
  const Millis t = local("2026-11-18 10:00");
  // out (id 1) before in (id 2): an orphan out, then an open in.
  std::vector<ScanEvent> a{{2, 1, 7, t, true}, {1, 1, 7, t, false}};
  EXPECT_EQ(sorted_keys(build_stays(a, {})),
            sorted_keys(std::vector{Stay{1, 7, t - 30 * kMin, t}, Stay{1, 7, t, t + 30 * kMin}}));
  // in (id 1) before out (id 2): a zero-length stay.
  std::vector<ScanEvent> b{{2, 1, 7, t, false}, {1, 1, 7, t, true}};
  EXPECT_EQ(sorted_keys(build_stays(b, {})), sorted_keys(std::vector{Stay{1, 7, t, t}}));
}

TEST(TracerStays, GroupsBySubjectAndPlaceAndCountsRepeatedRowsOnce) {
  Scenario s;
  s.in(1, 7, "2026-11-18 10:00");
  s.out(2, 7, "2026-11-18 10:20");  // someone else's out closes nothing of subject 1
  s.out(1, 8, "2026-11-18 10:20");  // another place's out neither
  s.out(1, 7, "2026-11-18 10:40");
  auto scans = s.d.scans;
  scans.insert(scans.end(), s.d.scans.begin(), s.d.scans.end());
  std::reverse(scans.begin(), scans.end());
  const std::vector want{stay(1, 7, "2026-11-18 10:00", "2026-11-18 10:40"),
                         stay(2, 7, "2026-11-18 09:50", "2026-11-18 10:20"),
                         stay(1, 8, "2026-11-18 09:50", "2026-11-18 10:20")};
  EXPECT_EQ(sorted_keys(stays_of(s)), sorted_keys(want));
  EXPECT_EQ(sorted_keys(build_stays(scans, {})), sorted_keys(want));
}

// ---------------------------------------------------------------- named tracing cases

TEST(TracerTrace, OverlapExactlyAtTheThresholdIsClose) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 10:30");
  s.visit(2, 7, "2026-11-18 10:15", "2026-11-18 10:30");
  s.visit(3, 7, "2026-11-18 10:15:00.001", "2026-11-18 10:45");  // also just short with 2
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.contacts.size(), 2u);
  const Contact* at = find(r, 2);
  ASSERT_NE(at, nullptr);
  EXPECT_EQ(at->degree, Degree::close);
  EXPECT_EQ(at->relation, Relation::co_presence);
  EXPECT_EQ(at->exposure, local("2026-11-18 10:15"));
  ASSERT_EQ(at->evidence.size(), 1u);
  EXPECT_EQ(at->evidence[0].minutes, 15.0);
  const Contact* below = find(r, 3);
  ASSERT_NE(below, nullptr);
  EXPECT_EQ(below->degree, Degree::general);
  ASSERT_EQ(below->evidence.size(), 1u);
  EXPECT_DOUBLE_EQ(below->evidence[0].minutes, 15.0 - 1.0 / 60000.0);
}

TEST(TracerTrace, StayAcrossLocalMidnightIsClippedAtTheWindowStart) {
  Scenario s;
  s.visit(1, 7, "2026-11-15 23:30", "2026-11-16 00:20");
  s.visit(2, 7, "2026-11-15 23:30", "2026-11-16 00:20");  // 20 min inside the window
  s.visit(3, 7, "2026-11-15 23:30", "2026-11-16 00:10");  // 10 min inside
  s.visit(4, 7, "2026-11-15 23:00", "2026-11-15 23:55");  // 25 min, all before the window
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.case_stays.size(), 1u);
  EXPECT_EQ(r.case_stays[0].start, local("2026-11-16 00:00"));
  EXPECT_EQ(r.case_stays[0].end, local("2026-11-16 00:20"));
  ASSERT_NE(find(r, 2), nullptr);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);
  EXPECT_EQ(find(r, 2)->exposure, r.window_start);
  EXPECT_EQ(find(r, 2)->evidence, (std::vector{Evidence{7, r.window_start, local("2026-11-16 00:20"), 20.0}}));
  ASSERT_NE(find(r, 3), nullptr);
  EXPECT_EQ(find(r, 3)->degree, Degree::general);
  EXPECT_EQ(find(r, 4), nullptr);
}

TEST(TracerTrace, MissingExitsUseTheDefaultStay) {
  Scenario s;
  s.in(1, 7, "2026-11-18 10:00");
  s.visit(2, 7, "2026-11-18 10:20", "2026-11-18 11:00");
  EXPECT_EQ(find(s.trace_case(1), 2)->degree, Degree::general);  // [10:00, 10:30]: 10 min
  TracingRules longer;
  longer.default_stay_minutes = 45;
  const auto r = s.trace_case(1, longer);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);  // [10:00, 10:45]: 25 min
  EXPECT_EQ(find(r, 2)->evidence[0].end, local("2026-11-18 10:45"));
}

TEST(TracerTrace, AnOutWithoutAnInCountsAsTheDefaultStayBeforeIt) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 10:30");
  s.out(2, 7, "2026-11-18 10:40");
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.contacts.size(), 1u);
  EXPECT_EQ(r.contacts[0].degree, Degree::close);
  EXPECT_EQ(r.contacts[0].evidence,
            (std::vector{Evidence{7, local("2026-11-18 10:10"), local("2026-11-18 10:30"), 20.0}}));
}

TEST(TracerTrace, CaseWithoutScansHasOnlyHouseholdContacts) {
  Scenario s;
  s.household(100, {1, 2, 3});
  s.visit(2, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.visit(4, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.visit(4, 8, "2026-11-17 10:00", "2026-11-17 11:00");  // place of nobody close
  const auto r = s.trace_case(1);
  EXPECT_TRUE(r.case_stays.empty());
  ASSERT_EQ(r.contacts.size(), 3u);
  for (Subject h : {2, 3}) {
    const Contact* c = find(r, h);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->degree, Degree::close);
    EXPECT_EQ(c->relation, Relation::household);
    EXPECT_EQ(c->exposure, r.window_start);
    EXPECT_FALSE(c->via);
    EXPECT_TRUE(c->evidence.empty());
  }
  const Contact* sec = find(r, 4);
  ASSERT_NE(sec, nullptr);
  EXPECT_EQ(sec->degree, Degree::secondary);
  EXPECT_EQ(sec->via, 2);
  EXPECT_EQ(sec->relation, Relation::co_presence);
  EXPECT_EQ(sec->evidence.size(), 1u);
  EXPECT_EQ(s.place_calls, 1);  // only for the close contacts: the case has no stays
}

TEST(TracerTrace, RepeatedVisitsGiveSeveralEvidenceItems) {
  Scenario s;
  for (const char* day : {"2026-11-16", "2026-11-17", "2026-11-19"}) {
    s.visit(1, 7, std::string(day) + " 10:00", std::string(day) + " 10:30");
    s.visit(2, 7, std::string(day) + " 10:00", std::string(day) + " 10:30");
    s.visit(3, 7, std::string(day) + " 10:25", std::string(day) + " 11:00");
  }
  s.visit(1, 9, "2026-11-18 09:00", "2026-11-18 09:30");
  s.visit(2, 9, "2026-11-18 09:25", "2026-11-18 09:50");  // 5 min: not close evidence
  const auto r = s.trace_case(1);
  const Contact* two = find(r, 2);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->degree, Degree::close);
  ASSERT_EQ(two->evidence.size(), 3u);
  EXPECT_EQ(two->evidence[0].start, local("2026-11-16 10:00"));
  EXPECT_EQ(two->evidence[2].start, local("2026-11-19 10:00"));
  EXPECT_EQ(two->exposure, local("2026-11-16 10:00"));
  const Contact* three = find(r, 3);
  ASSERT_NE(three, nullptr);
  EXPECT_EQ(three->degree, Degree::general);
  EXPECT_EQ(three->evidence.size(), 3u);
}

// The contact's own confirmed status makes no difference to their degree; it
// only ends their secondary window (isolation counted from the window start).
TEST(TracerTrace, ContactWhoIsAlsoACaseIsJustAContact) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.visit(2, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.isolate(2, "2026-11-19 08:00");  // 2 confirmed the next day
  s.isolate(1, "2026-11-10 08:00");  // before the window: does not end it
  s.visit(3, 8, "2026-11-18 15:00", "2026-11-18 16:00");
  s.visit(2, 8, "2026-11-18 15:00", "2026-11-18 16:00");
  s.visit(4, 8, "2026-11-19 15:00", "2026-11-19 16:00");
  s.visit(2, 8, "2026-11-19 15:00", "2026-11-19 16:00");
  const auto r = s.trace_case(1);
  EXPECT_FALSE(r.window_end);
  ASSERT_EQ(r.contacts.size(), 2u);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);
  EXPECT_EQ(find(r, 3)->degree, Degree::secondary);
  EXPECT_EQ(find(r, 4), nullptr);
}

TEST(TracerTrace, CaseIsolationCutsTheWindow) {
  Scenario s;
  s.isolate(1, "2026-11-18 12:00");
  s.visit(1, 7, "2026-11-18 11:30", "2026-11-18 12:30");
  s.visit(2, 7, "2026-11-18 11:50", "2026-11-18 12:30");  // 10 min before isolation
  s.visit(1, 8, "2026-11-18 13:00", "2026-11-18 14:00");
  s.visit(3, 8, "2026-11-18 13:00", "2026-11-18 14:00");  // after isolation
  const auto r = s.trace_case(1);
  EXPECT_EQ(r.window_end, local("2026-11-18 12:00"));
  ASSERT_EQ(r.case_stays.size(), 1u);
  EXPECT_EQ(r.case_stays[0].end, local("2026-11-18 12:00"));
  ASSERT_EQ(r.contacts.size(), 1u);
  EXPECT_EQ(r.contacts[0].subject, 2);
  EXPECT_EQ(r.contacts[0].degree, Degree::general);
}

TEST(TracerTrace, CloseContactIsolationCutsTheirSecondaryWindow) {
  Scenario s;
  s.visit(1, 7, "2026-11-17 10:00", "2026-11-17 11:00");
  s.visit(2, 7, "2026-11-17 10:00", "2026-11-17 11:00");
  s.isolate(2, "2026-11-18 12:00");
  s.visit(2, 8, "2026-11-18 11:00", "2026-11-18 13:00");
  s.visit(3, 8, "2026-11-18 11:30", "2026-11-18 12:30");  // 30 min before 2's isolation
  s.visit(4, 8, "2026-11-18 11:50", "2026-11-18 12:30");  // 10 min before
  s.visit(5, 8, "2026-11-18 12:00", "2026-11-18 13:00");  // after
  s.visit(2, 9, "2026-11-17 08:00", "2026-11-17 09:00");
  s.visit(6, 9, "2026-11-17 08:00", "2026-11-17 09:00");  // before 2's exposure
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.contacts.size(), 2u);
  const Contact* three = find(r, 3);
  ASSERT_NE(three, nullptr);
  EXPECT_EQ(three->degree, Degree::secondary);
  EXPECT_EQ(three->via, 2);
  EXPECT_EQ(three->exposure, local("2026-11-18 11:30"));
  EXPECT_EQ(three->evidence, (std::vector{Evidence{8, local("2026-11-18 11:30"), local("2026-11-18 12:00"), 30.0}}));
}

TEST(TracerTrace, VisitorsAreContactsWithoutHouseholds) {
  Scenario s;
  s.household(100, {1, 2});
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.visit(-5, 7, "2026-11-18 10:00", "2026-11-18 11:00");  // close visitor
  s.visit(-6, 7, "2026-11-18 10:55", "2026-11-18 11:30");  // general visitor
  s.visit(-5, 8, "2026-11-18 14:00", "2026-11-18 15:00");
  s.visit(9, 8, "2026-11-18 14:00", "2026-11-18 15:00");  // secondary through the visitor
  s.household(200, {9, 10});
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.contacts.size(), 4u);
  EXPECT_EQ(r.contacts[0].subject, -5);  // sorted by (degree, subject)
  EXPECT_EQ(r.contacts[1].subject, 2);
  EXPECT_EQ(r.contacts[2].subject, 9);
  EXPECT_EQ(r.contacts[2].via, -5);
  EXPECT_EQ(r.contacts[3].subject, -6);
  EXPECT_EQ(r.contacts[3].degree, Degree::general);
  for (Subject asked : s.household_asked) EXPECT_GT(asked, 0);
  EXPECT_EQ(find(r, 10), nullptr);  // a secondary's household is not traced
}

// Choice: a household member who was also co-present keeps relation household
// and exposure = window start, and shows the >= threshold overlaps as evidence.
TEST(TracerTrace, HouseholdMemberKeepsTheirCoPresenceEvidence) {
  Scenario s;
  s.household(100, {1, 2, 3});
  s.visit(1, 7, "2026-11-18 10:00", "2026-11-18 11:00");
  s.visit(2, 7, "2026-11-18 10:30", "2026-11-18 11:30");
  s.visit(3, 7, "2026-11-18 10:55", "2026-11-18 11:30");  // 5 min: not close evidence
  const auto r = s.trace_case(1);
  ASSERT_EQ(r.contacts.size(), 2u);
  EXPECT_EQ(find(r, 2)->relation, Relation::household);
  EXPECT_EQ(find(r, 2)->exposure, r.window_start);
  EXPECT_EQ(find(r, 2)->evidence,
            (std::vector{Evidence{7, local("2026-11-18 10:30"), local("2026-11-18 11:00"), 30.0}}));
  EXPECT_EQ(find(r, 3)->relation, Relation::household);
  EXPECT_TRUE(find(r, 3)->evidence.empty());
}

TEST(TracerTrace, SecondaryViaIsTheEarliestOverlapThenTheLowerId) {
  Scenario s;
  s.visit(1, 7, "2026-11-17 10:00", "2026-11-17 11:00");
  s.visit(10, 7, "2026-11-17 10:00", "2026-11-17 11:00");
  s.visit(11, 7, "2026-11-17 10:00", "2026-11-17 11:00");
  // 20 meets 11 first, then 10.
  s.visit(11, 8, "2026-11-18 09:00", "2026-11-18 09:30");
  s.visit(10, 8, "2026-11-18 10:00", "2026-11-18 10:30");
  s.visit(20, 8, "2026-11-18 09:00", "2026-11-18 10:30");
  // 21 meets both at once: the lower id wins.
  s.visit(10, 9, "2026-11-18 14:00", "2026-11-18 15:00");
  s.visit(11, 9, "2026-11-18 14:00", "2026-11-18 15:00");
  s.visit(21, 9, "2026-11-18 14:00", "2026-11-18 15:00");
  // 22 lives with 11 (exposure 11-17 10:00) and meets 10 later: household via 11.
  s.household(300, {11, 22});
  s.visit(10, 6, "2026-11-17 12:00", "2026-11-17 13:00");
  s.visit(22, 6, "2026-11-17 12:00", "2026-11-17 13:00");
  const auto r = s.trace_case(1);
  EXPECT_EQ(find(r, 20)->via, 11);
  EXPECT_EQ(find(r, 20)->evidence.size(), 1u);
  EXPECT_EQ(find(r, 20)->evidence[0].start, local("2026-11-18 09:00"));
  EXPECT_EQ(find(r, 21)->via, 10);
  EXPECT_EQ(find(r, 21)->evidence.size(), 1u);
  EXPECT_EQ(find(r, 22)->via, 11);
  EXPECT_EQ(find(r, 22)->relation, Relation::household);
  EXPECT_EQ(find(r, 22)->exposure, local("2026-11-17 10:00"));
  EXPECT_TRUE(find(r, 22)->evidence.empty());  // no qualifying overlap with 11 itself
}

TEST(TracerTrace, StrongestDegreeWinsAndTheCaseIsNeverItsOwnContact) {
  Scenario s;
  s.household(100, {1, 4});
  s.in(1, 7, "2026-11-17 10:00");
  s.in(1, 7, "2026-11-17 10:10");  // the case's own overlapping stays
  s.out(1, 7, "2026-11-17 11:00");
  s.visit(2, 7, "2026-11-17 10:00", "2026-11-17 11:00");  // close
  s.visit(3, 7, "2026-11-17 10:55", "2026-11-17 11:30");  // general with the case...
  s.visit(2, 8, "2026-11-18 10:00", "2026-11-18 12:00");
  s.visit(3, 8, "2026-11-18 10:00", "2026-11-18 11:00");  // ...but secondary through 2
  s.visit(4, 8, "2026-11-18 10:00", "2026-11-18 11:00");  // household close, also with 2
  s.visit(1, 8, "2026-11-18 11:00", "2026-11-18 12:00");  // the case itself with 2
  const auto r = s.trace_case(1);                         // (4's household lists the case)
  EXPECT_EQ(find(r, 1), nullptr);
  EXPECT_EQ(find(r, 3)->degree, Degree::secondary);
  EXPECT_EQ(find(r, 4)->degree, Degree::close);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);
  EXPECT_EQ(r.contacts.size(), 3u);
}

// The margin around a place window must cover the default stay too: with a
// 12 h default and a 1 h max stay, an unclosed entry 11 h earlier still counts.
TEST(TracerTrace, DefaultStayLongerThanMaxStayReachesIntoTheWindow) {
  Scenario s;
  s.visit(1, 7, "2026-11-18 20:00", "2026-11-18 20:30");
  s.in(2, 7, "2026-11-18 09:00");
  s.out(3, 7, "2026-11-19 07:45");  // an orphan out reaching back 12 h
  TracingRules rules;
  rules.default_stay_minutes = 720;
  rules.max_stay_hours = 1;
  const auto r = s.trace_case(1, rules);
  ASSERT_NE(find(r, 2), nullptr);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);
  ASSERT_NE(find(r, 3), nullptr);
  EXPECT_EQ(find(r, 3)->degree, Degree::close);
}

TEST(TracerTrace, OpenEndedWindowDoesNotOverflow) {
  Scenario s;
  s.visit(1, 7, "2400-01-01 10:00", "2400-01-01 11:00");
  s.visit(2, 7, "2400-01-01 10:00", "2400-01-01 11:00");
  s.household(100, {2, 3});
  MemorySource source(s.d);
  const auto r = trace(source, 1, kOnset, {});
  EXPECT_FALSE(r.window_end);
  ASSERT_NE(find(r, 2), nullptr);
  EXPECT_EQ(find(r, 2)->degree, Degree::close);
  ASSERT_NE(find(r, 3), nullptr);
  EXPECT_EQ(find(r, 3)->degree, Degree::secondary);
  for (const auto& [from, to] : source.subject_ranges) {
    EXPECT_LT(from, to);
    EXPECT_GT(to, local("9999-12-31 00:00"));
  }
}

TEST(TracerTrace, ReadsInAFewBatchedCalls) {
  Scenario s;
  s.household(100, {1, 2});
  for (int i = 0; i < 20; ++i) {
    const std::string day = "2026-11-1" + std::to_string(6 + i % 4);
    s.visit(1, 1 + i % 5, day + " 10:00", day + " 10:40");
    s.visit(10 + i, 1 + i % 5, day + " 10:10", day + " 10:50");
    s.visit(10 + i, 9, day + " 18:00", day + " 19:00");
    s.visit(100 + i, 9, day + " 18:00", day + " 19:00");
  }
  MemorySource source(s.d);
  const auto r = trace(source, 1, kOnset, {});
  EXPECT_EQ(difference(r, reference_trace(s.d, 1, kOnset, {})), "");
  EXPECT_EQ(source.isolation_calls, 2);
  EXPECT_EQ(source.subject_calls, 2);
  EXPECT_EQ(source.place_calls, 2);
  EXPECT_EQ(source.household_calls, 2);
  // Overlapping place windows were merged before asking.
  EXPECT_LT(source.place_windows.size(), 2 * 20u);
}

// ---------------------------------------------------------------- random districts

District random_district(std::mt19937_64& rng) {
  auto uni = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  District d;
  const Millis base = local("2026-11-07 00:00");
  const int persons = static_cast<int>(uni(36, 190)), visitors = static_cast<int>(uni(2, 10));
  const int places = static_cast<int>(uni(5, 30));
  std::vector<Subject> subjects;
  for (int p = 1; p <= persons; ++p) subjects.push_back(p);
  for (int v = 1; v <= visitors; ++v) subjects.push_back(-v);

  std::vector<Subject> order(subjects.begin(), subjects.begin() + persons);
  std::shuffle(order.begin(), order.end(), rng);
  std::int64_t hh = 0;
  for (std::size_t i = 0; i < order.size();) {
    const std::size_t size = static_cast<std::size_t>(uni(1, 5));
    ++hh;
    const bool registered = !chance(0.1);
    for (std::size_t j = i; j < std::min(order.size(), i + size); ++j) {
      if (registered) d.household_of[order[j]] = hh;
    }
    i += size;
  }

  // Minute-aligned times give equal timestamps and overlaps of exactly the threshold.
  auto some_time = [&] {
    Millis t = base + uni(0, 14 * 24 * 60) * kMin;
    if (chance(0.1)) t += uni(0, 59'999);
    return t;
  };
  auto some_duration = [&]() -> Millis {
    const auto k = uni(0, 99);
    if (k < 60) return uni(1, 90) * kMin;
    if (k < 85) return uni(90, 600) * kMin;
    if (k < 95) return uni(600, 3000) * kMin;  // often longer than max_stay
    return 0;
  };
  auto popular_place = [&] { return 1 + std::min(uni(0, places - 1), uni(0, places - 1)); };
  std::vector<std::tuple<Subject, std::int64_t, Millis, bool>> raw;
  auto visit = [&](Subject s, std::int64_t place, Millis start, Millis duration) {
    if (!chance(0.07)) raw.emplace_back(s, place, start, true);
    if (!chance(0.15)) raw.emplace_back(s, place, start + duration, false);
  };
  const int gatherings = static_cast<int>(uni(10, 60));
  for (int g = 0; g < gatherings; ++g) {
    const std::int64_t place = popular_place();
    const Millis t = some_time();
    const int n = static_cast<int>(uni(2, 8));
    for (int i = 0; i < n; ++i) {
      const Subject s = subjects[static_cast<std::size_t>(uni(0, static_cast<std::int64_t>(subjects.size()) - 1))];
      visit(s, place, t + uni(-30, 30) * kMin, chance(0.8) ? uni(5, 120) * kMin : some_duration());
    }
  }
  for (Subject s : subjects) {
    const int visits = static_cast<int>(s < 0 ? uni(1, 4) : uni(0, 10));
    for (int v = 0; v < visits; ++v) {
      const std::int64_t place = popular_place();
      const Millis t = some_time();
      visit(s, place, t, some_duration());
      if (chance(0.3)) visit(s, place, t + uni(60, 600) * kMin, some_duration());  // came back
    }
    if (s > 0 && chance(0.08)) {
      d.isolations[s].push_back(some_time());
      if (chance(0.3)) d.isolations[s].push_back(some_time());
    }
  }
  // Scan ids in random order, so equal timestamps are ordered arbitrarily.
  std::vector<std::int64_t> ids(raw.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(i) + 1;
  std::shuffle(ids.begin(), ids.end(), rng);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto& [s, place, ts, in] = raw[i];
    d.scans.push_back(ScanEvent{ids[i], s, place, ts, in});
  }
  return d;
}

TracingRules random_rules(std::mt19937_64& rng) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  TracingRules r;
  r.window_days_before = chance(0.8) ? uni(0, 7) : uni(0, 21);
  r.min_overlap_minutes = chance(0.7) ? uni(1, 30) : uni(1, 240);
  r.default_stay_minutes = chance(0.5) ? uni(1, 60) : uni(1, 720);
  r.max_stay_hours = uni(1, 48);
  static constexpr int kOffsets[] = {0, -300, 330, 600};
  r.utc_offset_minutes = chance(0.8) ? 480 : kOffsets[uni(0, 3)];
  return r;
}

TEST(TracerRandom, StaysBuiltFromPlaceWindowsMatchStaysFromAllData) {
  int checked_stays = 0, spoiled_by_short_margin = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    std::mt19937_64 rng(seed);
    const District d = random_district(rng);
    const TracingRules rules = random_rules(rng);
    const std::vector<Stay> all = build_stays(d.scans, rules);
    ASSERT_EQ(sorted_keys(all), sorted_keys(naive_stays(d.scans, rules))) << "seed " << seed;

    const Millis reach = std::max<Millis>(rules.max_stay_hours * kHourMs, rules.default_stay_minutes * kMin);
    auto uni = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    // A few query ranges at once, as trace() asks: the union of their windows.
    std::vector<Stay> queries;
    for (int i = 0; i < 6; ++i) {
      const Stay& around = all[static_cast<std::size_t>(uni(0, static_cast<std::int64_t>(all.size()) - 1))];
      const Millis from = around.start + uni(-3, 3) * kHourMs, to = from + uni(0, 36) * kHourMs;
      queries.push_back(Stay{0, around.place_id, from, to});
    }
    auto local_stays = [&](Millis margin) {
      std::vector<PlaceWindow> windows;
      for (const Stay& q : queries) windows.push_back({q.place_id, q.start - margin, q.end + margin});
      MemorySource source(d, seed, /*repeat_rows=*/true);
      return build_stays(source.place_scans(windows), rules);
    };
    auto touching = [&](const std::vector<Stay>& stays, const Stay& q) {
      std::vector<Stay> out;
      for (const Stay& s : stays) {
        if (s.place_id == q.place_id && std::min(s.end, q.end) - std::max(s.start, q.start) > 0) out.push_back(s);
      }
      return sorted_keys(out);
    };
    const auto exact = local_stays(reach);
    const auto short_margin = local_stays(rules.max_stay_hours * kHourMs);
    for (const Stay& q : queries) {
      const auto want = touching(all, q);
      ASSERT_EQ(touching(exact, q), want) << "seed " << seed << " " << describe(rules);
      checked_stays += static_cast<int>(want.size());
      if (touching(short_margin, q) != want) ++spoiled_by_short_margin;
    }
  }
  EXPECT_GT(checked_stays, 1000);
  // The test can tell: a max_stay-only margin loses stays when the default is longer.
  EXPECT_GT(spoiled_by_short_margin, 0);
}

TEST(TracerRandom, TraceAgreesWithTheBruteForceReference) {
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, int> seen;
  int traces = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed * 7919);
    const District d = random_district(rng);
    auto uni = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    std::vector<Subject> scanned;
    for (const ScanEvent& s : d.scans) scanned.push_back(s.subject);
    for (int round = 0; round < 3; ++round) {
      const TracingRules rules = random_rules(rng);
      const Date onset = Date::from_days(Date{2026, 11, 7}.days_since_epoch() + uni(0, 16));
      Subject c;
      const auto pick = uni(0, 19);
      if (pick == 0) {
        c = uni(1, 36);  // anyone, maybe without scans
      } else if (pick == 1) {
        c = -uni(1, 2);  // a visitor
      } else {
        c = scanned[static_cast<std::size_t>(uni(0, static_cast<std::int64_t>(scanned.size()) - 1))];
      }
      MemorySource source(d, seed, /*repeat_rows=*/round == 1);
      const TracingResult got = trace(source, c, onset, rules);
      const TracingResult want = reference_trace(d, c, onset, rules);
      ASSERT_EQ(difference(got, want), "") << "seed " << seed << " round " << round << " case " << c << " onset "
                                           << onset.to_string() << " " << describe(rules);
      EXPECT_LE(source.calls(), 8);
      const Millis reach = std::max<Millis>(rules.max_stay_hours * kHourMs, rules.default_stay_minutes * kMin);
      for (const PlaceWindow& w : source.place_windows) EXPECT_GE(w.from, got.window_start - reach);
      ++traces;
      for (const Contact& x : got.contacts) {
        ++seen[degree_name(x.degree)];
        if (x.relation == Relation::household) ++seen[std::string(degree_name(x.degree)) + " household"];
        if (x.subject < 0) ++seen["visitor"];
        if (x.evidence.size() > 1) ++seen["several evidence"];
        for (const Evidence& e : x.evidence) {
          if (e.end - e.start == rules.min_overlap_minutes * kMin) ++seen["overlap at threshold"];
        }
      }
      if (got.window_end) ++seen["case isolated"];
    }
  }
  // The districts exercise every rule, not just empty results.
  for (const char* what : {"close", "secondary", "general", "close household", "secondary household", "visitor",
                           "several evidence", "overlap at threshold", "case isolated"}) {
    EXPECT_GT(seen[what], 5) << what;
  }
  std::ostringstream summary;
  for (const auto& [what, n] : seen) summary << what << "=" << n << " ";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::printf("%d traces agree with the reference in %lld ms: %s\n", traces, static_cast<long long>(ms.count()),
              summary.str().c_str());
}

}  // namespace
}  // namespace firstline::health
