#include "http/metrics.hpp"

#include <fmt/format.h>

namespace firstline::http {

void Metrics::record(const std::string& method, const std::string& route, int status, double seconds) {
  const std::string labels = fmt::format("method=\"{}\",route=\"{}\",status=\"{}\"", method, route, status);
  std::lock_guard lock(mutex_);
  ++requests_[labels];
  ++latency_count_;
  latency_sum_ += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++buckets_[i];
  }
}

void Metrics::add_collector(std::function<std::string()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  std::string out;
  std::vector<std::function<std::string()>> collectors;
  {
    std::lock_guard lock(mutex_);
    out += "# HELP firstline_http_requests_total HTTP requests answered.\n";
    out += "# TYPE firstline_http_requests_total counter\n";
    for (const auto& [labels, n] : requests_) out += fmt::format("firstline_http_requests_total{{{}}} {}\n", labels, n);
    out += "# HELP firstline_http_request_duration_seconds Time to answer a request.\n";
    out += "# TYPE firstline_http_request_duration_seconds histogram\n";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("firstline_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], buckets_[i]);
    }
    out += fmt::format("firstline_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", latency_count_);
    out += fmt::format("firstline_http_request_duration_seconds_sum {}\n", latency_sum_);
    out += fmt::format("firstline_http_request_duration_seconds_count {}\n", latency_count_);
    collectors = collectors_;
  }
  for (const auto& c : collectors) out += c();
  return out;
}

}  // namespace firstline::http
