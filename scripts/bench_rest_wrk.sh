#!/usr/bin/env bash
# REST throughput with wrk (docs/BENCHMARKS.md "REST API"), in one run:
#   1. wrk on GET /bench/ping (an empty JSON reply: the server's own bound), then
#   2. wrk on GET /v1/assets/{id}/history of an asset with 10 events,
# while a block is connected every second.
#
# The server is `bench_rest --serve`: the REST listener's own routes, dispatcher and HttpServer
# (MakeRestRoutes, MakeRestRouter) on a regtest chainstate in a temp dir, which connects an
# empty block every second in process. Not waybilld itself: waybilld's REST listener limits
# each client IP to 50 requests/s (bursts of 100; docs/API.md "REST API") and has no option to
# lift it, so wrk from 127.0.0.1 would measure 429 replies. bench_rest lifts the limit (the
# token bucket is still taken on every request).
#
#   scripts/bench_rest_wrk.sh [--bindir DIR] [--seconds S] [--threads T] [--connections C]
#
# Defaults: build, 10 s per wrk run, wrk -t2 -c64. The goal is >= 20,000 req/s for the history.
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=build
seconds=10
threads=2
connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --bindir) bindir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--bindir DIR] [--seconds S] [--threads T] [--connections C]" >&2
       exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
bench="$bindir/bench/bench_rest"
[ -x "$bench" ] || { echo "$bench not built (cmake --build $bindir --target bench_rest)" >&2; exit 1; }
dir="$(mktemp -d /tmp/waybill_bench_rest_wrk.XXXXXX)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$bench" --serve $((2 * seconds + 5)) >"$dir/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q "^serving" "$dir/serve.out" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$dir/serve.out" >&2; exit 1; }
  sleep 0.1
done
read -r _ addr _ asset < <(grep "^serving" "$dir/serve.out")
base="http://$addr"
events="$(curl -fsS "$base/v1/assets/$asset/history" |
          python3 -c 'import json, sys; print(len(json.load(sys.stdin)["events"]))')"
[ "$events" = 10 ] || { echo "expected 10 events, got $events" >&2; exit 1; }

run_wrk() {  # prints requests/s of GET $1; every reply must be 2xx
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$base$1" > "$dir/wrk.out"
  cat "$dir/wrk.out" >&2
  if grep -q "Non-2xx" "$dir/wrk.out"; then echo "non-2xx replies on $1" >&2; exit 1; fi
  awk '/^Requests\/sec:/ { print $2 }' "$dir/wrk.out"
}
echo "== wrk -t$threads -c$connections -d${seconds}s GET /bench/ping" >&2
bound_rps="$(run_wrk /bench/ping)"
echo "== wrk -t$threads -c$connections -d${seconds}s GET /v1/assets/{id}/history (10 events)" >&2
history_rps="$(run_wrk "/v1/assets/$asset/history")"
wait "$server_pid"
server_pid=""
blocks="$(grep "^served" "$dir/serve.out")"

python3 - "$bound_rps" "$history_rps" "$blocks" <<'EOF'
import sys
b, h, blocks = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"bench_rest_wrk: GET /bench/ping {b:,.0f} req/s; GET history (10 events) {h:,.0f} req/s "
      f"= {h / b:.2f} x the bound (goal >= 20,000 req/s); {blocks}")
EOF
