#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build, then compile the
# example model through the pipeline and show the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BIN=${BUILD_DIR:-build}/bin
echo "== examples/wan_vsa_small.mlir through attn-opt --canonicalize"
"$BIN/attn-opt" examples/wan_vsa_small.mlir --canonicalize
