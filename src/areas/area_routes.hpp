// HTTP routes of the area hierarchy (/api/v1/areas...).
#pragma once

#include "areas/area_service.hpp"
#include "http/router.hpp"

namespace firstline::areas {

void add_area_routes(http::Router& router, AreaService& service);

}  // namespace firstline::areas
