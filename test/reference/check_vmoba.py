"""V-MoBA's chunk ops on the CPU path (attn-run) on fresh random inputs,
against attn_ref's V-MoBA (written the way FastVideo's moba_attn_varlen
computes it: sort and cumulative sum for the threshold rule, each chunk's
attention merged by log-sum-exp):

  chunk_mean_edges       attn.chunk_mean on a grid the chunks do not divide
                         (edge chunks of fewer tokens), bf16 input;
  select_topk            attn.chunk_select topk 3, and topk >= C (every chunk);
  select_threshold_*     threshold 0.25 / 0.6 (variable counts), 1.5 (never
                         reached: FastVideo's two-chunk fallback), and rows
                         whose gates are all equal (q = 0);
  attention_gqa          attn.chunk_attention with 2 query heads per kv head
                         and random selections (rows with none give 0);
  layer_<mode>           the three ops in one module (temporal, spatial,
                         spatiotemporal chunks; topk and threshold) against
                         attn_ref.vmoba;
  bad_selection_refused  a dynamic module run with a selection of the wrong
                         head count: exit 1, the relation named;
  *_refused              dynamic selections of the wrong chunk or token count,
                         key means of the wrong chunk count: the same.

Selections must be identical; outputs within 1e-5 (f32) of the float64
reference. usage: check_vmoba.py ATTN_RUN WORK_DIR"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
from attn_run_case import Verdicts, run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()
verdict = Verdicts()


def attrs(grid, chunk):
    return f"grid [{', '.join(map(str, grid))}] chunk [{', '.join(map(str, chunk))}]"


def chunk_count(grid, chunk):
    return int(attn_ref.vmoba_chunk_ids(grid, chunk).max()) + 1


def chunk_mean_edges():
    grid, chunk = (3, 5, 6), (2, 2, 4)
    k = attn_ref.bf16_round(rng.standard_normal((2, 3, 90, 8)).astype(np.float32))
    c = chunk_count(grid, chunk)
    kt, rt = ty(k.shape, "bf16"), ty((2, 3, c, 8), "f32")
    mlir = (f"func.func @main(%k: {kt}) -> {rt} {{\n"
            f"  %m = attn.chunk_mean %k {attrs(grid, chunk)} : {kt}\n"
            f"  return %m : {rt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, "mean"), mlir, [k], 1)
    want = attn_ref.vmoba_chunk_mean(k, grid, chunk)
    err = np.abs(got - want).max()
    verdict("chunk_mean_edges", got.shape == want.shape and err < 1e-5,
            f"C = {c}, max abs err {err:.2e}")


def select_case(name, grid, chunk, mode, q=None):
    b, h, d = 2, 3, 16
    s = int(np.prod(grid))
    if q is None:
        q = rng.standard_normal((b, h, s, d)).astype(np.float32)
    k = rng.standard_normal((b, h, s, d)).astype(np.float32)
    km = attn_ref.vmoba_chunk_mean(k, grid, chunk)
    c = km.shape[2]
    qt, mt, st = ty(q.shape, "f32"), ty(km.shape, "f32"), ty((b, h, s, c), "i1")
    how = f"topk {mode[1]}" if mode[0] == "topk" else f"threshold {mode[1]}"
    mlir = (f"func.func @main(%q: {qt}, %km: {mt}) -> {st} {{\n"
            f"  %s = attn.chunk_select %q, %km {attrs(grid, chunk)} {how} : {qt}, {mt}\n"
            f"  return %s : {st}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, name), mlir, [q, km], 1)
    kw = {"topk": mode[1]} if mode[0] == "topk" else {"threshold": mode[1]}
    want = attn_ref.vmoba_select(q, km, grid, chunk, **kw)
    diff = int((got.astype(bool) != want).sum())
    counts = want.sum(-1)
    verdict(name, diff == 0,
            f"C = {c}, {diff} of {want.size} entries differ; chunks per row "
            f"{counts.min()}..{counts.max()}")


def attention_gqa():
    grid, chunk = (2, 4, 6), (1, 2, 3)
    s, c = 48, chunk_count(grid, chunk)
    q = rng.standard_normal((1, 4, s, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, s, 8)).astype(np.float32) for _ in range(2))
    sel = rng.random((1, 4, s, c)) < 0.3
    sel[0, 1, 5] = False  # a row with no chunk: 0
    qt, kt, st = ty(q.shape, "f32"), ty(k.shape, "f32"), ty(sel.shape, "i1")
    mlir = (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}, %s: {st}) -> {qt} {{\n"
            f"  %o = attn.chunk_attention %q, %k, %v, %s {attrs(grid, chunk)} scale 0.3 : "
            f"({qt}, {kt}, {kt}, {st}) -> {qt}\n  return %o : {qt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, "gqa"), mlir, [q, k, v, sel], 1)
    want = attn_ref.vmoba_attention(q, k, v, sel, grid, chunk, scale=0.3)
    err = attn_ref.rel_err(got, want)
    verdict("attention_gqa", err < 1e-5 and (got[0, 1, 5] == 0).all(),
            f"rel err {err:.2e}, empty row zero {bool((got[0, 1, 5] == 0).all())}")


def layer(name, grid, chunk, mode):
    b, h, d = 1, 2, 16
    s = int(np.prod(grid))
    q, k, v = (rng.standard_normal((b, h, s, d)).astype(np.float32) for _ in range(3))
    c = chunk_count(grid, chunk)
    qt, mt, st = ty(q.shape, "f32"), ty((b, h, c, d), "f32"), ty((b, h, s, c), "i1")
    how = f"topk {mode[1]}" if mode[0] == "topk" else f"threshold {mode[1]}"
    a = attrs(grid, chunk)
    mlir = (f"func.func @main(%q: {qt}, %k: {qt}, %v: {qt}) -> {qt} {{\n"
            f"  %m = attn.chunk_mean %k {a} : {qt}\n"
            f"  %s = attn.chunk_select %q, %m {a} {how} : {qt}, {mt}\n"
            f"  %o = attn.chunk_attention %q, %k, %v, %s {a} : "
            f"({qt}, {qt}, {qt}, {st}) -> {qt}\n  return %o : {qt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, name), mlir, [q, k, v], 1)
    kw = {"topk": mode[1]} if mode[0] == "topk" else {"threshold": mode[1]}
    want = attn_ref.vmoba(q, k, v, grid, chunk, **kw)
    dense = attn_ref.sdpa(q, k, v)
    err = attn_ref.rel_err(got, want)
    sparse = attn_ref.rel_err(dense, want)
    verdict(name, err < 1e-5 and sparse > 1e-3,
            f"C = {c}, rel err {err:.2e} (dense attention differs by {sparse:.2e})")


DYN = ("func.func @main(%q: tensor<1x?x24x8xf32>, %k: tensor<1x?x24x8xf32>, "
       "%s: tensor<1x?x24x4xi1>) -> tensor<1x?x24x8xf32> {\n"
       "  %o = attn.chunk_attention %q, %k, %k, %s grid [2, 3, 4] chunk [1, 3, 2] : "
       "(tensor<1x?x24x8xf32>, tensor<1x?x24x8xf32>, tensor<1x?x24x8xf32>, "
       "tensor<1x?x24x4xi1>) -> tensor<1x?x24x8xf32>\n"
       "  return %o : tensor<1x?x24x8xf32>\n}\n")


def refused(name, mlir, inputs, want):
    verdict.refused(name, attn_run, os.path.join(work, name), mlir, inputs, 1, want)


def bad_selection_refused():
    q = rng.standard_normal((1, 2, 24, 8)).astype(np.float32)
    sel = np.ones((1, 3, 24, 4), bool)  # 3 selection heads for 2
    refused("bad_selection_refused", DYN, [q, q, sel],
            "attn.chunk_attention: 'selection' must be [B, Hq, S, C]")


SEL_DYN = ("func.func @main(%q: tensor<1x1x24x8xf32>, %s: tensor<1x1x?x?xi1>) -> "
           "tensor<1x1x24x8xf32> {\n"
           "  %o = attn.chunk_attention %q, %q, %q, %s grid [2, 3, 4] chunk [1, 3, 2] : "
           "(tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, tensor<1x1x24x8xf32>, "
           "tensor<1x1x?x?xi1>) -> tensor<1x1x24x8xf32>\n  return %o : tensor<1x1x24x8xf32>\n}\n")
KM_DYN = ("func.func @main(%q: tensor<1x1x24x8xf32>, %m: tensor<1x1x?x8xf32>) -> "
          "tensor<1x1x24x4xi1> {\n"
          "  %s = attn.chunk_select %q, %m grid [2, 3, 4] chunk [1, 3, 2] topk 2 : "
          "tensor<1x1x24x8xf32>, tensor<1x1x?x8xf32>\n  return %s : tensor<1x1x24x4xi1>\n}\n")


def run_time_shapes_refused():
    q = rng.standard_normal((1, 1, 24, 8)).astype(np.float32)
    for name, sel in (("selection_chunks_refused", np.ones((1, 1, 24, 2), bool)),
                      ("selection_tokens_refused", np.ones((1, 1, 12, 4), bool))):
        refused(name, SEL_DYN, [q, sel],
                "attn.chunk_attention: 'selection' must be [B, Hq, S, C]")
    refused("key_means_chunks_refused", KM_DYN, [q, np.zeros((1, 1, 1, 8), np.float32)],
            "attn.chunk_select: 'key_means' must be [B, H, C, D]")


chunk_mean_edges()
select_case("select_topk", (4, 4, 6), (1, 2, 3), ("topk", 3))
select_case("select_topk_all", (4, 4, 6), (2, 4, 6), ("topk", 5))
select_case("select_threshold_0.25", (4, 4, 6), (1, 2, 3), ("threshold", 0.25))
select_case("select_threshold_0.6", (4, 4, 6), (1, 2, 3), ("threshold", 0.6))
select_case("select_threshold_1.5", (4, 4, 6), (1, 2, 3), ("threshold", 1.5))
q0 = rng.standard_normal((2, 3, 96, 16)).astype(np.float32)
q0[:, :, ::5] = 0  # equal gates in every fifth row
select_case("select_threshold_equal_gates", (4, 4, 6), (1, 2, 3), ("threshold", 0.25), q0)
attention_gqa()
layer("layer_temporal", (5, 4, 6), (2, 4, 6), ("topk", 2))
layer("layer_spatial", (3, 6, 8), (3, 3, 4), ("threshold", 0.25))
layer("layer_spatiotemporal", (4, 4, 6), (2, 2, 3), ("threshold", 0.25))
layer("layer_spatiotemporal_topk", (4, 4, 6), (2, 2, 3), ("topk", 3))
bad_selection_refused()
run_time_shapes_refused()
verdict.exit()
