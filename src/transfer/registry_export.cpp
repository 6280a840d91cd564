#include "transfer/registry_export.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <functional>

#include "audit/audit_log.hpp"
#include "core/csv.hpp"
#include "core/identity.hpp"
#include "db/sql.hpp"
#include "people/people_store.hpp"

namespace firstline::transfer {

namespace json = boost::json;
using core::Permission;

namespace {

constexpr std::int64_t kPageRows = 1000;

// The subtree paths the caller may read with `p`, narrowed to `area_id`'s subtree.
core::Result<std::vector<std::string>> export_scope(db::Connection& conn, const core::Principal& who, Permission p,
                                                    std::optional<std::int64_t> area_id) {
  auto scope = who.scope_paths(p);
  if (scope.empty()) return core::forbidden("your roles do not allow reading these records");
  if (!area_id) return scope;
  auto path = people::PeopleStore::area_path(conn, *area_id);
  if (!path) return core::invalid("area_id", fmt::format("no area {}", *area_id));
  if (who.covers(p, *path)) return std::vector<std::string>{*path};
  std::vector<std::string> narrowed;
  for (const auto& s : scope) {
    if (s.starts_with(*path)) narrowed.push_back(s);
  }
  if (narrowed.empty()) return core::forbidden("this area is outside your scope");
  return narrowed;
}

// Runs the statement `page(after_id)` until a page comes back short; the
// first column of each row is the id the next page starts after.
void for_each_row(db::Connection& conn, const std::function<db::Sql(std::int64_t)>& page,
                  const std::function<void(const std::vector<db::Value>&)>& on_row) {
  std::int64_t after = 0;
  for (;;) {
    const auto sql = page(after);
    const auto rs = conn.query(sql.text(), sql.params());
    for (const auto& row : rs.rows) on_row(row);
    if (static_cast<std::int64_t>(rs.size()) < kPageRows) break;
    after = db::as_int(rs.rows.back()[0]);
  }
}

// "WHERE <deleted filter> AND <scope> AND <id> > after ORDER BY <id> LIMIT n".
db::Sql page_sql(std::string_view select, std::string_view id_column, std::string_view path_column,
                 const std::vector<std::string>& paths, std::int64_t after) {
  db::Sql sql(select);
  sql.append(" AND ");
  db::append_subtree_filter(sql, path_column, paths);
  sql.append(" AND ").append(id_column).append(" > ").bind(after);
  sql.append(" ORDER BY ").append(id_column).append(" LIMIT ").bind(kPageRows);
  return sql;
}

std::string number_text(const db::Value& v) {
  if (db::is_null(v)) return {};
  return fmt::format("{}", db::as_double(v));  // the shortest text that reads back as the same double
}

std::string tag_list(const std::string& stored) {
  std::string out;
  for (const auto& tag : people::split_tags(stored)) out += (out.empty() ? "" : ";") + tag;
  return out;
}

struct CsvExport {
  std::string text;
  std::size_t rows = 0;
  std::size_t unmasked = 0;  // rows that show an identity number or phone unmasked
};

void write_areas(db::Connection& conn, const std::vector<std::string>& paths, CsvExport& out) {
  for_each_row(
      conn,
      [&](std::int64_t after) {
        return page_sql(
            "SELECT a.id, a.code, a.name, a.level, p.code, a.local_code, a.responsible, a.phone, a.boundary "
            "FROM areas a LEFT JOIN areas p ON p.id = a.parent_id WHERE a.deleted_at IS NULL",
            "a.id", "a.path", paths, after);
      },
      [&](const std::vector<db::Value>& r) {
        const auto level = static_cast<core::AreaLevel>(db::as_int(r[3]));
        out.text += core::csv_line({db::as_text(r[1]), db::as_text(r[2]), std::string(core::area_level_key(level)),
                                    db::as_text(r[4]), db::as_text(r[5]), db::as_text(r[6]), db::as_text(r[7]),
                                    db::as_text(r[8])});
        ++out.rows;
      });
}

void write_buildings(db::Connection& conn, const std::vector<std::string>& paths, CsvExport& out) {
  for_each_row(
      conn,
      [&](std::int64_t after) {
        return page_sql(
            "SELECT b.id, a.code, b.name, b.address, b.kind, b.floors, b.latitude, b.longitude "
            "FROM buildings b JOIN areas a ON a.id = b.area_id WHERE b.deleted_at IS NULL",
            "b.id", "a.path", paths, after);
      },
      [&](const std::vector<db::Value>& r) {
        out.text += core::csv_line({db::as_text(r[1]), db::as_text(r[2]), db::as_text(r[3]), db::as_text(r[4]),
                                    db::as_text(r[5]), number_text(r[6]), number_text(r[7])});
        ++out.rows;
      });
}

void write_households(db::Connection& conn, const core::Principal& who, const std::vector<std::string>& paths,
                      CsvExport& out) {
  for_each_row(
      conn,
      [&](std::int64_t after) {
        return page_sql(
            "SELECT h.id, a.code, h.address, b.address, h.phone, h.verified_at, a.path "
            "FROM households h JOIN areas a ON a.id = h.area_id LEFT JOIN buildings b ON b.id = h.building_id "
            "WHERE h.deleted_at IS NULL",
            "h.id", "a.path", paths, after);
      },
      [&](const std::vector<db::Value>& r) {
        std::string phone = db::as_text(r[4]);
        if (!phone.empty()) {
          if (who.covers(Permission::see_personal_data, db::as_text(r[6]))) {
            ++out.unmasked;
          } else {
            phone = core::mask_phone(phone);
          }
        }
        out.text += core::csv_line(
            {db::as_text(r[1]), db::as_text(r[2]), db::as_text(r[3]), phone, db::is_null(r[5]) ? "false" : "true"});
        ++out.rows;
      });
}

void write_residents(db::Connection& conn, const core::Principal& who, const std::vector<std::string>& paths,
                     CsvExport& out) {
  for_each_row(
      conn,
      [&](std::int64_t after) {
        return page_sql(
            "SELECT r.id, a.code, h.address, r.name, r.document_type, r.id_number, r.phone, r.birth_date, r.sex, "
            "r.relation, r.tags, a.path FROM residents r JOIN areas a ON a.id = r.area_id "
            "LEFT JOIN households h ON h.id = r.household_id WHERE r.deleted_at IS NULL",
            "r.id", "a.path", paths, after);
      },
      [&](const std::vector<db::Value>& r) {
        std::string id_number = db::as_text(r[5]);
        std::string phone = db::as_text(r[6]);
        if (!id_number.empty() || !phone.empty()) {
          if (who.covers(Permission::see_personal_data, db::as_text(r[11]))) {
            ++out.unmasked;
          } else {
            if (!id_number.empty()) id_number = core::mask_id_number(id_number);
            if (!phone.empty()) phone = core::mask_phone(phone);
          }
        }
        out.text += core::csv_line({db::as_text(r[1]), db::as_text(r[2]), db::as_text(r[3]), db::as_text(r[4]),
                                    id_number, phone, db::as_text(r[7]), db::as_text(r[8]), db::as_text(r[9]),
                                    tag_list(db::as_text(r[10]))});
        ++out.rows;
      });
}

}  // namespace

core::Result<std::string> export_csv(db::Database& db, const core::Principal& who, RegistryKind kind,
                                     std::optional<std::int64_t> area_id, const core::Clock& clock) {
  auto conn = db.acquire();
  const auto permission = kind == RegistryKind::areas ? Permission::read_areas : Permission::read_registry;
  auto paths = export_scope(*conn, who, permission, area_id);
  if (!paths) return std::unexpected(paths.error());

  CsvExport out;
  std::vector<std::string> header;
  for (auto name : registry_columns(kind)) header.emplace_back(name);
  out.text = core::csv_line(header);
  db::in_transaction(*conn, db::TxMode::read, [&] {
    switch (kind) {
      case RegistryKind::areas:
        write_areas(*conn, *paths, out);
        break;
      case RegistryKind::buildings:
        write_buildings(*conn, *paths, out);
        break;
      case RegistryKind::households:
        write_households(*conn, who, *paths, out);
        break;
      case RegistryKind::residents:
        write_residents(*conn, who, *paths, out);
        break;
    }
  });
  if (out.unmasked > 0) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      audit::record(*conn, who, clock.now(), "export", std::string(registry_kind_key(kind)), std::nullopt, area_id,
                    fmt::format(R"({{"rows":{},"unmasked_rows":{}}})", out.rows, out.unmasked));
    });
  }
  return std::move(out.text);
}

core::Result<std::string> export_csv(db::Database& db, const core::Principal& who, RegistryKind kind,
                                     std::optional<std::int64_t> area_id) {
  static const core::SystemClock system_clock;
  return export_csv(db, who, kind, area_id, system_clock);
}

core::Result<std::string> export_areas_geojson(db::Database& db, const core::Principal& who,
                                               std::optional<std::int64_t> area_id,
                                               std::optional<core::AreaLevel> level) {
  auto conn = db.acquire();
  auto paths = export_scope(*conn, who, Permission::read_areas, area_id);
  if (!paths) return std::unexpected(paths.error());

  json::array features;
  db::in_transaction(*conn, db::TxMode::read, [&] {
    for_each_row(
        *conn,
        [&](std::int64_t after) {
          db::Sql sql(
              "SELECT id, code, name, level, parent_id, boundary FROM areas "
              "WHERE deleted_at IS NULL AND boundary IS NOT NULL");
          if (level) sql.append(" AND level = ").bind(static_cast<std::int64_t>(*level));
          sql.append(" AND ");
          db::append_subtree_filter(sql, "path", *paths);
          sql.append(" AND id > ").bind(after).append(" ORDER BY id LIMIT ").bind(kPageRows);
          return sql;
        },
        [&](const std::vector<db::Value>& r) {
          json::error_code ec;
          json::value boundary = json::parse(db::as_text(r[5]), ec);
          if (ec || !boundary.is_object()) return;  // stored boundaries are validated; skip one that is not
          json::value geometry = boundary;
          if (const auto* type = boundary.as_object().if_contains("type");
              type && type->is_string() && type->get_string() == "Feature") {
            const auto* inner = boundary.as_object().if_contains("geometry");
            if (!inner || !inner->is_object()) return;
            geometry = *inner;
          }
          json::object properties;
          properties["id"] = db::as_int(r[0]);
          properties["code"] = db::as_text(r[1]);
          properties["name"] = db::as_text(r[2]);
          properties["level"] = core::area_level_key(static_cast<core::AreaLevel>(db::as_int(r[3])));
          properties["parent_id"] = db::is_null(r[4]) ? json::value(nullptr) : json::value(db::as_int(r[4]));
          json::object feature;
          feature["type"] = "Feature";
          feature["geometry"] = std::move(geometry);
          feature["properties"] = std::move(properties);
          features.emplace_back(std::move(feature));
        });
  });
  json::object collection;
  collection["type"] = "FeatureCollection";
  collection["features"] = std::move(features);
  return json::serialize(collection);
}

}  // namespace firstline::transfer
