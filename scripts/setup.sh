#!/usr/bin/env bash
# Installs the Debian packages Waybill needs to build and test. Uses sudo when not root.
set -euo pipefail
packages=(build-essential cmake pkg-config ccache python3 iproute2
          libssl-dev libsecp256k1-dev libleveldb-dev libsnappy-dev libboost-dev libboost-program-options-dev
          nlohmann-json3-dev libgtest-dev libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
