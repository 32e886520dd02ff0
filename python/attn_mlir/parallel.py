"""Ulysses sequence parallelism around attn-mlir's attention backends.

    sp = UlyssesAttention(get_attention_backend("sliding_tile_attn", cfg))
    out, text_out = sp(q, k, v, grid=(T, H, W), step=t, layer=l,
                       text=(tq, tk, tv), text_length=L)

Each of the P ranks of ``group`` (torch.distributed; NCCL on GPUs, gloo on
the CPU) holds a contiguous shard of the image sequence: q/k/v (and VSA's
gate) ``[B, H, S/P, D]``, rank r the raster tokens ``r*S/P .. (r+1)*S/P - 1``.
An all-to-all turns them into head shards ``[B, H/P, S, D]`` (rank r gets
the model's heads ``r*H/P ..``), the backend attends over the whole
sequence for those heads (``head_offset = r*H/P``: STA takes those heads'
windows; VSA tiles the full sequence, so its tiles are the same as on one
rank), and a second all-to-all turns the output back into sequence shards.
STA's text tokens are replicated on every rank (sglang's ``replicated_qkv``):
``text=(tq, tk, tv)`` ``[B, H, L_text, D]``, of which a rank appends its heads
to the image tokens; the text output is all-gathered over heads and returned
beside the image output. H (and VSA's gate heads) must be a multiple of P,
and S a multiple of P.

All ranks must call with the same shapes and options (collectives).
"""
from typing import Optional, Sequence

from .backends import AttentionBackend


def _dist():
    import torch.distributed as dist
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("UlyssesAttention needs an initialized torch.distributed "
                           "process group (torch.distributed.init_process_group)")
    return dist


def _exchange(chunks, group):
    """all_to_all_single of dim-0 chunks: chunk j to rank j, chunk i of the
    result from rank i."""
    import torch
    send = chunks.contiguous()
    recv = torch.empty_like(send)
    _dist().all_to_all_single(recv, send, group=group)
    return recv


def seq_to_heads(x, group=None):
    """[B, H, S/P, D] sequence shards -> [B, H/P, S, D] head shards (all-to-all)."""
    dist = _dist()
    world = dist.get_world_size(group)
    B, H, s, D = x.shape
    if H % world:
        raise ValueError(f"{H} heads do not split over {world} ranks")
    hp = H // world
    # Chunk j (dim 0) goes to rank j: our sequence shard of its heads.
    recv = _exchange(x.reshape(B, world, hp, s, D).permute(1, 0, 2, 3, 4), group)
    # Chunk i came from rank i: sequence shard i of our heads.
    return recv.permute(1, 2, 0, 3, 4).reshape(B, hp, world * s, D)


def heads_to_seq(x, group=None):
    """[B, H/P, S, D] head shards -> [B, H, S/P, D] sequence shards (all-to-all)."""
    dist = _dist()
    world = dist.get_world_size(group)
    B, hp, S, D = x.shape
    if S % world:
        raise ValueError(f"sequence {S} does not split over {world} ranks")
    s = S // world
    # Chunk j goes to rank j: its sequence shard of our heads.
    recv = _exchange(x.reshape(B, hp, world, s, D).permute(2, 0, 1, 3, 4), group)
    # Chunk i came from rank i: our sequence shard of its heads.
    return recv.permute(1, 0, 2, 3, 4).reshape(B, world * hp, s, D)


def gather_heads(x, group=None):
    """[B, H/P, L, D] on each rank -> [B, H, L, D] (all-gather, rank order)."""
    import torch
    dist = _dist()
    parts = [torch.empty_like(x) for _ in range(dist.get_world_size(group))]
    dist.all_gather(parts, x.contiguous(), group=group)
    return torch.cat(parts, dim=1)


class UlyssesAttention:
    """`backend` (attn_mlir.backends) under Ulysses sequence parallelism over
    `group` (None: the default process group). See the module docstring."""

    def __init__(self, backend: AttentionBackend, group=None):
        if not isinstance(backend, AttentionBackend):
            raise TypeError(f"backend must be an attn_mlir AttentionBackend, got "
                            f"{type(backend).__name__}")
        self.backend = backend
        self.group = group

    def forward(self, q, k, v, *, grid, step: Optional[int] = None,
                layer: Optional[int] = None, gate=None,
                text: Optional[Sequence] = None, text_length: int = 0):
        import torch
        dist = _dist()
        world, rank = dist.get_world_size(self.group), dist.get_rank(self.group)
        for name, x in (("q", q), ("k", k), ("v", v)):
            if not isinstance(x, torch.Tensor) or x.dim() != 4:
                raise ValueError(f"{name} must be a [B, H, S/P, D] torch tensor")
        if k.shape != q.shape or v.shape != q.shape:
            raise ValueError(f"q, k, v must have one shape (sequence parallelism keeps "
                             f"every head of k and v), got {list(q.shape)}, "
                             f"{list(k.shape)}, {list(v.shape)}")
        H = q.shape[1]
        if H % world:
            raise ValueError(f"{H} heads do not split over {world} ranks")
        hp = H // world
        qh, kh, vh = (seq_to_heads(x, self.group) for x in (q, k, v))
        s_img = qh.shape[2]
        gh = None if gate is None else seq_to_heads(gate, self.group)
        if text is not None:
            if len(text) != 3:
                raise ValueError("text must be (text_q, text_k, text_v)")
            for name, t in zip(("text_q", "text_k", "text_v"), text):
                if (not isinstance(t, torch.Tensor) or t.dim() != 4 or t.shape[1] != H
                        or t.shape[0] != q.shape[0] or t.shape[3] != q.shape[3]):
                    raise ValueError(f"{name} must be [B, {H}, L_text, D] (replicated, "
                                     f"every head), got {list(getattr(t, 'shape', []))}")
            mine = slice(rank * hp, (rank + 1) * hp)
            qh, kh, vh = (torch.cat([x, t[:, mine]], dim=2)
                          for x, t in zip((qh, kh, vh), text))
        out = self.backend.forward(qh, kh, vh, step=step, layer=layer, gate=gh, grid=grid,
                                   text_length=text_length, head_offset=rank * hp)
        img = heads_to_seq(out[:, :, :s_img].contiguous(), self.group)
        if text is None:
            return img
        return img, gather_heads(out[:, :, s_img:], self.group)

    __call__ = forward
