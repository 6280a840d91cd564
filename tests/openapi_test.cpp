// docs/openapi.yaml against the route table: every route the application
// registers is documented, nothing else is, and the routes open without a
// token are the ones the document marks with `security: []`.
//
// The YAML is read line by line, so the document keeps a regular layout:
// a path as "  /api/v1/...:" (two spaces), a method as "    get:" (four) and
// an operation's own keys six spaces in.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "app/application.hpp"
#include "core/clock.hpp"

namespace firstline {
namespace {

namespace fs = std::filesystem;

// One operation of the document: "GET /api/v1/residents/{id}" -> open (security: []).
using Operations = std::map<std::string, bool>;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Reads the operations under the top-level `paths:` key of docs/openapi.yaml.
Operations read_openapi_operations(const fs::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  static const std::regex path_line(R"(^  (/\S+):$)");
  static const std::regex method_line(R"(^    (get|post|put|patch|delete):$)");
  static const std::regex open_line(R"(^      security: \[\]\s*$)");
  Operations ops;
  bool in_paths = false;
  std::string path, current;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() != ' ' && line.front() != '#') {
      in_paths = line == "paths:";
      path.clear();
      current.clear();
      continue;
    }
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_line)) {
      path = m[1];
      current.clear();
    } else if (std::regex_match(line, m, method_line)) {
      EXPECT_FALSE(path.empty()) << "a method outside a path: " << line;
      current = upper(m[1]) + " " + path;
      EXPECT_FALSE(ops.contains(current)) << "documented twice: " << current;
      ops[current] = false;
    } else if (!current.empty() && std::regex_match(line, open_line)) {
      ops[current] = true;
    }
  }
  return ops;
}

std::string describe(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += "\n  " + s;
  return out.empty() ? " (none)" : out;
}

// An Application over a fresh SQLite file, removed again at the end.
class OpenApiFixture {
 public:
  OpenApiFixture() {
    std::random_device rd;
    db_file_ = fs::temp_directory_path() / ("firstline_openapi_" + std::to_string(rd()) + ".db");
    app::AppOptions options{.database_url = "sqlite:" + db_file_.string()};
    application_ = std::make_unique<app::Application>(std::move(options), clock_);
  }
  ~OpenApiFixture() {
    application_.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db_file_.string() + suffix, ec);
  }
  const std::vector<http::RouteInfo>& routes() { return application_->router().routes(); }

 private:
  core::SystemClock clock_;
  fs::path db_file_;
  std::unique_ptr<app::Application> application_;
};

const fs::path kOpenApiFile = fs::path(FIRSTLINE_SOURCE_DIR) / "docs" / "openapi.yaml";

TEST(OpenApi, DocumentsEveryRouteAndNoOther) {
  OpenApiFixture fixture;
  std::set<std::string> registered;
  for (const auto& r : fixture.routes()) registered.insert(r.method + " " + r.pattern);
  ASSERT_FALSE(registered.empty());

  std::set<std::string> documented;
  for (const auto& [op, open] : read_openapi_operations(kOpenApiFile)) documented.insert(op);

  std::set<std::string> undocumented, unknown;
  std::set_difference(registered.begin(), registered.end(), documented.begin(), documented.end(),
                      std::inserter(undocumented, undocumented.end()));
  std::set_difference(documented.begin(), documented.end(), registered.begin(), registered.end(),
                      std::inserter(unknown, unknown.end()));
  EXPECT_TRUE(undocumented.empty()) << "routes missing from docs/openapi.yaml:" << describe(undocumented);
  EXPECT_TRUE(unknown.empty()) << "docs/openapi.yaml documents routes the server does not have:" << describe(unknown);
}

TEST(OpenApi, OpenRoutesAreMarkedWithoutSecurity) {
  OpenApiFixture fixture;
  const auto ops = read_openapi_operations(kOpenApiFile);
  std::set<std::string> wrong;
  for (const auto& r : fixture.routes()) {
    const auto key = r.method + " " + r.pattern;
    auto it = ops.find(key);
    if (it == ops.end()) continue;  // reported by DocumentsEveryRouteAndNoOther
    const bool open = r.access == http::Access::open;
    if (it->second != open)
      wrong.insert(key + (open ? " is open but lacks `security: []`" : " needs a token but has `security: []`"));
  }
  EXPECT_TRUE(wrong.empty()) << "security of these operations differs from the router:" << describe(wrong);
}

}  // namespace
}  // namespace firstline
