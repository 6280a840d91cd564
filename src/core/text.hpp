// Small text utilities shared by every module.
#pragma once

#include <string>
#include <string_view>

namespace firstline::core {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view s);
/// Number of code points in valid UTF-8 text.
std::size_t utf8_length(std::string_view s);
/// At most `max_bytes` bytes of valid UTF-8 text, cut at a character boundary.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes);
/// A-Z folded to a-z; other bytes unchanged (matches lower() of SQLite and, for ASCII, PostgreSQL).
std::string ascii_lower(std::string_view s);
/// Removes ASCII whitespace at both ends.
std::string_view trim(std::string_view s);
/// Escapes %, _ and \ so that user text matches literally inside LIKE ... ESCAPE '\'.
std::string escape_like(std::string_view s);

}  // namespace firstline::core
