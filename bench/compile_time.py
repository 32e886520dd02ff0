#!/usr/bin/env python3
"""Compile time of every example module to a GPU artifact, on one core.

Runs `attn-compile` (parse, attn-optimize, launch planning, kernel emission,
NVVM -> PTX, ptxas to cubin, tables and plan written) pinned to CPU 0 with
`taskset`, several times per module and chip, and prints the median wall
time against the 2 s target (PERF.md / issue 5). The kernel-only share
without ptxas is shown too (--ptxas '').

usage: bench/compile_time.py [--build build] [--reps 5]"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["wan_vsa_small", "hunyuan_sta_small", "model_vsa_steps", "wan_vsa_1.3b",
          "hunyuan_sta_720p"]
TARGET_S = 2.0


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "attn-compile")
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    print(f"attn-compile, one core ({'taskset -c 0' if pin else 'not pinned: no taskset'}), "
          f"median of {a.reps}; target < {TARGET_S:.1f} s per module")
    print(f"{'module':20s} {'chip':7s} {'total s':>8s} {'no ptxas s':>10s} {'x target':>9s}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for m in MODELS:
            src = os.path.join(ROOT, "examples", m + ".mlir")
            for chip in ("sm_90a", "sm_80"):
                out = os.path.join(tmp, f"{m}.{chip}")
                base = pin + [tool, src, "-o", out, "--chip", chip]
                full = statistics.median(timed(base) for _ in range(a.reps))
                bare = statistics.median(timed(base + ["--ptxas", ""]) for _ in range(a.reps))
                worst = max(worst, full)
                print(f"{m:20s} {chip:7s} {full:8.3f} {bare:10.3f} {full / TARGET_S:9.2f}")
    print(f"slowest: {worst:.3f} s ({'meets' if worst < TARGET_S else 'MISSES'} the {TARGET_S:.0f} s target)")


if __name__ == "__main__":
    main()
