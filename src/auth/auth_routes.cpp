#include "auth/auth_routes.hpp"

#include "http/json.hpp"

namespace firstline::auth {

namespace json = boost::json;
using http::FieldReader;
using http::Request;
using http::Response;

void tag_invoke(json::value_from_tag, json::value& v, const RoleGrant& g) {
  v = json::object{{"role", core::role_key(g.role)},
                   {"area_id", http::or_null(g.area_id)},
                   {"area_name", g.area_name},
                   {"area_code", g.area_code}};
}

void tag_invoke(json::value_from_tag, json::value& v, const User& u) {
  json::array roles;
  for (const auto& g : u.roles) roles.push_back(json::value_from(g));
  v = json::object{{"id", u.id},
                   {"username", u.username},
                   {"display_name", u.display_name},
                   {"resident_id", http::or_null(u.resident_id)},
                   {"language", u.language},
                   {"disabled", u.disabled},
                   {"roles", std::move(roles)},
                   {"created_at", core::format_iso8601(u.created_at)}};
}

namespace {

std::optional<std::vector<RoleGrant>> read_roles(FieldReader& r, bool required) {
  const auto* v = r.raw("roles", required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    r.fail("roles", "roles must be an array of {role, area_id}");
    return std::nullopt;
  }
  std::vector<RoleGrant> out;
  std::size_t i = 0;
  for (const auto& e : v->get_array()) {
    const auto prefix = "roles[" + std::to_string(i++) + "].";
    if (!e.is_object()) {
      r.fail("roles", "roles must be an array of {role, area_id}");
      return std::nullopt;
    }
    FieldReader g(e.get_object(), prefix);
    auto role = g.text("role", {.required = true, .max_length = 30});
    auto area = g.integer("area_id", false, 1);
    if (role && !core::parse_role(*role)) g.fail("role", "unknown role " + *role);
    if (auto st = g.finish(); !st) {
      r.fail("roles", st.error().message);
      return std::nullopt;
    }
    out.push_back(RoleGrant{*core::parse_role(*role), area, {}, {}});
  }
  return out;
}

Response user_reply(const core::Result<User>& u, int status = 200) {
  if (!u) return http::error_response(u.error());
  return http::json_response(json::value_from(*u), status);
}

}  // namespace

void add_auth_routes(http::Router& router, AuthService& service) {
  router.add(
      "POST", "/api/v1/auth/login",
      [&service](Request& req) -> Response {
        auto body = http::parse_object_body(req);
        if (!body) return http::error_response(body.error());
        FieldReader r(*body);
        auto username = r.text("username", {.required = true, .max_length = 64});
        auto password = r.text("password", {.required = true, .max_length = 200});
        if (auto st = r.finish(); !st) return http::error_response(st.error());
        auto session = service.login(*username, *password, req.remote);
        if (!session) return http::error_response(session.error());
        return http::json_response(json::object{{"token", session->token},
                                                {"expires_at", core::format_iso8601(session->expires_at)},
                                                {"user", json::value_from(session->user)}});
      },
      http::Access::open);

  router.add("POST", "/api/v1/auth/logout", [&service](Request& req) -> Response {
    auto auth = req.header("authorization");
    (void)service.logout(auth.substr(std::string_view("Bearer ").size()));
    Response r;
    r.status = 204;
    return r;
  });

  router.add("GET", "/api/v1/me", [&service](Request& req) -> Response { return user_reply(service.me(*req.principal)); });

  router.add("PATCH", "/api/v1/me", [&service](Request& req) -> Response {
    auto body = http::parse_object_body(req);
    if (!body) return http::error_response(body.error());
    FieldReader r(*body);
    auto language = r.text("language", {.max_length = 10});
    auto password = r.text("password", {.max_length = 200});
    auto current = r.text("current_password", {.max_length = 200});
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    return user_reply(service.update_me(*req.principal, language, password, current));
  });

  router.add("GET", "/api/v1/users", [&service](Request& req) -> Response {
    if (auto st = http::check_query_names(req, {"limit", "cursor"}); !st) return http::error_response(st.error());
    auto page = http::parse_page_params(req);
    if (!page) return http::error_response(page.error());
    std::optional<std::int64_t> after;
    if (page->cursor) {
      auto id = http::parse_id(*page->cursor, "cursor");
      if (!id) return http::error_response(id.error());
      after = *id;
    }
    auto users = service.list_users(*req.principal, after, page->limit);
    if (!users) return http::error_response(users.error());
    json::array items;
    for (const auto& u : users->items) items.push_back(json::value_from(u));
    return http::list_response(std::move(items), users->next);
  });

  router.add("POST", "/api/v1/users", [&service](Request& req) -> Response {
    auto body = http::parse_object_body(req);
    if (!body) return http::error_response(body.error());
    FieldReader r(*body);
    NewUser u;
    auto username = r.text("username", {.required = true, .max_length = 64});
    auto password = r.text("password", {.required = true, .max_length = 200});
    u.display_name = r.text("display_name", {.max_length = 50}).value_or("");
    u.resident_id = r.integer("resident_id", false, 1);
    u.language = r.text("language", {.max_length = 10}).value_or("zh-CN");
    auto roles = read_roles(r, true);
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    u.username = *username;
    u.password = *password;
    u.roles = std::move(*roles);
    return user_reply(service.create_user(*req.principal, u), 201);
  });

  router.add("GET", "/api/v1/users/{id}", [&service](Request& req) -> Response {
    auto id = http::parse_id(req.path_params["id"], "id");
    if (!id) return http::error_response({core::ErrorCode::not_found, "no such user"});
    return user_reply(service.get_user(*req.principal, *id));
  });

  router.add("PATCH", "/api/v1/users/{id}", [&service](Request& req) -> Response {
    auto id = http::parse_id(req.path_params["id"], "id");
    if (!id) return http::error_response({core::ErrorCode::not_found, "no such user"});
    auto body = http::parse_object_body(req);
    if (!body) return http::error_response(body.error());
    FieldReader r(*body);
    UserPatch p;
    p.display_name = r.text("display_name", {.max_length = 50, .allow_empty = true});
    p.password = r.text("password", {.max_length = 200});
    p.language = r.text("language", {.max_length = 10});
    p.disabled = r.boolean("disabled");
    p.roles = read_roles(r, false);
    if (auto st = r.finish(); !st) return http::error_response(st.error());
    return user_reply(service.update_user(*req.principal, *id, p));
  });
}

}  // namespace firstline::auth
