#!/usr/bin/env bash
# Configures and builds Waybill in ./build (Release with debug info). Extra arguments are
# passed to the CMake configure step (e.g. -DWAYBILL_SANITIZE=thread).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
