// HTTP route of the audit log viewer (GET /api/v1/audit).
#pragma once

#include "db/database.hpp"
#include "http/router.hpp"

namespace firstline::audit {

void add_audit_routes(http::Router& router, db::Database& db);

}  // namespace firstline::audit
