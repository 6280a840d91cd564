#include "core/clock.hpp"

#include <chrono>
#include <cstdio>

namespace firstline::core {

Millis SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// Howard Hinnant's civil-from-days algorithms.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp + (mp < 10 ? 3 : -9);
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

bool Date::valid() const {
  if (year < 1800 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max;
}

std::int64_t Date::days_since_epoch() const {
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

Date Date::from_days(std::int64_t days) { return civil_from_days(days); }

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  Date d;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    if (!read_digits(s, 0, 4, d.year) || !read_digits(s, 5, 2, d.month) || !read_digits(s, 8, 2, d.day))
      return std::nullopt;
  } else if (s.size() == 8) {
    if (!read_digits(s, 0, 4, d.year) || !read_digits(s, 4, 2, d.month) || !read_digits(s, 6, 2, d.day))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!d.valid()) return std::nullopt;
  return d;
}

Date date_of(Millis t) {
  std::int64_t days = t / 86400000;
  if (t < 0 && t % 86400000 != 0) --days;
  return civil_from_days(days);
}

std::string format_iso8601(Millis t) {
  std::int64_t days = t / 86400000;
  std::int64_t rem = t % 86400000;
  if (rem < 0) { rem += 86400000; --days; }
  const Date d = civil_from_days(days);
  const int ms = static_cast<int>(rem % 1000);
  const int sec = static_cast<int>(rem / 1000);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, sec / 3600,
                (sec / 60) % 60, sec % 60, ms);
  return buf;
}

std::optional<Millis> parse_iso8601(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date) return std::nullopt;
  Millis t = date->days_since_epoch() * 86400000;
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != ' ') return std::nullopt;
  int hh, mm, ss = 0, ms = 0;
  if (!read_digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !read_digits(s, 14, 2, mm)) return std::nullopt;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!read_digits(s, pos + 1, 2, ss)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0, frac = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) { frac = frac * 10 + (s[pos] - '0'); ++digits; }
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      while (digits < 3) { frac *= 10; ++digits; }
      ms = frac;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  t += ((hh * 60 + mm) * 60 + ss) * 1000LL + ms;
  if (pos == s.size()) return t;  // no zone: taken as UTC
  if (s[pos] == 'Z' && pos + 1 == s.size()) return t;
  if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || !read_digits(s, pos + 4, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    const Millis offset = (oh * 60 + om) * 60000LL;
    return s[pos] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

}  // namespace firstline::core
