// Prometheus metrics of the HTTP server: requests by route and status, and a
// latency histogram. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace firstline::http {

class Metrics {
 public:
  /// Records one request; `route` is the matched pattern (or "unmatched").
  void record(const std::string& method, const std::string& route, int status, double seconds);
  /// Extra lines appended to the exposition (e.g. database time), given by the app.
  void add_collector(std::function<std::string()> collector);
  /// The text exposition format (version 0.0.4).
  std::string render() const;

  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

 private:
  struct Series {
    std::uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> requests_;  // label set -> count
  std::array<std::uint64_t, kBuckets.size()> buckets_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::vector<std::function<std::string()>> collectors_;
};

}  // namespace firstline::http
