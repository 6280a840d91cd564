// HTTP routes of the risk levels: an area's level with its reasons and its
// children's, its history, the rules (read and replace) and recomputation.
#pragma once

#include "http/router.hpp"
#include "levels/level_service.hpp"

namespace firstline::levels {

void add_level_routes(http::Router& router, LevelService& service);

}  // namespace firstline::levels
