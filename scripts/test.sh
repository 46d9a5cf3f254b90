#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#  1. build/: every CTest test (unit, fuzz-corpus replays, functional);
#  2. build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer, -DWAYBILL_SANITIZE=ON): the
#     unit tests and the fuzz-corpus replays again; any sanitizer report fails the run.
# Extra arguments are passed to both CMake configure steps.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
scripts/setup.sh
scripts/build.sh "$@"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 1200)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAYBILL_SANITIZE=ON "$@" >/dev/null
cmake --build build-asan -j "$jobs"
# halt_on_error/-fno-sanitize-recover: the first report aborts the test (non-zero exit).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# The functional tests (label "functional") need waybilld, which build-asan does not build.
(cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 1200 -LE functional)
