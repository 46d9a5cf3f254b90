#!/usr/bin/env bash
# Installs the Debian packages Waybill needs to build and test. Uses sudo when not root.
set -euo pipefail
packages=(build-essential cmake pkg-config ccache lld python3 iproute2
          libssl-dev libsecp256k1-dev libleveldb-dev libsnappy-dev libboost-dev libboost-program-options-dev
          nlohmann-json3-dev libgtest-dev libbenchmark-dev
          # issue 12 (REST API, explorer): QR codes, the browser test, the wrk run, schema checks
          libqrencode-dev chromium wrk python3-jsonschema python3-yaml)
# npm for the browser test's playwright-core (tests/browser); Debian's nodejs/npm unless a node
# with its own npm is already installed (e.g. NodeSource's, which conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# npm packages pinned by their package-lock.json (node_modules is git-ignored).
root="$(cd "$(dirname "$0")/.." && pwd)"
for dir in tests/browser tests/openapi; do
  if [ -f "$root/$dir/package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    npm ci --prefix "$root/$dir" --no-audit --no-fund --loglevel=error
  fi
done
