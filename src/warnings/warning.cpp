#include "warnings/warning.hpp"

#include <algorithm>

namespace firstline::warnings {

const std::vector<std::string_view>& levels() {
  static const std::vector<std::string_view> l = {"blue", "yellow", "orange", "red"};
  return l;
}

int level_rank(std::string_view level) {
  const auto& l = levels();
  auto it = std::find(l.begin(), l.end(), level);
  return it == l.end() ? 0 : static_cast<int>(it - l.begin()) + 1;
}

std::string_view level_name_zh(std::string_view level) {
  if (level == "red") return "红色预警";
  if (level == "orange") return "橙色预警";
  if (level == "yellow") return "黄色预警";
  if (level == "blue") return "蓝色预警";
  return "预警";
}

const std::vector<std::string_view>& statuses() {
  static const std::vector<std::string_view> s = {"proposed", "issued",    "acknowledged", "handled",
                                                  "closed",   "cancelled", "rejected"};
  return s;
}

bool is_current(std::string_view status) {
  return status == "issued" || status == "acknowledged" || status == "handled";
}

const std::vector<std::string_view>& cap_categories() {
  static const std::vector<std::string_view> c = {"Geo",    "Met", "Safety",    "Security", "Rescue", "Fire",
                                                  "Health", "Env", "Transport", "Infra",    "CBRNE",  "Other"};
  return c;
}

CapGrade cap_grade(std::string_view level) {
  if (level == "red") return {"Immediate", "Extreme", "Observed"};
  if (level == "orange") return {"Expected", "Severe", "Likely"};
  if (level == "yellow") return {"Expected", "Moderate", "Likely"};
  if (level == "blue") return {"Future", "Minor", "Possible"};
  return {"Unknown", "Unknown", "Unknown"};
}

std::string_view step_key(Step step) {
  switch (step) {
    case Step::acknowledge:
      return "acknowledge";
    case Step::handle:
      return "handle";
    case Step::close:
      return "close";
    case Step::release:
      return "release";
    case Step::cancel:
      return "cancel";
  }
  return "";
}

}  // namespace firstline::warnings
