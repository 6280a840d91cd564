#include "auth/auth_service.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "audit/audit_log.hpp"
#include "core/text.hpp"

namespace firstline::auth {

using core::Permission;

namespace {

core::Status validate_username(const std::string& u) {
  if (u.size() < 3 || u.size() > 32) return core::invalid("username", "a username has 3 to 32 characters");
  for (char c : u) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return core::invalid("username", "a username holds lower-case letters, digits, '_', '.' and '-' only");
  }
  return {};
}

core::Status validate_password(const std::string& p, const char* field = "password") {
  const auto n = core::utf8_length(p);
  if (n < 8 || n > 128) return core::invalid(field, "a password has 8 to 128 characters");
  return {};
}

// Accounts are managed by global administrators only: an administrator
// granted on one area must not reach accounts (or residents) outside it.
bool manages_all_users(const core::Principal& who) { return who.covers(Permission::manage_users, ""); }

core::Status validate_language(const std::string& l) {
  if (l != "zh-CN" && l != "en") return core::invalid("language", "language must be zh-CN or en");
  return {};
}

}  // namespace

const std::string& AuthService::dummy_hash() {
  std::call_once(dummy_once_, [this] { dummy_hash_ = hash_password("not-a-password", options_.hash_cost); });
  return dummy_hash_;
}

std::optional<User> AuthService::load_user(db::Connection& conn, std::int64_t id) {
  auto rs = conn.query(
      "SELECT id, username, display_name, resident_id, language, disabled, created_at FROM users WHERE id = $1", {id});
  if (rs.empty()) return std::nullopt;
  const auto& r = rs.rows[0];
  User u;
  u.id = db::as_int(r[0]);
  u.username = db::as_text(r[1]);
  u.display_name = db::as_text(r[2]);
  u.resident_id = db::as_opt_int(r[3]);
  u.language = db::as_text(r[4]);
  u.disabled = db::as_int(r[5]) != 0;
  u.created_at = db::as_int(r[6]);
  auto roles = conn.query(
      "SELECT ur.role, ur.area_id, a.name, a.code FROM user_roles ur LEFT JOIN areas a ON a.id = ur.area_id "
      "WHERE ur.user_id = $1 ORDER BY ur.id",
      {id});
  for (const auto& row : roles.rows) {
    auto role = core::parse_role(db::as_text(row[0]));
    if (!role) continue;
    u.roles.push_back(RoleGrant{*role, db::as_opt_int(row[1]), db::as_text(row[2]), db::as_text(row[3])});
  }
  return u;
}

core::Result<Session> AuthService::login(const std::string& username, const std::string& password,
                                         const std::string& remote) {
  auto conn = db_.acquire();
  const auto now = clock_.now();
  // Guessing: a username with too many recent failures is refused before its
  // password is checked, known or not (so refusals tell nothing either). The
  // failures are the audit log's, so every node counts the same ones.
  const auto name = core::utf8_prefix(username, 64);
  auto failures = conn->query(
      "SELECT at FROM audit_log WHERE action = 'login_failed' AND username = $1 AND at > $2 ORDER BY at",
      {name, now - options_.failed_login_window});
  if (const auto n = static_cast<int>(failures.rows.size()); n >= options_.max_failed_logins) {
    // Open again when fewer than the limit remain in the window.
    const auto until = db::as_int(failures.rows[static_cast<std::size_t>(n - options_.max_failed_logins)][0]) +
                       options_.failed_login_window;
    const auto minutes = std::max<core::Millis>(1, (until - now + 59'999) / 60'000);
    return core::fail(core::ErrorCode::too_many_requests,
                      fmt::format("too many failed sign-ins for this username; try again in {} minutes", minutes));
  }
  auto rs = conn->query("SELECT id, password_hash, disabled FROM users WHERE username = $1", {username});
  const bool known = !rs.empty();
  // Verify against a hash even for unknown names so timing does not reveal which names exist.
  const bool ok = verify_password(password, known ? db::as_text(rs.rows[0][1]) : dummy_hash()) && known &&
                  db::as_int(rs.rows[0][2]) == 0;
  if (!ok) {
    db::in_transaction(*conn, db::TxMode::write, [&] {
      audit::AuditEntry e;
      e.at = now;
      if (known) e.user_id = db::as_int(rs.rows[0][0]);
      e.username = name;
      e.action = "login_failed";
      e.entity = "session";
      e.detail = "from " + remote;
      audit::record(*conn, e);
    });
    return core::fail(core::ErrorCode::unauthorized, "wrong username or password");
  }
  const auto user_id = db::as_int(rs.rows[0][0]);
  Session s;
  s.token = new_session_token();
  s.expires_at = now + options_.session_ttl;
  db::in_transaction(*conn, db::TxMode::write, [&] {
    conn->execute("INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                  {user_id, token_digest(s.token), now, s.expires_at});
    audit::AuditEntry e;
    e.at = now;
    e.user_id = user_id;
    e.username = username;
    e.action = "login";
    e.entity = "session";
    e.detail = "from " + remote;
    audit::record(*conn, e);
  });
  s.user = *load_user(*conn, user_id);
  return s;
}

core::Result<core::Principal> AuthService::authenticate(std::string_view token) {
  if (token.size() != 64) return core::fail(core::ErrorCode::unauthorized, "the session token is not valid");
  auto conn = db_.acquire();
  auto rs = conn->query(
      "SELECT s.user_id, s.expires_at, s.revoked_at, u.username, u.resident_id, u.language, u.disabled "
      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
      {token_digest(token)});
  if (rs.empty()) return core::fail(core::ErrorCode::unauthorized, "the session token is not valid");
  const auto& r = rs.rows[0];
  if (!db::is_null(r[2])) return core::fail(core::ErrorCode::unauthorized, "the session was signed out");
  if (db::as_int(r[1]) <= clock_.now()) return core::fail(core::ErrorCode::unauthorized, "the session has expired; sign in again");
  if (db::as_int(r[6]) != 0) return core::fail(core::ErrorCode::unauthorized, "the account is disabled");
  core::Principal p;
  p.user_id = db::as_int(r[0]);
  p.username = db::as_text(r[3]);
  p.resident_id = db::as_opt_int(r[4]);
  p.language = db::as_text(r[5]);
  auto roles = conn->query(
      "SELECT ur.role, ur.area_id, a.path FROM user_roles ur LEFT JOIN areas a ON a.id = ur.area_id "
      "WHERE ur.user_id = $1 AND (ur.area_id IS NULL OR a.deleted_at IS NULL)",
      {p.user_id});
  for (const auto& row : roles.rows) {
    auto role = core::parse_role(db::as_text(row[0]));
    if (!role) continue;
    p.grants.push_back(core::Grant{*role, db::as_opt_int(row[1]), db::as_text(row[2])});
  }
  return p;
}

core::Status AuthService::logout(std::string_view token) {
  auto conn = db_.acquire();
  conn->execute("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
                {clock_.now(), token_digest(token)});
  return {};
}

core::Status AuthService::validate_roles(db::Connection& conn, const core::Principal& who,
                                         const std::vector<RoleGrant>& roles,
                                         const std::optional<std::int64_t>& resident_id) {
  if (roles.empty()) return core::invalid("roles", "give the user at least one role");
  for (size_t i = 0; i < roles.size(); ++i) {
    const auto& g = roles[i];
    const auto field = fmt::format("roles[{}].area_id", i);
    if (g.role == core::Role::resident) {
      if (!resident_id) return core::invalid("resident_id", "a resident account must be linked to a resident record");
      continue;  // residents are scoped to their own household, not an area
    }
    if (!g.area_id) {
      if (g.role == core::Role::admin) {
        if (!who.is_admin()) return core::forbidden("only an administrator grants global administration");
        continue;
      }
      return core::invalid(field, "this role is granted on an area: area_id is required");
    }
    auto path = conn.query_value("SELECT path FROM areas WHERE id = $1 AND deleted_at IS NULL", {*g.area_id});
    if (!path) return core::invalid(field, fmt::format("no area {}", *g.area_id));
    if (!who.covers(Permission::manage_users, db::as_text(*path))) {
      return core::forbidden("you may grant roles only inside your own areas");
    }
  }
  if (resident_id) {
    auto r = conn.query_value("SELECT id FROM residents WHERE id = $1 AND deleted_at IS NULL", {*resident_id});
    if (!r) return core::invalid("resident_id", fmt::format("no resident {}", *resident_id));
  }
  return {};
}

void AuthService::write_roles(db::Connection& conn, std::int64_t user_id, const std::vector<RoleGrant>& roles,
                              core::Millis now) {
  conn.execute("DELETE FROM user_roles WHERE user_id = $1", {user_id});
  for (const auto& g : roles) {
    conn.execute("INSERT INTO user_roles (user_id, role, area_id, created_at) VALUES ($1, $2, $3, $4)",
                 {user_id, std::string(core::role_key(g.role)), db::opt(g.area_id), now});
  }
}

core::Result<User> AuthService::create_user(const core::Principal& who, const NewUser& in) {
  if (!manages_all_users(who)) return core::forbidden("your roles do not allow managing users");
  if (auto st = validate_username(in.username); !st) return std::unexpected(st.error());
  if (auto st = validate_password(in.password); !st) return std::unexpected(st.error());
  if (auto st = validate_language(in.language); !st) return std::unexpected(st.error());
  if (core::utf8_length(in.display_name) > 50) return core::invalid("display_name", "display_name is longer than 50 characters");
  auto conn = db_.acquire();
  if (auto st = validate_roles(*conn, who, in.roles, in.resident_id); !st) return std::unexpected(st.error());
  const auto hash = hash_password(in.password, options_.hash_cost);
  const auto now = clock_.now();
  try {
    auto id = db::in_transaction(*conn, db::TxMode::write, [&] {
      auto v = conn->query_value(
          "INSERT INTO users (username, password_hash, display_name, resident_id, language, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
          {in.username, hash, in.display_name, db::opt(in.resident_id), in.language, now});
      const auto id = db::as_int(*v);
      write_roles(*conn, id, in.roles, now);
      std::string detail = "roles=";
      for (size_t i = 0; i < in.roles.size(); ++i) {
        detail += fmt::format("{}{}@{}", i ? "," : "", core::role_key(in.roles[i].role),
                              in.roles[i].area_id ? std::to_string(*in.roles[i].area_id) : "all");
      }
      audit::record(*conn, who, now, "create", "user", id, std::nullopt, detail);
      return id;
    });
    return *load_user(*conn, id);
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) return core::conflict("this username is taken", "username");
    throw;
  }
}

core::Result<User> AuthService::get_user(const core::Principal& who, std::int64_t id) {
  if (who.user_id != id && !manages_all_users(who)) return core::forbidden("your roles do not allow managing users");
  auto conn = db_.acquire();
  auto u = load_user(*conn, id);
  if (!u) return core::not_found(fmt::format("no user {}", id));
  return *u;
}

core::Result<core::Page<User>> AuthService::list_users(const core::Principal& who, std::optional<std::int64_t> after_id,
                                                       int limit) {
  if (!manages_all_users(who)) return core::forbidden("your roles do not allow managing users");
  auto conn = db_.acquire();
  auto rs = conn->query("SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT $2",
                        {after_id.value_or(0), static_cast<std::int64_t>(limit + 1)});
  core::Page<User> page;
  for (const auto& r : rs.rows) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next = std::to_string(page.items.back().id);
      break;
    }
    page.items.push_back(*load_user(*conn, db::as_int(r[0])));
  }
  return page;
}

core::Result<User> AuthService::update_user(const core::Principal& who, std::int64_t id, const UserPatch& patch) {
  if (!manages_all_users(who)) return core::forbidden("your roles do not allow managing users");
  auto conn = db_.acquire();
  auto u = load_user(*conn, id);
  if (!u) return core::not_found(fmt::format("no user {}", id));
  if (patch.password) {
    if (auto st = validate_password(*patch.password); !st) return std::unexpected(st.error());
  }
  if (patch.language) {
    if (auto st = validate_language(*patch.language); !st) return std::unexpected(st.error());
  }
  if (patch.display_name && core::utf8_length(*patch.display_name) > 50) {
    return core::invalid("display_name", "display_name is longer than 50 characters");
  }
  if (patch.roles) {
    if (auto st = validate_roles(*conn, who, *patch.roles, u->resident_id); !st) return std::unexpected(st.error());
  }
  if (patch.disabled && *patch.disabled && id == who.user_id) {
    return core::invalid("disabled", "you cannot disable your own account");
  }
  const auto hash = patch.password ? std::optional(hash_password(*patch.password, options_.hash_cost)) : std::nullopt;
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    if (patch.display_name) conn->execute("UPDATE users SET display_name = $1 WHERE id = $2", {*patch.display_name, id});
    if (patch.language) conn->execute("UPDATE users SET language = $1 WHERE id = $2", {*patch.language, id});
    if (patch.disabled) {
      conn->execute("UPDATE users SET disabled = $1 WHERE id = $2", {static_cast<std::int64_t>(*patch.disabled), id});
      if (*patch.disabled) {
        conn->execute("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", {now, id});
      }
    }
    if (hash) {
      conn->execute("UPDATE users SET password_hash = $1 WHERE id = $2", {*hash, id});
      conn->execute("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", {now, id});
    }
    if (patch.roles) write_roles(*conn, id, *patch.roles, now);
    conn->execute("UPDATE users SET updated_at = $1 WHERE id = $2", {now, id});
    audit::record(*conn, who, now, "update", "user", id, std::nullopt,
                  fmt::format("{}{}{}{}", patch.roles ? "roles " : "", patch.password ? "password " : "",
                              patch.disabled ? "disabled " : "", patch.display_name ? "display_name" : ""));
  });
  return *load_user(*conn, id);
}

core::Result<User> AuthService::me(const core::Principal& who) {
  auto conn = db_.acquire();
  auto u = load_user(*conn, who.user_id);
  if (!u) return core::not_found("the account no longer exists");
  return *u;
}

core::Result<User> AuthService::update_me(const core::Principal& who, std::optional<std::string> language,
                                          std::optional<std::string> password,
                                          std::optional<std::string> current_password) {
  if (language) {
    if (auto st = validate_language(*language); !st) return std::unexpected(st.error());
  }
  auto conn = db_.acquire();
  std::optional<std::string> hash;
  if (password) {
    if (auto st = validate_password(*password); !st) return std::unexpected(st.error());
    auto stored = conn->query_value("SELECT password_hash FROM users WHERE id = $1", {who.user_id});
    if (!current_password || !stored || !verify_password(*current_password, db::as_text(*stored))) {
      return core::invalid("current_password", "the current password is wrong");
    }
    hash = hash_password(*password, options_.hash_cost);
  }
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    if (language) conn->execute("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3", {*language, now, who.user_id});
    if (hash) {
      conn->execute("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", {*hash, now, who.user_id});
      audit::record(*conn, who, now, "update", "user", who.user_id, std::nullopt, "password");
    }
  });
  return *load_user(*conn, who.user_id);
}

bool AuthService::ensure_admin(const std::string& username, const std::string& password) {
  auto conn = db_.acquire();
  auto n = conn->query_value("SELECT COUNT(*) FROM users");
  if (n && db::as_int(*n) > 0) return false;
  const auto hash = hash_password(password, options_.hash_cost);
  const auto now = clock_.now();
  db::in_transaction(*conn, db::TxMode::write, [&] {
    auto v = conn->query_value(
        "INSERT INTO users (username, password_hash, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) "
        "RETURNING id",
        {username, hash, std::string("Administrator"), now});
    const auto id = db::as_int(*v);
    conn->execute("INSERT INTO user_roles (user_id, role, area_id, created_at) VALUES ($1, 'admin', NULL, $2)", {id, now});
    audit::AuditEntry e;
    e.at = now;
    e.username = "system";
    e.action = "create";
    e.entity = "user";
    e.entity_id = id;
    e.detail = "first administrator";
    audit::record(*conn, e);
  });
  return true;
}

}  // namespace firstline::auth
