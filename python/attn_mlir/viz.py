"""Block patterns for a person: which kv tiles each query tile attends to.

  sta_pattern(tile_grid, window)   bool [Nq, Nkv] of an STA plan (SPEC: shifted windows)
  vsa_pattern(q, k, topk, block, q_block_sizes, kv_block_sizes)
                                   bool [B, H, Nq, Nkv] of a VSA selection (block means,
                                   pre-softmax scores, top-k, lowest id wins ties)
  render(pattern)                  terminal text, one row per query tile (like
                                   FlexAttention's BlockMask repr)
  save_png(pattern, path)          a PNG through matplotlib, where it is installed
"""
import math

import numpy as np


def _dim_allowed(n: int, k: int) -> np.ndarray:
    r = k // 2
    q = np.arange(n)
    c = np.clip(q, r, max(r, n - 1 - r)) if n - 1 - r >= r else np.full(n, (n - 1) / 2.0)
    x = np.arange(n)
    if n - 1 - r < r:  # window covers the whole dimension
        return np.ones((n, n), dtype=bool)
    return np.abs(c[:, None] - x[None, :]) <= r


def sta_pattern(tile_grid, window) -> np.ndarray:
    """[Nq, Nkv] bool: image query tile i attends to image tile j (tile ids raster over
    the tile grid). Window per dim in tiles; the centre is clamped into the grid."""
    nt, nh, nw = (int(v) for v in tile_grid)
    kt, kh, kw = (int(v) for v in window)
    a, b, c = _dim_allowed(nt, kt), _dim_allowed(nh, kh), _dim_allowed(nw, kw)
    m = a[:, None, None, :, None, None] & b[None, :, None, None, :, None] & \
        c[None, None, :, None, None, :]
    n = nt * nh * nw
    return m.reshape(n, n)


def vsa_pattern(q, k, topk: int, block: int = 64, q_block_sizes=None, kv_block_sizes=None):
    """[B, H, Nq, Nkv] bool: the top-k kv tiles of each query tile (NumPy)."""
    q, k = np.asarray(q, np.float64), np.asarray(k, np.float64)
    if k.shape[1] != q.shape[1]:
        k = np.repeat(k, q.shape[1] // k.shape[1], axis=1)

    def means(x, sizes):
        b, h, s, d = x.shape
        n = s // block
        sizes = np.full(n, block) if sizes is None else np.asarray(sizes)
        return x.reshape(b, h, n, block, d).sum(3) / sizes[None, None, :, None]

    qc, kc = means(q, q_block_sizes), means(k, kv_block_sizes)
    s = qc @ np.swapaxes(kc, -1, -2) / math.sqrt(q.shape[-1])
    kk = min(int(topk), s.shape[-1])
    order = np.argsort(-s, axis=-1, kind="stable")[..., :kk]  # ties: lowest id first
    m = np.zeros(s.shape, dtype=bool)
    np.put_along_axis(m, order, True, axis=-1)
    return m


def render(pattern, on: str = "\u2588\u2588", off: str = "\u2591\u2591",
           max_tiles: int = 64) -> str:
    """Text picture of a [Nq, Nkv] pattern (the first max_tiles rows and columns)."""
    m = np.asarray(pattern, dtype=bool)
    if m.ndim != 2:
        raise ValueError(f"render takes a [Nq, Nkv] pattern, got shape {list(m.shape)}")
    nq, nkv = m.shape
    rows = [f"{nq}x{nkv} tiles, {m.sum()} of {m.size} blocks attended "
            f"(density {m.mean():.2%})"]
    for i in range(min(nq, max_tiles)):
        rows.append("".join(on if x else off for x in m[i, :max_tiles]) +
                    (" ..." if nkv > max_tiles else ""))
    if nq > max_tiles:
        rows.append("...")
    return "\n".join(rows)


def save_png(pattern, path: str, title: str = "") -> str:
    """Writes the pattern as a PNG with matplotlib; ImportError without it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    m = np.asarray(pattern, dtype=bool)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(m, cmap="Greys", interpolation="nearest")
    ax.set_xlabel("kv tile")
    ax.set_ylabel("query tile")
    if title:
        ax.set_title(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
