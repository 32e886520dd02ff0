#!/usr/bin/env python3
"""Writes .npy inputs for the checked-mode test of the block_sparse_bf16_d128
artifact (test/GPU/Inputs/block_sparse_bf16_d128.mlir: q [1,4,1024,128],
k/v [1,2,1024,128], kv_indices [1,4,16,5], kv_counts [1,4,16],
kv_block_sizes [16]): valid tables, and two corrupt variants, each with the
message that `attnrt-run --checked` must print (OUT/<case>.expected).
usage: make_checked_case.py OUT_DIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng()
save = lambda name, x: np.save(os.path.join(out, name + ".npy"), x)
save("q", rng.standard_normal((1, 4, 1024, 128)).astype("<f4"))
save("k", rng.standard_normal((1, 2, 1024, 128)).astype("<f4"))
save("v", rng.standard_normal((1, 2, 1024, 128)).astype("<f4"))
idx = np.stack([rng.permutation(16)[:5] for _ in range(4 * 16)]).reshape(1, 4, 16, 5).astype("<i4")
cnt = rng.integers(2, 6, (1, 4, 16)).astype("<i4")  # >= 2: entry 1 of every row is checked
save("vbs", np.full(16, 64, "<i4"))
save("idx", idx)
save("cnt", cnt)
bad_cnt = cnt.copy()
bad_cnt[0, 2, 7] = 9
save("badcnt", bad_cnt)
open(os.path.join(out, "badcnt.expected"), "w").write(
    "attnrt_run: checked mode: kv_counts[0,2,7] = 9 is outside [0, 5]")
bad_idx = idx.copy()
bad_idx[0, 3, 11, 1] = 700
save("badidx", bad_idx)
open(os.path.join(out, "badidx.expected"), "w").write(
    "attnrt_run: checked mode: kv_indices[0,3,11,1] = 700 is outside [0, 16)")
