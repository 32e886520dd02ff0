"""Drop-in replacements for FastVideo's kernel entry points (fastvideo_kernel).

    # from fastvideo_kernel import video_sparse_attn, sliding_tile_attention
    from attn_mlir.fastvideo import video_sparse_attn, sliding_tile_attention

Same call signatures and semantics (shared/docs/UPSTREAM.md §1.3-1.4, §2.1-2.2),
BHSD ``[batch, heads, seq, head_dim]`` tensors that are already tiled:

* ``video_sparse_attn(q, k, v, variable_block_sizes, q_variable_block_sizes,
  topk, block_size=64, compress_attn_weight=None)``: q/k/v padded to whole
  tiles (``seq = num_tiles * P``, partial tiles compacted into their first
  ``vbs[j]`` slots, pads zero, as FastVideo's ``tile`` makes them);
  ``variable_block_sizes`` [Nkv] / ``q_variable_block_sizes`` [Nq] valid tokens
  per tile (int tensors, on the inputs' device: never read on the host);
  ``topk`` kv tiles per query tile (clamped to Nkv); ``block_size`` P, or a
  tile (4, 4, 4); ``compress_attn_weight`` the gate of the coarse branch (no
  sigmoid). Scale 1/sqrt(D).
* ``sliding_tile_attention(q, k, v, window_size, text_length, has_text=True,
  seq_shape="30x48x80")``: image tokens tile-major in 6x8x8 tiles over the
  canvas ``seq_shape`` (tokens, "TxHxW"), then the text; ``window_size`` one
  [kt, kh, kw] per head (a list) or one for all; with ``has_text`` the first
  ``text_length`` text tokens are valid, without it q/k/v hold the image only.

Torch tensors go through ``torch.ops.attn_mlir.vsa_tiled`` / ``sta_tiled``
(torch.compile, CUDA graphs); NumPy arrays run on the CPU path.
"""
import numbers

from . import api

STA_TILE = (6, 8, 8)


def _block(block_size) -> int:
    if isinstance(block_size, bool):
        raise TypeError(f"block_size must be an int or 3 ints, got {block_size!r}")
    if isinstance(block_size, numbers.Integral):
        return int(block_size)
    t = api.ir.triple("block_size", block_size)
    return t[0] * t[1] * t[2]


def video_sparse_attn(q, k, v, variable_block_sizes, q_variable_block_sizes=None, topk=None,
                      block_size=64, compress_attn_weight=None):
    """fastvideo_kernel.video_sparse_attn on pre-tiled BHSD tensors (module doc)."""
    if topk is None:
        raise TypeError("video_sparse_attn() missing required argument 'topk'")
    p = _block(block_size)
    if q_variable_block_sizes is None:
        q_variable_block_sizes = variable_block_sizes
    return api.vsa_tiled(q, k, v, variable_block_sizes, q_variable_block_sizes, topk, p,
                         compress_attn_weight)


def parse_seq_shape(seq_shape):
    return api.parse_grid(seq_shape, "seq_shape")


def sliding_tile_attention(q, k, v, window_size, text_length, has_text=True,
                           seq_shape="30x48x80"):
    """fastvideo_kernel.sliding_tile_attention on tiled image tokens + text (module doc)."""
    grid = parse_seq_shape(seq_shape)
    for i, dim in enumerate("THW"):
        if grid[i] % STA_TILE[i]:
            raise ValueError(f"seq_shape {list(grid)}: {dim} = {grid[i]} is not a multiple of "
                             f"the tile's {STA_TILE[i]} (STA needs whole tiles)")
    tile_grid = [grid[i] // STA_TILE[i] for i in range(3)]
    s_img = grid[0] * grid[1] * grid[2]
    seq = api._shape(q, "q")[2] if len(api._shape(q, "q")) == 4 else None
    if not has_text:
        if seq is not None and seq != s_img:
            raise ValueError(f"has_text=False: q must hold the {s_img} image tokens of "
                             f"seq_shape {list(grid)}, got seq {seq}")
        text_length = 0
    return api.sta_tiled(q, k, v, window_size, int(text_length), tile_grid, STA_TILE)
