#!/usr/bin/env bash
# Runs the benchmarks of an already built tree (make bench builds first) and
# prints their tables, headed by the machine they ran on.
#
#   scripts/run-bench.sh [GOOGLE BENCHMARK ARGS...]
#
# 1. $BUILD_DIR/bench_registry (Google Benchmark, console table). Extra
#    arguments go to it, e.g. --benchmark_filter=Import.
# 2. bench/load.sh, the wrk-based HTTP load test, when it exists. It is given
#    FIRSTLINE_BIN (the server binary) and BUILD_DIR in its environment.
#
# bench_scans reads two optional variables for its occupancy and flow queries
# (see its header): FIRSTLINE_BENCH_SCALE=community|street|district picks the
# demo (default street, ~1.5 M scans; district is ~10 M scans and takes ~4 min
# to generate), FIRSTLINE_BENCH_DATA=DIR keeps that demo database in DIR and
# reuses it on later runs. Both pass through this script; to run only those
# queries at district scale (as docs/BENCHMARKS.md records them):
#   FIRSTLINE_BENCH_SCALE=district FIRSTLINE_BENCH_DATA=/work/bench-data \
#     scripts/with-postgres.sh $BUILD_DIR/bench_scans --benchmark_filter='Occupancy|Flows'
#
# Both run beside a throwaway PostgreSQL cluster (scripts/with-postgres.sh),
# whose connection string is in FIRSTLINE_TEST_POSTGRES, so a benchmark may
# measure the PostgreSQL backend next to SQLite. Exits non-zero when either
# failed. BUILD_DIR defaults to build.
set -uo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
bench_bin="$build_dir/bench_registry"

if [ ! -x "$bench_bin" ]; then
  echo "run-bench: $bench_bin not built; run 'make bench'" >&2
  exit 2
fi

# Start one PostgreSQL cluster for the whole run, when a server is installed.
if [ -z "${FIRSTLINE_TEST_POSTGRES:-}" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  exec scripts/with-postgres.sh "$0" "$@"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo "== machine: ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC') =="
echo

status=0
echo "== bench_registry =="
"$bench_bin" --benchmark_format=console "$@" || status=1

if [ -x "$build_dir/bench_scans" ]; then
  echo
  echo "== bench_scans (queries on the ${FIRSTLINE_BENCH_SCALE:-street} demo) =="
  "$build_dir/bench_scans" --benchmark_format=console "$@" || status=1
fi

if [ -x "$build_dir/bench_tracing" ]; then
  echo
  echo "== bench_tracing =="
  "$build_dir/bench_tracing" || status=1
fi

if [ -x "$build_dir/bench_levels" ]; then
  echo
  echo "== bench_levels =="
  "$build_dir/bench_levels" || status=1
fi

if [ -f bench/load.sh ]; then
  echo
  echo "== HTTP load (bench/load.sh, wrk) =="
  FIRSTLINE_BIN="$build_dir/firstline" BUILD_DIR="$build_dir" bash bench/load.sh || status=1
fi

exit "$status"
