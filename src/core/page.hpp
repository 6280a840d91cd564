// One page of a list and the opaque cursor of the next page (null at the end).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace firstline::core {

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next;
};

}  // namespace firstline::core
