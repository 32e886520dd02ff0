#!/usr/bin/env python3
"""Writes .npy inputs for an STA artifact and the independent NumPy
reference's output (inputs rounded to bf16 first, as the GPU sees them).
usage: make_npy_case.py ARTIFACT_DIR OUT_DIR (the sta_bf16_d64 case)"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
import attn_ref  # noqa: E402

out = sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng()
q, k, v = (rng.standard_normal((1, 2, 3456, 64)).astype(np.float32) for _ in range(3))
for name, x in (("q", q), ("k", k), ("v", v)):
    np.save(os.path.join(out, name + ".npy"), x)
r = lambda x: attn_ref.bf16_round(x)
ref = attn_ref.sliding_tile(r(q), r(k), r(v), tile_grid=(2, 2, 2), tile=(6, 8, 8),
                            window=(1, 1, 1), text_length=200)
np.save(os.path.join(out, "expected.npy"), np.asarray(ref, dtype=np.float32))
