#include "epi/rt.hpp"

#include <boost/math/distributions/gamma.hpp>

#include <cmath>
#include <exception>
#include <string>

#include <fmt/format.h>

namespace firstline::epi {

core::Status validate_serial_interval(std::span<const double> w) {
  if (w.empty()) return core::invalid("serial_interval", "serial_interval must list at least one probability");
  if (w.size() > kMaxSerialIntervalDays) {
    return core::invalid("serial_interval",
                         fmt::format("serial_interval may cover at most {} days", kMaxSerialIntervalDays));
  }
  double sum = 0;
  for (double p : w) {
    if (!std::isfinite(p) || p < 0) {
      return core::invalid("serial_interval", "serial_interval must hold non-negative probabilities");
    }
    sum += p;
  }
  if (std::fabs(sum - 1.0) > 1e-6) {
    return core::invalid("serial_interval", fmt::format("serial_interval must sum to 1 (it sums to {})", sum));
  }
  return {};
}

std::vector<double> total_infectiousness(std::span<const double> incidence, std::span<const double> w) {
  const std::size_t n = incidence.size();
  std::vector<double> lambda(n, 0.0);
  // lambda[s] (0-based day s) = Σ_{k=1..min(s, K)} I[s−k] w[k−1].
  for (std::size_t s = 1; s < n; ++s) {
    double sum = 0;
    const std::size_t kmax = std::min(s, w.size());
    for (std::size_t k = 1; k <= kmax; ++k) sum += incidence[s - k] * w[k - 1];
    lambda[s] = sum;
  }
  return lambda;
}

core::Result<std::vector<RtEstimate>> estimate_rt(std::span<const double> incidence, std::span<const double> w,
                                                  const RtOptions& o) {
  if (incidence.size() > kMaxIncidenceDays) {
    return core::invalid("incidence", fmt::format("incidence may cover at most {} days", kMaxIncidenceDays));
  }
  for (double x : incidence) {
    if (!std::isfinite(x) || x < 0) return core::invalid("incidence", "incidence must hold non-negative counts");
  }
  if (auto st = validate_serial_interval(w); !st) return std::unexpected(st.error());
  if (o.window < 1 || o.window > kMaxRtWindow) {
    return core::invalid("window", fmt::format("window must be 1..{} days", kMaxRtWindow));
  }
  if (!std::isfinite(o.prior_mean) || o.prior_mean <= 0) return core::invalid("prior_mean", "prior_mean must be > 0");
  if (!std::isfinite(o.prior_sd) || o.prior_sd <= 0) return core::invalid("prior_sd", "prior_sd must be > 0");
  if (!std::isfinite(o.min_cases) || o.min_cases < 0) return core::invalid("min_cases", "min_cases must be >= 0");

  const double a = (o.prior_mean / o.prior_sd) * (o.prior_mean / o.prior_sd);  // prior shape
  const double b = o.prior_sd * o.prior_sd / o.prior_mean;                     // prior scale
  const auto lambda = total_infectiousness(incidence, w);

  // Prefix sums: cum[i] = Σ of the first i days.
  const std::size_t n = incidence.size();
  std::vector<double> cum_i(n + 1, 0.0), cum_l(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    cum_i[i + 1] = cum_i[i] + incidence[i];
    cum_l[i + 1] = cum_l[i] + lambda[i];
  }

  std::vector<RtEstimate> out;
  const auto tau = static_cast<std::size_t>(o.window);
  if (n < tau + 1) return out;
  out.reserve(n - tau);
  try {
    for (std::size_t t = tau + 1; t <= n; ++t) {  // 1-based window end
      const std::size_t start = t - tau + 1;
      RtEstimate e;
      e.t_start = static_cast<int>(start);
      e.t_end = static_cast<int>(t);
      e.cases = cum_i[t] - cum_i[start - 1];
      // Sums of non-negative terms: clear rounding noise of the differences.
      e.infectiousness = std::max(0.0, cum_l[t] - cum_l[start - 1]);
      e.cases = std::max(0.0, e.cases);
      e.shape = a + e.cases;
      e.rate = 1.0 / b + e.infectiousness;
      const boost::math::gamma_distribution<double> post(e.shape, 1.0 / e.rate);
      e.mean = e.shape / e.rate;
      e.std = std::sqrt(e.shape) / e.rate;
      e.q025 = boost::math::quantile(post, 0.025);
      e.median = boost::math::quantile(post, 0.5);
      e.q975 = boost::math::quantile(post, 0.975);
      e.enough_cases = e.cases >= o.min_cases && e.infectiousness > 0;
      out.push_back(e);
    }
  } catch (const std::exception& ex) {
    return core::fail(core::ErrorCode::internal, std::string("Rt quantiles failed: ") + ex.what());
  }
  return out;
}

core::Result<std::vector<double>> discretized_gamma_serial_interval(double mean, double sd, int max_days) {
  if (!std::isfinite(mean) || mean <= 0) return core::invalid("mean", "mean must be > 0");
  if (!std::isfinite(sd) || sd <= 0) return core::invalid("sd", "sd must be > 0");
  if (max_days < 0 || max_days > static_cast<int>(kMaxSerialIntervalDays)) {
    return core::invalid("max_days", fmt::format("max_days must be 0 (automatic) or 1..{}", kMaxSerialIntervalDays));
  }
  try {
    const double shape = (mean / sd) * (mean / sd);
    const double scale = sd * sd / mean;
    const boost::math::gamma_distribution<double> si(shape, scale);
    int n = max_days;
    if (n == 0) {
      n = 1;
      while (n < static_cast<int>(kMaxSerialIntervalDays) && boost::math::cdf(si, n + 0.5) < 0.999) ++n;
    }
    std::vector<double> w(static_cast<std::size_t>(n));
    double prev = boost::math::cdf(si, 0.5);
    double sum = 0;
    for (int k = 1; k <= n; ++k) {
      const double next = boost::math::cdf(si, k + 0.5);
      w[static_cast<std::size_t>(k - 1)] = std::max(0.0, next - prev);
      sum += w[static_cast<std::size_t>(k - 1)];
      prev = next;
    }
    if (!(sum > 0)) return core::invalid("max_days", "the serial interval has no mass on the days asked for");
    for (auto& p : w) p /= sum;
    return w;
  } catch (const std::exception& ex) {
    return core::fail(core::ErrorCode::internal, std::string("serial interval discretization failed: ") + ex.what());
  }
}

}  // namespace firstline::epi
