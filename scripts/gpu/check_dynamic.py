#!/usr/bin/env python3
"""One artifact, many shapes (issue 14, GPU path): the artifacts compiled
from test/Compile/Inputs/dynamic_sdpa.mlir (attn.sdpa, run-time batch and
lengths, GQA 8:2, bf16 D128) and dynamic_block_sparse.mlir (attn.block_sparse,
run-time batch, lengths and table width, f16 D64) run through attnrt at 5
random shapes each (attn_mlir.runtime.Artifact with the arguments' shapes:
attnrt_run_shaped), outputs poisoned with NaN first, against the float32
torch reference of check_flash.py on fresh random inputs (bf16/f16 rel err,
whole and worst row, < 1e-2 by test/reference/errcheck.py); then a shape
that breaks the plan's asserts must be refused before any launch. The VSA
layer of dynamic_grid_vsa.mlir (the video grid and topk as size arguments,
run-time batch and length) runs at 5 random grids (partial tiles included)
and random top-ks (with dynamic_grid_vsa_wide, --topk-shared-fallback, one
more grid of more than 1024 tiles), against model_ref.py's float32 VSA on check_models.py's inputs
(planted block structure, so the top-k selection is unambiguous). The STA
layer of sta_text_length_operand.mlir (the valid text length a size
argument) runs at random text lengths (0 and all included) against
model_ref.py's float32 STA.

usage: check_dynamic.py LIBATTNRT ART_ROOT [--quick]
  (ART_ROOT/dynamic_sdpa, dynamic_block_sparse, dynamic_grid_vsa from
  scripts/gpu/make_artifacts.sh)"""
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
sys.path.insert(0, HERE)
import errcheck  # noqa: E402
from attn_mlir.runtime import Artifact, RuntimeLibraryError  # noqa: E402
from check_flash import make_tables, reference  # noqa: E402
import check_models  # noqa: E402

dev = "cuda"


def run(art, args, out_shape, dtype):
    out = torch.full(out_shape, float("nan"), device=dev, dtype=dtype)
    art.run(torch.cuda.current_stream().cuda_stream, [a.data_ptr() for a in args],
            [out.data_ptr()], [a.shape for a in args])
    torch.cuda.synchronize()
    return out


def main():
    lib, root = sys.argv[1], sys.argv[2]
    n = 2 if "--quick" in sys.argv else 5
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    torch.manual_seed(rng.randrange(2**31))
    passed = failed = 0

    def refused(name, art, ptrs, shapes, out, expect):
        """A run with shapes that break the plan's asserts: refused with
        `expect` in the message, nothing launched (out still NaN)."""
        nonlocal passed, failed
        try:
            art.run(0, ptrs, [out.data_ptr()], shapes)
            ok, msg = False, "ran"
        except RuntimeLibraryError as e:
            torch.cuda.synchronize()
            ok = expect in str(e) and out.isnan().all().item()
            msg = str(e).split("failed: ")[-1]
        print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}", flush=True)
        passed += ok
        failed += not ok

    def verdict(name, out, ref):
        nonlocal passed, failed
        ok, msg = errcheck.check(out.float(), ref, 1e-2)
        ok = ok and not out.isnan().any().item()
        print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}", flush=True)
        passed += ok
        failed += not ok

    art = Artifact(os.path.join(root, "dynamic_sdpa"), lib)
    for _ in range(n):
        B, Sq, Skv = rng.randint(1, 3), rng.randint(1, 3000), rng.randint(1, 3000)
        q = torch.randn(B, 8, Sq, 128, device=dev, dtype=torch.bfloat16)
        k, v = (torch.randn(B, 2, Skv, 128, device=dev, dtype=torch.bfloat16) for _ in range(2))
        shape = art.result_shape(0, [q.shape, k.shape, v.shape])
        out = run(art, [q, k, v], shape, torch.bfloat16)
        ref = reference(q, k, v, None, None, None, 128, 128, 128 ** -0.5, False, False)
        verdict(f"dynamic_sdpa B{B} Sq{Sq} Skv{Skv}", out, ref)

    art = Artifact(os.path.join(root, "dynamic_block_sparse"), lib)
    for _ in range(n):
        B, nq, nkv = rng.randint(1, 2), rng.randint(1, 40), rng.randint(1, 40)
        K = rng.randint(1, nkv)
        q = torch.randn(B, 4, nq * 64, 64, device=dev, dtype=torch.float16)
        k, v = (torch.randn(B, 4, nkv * 64, 64, device=dev, dtype=torch.float16) for _ in range(2))
        idx, cnt, _ = make_tables("random", B, 4, nq, nkv, K, 64, True, False, False)
        shape = art.result_shape(0, [q.shape, k.shape, v.shape, idx.shape, cnt.shape])
        out = run(art, [q, k, v, idx, cnt], shape, torch.float16)
        ref = reference(q, k, v, idx, cnt, None, 64, 64, 64 ** -0.5, True, False)
        verdict(f"dynamic_block_sparse B{B} Sq{nq * 64} Skv{nkv * 64} K{K}", out, ref)

    # A table with the wrong number of rows: refused, nothing written.
    q = torch.randn(1, 4, 128, 64, device=dev, dtype=torch.float16)
    idx = torch.zeros(1, 4, 3, 1, device=dev, dtype=torch.int32)
    cnt = torch.zeros(1, 4, 3, device=dev, dtype=torch.int32)
    refused("refused shape", art,
            [q.data_ptr(), q.data_ptr(), q.data_ptr(), idx.data_ptr(), cnt.data_ptr()],
            [q.shape, q.shape, q.shape, idx.shape, cnt.shape], torch.full_like(q, float("nan")),
            "must have a row per query block")

    # The VSA layer at random grids and top-ks: one artifact.
    art = Artifact(os.path.join(root, "dynamic_grid_vsa"), lib)
    gen = torch.Generator(device=dev)
    gen.manual_seed(rng.randrange(2**31))
    # With dynamic_grid_vsa_wide (attn-compile --topk-shared-fallback), a
    # last trial of more than 1024 tiles on it: the top-k's shared-memory
    # branch, its shared memory sized at run time.
    wide = os.path.join(root, "dynamic_grid_vsa_wide")
    for trial in range(n + 1 if os.path.isdir(wide) else n):
        big = trial == n
        while True:
            if big:
                T, H, W = rng.randint(9, 16), rng.randint(48, 80), rng.randint(64, 96)
            else:
                T, H, W = rng.randint(1, 9), rng.randint(3, 40), rng.randint(3, 48)
            N = -(-T // 4) * -(-H // 4) * -(-W // 4)
            if (1024 < N <= 2048) if big else (2 <= N <= 1024):
                break
        B = 1 if big else rng.randint(1, 2)
        topk = rng.randint(1, 96) if big else rng.randint(1, N + 2)
        cfg = {"kind": "vsa", "grid": [T, H, W], "tile": [4, 4, 4], "block": 64,
               "topk": topk, "gate": True}
        ins = check_models.vsa_inputs(cfg, (B, 12, T * H * W, 128), torch.bfloat16, gen)
        try:
            refs, margin = check_models.reference(cfg, ins, torch.bfloat16)
        except AssertionError as e:  # an ambiguous planted selection: redraw
            print(f"skip grid {T}x{H}x{W}: {e}", flush=True)
            continue
        shapes = [x.shape for x in ins] + [(T,), (H,), (W,), (topk,)]
        if big:
            art = Artifact(wide, lib)
        shape = art.result_shape(0, shapes)
        out = torch.full(shape, float("nan"), device=dev, dtype=torch.bfloat16)
        art.run(torch.cuda.current_stream().cuda_stream,
                [x.data_ptr() for x in ins] + [0, 0, 0, 0], [out.data_ptr()], shapes)
        torch.cuda.synchronize()
        verdict(f"dynamic_grid_vsa{'_wide' if big else ''} B{B} grid {T}x{H}x{W} ({N} tiles) "
                f"topk {topk}", out, refs[0])

    # STA with a run-time text length (sta_text_length_operand.mlir: the
    # raster-tile kernel with text, the length a size argument): one
    # artifact at random prompt lengths, edge ones included.
    # (sta_text_length_operand_lf, where present: attn-compile --long-first,
    # the text query blocks first and the padding-only one skipped.)
    cfg = {"kind": "sta", "grid": [12, 16, 24], "tile": [6, 8, 8], "tile_grid": [2, 2, 3],
           "sta_tile": [6, 8, 8], "window": [1, 3, 1]}
    lengths = [0, 200] + [rng.randint(1, 199) for _ in range(n)]
    for name, L in [("sta_text_length_operand", L) for L in lengths] + \
            [("sta_text_length_operand_lf", L) for L in lengths[:3]
             if os.path.isdir(os.path.join(root, "sta_text_length_operand_lf"))]:
        art_sta = Artifact(os.path.join(root, name), lib)
        ins = [torch.randn(1, 2, 4608, 128, device=dev, dtype=torch.bfloat16) for _ in range(3)]
        ins += [torch.randn(1, 2, 200, 128, device=dev, dtype=torch.bfloat16) for _ in range(3)]
        outs = [torch.full((1, 2, 4608, 128), float("nan"), device=dev, dtype=torch.bfloat16),
                torch.full((1, 2, 200, 128), float("nan"), device=dev, dtype=torch.bfloat16)]
        art_sta.run(torch.cuda.current_stream().cuda_stream, [x.data_ptr() for x in ins] + [0],
                    [o.data_ptr() for o in outs], [x.shape for x in ins] + [(L,)])
        torch.cuda.synchronize()
        oi, ot = check_models.model_ref.sta_model(dict(cfg, text_length=L), *ins)
        verdict(f"{name} text_length {L}", torch.cat([outs[0], outs[1]], 2),
                torch.cat([oi, ot], 2))

    # STA as Python builds it (sta_one_tensor.mlir: q, k, v, out one tensor
    # each, image then text; the maps over slabs of it), fresh inputs.
    # (sta_one_tensor: the default plan, gathers; sta_one_tensor_slabs: the
    # --fold-slabs plan, the raster-tile kernel over slab maps.)
    cfg1 = {"kind": "sta", "grid": [6, 8, 16], "tile": [6, 8, 8], "tile_grid": [1, 1, 2],
            "sta_tile": [6, 8, 8], "window": [1, 1, 1], "text_length": 100}
    for name in ("sta_one_tensor", "sta_one_tensor_slabs"):
        art_one = Artifact(os.path.join(root, name), lib)
        for _ in range(2):
            x = [torch.randn(1, 2, 896, 64, device=dev, dtype=torch.bfloat16) for _ in range(3)]
            out = torch.full((1, 2, 896, 64), float("nan"), device=dev, dtype=torch.bfloat16)
            art_one.run(torch.cuda.current_stream().cuda_stream, [t.data_ptr() for t in x],
                        [out.data_ptr()])
            torch.cuda.synchronize()
            parts = [t[:, :, :768].contiguous() for t in x] + [t[:, :, 768:].contiguous() for t in x]
            oi, ot = check_models.model_ref.sta_model(cfg1, *parts)
            verdict(f"{name} text_length 100", out, torch.cat([oi, ot], 2))

    # A grid that does not match the sequence: refused before any launch.
    x = torch.randn(1, 12, 120, 128, device=dev, dtype=torch.bfloat16)
    refused("refused grid", art, [x.data_ptr()] * 4 + [0] * 4,
            [x.shape] * 4 + [(2,), (6,), (11,), (3,)], torch.full_like(x, float("nan")),
            "T*H*W")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
