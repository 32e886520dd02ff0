#!/usr/bin/env python3
"""Per-kernel time of an artifact's plan on the GPU: where a whole layer's
time goes (issue 13 asks VSA's coarse stage + top-k to stay <= 10% of the
fine stage).

Runs each named artifact (from attn-compile) through attnrt on random bf16
inputs of its argument shapes, warms up, then records REPS runs with
torch.profiler (CUPTI sees the driver-API launches of attnrt like any other
kernel in the process) and prints, per kernel name, the mean time per run
and its share of the run's kernel time. The stage of a kernel comes from
plan.txt's launch order: in a plan with a top-k, every launch up to and
including the last `attn_block_topk` is the coarse stage; after it,
attention kernels are the fine stage and the rest (combines, gathers)
"other". A kernel the profiler did not see (a checked-mode launch) is
listed as such.

usage: gpu_layer_profile.py LIBATTNRT ART_ROOT NAME... [--reps N]"""
import argparse
import os
import sys
from collections import OrderedDict

import torch
from torch.profiler import ProfilerActivity, profile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from attn_mlir.runtime import Runtime  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
          "i32": torch.int32, "i64": torch.int64}


def plan_io(plan):
    """(args, results, launches) of plan.txt: shapes/dtypes and kernel names
    in launch order."""
    args, results, launches = [], [], []
    for line in open(plan):
        f = line.split()
        if not f:
            continue
        if f[0] in ("arg", "result"):
            shape = [int(s) for s in f[3].split(",")] if len(f) > 3 else []
            (args if f[0] == "arg" else results).append((DTYPES[f[2]], shape))
        elif f[0] in ("launch", "check"):
            launches.append(f[1])
    return args, results, launches


def stage_of(launches):
    """kernel name -> stage, from the launch order: for a plan with a top-k,
    everything up to and including it is the coarse stage."""
    stages = {}
    cut = max((i for i, n in enumerate(launches) if "topk" in n), default=-1)
    for i, n in enumerate(launches):
        if i <= cut:
            stages.setdefault(n, "coarse")
        elif "wgmma" in n or "flash" in n or "attn_sdpa" in n:
            stages.setdefault(n, "fine/attention")
        else:
            stages.setdefault(n, "other")
    return stages


def dev_time_us(e):
    for attr in ("self_device_time_total", "self_cuda_time_total"):
        if hasattr(e, attr):
            return getattr(e, attr)
    return 0.0


def profile_one(rt, root, name, reps):
    d = os.path.join(root, name)
    args, results, launches = plan_io(os.path.join(d, "plan.txt"))
    h = rt.load(d)
    g = torch.Generator(device="cuda")
    g.manual_seed(1)
    mk = lambda dt, s: (torch.randn(s, device="cuda", generator=g).to(dt) if dt.is_floating_point
                        else torch.zeros(s, device="cuda", dtype=dt))
    ins = [mk(dt, s) for dt, s in args]
    outs = [torch.empty(s, device="cuda", dtype=dt) for dt, s in results]
    run = rt.runner(h, ins, outs)
    for _ in range(10):
        run()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(reps):
            run()
        torch.cuda.synchronize()
    stages = stage_of(launches)
    per = OrderedDict()
    for e in prof.key_averages():
        t = dev_time_us(e)
        if t <= 0 or e.key not in stages:
            continue
        per[e.key] = (t / reps, e.count / reps)
    total = sum(t for t, _ in per.values())
    print(f"\n{name}: {len(launches)} launches per run, kernel time {total / 1e3:.3f} ms per run "
          f"(mean of {reps} runs under the profiler)")
    print(f"  {'kernel':72s} {'stage':15s} {'us/run':>9s} {'calls':>6s} {'share':>6s}")
    by_stage = OrderedDict()
    for n in OrderedDict.fromkeys(launches):
        if n not in per:
            print(f"  {n[:72]:72s} (not seen by the profiler)")
            continue
        t, c = per[n]
        by_stage[stages[n]] = by_stage.get(stages[n], 0.0) + t
        print(f"  {n[:72]:72s} {stages[n]:15s} {t:9.1f} {c:6.1f} {100 * t / total:5.1f}%")
    for s, t in by_stage.items():
        print(f"  stage {s:15s} {t:9.1f} us/run  {100 * t / total:5.1f}%")
    if "coarse" in by_stage and "fine/attention" in by_stage:
        r = by_stage["coarse"] / by_stage["fine/attention"]
        print(f"  coarse stage + top-k = {100 * r:.1f}% of the fine stage (issue 13 target <= 10%)")
    return per


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("root")
    p.add_argument("names", nargs="+")
    p.add_argument("--reps", type=int, default=20)
    a = p.parse_args()
    rt = Runtime(a.lib)
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    for n in a.names:
        profile_one(rt, a.root, n, a.reps)
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
