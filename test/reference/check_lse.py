"""The forward attention ops' optional lse result (the row log-sum-exp of the
valid scaled scores; -inf for a row with no valid key) on the CPU path
(attn-run), against the NumPy reference (attn_ref, float64) on fresh random
inputs: attn.sdpa with GQA, a custom scale and a key mask that leaves one
batch with no valid key; attn.block_sparse with rows of count 0 and block
sizes cutting blocks short; attn.sliding_tile with a ragged text tail
(planned into block_sparse on padded rows, lse sliced back). The output
beside the lse is checked too.

usage: check_lse.py ATTN_RUN WORK_DIR   (prints one PASS/FAIL line a case)"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref  # noqa: E402
from attn_run_case import out_lse_errors, run, ty  # noqa: E402

attn_run, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()


def run_case(name, op_line, ins, want_out, want_lse):
    """ins: (name, array, elt); op_line: the op, '%o, %lse = ...'."""
    q_shape = ins[0][1].shape
    res = f"{ty(q_shape, 'f32')}, {ty(q_shape[:3], 'f32')}"
    args = ", ".join(f"%{n}: {ty(x.shape, e)}" for n, x, e in ins)
    types = ", ".join(ty(x.shape, e) for _, x, e in ins)
    mlir = (f"func.func @main({args}) -> ({res}) {{\n"
            f"  %o, %lse = {op_line} : ({types}) -> ({res})\n"
            f"  return %o, %lse : {res}\n}}\n")
    out, lse = run(attn_run, os.path.join(work, name), mlir, [x for _, x, _ in ins], 2)
    out_err, lse_err, empty, same_inf = out_lse_errors(out, lse, want_out, want_lse)
    ok = (out_err < 1e-5 and lse_err < 1e-5 and same_inf and lse.dtype == np.float32
          and lse.shape == want_lse.shape and not np.isnan(lse).any())
    print(f"  {name}: out rel err {out_err:.2e}, lse max abs err {lse_err:.2e}, "
          f"{int(empty.sum())} empty row(s) -inf: {same_inf}")
    print(("PASS " if ok else "FAIL ") + name)
    return ok


def sdpa_case():
    q = rng.standard_normal((2, 4, 6, 8)).astype(np.float32)
    k, v = (rng.standard_normal((2, 2, 5, 8)).astype(np.float32) for _ in range(2))
    m = np.array([[True, False, True, True, False], [False] * 5])  # batch 1: no valid key
    want = attn_ref.sdpa(q, k, v, key_mask=m, scale=0.3, return_lse=True)
    return run_case("sdpa_gqa_mask_empty_batch",
                    "attn.sdpa %q, %k, %v key_mask %m scale 0.3",
                    [("q", q, "f32"), ("k", k, "f32"), ("v", v, "f32"), ("m", m, "i1")], *want)


def block_sparse_case():
    q = rng.standard_normal((1, 2, 12, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, 12, 8)).astype(np.float32) for _ in range(2))
    idx = np.array([[[[0, 2], [3, 1], [1, 0]], [[2, 3], [0, 1], [3, 2]]]], np.int32)
    cnt = np.array([[[2, 0, 1], [1, 2, 2]]], np.int32)  # (0, 1): an empty row
    vbs = np.array([3, 1, 0, 2], np.int32)
    want = attn_ref.block_sparse(q, k, v, idx, cnt, 4, 3, kv_block_sizes=vbs, return_lse=True)
    return run_case("block_sparse_empty_rows_sizes",
                    "attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 3",
                    [("q", q, "f32"), ("k", k, "f32"), ("v", v, "f32"), ("idx", idx, "i32"),
                     ("cnt", cnt, "i32"), ("vbs", vbs, "i32")], *want)


def sliding_tile_case():
    shape = (1, 2, 64 + 9, 4)
    q, k, v = (rng.standard_normal(shape).astype(np.float32) for _ in range(3))
    want = attn_ref.sliding_tile(q, k, v, (2, 2, 2), (2, 2, 2), windows=[1, 1, 1, 2, 1, 2],
                                 text_length=5, return_lse=True)
    return run_case("sliding_tile_ragged_text",
                    "attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [2, 2, 2] "
                    "windows [1, 1, 1, 2, 1, 2] text_length 5",
                    [("q", q, "f32"), ("k", k, "f32"), ("v", v, "f32")], *want)


ok = all([sdpa_case(), block_sparse_case(), sliding_tile_case()])
sys.exit(0 if ok else 1)
