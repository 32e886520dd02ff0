#!/usr/bin/env python3
"""Checks compiled attention kernels (attn-emit-flash-kernel,
attn-emit-hopper-kernel and attn-emit-simt-kernel) on a GPU against a float32 torch reference, with fresh
random inputs every run, including ragged lengths (Sq, Skv not multiples of
the blocks) and key masks.

usage: check_flash.py DIR [--quick] [--scenarios a,b,...]
DIR holds <kernel-name>.<sm>.cubin files (from attn-opt + ptxas). Each
kernel's configuration is read from its name:
attn_flash_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km] or
attn_simt_<f32|bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km] or
attn_wgmma_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km]_s<stages>[_ov][_pp][_qr][_fm].
All take q, k, v, out, kv_indices, kv_counts, kv_block_sizes, key_mask, i32
Sq, Skv, Hq, Hkv, K; the wgmma kernels also three TMA tensor maps (launched
through wgmma_launch.py). The output is poisoned (NaN) before each launch and every
element must be written; the error metric is test/reference/errcheck.py's
(whole-output and worst-row relative error; bf16/f16 1e-2, f32 1e-4).

Besides random tables (scenario "random"), indexed and masked kernels get:
  garbage  ids past kv_counts that are negative or >= the number of kv
           blocks (and duplicates), counts < 0 or > K (clamped to [0, K]):
           all of it must be ignored;
  oob      out-of-range ids within kv_counts: contribute nothing (the
           kernel headers' semantics), the other listed blocks still count;
  masked   rows deliberately without a valid key (count 0, only blocks with
           kv_block_sizes 0, a whole batch masked by key_mask): written as
           exactly 0; the case fails if it masks no row.
Prints one line per case and 'N passed, N failed'."""
import math
import os
import re
import sys

import cupy as cp
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "test", "reference"))
import errcheck  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wgmma_launch  # noqa: E402

torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
# ATTN_CHECK_DEVICE=cpu with a stand-in cupy: the CPU self-test of this
# script's logic (test/GPU/check-flash-logic.test).
dev = os.environ.get("ATTN_CHECK_DEVICE", "cuda")
NAME = re.compile(r"attn_(flash|simt|wgmma)_(f32|bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)"
                  r"(_vbs)?(_km)?(?:_s\d(?:_ov)?(?:_pp)?(?:_qr)?(?:_fm)?)?$")
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs, km=None,
              return_live=False, return_lse=False):
    """The kernels' semantics in float32 (FlashAttentionKernel.h): entries
    e < clamp(cnt, 0, K) of a row's ids, ids outside [0, nkv) dropped.
    With return_live also the [B, H, S] mask of rows with a valid key; with
    return_lse also each row's log-sum-exp of the scaled scores (-inf for a
    row without a valid key)."""
    B, H, S, D = q.shape
    Hkv, Skv = k.shape[1], k.shape[2]
    g = H // Hkv
    kk = k.float().repeat_interleave(g, 1)
    vv = v.float().repeat_interleave(g, 1)
    nq, nkv = -(-S // bq), -(-Skv // bkv)
    allowed = torch.zeros(B, H, nq, nkv, dtype=torch.bool, device=dev)
    if indexed:
        K = idx.shape[-1]
        pos = torch.arange(K, device=dev)
        ids = idx.long()
        live = pos[None, None, None, :] < cnt.long().clamp(0, K)[..., None]
        live &= (ids >= 0) & (ids < nkv)
        hits = torch.zeros(B, H, nq, nkv, dtype=torch.int32, device=dev)
        hits.scatter_add_(3, ids.clamp(0, nkv - 1), live.to(torch.int32))
        allowed = hits > 0
    else:
        allowed[:] = True
    rows = torch.arange(S, device=dev) // bq
    cols = torch.arange(Skv, device=dev) // bkv
    keymask = allowed[:, :, rows][:, :, :, cols]
    if has_vbs:
        t = torch.arange(Skv, device=dev) - cols * bkv
        keymask &= (t < vbs.long()[cols])[None, None, None, :]
    if km is not None:
        keymask &= (km != 0)[:, None, None, :]
    s = (q.float() @ kk.transpose(-1, -2)) * scale
    s = s.masked_fill(~keymask, float("-inf"))
    p = torch.softmax(s, -1).nan_to_num(0.0)
    if return_lse:
        return p @ vv, torch.logsumexp(s, -1)
    if return_live:
        return p @ vv, keymask.any(-1)
    return p @ vv


_WGMMA = {}  # loaded attn_wgmma_* kernels by cubin path
SCENARIOS = ("random", "garbage", "oob", "masked")


def applies(scenario, indexed, has_vbs, has_km):
    if scenario in ("garbage", "oob"):
        return indexed
    if scenario == "masked":
        return indexed or has_vbs or has_km
    return True


def make_tables(scenario, B, Hq, nq, nkv, K, bkv, indexed, has_vbs, has_km):
    """kv_indices [B, Hq, nq, K], kv_counts [B, Hq, nq], kv_block_sizes [nkv]."""
    # Distinct valid ids per row, random counts in [0, K] (some rows empty).
    idx = torch.stack([torch.randperm(nkv, device=dev)[:K] for _ in range(B * Hq * nq)])
    idx = idx.reshape(B, Hq, nq, K).to(torch.int32).contiguous()
    cnt = torch.randint(0, K + 1, (B, Hq, nq), device=dev, dtype=torch.int32)
    vbs = torch.randint(0, bkv + 1, (nkv,), device=dev, dtype=torch.int32)
    vbs[::3] = bkv
    if scenario in ("garbage", "oob"):
        # Past the counts: ids below 0 and at/after nkv, and duplicates.
        junk = torch.tensor([-1, -7, -2**31, nkv, nkv + 5, 2**31 - 1], device=dev,
                            dtype=torch.int32)
        pick = torch.randint(0, len(junk) + 1, idx.shape, device=dev)
        garbage = torch.where(pick < len(junk), junk[pick.clamp(max=len(junk) - 1)],
                              torch.randint(0, nkv, idx.shape, device=dev, dtype=torch.int32))
        # Counts outside [0, K] are clamped by the kernel.
        odd = torch.rand(B, Hq, nq, device=dev)
        cnt = torch.where(odd < 0.1, torch.full_like(cnt, -3), cnt)
        cnt = torch.where(odd > 0.9, torch.full_like(cnt, K + 4), cnt)
        if scenario == "oob":
            # At least one row lists blocks, so a kernel that clamps bad ids
            # is always seen (small shapes have only a few rows).
            cnt.view(-1)[0] = K
        pos = torch.arange(K, device=dev)[None, None, None, :]
        past = pos >= cnt.clamp(0, K)[..., None]
        idx = torch.where(past, garbage, idx)
        if scenario == "oob":
            # Within the (clamped) counts: some ids out of range, which
            # contribute nothing; the other listed blocks still count.
            # Every row that lists something has at least one (its first
            # entry); each bad id is chosen so that clamping it into range
            # would give a different block than the one it replaces, so a
            # kernel that clamps instead of dropping is always seen.
            inside = pos < cnt.clamp(0, K)[..., None]
            bad = inside & ((torch.rand(idx.shape, device=dev) < 0.3) | (pos == 0))
            oob = torch.where(idx == 0, torch.full_like(idx, nkv + 2), torch.full_like(idx, -1))
            idx = torch.where(bad, oob, idx)
        idx = idx.contiguous()
    if scenario == "masked" and not indexed and not has_km:
        vbs[:] = 0  # dense with block sizes only: no block has a valid key
    if scenario == "masked":
        cnt[:, :, ::3] = 0  # every third query block lists nothing
        if has_vbs and nkv > 1:
            # Blocks with no valid key: the second query block lists only them.
            empty = torch.arange(1, nkv, 2, device=dev)
            vbs[empty] = 0
            if nq > 1:
                n = min(K, empty.numel())
                idx[:, :, 1, :n] = empty[:n].to(torch.int32)
                cnt[:, :, 1] = n
    return idx, cnt.contiguous(), vbs.contiguous()


def run_case(path, name, B, Hq, Hkv, S, Skv, scenario="random"):
    m = NAME.match(name)
    family, dtype = m.group(1), DTYPES[m.group(2)]
    D, bq, bkv = int(m.group(3)), int(m.group(4)), int(m.group(5))
    indexed, has_vbs, has_km = m.group(6) == "idx", bool(m.group(7)), bool(m.group(8))
    scale = 1.0 / math.sqrt(D)
    nq, nkv = -(-S // bq), -(-Skv // bkv)
    K = min(5, nkv)
    q = torch.randn(B, Hq, S, D, device=dev, dtype=dtype)
    k = torch.randn(B, Hkv, Skv, D, device=dev, dtype=dtype)
    v = torch.randn(B, Hkv, Skv, D, device=dev, dtype=dtype)
    idx, cnt, vbs = make_tables(scenario, B, Hq, nq, nkv, K, bkv, indexed, has_vbs, has_km)
    # Key mask: random holes, batch 0's first half fully masked; "masked":
    # the last batch entirely masked (with one batch: only where nothing else
    # can mask a row, so that the other ways are seen too).
    km = (torch.rand(B, Skv, device=dev) > 0.3).to(torch.uint8)
    km[0, : Skv // 2] = 0
    # (Dense kernels have no table to empty a row: with one batch, only the
    # key mask can.)
    if scenario == "masked" and (B > 1 or not indexed):
        km[-1] = 0
    out = torch.full_like(q, float("nan"))
    if family == "wgmma":
        if path not in _WGMMA:
            _WGMMA[path] = wgmma_launch.Kernel(path, name)
        _WGMMA[path].prepare(q, k, v, out, idx, cnt, vbs, km, K)()
        torch.cuda.synchronize()
    else:
        launch_cupy(path, name, family, q, k, v, out, idx, cnt, vbs, km, K, S, Skv, Hq,
                    Hkv, B, D, bq, bkv, nq, has_km, dtype)
    return check_case(name, q, k, v, out, idx, cnt, vbs, km, B, Hq, Hkv, S, Skv, bq, bkv,
                      scale, indexed, has_vbs, has_km, dtype, scenario)


def launch_cupy(path, name, family, q, k, v, out, idx, cnt, vbs, km, K, S, Skv, Hq, Hkv,
                B, D, bq, bkv, nq, has_km, dtype):
    mod = cp.RawModule(path=path)
    fn = mod.get_function(name)
    if family == "flash":
        grid, smem = (nq, Hq, B), 2 * 2 * bkv * (D + 8) * 2 + (2 * bkv if has_km else 0)
        fn.max_dynamic_shared_size_bytes = smem
    else:
        grid, smem = (-(-S // 4), Hq, B), 0
    buf = (lambda t: cp.asarray(t)) if dtype == torch.float32 else \
        (lambda t: cp.asarray(t.view(torch.int16)))
    args = (buf(q), buf(k), buf(v), buf(out), cp.asarray(idx), cp.asarray(cnt),
            cp.asarray(vbs), cp.asarray(km), cp.int32(S), cp.int32(Skv), cp.int32(Hq),
            cp.int32(Hkv), cp.int32(K))
    threads = bq // 16 * 32 if family == "flash" else 128
    fn(grid, (threads, 1, 1), args, shared_mem=smem)
    cp.cuda.runtime.deviceSynchronize()


def check_case(name, q, k, v, out, idx, cnt, vbs, km, B, Hq, Hkv, S, Skv, bq, bkv, scale,
               indexed, has_vbs, has_km, dtype, scenario):
    written = not torch.isnan(out).any().item()
    ref, live = reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs,
                          km if has_km else None, return_live=True)
    tol = errcheck.TOL["f32" if dtype == torch.float32 else "bf16"]
    ok, msg = errcheck.check(out, ref, tol)
    # Rows without a valid key: exactly 0 (not merely small).
    dead = ~live
    n_dead = int(dead.sum().item())
    nonzero = int((out[dead] != 0).any(-1).sum().item()) if n_dead else 0
    ok = ok and written and nonzero == 0
    if scenario == "masked" and n_dead == 0:
        ok, msg = False, msg + "; the masked case masks no row"
    print(f"{'PASS' if ok else 'FAIL'} {name} B{B} Hq{Hq} Hkv{Hkv} Sq{S} Skv{Skv} {scenario}: "
          f"{msg}, all written {written}, rows without keys {n_dead} "
          f"(not exactly 0: {nonzero})", flush=True)
    return ok


def main():
    d = sys.argv[1]
    quick = "--quick" in sys.argv
    # (B, Hq, Hkv, Sq, Skv); the last ones are ragged.
    shapes = [(1, 2, 1, 256, 256), (1, 2, 1, 77, 130)] if quick else \
        [(2, 4, 2, 1024, 1024), (1, 12, 12, 2048, 2048), (1, 3, 1, 512, 512),
         (2, 4, 2, 1000, 777), (1, 3, 1, 65, 1), (1, 2, 2, 1, 300)]
    # The table scenarios on a ragged GQA shape and an even one. Quick (under
    # the sanitizers, where every case costs seconds): "oob" alone (garbage
    # past the counts, clamped counts and out-of-range ids within them, the
    # memory-safety side) on the ragged quick shape.
    special = shapes[1:] if quick else [(2, 4, 2, 1000, 777), (1, 3, 1, 512, 512)]
    scenarios = ("oob",) if quick else SCENARIOS[1:]
    if "--scenarios" in sys.argv:
        scenarios = sys.argv[sys.argv.index("--scenarios") + 1].split(",")
        unknown = [sc for sc in scenarios if sc not in SCENARIOS[1:]]
        if unknown:
            print(f"check_flash.py: unknown scenario(s) {unknown}; known: {SCENARIOS[1:]}")
            return 2
    passed = failed = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".cubin"):
            continue
        name = f[: -len(".cubin")].rsplit(".", 1)[0]
        m = NAME.match(name)
        if not m:
            print(f"FAIL {f}: not a kernel name check_flash.py knows")
            failed += 1
            continue
        flags = (m.group(6) == "idx", bool(m.group(7)), bool(m.group(8)))
        cases = [(shape, "random") for shape in shapes]
        cases += [(shape, sc) for sc in scenarios if applies(sc, *flags) for shape in special]
        for shape, scenario in cases:
            try:
                ok = run_case(os.path.join(d, f), name, *shape, scenario=scenario)
            except Exception as e:  # a launch error is a failed case, not a crash
                print(f"FAIL {name} {shape} {scenario}: {type(e).__name__}: {e}", flush=True)
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
