#include "test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "core/identity.hpp"

namespace firstline::testing {

namespace {
std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

std::string replace_dbname(const std::string& conninfo, const std::string& name) {
  auto pos = conninfo.find("dbname=");
  if (pos == std::string::npos) return conninfo + " dbname=" + name;
  auto end = conninfo.find(' ', pos);
  return conninfo.substr(0, pos) + "dbname=" + name + (end == std::string::npos ? "" : conninfo.substr(end));
}
}  // namespace

std::string backend_name(Backend b) { return b == Backend::sqlite ? "SQLite" : "PostgreSQL"; }

bool postgres_available() {
  const char* v = std::getenv("FIRSTLINE_TEST_POSTGRES");
  return v && *v;
}

TestDatabase::TestDatabase(Backend backend) : backend_(backend) {
  if (backend == Backend::sqlite) {
    name_ = (std::filesystem::temp_directory_path() / ("firstline_test_" + unique_suffix() + ".db")).string();
    url_ = "sqlite:" + name_;
    return;
  }
  if (!postgres_available()) return;
  const std::string base = std::getenv("FIRSTLINE_TEST_POSTGRES");
  name_ = "fl_" + unique_suffix();
  auto admin = db::open_database(base, 1);
  auto conn = admin->acquire();
  conn->execute_script("CREATE DATABASE " + name_);
  url_ = replace_dbname(base, name_);
}

TestDatabase::~TestDatabase() {
  if (url_.empty()) return;
  try {
    if (backend_ == Backend::sqlite) {
      for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(name_ + ext);
    } else {
      auto admin = db::open_database(std::getenv("FIRSTLINE_TEST_POSTGRES"), 1);
      auto conn = admin->acquire();
      conn->execute_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    }
  } catch (...) {
  }
}

HttpResponse http_request(int port, const std::string& method, const std::string& target, const std::string& body,
                          const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  const std::string raw = raw_request(port, req);
  HttpResponse res;
  auto header_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || header_end == std::string::npos) return res;
  res.status = std::stoi(raw.substr(9, 3));
  size_t pos = raw.find("\r\n") + 2;
  while (pos < header_end) {
    auto eol = raw.find("\r\n", pos);
    auto line = raw.substr(pos, eol - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      res.headers[name] = value;
    }
    pos = eol + 2;
  }
  res.body = raw.substr(header_end + 4);
  return res;
}

std::string raw_request(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413)
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[65536];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TestServer::TestServer(const std::string& database_url, const core::Clock& clock, std::size_t body_limit) {
  app::AppOptions options;
  options.database_url = database_url;
  options.auth.hash_cost = auth::HashCost::minimal();
  app_ = std::make_unique<app::Application>(options, clock);
  http::ServerOptions so;
  so.port = 0;
  so.threads = 2;
  so.body_limit = body_limit;
  so.handle_signals = false;
  so.shutdown_grace = std::chrono::seconds(2);
  server_ = std::make_unique<http::Server>(so, app_->router(), app_->hub());
  server_->listen();
  port_ = server_->port();
  thread_ = std::thread([this] { server_->run(); });
}

TestServer::~TestServer() {
  server_->stop();
  thread_.join();
}

HttpResponse TestServer::get(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http_request(port_, "GET", target, {}, h);
}

HttpResponse TestServer::post(const std::string& target, const std::string& body, const std::string& token,
                              const std::string& content_type) {
  std::map<std::string, std::string> h{{"Content-Type", content_type}};
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http_request(port_, "POST", target, body, h);
}

HttpResponse TestServer::patch(const std::string& target, const std::string& body, const std::string& token) {
  std::map<std::string, std::string> h{{"Content-Type", "application/json"}};
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http_request(port_, "PATCH", target, body, h);
}

HttpResponse TestServer::del(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return http_request(port_, "DELETE", target, {}, h);
}

std::string TestServer::login(const std::string& username, const std::string& password) {
  auto r = post("/api/v1/auth/login", R"({"username":")" + username + R"(","password":")" + password + R"("})");
  if (r.status != 200) return {};
  auto pos = r.body.find("\"token\":\"");
  if (pos == std::string::npos) return {};
  return r.body.substr(pos + 9, 64);
}

core::Principal admin_principal() {
  core::Principal p;
  p.user_id = 0;
  p.username = "test-admin";
  p.grants.push_back(core::Grant{core::Role::admin, std::nullopt, ""});
  return p;
}

std::string make_id_number(const std::string& region, const std::string& birth, int seq) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03d", ((seq % 1000) + 1000) % 1000);
  std::string first17 = region + birth + buf;
  return first17 + core::id_number_check_char(first17);
}

}  // namespace firstline::testing

namespace firstline::testing {

namespace {
template <class T>
T must(core::Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message + " (" + r.error().field + ")");
  return std::move(*r);
}
}  // namespace

Seed seed_district(app::Application& app) {
  Seed s;
  const auto admin = admin_principal();
  auto area = [&](const char* code, const char* name, core::AreaLevel level, std::optional<std::int64_t> parent) {
    areas::NewArea a;
    a.code = code;
    a.name = name;
    a.level = level;
    a.parent_id = parent;
    return must(app.areas().create(admin, a), "create area").id;
  };
  using L = core::AreaLevel;
  s.district = area("110105", "示范区", L::district, std::nullopt);
  s.street1 = area("110105001", "幸福街道", L::street, s.district);
  s.street2 = area("110105002", "和平街道", L::street, s.district);
  s.community1 = area("110105001001", "阳光社区", L::community, s.street1);
  s.community2 = area("110105002001", "花园社区", L::community, s.street2);
  s.g1 = area("110105001001001", "第一网格", L::grid, s.community1);
  s.g2 = area("110105001001002", "第二网格", L::grid, s.community1);
  s.g3 = area("110105002001001", "第三网格", L::grid, s.community2);

  auto household = [&](std::int64_t grid, const char* address) {
    people::Household h;
    h.area_id = grid;
    h.address = address;
    return must(app.people().create_household(admin, h), "create household").id;
  };
  s.household1 = household(s.g1, "1号楼1单元101");
  s.household2 = household(s.g2, "2号楼1单元201");
  s.household3 = household(s.g3, "3号楼1单元301");
  int seq = 11;
  auto resident = [&](std::int64_t hh, const char* name, const char* relation, const char* birth) {
    people::Resident r;
    r.household_id = hh;
    r.name = name;
    r.relation = relation;
    r.id_number = make_id_number("110105", birth, seq);
    seq += 2;
    r.phone = "1381234" + std::to_string(1000 + seq);
    return must(app.people().create_resident(admin, r), "create resident");
  };
  auto r1 = resident(s.household1, "张伟", "head", "19800101");
  s.r1_head = r1.id;
  s.r1_id_number = *r1.id_number;
  s.r1_other = resident(s.household1, "李娜", "spouse", "19820202").id;
  s.r2_head = resident(s.household2, "王芳", "head", "19750505").id;
  resident(s.household2, "刘洋", "child", "20100303");
  s.r3_head = resident(s.household3, "陈静", "head", "19600606").id;
  resident(s.household3, "杨磊", "spouse", "19610707");

  app.auth().ensure_admin("admin", Seed::kPassword);
  auto user = [&](const char* name, core::Role role, std::optional<std::int64_t> area,
                  std::optional<std::int64_t> resident_id = std::nullopt) {
    auth::NewUser u;
    u.username = name;
    u.password = Seed::kPassword;
    u.resident_id = resident_id;
    u.roles.push_back(auth::RoleGrant{role, area, {}, {}});
    must(app.auth().create_user(admin, u), "create user");
  };
  user("district", core::Role::district_official, s.district);
  user("street", core::Role::street_official, s.street1);
  user("staff", core::Role::community_staff, s.community1);
  user("gw1", core::Role::grid_worker, s.g1);
  user("gw2", core::Role::grid_worker, s.g2);
  user("volunteer", core::Role::volunteer, s.community1);
  user("resident", core::Role::resident, std::nullopt, s.r1_head);
  return s;
}

boost::json::value parse(const std::string& body) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) ADD_FAILURE() << "not JSON: " << body.substr(0, 200);
  return v;
}

EventStream::EventStream(int port, const std::string& topic, const std::string& token) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << "connect";
  const std::string req = "GET /api/v1/events?topic=" + topic + "&token=" + token + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd_, req.data(), req.size(), 0);
  read_until(": connected", 10000);
}

EventStream::~EventStream() { ::close(fd_); }

bool EventStream::read_until(const std::string& until, int ms) {
  timeval tv{0, 50000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  while (got_.find(until) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) got_.append(buf, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace firstline::testing
