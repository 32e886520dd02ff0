"""Independent NumPy reference for the `attn` dialect (docs: shared/docs/SPEC.md).

Written straight from the SPEC's math, not from the compiler, so that execution tests compare
the compiler against something that cannot share its bugs. Naive and clear over fast: the only
performance concession is vectorising over batch/heads/rows and chunking query rows so that
memory stays bounded.

Conventions (all from SPEC.md "Conventions"):
- Attention tensors are rank-4 BHSD numpy arrays: [batch, heads, seq, head_dim].
- Attention math runs in float64 and attention results are returned as float64; compare them
  with `rel_err`. `tile`/`untile` are pure data movement and keep the input dtype;
  `block_mean` returns the input dtype (what the op's result type would be).
- `scale` is an f32 attribute in the dialect, so a given scale is rounded to f32 first; the
  default is 1/sqrt(head_dim).
- GQA: query head h uses kv head h // (Hq // Hkv).
- A query row with no valid key produces 0.
- Index outputs are int32, masks are bool.
Bad input (shape mismatches, out-of-range ids/counts/sizes) raises ValueError.
"""

import math

import numpy as np

__all__ = [
    "tile_geometry", "tile_indices", "tile", "untile",
    "sdpa", "mask_from_lengths", "block_sparse",
    "block_mean", "block_topk", "vsa", "topk_from_sparsity",
    "sta_dim_mask", "sta_tile_mask", "sliding_tile_mask", "sliding_tile",
    "bf16_round", "rel_err",
]

# Upper bound on elements of one [B, H, rows, Skv] score chunk (float64: 8 bytes each).
_CHUNK_ELEMS = 1 << 22


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def _triple(name, value):
    vals = [int(x) for x in value]
    if len(vals) != 3:
        raise ValueError(f"{name} must have 3 entries (t, h, w), got {list(value)}")
    return vals


def _check_bhsd(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name} must be rank-4 BHSD, got shape {x.shape}")


def _scale(scale, d):
    if scale is None:
        return 1.0 / math.sqrt(d)
    # The dialect attribute is f32.
    return float(np.float32(scale))


def _kv_groups(q, k, v):
    """Validates q/k/v shapes for attention and returns the GQA group size Hq // Hkv."""
    _check_bhsd("q", q)
    _check_bhsd("k", k)
    _check_bhsd("v", v)
    b, hq, _, d = q.shape
    bk, hkv, skv, dk = k.shape
    if bk != b:
        raise ValueError(f"k batch {bk} != q batch {b}")
    if dk != d:
        raise ValueError(f"k head_dim {dk} != q head_dim {d}")
    if v.shape[:3] != k.shape[:3]:
        raise ValueError(f"v shape {v.shape} does not match k shape {k.shape} in B, H, S")
    if hkv < 1 or hq % hkv != 0:
        raise ValueError(f"q heads {hq} must be a multiple of kv heads {hkv}")
    return hq // hkv


def _attend(q, k, v, scale, mask_fn=None, with_lse=False):
    """Masked softmax attention in float64.

    mask_fn(i0, i1) returns a bool array broadcastable to [B, Hq, i1-i0, Skv] (true = attend)
    for query rows i0:i1, or None for "all keys". Rows with no valid key give 0.
    with_lse: returns (out, lse) with lse [B, Hq, Sq] the row log-sum-exp of the valid scaled
    scores (-inf for a row with no valid key; the ops' optional lse result).
    """
    group = _kv_groups(q, k, v)
    b, hq, sq, d = q.shape
    skv = k.shape[2]
    dv = v.shape[3]
    s = _scale(scale, d)
    q64 = q.astype(np.float64)
    kt = np.repeat(k.astype(np.float64), group, axis=1).transpose(0, 1, 3, 2)  # [B,Hq,D,Skv]
    v64 = np.repeat(v.astype(np.float64), group, axis=1)                       # [B,Hq,Skv,Dv]
    out = np.zeros((b, hq, sq, dv), dtype=np.float64)
    lse = np.full((b, hq, sq), -np.inf)
    if skv == 0:
        return (out, lse) if with_lse else out
    rows = max(1, _CHUNK_ELEMS // max(1, b * hq * skv))
    for i0 in range(0, sq, rows):
        i1 = min(sq, i0 + rows)
        scores = np.matmul(q64[:, :, i0:i1], kt) * s
        if mask_fn is not None:
            m = mask_fn(i0, i1)
            if m is not None:
                m = np.broadcast_to(m, scores.shape)
                scores = np.where(m, scores, -np.inf)
        mx = scores.max(axis=-1, keepdims=True)
        mx = np.where(mx == -np.inf, 0.0, mx)  # fully masked row: exp(-inf) = 0 everywhere
        p = np.exp(scores - mx)
        den = p.sum(axis=-1, keepdims=True)
        num = np.matmul(p, v64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, :, i0:i1] = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
            lse[:, :, i0:i1] = np.where(den[..., 0] > 0, mx[..., 0] + np.log(den[..., 0]),
                                        -np.inf)
    return (out, lse) if with_lse else out


def _softmax_last(x):
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------------
# attn.tile / attn.untile
# ----------------------------------------------------------------------------------------------

def tile_geometry(grid, tile):
    """Returns ((n_t, n_h, n_w), N, P) for a token grid (T,H,W) and tile (a,b,c)."""
    g = _triple("grid", grid)
    t = _triple("tile", tile)
    if min(g) < 1 or min(t) < 1:
        raise ValueError(f"grid {g} and tile {t} must be positive")
    n = tuple(-(-g[i] // t[i]) for i in range(3))
    return n, n[0] * n[1] * n[2], t[0] * t[1] * t[2]


def tile_indices(grid, tile):
    """Index maps of attn.tile (UPSTREAM.md 1.2).

    Returns (tpi, npi, comb, vbs):
      tpi[s]  raster index of compact tile-major position s           (int64, length T*H*W)
      npi[s]  slot of compact position s in the padded N*P buffer      (int64, length T*H*W)
      comb[r] slot of raster token r in the padded buffer = npi[argsort(tpi)]  (int64)
      vbs[j]  valid tokens in tile j                                  (int32, length N)
    """
    (nt, nh, nw), _, p = tile_geometry(grid, tile)
    tt, hh, ww = _triple("grid", grid)
    a, b, c = _triple("tile", tile)
    raster = np.arange(tt * hh * ww, dtype=np.int64).reshape(tt, hh, ww)
    tpi, npi, vbs = [], [], []
    for it in range(nt):
        for ih in range(nh):
            for iw in range(nw):
                # Row-major over the tile's clipped extents: valid tokens are compacted to the
                # front of the tile.
                ids = raster[it * a:(it + 1) * a, ih * b:(ih + 1) * b, iw * c:(iw + 1) * c].ravel()
                j = len(vbs)
                tpi.append(ids)
                npi.append(j * p + np.arange(ids.size, dtype=np.int64))
                vbs.append(ids.size)
    tpi = np.concatenate(tpi)
    npi = np.concatenate(npi)
    comb = npi[np.argsort(tpi, kind="stable")]
    return tpi, npi, comb, np.asarray(vbs, dtype=np.int32)


def tile(x, grid, tile):
    """attn.tile: [B,H,T*H*W,D] raster -> [B,H,N*P,D] tile-major, pad slots exactly 0."""
    _check_bhsd("x", x)
    tpi, npi, _, _ = tile_indices(grid, tile)
    _, n, p = tile_geometry(grid, tile)
    if x.shape[2] != tpi.size:
        raise ValueError(f"x seq {x.shape[2]} != T*H*W = {tpi.size} for grid {list(grid)}")
    out = np.zeros(x.shape[:2] + (n * p,) + x.shape[3:], dtype=x.dtype)
    out[:, :, npi] = x[:, :, tpi]
    return out


def untile(x, grid, tile):
    """attn.untile: [B,H,N*P,D] tile-major -> [B,H,T*H*W,D] raster (one gather, dtype kept)."""
    _check_bhsd("x", x)
    _, _, comb, _ = tile_indices(grid, tile)
    _, n, p = tile_geometry(grid, tile)
    if x.shape[2] != n * p:
        raise ValueError(f"x seq {x.shape[2]} != N*P = {n * p} for grid {list(grid)}, "
                         f"tile {list(tile)}")
    return x[:, :, comb].copy()


# ----------------------------------------------------------------------------------------------
# attn.sdpa / attn.mask_from_lengths
# ----------------------------------------------------------------------------------------------

def sdpa(q, k, v, key_mask=None, scale=None, return_lse=False):
    """attn.sdpa: dense attention, optional key_mask [B,Skv] bool (true = attend). float64.
    return_lse: (out, lse) (see _attend)."""
    _kv_groups(q, k, v)
    if key_mask is None:
        return _attend(q, k, v, scale, with_lse=return_lse)
    km = np.asarray(key_mask).astype(bool)
    if km.shape != (q.shape[0], k.shape[2]):
        raise ValueError(f"key_mask shape {km.shape} != (B, Skv) = {(q.shape[0], k.shape[2])}")
    return _attend(q, k, v, scale, lambda i0, i1: km[:, None, None, :], with_lse=return_lse)


def mask_from_lengths(lengths, size):
    """attn.mask_from_lengths: mask[b, j] = j < lengths[b], shape [B, size], bool."""
    lengths = np.asarray(lengths)
    if lengths.ndim != 1:
        raise ValueError(f"lengths must be rank-1 [B], got shape {lengths.shape}")
    size = int(size)
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    return np.arange(size, dtype=np.int64)[None, :] < lengths.astype(np.int64)[:, None]


# ----------------------------------------------------------------------------------------------
# attn.block_sparse
# ----------------------------------------------------------------------------------------------

def _block_sizes(sizes, nblocks, block, name, min_size=0):
    if sizes is None:
        return np.full(nblocks, block, dtype=np.int64)
    s = np.asarray(sizes).astype(np.int64)
    if s.shape != (nblocks,):
        raise ValueError(f"{name} shape {s.shape} != ({nblocks},)")
    bad = np.nonzero((s < min_size) | (s > block))[0]
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"{name}[{j}] = {int(s[j])} out of range [{min_size}, {block}]")
    return s


def block_sparse(q, k, v, kv_indices, kv_counts, block_q, block_kv, kv_block_sizes=None,
                 scale=None, return_lse=False):
    """attn.block_sparse: query block J attends to the valid keys of blocks
    kv_indices[b,h,J,:kv_counts[b,h,J]]. float64 result; count 0 gives 0 rows.

    Raises ValueError on out-of-range counts, ids, or block sizes and on duplicate ids
    (the SPEC requires distinct ids).
    """
    _kv_groups(q, k, v)
    b, hq, sq, _ = q.shape
    skv = k.shape[2]
    block_q, block_kv = int(block_q), int(block_kv)
    if block_q < 1 or block_kv < 1:
        raise ValueError(f"block_q {block_q} and block_kv {block_kv} must be >= 1")
    if sq % block_q:
        raise ValueError(f"q seq {sq} is not a multiple of block_q {block_q}")
    if skv % block_kv:
        raise ValueError(f"kv seq {skv} is not a multiple of block_kv {block_kv}")
    nq, nkv = sq // block_q, skv // block_kv
    idx = np.asarray(kv_indices).astype(np.int64)
    cnt = np.asarray(kv_counts).astype(np.int64)
    if idx.ndim != 4 or idx.shape[:3] != (b, hq, nq):
        raise ValueError(f"kv_indices shape {idx.shape} != (B, Hq, Nq, K) with "
                         f"(B, Hq, Nq) = {(b, hq, nq)}")
    kk = idx.shape[3]
    if kk > nkv:
        raise ValueError(f"kv_indices K = {kk} > Nkv = {nkv}")
    if cnt.shape != (b, hq, nq):
        raise ValueError(f"kv_counts shape {cnt.shape} != (B, Hq, Nq) = {(b, hq, nq)}")
    bad = np.argwhere((cnt < 0) | (cnt > kk))
    if bad.size:
        pos = tuple(int(x) for x in bad[0])
        raise ValueError(f"kv_counts{list(pos)} = {int(cnt[pos])} out of range [0, {kk}]")
    used = np.arange(kk)[None, None, None, :] < cnt[..., None]
    bad = np.argwhere(used & ((idx < 0) | (idx >= nkv)))
    if bad.size:
        pos = tuple(int(x) for x in bad[0])
        raise ValueError(f"kv_indices{list(pos)} = {int(idx[pos])} out of range [0, {nkv})")
    sizes = _block_sizes(kv_block_sizes, nkv, block_kv, "kv_block_sizes")

    # Block map [B,Hq,Nq,Nkv]; count selections to catch duplicates.
    hits = np.zeros((b, hq, nq, nkv + 1), dtype=np.int64)
    safe = np.where(used, idx, nkv)  # unused entries go to a dummy column
    np.add.at(hits, (np.arange(b)[:, None, None, None], np.arange(hq)[None, :, None, None],
                     np.arange(nq)[None, None, :, None], safe), 1)
    hits = hits[..., :nkv]
    bad = np.argwhere(hits > 1)
    if bad.size:
        pos = tuple(int(x) for x in bad[0])
        raise ValueError(f"kv_indices{list(pos[:3])} selects kv block {pos[3]} more than once")
    bmap = hits > 0

    col = np.arange(skv)
    col_block = col // block_kv
    col_valid = (col % block_kv) < sizes[col_block]

    def mask_fn(i0, i1):
        rb = np.arange(i0, i1) // block_q
        return bmap[:, :, rb][:, :, :, col_block] & col_valid

    return _attend(q, k, v, scale, mask_fn, with_lse=return_lse)


# ----------------------------------------------------------------------------------------------
# VSA: attn.block_mean / attn.block_topk / attn.vsa
# ----------------------------------------------------------------------------------------------

def block_mean(x, block, block_sizes=None):
    """attn.block_mean: [B,H,N*P,D] -> [B,H,N,D], mean over the first block_sizes[j] tokens
    of block j (accumulated in float64, then cast to x.dtype).

    A block size outside [1, P] raises ValueError (a mean over 0 tokens is undefined)."""
    _check_bhsd("x", x)
    p = int(block)
    if p < 1:
        raise ValueError(f"block must be >= 1, got {p}")
    bsz, h, s, d = x.shape
    if s % p:
        raise ValueError(f"x seq {s} is not a multiple of block {p}")
    n = s // p
    sizes = _block_sizes(block_sizes, n, p, "block_sizes", min_size=1)
    xs = x.astype(np.float64).reshape(bsz, h, n, p, d)
    valid = np.arange(p)[None, :] < sizes[:, None]                    # [N, P]
    total = np.where(valid[None, None, :, :, None], xs, 0.0).sum(axis=3)
    return (total / sizes[None, None, :, None]).astype(x.dtype)


def block_topk(scores, k):
    """attn.block_topk: scores [B,H,Nq,Nkv] -> (kv_indices [B,H,Nq,min(k,Nkv)] int32,
    kv_counts [B,H,Nq] int32). Exactly min(k,Nkv) ids per row in ascending order; among equal
    scores the lowest id wins. The order of special values is torch.topk's (SPEC): every NaN
    ranks above +inf and NaNs tie with each other; -0.0 and +0.0 tie."""
    s = np.asarray(scores)
    if s.ndim != 4:
        raise ValueError(f"scores must be rank-4 [B,H,Nq,Nkv], got shape {s.shape}")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    kk = min(k, s.shape[3])
    x = s.astype(np.float64)
    nan = np.isnan(x)
    # Sort key (not NaN, -score, id): NaNs first, then descending scores; -0.0 == +0.0 under
    # the comparison, and lexsort is stable, so equal keys keep ascending ids.
    neg = np.where(nan, 0.0, -x)
    order = np.lexsort((neg, ~nan), axis=-1)
    idx = np.sort(order[..., :kk], axis=-1).astype(np.int32)
    cnt = np.full(s.shape[:3], kk, dtype=np.int32)
    return idx, cnt


def topk_from_sparsity(s, nkv):
    """clamp(ceil((1-s)*Nkv), 1, Nkv), in Python float64 (s=0.9, Nkv=624 -> 63)."""
    nkv = int(nkv)
    return max(1, min(int(math.ceil((1.0 - float(s)) * nkv)), nkv))


def _round(x, mode, name):
    if mode is None:
        return x.astype(np.float64)
    if mode == "bf16":
        return bf16_round(np.asarray(x, dtype=np.float32)).astype(np.float64)
    if mode == "f32":
        return np.asarray(x, dtype=np.float32).astype(np.float64)
    raise ValueError(f"{name} must be None, 'f32' or 'bf16', got {mode!r}")


def _vsa_coarse(q, k, v, block, q_block_sizes, kv_block_sizes, round_means, round_scores):
    """VSA's coarse stage: (scores S [B,Hq,Nq,Nkv], Oc [B,Hq,Nq,D]) in float64."""
    group = _kv_groups(q, k, v)
    p = int(block)
    b, hq, sq, d = q.shape
    skv = k.shape[2]
    if p < 1 or sq % p or skv % p:
        raise ValueError(f"q seq {sq} and kv seq {skv} must be multiples of block {p}")
    qc = _round(block_mean(q, p, q_block_sizes), round_means, "round_means")
    kc = _round(block_mean(k, p, kv_block_sizes), round_means, "round_means")
    vc = _round(block_mean(v, p, kv_block_sizes), round_means, "round_means")
    kc = np.repeat(kc, group, axis=1)
    vc = np.repeat(vc, group, axis=1)
    scores = np.matmul(qc, kc.transpose(0, 1, 3, 2)) / math.sqrt(d)   # [B,Hq,Nq,Nkv]
    scores = _round(scores, round_scores, "round_scores")
    return scores, np.matmul(_softmax_last(scores), vc)


def vsa(q, k, v, block, topk, gate=None, q_block_sizes=None, kv_block_sizes=None,
        round_means=None, round_scores=None, selection=None):
    """attn.vsa on tiled tokens (Sq = Nq*P, Skv = Nkv*P), scale 1/sqrt(D) (SPEC pseudocode):

        qc, kc, vc = block_mean(q, vbs_q), block_mean(k, vbs_kv), block_mean(v, vbs_kv)
        S  = qc . kc^T * scale;  Oc = softmax(S) . vc broadcast to every slot of its q block
        idx, cnt = block_topk(S, topk)   (pre-softmax scores)
        Os = block_sparse(q, k, v, idx, cnt, P, P, vbs_kv)
        out = Oc * gate + Os   (or Oc + Os without gate)

    Reference-only knobs to mimic a compiler's intermediate precision:
      round_means  None: means in x.dtype (block_mean's result type); 'f32'; 'bf16' (a
                   compiler that keeps block_mean's result in bf16).
      round_scores None: coarse scores in float64; 'f32' or 'bf16': S rounded before both the
                   softmax and the top-k selection.
      selection    None: the top-k of S; (kv_indices, kv_counts): these kv blocks instead (the
                   backward's view: attn.vsa_grad treats the selection as a constant, so its
                   finite differences hold the selection of the unperturbed inputs, which
                   vsa_selection returns).
    Returns float64 [B,Hq,Sq,D].
    """
    if gate is not None and np.shape(gate) != q.shape:
        raise ValueError(f"gate shape {np.shape(gate)} != q shape {q.shape}")
    scores, oc = _vsa_coarse(q, k, v, block, q_block_sizes, kv_block_sizes, round_means,
                             round_scores)
    p = int(block)
    oc = np.repeat(oc, p, axis=2)                                      # [B,Hq,Sq,D]
    idx, cnt = block_topk(scores, topk) if selection is None else selection
    os_ = block_sparse(q, k, v, idx, cnt, p, p, kv_block_sizes, scale=None)
    if gate is None:
        return oc + os_
    return oc * np.asarray(gate, dtype=np.float64) + os_


def vsa_selection(q, k, v, block, topk, q_block_sizes=None, kv_block_sizes=None):
    """The (kv_indices, kv_counts) that vsa(...) selects on these inputs."""
    scores, _ = _vsa_coarse(q, k, v, block, q_block_sizes, kv_block_sizes, None, None)
    return block_topk(scores, topk)


# ----------------------------------------------------------------------------------------------
# attn.sliding_tile
# ----------------------------------------------------------------------------------------------

def sta_dim_mask(n, k):
    """1-D STA rule: allow[q, x] = |c - x| <= r with r = k // 2, c = clamp(q, r, n-1-r).

    When r > n-1-r the window is at least as wide as the dimension (2r+1 > n), and the SPEC
    says it covers the whole dimension; that case is made explicit rather than relying on how
    a particular clamp orders min and max."""
    n, k = int(n), int(k)
    if n < 1:
        raise ValueError(f"tile_grid entries must be >= 1, got {n}")
    if k < 1:
        raise ValueError(f"window entries must be >= 1, got {k}")
    r = k // 2
    if r > n - 1 - r:
        return np.ones((n, n), dtype=bool)
    c = np.clip(np.arange(n), r, n - 1 - r)
    return np.abs(c[:, None] - np.arange(n)[None, :]) <= r


def sta_tile_mask(tile_grid, window):
    """Tile-level STA mask [N, N] (query tile, kv tile), tiles row-major over (t, h, w)."""
    nt, nh, nw = _triple("tile_grid", tile_grid)
    kt, kh, kw = _triple("window", window)
    at, ah, aw = sta_dim_mask(nt, kt), sta_dim_mask(nh, kh), sta_dim_mask(nw, kw)
    m = (at[:, None, None, :, None, None] & ah[None, :, None, None, :, None]
         & aw[None, None, :, None, None, :])
    n = nt * nh * nw
    return m.reshape(n, n)


def _sta_windows(window, windows, heads):
    if (window is None) == (windows is None):
        raise ValueError("give exactly one of window and windows")
    if window is not None:
        return [_triple("window", window)]
    w = [int(x) for x in windows]
    if len(w) != 3 * heads:
        raise ValueError(f"windows has {len(w)} values, expected 3 * heads = {3 * heads}")
    return [w[3 * h:3 * h + 3] for h in range(heads)]


def _sta_mask_fn(tile_grid, tile, seq, window, windows, text_length, heads):
    nt, nh, nw = _triple("tile_grid", tile_grid)
    p = int(np.prod(_triple("tile", tile)))
    if p < 1:
        raise ValueError(f"tile {list(tile)} must be positive")
    s_img = nt * nh * nw * p
    text_length = int(text_length)
    if text_length < 0:
        raise ValueError(f"text_length must be >= 0, got {text_length}")
    if seq < s_img + text_length:
        raise ValueError(f"seq {seq} < image tokens {s_img} + text_length {text_length}")
    wins = _sta_windows(window, windows, heads)
    # One tile mask per distinct window: [Hm, N, N] with Hm = 1 or heads.
    cache = {}
    tms = np.stack([cache.setdefault(tuple(w), sta_tile_mask(tile_grid, w)) for w in wins])
    col = np.arange(seq)
    col_img = col < s_img
    col_tile = np.where(col_img, col // p, 0)
    col_text_ok = ~col_img & (col - s_img < text_length)

    def mask_fn(i0, i1):
        row = np.arange(i0, i1)
        row_img = row < s_img
        row_tile = np.where(row_img, row // p, 0)
        img = tms[:, row_tile[:, None], col_tile[None, :]]            # [Hm, rows, S]
        # Image query: its window's image tiles; text query: every image token. Both: valid
        # text tokens 0..L-1.
        m = (col_img[None, None, :] & (img | ~row_img[None, :, None])) | col_text_ok
        return m[None]                                                 # [1, Hm, rows, S]

    return mask_fn


def sliding_tile_mask(tile_grid, tile, seq, window=None, windows=None, text_length=0,
                      heads=1):
    """Token-level STA mask [Hm, seq, seq] bool (Hm = 1 for `window`, heads for `windows`)."""
    return _sta_mask_fn(tile_grid, tile, int(seq), window, windows, text_length, heads)(
        0, int(seq))[0]


def sliding_tile(q, k, v, tile_grid, tile, window=None, windows=None, text_length=0,
                 scale=None, return_lse=False):
    """attn.sliding_tile: q/k/v [B,H,S,D] with S = N*P image tokens (tile-major) followed by
    S - N*P >= text_length text tokens. `window` (3 values) or `windows` (3 per query head).
    float64 result."""
    _kv_groups(q, k, v)
    if k.shape[2] != q.shape[2]:
        raise ValueError(f"kv seq {k.shape[2]} != q seq {q.shape[2]} (STA is self-attention)")
    fn = _sta_mask_fn(tile_grid, tile, q.shape[2], window, windows, text_length, q.shape[1])
    return _attend(q, k, v, scale, fn, with_lse=return_lse)


# ----------------------------------------------------------------------------------------------
# V-MoBA (FastVideo's moba_attn_varlen, threshold_type 'query_head'; docs/VMoBA.md)
# ----------------------------------------------------------------------------------------------

def vmoba_chunk_ids(grid, chunk):
    """The chunk of each raster token of grid (T, H, W) for chunks (ct, ch, cw),
    as FastVideo's process_moba_input orders them: the rearrange
    "(nct ct nch ch ncw cw) -> (nct nch ncw ct ch cw)" puts chunk
    (it, ih, iw) at position (it * nch + ih) * ncw + iw; a chunk past the edge
    of a grid it does not divide is smaller (FastVideo allows that for the
    temporal chunks only)."""
    T, H, W = _triple("grid", grid)
    ct, ch, cw = _triple("chunk", chunk)
    nch, ncw = -(-H // ch), -(-W // cw)
    t, h, w = np.meshgrid(np.arange(T), np.arange(H), np.arange(W), indexing="ij")
    return (((t // ct) * nch + h // ch) * ncw + w // cw).reshape(-1)


def vmoba_chunk_mean(k, grid, chunk):
    """attn.chunk_mean: [B, H, C, D] float32 mean key of each chunk."""
    ids = vmoba_chunk_ids(grid, chunk)
    c = int(ids.max()) + 1
    k64 = np.asarray(k, np.float64)
    out = np.stack([k64[:, :, ids == i].mean(axis=2) for i in range(c)], axis=2)
    return out.astype(np.float32)


def vmoba_select(q, key_means, grid, chunk, topk=None, threshold=None):
    """attn.chunk_select: [B, H, S, C] bool, written the way FastVideo's
    moba_attn_varlen computes it (float32 gate q . key_means, unscaled; topk:
    the own chunk's gate raised above all, torch.topk; threshold:
    _select_threshold_query_head's sort and cumulative sum). Ties in a sort
    go to the lower chunk id (a stable sort)."""
    ids = vmoba_chunk_ids(grid, chunk)
    km = np.asarray(key_means, np.float32)
    c = km.shape[2]
    gate = np.einsum("bhsd,bhcd->bhsc", np.asarray(q, np.float32), km).astype(np.float32)
    own = ids[None, None, :, None] == np.arange(c)
    sel = np.zeros(gate.shape, bool)
    if topk is not None:
        k = min(int(topk), c)
        g = np.where(own, np.inf, gate)
        order = np.argsort(-g, axis=-1, kind="stable")[..., :k]
        np.put_along_axis(sel, order, True, axis=-1)
        return sel
    thr = np.float32(threshold)
    gmin = gate.min(-1, keepdims=True)
    gmax = gate.max(-1, keepdims=True)
    den = gmax - gmin
    den = np.where(den <= np.float32(1e-6), np.float32(1), den)
    norm = ((gate - gmin) / den).astype(np.float32)
    self_n = np.where(own, norm, 0).sum(-1, dtype=np.float32)
    total = norm.sum(-1, dtype=np.float32)
    eps = np.float32(1e-6)
    remain = np.maximum(np.float32(0), thr - self_n / (total + eps))
    others = np.where(own, np.float32(0), norm)
    order = np.argsort(-others, axis=-1, kind="stable")
    srt = np.take_along_axis(others, order, -1)
    ratio = np.cumsum(srt, -1, dtype=np.float32) / (total + eps)[..., None]
    cond = ratio >= remain[..., None]
    cutoff = np.where(cond.any(-1), cond.argmax(-1), 1)   # FastVideo's fallback: 2 others
    take = np.arange(c) <= cutoff[..., None]
    np.put_along_axis(sel, order, take, axis=-1)
    return sel | own


def vmoba_attention(q, k, v, selection, grid, chunk, scale=None):
    """attn.chunk_attention, computed as FastVideo does: each chunk's
    attention for the queries that selected it (their own chunk among
    them), merged by log-sum-exp (lse_merge). float64."""
    ids = vmoba_chunk_ids(grid, chunk)
    sel = np.asarray(selection, bool)
    parts, lses = [], []
    for c in range(sel.shape[-1]):
        keys = ids == c
        o, l = _attend(q, k[:, :, keys], v[:, :, keys], scale, with_lse=True)
        picked = sel[..., c]
        parts.append(np.where(picked[..., None], o, 0.0))
        lses.append(np.where(picked, l, -np.inf))
    if len(parts) == 1:
        parts.append(np.zeros_like(parts[0]))
        lses.append(np.full_like(lses[0], -np.inf))
    return lse_merge(parts, lses)[0]


def vmoba(q, k, v, grid, chunk, topk=None, threshold=None, scale=None):
    """The whole V-MoBA layer: chunk means, selection, attention; FastVideo
    returns dense attention when no query selected a chunk besides its own
    (topk 1, or a single chunk)."""
    km = vmoba_chunk_mean(k, grid, chunk)
    sel = vmoba_select(q, km, grid, chunk, topk, threshold)
    ids = vmoba_chunk_ids(grid, chunk)
    own = ids[None, None, :, None] == np.arange(sel.shape[-1])
    if not (sel & ~own).any():
        return sdpa(q, k, v, scale=scale)
    return vmoba_attention(q, k, v, sel, grid, chunk, scale)

# ----------------------------------------------------------------------------------------------
# SVG2 (Sparse VideoGen 2: svg/kmeans_utils.py; docs/SVG2.md)
# ----------------------------------------------------------------------------------------------

def kmeans(x, init, iterations):
    """attn.kmeans, as batch_kmeans_Euclid iterates (without its early stop):
    per (b, h), `iterations` rounds of assign (argmin squared Euclidean
    distance, lowest index on ties) and update (mean of the members; an empty
    cluster keeps its centroid). -> (labels [B,H,S] int32, centroids float32,
    sizes [B,H,K] int32) of the last round. float64 inside."""
    x64 = np.asarray(x, np.float64)
    c = np.asarray(init, np.float64).copy()
    b, h, s, d = x64.shape
    k = c.shape[2]
    for _ in range(int(iterations)):
        dist = (x64 ** 2).sum(-1)[..., None] + (c ** 2).sum(-1)[:, :, None, :] \
            - 2 * np.einsum("bhsd,bhkd->bhsk", x64, c)
        labels = dist.argmin(-1)                       # first minimum: lowest index
        onehot = labels[..., None] == np.arange(k)     # [B,H,S,K]
        sizes = onehot.sum(2)
        sums = np.einsum("bhsk,bhsd->bhkd", onehot.astype(np.float64), x64)
        c = np.where(sizes[..., None] > 0, sums / np.maximum(sizes, 1)[..., None], c)
    return labels.astype(np.int32), c.astype(np.float32), sizes.astype(np.int32)


def svg2_select(q_centroids, k_centroids, k_sizes, top_p, min_kc_ratio=0.0, scale=None):
    """attn.cluster_select, written as identify_dynamic_map computes it:
    size-weighted softmax of the centroid scores over key clusters, a
    descending (stable) sort, cumulative sum; keep sorted position j when
    j == 0 or cumsum[j-1] <= top_p, and the first int(min_kc_ratio * KC).
    float64 inside."""
    qc = np.asarray(q_centroids, np.float64)
    kc = np.asarray(k_centroids, np.float64)
    s = np.einsum("bhqd,bhkd->bhqk", qc, kc) * _scale(scale, qc.shape[-1])
    w = np.asarray(k_sizes, np.float64)[:, :, None, :] * np.exp(s - s.max(-1, keepdims=True))
    p = w / np.maximum(w.sum(-1, keepdims=True), 1e-12)
    order = np.argsort(-p, axis=-1, kind="stable")
    srt = np.take_along_axis(p, order, -1)
    cums = np.cumsum(srt, -1)
    remove = cums > np.float32(top_p)
    remove[..., 1:] = remove[..., :-1].copy()
    remove[..., 0] = False
    keep_n = int(min_kc_ratio * kc.shape[2])
    if keep_n > 0:
        remove[..., :keep_n] = False
    sel = np.zeros(p.shape, bool)
    np.put_along_axis(sel, order, ~remove, axis=-1)
    return sel


def svg2_attention(q, k, v, q_labels, k_labels, selection, scale=None):
    """attn.cluster_attention computed as SVG2 does: per (b, h) the tokens
    sorted by label (q by q labels, k and v by k labels), attention of each
    query cluster's block over the concatenated blocks of its selected key
    clusters, the output scattered back. float64; MHA or GQA."""
    group = _kv_groups(q, k, v)
    q64, k64, v64 = (np.asarray(x, np.float64) for x in (q, k, v))
    sel = np.asarray(selection, bool)
    out = np.zeros(q64.shape)
    sc = _scale(scale, q64.shape[-1])
    for b in range(q64.shape[0]):
        for h in range(q64.shape[1]):
            ql, kl = np.asarray(q_labels)[b, h], np.asarray(k_labels)[b, h]
            qorder, korder = np.argsort(ql, kind="stable"), np.argsort(kl, kind="stable")
            qp, kp, vp = q64[b, h, qorder], k64[b, h // group, korder], v64[b, h // group, korder]
            qls, kls = ql[qorder], kl[korder]
            outp = np.zeros(qp.shape)
            for c in np.unique(qls):
                rows = qls == c
                if not (0 <= c < sel.shape[2]):
                    continue
                keys = np.isin(kls, np.nonzero(sel[b, h, c])[0])
                if not keys.any():
                    continue
                s = qp[rows] @ kp[keys].T * sc
                e = np.exp(s - s.max(-1, keepdims=True))
                outp[rows] = (e / e.sum(-1, keepdims=True)) @ vp[keys]
            out[b, h, qorder] = outp
    return out

# ----------------------------------------------------------------------------------------------
# numerics helpers
# ----------------------------------------------------------------------------------------------

def lse_merge(outs, lses):
    """attn.lse_merge: partial attentions outs[i] [B, H, S, D] over disjoint
    key sets with their rows' log-sum-exps lses[i] [B, H, S] (natural log,
    -inf for no valid key) -> (the attention over the union [B, H, S, D] in
    outs[0]'s dtype, its lse [B, H, S] float32). Rows with every lse -inf: 0
    and -inf. Computed in float64 as a normalized weighted sum."""
    if len(outs) < 2 or len(outs) != len(lses):
        raise ValueError("lse_merge needs n >= 2 partial outputs and as many lses")
    o = np.stack([np.asarray(x, np.float64) for x in outs])
    ls = np.stack([np.asarray(x, np.float64) for x in lses])
    m = ls.max(0)
    empty = np.isneginf(m)
    w = np.exp(ls - np.where(empty, 0.0, m))  # exp(-inf) = 0
    total = w.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (w[..., None] * o).sum(0) / np.where(empty, 1.0, total)[..., None]
        lse = np.where(empty, -np.inf, m + np.log(np.where(empty, 1.0, total)))
    out[empty] = 0.0
    return out.astype(np.asarray(outs[0]).dtype), lse.astype(np.float32)


def bf16_round(x):
    """Rounds float32 values to the nearest bf16 (ties to even); returns float32.
    NaN stays NaN (made quiet, sign kept); overflow rounds to inf like a hardware cast."""
    a = np.asarray(x, dtype=np.float32)
    u = a.view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    nan = ((u & 0x7F800000) == 0x7F800000) & ((u & 0x007FFFFF) != 0)
    quiet = (u | 0x00400000) & 0xFFFF0000
    out = np.where(nan, quiet, rounded).astype(np.uint32)
    return out.view(np.float32).reshape(a.shape)


def rel_err(out, ref):
    """||out - ref|| / max(||ref||, tiny) in float64 (Frobenius norms); inf if out is not
    finite or the shapes differ."""
    o = np.asarray(out, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    if o.shape != r.shape or not np.all(np.isfinite(o)):
        return float("inf")
    return float(np.linalg.norm((o - r).ravel()) /
                 max(np.linalg.norm(r.ravel()), np.finfo(np.float64).tiny))
