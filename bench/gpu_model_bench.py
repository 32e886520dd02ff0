#!/usr/bin/env python3
"""Whole model attention layers on the GPU: our artifacts (through attnrt,
ctypes, torch tensors on torch's current stream) against the peers, in one
run on the same inputs (../shared/docs/PERF.md: CUDA events via triton's
do_bench after warm-up, medians).

(a) VSA, Wan2.1-T2V-1.3B shape (examples/wan_vsa_1.3b.mlir: 32760 tokens in
    624 4x4x4 tiles, H12 D128 bf16, topk 63, gate), whole module with
    tile/untile, block means, coarse attention, top-k, fine stage, gate:
      ours     the wan_vsa_1.3b artifact
      peer     torch: tile by index, means, coarse attention, topk, block
               mask from the top-k (full blocks for whole tiles, a key-validity
               mask_mod for partial ones) built every call, FlexAttention fine
               stage, gate, untile; also FlexAttention's fine stage alone
      dense    cuDNN SDPA on the raster q/k/v
(b) STA, HunyuanVideo 720p shape (examples/hunyuan_sta_720p.mlir: 115200
    image tokens in 300 6x8x8 tiles + 256 text, window 3x3x3, H24 D128 bf16),
    whole module with tile/untile:
      ours     the hunyuan_sta_720p artifact
      peer     torch tile + FlexAttention with the STA block mask (built once,
               outside the timing; its build time printed) + untile; also
               FlexAttention alone on tiled inputs
      dense    cuDNN SDPA on the same 115456 tokens

TFLOP/s count useful flops only: 4*D*sum over (valid) query rows of the keys
they attend to (VSA: valid keys of the selected tiles; STA: window tiles plus
valid text). "x ours" is peer time / our time (> 1: ours is faster).

usage: gpu_model_bench.py LIBATTNRT ART_ROOT [--only vsa|sta]
  (ART_ROOT/wan_vsa_1.3b, ART_ROOT/hunyuan_sta_720p from attn-compile; a
  missing artifact is reported and its row skipped)."""
import argparse
import json
import math
import os
import sys
import time

import torch
import triton.testing as tt
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import BlockMask, create_block_mask, flex_attention

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "gpu"))
sys.path.insert(0, os.path.join(ROOT, "python"))
import model_ref  # noqa: E402
from attn_mlir.runtime import Runtime  # noqa: E402
from check_models import vsa_inputs  # noqa: E402

dev = "cuda"
dt = torch.bfloat16
flex = torch.compile(flex_attention, dynamic=False)
bench = lambda fn: tt.do_bench(fn, warmup=50, rep=300, return_mode="median")  # ms
rows = []


def rel(a, b):
    return ((a.float() - b.float()).norm() / b.float().norm()).item()


def report(name, ms, flops, ours_ms=None, note=""):
    ratio = f"{ms / ours_ms:7.2f}x" if ours_ms else " " * 8
    print(f"{name:58s} {ms:9.3f} {flops / ms / 1e9:8.1f} {ratio}  {note}", flush=True)
    rows.append(dict(name=name, ms=ms, tflops=flops / ms / 1e9, vs_ours=(ms / ours_ms) if ours_ms else None,
                     note=note))


def header(title):
    print(f"\n{title}\n{'workload':58s} {'ms':>9s} {'TFLOP/s':>8s} {'x ours':>8s}", flush=True)


def ours_row(rt, root, name, inputs, outputs, label, useful):
    """Times artifact `name` on the inputs (outputs written in place) and
    reports it; None when the artifact is missing or the run fails."""
    h = load_artifact(rt, root, name)
    if h is None:
        return None
    run = rt.runner(h, inputs, outputs)

    def timed():
        run()
        torch.cuda.synchronize()
        return bench(run)
    ms = try_row(timed)
    if ms:
        report(label, ms, useful, note=f"scratch {rt.scratch_bytes(h) / 2**20:.0f} MiB")
    return ms


def load_artifact(rt, root, name):
    d = os.path.join(root, name)
    if not os.path.isfile(os.path.join(d, "plan.txt")):
        print(f"SKIP ours ({name}): no artifact at {d}", flush=True)
        return None
    try:
        return rt.load(d)
    except RuntimeError as e:
        print(f"SKIP ours ({name}): {e}", flush=True)
        return None


def try_row(fn):
    try:
        return fn()
    except Exception as e:  # a peer failing must not hide the other rows
        print(f"  failed: {type(e).__name__}: {str(e)[:300]}", flush=True)
        return None


# --------------------------------------------------------------------------
# (a) VSA
# --------------------------------------------------------------------------

def bench_vsa(rt, root):
    cfg = model_ref.parse_model(os.path.join(ROOT, "examples", "wan_vsa_1.3b.mlir"))
    B, H, D = 1, 12, 128
    T, Hh, W = cfg["grid"]
    S = T * Hh * W
    slot, vbs, N, P = model_ref.tile_map(cfg["grid"], cfg["tile"], dev)
    K = cfg["topk"]
    header(f"(a) VSA, Wan 1.3B: B{B} H{H} S{S} ({N} tiles of {P}, padded {N * P}) D{D} bf16, "
           f"topk {K}/{N}, gate; tile/untile, coarse, top-k inside the timing")
    g = torch.Generator(device=dev)
    g.manual_seed(int.from_bytes(os.urandom(4), "little"))
    q, k, v, gate = vsa_inputs(cfg, (B, H, S, D), dt, g)
    scale = 1.0 / math.sqrt(D)
    valid = (torch.arange(P, device=dev)[None, :] < vbs[:, None])           # [N, P]
    valid_flat = valid.reshape(-1)
    vbs_f = vbs.to(torch.float32)
    whole = vbs == P

    def tile(x):
        out = torch.zeros(B, H, N * P, D, device=dev, dtype=x.dtype)
        out[:, :, slot] = x
        return out

    def coarse(qt, kt, vt):
        mean = lambda x: (x.view(B, H, N, P, D).float().sum(3) / vbs_f[None, None, :, None])
        qc, kc, vc = mean(qt), mean(kt), mean(vt)
        s = (qc @ kc.transpose(-1, -2)) * scale
        oc = (torch.softmax(s, -1) @ vc).to(dt)
        idx = torch.sort(s, dim=-1, descending=True, stable=True).indices[..., :K]
        return oc, idx.sort(-1).values.to(torch.int32)

    def block_mask(idx):
        isfull = whole[idx.long()]
        full_first = torch.argsort((~isfull).to(torch.int8), dim=-1, stable=True)
        part_first = torch.argsort(isfull.to(torch.int8), dim=-1, stable=True)
        nfull = isfull.sum(-1, dtype=torch.int32)
        pad = torch.zeros(B, H, N, N - K, device=dev, dtype=torch.int32)
        full_idx = torch.cat([idx.gather(-1, full_first), pad], -1).contiguous()
        part_idx = torch.cat([idx.gather(-1, part_first), pad], -1).contiguous()
        return BlockMask.from_kv_blocks((K - nfull).contiguous(), part_idx, nfull.contiguous(), full_idx,
                                        BLOCK_SIZE=P, mask_mod=lambda b, h, qi, ki: valid_flat[ki])

    ko = {"BLOCK_M": 64, "BLOCK_N": 64}

    def peer():
        qt, kt, vt, gt = tile(q), tile(k), tile(v), tile(gate)
        oc, idx = coarse(qt, kt, vt)
        os_ = flex(qt, kt, vt, block_mask=block_mask(idx), kernel_options=ko)
        out = oc.repeat_interleave(P, 2) * gt + os_
        return out[:, :, slot]

    # Useful flops from the selection (valid query rows x valid kept keys).
    qt, kt, vt = tile(q), tile(k), tile(v)
    _, idx = coarse(qt, kt, vt)
    kept = vbs[idx.long()].sum(-1).to(torch.float64)                          # [B,H,N]
    useful = 4.0 * D * (kept * vbs.to(torch.float64)[None, None, :]).sum().item()
    dense = 4.0 * B * H * S * S * D
    print(f"kept keys per valid query row: {useful / (4.0 * D * B * H * S):.0f} of {S} "
          f"({useful / dense * 100:.1f}% of dense)", flush=True)

    out = torch.empty_like(q)
    ours_ms = ours_row(rt, root, "wan_vsa_1.3b", [q, k, v, gate], [out],
                       "VSA whole layer: attn-mlir artifact", useful)

    def peer_row():
        ref = peer()
        ms = bench(peer)
        note = f"rel err ours vs peer {rel(out, ref):.1e}" if ours_ms else ""
        report("VSA whole layer: torch + FlexAttention (mask per call)", ms, useful, ours_ms, note)
    try_row(peer_row)

    def fine_row():
        bm = block_mask(idx)
        flex(qt, kt, vt, block_mask=bm, kernel_options=ko)
        ms = bench(lambda: flex(qt, kt, vt, block_mask=bm, kernel_options=ko))
        report("VSA fine stage only: FlexAttention (mask prebuilt)", ms, useful, ours_ms)
    try_row(fine_row)

    def dense_row():
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            torch.nn.functional.scaled_dot_product_attention(q, k, v)
            ms = bench(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))
        report("dense attention, same q/k/v: cuDNN SDPA (useful flops)", ms, useful, ours_ms,
               f"{dense / ms / 1e9:.0f} dense TFLOP/s")
    try_row(dense_row)


# --------------------------------------------------------------------------
# (b) STA
# --------------------------------------------------------------------------

def bench_sta(rt, root):
    cfg = model_ref.parse_model(os.path.join(ROOT, "examples", "hunyuan_sta_720p.mlir"))
    B, H, D = 1, 24, 128
    T, Hh, W = cfg["grid"]
    S_img = T * Hh * W
    L = cfg["text_length"]
    S_text = 256
    slot, _, N, P = model_ref.tile_map(cfg["grid"], cfg["tile"], dev)
    S = N * P + S_text
    nt, nh, nw = cfg["tile_grid"]
    win = cfg["window"]
    header(f"(b) STA, Hunyuan 720p: B{B} H{H} {S_img} image tokens ({N} tiles of {P}, grid "
           f"{nt}x{nh}x{nw}) + {S_text} text ({L} valid) D{D} bf16, window {win[0]}x{win[1]}x{win[2]}; "
           f"tile/untile inside the timing")
    qi, ki, vi = (torch.randn(B, H, S_img, D, device=dev, dtype=dt) for _ in range(3))
    qx, kx, vx = (torch.randn(B, H, S_text, D, device=dev, dtype=dt) for _ in range(3))

    tm = model_ref.sta_tile_mask(cfg["tile_grid"], win, dev)
    per_tile = tm.sum(1).to(torch.float64)
    useful = 4.0 * B * H * D * ((P * (per_tile * P + L)).sum().item() + S_text * (N * P + L))
    dense = 4.0 * B * H * S * S * D
    print(f"useful flops {useful / dense * 100:.1f}% of dense", flush=True)

    def tiled(x, t):
        out = torch.empty(B, H, S, D, device=dev, dtype=dt)
        out[:, :, slot] = x
        out[:, :, N * P:] = t
        return out

    s_img = N * P
    r = [w // 2 for w in win]
    full_dim = [2 * r[i] + 1 >= n for i, n in enumerate((nt, nh, nw))]

    def mask_mod(b, h, q_idx, kv_idx):
        q_img, kv_img = q_idx < s_img, kv_idx < s_img
        qt_ = torch.where(q_img, q_idx // P, 0)
        kt_ = torch.where(kv_img, kv_idx // P, 0)
        ok = kv_img
        for i, (qc, kc, n) in enumerate(((qt_ // (nh * nw), kt_ // (nh * nw), nt),
                                         ((qt_ // nw) % nh, (kt_ // nw) % nh, nh),
                                         (qt_ % nw, kt_ % nw, nw))):
            if not full_dim[i]:
                c = torch.clamp(qc, r[i], n - 1 - r[i])
                ok = ok & ((c - kc).abs() <= r[i])
        text_ok = (kv_idx >= s_img) & (kv_idx < s_img + L)
        return (kv_img & (~q_img | ok)) | text_ok

    t0 = time.time()
    bm = create_block_mask(mask_mod, None, None, S, S, device=dev, BLOCK_SIZE=128, _compile=True)
    torch.cuda.synchronize()
    build_s = time.time() - t0

    def peer():
        o = flex(tiled(qi, qx), tiled(ki, kx), tiled(vi, vx), block_mask=bm)
        return o[:, :, slot], o[:, :, s_img:]

    outs = [torch.empty(B, H, S_img, D, device=dev, dtype=dt),
            torch.empty(B, H, S_text, D, device=dev, dtype=dt)]
    ours_ms = ours_row(rt, root, "hunyuan_sta_720p", [qi, ki, vi, qx, kx, vx], outs,
                       "STA whole layer: attn-mlir artifact", useful)

    def peer_row():
        ref = peer()
        ms = bench(peer)
        note = f"mask built once in {build_s:.2f} s"
        if ours_ms:
            note += f"; rel err ours vs peer {rel(outs[0], ref[0]):.1e} / {rel(outs[1], ref[1]):.1e}"
        report("STA whole layer: torch tile + FlexAttention + untile", ms, useful, ours_ms, note)
    try_row(peer_row)

    q, k, v = tiled(qi, qx), tiled(ki, kx), tiled(vi, vx)

    def flex_row():
        flex(q, k, v, block_mask=bm)
        ms = bench(lambda: flex(q, k, v, block_mask=bm))
        report("STA attention only: FlexAttention on tiled q/k/v", ms, useful, ours_ms)
    try_row(flex_row)

    def dense_row():
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            torch.nn.functional.scaled_dot_product_attention(q, k, v)
            ms = bench(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))
        report("dense attention, same tokens: cuDNN SDPA (useful flops)", ms, useful, ours_ms,
               f"{dense / ms / 1e9:.0f} dense TFLOP/s")
    try_row(dense_row)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("root")
    p.add_argument("--only", choices=["vsa", "sta"])
    a = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    rt = Runtime(a.lib)
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
          f"{time.strftime('%Y-%m-%d')}", flush=True)
    if a.only in (None, "vsa"):
        try_row(lambda: bench_vsa(rt, a.root))
        torch.cuda.empty_cache()
    if a.only in (None, "sta"):
        try_row(lambda: bench_sta(rt, a.root))
    if os.environ.get("OUT"):
        json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows),
                  open(os.path.join(os.environ["OUT"], "gpu_model_bench.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
