#!/usr/bin/env python3
"""One artifact for every grid against the per-grid one (issue 14, item 5):
the Wan 1.3B VSA layer compiled statically (examples/wan_vsa_1.3b.mlir: grid
21x30x52, topk 63 folded into the plan) and the shape-polymorphic layer
(test/Compile/Inputs/dynamic_grid_vsa.mlir: batch, length, grid and topk at
run time) run on the same bf16 inputs, in the same process, alternating
rounds so that clock drift hits both alike. Each round times REPS runs with
CUDA events (host launch included: the dynamic plan's expressions are
evaluated once per new shapes and cached, so they are not in the loop) and
the median round is reported, with the dynamic / static ratio and the
largest output difference between the two (the kernels are the same, so it
is 0 unless the launches differ).

usage: gpu_dynamic_bench.py LIBATTNRT STATIC_DIR DYNAMIC_DIR [--rounds N] [--reps N]"""
import argparse
import os
import statistics
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from attn_mlir.runtime import Artifact  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib")
    ap.add_argument("static_dir")
    ap.add_argument("dynamic_dir")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    T, H, W, topk = 21, 30, 52, 63
    shape = (1, 12, T * H * W, 128)
    torch.manual_seed(0)
    ins = [torch.randn(shape, device="cuda", dtype=torch.bfloat16) for _ in range(4)]
    st, dy = Artifact(a.static_dir, a.lib), Artifact(a.dynamic_dir, a.lib)
    outs = {n: torch.empty(shape, device="cuda", dtype=torch.bfloat16) for n in ("static", "dynamic")}
    stream = torch.cuda.current_stream().cuda_stream
    dyn_shapes = [x.shape for x in ins] + [(T,), (H,), (W,), (topk,)]
    runs = {
        "static": st.bind([x.data_ptr() for x in ins], [outs["static"].data_ptr()]),
        "dynamic": dy.bind([x.data_ptr() for x in ins] + [0, 0, 0, 0],
                           [outs["dynamic"].data_ptr()], dyn_shapes),
    }
    for r in runs.values():
        for _ in range(3):
            r(stream)
    torch.cuda.synchronize()
    ms = {n: [] for n in runs}
    for _ in range(a.rounds):
        for n, r in runs.items():
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(a.reps):
                r(stream)
            e1.record()
            torch.cuda.synchronize()
            ms[n].append(e0.elapsed_time(e1) / a.reps)
    diff = (outs["static"].float() - outs["dynamic"].float()).abs().max().item()
    s, d = statistics.median(ms["static"]), statistics.median(ms["dynamic"])
    print(f"device: {torch.cuda.get_device_name()}")
    print(f"Wan 1.3B VSA layer (B1 H12 grid {T}x{H}x{W} D128 bf16, topk {topk}), "
          f"median of {a.rounds} rounds x {a.reps} runs:")
    print(f"  static artifact  {s:.3f} ms   (rounds {', '.join(f'{x:.3f}' for x in ms['static'])})")
    print(f"  dynamic artifact {d:.3f} ms   (rounds {', '.join(f'{x:.3f}' for x in ms['dynamic'])})")
    print(f"  dynamic / static = {d / s:.3f} (target <= 1.03); max |static - dynamic| = {diff:g}")


if __name__ == "__main__":
    main()
