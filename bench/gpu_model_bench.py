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
               stage, gate, untile: timed eager (ops one by one, FlexAttention
               compiled) AND the whole layer under torch.compile (what a
               torch user runs; the ratios and the target are stated against
               it); also FlexAttention's fine stage alone
      dense    cuDNN SDPA on the raster q/k/v
(b) STA, HunyuanVideo 720p shape (examples/hunyuan_sta_720p.mlir: 115200
    image tokens in 300 6x8x8 tiles + 256 text, window 3x3x3, H24 D128 bf16),
    whole module with tile/untile:
      ours     the hunyuan_sta_720p artifact
      peer     torch tile + FlexAttention with the STA block mask (built once,
               outside the timing; its build time printed) + untile: eager and
               the whole layer under torch.compile (the one to beat); also
               FlexAttention alone on tiled inputs
      dense    cuDNN SDPA on the same 115456 tokens

TFLOP/s count useful flops only: 4*D*sum over (valid) query rows of the keys
they attend to (VSA: valid keys of the selected tiles; STA: window tiles plus
valid text). "x ours" is peer time / our time (> 1: ours is faster).

torch.compile peers: the whole peer layer function (tile, coarse stage and
top-k, block mask, FlexAttention, combine, untile) wrapped in torch.compile
(mode from --compile-mode, default torch's default; dynamic=False), compiled
and warmed up outside the timing (compile time printed), timed like every
row (CUDA events, median). The single-kernel rows (FlexAttention, which runs
compiled anyway, and cuDNN SDPA) are not wrapped again. Each section ends
with its target line against the compiled peer (issue 19: the Wan VSA layer
>= 3x the compiled peer, the Hunyuan STA layer <= 25 ms).

usage: gpu_model_bench.py LIBATTNRT ART_ROOT [--only vsa|sta]
                          [--compile-mode default|max-autotune-no-cudagraphs]
       gpu_model_bench.py --dry-run   (CPU: the row/compile/target logic on a
                                       toy layer; no GPU, torch.compile skipped
                                       where torch lacks it)
  (ART_ROOT/wan_vsa_1.3b, ART_ROOT/hunyuan_sta_720p from attn-compile; a
  missing artifact is reported and its row skipped)."""
import argparse
import json
import math
import os
import sys
import time

import torch

DRY_RUN = "--dry-run" in sys.argv
if not DRY_RUN:
    import triton.testing as tt
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import BlockMask, create_block_mask, flex_attention

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "gpu"))
# After PYTHONPATH: a package given there (the GPU machine's .device/python
# with its precompiled cache) wins over the repository's python/.
sys.path.append(os.path.join(ROOT, "python"))
if not DRY_RUN:
    import model_ref  # noqa: E402
    from attn_mlir.runtime import Runtime  # noqa: E402
    from check_models import vsa_inputs  # noqa: E402

dev = "cuda"
dt = torch.bfloat16
if not DRY_RUN:
    flex = torch.compile(flex_attention, dynamic=False)
    bench = lambda fn: tt.do_bench(fn, warmup=50, rep=300, return_mode="median")  # ms
COMPILE_MODE = None  # torch.compile's mode for the whole-layer peers (None: default)
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


def ours_row(rt, root, name, inputs, outputs, label, useful, ours_ms=None):
    """Times artifact `name` on the inputs (outputs written in place) and
    reports it (a variant: with its ratio to `ours_ms`); None when the
    artifact is missing or the run fails."""
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
        report(label, ms, useful, ours_ms,
               note=f"scratch {rt.scratch_bytes(h) / 2**20:.0f} MiB")
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


def compile_layer(fn):
    """torch.compile of a whole peer layer (None where this torch has no
    torch.compile, e.g. torch 1.x on a CPU-only machine)."""
    if not hasattr(torch, "compile"):
        return None
    kw = {"dynamic": False}
    if COMPILE_MODE:
        kw["mode"] = COMPILE_MODE
    return torch.compile(fn, **kw)


def peer_rows(label, layer, args, useful, ours_ms, ours_out, compare, sync=None):
    """The eager and the torch.compile rows of one peer layer `layer(*args)`
    on the same inputs; returns the compiled peer's ms (None when it could
    not run). compare(ours_out, peer_result) -> note text."""
    sync = sync or torch.cuda.synchronize

    def eager_row():
        ref = layer(*args)
        ms = bench(lambda: layer(*args))
        note = compare(ours_out, ref) if ours_ms else ""
        report(f"{label}, eager", ms, useful, ours_ms, note)
        return ref
    eager_ref = try_row(eager_row)

    def compiled_row():
        fn = compile_layer(layer)
        if fn is None:
            print(f"  {label}, torch.compile: skipped (this torch has no torch.compile)")
            return None
        t0 = time.time()
        for _ in range(3):  # compile and warm up outside the timing
            out = fn(*args)
        sync()
        compile_s = time.time() - t0
        ms = bench(lambda: fn(*args))
        note = f"compile+warm-up {compile_s:.1f} s"
        if eager_ref is not None:
            note += f"; vs eager {compare(out, eager_ref)}"
        if ours_ms:
            note += f"; {compare(ours_out, out)}"
        report(f"{label}, torch.compile whole layer", ms, useful, ours_ms, note)
        return ms
    return try_row(compiled_row)


def target_line(what, ours_ms, peer_ms, min_ratio=None, max_ms=None):
    """Prints whether a speed target holds against the compiled peer."""
    if not ours_ms:
        print(f"target {what}: no time for ours", flush=True)
        return
    parts, met = [], True
    if min_ratio is not None:
        if peer_ms:
            r = peer_ms / ours_ms
            parts.append(f"ours {r:.2f}x the compiled peer (target >= {min_ratio:g}x)")
            met &= r >= min_ratio
        else:
            parts.append("no compiled peer time")
            met = False
    if max_ms is not None:
        parts.append(f"ours {ours_ms:.2f} ms (target <= {max_ms:g} ms)")
        met &= ours_ms <= max_ms
    print(f"target {what}: {'; '.join(parts)}: {'MET' if met else 'NOT MET'}", flush=True)
    rows.append(dict(name=f"target {what}", met=met, detail="; ".join(parts)))


# --------------------------------------------------------------------------
# (a) VSA
# --------------------------------------------------------------------------

def vsa_peer(cfg, B, H, D, ko):
    """The torch + FlexAttention VSA layer of examples/wan_vsa_1.3b.mlir's
    configuration (FlexAttention kernel options `ko`): returns a namespace
    with the layer `peer(q, k, v, gate)` and its pieces (tile, coarse, the
    block mask of a selection, the tile map). Shared with
    bench/gpu_train_bench.py (the training step)."""
    T, Hh, W = cfg["grid"]
    slot, vbs, N, P = model_ref.tile_map(cfg["grid"], cfg["tile"], dev)
    K = cfg["topk"]
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
        oc = (torch.softmax(s, -1) @ vc).to(qt.dtype)
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

    def peer(q, k, v, gate):
        qt, kt, vt, gt = tile(q), tile(k), tile(v), tile(gate)
        oc, idx = coarse(qt, kt, vt)
        os_ = flex(qt, kt, vt, block_mask=block_mask(idx), kernel_options=ko)
        out = oc.repeat_interleave(P, 2) * gt + os_
        return out[:, :, slot]

    return argparse.Namespace(peer=peer, tile=tile, coarse=coarse, block_mask=block_mask,
                              slot=slot, vbs=vbs, N=N, P=P, K=K, S=T * Hh * W)


def bench_vsa(rt, root):
    cfg = model_ref.parse_model(os.path.join(ROOT, "examples", "wan_vsa_1.3b.mlir"))
    B, H, D = 1, 12, 128
    ko = {"BLOCK_M": 64, "BLOCK_N": 64}
    L = vsa_peer(cfg, B, H, D, ko)
    S, N, P, K, vbs = L.S, L.N, L.P, L.K, L.vbs
    tile, coarse, block_mask, peer = L.tile, L.coarse, L.block_mask, L.peer
    header(f"(a) VSA, Wan 1.3B: B{B} H{H} S{S} ({N} tiles of {P}, padded {N * P}) D{D} bf16, "
           f"topk {K}/{N}, gate; tile/untile, coarse, top-k inside the timing")
    g = torch.Generator(device=dev)
    g.manual_seed(int.from_bytes(os.urandom(4), "little"))
    q, k, v, gate = vsa_inputs(cfg, (B, H, S, D), dt, g)

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
    for variant, label in (("_gathers", "layout as gathers (--fold-layout=false)"),
                           ("_serial", "--overlap=false kernels")):
        ours_row(rt, root, "wan_vsa_1.3b" + variant, [q, k, v, gate], [out],
                 "VSA whole layer: attn-mlir, " + label, useful, ours_ms)

    compiled_ms = peer_rows("VSA whole layer: torch + FlexAttention (mask per call)", peer,
                            (q, k, v, gate), useful, ours_ms, out,
                            lambda a, b: f"rel err {rel(a, b):.1e}")

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
    target_line("VSA whole layer, Wan 1.3B", ours_ms, compiled_ms, min_ratio=3.0)


# --------------------------------------------------------------------------
# (b) STA
# --------------------------------------------------------------------------

def sta_block_mask(cfg, S):
    """FlexAttention's block mask (128 x 128) of STA on tiled tokens: the
    image tiles of cfg (tile_grid, tile, window) then text up to S, the
    first text_length text tokens valid keys for every query (shared with
    bench/gpu_grad_bench.py)."""
    nt, nh, nw = cfg["tile_grid"]
    P = cfg["tile"][0] * cfg["tile"][1] * cfg["tile"][2]
    s_img = nt * nh * nw * P
    L = cfg["text_length"]
    r = [w // 2 for w in cfg["window"]]
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
    return create_block_mask(mask_mod, None, None, S, S, device=dev, BLOCK_SIZE=128, _compile=True)


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
    t0 = time.time()
    bm = sta_block_mask(cfg, S)
    torch.cuda.synchronize()
    build_s = time.time() - t0

    def peer(qi, ki, vi, qx, kx, vx):
        o = flex(tiled(qi, qx), tiled(ki, kx), tiled(vi, vx), block_mask=bm)
        return o[:, :, slot], o[:, :, s_img:]

    outs = [torch.empty(B, H, S_img, D, device=dev, dtype=dt),
            torch.empty(B, H, S_text, D, device=dev, dtype=dt)]
    ours_ms = ours_row(rt, root, "hunyuan_sta_720p", [qi, ki, vi, qx, kx, vx], outs,
                       "STA whole layer: attn-mlir artifact", useful)
    for variant, label in (("_gathers", "layout as gathers (--fold-layout=false)"),
                           ("_serial", "--overlap=false kernels")):
        ours_row(rt, root, "hunyuan_sta_720p" + variant, [qi, ki, vi, qx, kx, vx], outs,
                 "STA whole layer: attn-mlir, " + label, useful, ours_ms)

    print(f"STA block mask built once in {build_s:.2f} s, outside every timing", flush=True)
    compiled_ms = peer_rows("STA whole layer: torch tile + FlexAttention (mask prebuilt) + untile",
                            peer, (qi, ki, vi, qx, kx, vx), useful, ours_ms, outs,
                            lambda a, b: f"rel err {rel(a[0], b[0]):.1e} / {rel(a[1], b[1]):.1e}")

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
    target_line("STA whole layer, Hunyuan 720p", ours_ms, compiled_ms, max_ms=25.0)


# --------------------------------------------------------------------------
# --dry-run: the row logic on the CPU
# --------------------------------------------------------------------------

def dry_run():
    """The eager/compiled rows and the target lines on a toy layer on the
    CPU (perf_counter medians instead of CUDA events); torch.compile is used
    where this torch has it."""
    global bench
    import statistics

    def bench(fn):  # noqa: F811 (the CPU stand-in for do_bench)
        ts = []
        for _ in range(20):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(ts)
    print(f"dry run on the CPU, torch {torch.__version__}, torch.compile "
          f"{'available' if hasattr(torch, 'compile') else 'not available'}")
    x = torch.randn(4, 256, 64)

    def layer(x):  # a toy "peer layer": tile (permute), attention, untile
        t = x.reshape(4, 4, 64, 64).permute(0, 2, 1, 3).reshape(4, 256, 64)
        a = torch.softmax(t @ t.transpose(-1, -2) / 8, -1) @ t
        return a.reshape(4, 64, 4, 64).permute(0, 2, 1, 3).reshape(4, 256, 64)
    ours = layer(x)
    header("(dry run) toy layer")
    useful = 4.0 * 64 * 4 * 256 * 256
    ours_ms = bench(lambda: layer(x))
    report("toy layer: 'ours' (the same function)", ours_ms, useful)
    compiled_ms = peer_rows("toy layer: peer", layer, (x,), useful, ours_ms, ours,
                            lambda a, b: f"rel err {rel(a, b):.1e}", sync=lambda: None)
    target_line("toy layer", ours_ms, compiled_ms, min_ratio=3.0)
    target_line("toy layer time", ours_ms, compiled_ms, max_ms=1e6)


def main():
    global COMPILE_MODE
    if DRY_RUN:
        return dry_run()
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("root")
    p.add_argument("--only", choices=["vsa", "sta"])
    p.add_argument("--compile-mode", default="default",
                   choices=["default", "max-autotune-no-cudagraphs"],
                   help="torch.compile mode of the whole-layer peers")
    a = p.parse_args()
    COMPILE_MODE = None if a.compile_mode == "default" else a.compile_mode
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
