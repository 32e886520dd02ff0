"""Self-tests of the NumPy reference (attn_ref.py) against facts stated independently of it:
the worked examples and invariants of SPEC.md / UPSTREAM.md, and direct per-row loops.

Run: /usr/bin/python3 -m pytest -q test_attn_ref.py
"""

import itertools
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import attn_ref as A

HERE = os.path.dirname(os.path.abspath(__file__))


def rng(seed=0):
    return np.random.default_rng(seed)


def loop_attention(q, k, v, allowed, scale):
    """out[b,h,i] by a plain loop; allowed(b, h, i, j) -> bool; GQA h -> h // (Hq // Hkv)."""
    b_, hq, sq, _ = q.shape
    hkv, skv, dv = k.shape[1], k.shape[2], v.shape[3]
    out = np.zeros((b_, hq, sq, dv))
    for b in range(b_):
        for h in range(hq):
            g = h // (hq // hkv)
            for i in range(sq):
                js = [j for j in range(skv) if allowed(b, h, i, j)]
                if not js:
                    continue
                logits = [scale * float(np.dot(q[b, h, i].astype(np.float64),
                                               k[b, g, j].astype(np.float64))) for j in js]
                m = max(logits)
                w = [math.exp(x - m) for x in logits]
                tot = sum(w)
                for wj, j in zip(w, js):
                    out[b, h, i] += wj / tot * v[b, g, j].astype(np.float64)
    return out


# ------------------------------------------------------------------------------- tiling

def test_worked_example_indices():
    tpi, npi, comb, vbs = A.tile_indices((1, 3, 5), (1, 2, 2))
    assert tpi.tolist() == [0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14]
    assert npi.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20]
    assert comb.tolist() == [0, 1, 4, 5, 8, 2, 3, 6, 7, 9, 12, 13, 16, 17, 20]
    assert vbs.tolist() == [4, 4, 2, 2, 2, 1]
    assert vbs.dtype == np.int32
    n, ntiles, p = A.tile_geometry((1, 3, 5), (1, 2, 2))
    assert n == (1, 2, 3) and ntiles * p == 24
    pads = sorted(set(range(24)) - set(npi.tolist()))
    assert pads == [10, 11, 14, 15, 18, 19, 21, 22, 23]


def test_worked_example_tile_values():
    # SPEC: source raster index of each filled slot in order 0,1,5,6 | 2,3,7,8 | 4,9 | 10,11 |
    # 12,13 | 14, and the rest of each tile is 0.
    x = (np.arange(15, dtype=np.float32) + 1).reshape(1, 1, 15, 1)
    t = A.tile(x, (1, 3, 5), (1, 2, 2))[0, 0, :, 0]
    filled = [[0, 1, 5, 6], [2, 3, 7, 8], [4, 9], [10, 11], [12, 13], [14]]
    expect = []
    for src in filled:
        expect += [s + 1 for s in src] + [0] * (4 - len(src))
    assert t.tolist() == expect


def test_partial_remainders_padding():
    _, n, p = A.tile_geometry((1, 8, 8), (4, 4, 4))
    _, _, _, vbs = A.tile_indices((1, 8, 8), (4, 4, 4))
    assert n == 4 and p == 64 and n * p == 256
    assert vbs.tolist() == [16, 16, 16, 16]
    x = np.ones((1, 1, 64, 2), np.float32)
    assert A.tile(x, (1, 8, 8), (4, 4, 4)).shape == (1, 1, 256, 2)


@pytest.mark.parametrize("grid,tl", [((1, 3, 5), (1, 2, 2)), ((5, 7, 3), (4, 4, 4)),
                                     ((1, 8, 8), (4, 4, 4)), ((1, 1, 1), (4, 4, 4))])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_tile_roundtrip_bit_exact(grid, tl, dtype):
    s = grid[0] * grid[1] * grid[2]
    x = rng(1).standard_normal((2, 3, s, 4)).astype(dtype)
    x.reshape(-1)[0] = -0.0
    if x.size > 2:
        x.reshape(-1)[1] = np.nan
    t = A.tile(x, grid, tl)
    assert t.dtype == x.dtype
    y = A.untile(t, grid, tl)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert y.tobytes() == x.tobytes()
    _, npi, _, vbs = A.tile_indices(grid, tl)
    _, n, p = A.tile_geometry(grid, tl)
    assert int(vbs.sum()) == s
    pad = np.ones(n * p, bool)
    pad[npi] = False
    assert pad.sum() == n * p - s
    # Pad slots are +0.0 bit-exactly.
    assert not t[:, :, pad].view(np.uint8).any()
    # Valid tokens occupy the first vbs[j] slots of each tile.
    slot = np.arange(n * p)
    assert np.array_equal(~pad, (slot % p) < vbs[slot // p])


@pytest.mark.parametrize("grid,tl", [((1, 3, 5), (1, 2, 2)), ((5, 7, 3), (4, 4, 4)),
                                     ((3, 5, 6), (2, 2, 4))])
def test_comb_closed_form(grid, tl):
    # UPSTREAM 1.2: comb[r(t,h,w)] = j(t,h,w)*P + local(t,h,w), local row-major over the
    # clipped extents.
    T, H, W = grid
    a, b, c = tl
    nh, nw = -(-H // b), -(-W // c)
    p = a * b * c
    expect = []
    for t in range(T):
        for h in range(H):
            for w in range(W):
                it, ih, iw = t // a, h // b, w // c
                eh, ew = min(b, H - ih * b), min(c, W - iw * c)
                j = (it * nh + ih) * nw + iw
                local = ((t - it * a) * eh + (h - ih * b)) * ew + (w - iw * c)
                expect.append(j * p + local)
    assert A.tile_indices(grid, tl)[2].tolist() == expect


# ------------------------------------------------------------------------------- sdpa / masks

def test_sdpa_vs_loop_gqa_mask():
    r = rng(2)
    q = r.standard_normal((2, 4, 5, 3)).astype(np.float32)
    k = r.standard_normal((2, 2, 6, 3)).astype(np.float32)
    v = r.standard_normal((2, 2, 6, 2)).astype(np.float32)
    km = np.array([[1, 0, 1, 1, 0, 1], [0, 1, 1, 1, 1, 1]], bool)
    got = A.sdpa(q, k, v, km)
    ref = loop_attention(q, k, v, lambda b, h, i, j: km[b, j], 1 / math.sqrt(3))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    got = A.sdpa(q, k, v, scale=0.5)
    ref = loop_attention(q, k, v, lambda b, h, i, j: True, 0.5)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_sdpa_all_masked_row_is_zero():
    r = rng(3)
    q = r.standard_normal((2, 2, 4, 8))
    km = np.array([[False] * 4, [True, False, True, False]])
    out = A.sdpa(q, q, q, km)
    assert np.all(out[0] == 0) and np.all(np.isfinite(out))
    assert np.abs(out[1]).sum() > 0


def test_sdpa_large_fast():
    q = rng(4).standard_normal((1, 2, 2048, 64)).astype(np.float32)
    out = A.sdpa(q, q, q)
    assert out.shape == (1, 2, 2048, 64) and np.all(np.isfinite(out))


def test_mask_from_lengths():
    m = A.mask_from_lengths(np.array([0, 3, 7], np.int32), 5)
    assert m.dtype == bool
    assert m.astype(int).tolist() == [[0] * 5, [1, 1, 1, 0, 0], [1] * 5]


# ------------------------------------------------------------------------------- block sparse

def test_block_sparse_vs_loop():
    r = rng(5)
    bq, bkv = 2, 3
    q = r.standard_normal((1, 2, 6, 4)).astype(np.float32)      # Nq = 3
    k = r.standard_normal((1, 1, 12, 4)).astype(np.float32)     # Nkv = 4
    v = r.standard_normal((1, 1, 12, 4)).astype(np.float32)
    idx = np.array([[[[3, 1, 0], [2, 0, 0], [0, 0, 0]],
                     [[0, 1, 2], [3, 2, 9], [3, 1, 0]]]], np.int32)   # 9: past the count
    cnt = np.array([[[2, 1, 0], [3, 2, 1]]], np.int32)
    sizes = np.array([3, 1, 2, 0], np.int32)

    def allowed(b, h, i, j):
        sel = idx[b, h, i // bq, :cnt[b, h, i // bq]].tolist()
        return (j // bkv) in sel and (j % bkv) < sizes[j // bkv]

    got = A.block_sparse(q, k, v, idx, cnt, bq, bkv, sizes)
    ref = loop_attention(q, k, v, allowed, 1 / 2)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    assert np.all(got[0, 0, 4:6] == 0)        # count 0
    assert np.all(got[0, 1, 4:6] == 0)        # only block 3, which has 0 valid keys


def test_block_sparse_order_invariant():
    r = rng(6)
    q = r.standard_normal((1, 1, 4, 4))
    k = r.standard_normal((1, 1, 8, 4))
    idx = np.array([[[[0, 2, 3], [3, 1, 0]]]], np.int32)
    idx_rev = np.array([[[[3, 2, 0], [0, 1, 3]]]], np.int32)
    cnt = np.array([[[3, 3]]], np.int32)
    a = A.block_sparse(q, k, k, idx, cnt, 2, 2)
    b = A.block_sparse(q, k, k, idx_rev, cnt, 2, 2)
    np.testing.assert_allclose(a, b, rtol=1e-13)


def test_block_sparse_bad_input():
    q = np.zeros((1, 1, 4, 2))
    idx = np.array([[[[0, 1], [1, 0]]]], np.int32)
    cnt = np.array([[[2, 2]]], np.int32)
    A.block_sparse(q, q, q, idx, cnt, 2, 2)
    with pytest.raises(ValueError, match="kv_indices"):
        A.block_sparse(q, q, q, np.array([[[[0, 2], [1, 0]]]], np.int32), cnt, 2, 2)
    with pytest.raises(ValueError, match="kv_indices"):
        A.block_sparse(q, q, q, np.array([[[[-1, 0], [1, 0]]]], np.int32), cnt, 2, 2)
    with pytest.raises(ValueError, match="kv_counts"):
        A.block_sparse(q, q, q, idx, np.array([[[3, 2]]], np.int32), 2, 2)
    with pytest.raises(ValueError, match="kv_counts"):
        A.block_sparse(q, q, q, idx, np.array([[[-1, 2]]], np.int32), 2, 2)
    with pytest.raises(ValueError, match="kv_block_sizes"):
        A.block_sparse(q, q, q, idx, cnt, 2, 2, np.array([3, 1], np.int32))
    with pytest.raises(ValueError, match="more than once"):
        A.block_sparse(q, q, q, np.array([[[[1, 1], [1, 0]]]], np.int32), cnt, 2, 2)
    # Out-of-range ids past the count are ignored.
    A.block_sparse(q, q, q, np.array([[[[0, 99], [1, 0]]]], np.int32),
                   np.array([[[1, 2]]], np.int32), 2, 2)


# ------------------------------------------------------------------------------- VSA pieces

def test_block_mean_partial():
    x = rng(7).standard_normal((1, 2, 12, 3)).astype(np.float32)
    sizes = np.array([4, 1, 3], np.int32)
    m = A.block_mean(x, 4, sizes)
    assert m.dtype == np.float32 and m.shape == (1, 2, 3, 3)
    for j in range(3):
        ref = x[:, :, 4 * j:4 * j + sizes[j]].astype(np.float64).mean(axis=2)
        np.testing.assert_allclose(m[:, :, j], ref, rtol=1e-6)
    np.testing.assert_allclose(A.block_mean(x, 4), x.reshape(1, 2, 3, 4, 3).mean(3), rtol=1e-6)


def test_block_topk_adversarial_tie():
    row = [10.0] + [0.0196533203125] * 5 + [-10.0]
    s = np.array(row, np.float32).reshape(1, 1, 1, 7)
    idx, cnt = A.block_topk(s, 3)
    assert idx.dtype == np.int32 and cnt.dtype == np.int32
    assert idx.tolist() == [[[[0, 1, 2]]]] and cnt.tolist() == [[[3]]]
    # Ties at the threshold: lowest ids win; output ascending.
    s = np.array([1, 5, 3, 5, 3, 3], np.float32).reshape(1, 1, 1, 6)
    assert A.block_topk(s, 3)[0].tolist() == [[[[1, 2, 3]]]]
    # k > Nkv clamps to Nkv.
    idx, cnt = A.block_topk(s, 10)
    assert idx.shape == (1, 1, 1, 6) and cnt.tolist() == [[[6]]]


def test_block_topk_special_values_follow_spec_order():
    # SPEC: NaN above +inf, +inf above every finite value, -inf below; +0.0 and -0.0 tie
    # (lowest id wins); NaNs of either sign tie with each other (lowest id wins).
    nan, inf = np.nan, np.inf
    rows = {
        (nan, -inf, -inf, -inf, -inf, -inf, -inf): {1: [0], 3: [0, 1, 2]},
        (-inf, inf, 1.0, nan, 0.0, -nan, -1.0): {1: [3], 2: [3, 5], 3: [1, 3, 5], 4: [1, 2, 3, 5]},
        (-0.0, 0.0, -1.0, 0.0, -inf, -0.0, 5.0): {2: [0, 6], 3: [0, 1, 6], 5: [0, 1, 3, 5, 6]},
        (-inf, -inf, -inf, -inf, -inf, -inf, -inf): {3: [0, 1, 2]},
        (inf, inf, nan, inf, 0.0, 0.0, 0.0): {2: [0, 2], 4: [0, 1, 2, 3]},
    }
    for row, expect in rows.items():
        s = np.array(row, np.float32).reshape(1, 1, 1, 7)
        for k, ids in expect.items():
            assert A.block_topk(s, k)[0].tolist() == [[[ids]]], (row, k)


def test_block_topk_agrees_with_torch_topk_values():
    # The selected values equal torch.topk's (as a multiset, NaN counted as NaN), on rows
    # mixing NaN, +-inf and +-0.0; torch does not promise which id wins a tie, so ids are
    # not compared.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    pool = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.5], np.float32)
    s = rng.choice(pool, size=(2, 3, 5, 9)).astype(np.float32)
    for k in (1, 3, 6, 9):
        idx, _ = A.block_topk(s, k)
        ours = np.sort(np.take_along_axis(s, idx.astype(np.int64), axis=-1), axis=-1)
        theirs = np.sort(torch.topk(torch.from_numpy(s), k, dim=-1).values.numpy(), axis=-1)
        np.testing.assert_array_equal(ours, theirs)


def test_topk_from_sparsity():
    assert A.topk_from_sparsity(0.9, 624) == 63
    # UPSTREAM 1.5 table.
    assert A.topk_from_sparsity(0.8, 624) == 125
    assert A.topk_from_sparsity(0.9, 1440) == 144
    assert A.topk_from_sparsity(0.8, 1440) == 288
    assert A.topk_from_sparsity(1.0, 10) == 1
    assert A.topk_from_sparsity(0.0, 10) == 10


def _raster_vsa_case(grid, tl, seed, heads=(2, 2), d=8):
    r = rng(seed)
    s = grid[0] * grid[1] * grid[2]
    q = r.standard_normal((1, heads[0], s, d)).astype(np.float32)
    k = r.standard_normal((1, heads[1], s, d)).astype(np.float32)
    v = r.standard_normal((1, heads[1], s, d)).astype(np.float32)
    return q, k, v


@pytest.mark.parametrize("heads", [(2, 2), (4, 2)])
def test_vsa_full_topk_zero_gate_is_sdpa(heads):
    grid, tl = (3, 5, 6), (2, 2, 4)
    q, k, v = _raster_vsa_case(grid, tl, 8, heads)
    _, _, _, vbs = A.tile_indices(grid, tl)
    _, n, p = A.tile_geometry(grid, tl)
    qt, kt, vt = (A.tile(x, grid, tl) for x in (q, k, v))
    gate = np.zeros(qt.shape, np.float32)
    out = A.vsa(qt, kt, vt, p, n, gate, vbs, vbs)
    got = A.untile(out, grid, tl)
    ref = A.sdpa(q, k, v)
    assert A.rel_err(got, ref) < 1e-12


def test_vsa_single_token_blocks():
    # With P = 1, block means are the tokens themselves, so the coarse branch is dense
    # attention too: out = Oc + Os = 2 * sdpa.
    q, k, v = _raster_vsa_case((2, 3, 4), (1, 1, 1), 9)
    out = A.vsa(q, k, v, 1, 24)
    assert A.rel_err(out, 2 * A.sdpa(q, k, v)) < 1e-12


def test_vsa_coarse_branch_by_loop():
    # topk = 1 with a ones gate: check Oc by a direct loop over block means, and Os as
    # attention to the single best block.
    grid, tl = (2, 3, 3), (2, 2, 2)
    q, k, v = _raster_vsa_case(grid, tl, 10, (1, 1), 4)
    _, _, _, vbs = A.tile_indices(grid, tl)
    _, n, p = A.tile_geometry(grid, tl)
    qt, kt, vt = (A.tile(x, grid, tl).astype(np.float64) for x in (q, k, v))
    out = A.vsa(qt, kt, vt, p, 1, np.ones_like(qt), vbs, vbs)
    mean = [[x[0, 0, j * p:j * p + vbs[j]].mean(0) for j in range(n)] for x in (qt, kt, vt)]
    for jq in range(n):
        sc = np.array([mean[0][jq] @ mean[1][j] / 2 for j in range(n)])
        w = np.exp(sc - sc.max())
        w /= w.sum()
        oc = sum(w[j] * mean[2][j] for j in range(n))
        best = int(np.argmax(sc))
        keys = range(best * p, best * p + vbs[best])
        for i in range(jq * p, (jq + 1) * p):
            lg = np.array([qt[0, 0, i] @ kt[0, 0, kk] / 2 for kk in keys])
            a = np.exp(lg - lg.max())
            a /= a.sum()
            os_ = sum(a[t] * vt[0, 0, kk] for t, kk in enumerate(keys))
            np.testing.assert_allclose(out[0, 0, i], oc + os_, rtol=1e-10, atol=1e-12)


def test_vsa_round_means_bf16_changes_little():
    grid, tl = (4, 4, 4), (2, 2, 2)
    q, k, v = (A.bf16_round(x) for x in _raster_vsa_case(grid, tl, 11))
    qt, kt, vt = (A.tile(x, grid, tl) for x in (q, k, v))
    a = A.vsa(qt, kt, vt, 8, 8)
    b = A.vsa(qt, kt, vt, 8, 8, round_means="bf16")
    assert 0 < A.rel_err(b, a) < 1e-1


# ------------------------------------------------------------------------------- STA

def test_sta_window_counts_exhaustive():
    # Every query tile sees exactly prod_d min(2 r_d + 1, n_d) tiles, forming a box that
    # contains the query tile (the window shifts, it is not cut).
    for n in itertools.product(range(1, 6), repeat=3):
        for kw in itertools.product(range(1, 7), repeat=3):
            m = A.sta_tile_mask(n, kw)
            expect = 1
            for nd, kd in zip(n, kw):
                expect *= min(2 * (kd // 2) + 1, nd)
            counts = m.sum(axis=1)
            assert np.all(counts == expect), (n, kw)
            assert np.all(np.diagonal(m)), (n, kw)


def test_sta_dim_matches_natten_start():
    # UPSTREAM 2.2: when the window fits, its first tile is clamp(i - r, 0, n - (2r+1));
    # otherwise the whole dimension.
    for n in range(1, 13):
        for k in range(1, 14):
            r = k // 2
            m = A.sta_dim_mask(n, k)
            for i in range(n):
                if 2 * r + 1 <= n:
                    start = min(max(i - r, 0), n - (2 * r + 1))
                    expect = [start <= x < start + 2 * r + 1 for x in range(n)]
                else:
                    expect = [True] * n
                assert m[i].tolist() == expect, (n, k, i)


def _sta_rule(tile_grid, tl, text_length, win_of_head):
    """allowed(b, h, i, j) straight from the SPEC text, decoding tile coordinates."""
    nt, nh, nw = tile_grid
    p = tl[0] * tl[1] * tl[2]
    s_img = nt * nh * nw * p

    def coords(tid):
        return (tid // (nh * nw), (tid // nw) % nh, tid % nw)

    def allowed(b, h, i, j):
        if j >= s_img:
            return j - s_img < text_length
        if i >= s_img:
            return True
        qc, xc = coords(i // p), coords(j // p)
        for qd, xd, nd, kd in zip(qc, xc, tile_grid, win_of_head(h)):
            r = kd // 2
            if r > nd - 1 - r:  # window at least as wide as the dimension: all of it
                continue
            c = min(max(qd, r), nd - 1 - r)
            if abs(c - xd) > r:
                return False
        return True

    return allowed


@pytest.mark.parametrize("text", [(0, 0), (0, 3), (2, 3), (3, 3)])
def test_sliding_tile_vs_loop(text):
    text_length, s_text = text
    tile_grid, tl = (2, 3, 4), (1, 2, 1)
    s = 24 * 2 + s_text
    r = rng(12)
    q = r.standard_normal((1, 3, s, 4)).astype(np.float32)
    kv = r.standard_normal((1, 3, s, 4)).astype(np.float32)
    wins = [1, 3, 1, 2, 1, 5, 3, 3, 3]
    got = A.sliding_tile(q, kv, kv, tile_grid, tl, windows=wins, text_length=text_length)
    ref = loop_attention(q, kv, kv, _sta_rule(tile_grid, tl, text_length,
                                              lambda h: wins[3 * h:3 * h + 3]), 0.5)
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-12)


def test_sliding_tile_token_counts():
    tile_grid, tl, L, s_text = (3, 4, 5), (2, 1, 2), 3, 5
    p = 4
    s_img = 60 * p
    m = A.sliding_tile_mask(tile_grid, tl, s_img + s_text, window=(1, 3, 2), text_length=L)[0]
    per_query = min(1, 3) * min(3, 4) * min(3, 5)
    assert np.all(m[:s_img].sum(axis=1) == per_query * p + L)
    assert np.all(m[s_img:].sum(axis=1) == s_img + L)
    assert not m[:, s_img + L:].any()


@pytest.mark.parametrize("L,s_text", [(0, 0), (3, 5), (5, 5)])
def test_sliding_tile_full_window_is_sdpa(L, s_text):
    tile_grid, tl = (2, 3, 2), (2, 2, 2)
    s_img = 12 * 8
    s = s_img + s_text
    r = rng(13)
    q = r.standard_normal((2, 2, s, 8)).astype(np.float32)
    k = r.standard_normal((2, 1, s, 8)).astype(np.float32)
    v = r.standard_normal((2, 1, s, 8)).astype(np.float32)
    km = np.zeros((2, s), bool)
    km[:, :s_img + L] = True
    ref = A.sdpa(q, k, v, km)
    for w in [dict(window=(2, 3, 2)), dict(window=(7, 9, 4)),
              dict(windows=[3, 5, 2, 2, 3, 3])]:
        got = A.sliding_tile(q, k, v, tile_grid, tl, text_length=L, **w)
        assert A.rel_err(got, ref) < 1e-13, w


# ------------------------------------------------------------------------------- numerics

def test_bf16_round():
    one = 1.0
    vals = np.array([one, one + 2 ** -8, one + 3 * 2 ** -8, one + 2 ** -8 + 2 ** -20, -2.5,
                     np.inf, -np.inf, 3.4028235e38, 0.0, -0.0, 1e-45], np.float32)
    got = A.bf16_round(vals)
    assert got.dtype == np.float32
    expect = [one, one, one + 2 ** -6, one + 2 ** -7, -2.5, np.inf, -np.inf, np.inf, 0.0,
              -0.0, 0.0]
    assert got.tolist() == expect
    assert np.signbit(got[9])
    assert np.isnan(A.bf16_round(np.array([np.nan], np.float32)))[0]
    x = rng(14).standard_normal(1000).astype(np.float32)
    y = A.bf16_round(x)
    assert not (y.view(np.uint32) & 0xFFFF).any()
    # Nearest: within half a bf16 ulp (8 significant bits) of x.
    x64 = x.astype(np.float64)
    ulp = 2.0 ** (np.floor(np.log2(np.abs(x64))) - 7)
    assert np.all(np.abs(y.astype(np.float64) - x64) <= ulp / 2)


def test_rel_err():
    assert A.rel_err(np.zeros(3), np.zeros(3)) == 0.0
    assert A.rel_err(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == pytest.approx(
        1 / math.sqrt(2))
    assert A.rel_err(np.array([np.nan]), np.array([1.0])) == float("inf")


# ------------------------------------------------------------------------------- CLI

def cli(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "npy_tools.py"), *args],
                          capture_output=True, text=True)


def test_cli_rand_check_equal(tmp_path):
    p = lambda n: str(tmp_path / n)
    r = cli("rand", p("q.npy"), "--shape", "1,2,16,8", "--seed", "3")
    assert r.returncode == 0, r.stderr
    cli("rand", p("q2.npy"), "--shape", "1,2,16,8", "--seed", "3")
    assert cli("equal", p("q.npy"), p("q2.npy")).returncode == 0
    r = cli("rand", p("q3.npy"), "--shape", "1,2,16,8")
    assert "seed" in r.stderr
    assert cli("equal", p("q.npy"), p("q3.npy")).returncode == 1
    q = np.load(p("q.npy"))
    assert q.dtype == np.dtype("<f4") and q.shape == (1, 2, 16, 8)
    for dt in ("f2", "i4", "i8", "b1"):
        extra = ["--low", "0", "--high", "7"] if dt.startswith("i") else []
        assert cli("rand", p(dt + ".npy"), "--shape", "3,4", "--dtype", dt, *extra,
                   "--seed", "1").returncode == 0
    i4 = np.load(p("i4.npy"))
    assert i4.dtype == np.dtype("<i4") and i4.min() >= 0 and i4.max() < 7
    assert np.load(p("b1.npy")).dtype == np.dtype("|b1")

    # sdpa: a correct output passes, a perturbed one fails.
    ref = A.sdpa(q, q, q).astype(np.float32)
    np.save(p("o.npy"), ref)
    r = cli("check", "sdpa", "--inputs", ",".join([p("q.npy")] * 3), "--outputs", p("o.npy"))
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stdout + r.stderr
    np.save(p("bad.npy"), ref * 1.01)
    r = cli("check", "sdpa", "--inputs", ",".join([p("q.npy")] * 3), "--outputs", p("bad.npy"))
    assert r.returncode == 1 and "FAIL" in r.stdout

    # block_topk: two integer outputs compared exactly.
    s = np.array([10, 0.0196533203125, 0.0196533203125, 0.0196533203125, -10],
                 np.float32).reshape(1, 1, 1, 5)
    np.save(p("s.npy"), s)
    np.save(p("i.npy"), np.array([0, 1, 2], np.int32).reshape(1, 1, 1, 3))
    np.save(p("c.npy"), np.array([3], np.int32).reshape(1, 1, 1))
    r = cli("check", "block_topk", "--inputs", p("s.npy"), "--outputs",
            p("i.npy") + "," + p("c.npy"), "--attrs", '{"k": 3}')
    assert r.returncode == 0, r.stdout + r.stderr
    np.save(p("i.npy"), np.array([0, 1, 3], np.int32).reshape(1, 1, 1, 3))
    r = cli("check", "block_topk", "--inputs", p("s.npy"), "--outputs",
            p("i.npy") + "," + p("c.npy"), "--attrs", '{"k": 3}')
    assert r.returncode == 1

    # tile with --exact, and vsa with named optional operands.
    x = np.load(p("q.npy"))
    grid, tl = [1, 4, 4], [1, 2, 2]
    np.save(p("t.npy"), A.tile(x, grid, tl))
    attrs = json.dumps({"grid": grid, "tile": tl})
    r = cli("check", "tile", "--inputs", p("q.npy"), "--outputs", p("t.npy"), "--attrs", attrs,
            "--exact")
    assert r.returncode == 0, r.stdout + r.stderr
    vbs = A.tile_indices(grid, tl)[3]
    np.save(p("vbs.npy"), vbs)
    t = np.load(p("t.npy"))
    np.save(p("vo.npy"), A.vsa(t, t, t, 4, 2, kv_block_sizes=vbs).astype(np.float32))
    attrs = json.dumps({"block": 4, "topk": 2, "operands": ["q", "k", "v", "kv_block_sizes"]})
    r = cli("check", "vsa", "--inputs", ",".join([p("t.npy")] * 3 + [p("vbs.npy")]),
            "--outputs", p("vo.npy"), "--attrs", attrs)
    assert r.returncode == 0, r.stdout + r.stderr


# ----------------------------------------------------------------------------------------------
# The SageAttention emulation (sage_ref.py, docs/Sage.md)
# ----------------------------------------------------------------------------------------------

def test_sage_e4m3_rounding_facts():
    import sage_ref
    x = np.array([448, 460, 1e6, 1.0, 0.3, 2 ** -10, 1.5 * 2 ** -10, -0.3, 248.0, 0.0],
                 np.float32)
    # saturation at 448; RNE (0.3 -> 0.3125, 248 ties to 256: even mantissa);
    # subnormals in steps of 2^-9 (2^-10 ties to 0, 1.5 * 2^-10 -> 2^-9).
    want = [448, 448, 448, 1.0, 0.3125, 0.0, 2 ** -9, -0.3125, 256.0, 0.0]
    assert sage_ref.e4m3(x).tolist() == want


def test_sage_int8_groups_and_half_away_rounding():
    import sage_ref
    g, n = sage_ref.q_groups(40)
    assert n == 24 and g[0] == g[8] == 0 and g[7] == g[15] == 7 and g[16] == g[24] == 8
    gk, nk = sage_ref.k_groups(300)
    assert nk == 12 and gk[0] == gk[1] == 0 and gk[2] == 1 and gk[128] == 4
    x = np.array([[[127.0, 63.5, -63.5, 0.25]]], np.float32)   # one group, amax 127
    qi, sc = sage_ref.int8_groups(x, np.zeros(1, int), 1)
    assert abs(sc[0, 0] - (1.0 + 1e-7)) < 1e-6
    assert qi.tolist() == [[[127.0, 63.0, -63.0, 0.0]]]  # 63.5/1.0000001 < 63.5: rounds down


def test_sage_matches_exact_attention_to_quantization_error():
    import sage_ref
    rng = np.random.default_rng(5)
    q, k, v = (rng.standard_normal((1, 2, 200, 64)).astype(np.float32) for _ in range(3))
    out = sage_ref.sage_sdpa(q, k, v, elt="f32")
    ref = A.sdpa(q, k, v)
    err = A.rel_err(out, ref)
    assert 5e-3 < err < 8e-2  # FP8 P.V: a few percent, not exact, not garbage
    # A constant shift of k (what the smoothing removes) changes nothing exact.
    out2 = sage_ref.sage_sdpa(q, k + 3.0, v, elt="f32")
    assert A.rel_err(out2, ref) < 8e-2
