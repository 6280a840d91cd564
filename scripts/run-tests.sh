#!/usr/bin/env bash
# Runs every test suite of an already built tree (make test builds first).
#
#   scripts/run-tests.sh [CTEST ARGS...]
#
# 1. The C++ tests through ctest, beside a throwaway PostgreSQL cluster
#    (scripts/with-postgres.sh), so the database contract suite runs against
#    both SQLite and PostgreSQL. Extra arguments go to ctest (e.g. -R Areas).
# 2. The browser tests, when web/tests exists and web/package.json has a
#    "test" script: npm --prefix web test.
#
# Exits non-zero when any suite failed; the last line summarizes.
# BUILD_DIR (default build) selects the build tree.
set -uo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
failed_suites=()

if [ ! -f "$build_dir/CTestTestfile.cmake" ]; then
  echo "run-tests: $build_dir is not a configured build tree; run 'make test'" >&2
  exit 2
fi

ctest_log=$(mktemp)
trap 'rm -f "$ctest_log"' EXIT

echo "== C++ tests (SQLite and PostgreSQL) =="
scripts/with-postgres.sh ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j"$jobs" "$@" \
  2>&1 | tee "$ctest_log"
ctest_status=${PIPESTATUS[0]}
if [ "$ctest_status" -ne 0 ]; then failed_suites+=("C++"); fi

# "100% tests passed, 0 tests failed out of 57" -> passed/failed counts.
summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$ctest_log" | tail -1 || true)
if [ -n "$summary" ]; then
  cxx_failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  cxx_total=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
  cxx_result="$((cxx_total - cxx_failed)) passed, $cxx_failed failed"
else
  cxx_result="no result (ctest exit $ctest_status)"
fi

web_result="skipped"
if [ -d web/tests ] && [ -f web/package.json ] &&
   node -e 'process.exit(require("./web/package.json").scripts?.test ? 0 : 1)' 2>/dev/null; then
  echo "== browser tests (web) =="
  if [ ! -d web/node_modules ]; then
    if [ -f web/package-lock.json ]; then npm --prefix web ci; else npm --prefix web install; fi
  fi
  web_log=$(mktemp)
  if npm --prefix web test 2>&1 | tee "$web_log"; test "${PIPESTATUS[0]}" -eq 0; then
    web_result="passed"
  else
    web_result="FAILED"
    failed_suites+=("web")
  fi
  web_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$web_log" | tail -1)
  web_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$web_log" | tail -1)
  rm -f "$web_log"
fi

echo "== summary: C++ tests: $cxx_result; browser tests: $web_result =="
# One closing line over both suites, in the plain "N passed, N failed" form.
if [ -n "$summary" ]; then
  total_pass=$((cxx_total - cxx_failed + ${web_pass:-0}))
  total_fail=$((cxx_failed + ${web_fail:-0}))
  echo "total: $total_pass passed, $total_fail failed"
fi
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "FAILED: ${failed_suites[*]}" >&2
  exit 1
fi
