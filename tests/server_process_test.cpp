// The firstline binary as a process: acknowledged writes survive kill -9,
// SIGTERM shuts down gracefully, and live updates reach an open event stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "test_support.hpp"

extern char** environ;

namespace firstline::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "crash-test-pw";

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A child process started from argv; killed (SIGKILL) if still running at the end.
class Process {
 public:
  explicit Process(std::vector<std::string> args, const fs::path& log) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  /// Waits up to `timeout` for the exit; returns the exit status or -1.
  int wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

bool wait_healthy(int port, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (http_request(port, "GET", "/healthz").status == 200) return true;
    } catch (...) {
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::string login(int port) {
  auto r = http_request(port, "POST", "/api/v1/auth/login",
                        std::string(R"({"username":"admin","password":")") + kPassword + R"("})",
                        {{"Content-Type", "application/json"}});
  if (r.status != 200) return {};
  return std::string(json::parse(r.body).at("token").as_string());
}

class ServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("firstline_proc_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Process gen({FIRSTLINE_BINARY, "demo", "--scale", "community", "--data", (dir_ / "data").string(),
                 "--admin-password", kPassword, "--generate-only"},
                dir_ / "demo.log");
    ASSERT_EQ(gen.wait(120s), 0) << "demo generation failed; see " << (dir_ / "demo.log");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<Process> serve(int port) {
    return std::make_unique<Process>(
        std::vector<std::string>{FIRSTLINE_BINARY, "serve", "--db", "sqlite:" + (dir_ / "data" / "firstline.db").string(),
                                 "--port", std::to_string(port)},
        dir_ / "serve.log");
  }
  fs::path dir_;
};

TEST_F(ServerProcess, AcknowledgedWritesSurviveKill9) {
  const int port = free_port();
  auto server = serve(port);
  ASSERT_TRUE(wait_healthy(port, 30s));
  const auto token = login(port);
  ASSERT_FALSE(token.empty());
  auto grids = json::parse(http_request(port, "GET", "/api/v1/areas?level=grid&limit=1", {},
                                        {{"Authorization", "Bearer " + token}}).body);
  const auto grid = grids.at("items").at(0).at("id").as_int64();

  // Two writers post residents until the server dies under them.
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  auto writer = [&](int w) {
    for (int i = 0; !stop; ++i) {
      char birth[9];
      std::snprintf(birth, sizeof birth, "19%02d%02d%02d", 50 + (i / 300) % 40, 1 + (i / 25) % 12, 1 + i % 25);
      const auto number = make_id_number(w == 0 ? "650102" : "650103", birth, (i * 7) % 1000);
      const std::string body = R"({"name":"压测)" + std::to_string(i) + R"(","area_id":)" + std::to_string(grid) +
                               R"(,"id_number":")" + number + R"("})";
      try {
        auto r = http_request(port, "POST", "/api/v1/residents", body,
                              {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
        if (r.status == 201) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(number);
        } else if (r.status == 0) {
          return;  // the server is gone
        }
      } catch (...) {
        return;
      }
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  std::this_thread::sleep_for(1500ms);
  server->signal(SIGKILL);
  EXPECT_EQ(server->wait(5s), 128 + SIGKILL);
  stop = true;
  a.join();
  b.join();
  ASSERT_GT(acknowledged.size(), 20u) << "too few writes acknowledged before the kill";

  const int port2 = free_port();
  auto again = serve(port2);
  ASSERT_TRUE(wait_healthy(port2, 30s));
  const auto token2 = login(port2);
  for (const auto& number : acknowledged) {
    auto r = http_request(port2, "GET", "/api/v1/residents?reveal=false&q=" + number, {},
                          {{"Authorization", "Bearer " + token2}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).at("items").as_array().size(), 1u) << number << " not stored exactly once";
  }
}

// Gate devices upload batches; the server dies mid-stream. Every batch it
// acknowledged is stored exactly once: resending it after the restart finds
// only duplicates, and nothing beyond the batches in flight was added.
TEST_F(ServerProcess, AcknowledgedScanBatchesSurviveKill9) {
  const int port = free_port();
  auto server = serve(port);
  ASSERT_TRUE(wait_healthy(port, 30s));
  const auto token = login(port);
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  auto areas = http_request(port, "GET", "/api/v1/areas?level=grid&limit=1", {}, auth);
  ASSERT_EQ(areas.status, 200) << areas.body;
  auto grid = json::parse(areas.body).at("items").at(0).at("id").as_int64();
  auto place = http_request(port, "POST", "/api/v1/places",
                            R"({"name":"东门","kind":"checkpoint","area_id":)" + std::to_string(grid) + "}", auth);
  ASSERT_EQ(place.status, 201) << place.body;
  const auto place_id = json::parse(place.body).at("id").as_int64();
  std::vector<std::int64_t> people;
  auto listed = http_request(port, "GET", "/api/v1/residents?limit=200&reveal=false", {}, auth);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto listed_json = json::parse(listed.body);
  for (const auto& r : listed_json.at("items").as_array()) {
    people.push_back(r.at("id").as_int64());
  }
  const auto ts = core::format_iso8601(core::SystemClock().now() - 60000);
  constexpr int kBatch = 1000;
  auto make_batch = [&](int writer, int n) {
    std::string body = R"({"scans":[)";
    for (int i = 0; i < kBatch; ++i) {
      body += std::string(i ? "," : "") + R"({"client_event_id":"w)" + std::to_string(writer) + "-" + std::to_string(n) +
              "-" + std::to_string(i) + R"(","person_id":)" + std::to_string(people[static_cast<size_t>(i) % people.size()]) +
              R"(,"place_id":)" + std::to_string(place_id) + R"(,"ts":")" + ts + R"(","direction":")" +
              (i % 2 ? "out" : "in") + R"("})";
    }
    return body + "]}";
  };
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  auto writer = [&](int w) {
    for (int n = 0; !stop; ++n) {
      auto body = make_batch(w, n);
      try {
        auto r = http_request(port, "POST", "/api/v1/scans", body, auth);
        if (r.status != 200) return;
        ASSERT_EQ(json::parse(r.body).at("accepted").as_int64(), kBatch);
        std::lock_guard lock(mutex);
        acknowledged.push_back(std::move(body));
      } catch (...) {
        return;
      }
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  std::this_thread::sleep_for(1500ms);
  server->signal(SIGKILL);
  EXPECT_EQ(server->wait(5s), 128 + SIGKILL);
  stop = true;
  a.join();
  b.join();
  ASSERT_GE(acknowledged.size(), 2u);

  const int port2 = free_port();
  auto again = serve(port2);
  ASSERT_TRUE(wait_healthy(port2, 30s));
  const std::map<std::string, std::string> auth2{{"Authorization", "Bearer " + login(port2)},
                                                 {"Content-Type", "application/json"}};
  for (const auto& body : acknowledged) {
    auto r = json::parse(http_request(port2, "POST", "/api/v1/scans", body, auth2).body);
    EXPECT_EQ(r.at("accepted").as_int64(), 0);
    EXPECT_EQ(r.at("duplicates").as_int64(), kBatch);
  }
  auto db = db::open_database("sqlite:" + (dir_ / "data" / "firstline.db").string(), 1);
  auto conn = db->acquire();
  const auto stored = db::as_int(*conn->query_value("SELECT COUNT(*) FROM scans WHERE client_event_id LIKE 'w%'"));
  EXPECT_GE(stored, static_cast<std::int64_t>(acknowledged.size()) * kBatch);
  EXPECT_LE(stored, static_cast<std::int64_t>(acknowledged.size() + 2) * kBatch);  // at most the two in flight
  EXPECT_EQ(stored % kBatch, 0) << "a batch was stored in part";
}

TEST_F(ServerProcess, SigtermFinishesGracefully) {
  const int port = free_port();
  auto server = serve(port);
  ASSERT_TRUE(wait_healthy(port, 30s));
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait(15s), 0);
}

TEST_F(ServerProcess, TheCapSenderFlagNamesTheOfficeInEveryWarning) {
  const auto db = "sqlite:" + (dir_ / "data" / "firstline.db").string();
  // CAP 1.2 forbids spaces, commas, '<' and '&' in <sender>: refused before serving.
  Process bad({FIRSTLINE_BINARY, "serve", "--db", db, "--port", "0", "--cap-sender", "ops desk"}, dir_ / "bad.log");
  EXPECT_NE(bad.wait(15s), 0);
  {
    std::ifstream log(dir_ / "bad.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("--cap-sender"), std::string::npos) << text;
  }
  const int port = free_port();
  Process server({FIRSTLINE_BINARY, "serve", "--db", db, "--port", std::to_string(port), "--cap-sender",
                  "ops@jd.example.gov.cn"},
                 dir_ / "serve.log");
  ASSERT_TRUE(wait_healthy(port, 30s));
  const auto token = login(port);
  ASSERT_FALSE(token.empty());
  auto list = http_request(port, "GET", "/api/v1/warnings?limit=1", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(list.status, 200) << list.body;
  const auto items = json::parse(list.body).at("items").as_array();
  ASSERT_FALSE(items.empty());  // the demo's outbreak warnings
  const auto id = items[0].at("id").as_int64();
  auto cap = http_request(port, "GET", "/api/v1/warnings/" + std::to_string(id) + "/cap", "",
                          {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(cap.status, 200) << cap.body;
  EXPECT_NE(cap.body.find("<sender>ops@jd.example.gov.cn</sender>"), std::string::npos) << cap.body;
}

TEST_F(ServerProcess, ADatabaseNewerThanTheBinaryIsRefusedClearly) {
  {
    auto db = db::open_database("sqlite:" + (dir_ / "data" / "firstline.db").string(), 1);
    auto conn = db->acquire();
    conn->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)");
  }
  Process p({FIRSTLINE_BINARY, "migrate", "--db", "sqlite:" + (dir_ / "data" / "firstline.db").string()},
            dir_ / "migrate.log");
  EXPECT_EQ(p.wait(30s), 1);
  std::ifstream log(dir_ / "migrate.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("newer firstline"), std::string::npos) << text;
}

// Live updates: an open event stream receives a resident created meanwhile.
TEST(LiveUpdates, OpenStreamReceivesNewResidents) {
  TestDatabase tdb(Backend::sqlite);
  core::SystemClock clock;
  TestServer server(tdb.url(), clock);
  auto seed = seed_district(server.app());
  const auto token = server.login("staff", Seed::kPassword);
  ASSERT_FALSE(token.empty());

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "GET /api/v1/events?topic=residents&token=" + token + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string got;
  char buf[4096];
  while (got.find(": connected") == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << got;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  auto created = server.post("/api/v1/residents",
                             R"({"name":"新居民","household_id":)" + std::to_string(seed.household1) + "}", token);
  ASSERT_EQ(created.status, 201);
  while (got.find("resident_created") == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << got;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(got.find("\"id\":" + std::to_string(json::parse(created.body).at("id").as_int64())), std::string::npos);
  ::close(fd);
  // A stream needs a valid token.
  EXPECT_EQ(http_request(server.port(), "GET", "/api/v1/events?topic=residents&token=bad").status, 401);
}

}  // namespace
}  // namespace firstline::testing
