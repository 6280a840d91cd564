// HTTP routes of warnings: issue and list, one warning with its history, the
// lifecycle steps, its CAP 1.2 document and the Atom feed of current warnings.
#pragma once

#include "http/router.hpp"
#include "warnings/warning_service.hpp"

namespace firstline::warnings {

void add_warning_routes(http::Router& router, WarningService& service);

}  // namespace firstline::warnings
