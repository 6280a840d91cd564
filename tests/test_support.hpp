// Shared test fixtures: a fresh database per test on SQLite or on the
// throwaway PostgreSQL cluster started by scripts/with-postgres.sh
// (FIRSTLINE_TEST_POSTGRES), the real server on an ephemeral port, and a
// minimal HTTP client.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "app/application.hpp"
#include "http/server.hpp"

namespace firstline::testing {

enum class Backend { sqlite, postgres };
std::string backend_name(Backend b);

/// A new, empty database; dropped (PostgreSQL) or deleted (SQLite) when destroyed.
class TestDatabase {
 public:
  explicit TestDatabase(Backend backend);
  ~TestDatabase();
  /// False when the backend is PostgreSQL and no test cluster is configured.
  bool available() const { return !url_.empty(); }
  const std::string& url() const { return url_; }

 private:
  Backend backend_;
  std::string url_;
  std::string name_;  // database name or file path
};

/// True when FIRSTLINE_TEST_POSTGRES is set.
bool postgres_available();

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

/// Sends one request over a new TCP connection to 127.0.0.1:port.
HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::string& body = {}, const std::map<std::string, std::string>& headers = {});
/// Sends raw bytes and returns the raw answer (for malformed-request tests).
std::string raw_request(int port, const std::string& bytes);

/// Parses a JSON answer; a body that is not JSON fails the current test (and yields null).
boost::json::value parse(const std::string& body);

/// An open server-sent event stream (GET /api/v1/events?topic=...) on one raw connection.
class EventStream {
 public:
  EventStream(int port, const std::string& topic, const std::string& token);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;
  /// Reads until `until` has arrived (true) or `ms` have passed (false).
  bool read_until(const std::string& until, int ms);
  const std::string& text() const { return got_; }

 private:
  int fd_ = -1;
  std::string got_;
};

/// An Application with its server running on a background thread.
class TestServer {
 public:
  TestServer(const std::string& database_url, const core::Clock& clock, std::size_t body_limit = 8u << 20);
  ~TestServer();
  app::Application& app() { return *app_; }
  int port() const { return port_; }

  HttpResponse get(const std::string& target, const std::string& token = {});
  HttpResponse post(const std::string& target, const std::string& body, const std::string& token = {},
                    const std::string& content_type = "application/json");
  HttpResponse patch(const std::string& target, const std::string& body, const std::string& token = {});
  HttpResponse del(const std::string& target, const std::string& token = {});
  /// Logs in and returns the token (empty on failure).
  std::string login(const std::string& username, const std::string& password);

 private:
  std::unique_ptr<app::Application> app_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

/// A principal with a global admin grant, for seeding through services.
core::Principal admin_principal();

/// A valid identity number born on `birth` (YYYYMMDD) with sequence `seq` (0..999).
std::string make_id_number(const std::string& region, const std::string& birth, int seq);

}  // namespace firstline::testing

namespace firstline::testing {

/// A small district seeded through the services:
///   district 110105 ─ street 110105001 ─ community 110105001001 ─ grids ...001001 (g1), ...001002 (g2)
///                   └ street 110105002 ─ community 110105002001 ─ grid ...002001001 (g3)
/// Each grid has one household of two residents (the head first). Accounts,
/// all with password kPassword: admin, district (district_official@district),
/// street (street_official@street1), staff (community_staff@community1),
/// gw1 / gw2 (grid_worker@g1 / g2), volunteer (volunteer@community1),
/// resident (resident, linked to g1's head).
struct Seed {
  static constexpr const char* kPassword = "password123";
  std::int64_t district = 0, street1 = 0, street2 = 0, community1 = 0, community2 = 0, g1 = 0, g2 = 0, g3 = 0;
  std::int64_t household1 = 0, household2 = 0, household3 = 0;
  std::int64_t r1_head = 0, r1_other = 0, r2_head = 0, r3_head = 0;
  std::string r1_id_number;
};
Seed seed_district(app::Application& app);

}  // namespace firstline::testing
