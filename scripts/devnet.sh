#!/usr/bin/env bash
# Installs what is missing, builds, and runs waybilld mining on the embedded devnet.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/node/waybilld --datadir "${WAYBILL_DATADIR:-$HOME/.waybill-devnet}" --mine "$@"
