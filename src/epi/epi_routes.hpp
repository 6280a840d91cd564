// HTTP routes of the epidemic indicators: POST /api/v1/epi/rt (Rt of any
// series, Cori et al.). The SEIR forecast has no route yet.
#pragma once

#include "http/router.hpp"

namespace firstline::epi {

void add_epi_routes(http::Router& router);

}  // namespace firstline::epi
