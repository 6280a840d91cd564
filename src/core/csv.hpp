// CSV (RFC 4180) reading and writing for imports and exports. Pure functions
// over strings: no I/O, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace firstline::core {

/// One record of a CSV file.
struct CsvRow {
  std::size_t line = 0;             // 1-based physical line where the record starts
  std::vector<std::string> fields;  // unquoted and unescaped
};

/// Parses a whole CSV text into records.
/// - A leading UTF-8 byte order mark is removed.
/// - Records end with "\n" or "\r\n"; a final line without one is a record too.
/// - A field that starts with '"' is quoted: it may hold commas, line breaks
///   and doubled quotes (""); after its closing quote comes ',' or the end of
///   the record. A '"' inside an unquoted field is kept as it is.
/// - Lines that are empty or hold only spaces/tabs are skipped (they do not
///   become records, but are counted for line numbers). A line of only commas
///   is a record of empty fields.
/// Fails with bad_request when the text is not UTF-8 (the message says when it
/// looks like GBK/GB 18030 or UTF-16 and how to re-save it), when a quoted field
/// is never closed, or when something other than ',' or a line break follows a
/// closing quote; the message names the line.
Result<std::vector<CsvRow>> parse_csv(std::string_view text);

/// One field as CSV: quoted when it holds ',', '"', CR or LF or begins or ends
/// with a space or tab (inner quotes doubled). A field a spreadsheet would run
/// as a formula gets a leading "'": one starting with '=', '@', tab or CR, or
/// with '+'/'-' unless it is just a signed number or phone number
/// ("-5", "+86 138 0013 8000"). parse_csv() does not remove that "'".
std::string csv_escape(std::string_view field);

/// The fields escaped with csv_escape(), joined with ',' and ended with "\r\n".
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace firstline::core
