#!/usr/bin/env python3
"""attnrt on a real GPU under the conditions of issue 17: a soak of many
runs of one model artifact, runs on several streams and from several host
threads at once, and the faults that need a real device (a kernel image
for another chip, a truncated image). Each case prints PASS/FAIL with its
figures; the last line is "N passed, N failed".

  soak     N runs (default 10000) of the small VSA model on one stream, the
           same inputs: every output bit-identical to the first run's;
           device memory (cuMemGetInfo) and host memory (VmRSS) flat after
           the first 100 runs (no leak: attnrt allocates nothing in steady
           state).
  streams  the small STA and VSA models run on three torch streams at once,
           each on its own inputs, 20 rounds without synchronizing between
           streams: every stream's output equals its inputs' single-stream
           output (a scratch set shared between streams would mix them), and
           the artifact holds one scratch set per stream.
  threads  4 host threads, each with its own stream, 50 runs each of one
           artifact: outputs as single-threaded.
  chip     the artifact's plan.txt with `chip` changed to one this device is
           not: the run fails naming both (and launches nothing: the output
           stays poisoned); the original artifact still runs afterwards.
  truncated  the kernel image cut in half: attnrt_load fails naming the file.

usage: check_runtime.py LIBATTNRT ART_ROOT [--soak N]"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import threading

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
from attn_mlir.runtime import Runtime, RuntimeLibraryError  # noqa: E402

dev = "cuda"
torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
          "i32": torch.int32, "i64": torch.int64}


def inputs(h):
    """Fresh random inputs for artifact h (floats ~ N(0,1); integer
    arguments, which the small models do not have, would be zero)."""
    out = []
    for dt, shape in h.args:
        t = DTYPES[dt]
        out.append(torch.randn(shape, device=dev).to(t) if t.is_floating_point
                   else torch.zeros(shape, device=dev, dtype=t))
    return out


def outputs(h):
    return [torch.full(s, float("nan"), device=dev, dtype=DTYPES[dt]) for dt, s in h.results]


def rss_kib():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def same(a, b):
    return all(torch.equal(x.view(torch.uint8), y.view(torch.uint8)) for x, y in zip(a, b))


def case_soak(rt, root, n):
    h = rt.load(os.path.join(root, "wan_vsa_small"))
    args, first = inputs(h), outputs(h)
    rt.run(h, args, first)
    torch.cuda.synchronize()
    outs = outputs(h)
    run = rt.runner(h, args, outs)
    mem, rss, bad = [], [], 0
    for i in range(1, n + 1):
        run()
        if i % 1000 == 0 or i == 100 or i == n:
            torch.cuda.synchronize()
            bad += not same(outs, first)
            mem.append(torch.cuda.mem_get_info()[0])
            rss.append(rss_kib())
    # Outputs are compared at the samples (the run before each): comparing
    # after every run would time the comparison, not the runtime.
    dmem = mem[0] - min(mem)
    drss = max(rss) - rss[0]
    ok = bad == 0 and dmem == 0 and drss < 1024
    print(f"{'PASS' if ok else 'FAIL'} soak: {n} runs of wan_vsa_small "
          f"({h.num_launches()} launches each, {n * h.num_launches()} in all): "
          f"{bad} of {len(mem)} samples differ from the first run; device free memory "
          f"drop after run 100: {dmem} bytes; host RSS growth after run 100: {drss} KiB")
    h.free()
    return ok


def case_streams(rt, root):
    ok = True
    for name in ("hunyuan_sta_small", "wan_vsa_small"):
        h = rt.load(os.path.join(root, name))
        streams = [torch.cuda.Stream() for _ in range(3)]
        ins = [inputs(h) for _ in streams]
        want = []
        for a in ins:  # single-stream answers, one at a time on the current stream
            o = outputs(h)
            rt.run(h, a, o)
            torch.cuda.synchronize()
            want.append(o)
        got = [outputs(h) for _ in streams]
        torch.cuda.synchronize()
        runs = [rt.runner(h, a, o) for a, o in zip(ins, got)]
        for _ in range(20):
            for s, run in zip(streams, runs):
                with torch.cuda.stream(s):
                    run()
        torch.cuda.synchronize()
        good = sum(same(g, w) for g, w in zip(got, want))
        sets = h.scratch_sets()
        this = good == len(streams) and sets == len(streams) + 1
        print(f"{'PASS' if this else 'FAIL'} streams: {name} on {len(streams)} streams at once, "
              f"20 rounds: {good} of {len(streams)} outputs equal the single-stream run; "
              f"{sets} scratch sets (want {len(streams) + 1}: the streams and the default), "
              f"{h.scratch_bytes()} bytes each")
        ok &= this
        h.free()
    return ok


def case_threads(rt, root):
    h = rt.load(os.path.join(root, "hunyuan_sta_small"))
    n = 4
    ins = [inputs(h) for _ in range(n)]
    want = []
    for a in ins:
        o = outputs(h)
        rt.run(h, a, o)
        torch.cuda.synchronize()
        want.append(o)
    got = [outputs(h) for _ in range(n)]
    errors = []
    torch.cuda.synchronize()

    def work(i):
        try:
            s = torch.cuda.Stream()
            with torch.cuda.stream(s):
                run = rt.runner(h, ins[i], got[i])
                for _ in range(50):
                    run()
            s.synchronize()
        except Exception as e:  # reported below
            errors.append(f"thread {i}: {e}")

    ts = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    torch.cuda.synchronize()
    good = sum(same(g, w) for g, w in zip(got, want))
    ok = not errors and good == n
    print(f"{'PASS' if ok else 'FAIL'} threads: {n} host threads x 50 runs of hunyuan_sta_small, "
          f"a stream each: {good} of {n} outputs as single-threaded; errors: {errors or 'none'}")
    h.free()
    return ok


def copy_artifact(root, name, tmp):
    d = os.path.join(tmp, name)
    shutil.copytree(os.path.join(root, name), d)
    return d


def case_chip(rt, root, tmp):
    major, minor = torch.cuda.get_device_capability()
    other = "sm_100a" if major == 9 else "sm_90a"
    d = copy_artifact(root, "hunyuan_sta_small", tmp)
    plan = os.path.join(d, "plan.txt")
    with open(plan) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^chip \S+$", f"chip {other}", text)
    with open(plan, "w") as f:
        f.write(text)
    h = rt.load(d)
    a, o = inputs(h), outputs(h)
    msg = ""
    try:
        rt.run(h, a, o)
    except RuntimeLibraryError as e:
        msg = str(e)
    torch.cuda.synchronize()
    named = (f"artifact built for {other}" in msg and
             f"compute capability {major}.{minor}" in msg)
    untouched = all(torch.isnan(x.float()).all().item() for x in o)
    h.free()
    h = rt.load(os.path.join(root, "hunyuan_sta_small"))
    o2 = outputs(h)
    rt.run(h, a, o2)
    torch.cuda.synchronize()
    after = not any(torch.isnan(x.float()).any().item() for x in o2)
    h.free()
    ok = n == 1 and named and untouched and after
    print(f"{'PASS' if ok else 'FAIL'} chip: plan chip {other} on compute capability "
          f"{major}.{minor}: error {msg!r}; output untouched: {untouched}; "
          f"the real artifact runs afterwards: {after}")
    return ok


def case_truncated(rt, root, tmp):
    d = copy_artifact(root, "hunyuan_sta_small", os.path.join(tmp, "t"))
    images = sorted(f for f in os.listdir(d) if f.startswith("kernels."))
    sizes = []
    for name in images:  # every image the plan may name (ptx and cubin)
        path = os.path.join(d, name)
        sizes.append(os.path.getsize(path))
        with open(path, "r+b") as f:
            f.truncate(sizes[-1] // 2)
    msg = ""
    try:
        rt.load(d).free()
    except RuntimeLibraryError as e:
        msg = str(e)
    ok = any(n in msg for n in images) and "truncated or corrupt" in msg
    print(f"{'PASS' if ok else 'FAIL'} truncated: {', '.join(images)} cut to half "
          f"({sizes} bytes before): {msg!r}")
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("root")
    p.add_argument("--soak", type=int, default=10000)
    o = p.parse_args()
    rt = Runtime(o.lib)
    print(f"GPU: {torch.cuda.get_device_name()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in (lambda: case_soak(rt, o.root, o.soak), lambda: case_streams(rt, o.root),
                     lambda: case_threads(rt, o.root), lambda: case_chip(rt, o.root, tmp),
                     lambda: case_truncated(rt, o.root, tmp)):
            try:
                results.append(case())
            except Exception as e:  # a case that crashes is a failure, not the end
                print(f"FAIL {type(e).__name__}: {e}")
                results.append(False)
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")


if __name__ == "__main__":
    main()
