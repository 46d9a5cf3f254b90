#!/usr/bin/env bash
# Crash soak, outside CI: a node is SIGKILLed at random moments while blocks and txs of every
# operation arrive, and its whole state is compared with a reference node after each restart
# (scripts/crash_soak.py says exactly what is compared).
#
#   scripts/crash_soak.sh --cycles 1000 [--bindir build] [--seed N] [--max-seconds S]
#
# Runs at the lowest CPU priority (nice -n 19). Exit 0 if every comparison matched; the last
# line before PASSED/FAILED is "SUMMARY {...}" (cycles, differences, blocks, txs, seconds, seed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bindir="$root/build"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bindir) bindir="$2"; shift 2 ;;
    --bindir=*) bindir="${1#--bindir=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
exec nice -n 19 python3 "$root/scripts/crash_soak.py" --bindir "$bindir" --srcdir "$root" \
  "${args[@]+"${args[@]}"}"
