#!/usr/bin/env bash
# Configures and builds Waybill in ./build, or in $WAYBILL_BUILD_DIR: Release with debug info
# when the folder is new; an existing build folder keeps its configuration.
# Usage: scripts/build.sh [--programs] [CMake configure arguments...]
#   --programs   build only the two programs, waybilld and waybill (what scripts/devnet.sh
#                needs), not the tests, fuzz targets and benchmarks
# Other arguments go to the CMake configure step (e.g. -DWAYBILL_SANITIZE=thread).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${WAYBILL_BUILD_DIR:-build}"
targets=()
if [ "${1:-}" = "--programs" ]; then
  targets=(--target waybilld waybill)
  shift
fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
elif [ $# -gt 0 ]; then
  cmake -S . -B "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
