#include "transfer/transfer_routes.hpp"

#include <fmt/format.h>

#include "http/json.hpp"
#include "transfer/registry_export.hpp"

namespace firstline::transfer {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

core::Result<RegistryKind> path_kind(Request& req) {
  const auto& key = req.path_params["kind"];
  auto kind = parse_registry_kind(key);
  if (!kind) {
    return core::not_found(fmt::format("no registry kind {}: use areas, buildings, households or residents", key));
  }
  return *kind;
}

core::Result<bool> query_flag(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v || v->empty() || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return core::invalid(name, name + " must be true or false");
}

json::value report_json(RegistryKind kind, const ImportReport& report) {
  json::array errors;
  for (const auto& e : report.errors) {
    errors.push_back(json::object{{"line", e.line}, {"field", e.field}, {"message", e.message}});
  }
  return json::object{{"kind", registry_kind_key(kind)}, {"rows", report.rows},           {"created", report.created},
                      {"updated", report.updated},       {"unchanged", report.unchanged}, {"failed", report.failed},
                      {"dry_run", report.dry_run},       {"errors", std::move(errors)}};
}


}  // namespace

void add_transfer_routes(http::Router& router, RegistryImporter& importer, db::Database& db) {
  router.add("POST", "/api/v1/import/{kind}", [&importer](Request& req) -> Response {
    FL_TRY(kind, path_kind(req));
    if (auto st = http::check_query_names(req, {"dry_run"}); !st) return http::error_response(st.error());
    FL_TRY(dry_run, query_flag(req, "dry_run"));
    if (req.header("content-type").starts_with("multipart/")) {
      return http::error_response(
          {core::ErrorCode::unsupported_media,
           "send the CSV file's bytes as the request body (Content-Type: text/csv), not a form"});
    }
    FL_TRY(report, importer.import_csv(*req.principal, *kind, req.body, *dry_run));
    return http::json_response(report_json(*kind, *report));
  });

  // Before /export/{kind}: the router tries routes in the order they were added.
  router.add("GET", "/api/v1/export/areas.geojson", [&db](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"area_id", "level"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    std::optional<core::AreaLevel> level;
    if (auto v = req.query_param("level"); v && !v->empty()) {
      level = core::parse_area_level(*v);
      if (!level) {
        return http::error_response(
            {core::ErrorCode::invalid, "level must be district, street, community or grid", "level"});
      }
    }
    FL_TRY(geojson, export_areas_geojson(db, *req.principal, *area, level));
    Response r;
    r.content_type = "application/geo+json";
    r.body = std::move(*geojson);
    return r;
  });

  router.add("GET", "/api/v1/export/{kind}", [&importer, &db](Request& req) -> Response {
    FL_TRY(kind, path_kind(req));
    if (auto st = http::check_query_names(req, {"area_id"}); !st) return http::error_response(st.error());
    FL_TRY(area, http::query_int(req, "area_id"));
    FL_TRY(csv, export_csv(db, *req.principal, *kind, *area, importer.clock()));
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body.reserve(kUtf8Bom.size() + csv->size());
    r.body.append(kUtf8Bom);  // so that Excel reads the file as UTF-8
    r.body.append(*csv);
    r.headers.emplace_back("Content-Disposition",
                           fmt::format("attachment; filename=\"{}.csv\"", registry_kind_key(*kind)));
    return r;
  });
}

}  // namespace firstline::transfer
