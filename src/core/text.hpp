// Small text utilities shared by every module.
#pragma once

#include <string>
#include <string_view>

namespace firstline::core {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view s);
/// Number of code points in valid UTF-8 text.
std::size_t utf8_length(std::string_view s);
/// Removes ASCII whitespace at both ends.
std::string_view trim(std::string_view s);
/// Escapes %, _ and \ so that user text matches literally inside LIKE ... ESCAPE '\'.
std::string escape_like(std::string_view s);

}  // namespace firstline::core
