#!/usr/bin/env python3
"""Checks compiled flash-attention kernels (attn-emit-flash-kernel) on a GPU
against a float32 torch reference, with fresh random inputs every run.

usage: check_flash.py DIR [--quick]
DIR holds <kernel-name>.cubin files (from attn-opt + ptxas). Each kernel's
configuration is read from its name: attn_flash_<bf16|f16>_d<D>_q<BQ>_kv<BKV>
_<idx|dense>[_vbs]. The output is poisoned (NaN) before each launch and every
element must be written. Prints one line per case and 'N passed, N failed'."""
import math
import os
import re
import sys

import cupy as cp
import torch

torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
dev = "cuda"


def reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs):
    B, H, S, D = q.shape
    Hkv, Skv = k.shape[1], k.shape[2]
    g = H // Hkv
    kk = k.float().repeat_interleave(g, 1)
    vv = v.float().repeat_interleave(g, 1)
    nq, nkv = S // bq, Skv // bkv
    allowed = torch.zeros(B, H, nq, nkv, dtype=torch.bool, device=dev)
    if indexed:
        K = idx.shape[-1]
        pos = torch.arange(K, device=dev)
        live = pos[None, None, None, :] < cnt[..., None].long()
        allowed.scatter_(3, idx.long().clamp(0, nkv - 1), live)
    else:
        allowed[:] = True
    keymask = allowed.repeat_interleave(bq, 2).repeat_interleave(bkv, 3)
    if has_vbs:
        valid = torch.arange(bkv, device=dev)[None, :] < vbs[:, None].long()
        keymask &= valid.reshape(-1)[None, None, None, :]
    s = (q.float() @ kk.transpose(-1, -2)) * scale
    s = s.masked_fill(~keymask, float("-inf"))
    p = torch.softmax(s, -1).nan_to_num(0.0)
    return p @ vv


def run_case(path, name, B, Hq, Hkv, S, quick):
    m = re.match(r"attn_flash_(bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(_vbs)?$", name)
    dtype = torch.bfloat16 if m.group(1) == "bf16" else torch.float16
    D, bq, bkv = int(m.group(2)), int(m.group(3)), int(m.group(4))
    indexed, has_vbs = m.group(5) == "idx", bool(m.group(6))
    scale = 1.0 / math.sqrt(D)
    nq, nkv = S // bq, S // bkv
    K = min(5, nkv)
    q = torch.randn(B, Hq, S, D, device=dev, dtype=dtype)
    k = torch.randn(B, Hkv, S, D, device=dev, dtype=dtype)
    v = torch.randn(B, Hkv, S, D, device=dev, dtype=dtype)
    # Distinct ids per row, random counts in [0, K] (some rows empty).
    idx = torch.stack([torch.randperm(nkv, device=dev)[:K] for _ in range(B * Hq * nq)])
    idx = idx.reshape(B, Hq, nq, K).to(torch.int32).contiguous()
    cnt = torch.randint(0, K + 1, (B, Hq, nq), device=dev, dtype=torch.int32)
    vbs = torch.randint(0, bkv + 1, (nkv,), device=dev, dtype=torch.int32)
    vbs[::3] = bkv
    out = torch.full_like(q, float("nan"))
    mod = cp.RawModule(path=path)
    fn = mod.get_function(name)
    smem = 2 * 2 * bkv * (D + 8) * 2  # flashKernelSharedBytes
    fn.max_dynamic_shared_size_bytes = smem
    i16 = lambda t: cp.asarray(t.view(torch.int16))
    args = (i16(q), i16(k), i16(v), i16(out), cp.asarray(idx), cp.asarray(cnt),
            cp.asarray(vbs), cp.int32(S), cp.int32(S), cp.int32(Hq), cp.int32(Hkv),
            cp.int32(K))
    fn((nq, Hq, B), (bq // 16 * 32, 1, 1), args, shared_mem=smem)
    cp.cuda.runtime.deviceSynchronize()
    written = not torch.isnan(out).any().item()
    ref = reference(q, k, v, idx, cnt, vbs, bq, bkv, scale, indexed, has_vbs)
    err = ((out.float() - ref).norm() / ref.norm().clamp_min(1e-30)).item()
    ok = written and err < 1e-2
    print(f"{'PASS' if ok else 'FAIL'} {name} B{B} Hq{Hq} Hkv{Hkv} S{S}: rel err {err:.2e}, "
          f"all written {written}", flush=True)
    return ok


def main():
    d = sys.argv[1]
    quick = "--quick" in sys.argv
    shapes = [(1, 2, 1, 256)] if quick else [(2, 4, 2, 1024), (1, 12, 12, 2048), (1, 3, 1, 512)]
    passed = failed = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".cubin"):
            continue
        name = f[: -len(".cubin")].rsplit(".", 1)[0]
        for shape in shapes:
            if run_case(os.path.join(d, f), name, *shape, quick):
                passed += 1
            else:
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
