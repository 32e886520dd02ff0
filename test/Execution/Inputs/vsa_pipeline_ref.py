#!/usr/bin/env python3
"""Expected result of untile(vsa(tile(q), tile(k), tile(v), [tile(gate)], vbs, vbs)) on raster
inputs, from the NumPy reference (test/reference/attn_ref.py), compared with a compiler output.

  vsa_pipeline_ref.py --q Q --k K --v V [--gate G] --grid T,H,W --tile a,b,c --topk K
                      --out OUT.npy [--tol 1e-4] [--no-block-sizes]

vbs (valid tokens per tile) comes from the reference's tile_indices and is passed as both
q_block_sizes and kv_block_sizes (unless --no-block-sizes). Prints "OK out rel_err=..." or
"FAIL out ..." (exit 1).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "reference"))
import attn_ref as ref  # noqa: E402

p = argparse.ArgumentParser()
for name in ("q", "k", "v", "out"):
    p.add_argument("--" + name, required=True)
p.add_argument("--gate")
p.add_argument("--grid", required=True)
p.add_argument("--tile", required=True)
p.add_argument("--topk", type=int, required=True)
p.add_argument("--tol", type=float, default=1e-4)
p.add_argument("--no-block-sizes", action="store_true")
a = p.parse_args()

grid = [int(x) for x in a.grid.split(",")]
tl = [int(x) for x in a.tile.split(",")]
_, _, _, vbs = ref.tile_indices(grid, tl)
_, _, P = ref.tile_geometry(grid, tl)
q, k, v = (ref.tile(np.load(f), grid, tl) for f in (a.q, a.k, a.v))
gate = ref.tile(np.load(a.gate), grid, tl) if a.gate else None
sizes = None if a.no_block_sizes else vbs
want = ref.untile(ref.vsa(q, k, v, P, a.topk, gate=gate, q_block_sizes=sizes,
                          kv_block_sizes=sizes), grid, tl)
out = np.load(a.out)
if out.shape != want.shape:
    print(f"FAIL out shape {out.shape} != expected {want.shape}")
    sys.exit(1)
e = ref.rel_err(out, want)
if e > a.tol:
    print(f"FAIL out rel_err={e:.3e} > tol={a.tol:g}")
    sys.exit(1)
print(f"OK out rel_err={e:.3e}")
