#!/usr/bin/env python3
"""A small DiT-like denoising loop with attn-mlir's attention backends.

Runs the same model (several layers, several steps) three times from the same
noise: with dense attention (torch_sdpa), with Video Sparse Attention
(video_sparse_attn, gated coarse branch as in Wan2.1-VSA) and with Sliding
Tile Attention (sliding_tile_attn, per-(step, layer, head) windows from a mask
strategy file, text tokens appended, skip_time_steps dense warm-up steps), and
prints how far each sparse run is from the dense one.

The weights are random, so attention is diffuse and the sparse backends'
errors are large: the point is the loop (one compile per distinct module,
per-step/layer/head windows, dense warm-up steps), not a quality claim.

On a CUDA GPU the tensors are bf16 on the device and attention runs through
attn-compile artifacts and libattnrt.so; without one (or when the GPU compiler
does not take a module yet) it runs small shapes on the CPU path (torch CPU
tensors through NumPy, or plain NumPy arrays when torch is not installed).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/dit_loop.py [--cpu] [--check]

--check (scripts/gpu-check.sh uses it) also checks the numbers and exits 1
when one is off: every attention call ran and gave finite outputs, and STA's
dense warm-up steps (the full window, exactly dense attention over the image
and the valid text) match the dense backend on the same q/k/v within the
project's bf16 bound (test/reference/errcheck.py: whole-output and worst-row
relative error < 1e-2; f32 on the CPU path: 1e-4).
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# PYTHONPATH wins; ./build/python is the fallback.
sys.path.append(os.path.join(HERE, "..", "..", "build", "python"))

import attn_mlir as am  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


class Shapes:
    def __init__(self, gpu):
        if gpu:
            self.grid, self.heads, self.head_dim = (8, 16, 16), 4, 64
            self.sta_tile, self.text, self.text_valid = (4, 4, 4), 64, 50
        else:
            self.grid, self.heads, self.head_dim = (2, 8, 8), 2, 16
            self.sta_tile, self.text, self.text_valid = (1, 4, 4), 8, 6
        self.layers, self.steps, self.skip = 3, 4, 1
        self.tokens = self.grid[0] * self.grid[1] * self.grid[2]
        self.dim = self.heads * self.head_dim
        self.tile_grid = [self.grid[i] // self.sta_tile[i] for i in range(3)]


# ---- array helpers: the same model on torch tensors or NumPy arrays -------

class Ops:
    def __init__(self, device, dtype):
        self.torch = torch is not None
        self.device, self.dtype = device, dtype

    def randn(self, shape, seed, scale=1.0):
        a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * scale
        if self.torch:
            return torch.from_numpy(a).to(self.device, self.dtype)
        return a

    def heads(self, x, h):  # [B, S, H*D] -> [B, H, S, D]
        b, s, hd = x.shape
        x = x.reshape(b, s, h, hd // h)
        return x.permute(0, 2, 1, 3).contiguous() if self.torch else \
            np.ascontiguousarray(x.transpose(0, 2, 1, 3))

    def merge(self, x):  # [B, H, S, D] -> [B, S, H*D]
        b, h, s, d = x.shape
        x = x.permute(0, 2, 1, 3) if self.torch else x.transpose(0, 2, 1, 3)
        return x.reshape(b, s, h * d)

    def norm(self, x):
        if self.torch:
            xf = x.float()
            return ((xf - xf.mean(-1, keepdim=True)) /
                    (xf.var(-1, keepdim=True, unbiased=False) + 1e-6).sqrt()).to(x.dtype)
        return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-6)

    def gelu(self, x):
        if self.torch:
            return torch.nn.functional.gelu(x)
        return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))

    def cat(self, a, b):
        return torch.cat([a, b], 1) if self.torch else np.concatenate([a, b], 1)

    def rel(self, a, b):
        if self.torch:
            a, b = a.float(), b.float()
            return float((a - b).norm() / b.norm())
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))


class TinyDiT:
    def __init__(self, sh, ops):
        self.sh, self.ops = sh, ops
        d = sh.dim
        self.layers = []
        for l in range(sh.layers):
            s = 1.0 / math.sqrt(d)
            self.layers.append({
                "qkv": ops.randn((d, 3 * d), 100 + l, s), "o": ops.randn((d, d), 200 + l, s),
                # The VSA gate projection, near zero as at the start of VSA fine-tuning.
                "gate": ops.randn((d, d), 300 + l, 0.02 * s),
                "up": ops.randn((d, 2 * d), 400 + l, s), "down": ops.randn((2 * d, d), 500 + l, s),
            })
        self.text = ops.randn((1, sh.text, d), 7)

    def attention(self, backend, x, step, layer, w, use_text, dense=None, record=None):
        sh, ops = self.sh, self.ops
        h = ops.norm(x)
        if use_text:
            h = ops.cat(h, self.text)
        q, k, v = (ops.heads(t, sh.heads) for t in
                   (h @ w["qkv"][:, :sh.dim], h @ w["qkv"][:, sh.dim:2 * sh.dim],
                    h @ w["qkv"][:, 2 * sh.dim:]))
        kw = dict(step=step, layer=layer, grid=sh.grid)
        if use_text:
            kw["text_length"] = sh.text_valid
        elif backend.name == "video_sparse_attn":
            kw["gate"] = ops.heads(h @ w["gate"], sh.heads)
        o = backend.forward(q, k, v, **kw)
        if dense is not None:  # dense attention on the same q, k, v
            kw.pop("gate", None)
            record.append((o, dense.forward(q, k, v, **kw)))
        o = ops.merge(o)
        if use_text:
            o = o[:, :sh.tokens]
        return o @ w["o"]

    def run(self, backend, x, use_text, dense=None, record=None):
        ops = self.ops
        for step in range(self.sh.steps):
            for layer, w in enumerate(self.layers):
                x = x + self.attention(backend, x, step, layer, w, use_text, dense, record)
                x = x + ops.gelu(ops.norm(x) @ w["up"]) @ w["down"]
            x = ops.norm(x)
        return x


def write_mask_strategy(sh, path):
    """Per-(step, layer, head) windows; steps < skip are full (as FastVideo bakes them)."""
    full = sh.tile_grid
    choices = [[1, 1, 1], [1, min(3, full[1]), min(3, full[2])], [full[0], 1, full[2]]]
    wins = {}
    for t in range(sh.steps):
        for l in range(sh.layers):
            for h in range(sh.heads):
                wins[f"{t}_{l}_{h}"] = full if t < sh.skip else choices[(t + l + h) % 3]
    with open(path, "w") as f:
        json.dump(wins, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpu", action="store_true", help="use the CPU path even with a GPU")
    ap.add_argument("--sparsity", type=float, default=0.5)
    ap.add_argument("--check", action="store_true",
                    help="check the numbers (finite, STA's dense warm-up steps vs dense); "
                         "exit 1 when one is off")
    ap.add_argument("--precompile", action="store_true",
                    help="where the compiler is: run the GPU shapes on torch 'meta' tensors "
                         "to compile every module into the disk cache (for a GPU machine "
                         "without LLVM/MLIR)")
    args = ap.parse_args()
    if args.precompile:
        with am.precompile_for("sm_90a"):
            run(True, args.sparsity, meta=True)
        return 0
    gpu = not args.cpu and torch is not None and torch.cuda.is_available()
    for attempt in ("gpu", "cpu") if gpu else ("cpu",):
        try:
            problems = run(attempt == "gpu", args.sparsity, check=args.check)
            if args.check:
                print("\nDiT loop check: " + ("PASS" if not problems else
                                             "FAIL: " + "; ".join(problems)))
                return 1 if problems else 0
            return 0
        except am.CompileError as e:
            if attempt == "cpu":
                raise
            first = str(e).strip().splitlines()
            print(f"GPU compile not available for this module yet ({first[-1][:160]});\n"
                  "running the small shapes on the CPU path instead\n")
    return 0


def check_numbers(name, sh, rec, errs, ops, gpu):
    """The --check problems of one backend's run (empty: all good)."""
    problems = []
    calls = sh.steps * sh.layers
    if len(rec) != calls:
        problems.append(f"{name}: {len(rec)} attention calls, expected {calls}")
    bad = [i for i, e in enumerate(errs) if not math.isfinite(e)]
    if bad:
        problems.append(f"{name}: non-finite output or error at calls {bad[:5]}")
    if name == "sliding_tile_attn":
        sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
        import errcheck
        tol = errcheck.TOL["bf16" if gpu else "f32"]
        for i, (a, b) in enumerate(rec[:sh.skip * sh.layers]):
            ok, msg = errcheck.check(a, b, tol, name=f"step {i // sh.layers} layer "
                                                      f"{i % sh.layers}")
            print(f"  dense warm-up vs dense: {msg}")
            if not ok:
                problems.append(f"{name} warm-up {msg}")
    return problems


def run(gpu, sparsity, meta=False, check=False):
    sh = Shapes(gpu)
    ops = Ops("meta" if meta else "cuda" if gpu else "cpu", torch.bfloat16 if gpu else None) \
        if torch is not None else Ops(None, None)
    if ops.torch and not gpu:
        ops.dtype = torch.float32
    where = ("GPU, bf16 torch tensors" if gpu else
             "CPU, float32 torch tensors via NumPy" if ops.torch else "CPU, NumPy arrays")
    print(f"DiT loop on {where}: grid {list(sh.grid)} ({sh.tokens} tokens), {sh.heads} heads x "
          f"{sh.head_dim}, {sh.layers} layers, {sh.steps} steps")
    model = TinyDiT(sh, ops)
    x0 = ops.randn((1, sh.tokens, sh.dim), 1)

    tmp = tempfile.mkdtemp(prefix="dit_loop-")
    mask_path = os.path.join(tmp, "mask_strategy.json")
    write_mask_strategy(sh, mask_path)
    dense = am.get_attention_backend("torch_sdpa")
    vsa = am.get_attention_backend("video_sparse_attn", f"sparsity={sparsity}")
    sta = am.get_attention_backend(
        "sliding_tile_attn", f"mask_strategy_file_path={mask_path},skip_time_steps={sh.skip}",
        tile=sh.sta_tile, num_steps=sh.steps, num_layers=sh.layers, num_heads=sh.heads)
    print(f"  VSA topk {am.vsa_topk(sh.grid, sparsity)} of "
          f"{am.vsa_topk(sh.grid, 0.0)} tiles; STA tile {list(sh.sta_tile)}, tile grid "
          f"{sh.tile_grid}, {sh.text} text tokens ({sh.text_valid} valid), "
          f"dense warm-up steps: {sh.skip}")

    problems = []
    for name, backend, use_text in (("video_sparse_attn", vsa, False),
                                    ("sliding_tile_attn", sta, True)):
        rec = []
        am.reset_stats()
        t0 = time.time()
        out = model.run(backend, x0, use_text, dense, rec)
        t1 = time.time()
        st = am.stats()
        if meta:
            print(f"\n{name}: precompiled for sm_90a ({len(rec)} attention calls, "
                  f"{st['compiles']} compile(s), {st['disk_hits']} already on disk)")
            continue
        ref = model.run(dense, x0, use_text)
        errs = [ops.rel(a, b) for a, b in rec]
        per_step = [max(errs[s * sh.layers:(s + 1) * sh.layers]) for s in range(sh.steps)]
        print(f"\n{name}: {len(rec)} attention calls in {t1 - t0:.2f} s (with the dense ones beside them), "
              f"{st['compiles']} compile(s), {st['memory_hits']} in-memory cache hits, "
              f"{st['disk_hits']} disk cache hits")
        print("  max relative error of an attention output vs dense on the same q/k/v, "
              "per step: " +
              ", ".join(f"{e:.3g}" for e in per_step))
        final = ops.rel(out, ref)
        print(f"  relative error of the final latent vs the dense model's: {final:.3g}")
        if check:
            problems += check_numbers(name, sh, rec, errs + [final], ops, gpu)
    return problems


if __name__ == "__main__":
    sys.exit(main())
