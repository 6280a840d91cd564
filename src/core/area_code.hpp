// Area levels and their unified codes (shared/DOMAIN.md): a district has the
// 6-digit GB/T 2260 code, a street 9 digits (GB/T 10114), a community 12, a
// grid 15 (DB11/T 2157 structure). A child's code extends its parent's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace firstline::core {

enum class AreaLevel { district = 0, street = 1, community = 2, grid = 3 };

std::string_view area_level_key(AreaLevel level);
std::optional<AreaLevel> parse_area_level(std::string_view key);
/// Number of digits of a code at this level (6, 9, 12, 15).
std::size_t area_code_length(AreaLevel level);
/// The level directly above, or nullopt for a district.
std::optional<AreaLevel> parent_level(AreaLevel level);

/// Checks a code for a level: only digits, the level's length, and when a
/// parent code is given, that it is a code of the level above (3 digits
/// shorter; not checked for a district) and that `code` starts with it.
/// Fails with invalid on field "code".
Status validate_area_code(std::string_view code, AreaLevel level, std::optional<std::string_view> parent_code);

}  // namespace firstline::core
