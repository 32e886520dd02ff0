#!/usr/bin/env python3
"""The training step of the Wan 1.3B VSA layer on the GPU (issue 16): the
forward and the backward of examples/wan_vsa_1.3b.mlir's layer (B1 H12
S32760 D128 bf16, 624 4x4x4 tiles, topk 63, gate), loss = sum(out * dout),
gradients of q, k, v and the gate, against the torch + FlexAttention layer
(bench/gpu_model_bench.py's peer) under torch.compile, same inputs, same
run (CUDA events via triton's do_bench, medians):

  ours   attn_mlir.video_sparse_attn with torch autograd on CUDA tensors:
         the forward artifact, then the gradient module's (attn.vsa_grad:
         the fine stage's backward on the mma.sync kernels,
         docs/Training.md), both precompiled into $ATTN_MLIR_CACHE
         by scripts/gpu/precompile_python.py
  peer   torch.compile of the peer layer (max-autotune), forward +
         torch.autograd.grad; its FlexAttention backward needs tiles dividing
         the mask's 64 (gpu_grad_bench.flex_bwd_configs(), the first that
         compiles)

The gradients of ours are compared with the peer's (relative error each).

usage: gpu_train_bench.py   (env: ATTN_MLIR_ATTNRT, ATTN_MLIR_CACHE; the
attn_mlir package on PYTHONPATH, else the repository's python/;
TRAIN_BENCH_PEER=0 skips the peer)"""
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "gpu"))
import gpu_model_bench as mb  # noqa: E402
from gpu_grad_bench import flex_bwd_configs  # noqa: E402

import attn_mlir as am  # noqa: E402

SPARSITY = 0.9  # topk = ceil(0.1 * 624) = 63, the example's


def main():
    cfg = mb.model_ref.parse_model(os.path.join(ROOT, "examples", "wan_vsa_1.3b.mlir"))
    B, H, D = 1, 12, 128
    grid = tuple(cfg["grid"])
    assert am.vsa_topk(grid, SPARSITY) == cfg["topk"], "sparsity does not give the example's topk"
    g = torch.Generator(device=mb.dev)
    g.manual_seed(int.from_bytes(os.urandom(4), "little"))
    S = grid[0] * grid[1] * grid[2]
    xs = [x.detach().requires_grad_() for x in mb.vsa_inputs(cfg, (B, H, S, D), mb.dt, g)]
    dout = torch.randn(B, H, S, D, device=mb.dev, dtype=mb.dt, generator=g)
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"Wan 1.3B VSA layer training step (forward + backward): B{B} H{H} S{S} D{D} bf16, "
          f"topk {cfg['topk']}, gate")

    def ours():
        out = am.video_sparse_attn(*xs[:3], grid, SPARSITY, xs[3])
        return torch.autograd.grad(out, xs, dout)

    ours_ms = None
    try:
        want = ours()
        torch.cuda.synchronize()
        ours_ms = mb.bench(ours)
        fwd_ms = mb.bench(lambda: am.video_sparse_attn(*xs[:3], grid, SPARSITY, xs[3]))
        print(f"{'attn-mlir (forward + backward)':44s} {ours_ms:9.3f} ms "
              f"(forward alone {fwd_ms:.3f} ms)", flush=True)
    except Exception as e:  # noqa: BLE001 - report, then still time the peer
        print(f"attn-mlir failed: {type(e).__name__}: {str(e)[:300]}")
        want = None

    peer_ms = None
    if os.environ.get("TRAIN_BENCH_PEER", "1") == "0":
        # The peer's max-autotune compile took 281 s on the H100 (2026-12-07):
        # TRAIN_BENCH_PEER=0 times ours alone (the peer's last number is in
        # bench/RESULTS.md).
        print("peer skipped (TRAIN_BENCH_PEER=0)")
        return
    for mode, ko in flex_bwd_configs():
        L = mb.vsa_peer(cfg, B, H, D, ko)
        fn = torch.compile(L.peer, dynamic=False, mode=mode)

        def step():
            return torch.autograd.grad(fn(*xs), xs, dout)
        try:
            torch._dynamo.reset()
            t0 = time.time()
            for _ in range(2):
                got = step()
            torch.cuda.synchronize()
            compile_s = time.time() - t0
            peer_ms = mb.bench(step)
        except Exception as e:  # noqa: BLE001 - the next configuration
            print(f"peer ({mode}) with {ko} failed: {type(e).__name__}: "
                  f"{str(e).splitlines()[0] if str(e) else ''}")
            continue
        print(f"FlexAttention ({mode}) options: {ko}")
        note = f"compile+warm-up {compile_s:.1f} s"
        if want is not None:
            note += "; rel err of ours vs peer: " + ", ".join(
                f"{n} {mb.rel(a, b):.1e}" for n, a, b in zip(("dq", "dk", "dv", "dgate"), want, got))
        print(f"{'torch + FlexAttention, torch.compile':44s} {peer_ms:9.3f} ms  {note}")
        break
    if ours_ms and peer_ms:
        print(f"training step: ours {peer_ms / ours_ms:.2f}x the compiled peer")


if __name__ == "__main__":
    main()
