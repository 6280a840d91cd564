#include "core/area_code.hpp"

#include <fmt/format.h>

namespace firstline::core {

std::string_view area_level_key(AreaLevel level) {
  switch (level) {
    case AreaLevel::district: return "district";
    case AreaLevel::street: return "street";
    case AreaLevel::community: return "community";
    case AreaLevel::grid: return "grid";
  }
  return "grid";
}

std::optional<AreaLevel> parse_area_level(std::string_view key) {
  if (key == "district") return AreaLevel::district;
  if (key == "street") return AreaLevel::street;
  if (key == "community") return AreaLevel::community;
  if (key == "grid") return AreaLevel::grid;
  return std::nullopt;
}

std::size_t area_code_length(AreaLevel level) { return 6 + 3 * static_cast<std::size_t>(level); }

std::optional<AreaLevel> parent_level(AreaLevel level) {
  if (level == AreaLevel::district) return std::nullopt;
  return static_cast<AreaLevel>(static_cast<int>(level) - 1);
}

Status validate_area_code(std::string_view code, AreaLevel level, std::optional<std::string_view> parent_code) {
  const auto want = area_code_length(level);
  if (code.size() != want) {
    return invalid("code", fmt::format("a {} code has {} digits, got {}", area_level_key(level), want, code.size()));
  }
  for (char c : code) {
    if (c < '0' || c > '9') return invalid("code", "an area code holds digits only");
  }
  if (parent_code && level != AreaLevel::district && parent_code->size() != want - 3) {
    return invalid("code", fmt::format("the parent of a {} must be a {} with a {}-digit code, got \"{}\"",
                                       area_level_key(level), area_level_key(*parent_level(level)), want - 3,
                                       *parent_code));
  }
  if (parent_code && code.substr(0, parent_code->size()) != *parent_code) {
    return invalid("code", fmt::format("code {} does not extend its parent's code {}", code, *parent_code));
  }
  if (code.substr(code.size() - 3) == "000" && level != AreaLevel::district) {
    return invalid("code", "the last three digits of a child code cannot be 000");
  }
  return {};
}

}  // namespace firstline::core
