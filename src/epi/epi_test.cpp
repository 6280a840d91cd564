// Rt (Cori et al.) against hand-computed posteriors, the metapopulation SEIR
// (conservation, response to R0 and to mobility, final size) and the
// POST /api/v1/epi/rt route through the router.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "epi/epi_routes.hpp"
#include "epi/rt.hpp"
#include "epi/seir.hpp"
#include "http/router.hpp"

namespace firstline::epi {
namespace {

// ---------------------------------------------------------------- Rt

// ∫_0^x of the Gamma(shape, rate) density by composite Simpson on a grid fine
// enough for 1e-7 (independent of Boost.Math).
double gamma_cdf_by_integration(double shape, double rate, double x) {
  const int n = 200000;  // even
  const double h = x / n;
  const double log_norm = shape * std::log(rate) - std::lgamma(shape);
  auto pdf = [&](double t) {
    if (t <= 0) return shape == 1.0 ? std::exp(log_norm) : 0.0;
    return std::exp(log_norm + (shape - 1) * std::log(t) - rate * t);
  };
  double sum = pdf(0) + pdf(x);
  for (int i = 1; i < n; ++i) sum += pdf(i * h) * (i % 2 ? 4.0 : 2.0);
  return sum * h / 3.0;
}

TEST(Rt, TotalInfectiousnessByHand) {
  const std::vector<double> inc{1, 2, 4, 8, 6};
  const std::vector<double> w{0.5, 0.5};
  // Λ_1 = 0, Λ_2 = 1·.5, Λ_3 = 2·.5 + 1·.5, Λ_4 = 4·.5 + 2·.5, Λ_5 = 8·.5 + 4·.5
  const auto lambda = total_infectiousness(inc, w);
  ASSERT_EQ(lambda.size(), 5u);
  EXPECT_DOUBLE_EQ(lambda[0], 0.0);
  EXPECT_DOUBLE_EQ(lambda[1], 0.5);
  EXPECT_DOUBLE_EQ(lambda[2], 1.5);
  EXPECT_DOUBLE_EQ(lambda[3], 3.0);
  EXPECT_DOUBLE_EQ(lambda[4], 6.0);
}

TEST(Rt, HandComputedPosteriors) {
  const std::vector<double> inc{1, 2, 4, 8, 6};
  const std::vector<double> w{0.5, 0.5};
  RtOptions o;
  o.window = 2;  // prior mean 5, sd 5: shape a = 1, scale b = 5, so rate 1/b = 0.2
  auto est = estimate_rt(inc, w, o);
  ASSERT_TRUE(est) << est.error().message;
  ASSERT_EQ(est->size(), 3u);
  // Window ends t = 3, 4, 5 (days 2-3, 3-4, 4-5):
  //   ΣI = 2+4, 4+8, 8+6      ΣΛ = 0.5+1.5, 1.5+3, 3+6
  //   shape = 1 + ΣI = 7, 13, 15    rate = 0.2 + ΣΛ = 2.2, 4.7, 9.2
  struct Expected {
    int t_start, t_end;
    double shape, rate, q025, median, q975;
  };
  // Quantiles from mpmath (findroot on the regularized incomplete gamma, 30 digits).
  const Expected want[] = {
      {2, 3, 7, 2.2, 1.2792559325090299, 3.0316532157044415, 5.9361245556903104},
      {3, 4, 13, 4.7, 1.4727558491497451, 2.695367884838007, 4.4599117123780751},
      {4, 5, 15, 9.2, 0.91254197095470795, 1.5943495389489994, 2.5532196871560411},
  };
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& e = (*est)[i];
    const auto& x = want[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(e.t_start, x.t_start);
    EXPECT_EQ(e.t_end, x.t_end);
    EXPECT_DOUBLE_EQ(e.shape, x.shape);
    EXPECT_NEAR(e.rate, x.rate, 1e-12);
    EXPECT_DOUBLE_EQ(e.mean, e.shape / e.rate);  // mean = shape · scale
    EXPECT_NEAR(e.mean, x.shape / x.rate, 1e-12);
    EXPECT_NEAR(e.std, std::sqrt(x.shape) / x.rate, 1e-12);
    EXPECT_NEAR(e.q025, x.q025, 1e-9 * x.q025);
    EXPECT_NEAR(e.median, x.median, 1e-9 * x.median);
    EXPECT_NEAR(e.q975, x.q975, 1e-9 * x.q975);
    // And by integrating the posterior density.
    EXPECT_NEAR(gamma_cdf_by_integration(e.shape, e.rate, e.q025), 0.025, 1e-7);
    EXPECT_NEAR(gamma_cdf_by_integration(e.shape, e.rate, e.median), 0.5, 1e-7);
    EXPECT_NEAR(gamma_cdf_by_integration(e.shape, e.rate, e.q975), 0.975, 1e-7);
  }
}

TEST(Rt, PriorFromMeanAndSd) {
  // prior mean 2, sd 1: a = 4, b = 0.5 (rate 2). One window of τ = 1 at t = 2:
  // ΣI = 3, ΣΛ = I_1 · w_1 = 2 · 1 → shape 7, rate 4.
  const std::vector<double> inc{2, 3};
  const std::vector<double> w{1.0};
  auto est = estimate_rt(inc, w, {.window = 1, .prior_mean = 2, .prior_sd = 1});
  ASSERT_TRUE(est);
  ASSERT_EQ(est->size(), 1u);
  EXPECT_DOUBLE_EQ((*est)[0].shape, 7.0);
  EXPECT_DOUBLE_EQ((*est)[0].rate, 4.0);
  EXPECT_DOUBLE_EQ((*est)[0].mean, 1.75);
}

TEST(Rt, RecoversAConstantGrowthFactor) {
  // SI of exactly one day: Λ_s = I_{s−1}; doubling incidence gives R ≈ 2.
  std::vector<double> inc;
  for (int t = 0; t < 20; ++t) inc.push_back(std::pow(2.0, t));
  const std::vector<double> w{1.0};
  auto est = estimate_rt(inc, w);
  ASSERT_TRUE(est);
  ASSERT_EQ(est->size(), 13u);
  const auto& last = est->back();
  EXPECT_NEAR(last.mean, 2.0, 1e-4);
  EXPECT_LT(last.q025, 2.0);
  EXPECT_GT(last.q975, 2.0);
  EXPECT_TRUE(last.enough_cases);
}

TEST(Rt, SerialIntervalBeyondItsLengthContributesNothing) {
  // w covers 2 days: day 1's cases no longer count on day 4.
  const std::vector<double> inc{100, 0, 0, 5};
  const std::vector<double> w{0.25, 0.75};
  const auto lambda = total_infectiousness(inc, w);
  EXPECT_DOUBLE_EQ(lambda[1], 25.0);
  EXPECT_DOUBLE_EQ(lambda[2], 75.0);
  EXPECT_DOUBLE_EQ(lambda[3], 0.0);
}

TEST(Rt, WindowHandling) {
  const std::vector<double> w{0.2, 0.5, 0.3};
  std::vector<double> inc(10, 3.0);
  // Default τ = 7: window ends 8, 9, 10; the first window is days 2..8.
  auto est = estimate_rt(inc, w);
  ASSERT_TRUE(est);
  ASSERT_EQ(est->size(), 3u);
  EXPECT_EQ((*est)[0].t_start, 2);
  EXPECT_EQ((*est)[0].t_end, 8);
  EXPECT_EQ(est->back().t_start, 4);
  EXPECT_EQ(est->back().t_end, 10);
  for (const auto& e : *est) EXPECT_EQ(e.t_end - e.t_start + 1, 7);

  // No estimate before day τ + 1.
  std::vector<double> seven(7, 3.0), eight(8, 3.0);
  auto none = estimate_rt(seven, w);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto one = estimate_rt(eight, w);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].t_end, 8);
  auto empty = estimate_rt(std::vector<double>{}, w);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  // τ = 1: one estimate per day from day 2.
  auto daily = estimate_rt(inc, w, {.window = 1});
  ASSERT_TRUE(daily);
  ASSERT_EQ(daily->size(), 9u);
  EXPECT_EQ((*daily)[0].t_start, 2);
  EXPECT_EQ((*daily)[0].t_end, 2);
}

TEST(Rt, EnoughCasesFlag) {
  const std::vector<double> w{0.5, 0.5};
  const std::vector<double> inc{5, 5, 5, 6, 7};
  auto est = estimate_rt(inc, w, {.window = 2});
  ASSERT_TRUE(est);
  ASSERT_EQ(est->size(), 3u);
  EXPECT_FALSE((*est)[0].enough_cases);  // 5 + 5 = 10 < 12
  EXPECT_FALSE((*est)[1].enough_cases);  // 5 + 6 = 11
  EXPECT_TRUE((*est)[2].enough_cases);   // 6 + 7 = 13
  EXPECT_DOUBLE_EQ((*est)[2].cases, 13.0);
  // The estimate is computed either way.
  EXPECT_GT((*est)[0].mean, 0.0);

  auto lower = estimate_rt(inc, w, {.window = 2, .min_cases = 10});
  ASSERT_TRUE(lower);
  EXPECT_TRUE((*lower)[0].enough_cases);

  // Cases with no earlier cases (Σ Λ = 0): only the prior speaks, never enough.
  const std::vector<double> sudden{0, 0, 50};
  auto s = estimate_rt(sudden, w, {.window = 1});
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 2u);
  EXPECT_DOUBLE_EQ((*s)[1].infectiousness, 0.0);
  EXPECT_FALSE((*s)[1].enough_cases);
}

TEST(Rt, RejectsInvalidInput) {
  const std::vector<double> inc{1, 2, 3, 4};
  const std::vector<double> w{0.5, 0.5};
  auto field_of = [](const auto& r) { return r ? std::string("(ok)") : r.error().field; };
  auto code_of = [](const auto& r) { return r ? core::ErrorCode::internal : r.error().code; };

  EXPECT_EQ(field_of(estimate_rt(std::vector<double>{1, -1, 2}, w)), "incidence");
  EXPECT_EQ(field_of(estimate_rt(std::vector<double>{1, NAN, 2}, w)), "incidence");
  EXPECT_EQ(field_of(estimate_rt(std::vector<double>(kMaxIncidenceDays + 1, 1.0), w)), "incidence");
  EXPECT_EQ(field_of(estimate_rt(inc, std::vector<double>{0.5, 0.4})), "serial_interval");
  EXPECT_EQ(field_of(estimate_rt(inc, std::vector<double>{1.5, -0.5})), "serial_interval");
  EXPECT_EQ(field_of(estimate_rt(inc, std::vector<double>{})), "serial_interval");
  EXPECT_EQ(field_of(estimate_rt(inc, std::vector<double>(kMaxSerialIntervalDays + 1, 1.0 / 366))), "serial_interval");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.window = 0})), "window");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.window = kMaxRtWindow + 1})), "window");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.prior_mean = 0})), "prior_mean");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.prior_sd = 0})), "prior_sd");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.prior_sd = -2})), "prior_sd");
  EXPECT_EQ(field_of(estimate_rt(inc, w, {.min_cases = -1})), "min_cases");
  EXPECT_EQ(code_of(estimate_rt(inc, std::vector<double>{0.5, 0.4})), core::ErrorCode::invalid);
  // Within the 1e-6 tolerance is fine.
  EXPECT_TRUE(estimate_rt(inc, std::vector<double>{0.5, 0.5000005}));
}

TEST(Rt, DiscretizedGammaSerialInterval) {
  auto w = discretized_gamma_serial_interval(4.7, 2.9);
  ASSERT_TRUE(w) << w.error().message;
  // N = 19: the first day with F(N + 0.5) >= 0.999 (mpmath).
  ASSERT_EQ(w->size(), 19u);
  EXPECT_NEAR(std::accumulate(w->begin(), w->end(), 0.0), 1.0, 1e-12);
  EXPECT_TRUE(validate_serial_interval(*w));
  // w_k ∝ F(k + .5) − F(k − .5), normalized (mpmath, 30 digits).
  const double want[] = {0.084098698172449928, 0.14924691006629727, 0.1661669862998937, 0.15237562802774989,
                         0.12562532916601991};
  for (int k = 0; k < 5; ++k) EXPECT_NEAR((*w)[k], want[k], 1e-12) << "w_" << k + 1;
  double mean = 0;
  for (std::size_t k = 0; k < w->size(); ++k) mean += (k + 1) * (*w)[k];
  EXPECT_NEAR(mean, 4.7, 0.2);

  auto short_w = discretized_gamma_serial_interval(4.7, 2.9, 10);
  ASSERT_TRUE(short_w);
  EXPECT_EQ(short_w->size(), 10u);
  EXPECT_NEAR(std::accumulate(short_w->begin(), short_w->end(), 0.0), 1.0, 1e-12);

  EXPECT_EQ(discretized_gamma_serial_interval(0, 2.9).error().field, "mean");
  EXPECT_EQ(discretized_gamma_serial_interval(4.7, 0).error().field, "sd");
  EXPECT_EQ(discretized_gamma_serial_interval(4.7, 2.9, -1).error().field, "max_days");
}

// ---------------------------------------------------------------- SEIR

SeirInput one_grid(double r0, double S, double I, int days = 14) {
  SeirInput in;
  in.initial = {{S, 0, I, 0}};
  in.params = SeirParams::from_r0(r0, 3.0, 5.0);
  in.days = days;
  return in;
}

TEST(Seir, ParamsFromR0) {
  const auto p = SeirParams::from_r0(2.5, 4.0, 5.0);
  EXPECT_DOUBLE_EQ(p.gamma, 0.2);
  EXPECT_DOUBLE_EQ(p.sigma, 0.25);
  EXPECT_DOUBLE_EQ(p.beta, 0.5);
  EXPECT_DOUBLE_EQ(p.r0(), 2.5);
}

TEST(Seir, ConservesEveryGridWithoutMobility) {
  SeirInput in;
  in.initial = {{1000, 5, 10, 0}, {5000, 0, 1, 20}, {800, 0, 0, 0}};
  in.params = SeirParams::from_r0(2.5, 3, 5);
  in.days = 30;
  auto r = run_seir(in);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->days.size(), 31u);
  for (const auto& day : r->days) {
    ASSERT_EQ(day.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(day[i].state.population(), in.initial[i].population(), 1e-9 * in.initial[i].population());
      EXPECT_GE(day[i].state.S, 0.0);
    }
  }
  // Grid 2 has no infection and no mobility: nothing happens there.
  for (const auto& day : r->days) EXPECT_EQ(day[2].new_infections, 0.0);
}

TEST(Seir, ConservesWithMobility) {
  SeirInput in;
  in.initial = {{1000, 5, 10, 0}, {5000, 0, 1, 20}, {800, 0, 0, 0}};
  in.params = SeirParams::from_r0(2.5, 3, 5);
  in.days = 30;
  in.mobility = Mobility::from_dense({{0.7, 0.2, 0.1}, {0.05, 0.9, 0.05}, {0.3, 0.3, 0.4}});
  auto r = run_seir(in);
  ASSERT_TRUE(r) << r.error().message;
  double total0 = 0;
  for (const auto& s : in.initial) total0 += s.population();
  for (const auto& day : r->days) {
    double total = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      total += day[i].state.population();
      // M moves contact, not people: every grid keeps its residents.
      EXPECT_NEAR(day[i].state.population(), in.initial[i].population(), 1e-9 * in.initial[i].population());
    }
    EXPECT_NEAR(total, total0, 1e-9 * total0);
  }
  // New infections add up to the fall of S.
  double infections = 0;
  for (std::size_t d = 1; d < r->days.size(); ++d) infections += r->days[d][2].new_infections;
  EXPECT_NEAR(infections, in.initial[2].S - r->days.back()[2].state.S, 1e-6);
  EXPECT_GT(infections, 1.0);
}

TEST(Seir, NoEpidemicWithoutInfection) {
  auto in = one_grid(3.0, 10000, 0);
  in.days = 60;
  auto r = run_seir(in);
  ASSERT_TRUE(r);
  for (const auto& day : r->days) {
    EXPECT_EQ(day[0].state.S, 10000.0);
    EXPECT_EQ(day[0].state.E + day[0].state.I + day[0].state.R, 0.0);
    EXPECT_EQ(day[0].new_infections, 0.0);
    EXPECT_EQ(day[0].new_infectious, 0.0);
  }
}

TEST(Seir, GrowsAboveOneAndDeclinesBelowOne) {
  auto up = run_seir(one_grid(2.5, 100000, 10, 30));
  ASSERT_TRUE(up);
  const auto& u = up->days;
  EXPECT_GT(u[30][0].state.E + u[30][0].state.I, 10 * (u[0][0].state.E + u[0][0].state.I));
  EXPECT_GT(u[30][0].new_infections, u[10][0].new_infections);
  EXPECT_GT(u[10][0].new_infections, u[5][0].new_infections);

  auto down = run_seir(one_grid(0.5, 100000, 100, 30));
  ASSERT_TRUE(down);
  const auto& d = down->days;
  EXPECT_LT(d[14][0].state.E + d[14][0].state.I, 0.5 * (d[0][0].state.E + d[0][0].state.I));
  for (int t = 2; t <= 30; ++t) EXPECT_LT(d[t][0].new_infections, d[t - 1][0].new_infections) << "day " << t;
  // Total infections stay below what R0 = 0.5 allows: about I0 · R0 / (1 − R0) = 100.
  EXPECT_LT(d[30][0].state.R + d[30][0].state.E + d[30][0].state.I, 100 + 110);
}

// Grid 0 seeded, grid 1 reached only through M; `coupling` = share of each
// grid's residents' time spent in the other.
double infections_in_second_grid(double coupling) {
  SeirInput in;
  in.initial = {{10000, 0, 20, 0}, {10000, 0, 0, 0}};
  in.params = SeirParams::from_r0(2.5, 3, 5);
  in.days = 21;
  in.mobility = Mobility::from_dense({{1 - coupling, coupling}, {coupling, 1 - coupling}});
  auto r = run_seir(in);
  EXPECT_TRUE(r);
  if (!r) return -1;
  double sum = 0;
  for (std::size_t d = 1; d < r->days.size(); ++d) sum += r->days[d][1].new_infections;
  return sum;
}

TEST(Seir, SecondGridSeededOnlyThroughMobility) {
  EXPECT_EQ(infections_in_second_grid(0.0), 0.0);
  const double weak = infections_in_second_grid(0.02);
  const double strong = infections_in_second_grid(0.1);
  EXPECT_GT(weak, 0.5);
  EXPECT_GT(strong, weak);
}

TEST(Seir, FinalSizeMatchesTheFinalSizeEquation) {
  // One grid, R0 = 2, fast latent and infectious periods (1 day each) so the
  // epidemic is over within the 60-day horizon.
  const double N = 100000, I0 = 10, r0 = 2.0;
  SeirInput in;
  in.initial = {{N - I0, 0, I0, 0}};
  in.params = SeirParams::from_r0(r0, 1.0, 1.0);
  in.days = kMaxForecastDays;
  auto r = run_seir(in);
  ASSERT_TRUE(r);
  const auto& end = r->days.back()[0].state;
  EXPECT_LT(end.E + end.I, 1e-3 * N);  // over
  const double attack = (N - end.S) / N;

  // Classic: z = 1 − exp(−R0 z), solved by Newton from z = 0.8.
  double z = 0.8;
  for (int i = 0; i < 50; ++i) {
    const double f = z - 1 + std::exp(-r0 * z);
    const double df = 1 - r0 * std::exp(-r0 * z);
    z -= f / df;
  }
  EXPECT_NEAR(z, 0.7968, 1e-4);
  EXPECT_NEAR(attack, z, 0.01 * z);

  // With the initial condition: ln(S0/S∞) = R0 (N − S∞) / N (R(0) = 0).
  const double S0 = N - I0;
  double s = 0.2 * N;
  for (int i = 0; i < 50; ++i) {
    const double f = std::log(S0 / s) - r0 * (N - s) / N;
    const double df = -1 / s + r0 / N;
    s -= f / df;
  }
  EXPECT_NEAR(end.S, s, 0.01 * (N - s));
}

TEST(Seir, BuildsMobilityFromFlows) {
  auto m = build_mobility({1000, 500, 0}, {{0, 1, 300}, {1, 0, 50}, {1, 0, 50}, {0, 0, 999}});
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_TRUE(m->validate(3));
  EXPECT_NEAR(m->at(0, 1), 0.1, 1e-12);           // 1/3 · 300/1000
  EXPECT_NEAR(m->at(0, 0), 0.9, 1e-12);
  EXPECT_NEAR(m->at(1, 0), 1.0 / 3 * 0.2, 1e-12);  // same pair added: 100/500
  EXPECT_NEAR(m->at(1, 1), 1 - 1.0 / 3 * 0.2, 1e-12);
  EXPECT_EQ(m->at(2, 2), 1.0);  // no residents
  EXPECT_EQ(m->at(2, 0), 0.0);

  // Visitors of several grids split their time away: at most time_fraction in total.
  auto busy = build_mobility({1000, 10, 10}, {{0, 1, 900}, {0, 2, 900}}, 0.5);
  ASSERT_TRUE(busy);
  EXPECT_NEAR(busy->at(0, 1), 0.25, 1e-12);
  EXPECT_NEAR(busy->at(0, 2), 0.25, 1e-12);
  EXPECT_NEAR(busy->at(0, 0), 0.5, 1e-12);
  // More visitors than residents: a share of at most 1.
  auto over = build_mobility({100, 10}, {{0, 1, 500}});
  ASSERT_TRUE(over);
  EXPECT_NEAR(over->at(0, 1), 1.0 / 3, 1e-12);

  EXPECT_EQ(build_mobility({100, 10}, {{0, 2, 5}}).error().field, "flows");
  EXPECT_EQ(build_mobility({100, 10}, {{0, 1, -5}}).error().field, "flows");
  EXPECT_EQ(build_mobility({-1, 10}, {}).error().field, "populations");
  EXPECT_EQ(build_mobility({100, 10}, {}, 1.5).error().field, "time_fraction");
}

TEST(Seir, RejectsInvalidInput) {
  auto field_of = [](const SeirInput& in) {
    auto r = run_seir(in);
    return r ? std::string("(ok)") : r.error().field;
  };
  const auto good = one_grid(2, 1000, 1);
  EXPECT_EQ(field_of(good), "(ok)");

  auto in = good;
  in.initial.clear();
  EXPECT_EQ(field_of(in), "initial");
  in = good;
  in.initial[0].S = -1;
  EXPECT_EQ(field_of(in), "initial");
  in = good;
  in.initial[0].I = NAN;
  EXPECT_EQ(field_of(in), "initial");
  in = good;
  in.params.sigma = 0;
  EXPECT_EQ(field_of(in), "sigma");
  in = good;
  in.params.gamma = -1;
  EXPECT_EQ(field_of(in), "gamma");
  in = good;
  in.params.beta = -0.1;
  EXPECT_EQ(field_of(in), "beta");
  in = good;
  in.days = 0;
  EXPECT_EQ(field_of(in), "days");
  in.days = kMaxForecastDays + 1;
  EXPECT_EQ(field_of(in), "days");
  in = good;
  in.steps_per_day = 0;
  EXPECT_EQ(field_of(in), "steps_per_day");

  // Mobility: wrong size, rows not summing to 1, negative share, bad index, repeated grid.
  in = good;
  in.mobility = Mobility::identity(2);
  EXPECT_EQ(field_of(in), "mobility");
  in.initial = {{100, 0, 1, 0}, {100, 0, 0, 0}};
  in.mobility = Mobility::from_dense({{0.8, 0.1}, {0, 1}});
  EXPECT_EQ(field_of(in), "mobility");
  in.mobility = Mobility::from_dense({{1.2, -0.2}, {0, 1}});
  EXPECT_EQ(field_of(in), "mobility");
  in.mobility.rows = {{{0, 0.5}, {5, 0.5}}, {{1, 1.0}}};
  EXPECT_EQ(field_of(in), "mobility");
  in.mobility.rows = {{{0, 0.5}, {0, 0.5}}, {{1, 1.0}}};
  EXPECT_EQ(field_of(in), "mobility");
  in.mobility = Mobility::from_dense({{0.5, 0.5}, {0, 1}});
  EXPECT_EQ(field_of(in), "(ok)");
}

TEST(Seir, FastRatesGetMoreSubSteps) {
  auto in = one_grid(2, 1000, 1);
  in.params = {.beta = 10, .sigma = 20, .gamma = 5};
  auto r = run_seir(in);
  ASSERT_TRUE(r);
  EXPECT_GE(r->steps_per_day, 40);
  EXPECT_EQ(run_seir(one_grid(2, 1000, 1))->steps_per_day, 4);
}

// ---------------------------------------------------------------- HTTP

namespace json = boost::json;

class EpiRoutes : public ::testing::Test {
 protected:
  EpiRoutes() {
    add_rt_route(router_);
    router_.set_authenticator([](std::string_view token) -> core::Result<core::Principal> {
      core::Principal p;
      p.user_id = 1;
      if (token == "reader") p.grants.push_back({core::Role::volunteer, 1, "/1/"});
      else if (token == "resident") p.grants.push_back({core::Role::resident, 1, "/1/"});
      else return core::fail(core::ErrorCode::unauthorized, "bad token");
      return p;
    });
  }
  http::Response post(const std::string& body, const std::string& token = "reader") {
    http::Request req;
    req.method = "POST";
    req.path = req.target = "/api/v1/epi/rt";
    req.headers["content-type"] = "application/json";
    if (!token.empty()) req.headers["authorization"] = "Bearer " + token;
    req.body = body;
    return router_.dispatch(req);
  }
  // The error's field of a 422 answer.
  std::string invalid_field(const std::string& body) {
    auto res = post(body);
    EXPECT_EQ(res.status, 422) << res.body;
    auto v = json::parse(res.body);
    const auto* f = v.at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : std::string();
  }
  http::Router router_;
};

TEST_F(EpiRoutes, EstimatesPerTheContract) {
  auto res = post(R"({"incidence": [1, 2, 4, 8, 6], "serial_interval": [0.5, 0.5], "window": 2,
                      "prior_mean": 5, "prior_sd": 5})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto v = json::parse(res.body).as_object();
  const auto& items = v.at("estimates").as_array();
  ASSERT_EQ(items.size(), 3u);
  const auto& first = items[0].as_object();
  EXPECT_EQ(first.at("t_start").as_int64(), 2);
  EXPECT_EQ(first.at("t_end").as_int64(), 3);
  EXPECT_NEAR(first.at("mean").to_number<double>(), 7 / 2.2, 1e-12);
  EXPECT_NEAR(first.at("std").to_number<double>(), std::sqrt(7.0) / 2.2, 1e-12);
  EXPECT_NEAR(first.at("q025").to_number<double>(), 1.2792559325090299, 1e-9);
  EXPECT_NEAR(first.at("median").to_number<double>(), 3.0316532157044415, 1e-9);
  EXPECT_NEAR(first.at("q975").to_number<double>(), 5.9361245556903104, 1e-9);
  EXPECT_FALSE(first.at("enough_cases").as_bool());
  EXPECT_TRUE(items[1].as_object().at("enough_cases").as_bool());  // 4 + 8 = 12
  EXPECT_EQ(items[2].as_object().at("t_end").as_int64(), 5);
}

TEST_F(EpiRoutes, DefaultsAndEmptyAnswers) {
  // Defaults: window 7, prior mean 5 and sd 5. Ten days → window ends 8..10.
  auto res = post(R"({"incidence": [3,3,3,3,3,3,3,3,3,3], "serial_interval": [0.2, 0.5, 0.3]})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto items = json::parse(res.body).at("estimates").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("t_start").as_int64(), 2);
  EXPECT_EQ(items[0].at("t_end").as_int64(), 8);

  // Too short for one window: an empty list.
  res = post(R"({"incidence": [3,3,3], "serial_interval": [1]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(json::parse(res.body).at("estimates").as_array().empty());
  // min_cases may lower the threshold; whole-valued decimals count as integers.
  res = post(R"({"incidence": [5.0, 5, 5], "serial_interval": [1], "window": 2, "min_cases": 10})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(json::parse(res.body).at("estimates").as_array()[0].at("enough_cases").as_bool());
}

TEST_F(EpiRoutes, NeedsReadAreas) {
  const std::string body = R"({"incidence": [1, 2, 3], "serial_interval": [1]})";
  EXPECT_EQ(post(body, "").status, 401);
  EXPECT_EQ(post(body, "nobody").status, 401);
  EXPECT_EQ(post(body, "resident").status, 403);
  EXPECT_EQ(post(body, "reader").status, 200);
}

TEST_F(EpiRoutes, ValidationNamesTheField) {
  EXPECT_EQ(invalid_field(R"({"serial_interval": [1]})"), "incidence");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, -2], "serial_interval": [1]})"), "incidence");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2.5], "serial_interval": [1]})"), "incidence");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, "2"], "serial_interval": [1]})"), "incidence");
  EXPECT_EQ(invalid_field(R"({"incidence": 5, "serial_interval": [1]})"), "incidence");
  std::string long_series = "[0";
  for (std::size_t i = 1; i <= kMaxIncidenceDays; ++i) long_series += ",1";
  long_series += "]";
  EXPECT_EQ(invalid_field(R"({"incidence": )" + long_series + R"(, "serial_interval": [1]})"), "incidence");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2]})"), "serial_interval");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [0.5, 0.4]})"), "serial_interval");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": []})"), "serial_interval");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1.5, -0.5]})"), "serial_interval");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "window": 0})"), "window");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "window": 61})"), "window");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "window": 1e12})"), "window");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "window": 2.5})"), "window");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "prior_sd": 0})"), "prior_sd");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "prior_mean": -1})"), "prior_mean");
  EXPECT_EQ(invalid_field(R"({"incidence": [1, 2], "serial_interval": [1], "prior_mean": "5"})"), "prior_mean");

  // Unknown fields and malformed bodies are 400.
  EXPECT_EQ(post(R"({"incidence": [1, 2], "serial_interval": [1], "tau": 3})").status, 400);
  EXPECT_EQ(post("[1, 2]").status, 400);
}

}  // namespace
}  // namespace firstline::epi
