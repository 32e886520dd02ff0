#!/usr/bin/env python3
"""The model examples end to end on a GPU: each artifact compiled by
attn-compile from examples/<name>.mlir runs through the attnrt runtime
(ctypes, torch tensors, torch's current stream) and is compared with the
independent torch references of model_ref.py on fresh random inputs.

For every model: outputs are poisoned (NaN) before each run and every
element must be written; the whole-output and the worst row's relative
error (test/reference/errcheck.py) below 1e-2 for bf16/f16, 1e-4 for f32; a
run in checked mode gives the same bits; re-running the first inputs after
other inputs gives the same bits (scratch contents at the start of a run do
not matter).

VSA inputs are random with a planted block structure: each head has a few
random directions, each with a random set of exactly topk "hot" kv tiles,
and every query tile leans towards one direction. The coarse top-k then has
a wide margin at its threshold, so the selection does not depend on how a
kernel rounds the block means (on plain Gaussian inputs at the Wan shape,
rounding the means to bf16 changes the selection of ~14% of the rows; the
margin is printed and checked).

usage: check_models.py LIBATTNRT ART_ROOT [--models a,b,...] [--quick] [--trials N]
  ART_ROOT/<name> for name in wan_vsa_small, hunyuan_sta_small, wan_vsa_1.3b,
  hunyuan_sta_720p (examples/), sta_raster_text, vsa_raster and
  vsa_raster_nogate (test/GPU/Inputs/: STA with a partial text tile and text
  length < text rows; VSA with partial tiles, with and without a gate; all
  folded into the raster-tile kernel on sm_90a) (default: all; a missing
  artifact is reported as skipped).
  --quick: the small models and the raster test models only, one trial
  (for compute-sanitizer)."""
import argparse
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(1, os.path.join(ROOT, "test", "reference"))
import errcheck  # noqa: E402
import model_ref  # noqa: E402
from attn_mlir.runtime import DTYPES, Runtime  # noqa: E402

MODELS = ["wan_vsa_small", "hunyuan_sta_small", "wan_vsa_1.3b", "hunyuan_sta_720p",
          "sta_raster_text", "vsa_raster", "vsa_raster_nogate"]
dev = "cuda"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def vsa_inputs(cfg, shape, dtype, gen):
    """Raster q, k, v (and gate) with the planted block structure."""
    B, H, S, D = shape
    slot, vbs, N, P = model_ref.tile_map(cfg["grid"], cfg["tile"], dev)
    K = min(cfg["topk"], N)
    dirs = 4
    u = torch.randint(0, 2, (B, H, dirs, D), device=dev, generator=gen).float() * 2 - 1
    hot = torch.zeros(B, H, dirs, N, device=dev)
    for b in range(B):
        for h in range(H):
            for d in range(dirs):
                hot[b, h, d, torch.randperm(N, device=dev, generator=gen)[:K]] = 1.0
    pick = torch.randint(0, dirs, (B, H, N), device=dev, generator=gen)
    qdir = torch.gather(u, 2, pick[..., None].expand(B, H, N, D))               # [B,H,N,D]
    kdir = torch.einsum("bhdn,bhdk->bhnk", hot, u)                              # [B,H,N,D]
    noise = lambda: torch.randn(B, H, N * P, D, device=dev, generator=gen)
    qt = (0.5 * qdir.repeat_interleave(P, 2) + noise())
    kt = (0.5 * kdir.repeat_interleave(P, 2) + noise())
    vt = noise()
    r = lambda x: model_ref.untile(x, slot).to(dtype).contiguous()
    ins = [r(qt), r(kt), r(vt)]
    if cfg["gate"]:
        ins.append(torch.randn(shape, device=dev, generator=gen).to(dtype))
    return ins


def sta_inputs(args, dtype, gen):
    return [torch.randn(s, device=dev, generator=gen).to(dtype) for _, s in args]


def reference(cfg, ins, dtype):
    """[reference outputs], and for VSA the selection margin."""
    if cfg["kind"] == "vsa":
        gate = ins[3] if cfg["gate"] else None
        out, idx, margin = model_ref.vsa_model(cfg, *ins[:3], gate)
        if dtype != torch.float32:
            # The selection must not depend on the precision of the means.
            _, idx2, _ = model_ref.vsa_model(cfg, *ins[:3], gate, means_dtype=dtype)
            if not torch.equal(idx, idx2):
                raise AssertionError("planted selection is ambiguous under rounding "
                                     f"({(idx != idx2).any(-1).sum().item()} rows differ)")
        return [out], margin.min().item()
    oi, ot = model_ref.sta_model(cfg, *ins)
    return [oi, ot], None


def check_model(rt, name, art, trials):
    """Returns (passed, failed)."""
    path = os.path.join(ROOT, "examples", name + ".mlir")
    if not os.path.exists(path):  # GPU-only check models
        path = os.path.join(ROOT, "test", "GPU", "Inputs", name + ".mlir")
    cfg = model_ref.parse_model(path)
    h = rt.load(art)
    args, results = rt.signature(h)
    dtype = DTYPES[args[0][0]]
    tol = errcheck.TOL["f32" if dtype == torch.float32 else "bf16"]
    n_args = (4 if cfg["gate"] else 3) if cfg["kind"] == "vsa" else 6
    n_res = 1 if cfg["kind"] == "vsa" else 2
    if len(args) != n_args or len(results) != n_res:
        print(f"FAIL {name}: artifact takes {len(args)} args / {len(results)} results, "
              f"the example {n_args} / {n_res}")
        return 0, 1
    gen = torch.Generator(device=dev)
    gen.manual_seed(int.from_bytes(os.urandom(4), "little"))
    extra = ""
    if rt.v2:
        extra = f", scratch {rt.scratch_bytes(h) / 2**20:.1f} MiB"
    print(f"  {name}: {cfg['kind']} {args[0][0]} args {[s for _, s in args]}{extra}", flush=True)
    passed = failed = 0

    def poisoned():
        return [torch.full(s, float("nan"), device=dev, dtype=DTYPES[dt]) for dt, s in results]

    first = None
    for trial in range(trials):
        ins = (vsa_inputs(cfg, args[0][1], dtype, gen) if cfg["kind"] == "vsa"
               else sta_inputs(args, dtype, gen))
        outs = poisoned()
        try:
            rt.run(h, ins, outs)
            torch.cuda.synchronize()
        except RuntimeError as e:
            print(f"FAIL {name} trial {trial}: {e}", flush=True)
            failed += 1
            continue
        if first is None:
            first = (ins, [o.clone() for o in outs])
        refs, margin = reference(cfg, ins, dtype)
        ok, parts = True, []
        for i, (o, r) in enumerate(zip(outs, refs)):
            unwritten = torch.isnan(o).sum().item()
            good, msg = errcheck.check(o, r, tol)
            ok &= unwritten == 0 and good
            parts.append(f"result {i}: {msg}, unwritten {unwritten}")
        if margin is not None:
            parts.append(f"top-k margin {margin:.3f}")
        print(f"{'PASS' if ok else 'FAIL'} {name} trial {trial}: " + "; ".join(parts), flush=True)
        passed += ok
        failed += not ok
        del refs
    if first is None:
        return passed, failed
    # The first inputs again, after other runs: same bits; then checked mode.
    ins, want = first
    for mode in ("rerun", "checked") if rt.v2 else ("rerun",):
        outs = poisoned()
        try:
            if mode == "checked":
                rt.set_checked(h, 1)
            rt.run(h, ins, outs)
            torch.cuda.synchronize()
            same = all(torch.equal(o.view(torch.uint8), w.view(torch.uint8))
                       for o, w in zip(outs, want))
            note = f" ({rt.num_launches(h)} launches)" if mode == "checked" else ""
            print(f"{'PASS' if same else 'FAIL'} {name} {mode}: identical bits {same}{note}",
                  flush=True)
        except RuntimeError as e:
            same = False
            print(f"FAIL {name} {mode}: {e}", flush=True)
        passed += same
        failed += not same
    rt.set_checked(h, 0) if rt.v2 else None
    rt.free(h)
    return passed, failed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("root")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--trials", type=int, default=2)
    a = p.parse_args()
    rt = Runtime(a.lib)
    models = [m for m in a.models.split(",") if m]
    trials = a.trials
    if a.quick:
        models = [m for m in models
                  if m.endswith("_small") or m.startswith(("sta_raster", "vsa_raster"))]
        trials = 1
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    passed = failed = skipped = 0
    for name in models:
        art = os.path.join(a.root, name)
        if not os.path.isfile(os.path.join(art, "plan.txt")):
            print(f"SKIP {name}: no artifact at {art} (attn-compile examples/{name}.mlir -o {art})")
            skipped += 1
            continue
        try:
            p_, f_ = check_model(rt, name, art, trials)
        except (RuntimeError, AssertionError, ValueError) as e:
            print(f"FAIL {name}: {e}", flush=True)
            p_, f_ = 0, 1
        passed += p_
        failed += f_
        torch.cuda.empty_cache()
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
