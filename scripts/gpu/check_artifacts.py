#!/usr/bin/env python3
"""End to end on a GPU: artifacts from attn-compile, run by the attnrt
runtime (ctypes) on torch tensors and torch's current stream, compared with
references on fresh random inputs (test/reference/errcheck.py: whole-output
and worst-row relative error < 1e-2); outputs poisoned (NaN) before each run.

usage: check_artifacts.py LIBATTNRT ARTIFACT_ROOT
ARTIFACT_ROOT/<case>/ for the cases below (made by scripts/gpu/make_artifacts.sh)."""
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import attn_ref  # noqa: E402
import errcheck  # noqa: E402
from attn_mlir.runtime import Runtime  # noqa: E402
from check_flash import reference as block_reference  # noqa: E402

dev = "cuda"
torch.manual_seed(int.from_bytes(os.urandom(4), "little"))


def case_block_sparse(rt, d):
    h = rt.load(d)
    (args, results) = rt.signature(h)
    (_, qs), (_, ks), _, (_, ids), _, (_, vs) = args
    B, Hq, S, D = qs
    nq, K = ids[2], ids[3]
    nkv = vs[0]
    q = torch.randn(qs, device=dev, dtype=torch.bfloat16)
    k = torch.randn(ks, device=dev, dtype=torch.bfloat16)
    v = torch.randn(ks, device=dev, dtype=torch.bfloat16)
    idx = torch.stack([torch.randperm(nkv, device=dev)[:K] for _ in range(B * Hq * nq)])
    idx = idx.reshape(B, Hq, nq, K).to(torch.int32).contiguous()
    cnt = torch.randint(0, K + 1, (B, Hq, nq), device=dev, dtype=torch.int32)
    vbs = torch.randint(0, 65, (nkv,), device=dev, dtype=torch.int32)
    out = torch.full(results[0][1], float("nan"), device=dev, dtype=torch.bfloat16)
    rt.run(h, [q, k, v, idx, cnt, vbs], [out])
    torch.cuda.synchronize()
    ref = block_reference(q, k, v, idx, cnt, vbs, 64, 64, 1 / math.sqrt(D), True, True)
    return out, ref


def case_sta(rt, d):
    h = rt.load(d)
    (args, results) = rt.signature(h)
    shape = args[0][1]
    q, k, v = (torch.randn(shape, device=dev, dtype=torch.bfloat16) for _ in range(3))
    out = torch.full(results[0][1], float("nan"), device=dev, dtype=torch.bfloat16)
    rt.run(h, [q, k, v], [out])
    torch.cuda.synchronize()
    f = lambda t: t.float().cpu().numpy()
    ref = attn_ref.sliding_tile(f(q), f(k), f(v), tile_grid=(2, 2, 2), tile=(6, 8, 8),
                                window=(1, 1, 1), text_length=200)
    return out, torch.from_numpy(np.asarray(ref, dtype=np.float32)).to(dev)


def main():
    rt = Runtime(sys.argv[1])
    root = sys.argv[2]
    passed = failed = 0
    for name, fn in (("block_sparse_bf16_d128", case_block_sparse), ("sta_bf16_d64", case_sta)):
        for _ in range(2):  # fresh inputs each time, same artifact (tables uploaded once)
            try:
                out, ref = fn(rt, os.path.join(root, name))
                written = not torch.isnan(out).any().item()
                ok, msg = errcheck.check(out, ref, errcheck.TOL["bf16"])
                ok = ok and written
            except RuntimeError as e:
                ok, msg, written = False, "not run", False
                print("  runtime error:", e)
            print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}, all written {written}",
                  flush=True)
            passed += ok
            failed += not ok
    # Bad input: a missing artifact is reported, not a crash.
    try:
        rt.load(os.path.join(root, "does-not-exist"))
        print("FAIL missing artifact accepted")
        failed += 1
    except RuntimeError as e:
        print("PASS missing artifact reported:", e)
        passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
