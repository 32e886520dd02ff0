#!/usr/bin/env bash
# On the development machine: an A/B of attn-compile flags on the model
# examples. Compiles what scripts/gpu/check_models.py and
# bench/gpu_layer_profile.py read (examples/ and the raster test models) into
# .device/art_<TAG> with the given flags, e.g.
#   bash scripts/gpu/prepare_ab.sh qr --q-regs
# (MODELS="a b" compiles only those)
# then on the GPU machine (next to the default artifacts of prepare.sh):
#   python3 scripts/gpu/check_models.py LIB .device/art_qr
#   python3 bench/gpu_layer_profile.py LIB .device/art_qr wan_vsa_1.3b
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { echo "usage: prepare_ab.sh TAG [attn-compile flags...]"; exit 2; }
TAG=$1; shift
BIN=${BUILD_DIR:-build}/bin
ROOT=.device/art_$TAG
rm -rf "$ROOT"; mkdir -p "$ROOT"
for m in ${MODELS:-wan_vsa_small hunyuan_sta_small wan_vsa_1.3b hunyuan_sta_720p sta_raster_text vsa_raster vsa_raster_nogate}; do
  f=examples/$m.mlir; [ -f "$f" ] || f=test/GPU/Inputs/$m.mlir
  "$BIN/attn-compile" "$f" -o "$ROOT/$m" "$@"
done
echo "prepared $ROOT with: $*"
