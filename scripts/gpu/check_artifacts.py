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


def random_tables(B, Hq, nq, K, nkv, bkv=64):
    """kv_indices (K distinct ids a row), kv_counts in [0, K] (0: an empty
    row) and kv_block_sizes in [0, bkv]."""
    idx = torch.stack([torch.randperm(nkv, device=dev)[:K] for _ in range(B * Hq * nq)])
    idx = idx.reshape(B, Hq, nq, K).to(torch.int32).contiguous()
    cnt = torch.randint(0, K + 1, (B, Hq, nq), device=dev, dtype=torch.int32)
    vbs = torch.randint(0, bkv + 1, (nkv,), device=dev, dtype=torch.int32)
    return idx, cnt, vbs


def load_with_qkv(rt, d):
    """The artifact at d, its signature, its element type and fresh random
    q, k, v of its first three arguments' shapes."""
    h = rt.load(d)
    (args, results) = rt.signature(h)
    dt = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[args[0][0]]
    q, k, v = (torch.randn(args[i][1], device=dev, dtype=dt) for i in range(3))
    return h, args, results, dt, q, k, v


def case_block_sparse(rt, d):
    h, args, results, dt, q, k, v = load_with_qkv(rt, d)
    B, Hq, S, D = q.shape
    (_, ids), (_, vs) = args[3], args[5]
    idx, cnt, vbs = random_tables(B, Hq, ids[2], ids[3], vs[0])
    out = torch.full(results[0][1], float("nan"), device=dev, dtype=dt)
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


def case_lse(rt, d):
    """An attention op with its lse result (test/GPU/Inputs/*lse*.mlir):
    dense with a key mask, or block-sparse with random tables; (out, lse)
    against the float32 reference's."""
    h, args, results, dt, q, k, v = load_with_qkv(rt, d)
    B, Hq, S, D = q.shape
    out = torch.full(results[0][1], float("nan"), device=dev, dtype=dt)
    lse = torch.full(results[1][1], float("nan"), device=dev, dtype=torch.float32)
    scale = 1 / math.sqrt(D)
    if args[3][0] == "i1":  # sdpa with a key mask; the last batch fully masked
        km = torch.rand(args[3][1], device=dev) < 0.8
        if B > 1:
            km[-1] = False
        rt.run(h, [q, k, v, km], [out, lse])
        ref, ref_lse = block_reference(q, k, v, None, None, None, 64, 64, scale, False,
                                       False, km, return_lse=True)
    else:  # block_sparse with ids, counts (some 0: empty rows) and block sizes
        nq, K, nkv = args[3][1][2], args[3][1][3], args[5][1][0]
        idx, cnt, vbs = random_tables(B, Hq, nq, K, nkv)
        rt.run(h, [q, k, v, idx, cnt, vbs], [out, lse])
        ref, ref_lse = block_reference(q, k, v, idx, cnt, vbs, S // nq, S // nkv, scale,
                                       True, True, return_lse=True)
    torch.cuda.synchronize()
    empty = torch.isinf(ref_lse)
    same_empty = bool(torch.equal(torch.isinf(lse) & (lse < 0), empty))
    # The lse of the rows with a valid key, as one "row" per (batch, head).
    ok, msg = errcheck.check(lse.masked_fill(empty, 0), ref_lse.masked_fill(empty, 0),
                             errcheck.TOL["f32"] if dt == torch.float32 else 1e-3)
    ok_o, msg_o = errcheck.check(out, ref, errcheck.TOL["f32" if dt == torch.float32
                                                        else "bf16"])
    print(f"  lse {msg} (rows without a valid key: {int(empty.sum())}, all -inf "
          f"{same_empty}); out {msg_o}")
    return ok and ok_o and same_empty and not torch.isnan(lse).any().item()


def case_lse_merge(rt, d):
    """attn.lse_merge of two attn.sdpa halves of the keys
    (test/GPU/Inputs/lse_merge.mlir): (out, lse) against the float32
    reference of attention over all the keys."""
    h = rt.load(d)
    args, results = rt.signature(h)
    q = torch.randn(args[0][1], device=dev, dtype=torch.bfloat16)
    k1, v1 = (torch.randn(args[1][1], device=dev, dtype=torch.bfloat16) for _ in range(2))
    k2, v2 = (torch.randn(args[4][1], device=dev, dtype=torch.bfloat16) for _ in range(2))
    m1 = torch.rand(args[3][1], device=dev) < 0.8
    m2 = torch.rand(args[6][1], device=dev) < 0.8
    m1[0] = False  # batch 0: its first half has no valid key
    m1[-1] = False  # the last batch: no valid key at all
    m2[-1] = False
    out = torch.full(results[0][1], float("nan"), device=dev, dtype=torch.bfloat16)
    lse = torch.full(results[1][1], float("nan"), device=dev, dtype=torch.float32)
    rt.run(h, [q, k1, v1, m1, k2, v2, m2], [out, lse])
    torch.cuda.synchronize()
    k, v, m = torch.cat([k1, k2], 2), torch.cat([v1, v2], 2), torch.cat([m1, m2], 1)
    ref, ref_lse = block_reference(q, k, v, None, None, None, 64, 64,
                                   1 / math.sqrt(q.shape[-1]), False, False, m,
                                   return_lse=True)
    empty = torch.isinf(ref_lse)
    same_empty = bool(torch.equal(torch.isinf(lse) & (lse < 0), empty))
    ok, msg = errcheck.check(lse.masked_fill(empty, 0), ref_lse.masked_fill(empty, 0), 1e-3)
    ok_o, msg_o = errcheck.check(out, ref, errcheck.TOL["bf16"])
    print(f"  lse {msg} (rows without a valid key: {int(empty.sum())}, all -inf "
          f"{same_empty}); out {msg_o}")
    return ok and ok_o and same_empty and not torch.isnan(lse).any().item()


def case_grad(rt, d):
    """A gradient op (test/GPU/Inputs/*grad*.mlir): dense with a key mask
    (the last batch fully masked) or without, or block-sparse with random
    tables; (dq, dk, dv) against torch autograd through the float32
    reference of the forward."""
    h, args, results, dt, q, k, v = load_with_qkv(rt, d)
    B, Hq, S, D = q.shape
    do = torch.randn_like(q)
    outs = [torch.full(r[1], float("nan"), device=dev, dtype=dt) for r in results]
    scale = 0.2 if "f32" in os.path.basename(d) else 1 / math.sqrt(D)
    leaves = [x.float().requires_grad_() for x in (q, k, v)]
    if len(args) == 5:  # sdpa_grad with a key mask
        km = torch.rand(args[4][1], device=dev) < 0.8
        if B > 1:
            km[-1] = False
        rt.run(h, [q, k, v, do, km], outs)
        ref = block_reference(*leaves, None, None, None, 64, 64, scale, False, False, km)
    elif len(args) == 4:  # sdpa_grad
        rt.run(h, [q, k, v, do], outs)
        ref = block_reference(*leaves, None, None, None, 64, 64, scale, False, False)
    else:  # block_sparse_grad
        nq, K, nkv = args[4][1][2], args[4][1][3], args[6][1][0]
        bkv = k.shape[2] // nkv
        idx, cnt, vbs = random_tables(B, Hq, nq, K, nkv, bkv)
        rt.run(h, [q, k, v, do, idx, cnt, vbs], outs)
        ref = block_reference(*leaves, idx, cnt, vbs, S // nq, bkv, scale, True, True)
    torch.cuda.synchronize()
    want = torch.autograd.grad(ref, leaves, do.float())
    ok = True
    tol = errcheck.TOL["f32" if dt == torch.float32 else "bf16"]
    for name, got, w in zip(("dq", "dk", "dv"), outs, want):
        good, msg = errcheck.check(got, w, tol)
        print(f"  {name}: {msg}")
        ok = ok and good and not torch.isnan(got).any().item()
    return ok


def main():
    rt = Runtime(sys.argv[1])
    root = sys.argv[2]
    passed = failed = 0
    # An optional third argument keeps only the cases whose name holds it
    # (the racecheck run of scripts/gpu-check.sh).
    only = sys.argv[3] if len(sys.argv) > 3 else None
    for name, fn in (("block_sparse_bf16_d128", case_block_sparse), ("sta_bf16_d64", case_sta)):
        if only is not None and only not in name:
            continue
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
    # The lse result, on the wgmma kernel (sm_90a default) and on mma.sync /
    # SIMT (_sm80: --wgmma=false); the backward kernels: mma.sync (bf16/f16,
    # D 64/128; _tiles: 128 x 192 tables read as 64 x 64 sub-blocks) and SIMT
    # (f32, and _simt: --tensor-cores=false).
    cases = [(n, case_lse, "out and lse") for n in (
        "sdpa_lse", "sdpa_lse_sm80", "block_sparse_lse", "block_sparse_lse_sm80", "sdpa_lse_f32")]
    cases += [("lse_merge", case_lse_merge, "two sdpa halves merged vs attention over all keys")]
    cases += [(n, case_grad, "dq, dk, dv vs torch autograd")
              for n in ("sdpa_grad", "block_sparse_grad", "block_sparse_grad_tiles", "block_sparse_grad_rounds",
                        "sdpa_grad_f32", "sdpa_grad_simt", "block_sparse_grad_simt")]
    cases = [c for c in cases if only is None or only in c[0]]
    for name, fn, what in cases:
        for _ in range(2):
            try:
                ok = fn(rt, os.path.join(root, name))
            except RuntimeError as e:
                ok = False
                print("  runtime error:", e)
            print(f"{'PASS' if ok else 'FAIL'} {name} ({what})", flush=True)
            passed += ok
            failed += not ok
    # Bad input: a missing artifact is reported, not a crash.
    if only is None:
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
