"""The CPU path's attention gradients (attn.sdpa_grad, attn.block_sparse_grad
run by attn-run) against central finite differences of the NumPy reference
forward (attn_ref.py, float64) of L = sum(out * dout): every element of dq,
dk and dv, on fresh random inputs. Cases: GQA (2 query heads a kv head),
key masks, a custom scale, block lists with counts of 0 (empty rows), block
sizes that cut blocks short (a 0-size block), ids in any order; STA with
per-head windows and a ragged text tail (planned into block_sparse_grad),
and with a dynamic sequence (tables computed per call);
VSA (attn.vsa_grad: fine and coarse branches, the gate, partial tiles, GQA,
a dynamic sequence) with the forward's top-k selection held fixed.

usage: check_grads.py ATTN_RUN WORK_DIR   (prints one PASS/FAIL line a case)"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
from attn_run_case import run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()


def finite_differences(fwd, args, wrt, dout, eps=1e-6):
    """dL/d args[wrt] by central differences, L = sum(fwd(*args) * dout)."""
    x = args[wrt].astype(np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        for sign in (1, -1):
            y = x.copy()
            y[i] += sign * eps
            a = list(args)
            a[wrt] = y
            g[i] += sign * float(np.sum(fwd(*a) * dout))
    return g / (2 * eps)


def run_case(name, mlir, inputs, fwd, diff_args, wrt_names="qkv", dout_at=3):
    """Runs `mlir` on `inputs` with one output a name of `wrt_names` (the
    gradients of diff_args, in order) and compares each with the finite
    differences of fwd; inputs[dout_at] is dout."""
    grads = run(attn_run, os.path.join(work, name), mlir, inputs, len(wrt_names))
    ok = True
    dout = inputs[dout_at].astype(np.float64)
    for wrt, got in enumerate(grads):
        got = got.astype(np.float64)
        want = finite_differences(fwd, diff_args, wrt, dout)
        err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)
        good = err < 1e-4 and np.isfinite(got).all()
        ok = ok and good
        print(f"  {name} d{wrt_names[wrt]}: max err {err:.2e} (of max |grad| "
              f"{np.abs(want).max():.3g})")
    print(("PASS " if ok else "FAIL ") + name)
    return ok


def sdpa_case():
    qs, ks = (1, 4, 6, 8), (1, 2, 5, 8)
    q, k, v, do = (rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks, qs))
    m = np.array([[True, False, True, True, False]])
    args = ", ".join([f"%q: {ty(qs, 'f32')}", f"%k: {ty(ks, 'f32')}", f"%v: {ty(ks, 'f32')}",
                      f"%do: {ty(qs, 'f32')}", f"%m: {ty((1, 5), 'i1')}"])
    res = f"{ty(qs, 'f32')}, {ty(ks, 'f32')}, {ty(ks, 'f32')}"
    mlir = (f"func.func @main({args}) -> ({res}) {{\n"
            f"  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do key_mask %m scale 0.3 : "
            f"({ty(qs, 'f32')}, {ty(ks, 'f32')}, {ty(ks, 'f32')}, {ty(qs, 'f32')}, "
            f"{ty((1, 5), 'i1')}) -> ({res})\n"
            f"  return %dq, %dk, %dv : {res}\n}}\n")
    fwd = lambda q_, k_, v_: attn_ref.sdpa(q_, k_, v_, key_mask=m, scale=0.3)  # noqa: E731
    return run_case("sdpa_gqa_mask_scale", mlir, [q, k, v, do, m], fwd, [q, k, v])


def block_sparse_case():
    # Sq 12 in 3 query blocks of 4, Skv 12 in 4 kv blocks of 3; K 3.
    qs, ks = (1, 4, 12, 8), (1, 2, 12, 8)
    q, k, v, do = (rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks, qs))
    idx = np.zeros((1, 4, 3, 3), dtype=np.int32)
    cnt = np.zeros((1, 4, 3), dtype=np.int32)
    for h in range(4):
        for n in range(3):
            c = int(rng.integers(0, 4)) if (h, n) != (0, 0) else 0  # (0,0): empty row
            cnt[0, h, n] = c
            idx[0, h, n] = rng.permutation(4)[:3]
    vbs = np.array([3, 1, 0, 2], dtype=np.int32)
    T = lambda s, e: ty(s, e)  # noqa: E731
    ins = [("q", qs, "f32"), ("k", ks, "f32"), ("v", ks, "f32"), ("do", qs, "f32"),
           ("idx", idx.shape, "i32"), ("cnt", cnt.shape, "i32"), ("vbs", vbs.shape, "i32")]
    args = ", ".join(f"%{n}: {T(s, e)}" for n, s, e in ins)
    res = f"{T(qs, 'f32')}, {T(ks, 'f32')}, {T(ks, 'f32')}"
    mlir = (f"func.func @main({args}) -> ({res}) {{\n"
            f"  %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt, %vbs "
            f"block_q 4 block_kv 3 : ({', '.join(T(s, e) for _, s, e in ins)}) -> ({res})\n"
            f"  return %dq, %dk, %dv : {res}\n}}\n")
    fwd = lambda q_, k_, v_: attn_ref.block_sparse(  # noqa: E731
        q_, k_, v_, idx, cnt, 4, 3, kv_block_sizes=vbs)
    return run_case("block_sparse_gqa_sizes_empty_rows", mlir, [q, k, v, do, idx, cnt, vbs],
                    fwd, [q, k, v])


def sta_grad_case(name, n_text, seq, attrs, **ref):
    """attn.sliding_tile_grad on a 2x2x2 tile grid of 2x2x2 tiles (64 image
    tokens, tile-major) and `n_text` text tokens; `seq`: the sequence size
    in the IR type (a number or "?"); `attrs`: the op's window/text
    attributes, `ref`: the same for attn_ref.sliding_tile."""
    shape = (1, 2, 64 + n_text, 4)
    q, k, v, do = (rng.standard_normal(shape).astype(np.float32) for _ in range(4))
    t = ty((1, 2, seq, 4), "f32")
    mlir = (f"func.func @main(%q: {t}, %k: {t}, %v: {t}, %do: {t}) -> ({t}, {t}, {t}) {{\n"
            f"  %dq, %dk, %dv = attn.sliding_tile_grad %q, %k, %v, %do tile_grid [2, 2, 2] "
            f"tile [2, 2, 2] {attrs} : ({t}, {t}, {t}, {t}) -> ({t}, {t}, {t})\n"
            f"  return %dq, %dk, %dv : {t}, {t}, {t}\n}}\n")
    fwd = lambda q_, k_, v_: attn_ref.sliding_tile(  # noqa: E731
        q_, k_, v_, (2, 2, 2), (2, 2, 2), **ref)
    return run_case(name, mlir, [q, k, v, do], fwd, [q, k, v])


def sliding_tile_case():
    # 9 text tokens of which 5 are valid (a ragged text tail: padded to
    # whole blocks by attn-plan-sparsity); per-head windows, 2 heads.
    windows = [1, 1, 1, 2, 1, 2]
    return sta_grad_case("sliding_tile_windows_text", 9, 64 + 9,
                         f"windows [{', '.join(map(str, windows))}] text_length 5",
                         windows=windows, text_length=5)


def vsa_gate_sizes_case():
    # 3 query tiles and 3 kv tiles of P = 4 slots (valid tokens 4, 2, 3 and
    # 3, 4, 1), GQA (4 query heads, 2 kv heads), a gate; topk 2 of 3. The
    # selection is the forward's (a constant of the backward).
    P, qs, ks = 4, (1, 4, 12, 8), (1, 2, 12, 8)
    q, k, v, do, g = (rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks, qs, qs))
    qbs, kbs = np.array([4, 2, 3], np.int32), np.array([3, 4, 1], np.int32)
    for x, sizes in ((q, qbs), (g, qbs), (do, qbs), (k, kbs), (v, kbs)):
        for j, n in enumerate(sizes):  # pads zero, as attn.tile leaves them
            x[:, :, j * P + n:(j + 1) * P] = 0
    sel = attn_ref.vsa_selection(q, k, v, P, 2, qbs, kbs)
    ins = [("q", qs, "f32"), ("k", ks, "f32"), ("v", ks, "f32"), ("do", qs, "f32"),
           ("g", qs, "f32"), ("qbs", (3,), "i32"), ("kbs", (3,), "i32")]
    args = ", ".join(f"%{n}: {ty(s, e)}" for n, s, e in ins)
    res = ", ".join(ty(s, "f32") for s in (qs, ks, ks, qs))
    mlir = (f"func.func @main({args}) -> ({res}) {{\n"
            f"  %dq, %dk, %dv, %dg = attn.vsa_grad %q, %k, %v, %do gate %g q_block_sizes %qbs "
            f"kv_block_sizes %kbs block {P} topk 2 : "
            f"({', '.join(ty(s, e) for _, s, e in ins)}) -> ({res})\n"
            f"  return %dq, %dk, %dv, %dg : {res}\n}}\n")
    fwd = lambda q_, k_, v_, g_: attn_ref.vsa(  # noqa: E731
        q_, k_, v_, P, 2, gate=g_, q_block_sizes=qbs, kv_block_sizes=kbs, selection=sel)
    return run_case("vsa_gqa_gate_block_sizes", mlir, [q, k, v, do, g, qbs, kbs], fwd,
                    [q, k, v, g], wrt_names=["q", "k", "v", "gate"])


def vsa_dynamic_case():
    # No gate, full tiles, a dynamic sequence (16 tokens: 4 tiles of 4) and
    # topk 3 of 4.
    P, shape = 4, (1, 2, 16, 4)
    q, k, v, do = (rng.standard_normal(shape).astype(np.float32) for _ in range(4))
    sel = attn_ref.vsa_selection(q, k, v, P, 3)
    t = ty((1, 2, "?", 4), "f32")
    mlir = (f"func.func @main(%q: {t}, %k: {t}, %v: {t}, %do: {t}) -> ({t}, {t}, {t}) {{\n"
            f"  %dq, %dk, %dv = attn.vsa_grad %q, %k, %v, %do block {P} topk 3 : "
            f"({t}, {t}, {t}, {t}) -> ({t}, {t}, {t})\n"
            f"  return %dq, %dk, %dv : {t}, {t}, {t}\n}}\n")
    fwd = lambda q_, k_, v_: attn_ref.vsa(q_, k_, v_, P, 3, selection=sel)  # noqa: E731
    return run_case("vsa_dynamic_seq", mlir, [q, k, v, do], fwd, [q, k, v])


def sliding_tile_dynamic_case():
    # The STA gradient with a dynamic sequence (tables computed per call):
    # 7 text tokens of which 3 are valid.
    return sta_grad_case("sliding_tile_dynamic_seq", 7, "?", "window [1, 2, 1] text_length 3",
                         window=[1, 2, 1], text_length=3)


ok = all([sdpa_case(), block_sparse_case(), sliding_tile_case(), sliding_tile_dynamic_case(),
          vsa_gate_sizes_case(), vsa_dynamic_case()])
sys.exit(0 if ok else 1)
