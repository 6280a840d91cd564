#include "core/csv.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace firstline::core {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_blank_line(std::string_view text, std::size_t pos, std::size_t& next) {
  std::size_t i = pos;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
  if (i < text.size() && text[i] != '\n') return false;
  next = i < text.size() ? i + 1 : i;
  return true;
}

/// Counts the bytes of `text` as GBK/GB 18030 (two-byte pairs lead 0x81–0xFE,
/// trail 0x40–0xFE except 0x7F; four-byte sequences lead, 0x30–0x39, lead,
/// 0x30–0x39) and as UTF-8, and says whether GBK fits much better.
bool looks_like_gbk(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto is_lead = [](unsigned char c) { return c >= 0x81 && c <= 0xFE; };
  const auto is_digit = [](unsigned char c) { return c >= 0x30 && c <= 0x39; };
  const std::size_t n = text.size();

  std::size_t gbk_fit = 0, gbk_misfit = 0;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = byte(i);
    if (c < 0x80) { ++i; continue; }
    if (is_lead(c) && i + 1 < n) {
      const unsigned char t = byte(i + 1);
      if (t >= 0x40 && t <= 0xFE && t != 0x7F) { ++gbk_fit; i += 2; continue; }
      if (is_digit(t) && i + 3 < n && is_lead(byte(i + 2)) && is_digit(byte(i + 3))) {
        ++gbk_fit; i += 4; continue;
      }
    }
    ++gbk_misfit;
    ++i;
  }

  // UTF-8 read of the same bytes: well-formed multi-byte sequences vs bad bytes.
  std::size_t utf8_fit = 0, utf8_misfit = 0;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = byte(i);
    if (c < 0x80) { ++i; continue; }
    const std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len != 0 && i + len <= n && is_valid_utf8(text.substr(i, len))) {
      ++utf8_fit;
      i += len;
    } else {
      ++utf8_misfit;
      ++i;
    }
  }
  // Most non-ASCII bytes pair up as GBK, and read as UTF-8 they are mostly
  // broken (a UTF-8 file with one damaged byte is not GBK).
  return gbk_fit > 0 && gbk_misfit * 10 <= gbk_fit && utf8_misfit >= utf8_fit;
}

/// 1-based line of the first byte sequence that is not UTF-8. A line break
/// byte never occurs inside a multi-byte sequence, so lines can be checked
/// one by one.
std::size_t first_non_utf8_line(std::string_view text) {
  std::size_t line = 1;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto piece = text.substr(0, nl);
    if (!is_valid_utf8(piece)) return line;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    ++line;
  }
  return line;
}

std::unexpected<Error> not_utf8(std::string_view text) {
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    return fail(ErrorCode::bad_request,
                "the file is not UTF-8 (it is UTF-16): save it as UTF-8 (CSV UTF-8 in Excel) and import again");
  }
  if (looks_like_gbk(text)) {
    return fail(ErrorCode::bad_request,
                "the file is not UTF-8 (it looks like GBK/GB 18030): save it as UTF-8 (CSV UTF-8 in Excel) and "
                "import again");
  }
  return fail(ErrorCode::bad_request,
              fmt::format("the file is not UTF-8 (invalid bytes on line {}): save it as UTF-8 (CSV UTF-8 in "
                          "Excel) and import again",
                          first_non_utf8_line(text)));
}

bool starts_signed_number(std::string_view s) {
  // s[0] is '+' or '-'. A number or phone: a digit next, then only digits and
  // the separators people write in numbers.
  if (s.size() < 2 || s[1] < '0' || s[1] > '9') return false;
  for (char c : s.substr(2)) {
    const bool ok = (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
    if (!ok) return false;
  }
  return true;
}

bool needs_defusing(std::string_view s) {
  if (s.empty()) return false;
  switch (s.front()) {
    case '=':
    case '@':
    case '\t':
    case '\r':
      return true;
    case '+':
    case '-':
      return s.size() > 1 && !starts_signed_number(s);
    default:
      return false;
  }
}

}  // namespace

Result<std::vector<CsvRow>> parse_csv(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  if (!is_valid_utf8(text)) return not_utf8(text);

  std::vector<CsvRow> rows;
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::size_t line = 1;
  std::size_t width = 0;  // fields of the previous record, to reserve

  while (i < n) {
    std::size_t after_blank;
    if (is_blank_line(text, i, after_blank)) {
      if (text[after_blank - 1] == '\n') ++line;
      i = after_blank;
      continue;
    }

    CsvRow row;
    row.line = line;
    row.fields.reserve(width);
    bool record_done = false;
    while (!record_done) {
      if (i < n && text[i] == '"') {
        const std::size_t open_line = line;
        std::string field;
        ++i;
        for (;;) {
          const auto quote = text.find('"', i);
          if (quote == std::string_view::npos) {
            return fail(ErrorCode::bad_request,
                        fmt::format("line {}: a quoted field is never closed (unterminated quote)", open_line));
          }
          const auto chunk = text.substr(i, quote - i);
          for (char c : chunk) line += c == '\n';
          field.append(chunk);
          i = quote + 1;
          if (i < n && text[i] == '"') {  // "" is one quote
            field.push_back('"');
            ++i;
            continue;
          }
          break;
        }
        row.fields.push_back(std::move(field));
        if (i == n) {
          record_done = true;
        } else if (text[i] == ',') {
          ++i;
        } else if (text[i] == '\n') {
          ++i;
          ++line;
          record_done = true;
        } else if (text[i] == '\r' && (i + 1 == n || text[i + 1] == '\n')) {
          i += i + 1 == n ? 1 : 2;
          ++line;
          record_done = true;
        } else {
          return fail(ErrorCode::bad_request,
                      fmt::format("line {}: unexpected text after a closing quote (a quote inside a quoted field "
                                  "must be doubled)",
                                  line));
        }
      } else {
        const std::size_t start = i;
        while (i < n && text[i] != ',' && text[i] != '\n') ++i;
        std::size_t end = i;
        const bool at_comma = i < n && text[i] == ',';
        if (!at_comma && end > start && text[end - 1] == '\r') --end;  // CRLF
        row.fields.emplace_back(text.substr(start, end - start));
        if (at_comma) {
          ++i;
        } else {
          if (i < n) {  // '\n'
            ++i;
            ++line;
          }
          record_done = true;
        }
      }
      // A ',' right before the end of the text leaves one more empty field.
      if (!record_done && i == n) {
        row.fields.emplace_back();
        record_done = true;
      }
    }
    width = row.fields.size();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_escape(std::string_view field) {
  std::string value;
  if (needs_defusing(field)) {
    value.reserve(field.size() + 1);
    value.push_back('\'');
  }
  value.append(field);

  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  const bool quote = value.find_first_of(",\"\r\n") != std::string::npos ||
                     (!value.empty() && (is_space(value.front()) || is_space(value.back())));
  if (!quote) return value;

  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (k > 0) out.push_back(',');
    out.append(csv_escape(fields[k]));
  }
  out.append("\r\n");
  return out;
}

}  // namespace firstline::core
