// A deterministic metapopulation SEIR model over the grids of a district, for
// the 14-day forecast per grid. Pure computation: no HTTP, JSON or database;
// grids are indices 0..n−1 (the caller maps them to area ids).
//
// Compartments per grid i: S_i, E_i, I_i, R_i with N_i = S_i + E_i + I_i + R_i
// constant (no births, deaths or migration of residence over the horizon).
//
//   dS_i/dt = −λ_i S_i
//   dE_i/dt =  λ_i S_i − σ E_i
//   dI_i/dt =  σ E_i − γ I_i
//   dR_i/dt =  γ I_i
//
// β is the transmission rate per day (β = R0·γ for a basic reproduction
// number R0), σ = 1 / mean latent period, γ = 1 / mean infectious period.
//
// Coupling ("effective population", as in the commuting models of Keeling &
// Rohani and of Balcan et al., 2009, without the return-rate refinements).
// M[i][j] is the share of grid i's residents' time spent in grid j; each row
// sums to 1 (M[i][i] is the time at home). The people present in grid j are
//   N*_j = Σ_k M[k][j] N_k,   of whom infectious   I*_j = Σ_k M[k][j] I_k,
// and a resident of i is exposed in each grid j in proportion to the time
// spent there:
//   λ_i = β Σ_j M[i][j] · I*_j / N*_j        (terms with N*_j = 0 are 0).
// Assumptions: contacts mix homogeneously among the people present in a grid
// at the same time; contact rate per unit time is the same everywhere (no
// difference between home, shops and workplaces); infectious people keep
// moving like everyone else (no isolation of cases); the time shares are
// constant over the horizon; people only visit, they never change home grid,
// so M redistributes contact, not people — N_i is conserved per grid. With
// M = identity the grids are independent SEIR models with λ_i = β I_i / N_i.
//
// Integration: classic RK4 with fixed sub-steps (4 per day by default, more
// when a rate is fast: h · max(β, σ, γ) ≤ 0.5). New infections (λ S, entries
// into E) and new infectious (σ E, entries into I, closest to new reported
// cases) are integrated as cumulative counters alongside, so a day's values
// are exact differences of the same RK4 solution.
#pragma once

#include <cstddef>
#include <vector>

#include "core/error.hpp"

namespace firstline::epi {

inline constexpr int kDefaultForecastDays = 14;
inline constexpr int kMaxForecastDays = 60;

struct SeirParams {
  double beta = 0.0;   // transmission rate per day, >= 0
  double sigma = 0.0;  // 1 / latent period (days), > 0
  double gamma = 0.0;  // 1 / infectious period (days), > 0

  /// β = R0·γ, σ = 1/latent_days, γ = 1/infectious_days (no validation; run_seir checks).
  static SeirParams from_r0(double r0, double latent_days, double infectious_days);
  double r0() const { return gamma > 0 ? beta / gamma : 0.0; }
};

struct SeirState {
  double S = 0, E = 0, I = 0, R = 0;
  double population() const { return S + E + I + R; }
};

/// A sparse, row-stochastic mobility matrix: rows[i] lists the grids j with
/// M[i][j] > 0 (including i itself for the time spent at home). Entries of a
/// row must name distinct grids. An empty `rows` means no mobility (identity).
struct MobilityEntry {
  std::size_t to = 0;
  double share = 0;
};
struct Mobility {
  std::vector<std::vector<MobilityEntry>> rows;

  static Mobility identity(std::size_t grids);
  /// From a dense n×n matrix (zeros dropped). Validation happens in validate().
  static Mobility from_dense(const std::vector<std::vector<double>>& m);
  /// M[i][j], 0 if absent.
  double at(std::size_t i, std::size_t j) const;
  /// Checks n rows, indices < n and distinct, shares finite and >= 0, every
  /// row summing to 1 within 1e-6. Errors are `invalid` on field "mobility".
  core::Status validate(std::size_t grids) const;
};

/// Movement observed from scans: `people` residents of grid `from` seen in
/// grid `to` (per day, averaged over the days observed).
struct GridFlow {
  std::size_t from = 0;
  std::size_t to = 0;
  double people = 0;
};

/// Builds M from flows and the resident population of every grid.
/// Assumption: each visitor spends `time_fraction` of their day in the grid
/// visited (default 1/3: about 8 waking hours) and the rest at home, so
///   M[i][j] = time_fraction · min(1, people_ij / N_i)   for j ≠ i,
/// scaled down so that Σ_{j≠i} M[i][j] ≤ time_fraction (a resident seen in
/// several grids splits their time away), and M[i][i] = 1 − Σ_{j≠i} M[i][j].
/// Flows with from == to are ignored, flows of the same pair are added, and a
/// grid with no residents keeps M[i][i] = 1. Fails with `invalid` on
/// "populations" (negative, non-finite), "flows" (a grid index out of range, a
/// negative or non-finite count) or "time_fraction" (must be 0..1).
core::Result<Mobility> build_mobility(const std::vector<double>& populations, const std::vector<GridFlow>& flows,
                                      double time_fraction = 1.0 / 3.0);

struct SeirInput {
  std::vector<SeirState> initial;  // one per grid (the counts today)
  Mobility mobility;               // empty rows: no mobility
  SeirParams params;
  int days = kDefaultForecastDays;  // 1..kMaxForecastDays
  int steps_per_day = 4;            // 1..96; raised automatically for fast rates
};

struct SeirGridDay {
  SeirState state;             // at the end of the day
  double new_infections = 0;   // λ S integrated over the day (entries into E)
  double new_infectious = 0;   // σ E integrated over the day (entries into I)
};

struct SeirResult {
  /// days[d][i]: grid i at the end of day d; days[0] is the initial state
  /// (with zero new counts), so days.size() == input.days + 1.
  std::vector<std::vector<SeirGridDay>> days;
  int steps_per_day = 0;  // the sub-steps actually used
};

/// Checks the input (sizes consistent, compartments finite and >= 0, β >= 0,
/// σ > 0, γ > 0, days and steps in range, M valid). Errors are `invalid` on
/// "initial", "mobility", "beta", "sigma", "gamma", "days" or "steps_per_day".
core::Status validate(const SeirInput& input);

/// Validates, then integrates the model for input.days days.
core::Result<SeirResult> run_seir(const SeirInput& input);

}  // namespace firstline::epi
