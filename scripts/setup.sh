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

# cuobjdump and nvdisasm (SASS of the kernels for the `cuobjdump` lit tests;
# the CUDA toolkit here ships ptxas but not them): NVIDIA's PyPI wheels,
# pinned, unpacked into .cuda-tools/ (ignored by git). Optional: without
# network the SASS checks are skipped, the rest of setup stands.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CT="$ROOT/.cuda-tools"
if [ ! -x "$CT/nvidia/cu13/bin/cuobjdump" ] || [ ! -x "$CT/nvidia/cu13/bin/nvdisasm" ]; then
  if /usr/bin/python3 -m pip install -q --no-deps --target "$CT" \
       nvidia-cuda-cuobjdump==13.5.37 nvidia-cuda-nvdisasm==13.5.37 2>/dev/null; then
    echo "setup: cuobjdump and nvdisasm in $CT/nvidia/cu13/bin"
  else
    echo "setup: could not install cuobjdump/nvdisasm from PyPI (SASS checks will be skipped)"
  fi
fi
