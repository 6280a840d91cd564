// The time-varying reproduction number Rt by the method of Cori, Ferguson,
// Fraser and Cauchemez (2013), "A new framework and software to estimate
// time-varying reproduction numbers during epidemics", Am J Epidemiol 178(9).
// Pure computation: no HTTP, JSON or database (POST /api/v1/epi/rt and the
// per-area pages call the same function).
//
// Model. Incidence I_t (t = 1..n, day 1 first) and a serial-interval
// distribution w_k = P(SI = k days), k = 1..K (w_k = 0 beyond K; w_0 = 0, so a
// case never infects on its own onset day). The total infectiousness on day s
// is
//     Λ_s = Σ_{k=1..s−1} I_{s−k} w_k.
// Assuming Rt is constant over the window [t−τ+1, t] and I_s ~ Poisson(R Λ_s),
// a Gamma prior with shape a and scale b gives the posterior
//     R | window ~ Gamma(shape = a + Σ I_s, rate = 1/b + Σ Λ_s)
// (sums over the window). The prior comes as mean m and sd d:
// a = (m/d)², b = d²/m (the defaults m = d = 5 give a = 1, b = 5, as EpiEstim).
// One estimate for every window end t = τ+1 .. n (1-based), so the first
// window starts on day 2 (Λ_1 = 0 always).
//
// Reliability. The posterior coefficient of variation is 1/√(a + Σ I), so
// Cori et al. advise reporting only where the window holds enough cases
// (≥ 12 gives a CV below about 0.3 with the default prior). Every estimate
// carries `enough_cases` (Σ I over the window ≥ min_cases) so pages can hide
// the others; the numbers are still computed. A window with Σ Λ = 0 (no
// earlier cases) has enough_cases = false as well: its posterior is driven by
// the prior alone.
//
// Assumptions worth stating on a page: all cases are local (no imported
// cases separated out), reporting delays are constant and onset dates are
// used, and the serial interval is fixed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace firstline::epi {

/// Limits checked by estimate_rt (the HTTP layer applies the same).
inline constexpr std::size_t kMaxIncidenceDays = 3650;
inline constexpr std::size_t kMaxSerialIntervalDays = 365;
inline constexpr int kMaxRtWindow = 60;

struct RtOptions {
  int window = 7;           // τ in days, 1..kMaxRtWindow
  double prior_mean = 5.0;  // of the Gamma prior on R, > 0
  double prior_sd = 5.0;    // > 0
  double min_cases = 12.0;  // Σ I over the window needed for enough_cases
};

struct RtEstimate {
  int t_start = 0;  // 1-based first day of the window
  int t_end = 0;    // 1-based last day of the window (the day the estimate is for)
  double cases = 0;           // Σ I_s over the window
  double infectiousness = 0;  // Σ Λ_s over the window
  double shape = 0;           // posterior Gamma shape a + Σ I
  double rate = 0;            // posterior Gamma rate 1/b + Σ Λ
  double mean = 0, std = 0, q025 = 0, median = 0, q975 = 0;
  bool enough_cases = false;
};

/// Checks a serial-interval distribution: non-empty, at most
/// kMaxSerialIntervalDays entries, finite, non-negative, summing to 1 within
/// 1e-6. Errors are `invalid` on field "serial_interval".
core::Status validate_serial_interval(std::span<const double> w);

/// Λ_s for s = 1..n (index s−1); w[0] = P(SI = 1 day). No validation.
std::vector<double> total_infectiousness(std::span<const double> incidence, std::span<const double> w);

/// Rt estimates for window ends τ+1 .. n. Fewer than τ+1 days give an empty
/// list. Invalid input fails with `invalid` naming the field: "incidence"
/// (negative, non-finite, more than kMaxIncidenceDays), "serial_interval",
/// "window", "prior_mean", "prior_sd", "min_cases".
core::Result<std::vector<RtEstimate>> estimate_rt(std::span<const double> incidence, std::span<const double> w,
                                                  const RtOptions& options = {});

/// A serial interval discretized from a Gamma(mean, sd) in days, on 1..N days:
///     w_k ∝ F(k + 0.5) − F(k − 0.5),   k = 1..N,
/// the mass of the interval rounding to k days (F is the gamma CDF). The mass
/// below 0.5 days (k = 0, impossible under the model) and above N + 0.5 is
/// dropped and the rest normalized to sum 1. This is the plain "round to the
/// nearest day" discretization, not EpiEstim's discr_si (which offsets the
/// gamma by one day and interpolates linearly). max_days = 0 picks N as the
/// smallest day with F(N + 0.5) ≥ 0.999, at most kMaxSerialIntervalDays.
/// Example: COVID-19, mean 4.7, sd 2.9 days (Nishiura et al., 2020).
/// Fails with `invalid` on "mean", "sd" (must be > 0) or "max_days".
core::Result<std::vector<double>> discretized_gamma_serial_interval(double mean, double sd, int max_days = 0);

}  // namespace firstline::epi
