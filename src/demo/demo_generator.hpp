// Generates a deterministic, plausible demo district: streets, communities and
// grids with polygons and 15-digit codes, buildings, households of realistic
// sizes, residents with valid identity numbers, an age pyramid and
// vulnerability tags, one account per role, and the movement module's data:
// gates (2–4 checkpoints per community), shops, markets, clinics, pharmacies,
// offices and schools with unique poster codes, and 14 days of scans ending at
// the clock's now (about 10 per resident); and the health module's data: daily
// health reports for the last 14 local days (today included) with
// realistic gaps, a few fevers and their alerts, missed-report flags, and a
// small outbreak in the first community (3–5 confirmed cases with their status
// history, households in home quarantine, one tracing run per case and close
// contacts under observation); the risk registry's data: 4–10 rated risk
// points in every community with 1–4 past inspections each, some overdue; and
// the outbreak's warnings (an orange one acknowledged and handled, a yellow
// one escalated for want of acknowledgement, a closed blue one and a closed
// drill), made by WarningService on a fake clock walking through their
// history. The same seed and clock give the same data.
// Writes through the stores on one pooled connection in large transactions
// (residents by the 100,000, scans and health reports by the day).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"

namespace firstline::demo {

enum class Scale {
  community,  // 1 street, 1 community, ~12 grids, ~10 k residents
  street,     // 1 street, ~12 communities, ~150 grids, ~150 k residents
  district,   // ~20 streets, ~200 communities, 2,000 grids, ~1 M residents
};

struct DemoOptions {
  Scale scale = Scale::community;
  std::uint64_t seed = 20200123;
  std::string admin_password;        // the password of user "admin"
  std::string account_password;      // the password of every other demo account
};

struct DemoAccount {
  std::string username;
  std::string role;       // role key
  std::string area_name;  // where it is granted ("" for global)
};

struct DemoSummary {
  std::int64_t areas = 0, grids = 0, buildings = 0, households = 0, residents = 0;
  std::int64_t streets = 0, communities = 0;
  std::int64_t places = 0;  // checkpoints included
  std::int64_t scans = 0;
  std::int64_t health_reports = 0, health_alerts = 0;
  int health_report_days = 0;        // local days with reports, today included
  std::int64_t confirmed_cases = 0;  // of the outbreak
  std::int64_t tracing_runs = 0;
  std::int64_t risk_points = 0, inspections = 0;  // in every community
  std::int64_t warnings = 0;                      // of the outbreak, the drill included
  std::vector<DemoAccount> accounts;
  double seconds = 0;  // wall time of the whole generation, accounts included
};

/// Fills an empty, migrated database: areas, buildings, households,
/// residents, places, scans, health records, risk points with their
/// inspections, and warnings (none later than clock.now()); creates "admin"
/// with ensure_admin() when no user exists yet, then one account per other
/// role (DemoSummary::accounts lists them, admin first), whom the health
/// records, inspections and warnings name, and records one audit entry
/// (action "demo", entity "district"; WarningService audits each warning's
/// steps as usual). Stores settings.warning_node_id (from the seed) when
/// unset. Throws std::runtime_error when the database already holds areas,
/// when a password is not 8–128 characters or an account cannot be created,
/// and db::Error when a write fails; transactions committed before a failure
/// stay. Not thread-safe with other writers of the same demo; uses one pooled
/// connection plus the ones AuthService and WarningService borrow.
DemoSummary generate_demo(db::Database& db, auth::AuthService& auth, const core::Clock& clock,
                          const DemoOptions& options);

}  // namespace firstline::demo
