#!/usr/bin/env python3
"""Checks compiled attention kernels (attn-emit-flash-kernel and
attn-emit-simt-kernel) on a GPU against a float32 torch reference, with fresh
random inputs every run, including ragged lengths (Sq, Skv not multiples of
the blocks) and key masks.

usage: check_flash.py DIR [--quick]
DIR holds <kernel-name>.<sm>.cubin files (from attn-opt + ptxas). Each
kernel's configuration is read from its name:
attn_flash_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km] or
attn_simt_<f32|bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km]. Both take
q, k, v, out, kv_indices, kv_counts, kv_block_sizes, key_mask, i32 Sq, Skv,
Hq, Hkv, K. The output is poisoned (NaN) before each launch and every
element must be written. Prints one line per case and 'N passed, N failed'."""
import math
import os
import re
import sys

import cupy as cp
import torch

torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
dev = "cuda"
NAME = re.compile(r"attn_(flash|simt)_(f32|bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(_vbs)?(_km)?$")
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs, km=None):
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
        live = pos[None, None, None, :] < cnt[..., None].long()
        allowed.scatter_(3, idx.long().clamp(0, nkv - 1), live)
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
    return p @ vv


def run_case(path, name, B, Hq, Hkv, S, Skv):
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
    # Distinct ids per row, random counts in [0, K] (some rows empty).
    idx = torch.stack([torch.randperm(nkv, device=dev)[:K] for _ in range(B * Hq * nq)])
    idx = idx.reshape(B, Hq, nq, K).to(torch.int32).contiguous()
    cnt = torch.randint(0, K + 1, (B, Hq, nq), device=dev, dtype=torch.int32)
    vbs = torch.randint(0, bkv + 1, (nkv,), device=dev, dtype=torch.int32)
    vbs[::3] = bkv
    # Key mask: random holes, batch 0's first half fully masked.
    km = (torch.rand(B, Skv, device=dev) > 0.3).to(torch.uint8)
    km[0, : Skv // 2] = 0
    out = torch.full_like(q, float("nan"))
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
    written = not torch.isnan(out).any().item()
    ref = reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs,
                    km if has_km else None)
    err = ((out.float() - ref).norm() / ref.norm().clamp_min(1e-30)).item()
    ok = written and err < (1e-4 if dtype == torch.float32 else 1e-2)
    print(f"{'PASS' if ok else 'FAIL'} {name} B{B} Hq{Hq} Hkv{Hkv} Sq{S} Skv{Skv}: "
          f"rel err {err:.2e}, all written {written}", flush=True)
    return ok


def main():
    d = sys.argv[1]
    quick = "--quick" in sys.argv
    # (B, Hq, Hkv, Sq, Skv); the last ones are ragged.
    shapes = [(1, 2, 1, 256, 256), (1, 2, 1, 77, 130)] if quick else \
        [(2, 4, 2, 1024, 1024), (1, 12, 12, 2048, 2048), (1, 3, 1, 512, 512),
         (2, 4, 2, 1000, 777), (1, 3, 1, 65, 1), (1, 2, 2, 1, 300)]
    passed = failed = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".cubin"):
            continue
        name = f[: -len(".cubin")].rsplit(".", 1)[0]
        for shape in shapes:
            if run_case(os.path.join(d, f), name, *shape):
                passed += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
