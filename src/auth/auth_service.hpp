// Accounts, roles granted on area subtrees, and sessions. Login returns an
// opaque token; only its SHA-256 is stored, with an expiry, and it can be
// revoked. authenticate() turns a token into the Principal every other
// service checks. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"

namespace firstline::auth {

struct RoleGrant {
  core::Role role = core::Role::resident;
  std::optional<std::int64_t> area_id;
  std::string area_name;  // filled on reads
  std::string area_code;
};

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
  std::optional<std::int64_t> resident_id;
  std::string language = "zh-CN";
  bool disabled = false;
  std::vector<RoleGrant> roles;
  core::Millis created_at = 0;
};

struct NewUser {
  std::string username;
  std::string password;
  std::string display_name;
  std::optional<std::int64_t> resident_id;
  std::string language = "zh-CN";
  std::vector<RoleGrant> roles;
};

struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<std::string> password;
  std::optional<std::string> language;
  std::optional<bool> disabled;
  std::optional<std::vector<RoleGrant>> roles;  // replaces all grants
};

struct Session {
  std::string token;  // shown once, at login
  core::Millis expires_at = 0;
  User user;
};

struct AuthOptions {
  HashCost hash_cost = HashCost::interactive();
  core::Millis session_ttl = 12LL * 3600 * 1000;  // 12 hours
  // After this many failed sign-ins for one username within the window, the
  // username is refused (429) until the oldest of them leaves the window.
  int max_failed_logins = 5;
  core::Millis failed_login_window = 15LL * 60 * 1000;  // 15 minutes
};

class AuthService {
 public:
  AuthService(db::Database& db, const core::Clock& clock, AuthOptions options = {})
      : db_(db), clock_(clock), options_(options) {}

  /// Checks a username and password; unauthorized with one message for any mismatch.
  core::Result<Session> login(const std::string& username, const std::string& password, const std::string& remote);
  /// The caller of a token; unauthorized when unknown, expired, revoked or disabled.
  core::Result<core::Principal> authenticate(std::string_view token);
  /// Revokes the session of this token.
  core::Status logout(std::string_view token);

  /// Creates a user (manage_users). Validates username (3–32 of a-z 0-9 _ . -),
  /// password (8–128 characters), role keys, areas, and that a resident role
  /// links a resident record. conflict when the username is taken.
  core::Result<User> create_user(const core::Principal& who, const NewUser& user);
  core::Result<User> get_user(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<User>> list_users(const core::Principal& who, std::optional<std::int64_t> after_id, int limit);
  core::Result<User> update_user(const core::Principal& who, std::int64_t id, const UserPatch& patch);
  /// The caller's own account.
  core::Result<User> me(const core::Principal& who);
  /// Changes the caller's language or password (the current password is required for the latter).
  core::Result<User> update_me(const core::Principal& who, std::optional<std::string> language,
                               std::optional<std::string> password, std::optional<std::string> current_password);

  /// Creates the first administrator if no user exists; returns true when created.
  bool ensure_admin(const std::string& username, const std::string& password);

 private:
  /// A hash of the configured cost, verified for unknown usernames so that
  /// login timing does not tell which usernames exist.
  const std::string& dummy_hash();
  core::Status validate_roles(db::Connection& conn, const core::Principal& who, const std::vector<RoleGrant>& roles,
                              const std::optional<std::int64_t>& resident_id);
  std::optional<User> load_user(db::Connection& conn, std::int64_t id);
  void write_roles(db::Connection& conn, std::int64_t user_id, const std::vector<RoleGrant>& roles, core::Millis now);

  db::Database& db_;
  const core::Clock& clock_;
  AuthOptions options_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace firstline::auth
