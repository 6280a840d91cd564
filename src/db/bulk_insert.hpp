// Multi-row INSERTs for bulk loads (benchmarks, generators): rows are
// collected and sent `rows_per` to a statement, so that one statement text of
// that shape is prepared once and reused; the last partial batch goes as one
// shorter statement on flush().
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "db/database.hpp"

namespace firstline::db {

class BulkInsert {
 public:
  /// `head` is "INSERT INTO t (a, b, ...)"; each row has `cols` values.
  BulkInsert(Connection& conn, std::string head, int cols, int rows_per)
      : conn_(conn), head_(std::move(head)), cols_(cols), rows_per_(rows_per) {}
  void add(std::vector<Value> row) {
    for (auto& v : row) params_.push_back(std::move(v));
    if (++rows_ == rows_per_) flush();
  }
  void flush() {
    if (!rows_) return;
    std::string sql = head_ + " VALUES ";
    int k = 0;
    for (int r = 0; r < rows_; ++r) {
      sql += r ? ",(" : "(";
      for (int c = 0; c < cols_; ++c) sql += (c ? ",$" : "$") + std::to_string(++k);
      sql += ")";
    }
    conn_.execute(sql, params_);
    params_.clear();
    rows_ = 0;
  }

 private:
  Connection& conn_;
  std::string head_;
  int cols_, rows_per_;
  int rows_ = 0;
  Params params_;
};

}  // namespace firstline::db
