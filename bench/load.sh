#!/usr/bin/env bash
# HTTP load on the real server: wrk against a street-scale demo on loopback.
# Measures requests/s and latency of a grid's resident page (scope check,
# unmasked read audited) and of /healthz (the HTTP stack alone, the baseline).
# Bounded: 10 s per endpoint, 2 threads, 32 connections, 127.0.0.1 only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FIRSTLINE_BIN:-$root/build/firstline}
work=$(mktemp -d /tmp/firstline-load.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo --scale street --data "$work/data" --admin-password load-test-pw --generate-only > "$work/demo.log"
"$bin" serve --db "sqlite:$work/data/firstline.db" --port "$port" --threads 4 > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
  sleep 0.1
done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"load-test-pw"}' | sed -E 's/.*"token":"([0-9a-f]{64})".*/\1/')
grid=$(curl -sf "http://127.0.0.1:$port/api/v1/areas?level=grid&limit=1" -H "Authorization: Bearer $token" \
  | sed -E 's/^\{"items":\[\{"id":([0-9]+).*/\1/')

echo "== wrk: GET /healthz (HTTP stack baseline)"
wrk -t2 -c32 -d10s "http://127.0.0.1:$port/healthz"
echo "== wrk: GET /api/v1/residents?area_id=$grid&limit=50 (grid page, audited unmasked read)"
wrk -t2 -c32 -d10s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/residents?area_id=$grid&limit=50"
echo "== wrk: GET /api/v1/residents?area_id=$grid&limit=50&reveal=false (masked, no audit write)"
wrk -t2 -c32 -d10s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/residents?area_id=$grid&limit=50&reveal=false"
