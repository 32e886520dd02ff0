#!/usr/bin/env python3
"""Random kv_indices / kv_counts for attn.block_sparse execution tests.

  block_indices.py IDX.npy CNT.npy --shape B,H,Nq,K --nkv N [--min-count C] [--max-count C]
                   [--zero-rows R] [--unsorted] [--sorted-copy IDX2.npy] [--fill V,V,...]

Each row (b, h, J) gets a count in [min-count, max-count] (default [1, K]) and that many
distinct ids drawn from 0..N-1, ascending unless --unsorted (then in random order, never
ascending when count >= 2). --zero-rows R forces R random rows to count 0. Entries past the
count hold the row's next unused ids (valid ids that must still be ignored) unless --fill gives
values to cycle through (e.g. --fill=-1,999: garbage). --sorted-copy writes the same indices with each
row's counted entries sorted. Fresh seed each run (printed to stderr).
"""
import argparse
import os
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("idx")
p.add_argument("cnt")
p.add_argument("--shape", required=True)
p.add_argument("--nkv", type=int, required=True)
p.add_argument("--min-count", type=int, default=1)
p.add_argument("--max-count", type=int)
p.add_argument("--zero-rows", type=int, default=0)
p.add_argument("--unsorted", action="store_true")
p.add_argument("--sorted-copy")
p.add_argument("--fill")
a = p.parse_args()

b, h, nq, k = (int(x) for x in a.shape.split(","))
assert k <= a.nkv
hi = k if a.max_count is None else a.max_count
seed = int.from_bytes(os.urandom(4), "little")
print(f"block_indices: {a.idx} seed={seed}", file=sys.stderr)
rng = np.random.default_rng(seed)
cnt = rng.integers(a.min_count, hi + 1, (b, h, nq))
rows = [(i, j, l) for i in range(b) for j in range(h) for l in range(nq)]
for r in rng.permutation(len(rows))[:a.zero_rows]:
    cnt[rows[r]] = 0
fill = [int(x) for x in a.fill.split(",")] if a.fill else None
idx = np.zeros((b, h, nq, k), dtype=np.int64)
srt = np.zeros_like(idx)
for r in rows:
    c = int(cnt[r])
    perm = rng.permutation(a.nkv)
    used = np.sort(perm[:c])
    if a.unsorted and c >= 2:
        while True:
            shuffled = rng.permutation(used)
            if (np.diff(shuffled) < 0).any():
                break
    else:
        shuffled = used
    rest = perm[c:k] if fill is None else np.array([fill[i % len(fill)] for i in range(k - c)])
    idx[r] = np.concatenate([shuffled, rest]).astype(np.int64)
    srt[r] = np.concatenate([used, rest]).astype(np.int64)
np.save(a.idx, idx.astype(np.int32))
np.save(a.cnt, cnt.astype(np.int32))
if a.sorted_copy:
    np.save(a.sorted_copy, srt.astype(np.int32))
