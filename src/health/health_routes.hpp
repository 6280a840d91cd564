// HTTP routes of health reports, statuses, the daily view, alerts and contact tracing.
#pragma once

#include "health/health_service.hpp"
#include "http/router.hpp"

namespace firstline::health {

void add_health_routes(http::Router& router, HealthService& service);

}  // namespace firstline::health
