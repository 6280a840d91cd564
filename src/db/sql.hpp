// Builds a statement whose shape depends on the request (optional filters,
// several scope ranges) while every value stays a bind parameter: text is
// appended, values are bound as $1, $2, ... in order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"

namespace firstline::db {

class Sql {
 public:
  Sql() = default;
  explicit Sql(std::string_view text) : text_(text) {}
  /// Appends SQL text written by the programmer (never user input).
  Sql& append(std::string_view text) {
    text_ += text;
    return *this;
  }
  /// Appends "$N" and binds the value to it.
  Sql& bind(Value value) {
    params_.push_back(std::move(value));
    text_ += "$" + std::to_string(params_.size());
    return *this;
  }
  const std::string& text() const { return text_; }
  const Params& params() const { return params_; }

 private:
  std::string text_;
  Params params_;
};

/// The exclusive upper bound of the materialized paths under `path`
/// ("/1/4/" -> "/1/40"), so that a subtree is `path >= p AND path < upper(p)`,
/// which both backends answer from an ordinary index.
inline std::string path_upper_bound(std::string path) {
  if (!path.empty()) path.back() = static_cast<char>(path.back() + 1);
  return path;
}

/// Appends "(col >= $a AND col < $b OR ...)" for the given subtree paths; an
/// empty path in the list means "everything" and appends "1=1"; no paths at
/// all appends "1=0".
inline Sql& append_subtree_filter(Sql& sql, std::string_view column, const std::vector<std::string>& paths) {
  if (paths.empty()) return sql.append("1=0");
  for (const auto& p : paths) {
    if (p.empty()) return sql.append("1=1");
  }
  sql.append("(");
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i) sql.append(" OR ");
    sql.append("(").append(column).append(" >= ").bind(paths[i]);
    sql.append(" AND ").append(column).append(" < ").bind(path_upper_bound(paths[i])).append(")");
  }
  return sql.append(")");
}

}  // namespace firstline::db
