// HTTP routes of places, scans, flows, risk areas and screening.
#pragma once

#include "http/router.hpp"
#include "movement/movement_service.hpp"

namespace firstline::movement {

void add_movement_routes(http::Router& router, MovementService& service);

}  // namespace firstline::movement
