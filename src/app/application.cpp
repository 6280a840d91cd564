#include "app/application.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/schema.hpp"
#include "areas/area_routes.hpp"
#include "audit/audit_routes.hpp"
#include "auth/auth_routes.hpp"
#include "db/migrations.hpp"
#include "epi/epi_routes.hpp"
#include "health/health_routes.hpp"
#include "levels/level_routes.hpp"
#include "movement/movement_routes.hpp"
#include "people/people_routes.hpp"
#include "risks/risk_routes.hpp"
#include "transfer/transfer_routes.hpp"
#include "warnings/warning_routes.hpp"

namespace firstline::app {

Application::Application(AppOptions options, const core::Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  try {
    db_ = db::open_database(options_.database_url, options_.max_connections);
  } catch (const db::Error& e) {
    throw std::runtime_error(e.what());
  }
  if (auto st = db::migrate(*db_, schema_migrations()); !st) throw std::runtime_error(st.error().message);

  areas_ = std::make_unique<areas::AreaService>(*db_, clock_, &hub_);
  people_ = std::make_unique<people::PeopleService>(*db_, clock_, &hub_);
  auth_ = std::make_unique<auth::AuthService>(*db_, clock_, options_.auth);
  importer_ = std::make_unique<transfer::RegistryImporter>(*db_, clock_);
  movement_ = std::make_unique<movement::MovementService>(*db_, clock_, options_.movement, &hub_);
  options_.health.utc_offset_minutes = options_.movement.utc_offset_minutes;
  health_ = std::make_unique<health::HealthService>(*db_, clock_, options_.health, &hub_);
  options_.warnings.utc_offset_minutes = options_.movement.utc_offset_minutes;
  options_.warnings.public_url = options_.movement.public_url;
  warnings_ = std::make_unique<warnings::WarningService>(*db_, clock_, options_.warnings, &hub_);
  risks_ = std::make_unique<risks::RiskService>(*db_, clock_);
  options_.epi.utc_offset_minutes = options_.movement.utc_offset_minutes;
  epi_ = std::make_unique<epi::EpiService>(*db_, clock_, options_.epi);
  options_.levels.utc_offset_minutes = options_.movement.utc_offset_minutes;
  options_.levels.deadline_hour = options_.health.deadline_hour;
  levels_ = std::make_unique<levels::LevelService>(*db_, clock_, epi_.get(), warnings_.get(), options_.levels);

  router_.set_metrics(&metrics_);
  router_.set_authenticator([this](std::string_view token) { return auth_->authenticate(token); });
  if (!options_.web_root.empty()) router_.set_static_root(options_.web_root);
  metrics_.add_collector([this] {
    auto& s = db_->stats();
    return fmt::format(
        "# HELP firstline_db_statements_total SQL statements run.\n# TYPE firstline_db_statements_total counter\n"
        "firstline_db_statements_total {}\n"
        "# HELP firstline_db_seconds_total Time spent in SQL statements.\n# TYPE firstline_db_seconds_total counter\n"
        "firstline_db_seconds_total {:.6f}\n"
        "# HELP firstline_db_errors_total Failed SQL statements.\n# TYPE firstline_db_errors_total counter\n"
        "firstline_db_errors_total {}\n"
        "# HELP firstline_sse_subscribers Open live-update streams.\n# TYPE firstline_sse_subscribers gauge\n"
        "firstline_sse_subscribers {}\n",
        s.statements.load(), static_cast<double>(s.nanoseconds.load()) / 1e9, s.errors.load(), hub_.subscriber_count());
  });

  add_system_routes();
  auth::add_auth_routes(router_, *auth_);
  areas::add_area_routes(router_, *areas_);
  people::add_people_routes(router_, *people_);
  transfer::add_transfer_routes(router_, *importer_, *db_);
  audit::add_audit_routes(router_, *db_);
  movement::add_movement_routes(router_, *movement_);
  health::add_health_routes(router_, *health_);
  warnings::add_warning_routes(router_, *warnings_);
  risks::add_risk_routes(router_, *risks_);
  epi::add_epi_routes(router_, *epi_);
  levels::add_level_routes(router_, *levels_);
}

void Application::add_system_routes() {
  router_.add(
      "GET", "/healthz",
      [this](http::Request&) {
        http::Response r;
        try {
          auto conn = db_->acquire();
          conn->query_value("SELECT 1");
          r.body = R"({"status":"ok"})";
        } catch (const std::exception& e) {
          spdlog::error("health check: {}", e.what());
          r = http::error_response({core::ErrorCode::internal, "the database is unavailable"});
          r.status = 503;
        }
        return r;
      },
      http::Access::open);

  router_.add(
      "GET", "/metrics",
      [this](http::Request&) {
        http::Response r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = metrics_.render();
        return r;
      },
      http::Access::open);

  // Live updates. Browsers' EventSource cannot send headers, so the token
  // comes as a query parameter here.
  router_.add(
      "GET", "/api/v1/events",
      [this](http::Request& req) {
        auto token = req.query_param("token").value_or("");
        if (token.empty()) {
          auto h = req.header("authorization");
          if (h.size() > 7 && h.substr(0, 7) == "Bearer ") token = std::string(h.substr(7));
        }
        auto who = auth_->authenticate(token);
        if (!who) return http::error_response(who.error());
        auto topic = req.query_param("topic").value_or("");
        if (topic != "areas" && topic != "residents" && topic != "occupancy" && topic != "health" &&
            topic != "warnings") {
          return http::error_response(
              {core::ErrorCode::invalid, "topic must be areas, residents, occupancy, health or warnings", "topic"});
        }
        const auto needed = topic == "residents" ? core::Permission::read_registry
                            : topic == "health"  ? core::Permission::read_health
                                                 : core::Permission::read_areas;
        if (!who->has(needed)) {
          return http::error_response({core::ErrorCode::forbidden, "your roles do not allow these live updates"});
        }
        http::Response r;
        r.event_topic = topic;
        if (topic == "warnings") {
          // Warnings of areas the subscriber may read, including those above its grants.
          r.event_filter = [principal = *who](const std::string& data) {
            return warnings::event_visible(principal, data);
          };
        } else if (topic == "residents" || topic == "health") {
          // Each subscriber sees only events of areas in its scope.
          r.event_filter = [principal = *who, needed](const std::string& data) {
            boost::system::error_code ec;
            auto v = boost::json::parse(data, ec);
            if (ec || !v.is_object() || !v.as_object().contains("path")) return false;
            return principal.covers(needed, std::string(v.at("path").as_string()));
          };
        }
        return r;
      },
      http::Access::open);
}

}  // namespace firstline::app
