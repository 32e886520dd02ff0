#!/usr/bin/env python3
"""Compile and run the small example modules through attn-to-cpu (attn-run)
and compare each result with the independent NumPy reference.

usage: run_examples.py [--attn-run PATH] [--only NAME] [--seed N]
Prints one line per example (shapes, compile/run time, max |diff|, rel err)
and exits 1 if any example misses its tolerance."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))
import attn_ref as ref  # noqa: E402


def run_attn_run(cmd, inputs, outputs):
    """Runs `cmd` (attn-run and its module/flags) on the .npy files `inputs`,
    writing `outputs`; returns (completed process, loaded outputs or None)."""
    cmd = cmd + sum((["--input", f] for f in inputs), [])
    cmd += sum((["--output", f] for f in outputs), [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p, ([np.load(f) for f in outputs] if p.returncode == 0 else None)


def wan_vsa_small(q, k, v, gate):
    grid, tile = (2, 6, 10), (4, 4, 4)
    _, _, _, vbs = ref.tile_indices(grid, tile)
    t = [ref.tile(x, grid, tile) for x in (q, k, v, gate)]
    o = ref.vsa(t[0], t[1], t[2], 64, 3, gate=t[3], q_block_sizes=vbs,
                kv_block_sizes=vbs, round_scores="f32")
    return [ref.untile(o, grid, tile)]


def hunyuan_sta_small(qi, ki, vi, qt, kt, vt):
    grid, tile = (4, 6, 8), (2, 2, 2)
    cat = [np.concatenate([ref.tile(a, grid, tile), b], axis=2)
           for a, b in ((qi, qt), (ki, kt), (vi, vt))]
    o = ref.sliding_tile(*cat, tile_grid=(2, 3, 4), tile=tile,
                         window=(3, 3, 3), text_length=12)
    return [ref.untile(o[:, :, :192], grid, tile), o[:, :, 192:]]


EXAMPLES = {
    "wan_vsa_small": wan_vsa_small,
    "hunyuan_sta_small": hunyuan_sta_small,
}


def arg_types(path):
    """Argument tensor types of @main, e.g. [((1,2,120,32), 'f32'), ...]."""
    text = open(path).read()
    sig = re.search(r"func\.func @main\((.*?)\)\s*->", text, re.S).group(1)
    out = []
    for dims, elt in re.findall(r"tensor<([0-9x]+)x(f32|f16|bf16|i32|i1)>", sig):
        out.append((tuple(int(d) for d in dims.split("x")), elt))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attn-run", default=os.path.join(HERE, "..", "build", "bin", "attn-run"))
    ap.add_argument("--only")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    print(f"examples: fresh random inputs, seed {seed}")
    failed = 0
    for name, fn in EXAMPLES.items():
        if a.only and name != a.only:
            continue
        path = os.path.join(HERE, name + ".mlir")
        with tempfile.TemporaryDirectory() as tmp:
            inputs, files = [], []
            for i, (shape, elt) in enumerate(arg_types(path)):
                x = rng.standard_normal(shape).astype(np.float32)
                inputs.append(x)
                files.append(os.path.join(tmp, f"in{i}.npy"))
                np.save(files[-1], x)
            expected = fn(*inputs)
            outs = [os.path.join(tmp, f"out{i}.npy") for i in range(len(expected))]
            p, got = run_attn_run([a.attn_run, path, "--print-timing"], files, outs)
            if got is None:
                print(f"{name:20s} FAILED to run:\n{p.stderr}")
                failed += 1
                continue
            timing = re.search(r"compile ([0-9.]+) s, run median ([0-9.]+) s", p.stderr)
            diff = max(float(np.abs(g - e).max()) for g, e in zip(got, expected))
            rel = max(ref.rel_err(g, e) for g, e in zip(got, expected))
            ok = rel < a.tol and all(np.isfinite(g).all() for g in got)
            failed += not ok
            shapes = ", ".join("x".join(map(str, s)) for s, _ in arg_types(path))
            print(f"{name:20s} in [{shapes}] -> "
                  f"[{', '.join('x'.join(map(str, g.shape)) for g in got)}]  "
                  f"compile {timing.group(1)} s  run {timing.group(2)} s  "
                  f"max|diff| {diff:.2e}  rel {rel:.2e}  {'OK' if ok else 'MISMATCH'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
