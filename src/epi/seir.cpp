#include "epi/seir.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace firstline::epi {

namespace {

constexpr double kMaxRate = 100.0;  // per day; anything faster is not a daily forecast
constexpr int kMaxStepsPerDay = 96;

bool finite_non_negative(double x) { return std::isfinite(x) && x >= 0; }

}  // namespace

SeirParams SeirParams::from_r0(double r0, double latent_days, double infectious_days) {
  SeirParams p;
  p.gamma = 1.0 / infectious_days;
  p.sigma = 1.0 / latent_days;
  p.beta = r0 * p.gamma;
  return p;
}

Mobility Mobility::identity(std::size_t grids) {
  Mobility m;
  m.rows.resize(grids);
  for (std::size_t i = 0; i < grids; ++i) m.rows[i].push_back({i, 1.0});
  return m;
}

Mobility Mobility::from_dense(const std::vector<std::vector<double>>& dense) {
  Mobility m;
  m.rows.resize(dense.size());
  for (std::size_t i = 0; i < dense.size(); ++i) {
    for (std::size_t j = 0; j < dense[i].size(); ++j) {
      if (dense[i][j] != 0.0) m.rows[i].push_back({j, dense[i][j]});
    }
  }
  return m;
}

double Mobility::at(std::size_t i, std::size_t j) const {
  if (rows.empty()) return i == j ? 1.0 : 0.0;
  if (i >= rows.size()) return 0.0;
  for (const auto& e : rows[i]) {
    if (e.to == j) return e.share;
  }
  return 0.0;
}

core::Status Mobility::validate(std::size_t grids) const {
  if (rows.empty()) return {};  // no mobility
  if (rows.size() != grids) {
    return core::invalid("mobility", fmt::format("mobility must have one row per grid ({} rows for {} grids)",
                                                 rows.size(), grids));
  }
  std::vector<std::size_t> seen(grids, SIZE_MAX);  // seen[j] = the last row that named j
  for (std::size_t i = 0; i < grids; ++i) {
    double sum = 0;
    for (const auto& e : rows[i]) {
      if (e.to >= grids) {
        return core::invalid("mobility", fmt::format("mobility row {} names grid {}, but there are {} grids", i, e.to, grids));
      }
      if (seen[e.to] == i) return core::invalid("mobility", fmt::format("mobility row {} names grid {} twice", i, e.to));
      seen[e.to] = i;
      if (!finite_non_negative(e.share)) {
        return core::invalid("mobility", fmt::format("mobility row {} has a negative or non-finite share", i));
      }
      sum += e.share;
    }
    if (std::fabs(sum - 1.0) > 1e-6) {
      return core::invalid("mobility", fmt::format("mobility row {} must sum to 1 (it sums to {})", i, sum));
    }
  }
  return {};
}

core::Result<Mobility> build_mobility(const std::vector<double>& populations, const std::vector<GridFlow>& flows,
                                      double time_fraction) {
  const std::size_t n = populations.size();
  if (!std::isfinite(time_fraction) || time_fraction < 0 || time_fraction > 1) {
    return core::invalid("time_fraction", "time_fraction must be between 0 and 1");
  }
  for (double p : populations) {
    if (!finite_non_negative(p)) return core::invalid("populations", "populations must be non-negative numbers");
  }
  // visits[i]: (j, people) pairs, same pair added up.
  std::vector<std::vector<MobilityEntry>> visits(n);
  for (const auto& f : flows) {
    if (f.from >= n || f.to >= n) {
      return core::invalid("flows", fmt::format("a flow names grid {}, but there are {} grids", std::max(f.from, f.to), n));
    }
    if (!finite_non_negative(f.people)) return core::invalid("flows", "flows must count a non-negative number of people");
    if (f.from == f.to || f.people == 0) continue;
    auto& row = visits[f.from];
    auto it = std::find_if(row.begin(), row.end(), [&](const MobilityEntry& e) { return e.to == f.to; });
    if (it == row.end()) row.push_back({f.to, f.people});
    else it->share += f.people;
  }
  Mobility m;
  m.rows.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& row = m.rows[i];
    double away = 0;
    if (populations[i] > 0) {
      for (const auto& v : visits[i]) {
        const double share = time_fraction * std::min(1.0, v.share / populations[i]);
        if (share > 0) row.push_back({v.to, share});
        away += share;
      }
      if (away > time_fraction) {
        const double k = time_fraction / away;
        for (auto& e : row) e.share *= k;
        away = time_fraction;
      }
    }
    row.push_back({i, 1.0 - away});
  }
  return m;
}

core::Status validate(const SeirInput& in) {
  const std::size_t n = in.initial.size();
  if (n == 0) return core::invalid("initial", "initial must hold the state of at least one grid");
  for (std::size_t i = 0; i < n; ++i) {
    const auto& s = in.initial[i];
    if (!finite_non_negative(s.S) || !finite_non_negative(s.E) || !finite_non_negative(s.I) || !finite_non_negative(s.R)) {
      return core::invalid("initial", fmt::format("initial state of grid {} must have non-negative S, E, I and R", i));
    }
  }
  if (auto st = in.mobility.validate(n); !st) return st;
  const auto& p = in.params;
  if (!std::isfinite(p.beta) || p.beta < 0 || p.beta > kMaxRate) {
    return core::invalid("beta", fmt::format("beta must be 0..{} per day", kMaxRate));
  }
  if (!std::isfinite(p.sigma) || p.sigma <= 0 || p.sigma > kMaxRate) {
    return core::invalid("sigma", fmt::format("sigma (1 / latent period) must be > 0 and at most {} per day", kMaxRate));
  }
  if (!std::isfinite(p.gamma) || p.gamma <= 0 || p.gamma > kMaxRate) {
    return core::invalid("gamma", fmt::format("gamma (1 / infectious period) must be > 0 and at most {} per day", kMaxRate));
  }
  if (in.days < 1 || in.days > kMaxForecastDays) {
    return core::invalid("days", fmt::format("days must be 1..{}", kMaxForecastDays));
  }
  if (in.steps_per_day < 1 || in.steps_per_day > kMaxStepsPerDay) {
    return core::invalid("steps_per_day", fmt::format("steps_per_day must be 1..{}", kMaxStepsPerDay));
  }
  return {};
}

namespace {

// State layout: 6 values per grid — S, E, I, R, cumulative infections,
// cumulative new infectious.
constexpr std::size_t kVars = 6;

class Model {
 public:
  explicit Model(const SeirInput& in) : in_(in), n_(in.initial.size()) {
    pop_.resize(n_);
    for (std::size_t i = 0; i < n_; ++i) pop_[i] = in.initial[i].population();
    if (!in.mobility.rows.empty()) {
      present_.assign(n_, 0.0);
      for (std::size_t k = 0; k < n_; ++k) {
        for (const auto& e : in.mobility.rows[k]) present_[e.to] += e.share * pop_[k];
      }
      infectious_present_.resize(n_);
      ratio_.resize(n_);
    }
  }

  // dy = f(y).
  void derivative(const std::vector<double>& y, std::vector<double>& dy) {
    const auto& p = in_.params;
    const bool mixing = !in_.mobility.rows.empty();
    if (mixing) {
      std::fill(infectious_present_.begin(), infectious_present_.end(), 0.0);
      for (std::size_t k = 0; k < n_; ++k) {
        const double ik = y[k * kVars + 2];
        if (ik == 0) continue;
        for (const auto& e : in_.mobility.rows[k]) infectious_present_[e.to] += e.share * ik;
      }
      for (std::size_t j = 0; j < n_; ++j) ratio_[j] = present_[j] > 0 ? infectious_present_[j] / present_[j] : 0.0;
    }
    for (std::size_t i = 0; i < n_; ++i) {
      const double* v = &y[i * kVars];
      double lambda;
      if (mixing) {
        double sum = 0;
        for (const auto& e : in_.mobility.rows[i]) sum += e.share * ratio_[e.to];
        lambda = p.beta * sum;
      } else {
        lambda = pop_[i] > 0 ? p.beta * v[2] / pop_[i] : 0.0;
      }
      const double infections = lambda * v[0];
      const double onsets = p.sigma * v[1];
      const double recoveries = p.gamma * v[2];
      double* d = &dy[i * kVars];
      d[0] = -infections;
      d[1] = infections - onsets;
      d[2] = onsets - recoveries;
      d[3] = recoveries;
      d[4] = infections;
      d[5] = onsets;
    }
  }

 private:
  const SeirInput& in_;
  std::size_t n_;
  std::vector<double> pop_;                 // N_i (constant)
  std::vector<double> present_;             // N*_j (constant)
  std::vector<double> infectious_present_;  // I*_j
  std::vector<double> ratio_;               // I*_j / N*_j
};

}  // namespace

core::Result<SeirResult> run_seir(const SeirInput& in) {
  if (auto st = validate(in); !st) return std::unexpected(st.error());
  const std::size_t n = in.initial.size();
  const auto& p = in.params;
  const double fastest = std::max({p.beta, p.sigma, p.gamma});
  const int steps = std::max(in.steps_per_day, static_cast<int>(std::ceil(2.0 * fastest)));
  const double h = 1.0 / steps;

  Model model(in);
  const std::size_t size = n * kVars;
  std::vector<double> y(size, 0.0), k1(size), k2(size), k3(size), k4(size), tmp(size);
  for (std::size_t i = 0; i < n; ++i) {
    y[i * kVars + 0] = in.initial[i].S;
    y[i * kVars + 1] = in.initial[i].E;
    y[i * kVars + 2] = in.initial[i].I;
    y[i * kVars + 3] = in.initial[i].R;
  }

  SeirResult result;
  result.steps_per_day = steps;
  result.days.reserve(static_cast<std::size_t>(in.days) + 1);
  {
    std::vector<SeirGridDay> day0(n);
    for (std::size_t i = 0; i < n; ++i) day0[i].state = in.initial[i];
    result.days.push_back(std::move(day0));
  }
  for (int d = 1; d <= in.days; ++d) {
    // The counters restart each day, so a day's new counts are their values at its end.
    for (std::size_t i = 0; i < n; ++i) y[i * kVars + 4] = y[i * kVars + 5] = 0.0;
    for (int s = 0; s < steps; ++s) {
      model.derivative(y, k1);
      for (std::size_t x = 0; x < size; ++x) tmp[x] = y[x] + 0.5 * h * k1[x];
      model.derivative(tmp, k2);
      for (std::size_t x = 0; x < size; ++x) tmp[x] = y[x] + 0.5 * h * k2[x];
      model.derivative(tmp, k3);
      for (std::size_t x = 0; x < size; ++x) tmp[x] = y[x] + h * k3[x];
      model.derivative(tmp, k4);
      for (std::size_t x = 0; x < size; ++x) y[x] += h / 6.0 * (k1[x] + 2.0 * k2[x] + 2.0 * k3[x] + k4[x]);
    }
    std::vector<SeirGridDay> day(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double* v = &y[i * kVars];
      day[i].state = {v[0], v[1], v[2], v[3]};
      day[i].new_infections = v[4];
      day[i].new_infectious = v[5];
    }
    result.days.push_back(std::move(day));
  }
  return result;
}

}  // namespace firstline::epi
