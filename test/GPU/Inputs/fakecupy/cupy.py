"""A stand-in for cupy on the CPU, for the self-test of
scripts/gpu/check_flash.py's logic (test/GPU/check-flash-logic.test): a
"kernel" is a file whose text names a behaviour; launching it computes the
kernels' documented semantics (FlashAttentionKernel.h) with a plain
per-row loop, independent of check_flash.py's reference, then applies the
behaviour's defect:
  good         none
  clamp-ids    out-of-range ids clamped into range instead of dropped
  one-bad-row  one output row 5% off
  masked-junk  rows without a valid key written as 1e-3 instead of 0
  unwritten    one element left as it was (NaN poison)"""
import re

import torch

NAME = re.compile(r"attn_(flash|simt)_(f32|bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(_vbs)?(_km)?$")
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def asarray(t):
    return t


def int32(x):
    return int(x)


class _Runtime:
    @staticmethod
    def deviceSynchronize():
        pass


class cuda:  # noqa: N801 (cupy's name)
    runtime = _Runtime


class RawModule:
    def __init__(self, path):
        self.behaviour = open(path).read().strip()

    def get_function(self, name):
        return _Kernel(name, self.behaviour)


class _Kernel:
    def __init__(self, name, behaviour):
        m = NAME.match(name)
        self.dtype = DTYPES[m.group(2)]
        self.D, self.bq, self.bkv = int(m.group(3)), int(m.group(4)), int(m.group(5))
        self.indexed, self.vbs, self.km = m.group(6) == "idx", bool(m.group(7)), bool(m.group(8))
        self.behaviour = behaviour
        self.max_dynamic_shared_size_bytes = 0

    def __call__(self, grid, block, args, shared_mem=0):
        q, k, v, out, idx, cnt, vbs, km, S, Skv, Hq, Hkv, K = args
        view = (lambda t: t) if self.dtype == torch.float32 else (lambda t: t.view(self.dtype))
        q, k, v, out = view(q), view(k), view(v), view(out)
        B, nkv, g = q.shape[0], -(-Skv // self.bkv), Hq // Hkv
        scale = 1.0 / self.D ** 0.5
        for b in range(B):
            for h in range(Hq):
                for i in range(S):
                    blocks = list(range(nkv))
                    if self.indexed:
                        n = max(0, min(int(cnt[b, h, i // self.bq]), K))
                        blocks = [int(x) for x in idx[b, h, i // self.bq, :n]]
                        if self.behaviour == "clamp-ids":
                            blocks = [min(max(j, 0), nkv - 1) for j in blocks]
                        blocks = [j for j in blocks if 0 <= j < nkv]
                    keys = []
                    for j in blocks:
                        n = min(int(vbs[j]) if self.vbs else self.bkv, Skv - j * self.bkv)
                        keys += [j * self.bkv + t for t in range(n)
                                 if not self.km or km[b, j * self.bkv + t] != 0]
                    if not keys:
                        out[b, h, i] = 1e-3 if self.behaviour == "masked-junk" else 0.0
                        continue
                    kk, vv = k[b, h // g, keys].float(), v[b, h // g, keys].float()
                    p = torch.softmax(q[b, h, i].float() @ kk.T * scale, -1)
                    out[b, h, i] = (p @ vv).to(self.dtype)
        if self.behaviour == "one-bad-row":
            out[-1, -1, S // 2] *= 1.05
        if self.behaviour == "unwritten":
            out[0, 0, 0, 0] = float("nan")
