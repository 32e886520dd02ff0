#!/usr/bin/env bash
# Installs everything attn-mlir needs on a fresh Debian 12 machine. Idempotent:
# packages already present are skipped, so running it twice costs one dpkg query.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build git
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools libzstd-dev
  bc python3 python3-numpy python3-pytest python3-yaml python3-pybind11 python3-dev
  python3-torch python3-pip python3-setuptools python3-wheel
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
