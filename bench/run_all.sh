#!/usr/bin/env bash
# Every benchmark of issues 13 and 14, one after the other, each one's output captured in a
# folder; at the end every RATIO line (docs/BENCHMARKS.md) again on one screen, with the name of
# the bench that printed it (docs/BENCHMARKS.md "run_all.sh").
#
#   bench/run_all.sh [--full] [--build DIR] [--out DIR]
#
# --build: the build folder (default build); --out: where the logs go (default
# bench-results-<UTC time>). The quick default takes minutes, --full the issues' sizes (much
# longer). A bench that is not built or not in the tree is skipped with a line that says so; one
# that fails does not stop the others. Extra arguments for one bench, e.g. OVERLAY_SIM_ARGS="--nodes
# 2000": BENCH_MINER_ARGS, BENCH_CONTRACTS_ARGS, P2P_BENCH_ARGS, E2E_BENCH_ARGS, SYNC_BENCH_ARGS,
# OVERLAY_SIM_ARGS (appended to the mode's).
set -u

full=0
build=build
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: bench/run_all.sh [--full] [--build DIR] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$build" 2>/dev/null && pwd)" || { echo "no build folder $build" >&2; exit 2; }
out="${out:-bench-results-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out" && out="$(cd "$out" && pwd)"

# name | program (relative to the build or the source folder) | quick arguments | --full's
benches=(
  "bench_miner|$build/bench/bench_miner|--hashes 4194304 --reps 3|"
  "bench_contracts|$build/bench/bench_contracts|--rounds 1|"
  "p2p_bench|$src/bench/p2p_bench.py|--bindir $build --blocks 5 --tx-blocks 2 --txs 500|--bindir $build"
  "e2e_bench|$src/bench/e2e_bench.py|--bindir $build|--bindir $build --full"
  "sync_bench|$src/bench/sync_bench.py|--bindir $build|--bindir $build --blocks 500 --txs 2000"
  "overlay_sim|$build/bench/overlay_sim/overlay_sim||"
)

{
  echo "run_all.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), HEAD $(git -C "$src" rev-parse --short HEAD 2>/dev/null)," \
       "mode $([ $full = 1 ] && echo full || echo quick), $(nproc) cores, logs in $out"
  echo "load before: $(cat /proc/loadavg)"
} | tee "$out/summary.txt"

for entry in "${benches[@]}"; do
  IFS='|' read -r name program quick long <<<"$entry"
  var="$(echo "$name" | tr '[:lower:]' '[:upper:]')_ARGS"
  args="$([ $full = 1 ] && echo "$long" || echo "$quick") ${!var:-}"
  log="$out/$name.log"
  if [ ! -e "$program" ]; then
    echo "$name: not built/not present ($program)" | tee "$log" "$out/$name.skipped"
    continue
  fi
  case "$program" in *.py) cmd=(python3 "$program") ;; *) cmd=("$program") ;; esac
  echo "== $name: ${cmd[*]} $args  (load $(cut -d' ' -f1-3 /proc/loadavg))"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the arguments are words
  "${cmd[@]}" $args 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  echo "$name: exit $status after $(($(date +%s) - start)) s" | tee -a "$log"
  echo "$status" >"$out/$name.status"
done

{
  echo
  echo "== every RATIO line ($(date -u +%H:%M:%SZ), load after: $(cut -d' ' -f1-3 /proc/loadavg))"
  for entry in "${benches[@]}"; do
    IFS='|' read -r name _ <<<"$entry"
    if [ -e "$out/$name.skipped" ]; then
      echo "$name: not built/not present"
    elif grep -q '^RATIO ' "$out/$name.log"; then
      grep '^RATIO ' "$out/$name.log" | sed "s/^/$name: /"
    else
      echo "$name: no RATIO line (exit $(cat "$out/$name.status"); see $out/$name.log)"
    fi
  done
} | tee -a "$out/summary.txt"
