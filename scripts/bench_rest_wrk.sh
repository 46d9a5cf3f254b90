#!/usr/bin/env bash
# REST throughput with wrk on the real node (docs/BENCHMARKS.md "REST API"), in one run:
#   waybilld on regtest with --rest --restratelimit=0 in a temp data dir; an asset with 10 events
#   (an issue and 9 attestations, over the `waybill` CLI); then, while a block is mined every
#   second over the RPC (generatetoaddress from a background loop),
#   1. wrk on GET /healthz (a one-field JSON reply: the listener's own bound), then
#   2. wrk on GET /v1/assets/{id}/history (10 events),
#   and prints each rate, the history's ratio to the bound and to the goal (20,000 req/s).
# Everything it starts stops on exit (trap); everything listens on 127.0.0.1; each wrk run is
# --seconds long and the setup is bounded (60 s for the node to answer).
#
#   scripts/bench_rest_wrk.sh [--bindir DIR] [--seconds S] [--threads T] [--connections C]
#
# Defaults: build, 10 s per wrk run, wrk -t2 -c64.
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
waybilld="$bindir/node/waybilld"
waybill="$bindir/node/waybill"
for exe in "$waybilld" "$waybill"; do
  [ -x "$exe" ] || { echo "$exe not built (cmake --build $bindir --target waybilld waybill)" >&2; exit 1; }
done

dir="$(mktemp -d /tmp/waybill_bench_rest_wrk.XXXXXX)"
node_pid=""
miner_pid=""
cleanup() {
  if [ -n "$miner_pid" ]; then kill "$miner_pid" 2>/dev/null || true; wait "$miner_pid" 2>/dev/null || true; fi
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r rpcport restport p2pport < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
"$waybilld" --datadir="$dir/node" --network=regtest --rpcbind=127.0.0.1 --rpcport="$rpcport" \
  --bind=127.0.0.1 --port="$p2pport" --listen=0 --rest --restbind=127.0.0.1 \
  --restport="$restport" --restratelimit=0 --printtoconsole=0 </dev/null >"$dir/node.out" 2>&1 &
node_pid=$!
base="http://127.0.0.1:$restport"
net=(--network=regtest --rpcport="$rpcport" --datadir="$dir/node")
for _ in $(seq 1 240); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$dir/node.out" >&2; exit 1; }
  sleep 0.25
done
curl -fsS -o /dev/null "$base/healthz" || { echo "the node did not answer within 60 s" >&2; exit 1; }

"$waybill" key dev 0 --out "$dir/dev0.json" --network regtest >/dev/null
miner="$("$waybill" key new --out "$dir/miner.json" --network regtest)"
mine() { "$waybill" rpc "${net[@]}" generatetoaddress 1 "$miner" >/dev/null; }
out="$("$waybill" asset issue --key "$dir/dev0.json" --quantity 1200 --unit kg \
         --meta gtin=09506000134352 --meta lot=A1 "${net[@]}")"
asset="$(sed -n 's/.*asset \([0-9a-f]\{64\}\).*/\1/p' <<<"$out" | head -1)"
[ -n "$asset" ] || { echo "no asset id in: $out" >&2; exit 1; }
mine
for i in 1 2 3 4 5 6 7 8 9; do
  "$waybill" asset attest "$asset" --key "$dir/dev0.json" --claim temperature \
    --value "$((i + 1)) C" "${net[@]}" >/dev/null
  mine
done
events="$(curl -fsS "$base/v1/assets/$asset/history" |
          python3 -c 'import json, sys; print(len(json.load(sys.stdin)["events"]))')"
[ "$events" = 10 ] || { echo "expected 10 events, got $events" >&2; exit 1; }
height_before="$(curl -fsS "$base/healthz" | python3 -c 'import json, sys; print(json.load(sys.stdin)["height"])')"

# A block a second while wrk runs (at most the run's length plus a margin).
( for _ in $(seq 1 $((2 * seconds + 10))); do mine || true; sleep 1; done ) &
miner_pid=$!

run_wrk() {  # prints requests/s of GET $1; every reply must be 2xx
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$base$1" > "$dir/wrk.out"
  cat "$dir/wrk.out" >&2
  if grep -q "Non-2xx" "$dir/wrk.out"; then echo "non-2xx replies on $1" >&2; exit 1; fi
  awk '/^Requests\/sec:/ { print $2 }' "$dir/wrk.out"
}
echo "== waybilld --rest --restratelimit=0; wrk -t$threads -c$connections -d${seconds}s GET /healthz" >&2
bound_rps="$(run_wrk /healthz)"
echo "== wrk -t$threads -c$connections -d${seconds}s GET /v1/assets/{id}/history (10 events)" >&2
history_rps="$(run_wrk "/v1/assets/$asset/history")"
height_after="$(curl -fsS "$base/healthz" | python3 -c 'import json, sys; print(json.load(sys.stdin)["height"])')"
load="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$bound_rps" "$history_rps" "$((height_after - height_before))" "$load" <<'EOF'
import sys
b, h, blocks, load = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"bench_rest_wrk (waybilld): GET /healthz {b:,.0f} req/s = {b / 20000:.2f} x 20,000; "
      f"GET history (10 events) {h:,.0f} req/s = {h / b:.2f} x /healthz = {h / 20000:.2f} x 20,000 "
      f"(goal >= 1); {blocks} blocks connected during the runs; load average {load}")
EOF
