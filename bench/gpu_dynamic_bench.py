#!/usr/bin/env python3
"""One artifact for every grid or prompt length against the per-shape one
(issue 14, item 5), on the same bf16 inputs in the same process, alternating
rounds so that clock drift hits both alike:
- the Wan 1.3B VSA layer compiled statically (examples/wan_vsa_1.3b.mlir:
  grid 21x30x52, topk 63 folded into the plan) against the shape-polymorphic
  layer (test/Compile/Inputs/dynamic_grid_vsa.mlir: batch, length, grid and
  topk at run time);
- the Hunyuan 720p STA layer (examples/hunyuan_sta_720p.mlir, text_length
  256) against bench/inputs/hunyuan_sta_720p_text_length_operand.mlir (the
  text length a size argument). Each round times REPS runs with
CUDA events (host launch included: the dynamic plan's expressions are
evaluated once per new shapes and cached, so they are not in the loop) and
the median round is reported, with the dynamic / static ratio and the
largest output difference between the two (the kernels are the same, so it
is 0 unless the launches differ).

usage: gpu_dynamic_bench.py LIBATTNRT ART_ROOT [--rounds N] [--reps N]
  (ART_ROOT/wan_vsa_1.3b, dynamic_grid_vsa, hunyuan_sta_720p and hunyuan_dyn:
  attn-compile of the four modules above; with hunyuan_one_tensor and
  hunyuan_one_tensor_slabs, attn-compile of
  bench/inputs/hunyuan_sta_720p_one_tensor.mlir without and with
  --fold-slabs, those two as well; with hunyuan_sta_720p_lf, attn-compile
  --long-first of examples/hunyuan_sta_720p.mlir, that against the default)"""
import argparse
import os
import statistics
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from attn_mlir.runtime import Artifact  # noqa: E402


def compare(lib, title, static_dir, dynamic_dir, ins, out_shapes, sizes, rounds, reps,
            names=("static", "dynamic"), target=1.03):
    """Times the two artifacts on the same inputs, alternating rounds. The
    second takes ``sizes`` as size arguments after the inputs."""
    st, dy = Artifact(static_dir, lib), Artifact(dynamic_dir, lib)
    outs = {n: [torch.empty(sh, device="cuda", dtype=torch.bfloat16) for sh in out_shapes]
            for n in ("static", "dynamic")}
    stream = torch.cuda.current_stream().cuda_stream
    ptrs = [x.data_ptr() for x in ins]
    runs = {
        "static": st.bind(ptrs, [o.data_ptr() for o in outs["static"]]),
        "dynamic": dy.bind(ptrs + [0] * len(sizes), [o.data_ptr() for o in outs["dynamic"]],
                           [x.shape for x in ins] + [(v,) for v in sizes] if sizes else None),
    }
    for r in runs.values():
        for _ in range(3):
            r(stream)
    torch.cuda.synchronize()
    ms = {n: [] for n in runs}
    for _ in range(rounds):
        for n, r in runs.items():
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(reps):
                r(stream)
            e1.record()
            torch.cuda.synchronize()
            ms[n].append(e0.elapsed_time(e1) / reps)
    diff = max((a.float() - b.float()).abs().max().item()
               for a, b in zip(outs["static"], outs["dynamic"]))
    s, d = statistics.median(ms["static"]), statistics.median(ms["dynamic"])
    a, b = names
    print(f"{title}, median of {rounds} rounds x {reps} runs:")
    print(f"  {a:>8} artifact {s:.3f} ms   (rounds {', '.join(f'{x:.3f}' for x in ms['static'])})")
    print(f"  {b:>8} artifact {d:.3f} ms   (rounds {', '.join(f'{x:.3f}' for x in ms['dynamic'])})")
    print(f"  {b} / {a} = {d / s:.3f} (target <= {target}); max |{a} - {b}| = {diff:g}")
    st.free()
    dy.free()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib")
    ap.add_argument("art_root")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    print(f"device: {torch.cuda.get_device_name()}")
    torch.manual_seed(0)
    T, H, W, topk = 21, 30, 52, 63
    shape = (1, 12, T * H * W, 128)
    ins = [torch.randn(shape, device="cuda", dtype=torch.bfloat16) for _ in range(4)]
    compare(a.lib, f"Wan 1.3B VSA layer (B1 H12 grid {T}x{H}x{W} D128 bf16, topk {topk})",
            os.path.join(a.art_root, "wan_vsa_1.3b"), os.path.join(a.art_root, "dynamic_grid_vsa"),
            ins, [shape], [T, H, W, topk], a.rounds, a.reps)
    del ins
    img, txt = (1, 24, 115200, 128), (1, 24, 256, 128)
    ins = [torch.randn(sh, device="cuda", dtype=torch.bfloat16) for sh in [img] * 3 + [txt] * 3]
    compare(a.lib, "Hunyuan 720p STA layer (B1 H24 grid 30x48x80 + 256 text, D128 bf16, "
            "text_length 256)", os.path.join(a.art_root, "hunyuan_sta_720p"),
            os.path.join(a.art_root, "hunyuan_dyn"), ins, [img, txt], [256], a.rounds, a.reps)
    # The STA kernel with the text query blocks first (attn-compile
    # --long-first), same inputs.
    lf = os.path.join(a.art_root, "hunyuan_sta_720p_lf")
    if os.path.isdir(lf):
        compare(a.lib, "Hunyuan 720p STA layer, text query blocks first",
                os.path.join(a.art_root, "hunyuan_sta_720p"), lf, ins, [img, txt], [],
                a.rounds, a.reps, names=("default", "long-first"), target=1.0)
    del ins
    # Python's STA layout (issue 13): one tensor each for q, k, v and the
    # output; gathers into tiled copies against the slab-map fold.
    slabs = os.path.join(a.art_root, "hunyuan_one_tensor_slabs")
    if os.path.isdir(slabs):
        full = (1, 24, 115456, 128)
        ins = [torch.randn(full, device="cuda", dtype=torch.bfloat16) for _ in range(3)]
        compare(a.lib, "Hunyuan 720p STA as Python builds it (one tensor each, "
                "bench/inputs/hunyuan_sta_720p_one_tensor.mlir)",
                os.path.join(a.art_root, "hunyuan_one_tensor"), slabs, ins, [full], [],
                a.rounds, a.reps, names=("gathers", "slabs"), target=1.0)


if __name__ == "__main__":
    main()
