#!/usr/bin/env python3
"""A float32 model of the mma.sync backward's roundings (FlashAttentionGradKernel.h),
run on the CPU against torch autograd of the float32 forward with the GPU
checks' metric (test/reference/errcheck.py: whole and worst-row relative
error < 1e-2), on the shapes and random tables of scripts/gpu/check_artifacts.py.

What it models: Q, K, V, dO in the case's 16-bit type (bf16; f16 for
`tiles`); scores, dP, the row statistics and every accumulation in f32; P
rounded to that type where it is an mma operand (the forward's P.V, the
dK/dV pass's dV += P^T dO) and dS rounded too (dQ += dS K, dK += dS^T Q);
outputs rounded. The two choices of
delta (docs/Training.md, "Why delta is not dO . O"):

  dO.O    delta = dO . O with O from the bf16-P forward (FlashAttention's;
          the dQ pass's first version)
  sumPdP  delta = sum_j P_j dP_j with the f32 P (the dQ pass now)

usage: grad_numerics.py {dO.O|sumPdP} [--shape rounds|tiles|block_sparse]
                        [--seeds N] [--first-seed S]
(Debian's python3-torch is enough; about 10 s a seed for `rounds`.)"""
import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
import errcheck  # noqa: E402

# B, Hq, Hkv, Sq, Skv, D, K (table width), block_q, block_kv, type: the
# block_sparse_grad{_rounds,_tiles,} inputs of test/GPU/Inputs.
SHAPES = {"rounds": (1, 8, 1, 1152, 640, 128, 4, 64, 64, torch.bfloat16),
          "tiles": (1, 4, 2, 384, 576, 128, 2, 128, 192, torch.float16),
          "block_sparse": (1, 4, 2, 512, 512, 64, 3, 64, 64, torch.bfloat16)}
LOG2E = 1.4426950408889634
ELT = torch.bfloat16


def bf(x):
    """x rounded to the case's 16-bit type (kept in float32)."""
    return x.to(ELT).float()


def allowed_keys(B, H, Sq, Skv, bq, bkv, K):
    """check_artifacts.random_tables on the CPU, as a [B, H, Sq, Skv] mask."""
    nq, nkv = Sq // bq, Skv // bkv
    idx = torch.stack([torch.randperm(nkv)[:K] for _ in range(B * H * nq)]).reshape(B, H, nq, K)
    cnt = torch.randint(0, K + 1, (B, H, nq))
    vbs = torch.randint(0, bkv + 1, (nkv,))
    live = torch.arange(K)[None, None, None, :] < cnt[..., None]
    hits = torch.zeros(B, H, nq, nkv, dtype=torch.int32)
    hits.scatter_add_(3, idx, live.to(torch.int32))
    rows, cols = torch.arange(Sq) // bq, torch.arange(Skv) // bkv
    mask = (hits > 0)[:, :, rows][:, :, :, cols]
    return mask & (torch.arange(Skv) - cols * bkv < vbs[cols])[None, None, None, :]


def one_run(mode, B, Hq, Hkv, Sq, Skv, D, K, bq, bkv, elt):
    global ELT
    ELT = elt
    q, do = bf(torch.randn(B, Hq, Sq, D)), bf(torch.randn(B, Hq, Sq, D))
    k, v = bf(torch.randn(B, Hkv, Skv, D)), bf(torch.randn(B, Hkv, Skv, D))
    mask = allowed_keys(B, Hq, Sq, Skv, bq, bkv, K)
    g, scale = Hq // Hkv, 1 / math.sqrt(D)
    kk, vv = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
    # The reference: torch autograd of the float32 forward.
    leaves = [x.clone().requires_grad_() for x in (q, kk, vv)]
    s = (leaves[0] @ leaves[1].transpose(-1, -2)) * scale
    p = torch.softmax(s.masked_fill(~mask, float("-inf")), -1).nan_to_num(0.0)
    want = torch.autograd.grad(p @ leaves[2], leaves, do)
    # The kernels' arithmetic.
    s2 = ((q @ kk.transpose(-1, -2)) * (scale * LOG2E)).masked_fill(~mask, float("-inf"))
    m = s2.amax(-1, keepdim=True)
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    pm = torch.exp2(s2 - m)
    l = pm.sum(-1, keepdim=True)
    dp = do @ vv.transpose(-1, -2)
    num = (do * (bf(pm) @ vv)).sum(-1, keepdim=True) if mode == "dO.O" else (pm * dp).sum(-1, keepdim=True)
    delta = torch.where(l > 0, num / l.clamp_min(1e-30), torch.zeros_like(l))
    lse2 = torch.where(l > 0, m + torch.log2(l), torch.full_like(l, float("inf")))
    P = torch.exp2(s2 - lse2)
    dS = bf(P * (dp - delta))
    group = lambda x: x.reshape(B, Hkv, g, Skv, D).sum(2)
    got = (bf(dS @ kk * scale), group(bf(dS.transpose(-1, -2) @ q * scale)),
           group(bf(bf(P).transpose(-1, -2) @ do)))
    want = (want[0], group(want[1]), group(want[2]))
    return [(name,) + errcheck.errors(a, w)[:2] for name, a, w in zip(("dq", "dk", "dv"), got, want)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("dO.O", "sumPdP"))
    ap.add_argument("--shape", choices=sorted(SHAPES), default="rounds")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=1)
    a = ap.parse_args()
    fails = 0
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        torch.manual_seed(seed)
        res = one_run(a.mode, *SHAPES[a.shape])
        bad = any(w >= errcheck.TOL["bf16"] or r >= errcheck.TOL["bf16"] for _, w, r in res)
        fails += bad
        print(f"seed {seed}: " + "  ".join(f"{n} {w:.1e} (worst row {r:.1e})" for n, w, r in res)
              + ("  FAIL" if bad else ""), flush=True)
    print(f"delta = {a.mode}, shape {a.shape}: {fails} of {a.seeds} seeds fail the 1e-2 bound")


if __name__ == "__main__":
    main()
