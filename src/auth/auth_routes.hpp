// HTTP routes of sessions, the caller's account and user management.
#pragma once

#include "auth/auth_service.hpp"
#include "http/router.hpp"

namespace firstline::auth {

void add_auth_routes(http::Router& router, AuthService& service);

}  // namespace firstline::auth
