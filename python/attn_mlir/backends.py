"""Attention backends with sglang-diffusion / FastVideo semantics.

    backend = get_attention_backend("sliding_tile_attn", "mask_strategy_file_path=m.json")
    out = backend.forward(q, k, v, step=t, layer=l, grid=(T, H, W), text_length=L)

Names (case-insensitive; sglang's enum spelling ``SLIDING_TILE_ATTN`` works too):
  video_sparse_attn   VSA; ``sparsity`` (alias ``VSA_sparsity``) gives topk per call
  sliding_tile_attn   STA; windows per (step, layer, head) from ``mask_strategy_file_path``
                      (validated when the backend is made), or one ``window_size``
  vmoba_attn          V-MoBA; chunk sizes, top-k / threshold and the layer cycle from
                      FastVideo's keys (config.VMobaConfig; docs/VMoBA.md); CPU path only
  sage_attn           SageAttention2's INT8/FP8 numerics over all tokens (api.sage_sdpa;
                      docs/Sage.md); CPU path only (an emulation)
  sparse_video_gen_2_attn  SVG2; sglang's svg2_* keys (config.Svg2Config;
                      docs/SVG2.md); per-layer k-means centroids kept across steps;
                      CPU path only
  torch_sdpa          dense attention: torch's scaled_dot_product_attention on torch
                      tensors, NumPy on NumPy arrays
``config`` is what ``--attention-backend-config`` takes (config.parse_backend_config),
a parsed BackendConfig, a dict, or None.

``skip_time_steps`` = s: steps ``t < s`` run dense attention, as FastVideo's STA
gets from its tuned mask files (they hold the full window for those steps).
For STA this is the full window (the whole tile grid), which is exactly dense
attention over the image and the valid text tokens; for VSA, whose gated coarse
branch is part of the model, it is sparsity 0 (every tile selected).
q/k/v are BHSD; tokens in raster order for the image (then text, for STA).

Head subsets (sequence parallelism: attn_mlir.parallel): ``forward(...,
head_offset=o)`` says q holds the model's heads ``o .. o + H - 1`` (None, the
default: q holds every head); STA then
takes those heads' windows from the mask strategy (or from a per-head
``window_size`` list), as sglang's ``start_head = rank * heads_per_rank``.
VSA and dense attention have no per-head state and only check the offset.
"""
import math
from typing import Optional, Sequence

import numpy as np

from . import api
from .runtime import is_torch_tensor
from .config import (BackendConfig, ConfigError, MaskStrategy, Svg2Config, VMobaConfig,
                     parse_backend_config)

BACKEND_NAMES = ("video_sparse_attn", "sliding_tile_attn", "vmoba_attn",
                 "sparse_video_gen_2_attn", "sage_attn", "torch_sdpa")


def _as_config(config) -> BackendConfig:
    if config is None or isinstance(config, str):
        return parse_backend_config(config)
    if isinstance(config, BackendConfig):
        return config
    if isinstance(config, dict):
        import json
        return parse_backend_config(json.dumps(config))
    raise TypeError(f"config must be a string, a dict, a BackendConfig or None, "
                    f"got {type(config).__name__}")


class AttentionBackend:
    name = ""

    def __init__(self, config: BackendConfig):
        self.config = config

    @classmethod
    def get_name(cls) -> str:
        """The sglang / FastVideo enum spelling (e.g. SLIDING_TILE_ATTN)."""
        return cls.name.upper()

    def is_dense_step(self, step: Optional[int]) -> bool:
        s = self.config.skip_time_steps
        return s is not None and step is not None and step < s

    def forward(self, q, k, v, *, step: Optional[int] = None, layer: Optional[int] = None,
                gate=None, grid=None, text_length: int = 0, head_offset: Optional[int] = None):
        raise NotImplementedError

    __call__ = lambda self, *a, **kw: self.forward(*a, **kw)  # noqa: E731

    def __repr__(self):
        return f"<{type(self).__name__} {self.name} {self.config}>"


class TorchSDPABackend(AttentionBackend):
    """Dense attention. With ``grid`` and ``text_length``, keys in the text padding
    (after the first ``text_length`` text tokens) are masked, like STA's."""
    name = "torch_sdpa"

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        _check_head_offset(head_offset)
        qs, ks = api._check_qkv(q, k, v, same_seq=False)
        valid = None
        if text_length:
            if grid is None:
                raise ValueError("torch_sdpa with text_length needs grid (where the text starts)")
            g = api.parse_grid(grid)
            s_img = g[0] * g[1] * g[2]
            if not 0 <= text_length <= ks[2] - s_img:
                raise ValueError(f"text_length {text_length} must be in [0, {ks[2] - s_img}]")
            valid = s_img + int(text_length)
        return dense_attention(q, k, v, valid_keys=valid)


def _check_head_offset(head_offset) -> Optional[int]:
    if head_offset is None:
        return None
    if isinstance(head_offset, bool) or not isinstance(head_offset, (int, np.integer)):
        raise TypeError(f"head_offset must be an integer, got {head_offset!r}")
    if head_offset < 0:
        raise ValueError(f"head_offset must be >= 0, got {head_offset}")
    return int(head_offset)


def dense_attention(q, k, v, valid_keys: Optional[int] = None):
    """softmax(q k^T / sqrt(D)) v over the first `valid_keys` keys (all if None);
    torch tensors -> torch.nn.functional.scaled_dot_product_attention, NumPy -> NumPy."""
    group = q.shape[1] // k.shape[1]
    if is_torch_tensor(q):
        import torch
        import torch.nn.functional as F
        if group > 1:
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        mask = None
        if valid_keys is not None:
            # [1, 1, 1, Skv]: broadcast over batch, heads and queries (a 1-D
            # mask is rejected by the fused SDPA kernels on CUDA).
            mask = (torch.arange(k.shape[2], device=k.device) < valid_keys).view(1, 1, 1, -1)
        if hasattr(F, "scaled_dot_product_attention"):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        # torch < 2.0 (Debian 12's 1.13): the same math, f32 softmax.
        s = torch.matmul(q.float(), k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        return torch.matmul(torch.softmax(s, dim=-1), v.float()).to(q.dtype)
    q64 = np.asarray(q, dtype=np.float64)
    k64 = np.repeat(np.asarray(k, dtype=np.float64), group, axis=1)
    v64 = np.repeat(np.asarray(v, dtype=np.float64), group, axis=1)
    s = np.matmul(q64, k64.transpose(0, 1, 3, 2)) / math.sqrt(q.shape[3])
    if valid_keys is not None:
        s[..., valid_keys:] = -np.inf
    s -= s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    return np.matmul(p, v64).astype(np.asarray(q).dtype)


class VideoSparseAttnBackend(AttentionBackend):
    """VSA (attn.vsa): ``sparsity`` from the config (FastVideo's default 0.0)."""
    name = "video_sparse_attn"

    def __init__(self, config: BackendConfig, tile=api.VSA_TILE):
        super().__init__(config)
        self.tile = tile
        self.sparsity = 0.0 if config.sparsity is None else config.sparsity

    def sparsity_for(self, step: Optional[int]) -> float:
        return 0.0 if self.is_dense_step(step) else self.sparsity

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        _check_head_offset(head_offset)
        if grid is None:
            raise ValueError("video_sparse_attn needs grid=(T, H, W), the latent token grid")
        if text_length:
            raise ValueError("video_sparse_attn takes image tokens only (as FastVideo's VSA "
                             "backend, which rejects replicated text); got text_length "
                             f"{text_length}")
        return api.video_sparse_attn(q, k, v, grid, self.sparsity_for(step), gate,
                                     tile=self.tile)


class SlidingTileAttnBackend(AttentionBackend):
    """STA (attn.sliding_tile). Window at (step, layer): the full window for
    step < skip_time_steps; else the mask strategy's per-head windows; else
    ``window_size``."""
    name = "sliding_tile_attn"

    def __init__(self, config: BackendConfig, window_size=None, tile=api.STA_TILE,
                 num_steps=None, num_layers=None, num_heads=None, per_head="windows"):
        super().__init__(config)
        if per_head not in ("windows", "split"):
            raise ValueError(f"per_head must be 'windows' or 'split', got {per_head!r}")
        self.per_head = per_head
        if config.sta_mode != "STA_inference":
            raise ConfigError(f"sta_mode {config.sta_mode} (mask search/tuning) is not "
                              "supported; this backend runs STA_inference")
        self.tile = tile
        self.window_size = window_size
        self.mask_strategy = None
        if config.mask_strategy_file_path:
            self.mask_strategy = MaskStrategy.load(config.mask_strategy_file_path, num_steps,
                                                   num_layers, num_heads)
        elif window_size is None and config.skip_time_steps is None:
            raise ConfigError("sliding_tile_attn needs mask_strategy_file_path in its config "
                              "or a window_size")

    def windows_for(self, step: Optional[int], layer: Optional[int], heads: int, tile_grid,
                    head_offset: Optional[int] = None):
        """One window (3 ints) or per-head windows (list of `heads` triples) for
        the model's heads head_offset .. head_offset + heads - 1."""
        head_offset = _check_head_offset(head_offset)
        if self.is_dense_step(step):
            return list(tile_grid)
        if self.mask_strategy is not None:
            if step is None or layer is None:
                raise ValueError("sliding_tile_attn with a mask strategy needs step= and layer=")
            total = self.mask_strategy.heads
            if head_offset is None:
                if heads != total:
                    raise ValueError(f"the mask strategy has {total} heads but q has {heads}")
                head_offset = 0
            if head_offset + heads > total:
                raise ValueError(f"heads {head_offset}..{head_offset + heads - 1} are outside "
                                 f"the mask strategy's {total} heads")
            flat = self.mask_strategy.windows_for(step, layer)
            return [flat[3 * h:3 * h + 3] for h in range(head_offset, head_offset + heads)]
        if self.window_size is None:
            raise ValueError(f"no window for step {step}: give window_size or a mask strategy")
        ws = list(self.window_size)
        if head_offset is not None and ws and isinstance(ws[0], (list, tuple)):
            # One window per model head: this subset's.
            if head_offset + heads > len(ws):
                raise ValueError(f"heads {head_offset}..{head_offset + heads - 1} are outside "
                                 f"window_size's {len(ws)} per-head windows")
            return [list(w) for w in ws[head_offset:head_offset + heads]]
        return ws

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        if grid is None:
            raise ValueError("sliding_tile_attn needs grid=(T, H, W), the latent token grid")
        g = api.parse_grid(grid)
        tile_grid = [g[i] // self.tile[i] for i in range(3)]
        windows = self.windows_for(step, layer, api._shape(q)[1], tile_grid, head_offset)
        return api.sliding_tile_attn(q, k, v, windows, text_length, g, tile=self.tile,
                                     per_head=self.per_head)


class VMobaAttnBackend(AttentionBackend):
    """V-MoBA (attn.chunk_mean / chunk_select / chunk_attention), as
    FastVideo's VMOBAAttentionImpl: layer ``layer`` takes the temporal,
    spatial or spatiotemporal chunks and top-k of the config's layer cycle,
    and selects by ``moba_select_mode`` (top-k, or the ``moba_threshold``
    rule per query token and head)."""
    name = "vmoba_attn"

    def __init__(self, config: BackendConfig):
        super().__init__(config)
        if not config.moba:
            raise ConfigError("vmoba_attn needs its keys in the config (temporal_chunk_size, "
                              "temporal_topk, spatial_chunk_size, spatial_topk, st_chunk_size, "
                              "st_topk, ...: docs/VMoBA.md)")
        self.moba = VMobaConfig.from_dict(config.moba)

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        _check_head_offset(head_offset)  # the selection is per head: any subset works
        if grid is None:
            raise ValueError("vmoba_attn needs grid=(T, H, W), the latent token grid")
        if layer is None:
            raise ValueError("vmoba_attn needs layer= (its chunks cycle over the layers)")
        if gate is not None:
            raise ValueError("vmoba_attn takes no gate")
        if text_length:
            raise ValueError("vmoba_attn takes video tokens only (FastVideo's V-MoBA runs on "
                             f"video self-attention); got text_length {text_length}")
        g = api.parse_grid(grid)
        chunk, topk = self.moba.chunk_for(layer, g)
        if self.moba.moba_select_mode == "topk":
            return api.vmoba(q, k, v, g, chunk, topk=topk)
        return api.vmoba(q, k, v, g, chunk, threshold=self.moba.moba_threshold)


class Svg2AttnBackend(AttentionBackend):
    """SVG2 (attn.kmeans / cluster_select / cluster_attention), as sglang's
    SparseVideoGen2AttentionImpl: the first ``dense_layers(num_layers)``
    layers and the first ``dense_steps(num_steps)`` steps are dense attention
    over the whole sequence (as upstream, text padding included); otherwise
    q and k's video tokens are clustered, warm-starting from this layer's
    centroids of the previous call (``kmeans_iter_step`` rounds) or, on a
    layer's first call, from random tokens (``kmeans_iter_init`` rounds), and
    attention runs over the selected clusters. ``reset()`` drops the
    centroids (upstream keeps them for one request). ``text_length`` = valid
    (prompt) text tokens at the tail; q's tokens past grid's T*H*W are text."""
    name = "sparse_video_gen_2_attn"

    def __init__(self, config: BackendConfig, num_layers: Optional[int] = None,
                 num_steps: Optional[int] = None, seed: Optional[int] = None):
        super().__init__(config)
        self.svg2 = Svg2Config.from_dict(config.svg2)
        self.num_layers, self.num_steps = num_layers, num_steps
        self.seed = seed
        self.centroids = {}  # layer -> (q centroids, k centroids)

    def reset(self):
        self.centroids.clear()

    def is_dense(self, step, layer) -> bool:
        c = self.svg2
        if c.first_layers_fp > 0:
            if self.num_layers is None or layer is None:
                raise ValueError("sparse_video_gen_2_attn with svg2_first_layers_fp > 0 needs "
                                 "num_layers= (an option) and layer=")
            if layer < c.dense_layers(self.num_layers):
                return True
        if c.first_times_fp > 0:
            if self.num_steps is None or step is None:
                raise ValueError("sparse_video_gen_2_attn with svg2_first_times_fp > 0 needs "
                                 "num_steps= (an option) and step=")
            if step < c.dense_steps(self.num_steps):
                return True
        return False

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        _check_head_offset(head_offset)
        if grid is None:
            raise ValueError("sparse_video_gen_2_attn needs grid=(T, H, W), the latent token grid")
        if gate is not None:
            raise ValueError("sparse_video_gen_2_attn takes no gate")
        g = api.parse_grid(grid)
        seed = None if self.seed is None else self.seed + 2 * (layer or 0)
        return svg2_layer(q, k, v, self.svg2, self.centroids, layer, self.is_dense(step, layer),
                          g[0] * g[1] * g[2], text_length, seed)


def svg2_layer(q, k, v, cfg: Svg2Config, centroids: dict, layer, dense: bool, video: int,
               valid_text: int = 0, seed: Optional[int] = None):
    """One SVG2 attention call of layer `layer` (Svg2AttnBackend, and
    sglang.SparseVideoGen2AttentionImpl): dense attention when `dense` (after
    updating `centroids` if cfg.zero_step_kmeans_init), else api.svg2 from
    centroids[layer] (kmeans_iter_step rounds) or, on the layer's first call,
    from random video tokens (kmeans_iter_init rounds; `seed`, `seed + 1`);
    centroids[layer] is updated. q's first `video` tokens are video, the
    rest text of which the first `valid_text` are the prompt."""
    s = api._shape(q)[2]
    if video > s or valid_text > s - video:
        raise ValueError(f"sparse_video_gen_2_attn: the grid has {video} tokens and "
                         f"text_length is {valid_text}, but q has {s}")
    if dense and not cfg.zero_step_kmeans_init:
        return api.sdpa(q, k, v)
    if layer in centroids:
        (qc, kc), iters = centroids[layer], cfg.kmeans_iter_step
    else:
        qc = api.svg2_init_centroids(api._host_f32(q, "q")[:, :, :video], cfg.num_q_centroids,
                                     seed)
        kc = api.svg2_init_centroids(api._host_f32(k, "k")[:, :, :video], cfg.num_k_centroids,
                                     None if seed is None else seed + 1)
        iters = cfg.kmeans_iter_init
    out, qc, kc = api.svg2(q, k, v, qc, kc, iterations=iters, top_p=cfg.top_p,
                           min_kc_ratio=cfg.min_kc_ratio, text_length=s - video,
                           valid_text=valid_text)
    centroids[layer] = (qc, kc)
    return api.sdpa(q, k, v) if dense else out


class SageAttnBackend(AttentionBackend):
    """sglang's ``sage_attn``: sageattn over every token (no mask, as upstream),
    here attn.sage_sdpa's emulation of its numerics."""
    name = "sage_attn"

    def forward(self, q, k, v, *, step=None, layer=None, gate=None, grid=None,
                text_length: int = 0, head_offset: Optional[int] = None):
        _check_head_offset(head_offset)
        if gate is not None:
            raise ValueError("sage_attn takes no gate")
        return api.sage_sdpa(q, k, v)


_BACKENDS = {"video_sparse_attn": VideoSparseAttnBackend,
             "sliding_tile_attn": SlidingTileAttnBackend,
             "vmoba_attn": VMobaAttnBackend,
             "sparse_video_gen_2_attn": Svg2AttnBackend,
             "sage_attn": SageAttnBackend,
             "torch_sdpa": TorchSDPABackend}


def get_attention_backend(name: str, config=None, **options) -> AttentionBackend:
    """The backend called `name`, configured by `config` (see the module docstring).
    Options: ``tile`` (VSA, STA); ``window_size``, ``num_steps``, ``num_layers``,
    ``num_heads`` (STA: the declared mask-strategy ranges, checked up front),
    ``per_head`` (STA: "windows" or "split", see api.sliding_tile_attn)."""
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    if key not in _BACKENDS:
        raise ValueError(f"unknown attention backend '{name}'; choose one of "
                         f"{', '.join(BACKEND_NAMES)}")
    cfg = _as_config(config)
    cls = _BACKENDS[key]
    if cls in (TorchSDPABackend, VMobaAttnBackend, SageAttnBackend):
        if options:
            raise TypeError(f"{key} takes no options, got {sorted(options)}")
        return cls(cfg)
    if cls is VideoSparseAttnBackend:
        allowed = {"tile"}
    elif cls is Svg2AttnBackend:
        allowed = {"num_layers", "num_steps", "seed"}
    else:
        allowed = {"tile", "window_size", "num_steps", "num_layers", "num_heads", "per_head"}
    extra = set(options) - allowed
    if extra:
        raise TypeError(f"{key} does not take option(s) {sorted(extra)}")
    return cls(cfg, **options)
