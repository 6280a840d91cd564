// HTTP routes of buildings, households and residents (/api/v1/...).
#pragma once

#include "http/router.hpp"
#include "people/people_service.hpp"

namespace firstline::people {

void add_people_routes(http::Router& router, PeopleService& service);

}  // namespace firstline::people
