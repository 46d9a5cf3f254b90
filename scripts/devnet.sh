#!/usr/bin/env bash
# The README's run command: installs what is missing, builds the two programs (waybilld and
# waybill, not the tests), and runs waybilld mining on the embedded devnet, in the default data
# folder ~/.waybill (its files in ~/.waybill/devnet/), where `waybill` finds its cookie.
# Extra arguments go to waybilld (e.g. --miner-threads 2, --datadir DIR).
# WAYBILL_SKIP_SETUP=1 skips the package check (tests/functional/readme_commands_test.py, which
# must not reach the network); WAYBILL_BUILD_DIR builds and runs from another build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${WAYBILL_BUILD_DIR:-build}"
[ "${WAYBILL_SKIP_SETUP:-0}" = "1" ] || scripts/setup.sh
scripts/build.sh --programs
exec "$build_dir/node/waybilld" --network devnet --mine "$@"
