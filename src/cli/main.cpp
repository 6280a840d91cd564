// firstline: one binary for every command. Each subcommand parses its flags
// (CLI11), builds an Application and does one thing.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/application.hpp"
#include "demo/demo_generator.hpp"
#include "http/server.hpp"

namespace fs = std::filesystem;
using namespace firstline;

namespace {

struct ServeFlags {
  std::string db = "sqlite:firstline.db";
  std::string host = "127.0.0.1";
  int port = 8080;
  unsigned threads = 4;
  std::string web;
  std::size_t body_limit_mb = 64;
  std::string public_url;  // default http://HOST:PORT
  int retention_days = 28;
  int report_deadline_hour = 10;
  int report_flag_below = health::kDefaultFlagBelowPercent;
  std::string cap_sender;  // CAP <sender>; default firstline@<node id>
};

void add_serve_flags(CLI::App* cmd, ServeFlags& f, bool with_db) {
  if (with_db) cmd->add_option("--db", f.db, "database: sqlite:PATH or postgresql://...")->capture_default_str();
  cmd->add_option("--host", f.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", f.port, "port to listen on (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", f.threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--web", f.web, "folder of the built web UI (default: web/dist beside the build)");
  cmd->add_option("--body-limit-mb", f.body_limit_mb, "largest request body in MiB")->capture_default_str();
  cmd->add_option("--public-url", f.public_url, "address phones use to reach this server, printed in QR posters (default http://HOST:PORT)");
  cmd->add_option("--retention-days", f.retention_days, "days movement records (scans) are kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--report-deadline-hour", f.report_deadline_hour,
                  "local hour by which daily health reports are due; grids still missing some are flagged")
      ->capture_default_str()
      ->check(CLI::Range(0, 23));
  cmd->add_option("--report-flag-below", f.report_flag_below,
                  "percent of expected health reports under which a grid is flagged at the deadline (100: any missing)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--cap-sender", f.cap_sender,
                  "CAP <sender> of the warnings this office issues, e.g. ops@jd.example.gov.cn (default firstline@<node id>)")
      ->check([](const std::string& v) -> std::string {
        // CAP 1.2: no spaces, commas, "<" or "&".
        if (v.empty()) return "must not be empty";
        if (v.find_first_of(" \t,<&") != std::string::npos) return "must not contain spaces, commas, '<' or '&' (CAP 1.2)";
        return {};
      });
}

fs::path default_web_root() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto candidate : {exe.parent_path().parent_path() / "web" / "dist", exe.parent_path() / "web"}) {
      if (fs::exists(candidate / "index.html", ec)) return candidate;
    }
  }
  if (fs::exists("/usr/share/firstline/web/index.html", ec)) return "/usr/share/firstline/web";
  return {};
}

std::string random_password() { return auth::new_session_token().substr(0, 16); }

int serve(app::Application& application, const ServeFlags& f) {
  http::ServerOptions options;
  options.host = f.host;
  options.port = static_cast<std::uint16_t>(f.port);
  options.threads = f.threads;
  options.body_limit = f.body_limit_mb << 20;
  http::Server server(options, application.router(), application.hub());
  server.listen();
  application.movement().start_scheduler();
  application.health().start_scheduler();
  application.warnings().start_scheduler();
  application.levels().start_scheduler();
  std::cout << "firstline is serving on http://" << f.host << ":" << server.port() << "/" << std::endl;
  server.run();
  spdlog::info("stopped");
  return 0;
}

app::AppOptions app_options(const std::string& db, const std::string& web, const ServeFlags* serve = nullptr) {
  app::AppOptions o;
  o.database_url = db;
  o.web_root = web.empty() ? default_web_root() : fs::path(web);
  if (serve) {
    o.movement.retention_days = serve->retention_days;
    o.health.deadline_hour = serve->report_deadline_hour;
    o.health.flag_below_percent = serve->report_flag_below;
    o.warnings.sender = serve->cap_sender;
    o.movement.public_url = serve->public_url.empty()
                                ? "http://" + serve->host + ":" + std::to_string(serve->port)
                                : serve->public_url;
    while (!o.movement.public_url.empty() && o.movement.public_url.back() == '/') o.movement.public_url.pop_back();
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"firstline: community emergency governance"};
  cli.require_subcommand(1);
  core::SystemClock clock;

  ServeFlags serve_flags;
  auto* serve_cmd = cli.add_subcommand("serve", "serve the API and the web UI");
  add_serve_flags(serve_cmd, serve_flags, true);

  std::string init_db = "sqlite:firstline.db", init_password;
  auto* init_cmd = cli.add_subcommand("init", "create the database and the first administrator (user admin)");
  init_cmd->add_option("--db", init_db, "database")->capture_default_str();
  init_cmd->add_option("--admin-password", init_password, "password of admin (default: a random one, printed)");

  std::string migrate_db = "sqlite:firstline.db";
  auto* migrate_cmd = cli.add_subcommand("migrate", "bring the database schema up to date and exit");
  migrate_cmd->add_option("--db", migrate_db, "database")->capture_default_str();

  ServeFlags demo_flags;
  std::string scale = "community", data_dir = "data/demo", demo_password;
  std::uint64_t seed = 20200123;
  bool generate_only = false;
  auto* demo_cmd = cli.add_subcommand("demo", "generate a demo district (first time) and serve it");
  demo_cmd->add_option("--scale", scale, "community, street or district")
      ->capture_default_str()
      ->check(CLI::IsMember({"community", "street", "district"}));
  demo_cmd->add_option("--data", data_dir, "folder of the demo database")->capture_default_str();
  demo_cmd->add_option("--admin-password", demo_password, "password of admin and every demo account (default: random, printed)");
  demo_cmd->add_option("--seed", seed, "random seed of the generated data")->capture_default_str();
  demo_cmd->add_flag("--generate-only", generate_only, "generate and exit without serving");
  add_serve_flags(demo_cmd, demo_flags, false);

  std::string import_db = "sqlite:firstline.db", import_kind, import_file;
  auto* import_cmd = cli.add_subcommand("import", "import a registry CSV file as the administrator");
  import_cmd->add_option("--db", import_db, "database")->capture_default_str();
  import_cmd->add_option("--kind", import_kind, "areas, buildings, households or residents")->required();
  import_cmd->add_option("--file", import_file, "CSV file (UTF-8)")->required()->check(CLI::ExistingFile);

  CLI11_PARSE(cli, argc, argv);

  try {
    if (*serve_cmd) {
      app::Application application(app_options(serve_flags.db, serve_flags.web, &serve_flags), clock);
      return serve(application, serve_flags);
    }
    if (*migrate_cmd) {
      app::Application application(app_options(migrate_db, ""), clock);
      std::cout << "the database schema is up to date" << std::endl;
      return 0;
    }
    if (*init_cmd) {
      app::Application application(app_options(init_db, ""), clock);
      const auto password = init_password.empty() ? random_password() : init_password;
      if (password.size() < 8) {
        std::cerr << "error: --admin-password needs at least 8 characters" << std::endl;
        return 2;
      }
      if (application.auth().ensure_admin("admin", password)) {
        std::cout << "created the administrator: username admin, password " << password << std::endl;
      } else {
        std::cout << "the database already has users; nothing changed" << std::endl;
      }
      return 0;
    }
    if (*import_cmd) {
      app::Application application(app_options(import_db, ""), clock);
      auto kind = transfer::parse_registry_kind(import_kind);
      if (!kind) {
        std::cerr << "error: --kind must be areas, buildings, households or residents" << std::endl;
        return 2;
      }
      std::ifstream in(import_file, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      core::Principal admin;
      admin.username = "cli";
      admin.grants.push_back(core::Grant{core::Role::admin, std::nullopt, ""});
      auto report = application.importer().import_csv(admin, *kind, buf.str());
      if (!report) {
        std::cerr << "error: " << report.error().message << std::endl;
        return 1;
      }
      std::cout << "rows " << report->rows << ", created " << report->created << ", updated " << report->updated
                << ", unchanged " << report->unchanged << ", failed " << report->failed << std::endl;
      for (size_t i = 0; i < report->errors.size() && i < 20; ++i) {
        const auto& e = report->errors[i];
        std::cout << "  line " << e.line << " " << e.field << ": " << e.message << std::endl;
      }
      return report->errors.empty() ? 0 : 1;
    }
    if (*demo_cmd) {
      fs::create_directories(data_dir);
      const auto db_file = fs::path(data_dir) / "firstline.db";
      const bool fresh = !fs::exists(db_file);
      app::Application application(app_options("sqlite:" + db_file.string(), demo_flags.web, &demo_flags), clock);
      const auto password = demo_password.empty() ? random_password() : demo_password;
      if (password.size() < 8) {
        std::cerr << "error: --admin-password needs at least 8 characters" << std::endl;
        return 2;
      }
      if (fresh) {
        demo::DemoOptions o;
        o.scale = scale == "district" ? demo::Scale::district : scale == "street" ? demo::Scale::street : demo::Scale::community;
        o.seed = seed;
        o.admin_password = password;
        o.account_password = password;
        std::cout << "generating the " << scale << "-scale demo into " << db_file.string() << " ..." << std::endl;
        auto summary = demo::generate_demo(application.database(), application.auth(), clock, o);
        std::cout << "generated " << summary.areas << " areas (" << summary.grids << " grids), " << summary.buildings
                  << " buildings, " << summary.households << " households, " << summary.residents << " residents, "
                  << summary.places << " places, " << summary.scans << " scans, " << summary.health_reports
                  << " health reports (" << summary.health_report_days << " days), " << summary.health_alerts
                  << " health alerts, " << summary.confirmed_cases << " confirmed cases, " << summary.tracing_runs
                  << " tracing runs, " << summary.risk_points << " risk points (" << summary.inspections
                  << " inspections), " << summary.warnings << " warnings in " << summary.seconds << " s" << std::endl;
        std::cout << "accounts (password " << password << "):" << std::endl;
        for (const auto& a : summary.accounts) {
          std::cout << "  " << a.username << "  " << a.role << (a.area_name.empty() ? "" : "  @ " + a.area_name)
                    << std::endl;
        }
      } else {
        std::cout << "reusing the demo in " << db_file.string()
                  << " (delete the folder to generate it again); accounts keep their passwords" << std::endl;
      }
      if (generate_only) return 0;
      return serve(application, demo_flags);
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
