// HTTP routes of the epidemic indicators: POST /api/v1/epi/rt (Rt of any
// series, Cori et al.), and the per-area view GET /api/v1/epi/curve (daily
// confirmed cases, Rt, today's counts) and GET /api/v1/epi/forecast (the
// metapopulation SEIR projection over the area's grids).
#pragma once

#include "epi/epi_service.hpp"
#include "http/router.hpp"

namespace firstline::epi {

/// POST /api/v1/epi/rt alone: stateless, needs no service.
void add_rt_route(http::Router& router);
/// Every epi route: the Rt route and the per-area curve and forecast.
void add_epi_routes(http::Router& router, EpiService& service);

}  // namespace firstline::epi
