#!/usr/bin/env python3
"""SageAttention2's default Hopper numerics (INT8 Q/K per thread group with
K smoothing, FP8 e4m3 P.V with per-channel V scales; test/reference/sage_ref.py)
against exact attention, on the Wan 1.3B and Hunyuan 720p attention shapes
with random inputs, on the CPU: the accuracy a quantized kernel would give
(issue 20: "accuracy vs bf16 reported"). Every key of the shape is used; the
query rows are 4 runs of 128 consecutive rows at random offsets of one
(or two) heads (the quantization groups of q are 16-row groups, so whole
runs keep them intact). Inputs: standard normal, and "peaked" ones (q and k
scaled by 3: attention concentrated on few keys, closer to trained models).

Prints, per shape and input kind: relative error (Frobenius) and worst
row of Sage's output vs float64 attention, and the same for the exact
output rounded to bf16 (what a bf16 kernel cannot beat).

usage: sage_accuracy.py [--quick]"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))
import attn_ref  # noqa: E402
import sage_ref  # noqa: E402

SHAPES = [("Wan 1.3B (S32760 D128)", 32760, 128, 2),
          ("Hunyuan 720p (S115456 D128)", 115456, 128, 1)]


def worst_row(out, ref):
    o = out.reshape(-1, out.shape[-1]).astype(np.float64)
    r = ref.reshape(-1, ref.shape[-1])
    return float((np.linalg.norm(o - r, axis=1) / np.maximum(np.linalg.norm(r, axis=1), 1e-30)).max())


def main():
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    print(f"{'shape':30s} {'inputs':8s} {'sage rel':>9s} {'worst row':>10s} "
          f"{'bf16 rel':>9s} {'worst row':>10s}")
    for name, s, d, heads in SHAPES:
        if quick:
            s = 4096
        for kind, mult in (("normal", 1.0), ("peaked", 3.0)):
            t0 = time.time()
            q = sage_ref.round_to(rng.standard_normal((1, heads, s, d)).astype(np.float32) * mult,
                                  "bf16")
            k = sage_ref.round_to(rng.standard_normal((1, heads, s, d)).astype(np.float32) * mult,
                                  "bf16")
            v = sage_ref.round_to(rng.standard_normal((1, heads, s, d)).astype(np.float32), "bf16")
            starts = sorted(rng.choice(s // 128, 4, replace=False) * 128)
            rows = np.concatenate([np.arange(a, a + 128) for a in starts])
            qs = np.ascontiguousarray(q[:, :, rows])
            ref = attn_ref.sdpa(qs, k, v)
            # Sage quantizes q in 16-row groups: the sampled runs are whole groups.
            out = sage_ref.sage_sdpa(qs, k, v, elt="bf16")
            bf = sage_ref.round_to(ref.astype(np.float32), "bf16")
            print(f"{name:30s} {kind:8s} {attn_ref.rel_err(out, ref):9.2e} "
                  f"{worst_row(out, ref):10.2e} {attn_ref.rel_err(bf, ref):9.2e} "
                  f"{worst_row(bf, ref):10.2e}   ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
