"""SVG2's cluster ops on the CPU path (attn-run) on fresh random inputs,
against attn_ref's SVG2 (written the way svg/kmeans_utils.py computes it:
Lloyd's rounds, identify_dynamic_map's sort and cumulative sum, attention
of each query cluster over its selected key clusters on the tokens sorted
by label, the output scattered back):

  kmeans_f32 / kmeans_bf16  attn.kmeans from duplicated starting points (so
                            some clusters end empty and keep their centroid):
                            labels and sizes identical, centroids 1e-5;
  select_p*                 attn.cluster_select at top_p 0.5 / 0.9, with
                            min_kc_ratio 0.3 and empty key clusters: identical;
  attention_gqa             attn.cluster_attention, 2 query heads per kv head,
                            random labels and selections (a cluster with
                            nothing selected gives 0);
  svg2_layer                the four ops in one module (k-means of q and of k,
                            selection, attention);
  bad_label_refused         attn-run refuses a q label >= QC (exit 1);
  *_refused                 no centroids / an empty selection arriving through
                            dynamic dims: run-time errors, no reads.

usage: check_svg2.py ATTN_RUN WORK_DIR"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
from attn_run_case import Verdicts, run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()
verdict = Verdicts()


def init_from_tokens(x, k):
    # SVG2 starts from random tokens drawn with replacement; duplicates make
    # clusters that end empty.
    b, h, s, d = x.shape
    picks = rng.integers(0, s, (b, h, k))
    picks[..., 1] = picks[..., 0]
    return np.take_along_axis(np.asarray(x, np.float32), picks[..., None], 2).astype(np.float32)


def kmeans_case(name, elt):
    x = rng.standard_normal((2, 3, 60, 8)).astype(np.float32)
    if elt == "bf16":
        x = attn_ref.bf16_round(x)
    init = init_from_tokens(x, 10)
    xt, it = ty(x.shape, elt), ty(init.shape, "f32")
    lt, ct, st = ty((2, 3, 60), "i32"), it, ty((2, 3, 10), "i32")
    mlir = (f"func.func @main(%x: {xt}, %c: {it}) -> ({lt}, {ct}, {st}) {{\n"
            f"  %l, %m, %s = attn.kmeans %x, %c iterations 6 : {xt}, {it}\n"
            f"  return %l, %m, %s : {lt}, {ct}, {st}\n}}\n")
    lab, cen, siz = run(attn_run, os.path.join(work, name), mlir, [x, init], 3)
    wl, wc, ws = attn_ref.kmeans(x, init, 6)
    err = np.abs(cen - wc).max()
    same = np.array_equal(lab, wl) and np.array_equal(siz, ws)
    verdict(name, same and err < 1e-5,
            f"labels/sizes identical {same}, centroid max abs err {err:.2e}, "
            f"{int((ws == 0).sum())} empty clusters")


def select_case(name, top_p, ratio):
    qc = rng.standard_normal((1, 2, 7, 8)).astype(np.float32) * 2
    kc = rng.standard_normal((1, 2, 12, 8)).astype(np.float32) * 2
    ks = rng.integers(0, 20, (1, 2, 12)).astype(np.int32)
    ks[0, 0, 3] = 0
    qt, kt, zt, rt = ty(qc.shape, "f32"), ty(kc.shape, "f32"), ty(ks.shape, "i32"), \
        ty((1, 2, 7, 12), "i1")
    mlir = (f"func.func @main(%q: {qt}, %k: {kt}, %s: {zt}) -> {rt} {{\n"
            f"  %r = attn.cluster_select %q, %k, %s top_p {top_p} min_kc_ratio {ratio} : "
            f"{qt}, {kt}, {zt}\n  return %r : {rt}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, name), mlir, [qc, kc, ks], 1)
    want = attn_ref.svg2_select(qc, kc, ks, top_p, ratio)
    diff = int((got.astype(bool) != want).sum())
    n = want.sum(-1)
    verdict(name, diff == 0, f"{diff} of {want.size} entries differ; kept {n.min()}..{n.max()}")


def cluster_attention_module(q_shape, kv_shape, kl_shape, sel_shape):
    """@main(q, k, v, q_labels, k_labels, selection) -> attn.cluster_attention (f32)."""
    qt, kt = ty(q_shape, "f32"), ty(kv_shape, "f32")
    qlt, klt, st = ty(q_shape[:3], "i32"), ty(kl_shape, "i32"), ty(sel_shape, "i1")
    return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}, %ql: {qlt}, %kl: {klt}, %s: {st})"
            f" -> {qt} {{\n  %o = attn.cluster_attention %q, %k, %v, %ql, %kl, %s : "
            f"({qt}, {kt}, {kt}, {qlt}, {klt}, {st}) -> {qt}\n  return %o : {qt}\n}}\n")


def attention_gqa():
    q = rng.standard_normal((1, 4, 40, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, 30, 8)).astype(np.float32) for _ in range(2))
    ql = rng.integers(0, 5, (1, 4, 40)).astype(np.int32)
    kl = rng.integers(0, 6, (1, 4, 30)).astype(np.int32)
    sel = rng.random((1, 4, 5, 6)) < 0.4
    sel[0, 2, 1] = False  # query cluster 1 of head 2 selects nothing: 0
    mlir = cluster_attention_module(q.shape, k.shape, kl.shape, sel.shape)
    (got,) = run(attn_run, os.path.join(work, "attn"), mlir, [q, k, v, ql, kl, sel], 1)
    want = attn_ref.svg2_attention(q, k, v, ql, kl, sel)
    err = attn_ref.rel_err(got, want)
    empty = ql[0, 2] == 1
    zero = bool((got[0, 2, empty] == 0).all())
    verdict("attention_gqa", err < 1e-5 and zero, f"rel err {err:.2e}, empty cluster rows 0 {zero}")
    return q, k, v, ql, sel


def svg2_layer():
    b, h, s, d, nq, nk = 1, 2, 96, 16, 6, 10
    q, k, v = (rng.standard_normal((b, h, s, d)).astype(np.float32) for _ in range(3))
    iq, ik = init_from_tokens(q, nq), init_from_tokens(k, nk)
    t = ty(q.shape, "f32")
    qit, kit = ty(iq.shape, "f32"), ty(ik.shape, "f32")
    lt, qst, kst = ty((b, h, s), "i32"), ty((b, h, nq), "i32"), ty((b, h, nk), "i32")
    selt = ty((b, h, nq, nk), "i1")
    mlir = (f"func.func @main(%q: {t}, %k: {t}, %v: {t}, %iq: {qit}, %ik: {kit}) -> {t} {{\n"
            f"  %ql, %qc, %qs = attn.kmeans %q, %iq iterations 4 : {t}, {qit}\n"
            f"  %kl, %kc, %ks = attn.kmeans %k, %ik iterations 4 : {t}, {kit}\n"
            f"  %sel = attn.cluster_select %qc, %kc, %ks top_p 0.7 min_kc_ratio 0.1 : "
            f"{qit}, {kit}, {kst}\n"
            f"  %o = attn.cluster_attention %q, %k, %v, %ql, %kl, %sel : "
            f"({t}, {t}, {t}, {lt}, {lt}, {selt}) -> {t}\n  return %o : {t}\n}}\n")
    (got,) = run(attn_run, os.path.join(work, "layer"), mlir, [q, k, v, iq, ik], 1)
    ql, qc, _ = attn_ref.kmeans(q, iq, 4)
    kl, kc, ks = attn_ref.kmeans(k, ik, 4)
    sel = attn_ref.svg2_select(qc, kc, ks, 0.7, 0.1)
    want = attn_ref.svg2_attention(q, k, v, ql, kl, sel)
    err = attn_ref.rel_err(got, want)
    dense = attn_ref.rel_err(attn_ref.sdpa(q, k, v), want)
    verdict("svg2_layer", err < 1e-5 and dense > 1e-3,
            f"rel err {err:.2e} (dense attention differs by {dense:.2e}); "
            f"{sel.mean() * 100:.0f}% of cluster pairs kept")


def bad_label_refused(case):
    q, k, v, ql, sel = case
    ql = ql.copy()
    ql[0, 1, 7] = 5  # QC = 5
    kl = np.zeros((1, 4, 30), np.int32)
    mlir = cluster_attention_module(q.shape, k.shape, kl.shape, sel.shape)
    try:
        run(attn_run, os.path.join(work, "bad"), mlir, [q, k, v, ql, kl, sel], 1, capture=True)
        verdict("bad_label_refused", False, "attn-run accepted q label 5 for QC = 5")
    except subprocess.CalledProcessError as e:
        ok = e.returncode == 1 and "'q_labels'" in e.stderr and "is 5" in e.stderr
        verdict("bad_label_refused", ok, f"exit {e.returncode}: {e.stderr.strip()}")


def refused(name, mlir, inputs, nout, want):
    verdict.refused(name, attn_run, os.path.join(work, name), mlir, inputs, nout, want)


def empty_run_time_shapes_refused():
    x = rng.standard_normal((1, 1, 20, 4)).astype(np.float32)
    km = ("func.func @main(%x: tensor<1x1x20x4xf32>, %c: tensor<1x1x?x4xf32>) -> "
          "tensor<1x1x20xi32> {\n  %l, %m, %s = attn.kmeans %x, %c iterations 1 : "
          "tensor<1x1x20x4xf32>, tensor<1x1x?x4xf32>\n  return %l : tensor<1x1x20xi32>\n}\n")
    refused("kmeans_no_centroids_refused", km, [x, np.zeros((1, 1, 0, 4), np.float32)], 1,
            "attn.kmeans: 'init' must hold at least one centroid")
    ca = ("func.func @main(%q: tensor<1x1x20x4xf32>, %l: tensor<1x1x20xi32>, "
          "%s: tensor<1x1x?x?xi1>) -> tensor<1x1x20x4xf32> {\n"
          "  %o = attn.cluster_attention %q, %q, %q, %l, %l, %s : (tensor<1x1x20x4xf32>, "
          "tensor<1x1x20x4xf32>, tensor<1x1x20x4xf32>, tensor<1x1x20xi32>, "
          "tensor<1x1x20xi32>, tensor<1x1x?x?xi1>) -> tensor<1x1x20x4xf32>\n"
          "  return %o : tensor<1x1x20x4xf32>\n}\n")
    refused("cluster_attention_empty_selection_refused", ca,
            [x, np.zeros((1, 1, 20), np.int32), np.zeros((1, 1, 0, 0), bool)], 1,
            "attn.cluster_attention: 'selection' must have at least one query and one key")


kmeans_case("kmeans_f32", "f32")
kmeans_case("kmeans_bf16", "bf16")
select_case("select_p0.5", 0.5, 0.0)
select_case("select_p0.9_min_ratio", 0.9, 0.3)
case = attention_gqa()
svg2_layer()
bad_label_refused(case)
empty_run_time_shapes_refused()
verdict.exit()
