#include "health/tracer.hpp"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

namespace firstline::health {

namespace {

using core::Millis;

constexpr Millis kMinute = 60'000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;
// "Not isolated": far enough to be +infinity for movement data, small enough
// that adding a margin of a few days can never overflow.
constexpr Millis kFarFuture = std::numeric_limits<Millis>::max() / 4;

struct Durations {
  Millis threshold, default_stay, max_stay;
  // The longest a stay can be: [in, out] lasts at most max_stay, a default stay
  // default_stay. It is also how far from a time range the scans that decide the
  // stays touching that range can lie (see scan_window).
  Millis reach;
};

Durations durations_of(const TracingRules& rules) {
  Durations d{};
  d.threshold = Millis{rules.min_overlap_minutes} * kMinute;
  d.default_stay = Millis{rules.default_stay_minutes} * kMinute;
  d.max_stay = Millis{rules.max_stay_hours} * kHour;
  d.reach = std::max(d.max_stay, d.default_stay);
  return d;
}

Millis overlap(const Stay& a, const Stay& b) { return std::min(a.end, b.end) - std::max(a.start, b.start); }

Evidence evidence_of(const Stay& a, const Stay& b) {
  Evidence e;
  e.place_id = a.place_id;
  e.start = std::max(a.start, b.start);
  e.end = std::min(a.end, b.end);
  e.minutes = static_cast<double>(e.end - e.start) / static_cast<double>(kMinute);
  return e;
}

Millis earliest_start(const std::vector<Evidence>& evidence) {
  Millis first = evidence.front().start;
  for (const Evidence& e : evidence) first = std::min(first, e.start);
  return first;
}

void sort_evidence(std::vector<Evidence>& evidence) {
  std::sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
    return std::tie(a.start, a.place_id, a.end) < std::tie(b.start, b.place_id, b.end);
  });
}

// The scans that decide every stay with a positive overlap with [from, to].
//
// Why the margin is `reach` on both sides: such a stay either starts with an
// `in` after from - reach (no stay is longer than reach) whose end depends on
// the next scan up to max_stay later, or is an orphan [out - default, out] with
// out before to + default_stay whose orphan-ness depends on the previous scan
// up to max_stay earlier. Stays built from a scan set that holds every scan in
// [from - reach, to + reach] (and maybe others, with gaps elsewhere) are
// therefore exactly the stays built from all the data, for those stays that
// overlap [from, to] positively; a stay spoiled by a missing scan outside the
// margin ends before `from` or starts after `to`. Only positive overlaps ever
// count, so callers need nothing more.
PlaceWindow scan_window(std::int64_t place_id, Millis from, Millis to, Millis reach) {
  return PlaceWindow{place_id, from - reach, to + reach};
}

// One window per run of overlapping windows at a place, so the source reads
// each scan about once.
std::vector<PlaceWindow> merge_windows(std::vector<PlaceWindow> windows) {
  std::sort(windows.begin(), windows.end(), [](const PlaceWindow& a, const PlaceWindow& b) {
    return std::tie(a.place_id, a.from, a.to) < std::tie(b.place_id, b.from, b.to);
  });
  std::vector<PlaceWindow> merged;
  for (const PlaceWindow& w : windows) {
    if (!merged.empty() && merged.back().place_id == w.place_id && w.from <= merged.back().to) {
      merged.back().to = std::max(merged.back().to, w.to);
    } else {
      merged.push_back(w);
    }
  }
  return merged;
}

std::vector<PlaceWindow> windows_around(const std::vector<Stay>& stays, Millis reach) {
  std::vector<PlaceWindow> windows;
  windows.reserve(stays.size());
  for (const Stay& s : stays) windows.push_back(scan_window(s.place_id, s.start, s.end, reach));
  return merge_windows(std::move(windows));
}

// The parts of `subject`'s stays inside [from, to) that have a positive length.
std::vector<Stay> clipped_stays(const std::vector<Stay>& stays, Subject subject, Millis from, Millis to) {
  std::vector<Stay> out;
  for (const Stay& s : stays) {
    if (s.subject != subject) continue;
    Stay c = s;
    c.start = std::max(s.start, from);
    c.end = std::min(s.end, to);
    if (c.start < c.end) out.push_back(c);
  }
  return out;
}

// Stays at places, looked up by the time range they could overlap.
class StaysByPlace {
 public:
  StaysByPlace(const std::vector<Stay>& stays, Millis reach) : reach_(reach) {
    for (const Stay& s : stays) by_place_[s.place_id].push_back(s);
    for (auto& [place, list] : by_place_) {
      std::sort(list.begin(), list.end(), [](const Stay& a, const Stay& b) { return a.start < b.start; });
    }
  }

  /// Calls f(stay, overlap) for every stay at q's place with a positive overlap with q.
  template <typename F>
  void for_each_overlapping(const Stay& q, F&& f) const {
    auto it = by_place_.find(q.place_id);
    if (it == by_place_.end()) return;
    const std::vector<Stay>& list = it->second;
    // No stay is longer than reach, so one starting before q.start - reach ends before q.
    auto first = std::lower_bound(list.begin(), list.end(), q.start - reach_,
                                  [](const Stay& s, Millis t) { return s.start < t; });
    for (auto s = first; s != list.end() && s->start < q.end; ++s) {
      const Millis o = overlap(q, *s);
      if (o > 0) f(*s, o);
    }
  }

 private:
  Millis reach_;
  std::map<std::int64_t, std::vector<Stay>> by_place_;
};

struct CloseContact {
  Millis exposure = 0;
  bool household = false;
  std::vector<Evidence> evidence;  // overlaps >= threshold with the case
};

// What the case's stays say about one other subject.
struct CaseOverlaps {
  std::vector<Evidence> qualifying;  // overlap >= threshold
  std::vector<Evidence> any;         // overlap > 0
};

// One way a subject became secondary: through `via`, starting at `at`.
struct SecondaryLink {
  Millis at = 0;
  Subject via = 0;
  auto operator<=>(const SecondaryLink&) const = default;
};

std::vector<Subject> persons_among(const std::vector<Subject>& subjects) {
  std::vector<Subject> persons;
  for (Subject s : subjects) {
    if (s > 0) persons.push_back(s);
  }
  return persons;
}

}  // namespace

std::vector<Stay> build_stays(std::vector<ScanEvent> scans, const TracingRules& rules) {
  const Durations d = durations_of(rules);
  auto key = [](const ScanEvent& s) { return std::tie(s.subject, s.place_id, s.ts, s.id, s.in); };
  std::sort(scans.begin(), scans.end(), [&](const ScanEvent& a, const ScanEvent& b) { return key(a) < key(b); });
  // The same scan may arrive twice (overlapping place windows); it is one scan.
  scans.erase(
      std::unique(scans.begin(), scans.end(), [&](const ScanEvent& a, const ScanEvent& b) { return key(a) == key(b); }),
      scans.end());

  std::vector<Stay> stays;
  // An `in` whose next scan (same subject and place) has not come yet.
  const ScanEvent* open = nullptr;
  auto close_open_with_default = [&] {
    if (open == nullptr) return;
    stays.push_back(Stay{open->subject, open->place_id, open->ts, open->ts + d.default_stay});
    open = nullptr;
  };
  for (const ScanEvent& s : scans) {
    if (open != nullptr && (open->subject != s.subject || open->place_id != s.place_id)) close_open_with_default();
    if (s.in) {
      close_open_with_default();
      open = &s;
    } else if (open != nullptr && s.ts - open->ts <= d.max_stay) {
      stays.push_back(Stay{s.subject, s.place_id, open->ts, s.ts});
      open = nullptr;
    } else {
      // An out too long after the open in closes nothing: the in gets the
      // default length and the out stands for a stay of its own.
      close_open_with_default();
      stays.push_back(Stay{s.subject, s.place_id, s.ts - d.default_stay, s.ts});
    }
  }
  close_open_with_default();
  std::sort(stays.begin(), stays.end(), [](const Stay& a, const Stay& b) {
    return std::tie(a.subject, a.place_id, a.start, a.end) < std::tie(b.subject, b.place_id, b.start, b.end);
  });
  return stays;
}

Millis window_start(const core::Date& onset, const TracingRules& rules) {
  const std::int64_t day = onset.days_since_epoch() - rules.window_days_before;
  return day * kDay - Millis{rules.utc_offset_minutes} * kMinute;
}

// Reads in at most eight calls, each bounded in time: the case's isolation and
// scans, the scans at the case's places around their stays, the case's
// household, then the same four for the close contacts as a batch. Every stay
// is rebuilt from scans within `reach` of the range it is compared with, which
// gives the same stays as building them from all the data (see scan_window).
TracingResult trace(MovementSource& source, Subject case_person, const core::Date& onset, const TracingRules& rules) {
  const Durations d = durations_of(rules);
  TracingResult result;
  result.window_start = window_start(onset, rules);
  const Millis ws = result.window_start;

  // 1. The window ends when the case was isolated.
  if (auto iso = source.isolated_at({case_person}, ws); iso.contains(case_person)) {
    result.window_end = iso.at(case_person);
  }
  const Millis we = result.window_end.value_or(kFarFuture);

  // 2. The case's stays, clipped to the window.
  if (ws < we) {
    const auto scans = source.subject_scans({case_person}, ws - d.reach, we + d.reach);
    result.case_stays = clipped_stays(build_stays(scans, rules), case_person, ws, we);
  }
  std::sort(result.case_stays.begin(), result.case_stays.end(), [](const Stay& a, const Stay& b) {
    return std::tie(a.start, a.place_id, a.end) < std::tie(b.start, b.place_id, b.end);
  });

  // 3. Who shared a place with the case, and for how long.
  std::map<Subject, CaseOverlaps> with_case;
  if (!result.case_stays.empty()) {
    const auto scans = source.place_scans(windows_around(result.case_stays, d.reach));
    const StaysByPlace others(build_stays(scans, rules), d.reach);
    for (const Stay& c : result.case_stays) {
      others.for_each_overlapping(c, [&](const Stay& s, Millis o) {
        if (s.subject == case_person) return;
        CaseOverlaps& entry = with_case[s.subject];
        const Evidence e = evidence_of(c, s);
        entry.any.push_back(e);
        if (o >= d.threshold) entry.qualifying.push_back(e);
      });
    }
  }

  // 4. Close contacts: long enough co-presence, and the case's household.
  std::map<Subject, CloseContact> close;
  for (auto& [subject, overlaps] : with_case) {
    if (overlaps.qualifying.empty()) continue;
    CloseContact& c = close[subject];
    c.evidence = overlaps.qualifying;
    c.exposure = earliest_start(overlaps.qualifying);
  }
  if (case_person > 0) {
    const auto households = source.household_members({case_person});
    if (auto it = households.find(case_person); it != households.end()) {
      for (Subject member : it->second) {
        if (member == case_person) continue;
        // A household member who was also co-present keeps that evidence; the
        // relation is household and exposure the window start either way.
        CloseContact& c = close[member];
        c.household = true;
        c.exposure = ws;
      }
    }
  }

  // 5. Secondary contacts, through each close contact after their exposure.
  std::map<Subject, std::vector<SecondaryLink>> links;
  std::map<std::pair<Subject, Subject>, std::vector<Evidence>> pair_evidence;  // (secondary, via) -> overlaps
  std::map<Subject, std::vector<Subject>> close_households;
  if (!close.empty()) {
    std::vector<Subject> close_list;
    for (const auto& [subject, info] : close) close_list.push_back(subject);

    // Isolation as the spec defines it: the first isolating period at or after
    // the window start (one batched question for everyone). A contact isolated
    // and released before their exposure therefore has no secondary window.
    const auto isolated = source.isolated_at(close_list, ws);
    // Each close contact's own window: [exposure, isolation or +inf).
    std::map<Subject, std::pair<Millis, Millis>> open_windows;
    Millis from = kFarFuture, to = std::numeric_limits<Millis>::min();
    for (const auto& [subject, info] : close) {
      auto it = isolated.find(subject);
      const Millis end = it == isolated.end() ? kFarFuture : it->second;
      if (info.exposure >= end) continue;
      open_windows[subject] = {info.exposure, end};
      from = std::min(from, info.exposure);
      to = std::max(to, end);
    }

    if (!open_windows.empty()) {
      std::vector<Subject> active;
      for (const auto& [subject, window] : open_windows) active.push_back(subject);
      const auto stays = build_stays(source.subject_scans(active, from - d.reach, to + d.reach), rules);
      std::vector<Stay> contact_stays;
      for (const auto& [subject, window] : open_windows) {
        auto part = clipped_stays(stays, subject, window.first, window.second);
        contact_stays.insert(contact_stays.end(), part.begin(), part.end());
      }
      if (!contact_stays.empty()) {
        const auto scans = source.place_scans(windows_around(contact_stays, d.reach));
        const StaysByPlace others(build_stays(scans, rules), d.reach);
        for (const Stay& k : contact_stays) {
          others.for_each_overlapping(k, [&](const Stay& s, Millis o) {
            if (o < d.threshold || s.subject == case_person || close.contains(s.subject)) return;
            const Evidence e = evidence_of(k, s);
            links[s.subject].push_back(SecondaryLink{e.start, k.subject});
            pair_evidence[{s.subject, k.subject}].push_back(e);
          });
        }
      }
    }

    if (auto persons = persons_among(close_list); !persons.empty()) {
      close_households = source.household_members(persons);
    }
    for (const auto& [subject, members] : close_households) {
      auto info = close.find(subject);
      if (info == close.end()) continue;
      for (Subject member : members) {
        if (member == case_person || member == subject || close.contains(member)) continue;
        links[member].push_back(SecondaryLink{info->second.exposure, subject});
      }
    }
  }

  // 6. Assemble: close, then secondary, then general; each subject once.
  for (auto& [subject, info] : close) {
    Contact c;
    c.subject = subject;
    c.degree = Degree::close;
    c.relation = info.household ? Relation::household : Relation::co_presence;
    c.exposure = info.exposure;
    c.evidence = std::move(info.evidence);
    sort_evidence(c.evidence);
    result.contacts.push_back(std::move(c));
  }
  for (auto& [subject, candidates] : links) {
    const SecondaryLink best = *std::min_element(candidates.begin(), candidates.end());
    Contact c;
    c.subject = subject;
    c.degree = Degree::secondary;
    c.via = best.via;
    c.exposure = best.at;
    bool household = false;
    if (auto it = close_households.find(best.via); it != close_households.end()) {
      household = std::find(it->second.begin(), it->second.end(), subject) != it->second.end();
    }
    c.relation = household ? Relation::household : Relation::co_presence;
    if (auto it = pair_evidence.find({subject, best.via}); it != pair_evidence.end()) c.evidence = it->second;
    sort_evidence(c.evidence);
    result.contacts.push_back(std::move(c));
  }
  for (auto& [subject, overlaps] : with_case) {
    if (close.contains(subject) || links.contains(subject)) continue;
    Contact c;
    c.subject = subject;
    c.degree = Degree::general;
    c.exposure = earliest_start(overlaps.any);
    c.evidence = std::move(overlaps.any);
    sort_evidence(c.evidence);
    result.contacts.push_back(std::move(c));
  }
  std::sort(result.contacts.begin(), result.contacts.end(), [](const Contact& a, const Contact& b) {
    return std::tie(a.degree, a.subject) < std::tie(b.degree, b.subject);
  });
  return result;
}

}  // namespace firstline::health
