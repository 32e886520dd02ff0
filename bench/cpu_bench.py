#!/usr/bin/env python3
"""CPU benchmark of the reference path (attn-to-cpu through attn-run) at a
mid shape, with a NumPy peer timed in the same run on the same inputs.

usage: bench/cpu_bench.py [--attn-run PATH] [--S 4096] [--H 2] [--D 64]
                          [--repeat 3] [--keep 0.125]
Prints, per workload: our median time, GFLOP/s (actual: 4*B*H*D*pairs),
NumPy's median time and the ratio, and our max relative error vs NumPy."""
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


def numpy_block_sparse(q, k, v, idx, blk, scale):
    B, H, S, D = q.shape
    out = np.empty_like(q)
    for h in range(H):
        for J in range(S // blk):
            rows = slice(J * blk, (J + 1) * blk)
            cols = np.concatenate([np.arange(j * blk, (j + 1) * blk) for j in idx[0, h, J]])
            out[0, h, rows] = numpy_sdpa(q[:, h:h + 1, rows], k[:, h:h + 1, cols],
                                         v[:, h:h + 1, cols], scale)[0, 0]
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
}}""", [q, k, v], lambda: numpy_sdpa(q, k, v, scale), S * S),
        f"block_sparse {blk}x{blk} keep {K}/{nb}": (f"""func.func @main(%q: {T}, %k: {T}, %v: {T}, %i: tensor<{B}x{H}x{nb}x{K}xi32>, %c: tensor<{B}x{H}x{nb}xi32>) -> {T} {{
  %o = attn.block_sparse %q, %k, %v, %i, %c block_q {blk} block_kv {blk} : ({T}, {T}, {T}, tensor<{B}x{H}x{nb}x{K}xi32>, tensor<{B}x{H}x{nb}xi32>) -> {T}
  return %o : {T}
}}""", [q, k, v, idx, cnt], lambda: numpy_block_sparse(q, k, v, idx, blk, scale), S * K * blk),
    }
    print(f"CPU benchmark: B{B} H{H} S{S} D{D} f32, {os.cpu_count()} cores, "
          f"median of {a.repeat}; attn-run compile time excluded")
    print(f"{'workload':34s} {'ours ms':>9s} {'GFLOP/s':>8s} {'numpy ms':>9s} {'ratio':>6s} {'rel err':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (mlir, ins, peer, pairs) in workloads.items():
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
            ref = peer()
            theirs = median_time(peer, a.repeat)
            err = np.linalg.norm(np.load(os.path.join(tmp, "o.npy")) - ref) / np.linalg.norm(ref)
            flops = 4.0 * B * H * D * pairs
            print(f"{name:34s} {ours*1e3:9.1f} {flops/ours/1e9:8.2f} {theirs*1e3:9.1f} "
                  f"{theirs/ours:6.2f} {err:8.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
