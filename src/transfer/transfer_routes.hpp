// HTTP routes of registry import and export (/api/v1/import/..., /api/v1/export/...).
//   POST /api/v1/import/{kind}?dry_run=true   body: the CSV file's bytes
//   GET  /api/v1/export/areas.geojson?area_id=&level=
//   GET  /api/v1/export/{kind}?area_id=       text/csv with a UTF-8 BOM
// kind is areas, buildings, households or residents.
#pragma once

#include "db/database.hpp"
#include "http/router.hpp"
#include "transfer/registry_import.hpp"

namespace firstline::transfer {

/// Registers the routes; `importer` and `db` must outlive the router.
void add_transfer_routes(http::Router& router, RegistryImporter& importer, db::Database& db);

}  // namespace firstline::transfer
