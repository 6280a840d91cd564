#include "levels/level.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace firstline::levels {

std::string_view level_key(Level l) {
  switch (l) {
    case Level::low: return "low";
    case Level::medium: return "medium";
    case Level::high: return "high";
  }
  return "low";
}

std::optional<Level> parse_level(std::string_view key) {
  if (key == "low") return Level::low;
  if (key == "medium") return Level::medium;
  if (key == "high") return Level::high;
  return std::nullopt;
}

const std::vector<std::string>& signal_keys() {
  static const std::vector<std::string> keys = {"confirmed", "observation", "fevers",       "missed_rate",
                                                "screening", "risk_points", "forecast_rise"};
  return keys;
}

std::string_view signal_description(std::string_view key) {
  if (key == "confirmed") return "residents whose current status is confirmed";
  if (key == "observation") return "residents whose current status is observation (contacts under watch)";
  if (key == "fevers") return "open fever alerts raised in the last 24 hours";
  if (key == "missed_rate") return "share of the evaluated day's expected health reports not received (0..1)";
  if (key == "screening") return "open screening items (arrivals from risky areas)";
  if (key == "risk_points") return "risk points rated high or critical (likelihood x impact >= 10)";
  if (key == "forecast_rise") return "SEIR projected rise of cases over 14 days per 1,000 residents";
  return "";
}

Rules Rules::defaults() {
  Rules r;
  r.by_signal["confirmed"] = {std::nullopt, 1};
  r.by_signal["observation"] = {5, 20};
  r.by_signal["fevers"] = {3, 10};
  r.by_signal["missed_rate"] = {0.3, std::nullopt};
  r.by_signal["screening"] = {1, 5};
  r.by_signal["risk_points"] = {1, 3};
  r.by_signal["forecast_rise"] = {10, 30};
  return r;
}

core::Status Rules::validate() const {
  for (const auto& key : signal_keys()) {
    auto it = by_signal.find(key);
    if (it == by_signal.end()) continue;
    const auto& t = it->second;
    for (auto [which, v] : {std::pair{"medium", t.medium}, std::pair{"high", t.high}}) {
      if (!v) continue;
      const auto name = key + "." + which;
      if (!std::isfinite(*v) || *v < 0) return core::invalid(name, name + " must be a number at least 0, or null (off)");
      if (key == "missed_rate" && *v > 1) return core::invalid(name, name + " is a rate: at most 1");
    }
    if (t.medium && t.high && *t.high < *t.medium) {
      return core::invalid(key + ".high", key + ".high must be at least " + key + ".medium");
    }
  }
  for (const auto& [key, t] : by_signal) {
    if (std::find(signal_keys().begin(), signal_keys().end(), key) == signal_keys().end()) {
      return core::invalid(key, "unknown signal " + key);
    }
  }
  return {};
}

namespace {
std::string number(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{}", static_cast<long long>(std::llround(v)));
  return fmt::format("{:.2f}", v);
}
}  // namespace

std::string Reason::text() const {
  if (signal == "child") return "highest child: " + child_name;
  if (value_hidden) return fmt::format("{} ≥ {} → {}", signal, number(threshold), level_key(level));
  return fmt::format("{} {} ≥ {} → {}", signal, number(value), number(threshold), level_key(level));
}

std::string Reason::text_zh() const {
  const char* level_name = level == Level::high ? "高" : level == Level::medium ? "中" : "低";
  if (signal == "child") return fmt::format("下级最高：{}（{}）", child_name, level_name);
  static const std::map<std::string, std::string, std::less<>> names = {
      {"confirmed", "确诊病例"},       {"observation", "医学观察人员"},   {"fevers", "24小时内发热"},
      {"missed_rate", "健康上报漏报率"}, {"screening", "风险地区来人待核查"}, {"risk_points", "高风险隐患点"},
      {"forecast_rise", "预测14天新增（每千人）"}};
  auto it = names.find(signal);
  const auto name = it == names.end() ? signal : it->second;
  auto shown = [&](double v) { return signal == "missed_rate" ? fmt::format("{:.0f}%", v * 100) : number(v); };
  if (value_hidden) return fmt::format("{} ≥ {} → {}", name, shown(threshold), level_name);
  return fmt::format("{} {} ≥ {} → {}", name, shown(value), shown(threshold), level_name);
}

bool is_personal_signal(std::string_view signal) { return signal != "risk_points" && signal != "child"; }

std::string encode_reasons(const std::vector<Reason>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    std::string name = r.child_name;
    std::replace(name.begin(), name.end(), '\n', ' ');
    out += fmt::format("{}|{}|{}|{}|{}|{}\n", r.signal, number(r.value), number(r.threshold), level_key(r.level),
                       r.child_id, name);
  }
  return out;
}

std::vector<Reason> decode_reasons(const std::string& text) {
  std::vector<Reason> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
      auto bar = line.find('|', start);
      if (bar == std::string::npos) break;
      parts.push_back(line.substr(start, bar - start));
      start = bar + 1;
    }
    parts.push_back(line.substr(start));
    if (parts.size() != 6) continue;
    Reason r;
    r.signal = parts[0];
    r.value = std::strtod(parts[1].c_str(), nullptr);
    r.threshold = std::strtod(parts[2].c_str(), nullptr);
    r.level = parse_level(parts[3]).value_or(Level::low);
    r.child_id = std::strtoll(parts[4].c_str(), nullptr, 10);
    r.child_name = parts[5];
    out.push_back(std::move(r));
  }
  return out;
}

Level evaluate(const Rules& rules, const Signals& signals, std::vector<Reason>& reasons) {
  Level level = Level::low;
  for (const auto& key : signal_keys()) {
    auto rule = rules.by_signal.find(key);
    if (rule == rules.by_signal.end()) continue;
    auto it = signals.find(key);
    const double v = it == signals.end() ? 0.0 : it->second;
    const auto& t = rule->second;
    // A threshold of 0 would level every area; it only counts for a positive value.
    auto reached = [&](const std::optional<double>& th) { return th && v >= *th && (v > 0 || *th > 0); };
    if (reached(t.high)) {
      reasons.push_back(Reason{key, v, *t.high, Level::high});
      level = Level::high;
    } else if (reached(t.medium)) {
      reasons.push_back(Reason{key, v, *t.medium, Level::medium});
      level = std::max(level, Level::medium);
    }
  }
  return level;
}

}  // namespace firstline::levels
