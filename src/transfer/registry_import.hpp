// Import of the registry from CSV files (UTF-8, with or without BOM): areas,
// buildings, households and residents. Valid rows are stored, every bad row is
// reported with its line number, field and reason; importing the same file
// again creates no duplicates (rows are matched on their natural keys and
// updated). GBK files are rejected with a clear message.
//
// Columns (header row required, any order, names case-insensitive; an
// unknown column fails the whole file, and so does a missing required one):
//   areas:      code*, name*, level*, parent_code, local_code, responsible, phone, boundary
//   buildings:  grid_code*, name*, address*, kind, floors, latitude, longitude
//   households: grid_code*, address*, building_address, phone, verified
//   residents:  grid_code*, household_address, name*, document_type, id_number, phone,
//               birth_date, sex, relation, tags
// Natural keys: areas by code; buildings and households by (grid, address);
// residents by (document_type, id_number), or by (grid, household, name) when
// the row has no id_number (a resident found so keeps a stored id_number; a row
// whose id_number is not registered yet also adopts a resident of the same
// grid, household and name who has none).
// A cell left empty clears the value; a column left out of the file keeps the
// stored values of matched records; a row with fewer values than the header
// reads the missing ones as empty. The same key twice in one file is a row
// error on the later line. Cells that an export guarded against spreadsheet
// formulas (a leading "'" before = + - @) are read without the "'".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"

namespace firstline::transfer {

enum class RegistryKind { areas, buildings, households, residents };
std::string_view registry_kind_key(RegistryKind kind);
std::optional<RegistryKind> parse_registry_kind(std::string_view key);

/// The columns of a kind's CSV files, in the order exports write them.
const std::vector<std::string_view>& registry_columns(RegistryKind kind);

/// Data rows written per transaction.
inline constexpr std::size_t kImportChunkRows = 5000;
/// At most this many row errors are listed in a report (ImportReport::failed counts them all).
inline constexpr std::size_t kMaxReportedErrors = 10000;

struct RowError {
  std::size_t line = 0;  // physical line in the file (header is line 1)
  std::string field;     // column name, when the error is about one
  std::string message;
};

struct ImportReport {
  std::size_t rows = 0;  // data rows read
  std::size_t created = 0;
  std::size_t updated = 0;       // matched an existing record and changed it
  std::size_t unchanged = 0;     // matched an existing record with the same values
  std::size_t failed = 0;        // rows not stored because of an error
  std::vector<RowError> errors;  // in line order; the first kMaxReportedErrors of them
  bool dry_run = false;          // preview: nothing was stored
};

/// Thread-safe: each call borrows its own connection from the pool.
class RegistryImporter {
 public:
  RegistryImporter(db::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}
  /// Imports `csv`. Fails as a whole (bad_request) only when the file cannot be
  /// read as CSV (encoding, quotes) or its header lacks required columns, is
  /// missing, or names an unknown or repeated column; nothing is stored then.
  /// Fails with forbidden when the caller holds write_registry (areas:
  /// write_areas) nowhere. Otherwise row problems land in the report.
  /// `dry_run` validates everything, lookups included, without storing.
  /// Rows outside the caller's write scope are row errors. Rows are written in
  /// transactions of kImportChunkRows rows; each committed chunk writes its own
  /// audit entry (action "import") with that chunk's counts. A database failure throws db::Error and leaves
  /// the chunks before it stored.
  core::Result<ImportReport> import_csv(const core::Principal& who, RegistryKind kind, std::string_view csv,
                                        bool dry_run = false);

  /// The clock imports are stamped with (exports use it for their audit entries).
  const core::Clock& clock() const { return clock_; }

 private:
  db::Database& db_;
  const core::Clock& clock_;
};

}  // namespace firstline::transfer
