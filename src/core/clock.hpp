// Time in firstline is milliseconds since the Unix epoch (UTC), read through an
// injected Clock so that expiries, escalations and purges run on fake time in
// tests. Clocks are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace firstline::core {

using Millis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() const = 0;
};

/// The wall clock.
class SystemClock final : public Clock {
 public:
  Millis now() const override;
};

/// A clock that only moves when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Millis start) : now_(start) {}
  Millis now() const override { return now_.load(); }
  void set(Millis t) { now_.store(t); }
  void advance(Millis delta) { now_.fetch_add(delta); }

 private:
  std::atomic<Millis> now_;
};

/// "2026-11-25T12:00:00.000Z".
std::string format_iso8601(Millis t);
/// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.fff]]" (or a space for T) with "Z",
/// "+hh:mm"/"-hh:mm" or no zone (taken as UTC); nullopt if malformed.
std::optional<Millis> parse_iso8601(std::string_view text);

/// A calendar date; valid() checks the day exists (leap years included).
struct Date {
  int year = 0, month = 0, day = 0;
  bool valid() const;
  /// Days since 1970-01-01.
  std::int64_t days_since_epoch() const;
  static Date from_days(std::int64_t days);
  std::string to_string() const;  // YYYY-MM-DD
  auto operator<=>(const Date&) const = default;
};

/// Parses "YYYY-MM-DD" or "YYYYMMDD"; nullopt when malformed or impossible.
std::optional<Date> parse_date(std::string_view text);
Date date_of(Millis t);

}  // namespace firstline::core
