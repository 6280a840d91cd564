// The composition root: opens the database, brings its schema up to date,
// builds every module's service and registers every route. The CLI creates
// one Application per process; tests create one per test database.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "areas/area_service.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "core/event_hub.hpp"
#include "db/database.hpp"
#include "epi/epi_service.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "levels/level_service.hpp"
#include "health/health_service.hpp"
#include "movement/movement_service.hpp"
#include "people/people_service.hpp"
#include "risks/risk_service.hpp"
#include "transfer/registry_import.hpp"
#include "warnings/warning_service.hpp"

namespace firstline::app {

struct AppOptions {
  std::string database_url;          // "sqlite:PATH" or a PostgreSQL URL
  std::filesystem::path web_root;    // built web UI; empty: no static files
  auth::AuthOptions auth;
  std::size_t max_connections = 8;
  movement::MovementOptions movement;
  health::HealthOptions health;
  warnings::WarningOptions warnings;  // its time zone and public URL follow movement's
  epi::EpiOptions epi;                // its time zone follows movement's
  levels::LevelOptions levels;        // its time zone follows movement's, its deadline health's
};

class Application {
 public:
  /// Opens and migrates the database. Throws std::runtime_error with a clear
  /// message when the database cannot be opened or is newer than this binary.
  Application(AppOptions options, const core::Clock& clock);

  http::Router& router() { return router_; }
  core::EventHub& hub() { return hub_; }
  db::Database& database() { return *db_; }
  areas::AreaService& areas() { return *areas_; }
  people::PeopleService& people() { return *people_; }
  auth::AuthService& auth() { return *auth_; }
  transfer::RegistryImporter& importer() { return *importer_; }
  movement::MovementService& movement() { return *movement_; }
  health::HealthService& health() { return *health_; }
  warnings::WarningService& warnings() { return *warnings_; }
  risks::RiskService& risks() { return *risks_; }
  epi::EpiService& epi() { return *epi_; }
  levels::LevelService& levels() { return *levels_; }
  http::Metrics& metrics() { return metrics_; }

 private:
  void add_system_routes();

  AppOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<db::Database> db_;
  core::EventHub hub_;
  http::Metrics metrics_;
  http::Router router_;
  std::unique_ptr<areas::AreaService> areas_;
  std::unique_ptr<people::PeopleService> people_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<transfer::RegistryImporter> importer_;
  std::unique_ptr<movement::MovementService> movement_;
  std::unique_ptr<health::HealthService> health_;
  std::unique_ptr<warnings::WarningService> warnings_;
  std::unique_ptr<risks::RiskService> risks_;
  std::unique_ptr<epi::EpiService> epi_;
  std::unique_ptr<levels::LevelService> levels_;
};

}  // namespace firstline::app
