#!/usr/bin/env python3
"""CPU benchmark of the reference path (attn-to-cpu through attn-run) at a
mid shape, with a NumPy peer timed in the same run on the same inputs.

usage: bench/cpu_bench.py [--attn-run PATH] [--S 4096] [--H 2] [--D 64]
                          [--repeat 3] [--keep 0.125]
Prints, per workload and NumPy peer: our median time, GFLOP/s (actual:
4*B*H*D*pairs), the peer's median time and the ratio peer / ours, and our
relative error vs the peer. The
NumPy peers are vectorized: dense einsum, and for block_sparse the listed
K/V blocks gathered per query block, then batched einsums."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def numpy_sdpa(q, k, v, scale):
    s = np.einsum("bhid,bhjd->bhij", q, k, optimize=True) * scale
    s -= s.max(-1, keepdims=True)
    p = np.exp(s)
    return np.einsum("bhij,bhjd->bhid", p / p.sum(-1, keepdims=True), v, optimize=True)


def numpy_block_sparse(q, k, v, idx, cnt, blk, scale):
    """Vectorized NumPy peer: for every query block, its listed K/V blocks
    gathered into [B, H, nb, K*blk, D] arrays, entries past kv_counts masked,
    then two batched einsums and a softmax (no Python loop over blocks)."""
    B, H, S, D = q.shape
    nb, K = idx.shape[2], idx.shape[3]
    bi = np.arange(B)[:, None, None, None]
    hi = np.arange(H)[None, :, None, None]
    kg = k.reshape(B, H, nb, blk, D)[bi, hi, idx].reshape(B, H, nb, K * blk, D)
    vg = v.reshape(B, H, nb, blk, D)[bi, hi, idx].reshape(B, H, nb, K * blk, D)
    qb = q.reshape(B, H, nb, blk, D)
    s = np.einsum("bhnid,bhnjd->bhnij", qb, kg, optimize=True) * scale
    live = np.repeat(np.arange(K)[None, None, None, :] < cnt[..., None], blk, -1)
    s = np.where(live[:, :, :, None, :], s, -np.inf)
    m = s.max(-1, keepdims=True)
    p = np.exp(s - np.where(np.isfinite(m), m, 0))  # rows without a block: all 0
    p /= np.maximum(p.sum(-1, keepdims=True), np.finfo(p.dtype).tiny)
    return np.einsum("bhnij,bhnjd->bhnid", p, vg, optimize=True).reshape(B, H, S, D)


def numpy_block_sparse_loop(q, k, v, idx, cnt, blk, scale):
    """The same with a Python loop over query blocks: each block's kept
    K/V rows gathered and one small dense attention (2-D BLAS calls). Timed
    beside the vectorized peer because with NumPy's batched matmul/einsum
    (no BLAS per batch entry) it is the faster of the two on some machines;
    the ratio is taken against the faster."""
    B, H, S, D = q.shape
    out = np.zeros_like(q)
    for b in range(B):
        for h in range(H):
            for J in range(S // blk):
                rows = slice(J * blk, (J + 1) * blk)
                cols = (idx[b, h, J, :cnt[b, h, J], None] * blk + np.arange(blk)).reshape(-1)
                if cols.size:
                    out[b, h, rows] = numpy_sdpa(q[None, None, b, h, rows], k[None, None, b, h, cols],
                                                 v[None, None, b, h, cols], scale)[0, 0]
    return out


def median_time(fn, repeat):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attn-run", default=os.path.join(HERE, "..", "build", "bin", "attn-run"))
    ap.add_argument("--S", type=int, default=4096)
    ap.add_argument("--H", type=int, default=2)
    ap.add_argument("--D", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=float, default=0.125)
    ap.add_argument("--blk", type=int, default=64)
    a = ap.parse_args()
    B, H, S, D, blk = 1, a.H, a.S, a.D, a.blk
    rng = np.random.default_rng()
    q, k, v = (rng.standard_normal((B, H, S, D)).astype(np.float32) for _ in range(3))
    nb = S // blk
    K = max(1, round(nb * a.keep))
    idx = np.sort(np.stack([np.stack([rng.permutation(nb)[:K] for _ in range(nb)])
                            for _ in range(H)])[None], -1).astype(np.int32)
    cnt = np.full((B, H, nb), K, np.int32)
    scale = 1.0 / np.sqrt(D)
    T = f"tensor<{B}x{H}x{S}x{D}xf32>"
    workloads = {
        "sdpa": (f"""func.func @main(%q: {T}, %k: {T}, %v: {T}) -> {T} {{
  %o = attn.sdpa %q, %k, %v : ({T}, {T}, {T}) -> {T}
  return %o : {T}
}}""", [q, k, v], [("NumPy einsum", lambda: numpy_sdpa(q, k, v, scale))], S * S),
        f"block_sparse {blk}x{blk} keep {K}/{nb}": (f"""func.func @main(%q: {T}, %k: {T}, %v: {T}, %i: tensor<{B}x{H}x{nb}x{K}xi32>, %c: tensor<{B}x{H}x{nb}xi32>) -> {T} {{
  %o = attn.block_sparse %q, %k, %v, %i, %c block_q {blk} block_kv {blk} : ({T}, {T}, {T}, tensor<{B}x{H}x{nb}x{K}xi32>, tensor<{B}x{H}x{nb}xi32>) -> {T}
  return %o : {T}
}}""", [q, k, v, idx, cnt],
            [("NumPy vectorized", lambda: numpy_block_sparse(q, k, v, idx, cnt, blk, scale)),
             ("NumPy block loop", lambda: numpy_block_sparse_loop(q, k, v, idx, cnt, blk, scale))],
            S * K * blk),
    }
    print(f"CPU benchmark: B{B} H{H} S{S} D{D} f32, {os.cpu_count()} cores, "
          f"median of {a.repeat}; attn-run compile time excluded")
    print(f"{'workload':34s} {'ours ms':>9s} {'GFLOP/s':>8s} {'peer':18s} {'peer ms':>9s} "
          f"{'ratio':>6s} {'rel err':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (mlir, ins, peers, pairs) in workloads.items():
            path = os.path.join(tmp, "m.mlir")
            open(path, "w").write(mlir)
            cmd = [a.attn_run, path, "--print-timing", "--repeat", str(a.repeat),
                   "--output", os.path.join(tmp, "o.npy")]
            for i, x in enumerate(ins):
                np.save(os.path.join(tmp, f"i{i}.npy"), x)
                cmd += ["--input", os.path.join(tmp, f"i{i}.npy")]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                print(name, "failed:", p.stderr)
                return 1
            ours = float(re.search(r"run median ([0-9.]+) s", p.stderr).group(1))
            flops = 4.0 * B * H * D * pairs
            best = None
            for peer_name, peer in peers:
                ref = peer()
                theirs = median_time(peer, a.repeat)
                err = np.linalg.norm(np.load(os.path.join(tmp, "o.npy")) - ref) / np.linalg.norm(ref)
                best = theirs if best is None else min(best, theirs)
                print(f"{name:34s} {ours*1e3:9.1f} {flops/ours/1e9:8.2f} {peer_name:18s} "
                      f"{theirs*1e3:9.1f} {theirs/ours:6.2f} {err:8.1e}")
            if len(peers) > 1:
                print(f"{name:34s} ratio vs the faster NumPy peer: {best/ours:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
