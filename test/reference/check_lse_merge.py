"""attn.lse_merge on the CPU path (attn-run) on fresh random inputs:

  halves_equal_whole  attn.sdpa with its lse over two halves of the keys
                      (GQA, a key mask; batch 1 has no valid key in either
                      half), merged, against attn_ref.sdpa over all the keys
                      (float64): the merge of disjoint key sets is the
                      attention over their union, rows without a key give 0
                      and -inf;
  three_way_f16       three f16 partial outputs with lses holding -inf
                      entries (one part empty, all parts empty) against
                      attn_ref.lse_merge;
  dynamic             `?` batch and sequence: the same op at two shapes,
                      then a run whose second lse has another sequence
                      length, refused by the lowered code (exit 1, the
                      relation named).

usage: check_lse_merge.py ATTN_RUN WORK_DIR   (one PASS/FAIL line a case)"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
from attn_run_case import out_lse_errors, run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()


def report(name, out, lse, want_out, want_lse, tol):
    out_err, lse_err, empty, same_inf = out_lse_errors(out, lse, want_out, want_lse)
    zero_rows = bool((out[empty] == 0).all())
    ok = (out_err < tol and lse_err < 1e-5 and same_inf and zero_rows
          and not np.isnan(out).any() and not np.isnan(lse).any())
    print(f"  {name}: out rel err {out_err:.2e}, lse max abs err {lse_err:.2e}, "
          f"{int(empty.sum())} row(s) without a key: -inf {same_inf}, 0 {zero_rows}")
    print(("PASS " if ok else "FAIL ") + name)
    return ok


def halves_equal_whole():
    q = rng.standard_normal((2, 4, 6, 8)).astype(np.float32)
    k, v = (rng.standard_normal((2, 2, 11, 8)).astype(np.float32) for _ in range(2))
    m = rng.random((2, 11)) < 0.7
    m[0, :5] = False  # batch 0: the first half has no valid key
    m[1] = False      # batch 1: no valid key at all
    m[0, 7] = True
    want = attn_ref.sdpa(q, k, v, key_mask=m, return_lse=True)
    parts = [(k[:, :, :5], v[:, :, :5], m[:, :5]), (k[:, :, 5:], v[:, :, 5:], m[:, 5:])]
    qt, lt = ty(q.shape, "f32"), ty(q.shape[:3], "f32")
    args, lines, ins = [f"%q: {qt}"], [], [q]
    for i, (kk, vv, mm) in enumerate(parts):
        kt, mt = ty(kk.shape, "f32"), ty(mm.shape, "i1")
        args += [f"%k{i}: {kt}", f"%v{i}: {kt}", f"%m{i}: {mt}"]
        ins += [kk, vv, mm]
        lines.append(f"  %o{i}, %l{i} = attn.sdpa %q, %k{i}, %v{i} key_mask %m{i} : "
                     f"({qt}, {kt}, {kt}, {mt}) -> ({qt}, {lt})")
    mlir = (f"func.func @main({', '.join(args)}) -> ({qt}, {lt}) {{\n" + "\n".join(lines) +
            f"\n  %o, %l = attn.lse_merge %o0, %o1 lse %l0, %l1 : ({qt}, {qt}, {lt}, {lt})"
            f" -> ({qt}, {lt})\n  return %o, %l : {qt}, {lt}\n}}\n")
    out, lse = run(attn_run, os.path.join(work, "halves"), mlir, ins, 2)
    return report("halves_equal_whole", out, lse, *want, 1e-5)


def three_way_f16():
    shape = (1, 3, 7, 16)
    outs = [rng.standard_normal(shape).astype(np.float16) for _ in range(3)]
    lses = [(rng.standard_normal(shape[:3]) * 4).astype(np.float32) for _ in range(3)]
    lses[1][0, 0, :3] = -np.inf               # one part without keys
    for x in lses:
        x[0, 2, 4] = -np.inf                  # no part with keys
    want = attn_ref.lse_merge(outs, lses)
    ot, lt = ty(shape, "f16"), ty(shape[:3], "f32")
    mlir = (f"func.func @main(%a: {ot}, %b: {ot}, %c: {ot}, %la: {lt}, %lb: {lt}, %lc: {lt})"
            f" -> ({ot}, {lt}) {{\n"
            f"  %o, %l = attn.lse_merge %a, %b, %c lse %la, %lb, %lc : "
            f"({ot}, {ot}, {ot}, {lt}, {lt}, {lt}) -> ({ot}, {lt})\n"
            f"  return %o, %l : {ot}, {lt}\n}}\n")
    out, lse = run(attn_run, os.path.join(work, "three"), mlir, outs + lses, 2)
    return report("three_way_f16", out, lse, want[0].astype(np.float64), want[1], 2e-3)


DYN = ("func.func @main(%a: tensor<?x2x?x4xf32>, %b: tensor<?x2x?x4xf32>, "
       "%la: tensor<?x2x?xf32>, %lb: tensor<?x2x?xf32>) -> (tensor<?x2x?x4xf32>, "
       "tensor<?x2x?xf32>) {\n"
       "  %o, %l = attn.lse_merge %a, %b lse %la, %lb : (tensor<?x2x?x4xf32>, "
       "tensor<?x2x?x4xf32>, tensor<?x2x?xf32>, tensor<?x2x?xf32>) -> "
       "(tensor<?x2x?x4xf32>, tensor<?x2x?xf32>)\n"
       "  return %o, %l : tensor<?x2x?x4xf32>, tensor<?x2x?xf32>\n}\n")


def dynamic():
    ok = True
    for b, s in ((1, 5), (3, 9)):
        outs = [rng.standard_normal((b, 2, s, 4)).astype(np.float32) for _ in range(2)]
        lses = [rng.standard_normal((b, 2, s)).astype(np.float32) for _ in range(2)]
        want = attn_ref.lse_merge(outs, lses)
        out, lse = run(attn_run, os.path.join(work, f"dyn{b}x{s}"), DYN, outs + lses, 2)
        ok = report(f"dynamic_{b}x{s}", out, lse, want[0].astype(np.float64), want[1],
                    1e-5) and ok
    bad = [rng.standard_normal((1, 2, 5, 4)).astype(np.float32) for _ in range(2)]
    bad += [np.zeros((1, 2, 5), np.float32), np.zeros((1, 2, 6), np.float32)]
    try:
        run(attn_run, os.path.join(work, "dynbad"), DYN, bad, 2, capture=True)
        print("  dynamic_bad: attn-run accepted an lse of another length")
        refused = False
    except subprocess.CalledProcessError as e:
        want = ("run-time shape check failed: attn.lse_merge: the partial outputs "
                "[B, H, S, D] and log-sum-exps [B, H, S] must agree")
        refused = e.returncode == 1 and want in e.stderr
        print(f"  dynamic_bad: attn-run exit {e.returncode}: {e.stderr.strip()}")
    print(("PASS " if refused else "FAIL ") + "dynamic_bad_shape_refused")
    return ok and refused


ok = all([halves_equal_whole(), three_way_f16(), dynamic()])
sys.exit(0 if ok else 1)
