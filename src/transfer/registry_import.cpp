#include "transfer/registry_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "areas/area.hpp"
#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/csv.hpp"
#include "core/text.hpp"
#include "people/people_service.hpp"
#include "people/people_store.hpp"

namespace firstline::transfer {

using core::ErrorCode;
using core::Permission;

std::string_view registry_kind_key(RegistryKind kind) {
  switch (kind) {
    case RegistryKind::areas:
      return "areas";
    case RegistryKind::buildings:
      return "buildings";
    case RegistryKind::households:
      return "households";
    case RegistryKind::residents:
      return "residents";
  }
  return "areas";
}

std::optional<RegistryKind> parse_registry_kind(std::string_view key) {
  for (auto kind : {RegistryKind::areas, RegistryKind::buildings, RegistryKind::households, RegistryKind::residents}) {
    if (registry_kind_key(kind) == key) return kind;
  }
  return std::nullopt;
}

namespace {

struct ColumnSpec {
  std::string_view name;
  bool required = false;
};

// Positions in column_specs(); the order is the export's column order.
namespace area_col {
enum : int { code, name, level, parent_code, local_code, responsible, phone, boundary };
}
namespace building_col {
enum : int { grid_code, name, address, kind, floors, latitude, longitude };
}
namespace household_col {
enum : int { grid_code, address, building_address, phone, verified };
}
namespace resident_col {
enum : int { grid_code, household_address, name, document_type, id_number, phone, birth_date, sex, relation, tags };
}

const std::vector<ColumnSpec>& column_specs(RegistryKind kind) {
  static const std::vector<ColumnSpec> areas = {{"code", true},         {"name", true},        {"level", true},
                                                {"parent_code", false}, {"local_code", false}, {"responsible", false},
                                                {"phone", false},       {"boundary", false}};
  static const std::vector<ColumnSpec> buildings = {{"grid_code", true}, {"name", true},    {"address", true},
                                                    {"kind", false},     {"floors", false}, {"latitude", false},
                                                    {"longitude", false}};
  static const std::vector<ColumnSpec> households = {
      {"grid_code", true}, {"address", true}, {"building_address", false}, {"phone", false}, {"verified", false}};
  static const std::vector<ColumnSpec> residents = {
      {"grid_code", true}, {"household_address", false}, {"name", true}, {"document_type", false}, {"id_number", false},
      {"phone", false},    {"birth_date", false},        {"sex", false}, {"relation", false},      {"tags", false}};
  switch (kind) {
    case RegistryKind::areas:
      return areas;
    case RegistryKind::buildings:
      return buildings;
    case RegistryKind::households:
      return households;
    case RegistryKind::residents:
      return residents;
  }
  return areas;
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// csv_escape() puts "'" before a value a spreadsheet would run as a formula;
// reading an exported file back removes it.
std::string_view without_formula_guard(std::string_view v) {
  if (v.size() >= 2 && v[0] == '\'') {
    switch (v[1]) {
      case '=':
      case '@':
      case '+':
      case '-':
      case '\t':
      case '\r':
        v.remove_prefix(1);
        break;
      default:
        break;
    }
  }
  return v;
}

// ---- reading the file in pieces ----

// A piece of the CSV text holding whole records, and the file line it starts on.
struct CsvPiece {
  std::string_view text;
  std::size_t first_line = 1;
};

// Cuts the text after every `lines`-th line break that lies outside a quoted
// field (with parse_csv()'s quoting rules: a field is quoted only when its
// first character is '"', and "" inside it is one quote), so that each piece
// parses on its own exactly as it would inside the whole file.
std::vector<CsvPiece> cut_into_pieces(std::string_view text, std::size_t lines) {
  std::vector<CsvPiece> pieces;
  std::size_t start = 0, line = 1, start_line = 1, lines_in_piece = 0;
  bool in_quotes = false, field_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          ++i;
        } else {
          in_quotes = false;
        }
      } else if (c == '\n') {
        ++line;
      }
      continue;
    }
    if (c == '"' && field_start) {
      in_quotes = true;
      field_start = false;
    } else if (c == ',') {
      field_start = true;
    } else if (c == '\n') {
      ++line;
      field_start = true;
      if (++lines_in_piece >= lines) {
        pieces.push_back({text.substr(start, i + 1 - start), start_line});
        start = i + 1;
        start_line = line;
        lines_in_piece = 0;
      }
    } else {
      field_start = false;
    }
  }
  if (start < text.size() || pieces.empty()) pieces.push_back({text.substr(start), start_line});
  return pieces;
}

core::Result<std::vector<core::CsvRow>> parse_piece(const CsvPiece& piece) {
  auto rows = core::parse_csv(piece.text);
  if (!rows) {
    // Read it again behind as many blank lines as precede it, so that the
    // message names the line of the file rather than of the piece.
    std::string padded(piece.first_line - 1, '\n');
    padded.append(piece.text);
    auto again = core::parse_csv(padded);
    return std::unexpected(again ? rows.error() : again.error());
  }
  for (auto& row : *rows) row.line += piece.first_line - 1;
  return rows;
}

// ---- the header ----

// Where each of a kind's columns sits in the file.
class Header {
 public:
  static core::Result<Header> read(RegistryKind kind, const core::CsvRow& row) {
    const auto& specs = column_specs(kind);
    Header h;
    h.index_.assign(specs.size(), -1);
    h.width_ = row.fields.size();
    for (std::size_t i = 0; i < row.fields.size(); ++i) {
      const auto original = core::trim(row.fields[i]);
      const auto name = lower_ascii(original);
      if (name.empty()) {
        h.unnamed_.push_back(i);
        continue;
      }
      auto it = std::find_if(specs.begin(), specs.end(), [&](const ColumnSpec& s) { return s.name == name; });
      if (it == specs.end()) {
        std::string known;
        for (const auto& s : specs) known += (known.empty() ? "" : ", ") + std::string(s.name);
        return core::fail(ErrorCode::bad_request,
                          fmt::format("unknown column {} in the header (line {}); the columns of {} are: {}", original,
                                      row.line, registry_kind_key(kind), known),
                          std::string(original));
      }
      auto& slot = h.index_[static_cast<std::size_t>(it - specs.begin())];
      if (slot >= 0) {
        return core::fail(ErrorCode::bad_request, fmt::format("the column {} appears twice in the header", name), name);
      }
      slot = static_cast<int>(i);
    }
    for (std::size_t k = 0; k < specs.size(); ++k) {
      if (specs[k].required && h.index_[k] < 0) {
        return core::fail(ErrorCode::bad_request,
                          fmt::format("the header (line {}) lacks the required column {}", row.line, specs[k].name),
                          std::string(specs[k].name));
      }
    }
    return h;
  }

  bool has(int col) const { return index_[static_cast<std::size_t>(col)] >= 0; }

  /// The value of `col` in `row`: trimmed, without a formula guard; "" when
  /// the column is not in the file or the row is short.
  std::string cell(const core::CsvRow& row, int col) const {
    const int at = index_[static_cast<std::size_t>(col)];
    if (at < 0 || static_cast<std::size_t>(at) >= row.fields.size()) return {};
    return std::string(without_formula_guard(core::trim(row.fields[static_cast<std::size_t>(at)])));
  }

  /// Checks that the row fits the header: no more values than columns and no
  /// value under a column without a name.
  core::Status check_shape(const core::CsvRow& row) const {
    if (row.fields.size() > width_) {
      return core::invalid("", fmt::format("the row has {} values but the header names {} columns (a comma too "
                                           "many, or a value with a comma that is not quoted?)",
                                           row.fields.size(), width_));
    }
    for (auto i : unnamed_) {
      if (i < row.fields.size() && !core::trim(row.fields[i]).empty()) {
        return core::invalid("", fmt::format("column {} has a value but no name in the header", i + 1));
      }
    }
    return {};
  }

 private:
  std::vector<int> index_;            // per column of column_specs(): position in the file, or -1
  std::vector<std::size_t> unnamed_;  // positions whose header cell is empty
  std::size_t width_ = 0;
};

bool is_blank_row(const core::CsvRow& row) {
  return std::all_of(row.fields.begin(), row.fields.end(), [](const std::string& f) { return core::trim(f).empty(); });
}

// ---- cell values ----

std::unexpected<core::Error> outside_scope(std::string field, const std::string& what) {
  return core::fail(ErrorCode::forbidden, fmt::format("{} is outside your scope", what), std::move(field));
}

std::unexpected<core::Error> duplicate(std::string field, std::size_t first_line) {
  return core::invalid(std::move(field), fmt::format("the same record is already on line {} of this file", first_line));
}

core::Status check_not_masked(std::string_view value, const char* field) {
  if (value.find('*') == std::string_view::npos) return {};
  return core::invalid(field, fmt::format("{} is masked (the file was exported by a role that may not see personal "
                                          "data); fill in the real value or leave the column out",
                                          field));
}

core::Result<std::optional<std::string>> optional_text(std::string value, const char* field, std::size_t max) {
  if (value.empty()) return std::optional<std::string>{};
  if (core::utf8_length(value) > max)
    return core::invalid(field, fmt::format("{} is longer than {} characters", field, max));
  return std::optional<std::string>{std::move(value)};
}

core::Result<std::optional<std::int64_t>> optional_integer(std::string_view text, const char* field) {
  if (text.empty()) return std::optional<std::int64_t>{};
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return core::invalid(field, fmt::format("{} must be a whole number", field));
  }
  return std::optional<std::int64_t>{n};
}

core::Result<std::optional<double>> optional_number(std::string_view text, const char* field) {
  if (text.empty()) return std::optional<double>{};
  if (text.front() == '+') text.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(d)) {
    return core::invalid(field, fmt::format("{} must be a number", field));
  }
  return std::optional<double>{d};
}

// "" -> nullopt (no change asked); true/false, 1/0, yes/no.
core::Result<std::optional<bool>> optional_bool(std::string_view text, const char* field) {
  const auto v = lower_ascii(text);
  if (v.empty()) return std::optional<bool>{};
  if (v == "true" || v == "1" || v == "yes") return std::optional<bool>{true};
  if (v == "false" || v == "0" || v == "no") return std::optional<bool>{false};
  return core::invalid(field, fmt::format("{} must be true, false or empty", field));
}

std::optional<std::string> normalized_sex(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "M" || text == "m" || text == "男") return "M";
  if (text == "F" || text == "f" || text == "女") return "F";
  return text;  // validate_resident() names the problem
}

// "elderly_alone;chronic_illness" (';', '|' or ',' between tags).
std::vector<std::string> split_tag_list(std::string_view text) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find_first_of(";|,", start);
    if (end == std::string_view::npos) end = text.size();
    const auto tag = lower_ascii(core::trim(text.substr(start, end - start)));
    if (!tag.empty()) tags.push_back(tag);
    start = end + 1;
  }
  return tags;
}

// Keys of the records met earlier in this file, to report one given twice.
// Kept as 64-bit hashes to bound memory on million-row files (a false match
// needs a hash collision: about 1 in 10^7 for a million keys).
class SeenKeys {
 public:
  struct Entry {
    std::size_t line = 0;
    bool flag = false;
  };
  const Entry* find(std::string_view key) const {
    auto it = seen_.find(std::hash<std::string_view>{}(key));
    return it == seen_.end() ? nullptr : &it->second;
  }
  void remember(std::string_view key, std::size_t line, bool flag = false) {
    seen_.emplace(std::hash<std::string_view>{}(key), Entry{line, flag});
  }

 private:
  std::unordered_map<std::size_t, Entry> seen_;
};

enum class Outcome { created, updated, unchanged };

struct AreaRef {
  std::int64_t id = 0;
  std::string path;
  core::AreaLevel level = core::AreaLevel::grid;
};

// One import: validates rows, matches them with stored records and writes
// the changes on one connection, inside the caller's transactions. Caches the
// lookups of areas, buildings and households by code and address.
class ImportRun {
 public:
  ImportRun(db::Connection& conn, const core::Principal& who, RegistryKind kind, const Header& header, bool dry_run,
            core::Millis now)
      : conn_(conn),
        who_(who),
        kind_(kind),
        header_(header),
        dry_run_(dry_run),
        now_(now),
        today_(core::date_of(now)) {}

  core::Result<Outcome> import_row(const core::CsvRow& row) {
    if (auto st = header_.check_shape(row); !st) return std::unexpected(st.error());
    switch (kind_) {
      case RegistryKind::areas:
        return import_area(row);
      case RegistryKind::buildings:
        return import_building(row);
      case RegistryKind::households:
        return import_household(row);
      case RegistryKind::residents:
        return import_resident(row);
    }
    return core::fail(ErrorCode::internal, "unknown kind");
  }

 private:
  std::string cell(const core::CsvRow& row, int col) const { return header_.cell(row, col); }
  bool has(int col) const { return header_.has(col); }

  core::Result<Outcome> import_area(const core::CsvRow& row);
  core::Result<Outcome> import_building(const core::CsvRow& row);
  core::Result<Outcome> import_household(const core::CsvRow& row);
  core::Result<Outcome> import_resident(const core::CsvRow& row);

  // The area with this code, from the cache or the database; nullptr if none.
  const AreaRef* find_area(const std::string& code) {
    auto it = areas_by_code_.find(code);
    if (it == areas_by_code_.end()) {
      std::optional<AreaRef> ref;
      if (auto a = areas::AreaStore::get_by_code(conn_, code)) ref = AreaRef{a->id, a->path, a->level};
      it = areas_by_code_.emplace(code, std::move(ref)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  // The grid named in the row's grid_code, which the caller must be allowed to write.
  core::Result<const AreaRef*> writable_grid(const core::CsvRow& row, int col) {
    const auto code = cell(row, col);
    if (code.empty()) return core::invalid("grid_code", "grid_code is required");
    const AreaRef* area = find_area(code);
    if (!area) return core::invalid("grid_code", fmt::format("no area has the code {}", code));
    if (area->level != core::AreaLevel::grid) {
      return core::invalid("grid_code", fmt::format("{} is a {}, not a grid: buildings, households and residents "
                                                    "belong to a grid",
                                                    code, core::area_level_key(area->level)));
    }
    if (!who_.covers(Permission::write_registry, area->path)) return outside_scope("grid_code", "grid " + code);
    return area;
  }

  std::optional<std::int64_t> find_building_id(std::int64_t grid_id, const std::string& address) {
    auto key = fmt::format("{}\x1f{}", grid_id, address);
    auto it = buildings_.find(key);
    if (it == buildings_.end()) {
      std::optional<std::int64_t> id;
      if (auto b = people::PeopleStore::find_building(conn_, grid_id, address)) id = b->id;
      it = buildings_.emplace(std::move(key), id).first;
    }
    return it->second;
  }

  std::optional<std::int64_t> find_household_id(std::int64_t grid_id, const std::string& address) {
    auto key = fmt::format("{}\x1f{}", grid_id, address);
    auto it = households_.find(key);
    if (it == households_.end()) {
      std::optional<std::int64_t> id;
      if (auto h = people::PeopleStore::find_household(conn_, grid_id, address)) id = h->id;
      it = households_.emplace(std::move(key), id).first;
    }
    return it->second;
  }

  std::optional<std::string> area_path(std::int64_t area_id) {
    auto it = paths_by_id_.find(area_id);
    if (it == paths_by_id_.end())
      it = paths_by_id_.emplace(area_id, people::PeopleStore::area_path(conn_, area_id)).first;
    return it->second;
  }

  // Residents of a grid and household (or none) with this name; up to two ids.
  std::vector<std::int64_t> residents_named(std::int64_t grid_id, std::optional<std::int64_t> household_id,
                                            const std::string& name, bool without_id_number) {
    std::string sql = "SELECT id FROM residents WHERE area_id = $1 AND name = $2 AND deleted_at IS NULL";
    db::Params params{grid_id, name};
    if (household_id) {
      sql += " AND household_id = $3";
      params.emplace_back(*household_id);
    } else {
      sql += " AND household_id IS NULL";
    }
    if (without_id_number) sql += " AND id_number IS NULL";
    sql += " ORDER BY id LIMIT 2";
    auto rs = conn_.query(sql, params);
    std::vector<std::int64_t> ids;
    for (const auto& r : rs.rows) ids.push_back(db::as_int(r[0]));
    return ids;
  }

  // A household's first head: the resident who is "head" of it, if it has none yet.
  void set_head_if_missing(const people::Resident& r) {
    if (!r.household_id || r.relation != "head") return;
    auto h = people::PeopleStore::get_household(conn_, *r.household_id);
    if (h && !h->head_resident_id) {
      h->head_resident_id = r.id;
      people::PeopleStore::update_household(conn_, *h, now_);
    }
  }

  db::Connection& conn_;
  const core::Principal& who_;
  RegistryKind kind_;
  const Header& header_;
  bool dry_run_;
  core::Millis now_;
  core::Date today_;
  std::unordered_map<std::string, std::optional<AreaRef>> areas_by_code_;
  std::unordered_map<std::string, std::optional<std::int64_t>> buildings_;   // "grid id\x1faddress"
  std::unordered_map<std::string, std::optional<std::int64_t>> households_;  // "grid id\x1faddress"
  std::unordered_map<std::int64_t, std::optional<std::string>> paths_by_id_;
  SeenKeys seen_;
  std::int64_t next_preview_id_ = -1;  // ids given to the areas a dry run would create
};

core::Result<Outcome> ImportRun::import_area(const core::CsvRow& row) {
  namespace col = area_col;
  const auto code = cell(row, col::code);
  if (code.empty()) return core::invalid("code", "code is required");
  const auto level = core::parse_area_level(lower_ascii(cell(row, col::level)));
  if (!level) return core::invalid("level", "level must be district, street, community or grid");
  const auto name = cell(row, col::name);
  if (name.empty()) return core::invalid("name", "name is required");
  if (core::utf8_length(name) > 100) return core::invalid("name", "name is longer than 100 characters");

  const auto parent_code = cell(row, col::parent_code);
  const AreaRef* parent = nullptr;
  if (*level == core::AreaLevel::district) {
    if (!parent_code.empty()) return core::invalid("parent_code", "a district has no parent_code");
  } else {
    if (parent_code.empty()) return core::invalid("parent_code", "parent_code is required below district level");
    parent = find_area(parent_code);
    if (!parent) {
      return core::invalid("parent_code", fmt::format("no area has the code {} (import it first, or put it on an "
                                                      "earlier line of this file)",
                                                      parent_code));
    }
    const auto want = *core::parent_level(*level);
    if (parent->level != want) {
      return core::invalid("parent_code",
                           fmt::format("the parent of a {} must be a {}, and {} is a {}", core::area_level_key(*level),
                                       core::area_level_key(want), parent_code, core::area_level_key(parent->level)));
    }
  }
  if (auto st =
          core::validate_area_code(code, *level, parent ? std::optional<std::string_view>(parent_code) : std::nullopt);
      !st) {
    return std::unexpected(st.error());
  }
  auto local_code = optional_text(cell(row, col::local_code), "local_code", 40);
  if (!local_code) return std::unexpected(local_code.error());
  auto responsible = optional_text(cell(row, col::responsible), "responsible", 100);
  if (!responsible) return std::unexpected(responsible.error());
  auto phone = optional_text(cell(row, col::phone), "phone", 30);
  if (!phone) return std::unexpected(phone.error());
  std::optional<std::string> boundary;
  if (auto text = cell(row, col::boundary); !text.empty()) {
    if (auto st = areas::validate_boundary(text, "boundary"); !st) return std::unexpected(st.error());
    boundary = std::move(text);
  }

  const std::string key = "area\x1f" + code;
  if (const auto* first = seen_.find(key)) return duplicate("code", first->line);
  const std::optional<std::int64_t> parent_id = parent ? std::optional(parent->id) : std::nullopt;

  if (auto existing = areas::AreaStore::get_by_code(conn_, code)) {
    if (existing->level != *level) {
      return core::invalid("level", fmt::format("the area {} is a {}", code, core::area_level_key(existing->level)));
    }
    if (existing->parent_id != parent_id) {
      return core::invalid("parent_code", fmt::format("the area {} belongs to another parent area; an import does not "
                                                      "move areas",
                                                      code));
    }
    if (!who_.covers(Permission::write_areas, existing->path)) return outside_scope("code", "the area " + code);
    areas::Area changed = *existing;
    changed.name = name;
    if (has(col::local_code)) changed.local_code = *local_code;
    if (has(col::responsible)) changed.responsible = *responsible;
    if (has(col::phone)) changed.phone = *phone;
    if (has(col::boundary)) changed.boundary = boundary;
    areas_by_code_[code] = AreaRef{existing->id, existing->path, existing->level};
    seen_.remember(key, row.line);
    if (changed.name == existing->name && changed.local_code == existing->local_code &&
        changed.responsible == existing->responsible && changed.phone == existing->phone &&
        changed.boundary == existing->boundary) {
      return Outcome::unchanged;
    }
    if (!dry_run_) areas::AreaStore::update(conn_, changed, now_);
    return Outcome::updated;
  }

  if (*level == core::AreaLevel::district) {
    if (!who_.is_admin()) return outside_scope("code", "creating a district");
  } else if (!who_.covers(Permission::write_areas, parent->path)) {
    return outside_scope("parent_code", "the area " + parent_code);
  }
  AreaRef ref;
  const std::string parent_path = parent ? parent->path : std::string();
  if (dry_run_) {
    ref.id = next_preview_id_--;
    ref.path = (parent_path.empty() ? std::string("/") : parent_path) + std::to_string(ref.id) + "/";
  } else {
    areas::NewArea in;
    in.code = code;
    in.name = name;
    in.level = *level;
    in.parent_id = parent_id;
    in.local_code = *local_code;
    in.responsible = *responsible;
    in.phone = *phone;
    in.boundary = boundary;
    auto created = areas::AreaStore::insert(conn_, in, parent_path, now_);
    ref.id = created.id;
    ref.path = created.path;
  }
  ref.level = *level;
  areas_by_code_[code] = std::move(ref);
  seen_.remember(key, row.line);
  return Outcome::created;
}

core::Result<Outcome> ImportRun::import_building(const core::CsvRow& row) {
  namespace col = building_col;
  auto grid = writable_grid(row, col::grid_code);
  if (!grid) return std::unexpected(grid.error());
  people::Building in;
  in.area_id = (*grid)->id;
  in.name = cell(row, col::name);
  in.address = cell(row, col::address);
  in.kind = lower_ascii(cell(row, col::kind));
  auto floors = optional_integer(cell(row, col::floors), "floors");
  if (!floors) return std::unexpected(floors.error());
  auto latitude = optional_number(cell(row, col::latitude), "latitude");
  if (!latitude) return std::unexpected(latitude.error());
  auto longitude = optional_number(cell(row, col::longitude), "longitude");
  if (!longitude) return std::unexpected(longitude.error());
  in.floors = *floors;
  in.latitude = *latitude;
  in.longitude = *longitude;
  if (auto st = people::validate_building(in); !st) return std::unexpected(st.error());

  const auto key = fmt::format("building\x1f{}\x1f{}", in.area_id, in.address);
  if (const auto* first = seen_.find(key)) return duplicate("address", first->line);
  auto existing = people::PeopleStore::find_building(conn_, in.area_id, in.address);
  seen_.remember(key, row.line);
  if (!existing) {
    if (!dry_run_) {
      auto b = people::PeopleStore::insert_building(conn_, in, now_);
      buildings_[fmt::format("{}\x1f{}", b.area_id, b.address)] = b.id;
    }
    return Outcome::created;
  }
  people::Building changed = *existing;
  changed.name = in.name;
  if (has(col::kind)) changed.kind = in.kind;
  if (has(col::floors)) changed.floors = in.floors;
  if (has(col::latitude)) changed.latitude = in.latitude;
  if (has(col::longitude)) changed.longitude = in.longitude;
  if (changed.name == existing->name && changed.kind == existing->kind && changed.floors == existing->floors &&
      changed.latitude == existing->latitude && changed.longitude == existing->longitude) {
    return Outcome::unchanged;
  }
  if (!dry_run_) people::PeopleStore::update_building(conn_, changed, now_);
  return Outcome::updated;
}

core::Result<Outcome> ImportRun::import_household(const core::CsvRow& row) {
  namespace col = household_col;
  auto grid = writable_grid(row, col::grid_code);
  if (!grid) return std::unexpected(grid.error());
  people::Household in;
  in.area_id = (*grid)->id;
  in.address = cell(row, col::address);
  if (auto phone = cell(row, col::phone); !phone.empty()) {
    if (auto st = check_not_masked(phone, "phone"); !st) return std::unexpected(st.error());
    in.phone = std::move(phone);
  }
  if (auto st = people::validate_household(in); !st) return std::unexpected(st.error());
  if (auto building = cell(row, col::building_address); !building.empty()) {
    in.building_id = find_building_id(in.area_id, building);
    if (!in.building_id) {
      return core::invalid("building_address", fmt::format("no building has the address {} in grid {}", building,
                                                           cell(row, col::grid_code)));
    }
  }
  auto verified = optional_bool(cell(row, col::verified), "verified");
  if (!verified) return std::unexpected(verified.error());

  const auto key = fmt::format("household\x1f{}\x1f{}", in.area_id, in.address);
  if (const auto* first = seen_.find(key)) return duplicate("address", first->line);
  auto existing = people::PeopleStore::find_household(conn_, in.area_id, in.address);
  seen_.remember(key, row.line);
  if (!existing) {
    if (!dry_run_) {
      auto h = people::PeopleStore::insert_household(conn_, in, now_);
      if (verified->value_or(false)) people::PeopleStore::set_household_verified(conn_, h.id, now_, who_.user_id, now_);
      households_[fmt::format("{}\x1f{}", h.area_id, h.address)] = h.id;
    }
    return Outcome::created;
  }
  people::Household changed = *existing;
  if (has(col::building_address)) changed.building_id = in.building_id;
  if (has(col::phone)) changed.phone = in.phone;
  const bool was_verified = existing->verified_at.has_value();
  const bool verify = verified->value_or(was_verified);
  const bool fields_changed = changed.building_id != existing->building_id || changed.phone != existing->phone;
  if (!fields_changed && verify == was_verified) return Outcome::unchanged;
  if (!dry_run_) {
    if (fields_changed) people::PeopleStore::update_household(conn_, changed, now_);
    if (verify != was_verified) {
      people::PeopleStore::set_household_verified(conn_, changed.id, verify ? std::optional(now_) : std::nullopt,
                                                  verify ? std::optional(who_.user_id) : std::nullopt, now_);
    }
  }
  return Outcome::updated;
}

core::Result<Outcome> ImportRun::import_resident(const core::CsvRow& row) {
  namespace col = resident_col;
  auto grid = writable_grid(row, col::grid_code);
  if (!grid) return std::unexpected(grid.error());
  people::Resident in;
  in.area_id = (*grid)->id;
  if (auto address = cell(row, col::household_address); !address.empty()) {
    in.household_id = find_household_id(in.area_id, address);
    if (!in.household_id) {
      return core::invalid("household_address", fmt::format("no household has the address {} in grid {}", address,
                                                            cell(row, col::grid_code)));
    }
  }
  in.name = cell(row, col::name);
  in.document_type = lower_ascii(cell(row, col::document_type));
  if (auto id_number = cell(row, col::id_number); !id_number.empty()) {
    if (auto st = check_not_masked(id_number, "id_number"); !st) return std::unexpected(st.error());
    in.id_number = std::move(id_number);
  }
  if (auto phone = cell(row, col::phone); !phone.empty()) {
    if (auto st = check_not_masked(phone, "phone"); !st) return std::unexpected(st.error());
    in.phone = std::move(phone);
  }
  if (auto birth = cell(row, col::birth_date); !birth.empty()) in.birth_date = std::move(birth);
  in.sex = normalized_sex(cell(row, col::sex));
  if (auto relation = lower_ascii(cell(row, col::relation)); !relation.empty()) in.relation = std::move(relation);
  in.tags = split_tag_list(cell(row, col::tags));
  if (auto st = people::validate_resident(in, today_); !st) return std::unexpected(st.error());

  // Match the row with a stored resident (see the header for the rules).
  const auto name_key = fmt::format("resident\x1f{}\x1f{}\x1f{}", in.area_id, in.household_id.value_or(0), in.name);
  const std::string document_key =
      in.id_number ? fmt::format("document\x1f{}\x1f{}", in.document_type, *in.id_number) : std::string();
  const auto* same_name = seen_.find(name_key);
  std::optional<people::Resident> existing;
  if (in.id_number) {
    if (const auto* first = seen_.find(document_key)) return duplicate("id_number", first->line);
    if (same_name && !same_name->flag) return duplicate("name", same_name->line);
    existing = people::PeopleStore::find_resident_by_document(conn_, in.document_type, *in.id_number);
    if (!existing) {
      auto ids = residents_named(in.area_id, in.household_id, in.name, /*without_id_number=*/true);
      if (ids.size() > 1) {
        return core::invalid("name", fmt::format("several residents named {} without an identity number live here; "
                                                 "the import cannot tell which one this is",
                                                 in.name));
      }
      if (ids.size() == 1) existing = people::PeopleStore::get_resident(conn_, ids[0]);
    }
  } else {
    if (same_name) return duplicate("name", same_name->line);
    auto ids = residents_named(in.area_id, in.household_id, in.name, /*without_id_number=*/false);
    if (ids.size() > 1) {
      return core::invalid("name", fmt::format("several residents named {} live here; give their id_number to tell "
                                               "them apart",
                                               in.name));
    }
    if (ids.size() == 1) existing = people::PeopleStore::get_resident(conn_, ids[0]);
  }

  if (!existing) {
    seen_.remember(name_key, row.line, in.id_number.has_value());
    if (in.id_number) seen_.remember(document_key, row.line);
    if (!dry_run_) {
      auto r = people::PeopleStore::insert_resident(conn_, in, now_);
      set_head_if_missing(r);
    }
    return Outcome::created;
  }

  if (existing->area_id != in.area_id) {
    auto path = area_path(existing->area_id);
    if (!path || !who_.covers(Permission::write_registry, *path)) {
      return outside_scope("id_number", "the resident with this identity document, registered in another area,");
    }
  }
  people::Resident changed = *existing;
  changed.area_id = in.area_id;
  changed.name = in.name;
  if (has(col::document_type)) changed.document_type = in.document_type;
  if (in.id_number) changed.id_number = in.id_number;  // an empty cell never removes a stored number
  if (has(col::phone)) changed.phone = in.phone;
  // Birth date and sex were derived from a given identity number.
  if (has(col::birth_date) || in.id_number) changed.birth_date = in.birth_date;
  if (has(col::sex) || in.id_number) changed.sex = in.sex;
  if (has(col::relation)) changed.relation = in.relation;
  if (has(col::tags)) changed.tags = in.tags;
  // A resident who moves to another grid leaves the household of the old one.
  if (has(col::household_address) || existing->area_id != in.area_id) changed.household_id = in.household_id;
  if (auto st = people::validate_resident(changed, today_); !st) return std::unexpected(st.error());

  seen_.remember(name_key, row.line, changed.id_number.has_value());
  if (changed.id_number)
    seen_.remember(fmt::format("document\x1f{}\x1f{}", changed.document_type, *changed.id_number), row.line);
  if (changed.area_id == existing->area_id && changed.household_id == existing->household_id &&
      changed.name == existing->name && changed.document_type == existing->document_type &&
      changed.id_number == existing->id_number && changed.phone == existing->phone &&
      changed.birth_date == existing->birth_date && changed.sex == existing->sex &&
      changed.relation == existing->relation && changed.tags == existing->tags) {
    return Outcome::unchanged;
  }
  if (!dry_run_) {
    people::PeopleStore::update_resident(conn_, changed, now_);
    set_head_if_missing(changed);
  }
  return Outcome::updated;
}

}  // namespace

const std::vector<std::string_view>& registry_columns(RegistryKind kind) {
  static const auto names = [] {
    std::vector<std::vector<std::string_view>> out;
    for (auto k : {RegistryKind::areas, RegistryKind::buildings, RegistryKind::households, RegistryKind::residents}) {
      std::vector<std::string_view> cols;
      for (const auto& spec : column_specs(k)) cols.push_back(spec.name);
      out.push_back(std::move(cols));
    }
    return out;
  }();
  return names[static_cast<std::size_t>(kind)];
}

core::Result<ImportReport> RegistryImporter::import_csv(const core::Principal& who, RegistryKind kind,
                                                        std::string_view csv, bool dry_run) {
  if (!who.has(kind == RegistryKind::areas ? Permission::write_areas : Permission::write_registry)) {
    return core::forbidden(fmt::format("your roles do not allow importing {}", registry_kind_key(kind)));
  }
  std::string_view text = csv;
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  if (!core::is_valid_utf8(text)) {
    auto parsed = core::parse_csv(csv);  // its message tells GBK and UTF-16 apart
    if (!parsed) return std::unexpected(parsed.error());
    return core::fail(ErrorCode::bad_request, "the file is not UTF-8: save it as UTF-8 and import again");
  }

  // Read the whole file before storing anything: a file that is not CSV stores nothing.
  const auto pieces = cut_into_pieces(text, kImportChunkRows);
  std::vector<core::CsvRow> first_rows;
  std::optional<Header> header;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    auto rows = parse_piece(pieces[i]);
    if (!rows) return std::unexpected(rows.error());
    if (!header && !rows->empty()) {
      auto h = Header::read(kind, rows->front());
      if (!h) return std::unexpected(h.error());
      header = std::move(*h);
    }
    if (i == 0) first_rows = std::move(*rows);
  }
  if (!header) {
    return core::fail(ErrorCode::bad_request, "the file is empty: its first line must name the columns");
  }

  ImportReport report;
  report.dry_run = dry_run;
  auto conn = db_.acquire();
  const auto now = clock_.now();
  ImportRun run(*conn, who, kind, *header, dry_run, now);
  bool header_passed = false;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto rows = i == 0 ? std::move(first_rows) : std::move(parse_piece(pieces[i]).value());
    const ImportReport chunk_start = report;
    db::in_transaction(*conn, dry_run ? db::TxMode::read : db::TxMode::write, [&] {
      for (const auto& row : rows) {
        if (!header_passed) {
          header_passed = true;
          continue;
        }
        if (is_blank_row(row)) continue;
        ++report.rows;
        auto outcome = run.import_row(row);
        if (!outcome) {
          ++report.failed;
          if (report.errors.size() < kMaxReportedErrors) {
            report.errors.push_back(RowError{row.line, outcome.error().field, outcome.error().message});
          }
          continue;
        }
        switch (*outcome) {
          case Outcome::created:
            ++report.created;
            break;
          case Outcome::updated:
            ++report.updated;
            break;
          case Outcome::unchanged:
            ++report.unchanged;
            break;
        }
      }
      // Each committed chunk carries its own audit entry, so rows that are
      // stored are audited even if a later chunk fails.
      if (!dry_run) {
        audit::record(*conn, who, now, "import", std::string(registry_kind_key(kind)), std::nullopt, std::nullopt,
                      fmt::format(R"({{"chunk":{},"of":{},"rows":{},"created":{},"updated":{},"unchanged":{},"failed":{}}})",
                                  i + 1, pieces.size(), report.rows - chunk_start.rows,
                                  report.created - chunk_start.created, report.updated - chunk_start.updated,
                                  report.unchanged - chunk_start.unchanged, report.failed - chunk_start.failed));
      }
    });
  }
  return report;
}

}  // namespace firstline::transfer
