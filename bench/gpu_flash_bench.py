#!/usr/bin/env python3
"""Times the flash-attention kernels from attn-emit-flash-kernel against the
peers on the same inputs in the same run (CUDA events via triton's do_bench,
median): VSA fine stage (B1 H12 S32768 D128 bf16, 64x64 blocks, 12.5% kept)
vs FlexAttention with the equivalent block mask (prebuilt, outside the
timing); dense (same shape) vs cuDNN SDPA and dense FlexAttention (no block
mask). Actual TFLOP/s = 4*B*H*D*(computed q x kv pairs). The peers here are
single attention calls at their best already: FlexAttention runs under
torch.compile (flex_attention compiled, dynamic=False), cuDNN SDPA is one
kernel; there is no glue around them to compile (the whole-layer peers under
torch.compile are in gpu_model_bench.py).

usage: gpu_flash_bench.py DIR   (DIR holds <kernel>.sm_90a.cubin files)"""
import math
import os
import sys

import glob

import cupy as cp
import torch
import triton.testing as tt
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import BlockMask, flex_attention

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts",
                                "gpu"))
import wgmma_launch  # noqa: E402

dev = "cuda"
B, H, S, D = 1, 12, 32768, 128
flex = torch.compile(flex_attention, dynamic=False)
bench = lambda fn: tt.do_bench(fn, warmup=50, rep=300, return_mode="median")


SMEM = 2 * 2 * 64 * (D + 8) * 2  # flashKernelSharedBytes for block_kv 64


def load(d, name):
    fn = cp.RawModule(path=os.path.join(d, name + ".sm_90a.cubin")).get_function(name)
    fn.max_dynamic_shared_size_bytes = SMEM
    return fn


def load_wgmma(d, prefix):
    """The attn_wgmma_<prefix>_s<stages>[_ov][_pp] kernels in d (stages
    chosen by the emitter; the suffixes are the stage table's steps:
    overlap / ping-pong on), each with its label, the plain kernel first."""
    hits = glob.glob(os.path.join(d, f"attn_wgmma_{prefix}_s*.sm_90a.cubin"))
    out = []
    for path in sorted(hits, key=lambda p: (len(p), p)):
        name = os.path.basename(path).split(".")[0]
        out.append((name[len(f"attn_wgmma_{prefix}_"):], wgmma_launch.Kernel(path, name)))
    return out


def rel(a, b):
    return ((a.float() - b.float()).norm() / b.float().norm()).item()


def main():
    d = sys.argv[1]
    torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
    q, k, v = (torch.randn(B, H, S, D, device=dev, dtype=torch.bfloat16) for _ in range(3))
    i16 = lambda t: cp.asarray(t.view(torch.int16))
    out = torch.empty_like(q)
    nb = S // 64
    keep = nb // 8
    scores = torch.rand(B, H, nb, nb, device=dev)
    idx = scores.topk(keep, -1).indices.sort(-1).values.to(torch.int32).contiguous()
    cnt = torch.full((B, H, nb), keep, device=dev, dtype=torch.int32)
    dummy = cp.zeros(1, dtype=cp.int32)
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'workload':52s} {'ms':>8s} {'TFLOP/s':>8s} {'vs peer':>8s}")

    # VSA fine stage.
    fn = load(d, "attn_flash_bf16_d128_q64_kv64_idx")
    args = (i16(q), i16(k), i16(v), i16(out), cp.asarray(idx), cp.asarray(cnt), dummy, dummy,
            cp.int32(S), cp.int32(S), cp.int32(H), cp.int32(H), cp.int32(keep))
    launch = lambda: fn((nb, H, B), (128, 1, 1), args, shared_mem=SMEM)
    launch()
    ours = bench(launch)
    pad = torch.zeros(B, H, nb, nb - keep, device=dev, dtype=torch.int32)
    bm = BlockMask.from_kv_blocks(cnt, torch.cat([idx, pad], -1).contiguous(), BLOCK_SIZE=64)
    ko = {"BLOCK_M": 64, "BLOCK_N": 64}
    ref = flex(q, k, v, block_mask=bm, kernel_options=ko)
    theirs = bench(lambda: flex(q, k, v, block_mask=bm, kernel_options=ko))
    flops = 4.0 * B * H * D * S * keep * 64
    print(f"{'VSA fine 64x64 12.5% kept: attn-mlir':52s} {ours:8.3f} {flops/ours/1e9:8.1f} {theirs/ours:8.2f}x"
          f"  (rel err vs flex {rel(out, ref):.1e})")
    print(f"{'VSA fine 64x64 12.5% kept: FlexAttention':52s} {theirs:8.3f} {flops/theirs/1e9:8.1f}")
    for tag, hk in load_wgmma(d, "bf16_d128_q64_kv64_idx"):
        out.fill_(float("nan"))
        launch = hk.prepare(q, k, v, out, idx, cnt, None, None, keep,
                            stream=torch.cuda.current_stream().cuda_stream)
        launch()
        ours = bench(launch)
        print(f"{'VSA fine 64x64 12.5% kept: attn-mlir wgmma ' + tag:52s} {ours:8.3f} "
              f"{flops/ours/1e9:8.1f} {theirs/ours:8.2f}x  (rel err vs flex {rel(out, ref):.1e})")

    # Dense.
    fn = load(d, "attn_flash_bf16_d128_q64_kv64_dense")
    args = (i16(q), i16(k), i16(v), i16(out), dummy, dummy, dummy, dummy,
            cp.int32(S), cp.int32(S), cp.int32(H), cp.int32(H), cp.int32(nb))
    launch = lambda: fn((nb, H, B), (128, 1, 1), args, shared_mem=SMEM)
    launch()
    ours = bench(launch)
    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
        ref = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        cudnn = bench(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))
    flops = 4.0 * B * H * D * S * S
    print(f"{'dense S32768: attn-mlir':52s} {ours:8.3f} {flops/ours/1e9:8.1f} {cudnn/ours:8.2f}x"
          f"  (rel err vs cuDNN {rel(out, ref):.1e})")
    print(f"{'dense S32768: cuDNN SDPA':52s} {cudnn:8.3f} {flops/cudnn/1e9:8.1f}")
    for tag, hk in [x for prefix in ("bf16_d128_q128_kv128_dense", "bf16_d128_q128_kv64_dense",
                                               "bf16_d128_q128_kv176_dense", "bf16_d128_q128_kv192_dense")
                    for x in load_wgmma(d, prefix)]:
        out.fill_(float("nan"))
        launch = hk.prepare(q, k, v, out, None, None, None, None, S // hk.bkv,
                            stream=torch.cuda.current_stream().cuda_stream)
        launch()
        ours_h = bench(launch)
        label = f"dense S32768: attn-mlir wgmma q{hk.bq} kv{hk.bkv} {tag}"
        print(f"{label:52s} {ours_h:8.3f} {flops/ours_h/1e9:8.1f} {cudnn/ours_h:8.2f}x"
              f"  (rel err vs cuDNN {rel(out, ref):.1e})")
    try:
        ref_flex = flex(q, k, v)
        theirs = bench(lambda: flex(q, k, v))
        print(f"{'dense S32768: FlexAttention (no block mask)':52s} {theirs:8.3f} "
              f"{flops/theirs/1e9:8.1f}  (attn-mlir {theirs/ours:.2f}x of it; "
              f"rel err vs cuDNN {rel(ref_flex, ref):.1e})")
    except Exception as e:  # a failing peer must not hide the rows above
        print(f"dense S32768: FlexAttention failed: {type(e).__name__}: {str(e)[:300]}")


if __name__ == "__main__":
    main()
