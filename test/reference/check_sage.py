"""attn.sage_sdpa on the CPU path (attn-run) on fresh random inputs against
the independent NumPy emulation of SageAttention2's Hopper numerics
(test/reference/sage_ref.py), and against exact attention (the quantization
error must be there: a few percent, not 0 and not garbage):

  f32_partial_blocks   f32, 300 keys (two full 128-key blocks and a partial
                       one), 40 query rows (a partial 16-row group);
  bf16_gqa             bf16, 4 query heads on 2 kv heads, custom scale;
  f16_zero_v_channel   f16 with an all-zero V channel (0, not NaN);
  peaked               q and k scaled by 4 (the running max moves between
                       key blocks: P' is quantized against each block's);
  block_sparse_*       attn.sage_block_sparse with kv lists in any order, a
                       query block without keys (0), f32 and bf16 GQA, against
                       sage_ref.sage_block_sparse (a walk of each list).

usage: check_sage.py ATTN_RUN WORK_DIR"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
import sage_ref  # noqa: E402
from attn_run_case import Verdicts, run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()
verdict = Verdicts()


def case(name, elt, hq, hkv, sq, skv, d, scale=None, mult=1.0, zero_channel=None):
    q, k, v = (rng.standard_normal((1, h, s, d)).astype(np.float32) * m
               for h, s, m in ((hq, sq, mult), (hkv, skv, mult), (hkv, skv, 1.0)))
    if zero_channel is not None:
        v[..., zero_channel] = 0
    q, k, v = (sage_ref.round_to(x, elt) for x in (q, k, v))
    if elt == "f16":  # attn-run takes f16 as float16 .npy (bf16 travels as float32)
        q, k, v = (x.astype(np.float16) for x in (q, k, v))
    qt, kt = ty(q.shape, elt), ty(k.shape, elt)
    sc = "" if scale is None else f" scale {scale}"
    mlir = (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{\n"
            f"  %o = attn.sage_sdpa %q, %k, %v{sc} : ({qt}, {kt}, {kt}) -> {qt}\n"
            f"  return %o : {qt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, name), mlir, [q, k, v], 1)
    got = got.astype(np.float32)
    q, k, v = (x.astype(np.float32) for x in (q, k, v))
    emu = sage_ref.sage_sdpa(q, k, v, scale=scale, elt=elt)
    exact = attn_ref.sdpa(q, k, v, scale=scale)
    e_emu, e_exact = attn_ref.rel_err(got, emu), attn_ref.rel_err(got, exact)
    ok = e_emu < 1e-3 and 5e-3 < e_exact < 1.5e-1 and np.isfinite(got).all()
    if zero_channel is not None:
        ok = ok and (got[..., zero_channel] == 0).all()
    verdict(name, ok, f"rel err vs the emulation {e_emu:.2e}, vs exact attention {e_exact:.2e}")


def block_sparse_case(name, elt):
    b, hq, hkv, s, d, bq, bkv = 1, 4, 2, 256, 32, 64, 64
    nb = s // bkv
    q, k, v = (rng.standard_normal((b, h, s, d)).astype(np.float32)
               for h in (hq, hkv, hkv))
    q, k, v = (sage_ref.round_to(x, elt) for x in (q, k, v))
    idx = np.stack([rng.permutation(nb)[:3] for _ in range(b * hq * (s // bq))]).reshape(
        b, hq, s // bq, 3).astype(np.int32)            # lists in any order
    cnt = rng.integers(1, 4, (b, hq, s // bq)).astype(np.int32)
    cnt[0, 1, 2] = 0                                    # a query block with no key: 0
    qt, kt, it, ct = ty(q.shape, elt), ty(k.shape, elt), ty(idx.shape, "i32"), ty(cnt.shape, "i32")
    mlir = (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}, %i: {it}, %c: {ct}) -> {qt} {{\n"
            f"  %o = attn.sage_block_sparse %q, %k, %v, %i, %c block_q {bq} block_kv {bkv} : "
            f"({qt}, {kt}, {kt}, {it}, {ct}) -> {qt}\n  return %o : {qt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, name), mlir, [q, k, v, idx, cnt], 1)
    got = got.astype(np.float32)
    emu = sage_ref.sage_block_sparse(q, k, v, idx, cnt, bq, bkv, elt=elt)
    exact = attn_ref.block_sparse(q, k, v, idx, cnt, bq, bkv)
    e_emu, e_exact = attn_ref.rel_err(got, emu), attn_ref.rel_err(got, exact)
    empty = bool((got[0, 1, 128:192] == 0).all())
    verdict(name, e_emu < 1e-3 and 5e-3 < e_exact < 1.5e-1 and empty,
            f"rel err vs the emulation {e_emu:.2e}, vs exact block-sparse attention "
            f"{e_exact:.2e}, empty query block 0 {empty}")


case("f32_partial_blocks", "f32", 2, 2, 40, 300, 32)
case("bf16_gqa", "bf16", 4, 2, 64, 200, 64, scale=0.1)
case("f16_zero_v_channel", "f16", 2, 1, 32, 160, 32, zero_channel=5)
case("peaked", "f32", 1, 1, 48, 384, 32, mult=4.0)
block_sparse_case("block_sparse_f32", "f32")
block_sparse_case("block_sparse_bf16_gqa", "bf16")
verdict.exit()
