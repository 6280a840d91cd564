// HTTP routes of the risk registry: risk points, the 5×5 matrix, inspections
// and inspection photos (raw image bodies).
#pragma once

#include "http/router.hpp"
#include "risks/risk_service.hpp"

namespace firstline::risks {

void add_risk_routes(http::Router& router, RiskService& service);

}  // namespace firstline::risks
