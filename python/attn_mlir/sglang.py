"""sglang-diffusion / FastVideo-style attention backend classes.

A model that selects its attention by backend name (sglang's
``--attention-backend sliding_tile_attn``, FastVideo's
``FASTVIDEO_ATTENTION_BACKEND=VIDEO_SPARSE_ATTN``) gets these classes from
``get_backend_cls(name)``; each has the upstream interface (shared/docs/UPSTREAM.md §4):

  Backend:   get_enum() / get_name() (the enum name), get_impl_cls(),
             get_metadata_cls(), get_builder_cls(), get_supported_head_sizes()
  Builder:   prepare(); build(current_timestep=..., ...) -> metadata, once per step
  Impl:      __init__(num_heads, head_size, causal=False, softmax_scale=None,
                      num_kv_heads=None, prefix="", **extra)
             preprocess_qkv(x, attn_metadata)   raster -> tiled (after the all-to-all)
             forward(q, k, v, attn_metadata)    (VSA: forward(q, k, v, gate_compress, attn_metadata))
             postprocess_output(x, attn_metadata)  tiled -> raster

Tensors are sglang's ``[batch, seq, heads, head_dim]``. Under sequence
parallelism (Ulysses) a rank holds ``num_heads`` of the model's heads, the
global heads ``start_head = sp_rank * num_heads`` onwards; STA looks its
per-head windows up by global head, as upstream does. ``sp_rank`` is an
``extra`` argument of the impl (default 0), or set ``impl.sp_rank``.

STA: the metadata carries the canvas (``dit_seq_shape``, tokens) and
``STA_param``: per-layer, per-global-head windows of this step (from a mask
strategy file, ``MaskStrategy`` or nested lists ``[layer][head] -> [kt, kh, kw]``)
or one ``window_size`` for all. The image tokens come first, tiled 6x8x8 by
``preprocess_qkv``; every token after them is (valid) text, as upstream computes
``text_length = seq - T*H*W``.

VSA: the metadata carries ``dit_seq_shape``, ``VSA_sparsity`` and the per-tile
valid sizes; ``topk = clamp(ceil((1 - sparsity) * N), 1, N)``. Image tokens
only (no text). ``gate_compress`` is the coarse branch's gate (no sigmoid).

V-MoBA (``VMOBA_ATTN``): the metadata carries FastVideo's V-MoBA keys
(config.VMobaConfig) and ``patch_resolution``; the impl reads its layer from
``prefix`` (``blocks.<n>``, as upstream) and runs api.vmoba on raster
tokens (no pre/post-processing; video tokens only).

SVG2 (``SPARSE_VIDEO_GEN_2_ATTN``): the metadata carries sglang's ``svg2_*``
keys (config.Svg2Config), the step, the layer and step counts, the text
(``context_length`` tokens at the tail, the first ``prompt_length`` of them
the prompt) and the request's centroid cache (``Svg2Cache``: pass the same
one to every step's build; a new request gets a new one); the impl reads its
layer as upstream (``prefix.split(".")[-3]``).
"""
import enum
import re
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np

from . import api, ir
from .config import MaskStrategy, Svg2Config, VMobaConfig
from .runtime import is_torch_tensor


class AttentionBackendEnum(enum.Enum):
    """The upstream enum names of the backends attn_mlir provides."""
    SLIDING_TILE_ATTN = enum.auto()
    VIDEO_SPARSE_ATTN = enum.auto()
    TORCH_SDPA = enum.auto()
    VMOBA_ATTN = enum.auto()
    SPARSE_VIDEO_GEN_2_ATTN = enum.auto()


# ---------------------------------------------------------------------------
# [batch, seq, heads, dim] <-> [batch, heads, seq, dim]
# ---------------------------------------------------------------------------

def _to_bhsd(x):
    if is_torch_tensor(x):
        return x.transpose(1, 2).contiguous()
    return np.ascontiguousarray(np.swapaxes(np.asarray(x), 1, 2))


_to_bshd = _to_bhsd  # the same swap


def _check_bshd(x, name):
    s = api._shape(x, name)
    if len(s) != 4:
        raise ValueError(f"{name} must be rank-4 [batch, seq, heads, head_dim], got {list(s)}")
    return s


def layer_from_prefix(prefix: str) -> int:
    """The layer index in a module prefix such as 'transformer_blocks.12.attn1.attn':
    its last all-digit component."""
    nums = [p for p in str(prefix).split(".") if p.isdigit()]
    if not nums:
        raise ValueError(f"prefix {prefix!r} names no layer index (e.g. 'blocks.12.attn')")
    return int(nums[-1])


class _ImplBase:
    def __init__(self, num_heads: int, head_size: int, causal: bool = False,
                 softmax_scale: Optional[float] = None, num_kv_heads: Optional[int] = None,
                 prefix: str = "", **extra: Any):
        if causal:
            raise ValueError(f"{type(self).__name__}: causal attention is not supported "
                             "(video diffusion attention is bidirectional)")
        self.num_heads, self.head_size = int(num_heads), int(head_size)
        self.num_kv_heads = int(num_kv_heads or num_heads)
        self.softmax_scale = softmax_scale  # upstream VSA/STA ignore it too: 1/sqrt(D)
        self.prefix = prefix
        self.sp_rank = int(extra.pop("sp_rank", 0))
        self.extra = extra

    @property
    def start_head(self) -> int:
        """The first global head of this rank: sp_rank * heads per rank."""
        return self.sp_rank * self.num_heads


# ---------------------------------------------------------------------------
# Sliding tile attention
# ---------------------------------------------------------------------------

@dataclass
class SlidingTileAttentionMetadata:
    current_timestep: int
    dit_seq_shape: List[int]
    STA_param: Any = None            # [layer][global head] -> [kt, kh, kw], or None
    window_size: Optional[List[int]] = None  # one window for all layers and heads


class SlidingTileAttentionMetadataBuilder:
    def __init__(self, mask_strategy: Optional[MaskStrategy] = None):
        self.mask_strategy = mask_strategy

    def prepare(self):
        pass

    def build(self, current_timestep: int, dit_seq_shape=None, STA_param=None,
              window_size=None, mask_strategy_file_path: Optional[str] = None,
              **_ignored) -> SlidingTileAttentionMetadata:
        if dit_seq_shape is None:
            raise ValueError("SlidingTileAttentionMetadataBuilder.build needs dit_seq_shape "
                             "(the latent token grid T, H, W or 'TxHxW')")
        if mask_strategy_file_path and self.mask_strategy is None:
            self.mask_strategy = MaskStrategy.load(mask_strategy_file_path)
        if STA_param is None and self.mask_strategy is not None:
            ms = self.mask_strategy
            STA_param = [[list(ms.windows[(int(current_timestep), l, h)])
                          for h in range(ms.heads)] for l in range(ms.layers)]
        if STA_param is None and window_size is None:
            raise ValueError("sliding tile attention needs STA_param, a mask strategy or a "
                             "window_size")
        return SlidingTileAttentionMetadata(int(current_timestep),
                                            list(api.parse_grid(dit_seq_shape, "dit_seq_shape")),
                                            STA_param, window_size)


class SlidingTileAttentionImpl(_ImplBase):
    tile = (6, 8, 8)

    def _grid(self, md):
        g = md.dit_seq_shape
        for i, dim in enumerate("THW"):
            if g[i] % self.tile[i]:
                raise ValueError(f"dit_seq_shape {list(g)}: {dim} = {g[i]} is not a multiple "
                                 f"of the tile's {self.tile[i]}")
        return g

    def windows(self, md: SlidingTileAttentionMetadata) -> List[List[int]]:
        """This rank's per-head windows: STA_param[layer][start_head + h]."""
        if md.STA_param is None:
            return [list(md.window_size)] * self.num_heads
        layer = layer_from_prefix(self.prefix)
        if layer >= len(md.STA_param):
            raise ValueError(f"layer {layer} (prefix {self.prefix!r}) is outside STA_param's "
                             f"{len(md.STA_param)} layers")
        row = md.STA_param[layer]
        end = self.start_head + self.num_heads
        if end > len(row):
            raise ValueError(f"heads {self.start_head}..{end - 1} of sp_rank {self.sp_rank} are "
                             f"outside STA_param's {len(row)} heads")
        return [list(w) for w in row[self.start_head:end]]

    def preprocess_qkv(self, x, attn_metadata):
        """[B, T*H*W + S_text, H, D] raster image tokens (+ text) -> image tokens tiled."""
        return self._retile(x, attn_metadata, api.tile)

    def postprocess_output(self, x, attn_metadata):
        return self._retile(x, attn_metadata, api.untile)

    def _retile(self, x, md, fn):
        s = _check_bshd(x, "x")
        g = self._grid(md)
        n = g[0] * g[1] * g[2]
        if s[1] < n:
            raise ValueError(f"x has seq {s[1]} but dit_seq_shape {g} has {n} image tokens")
        img = fn(_to_bhsd(x[:, :n]), g, self.tile)
        img = _to_bshd(img)
        if s[1] == n:
            return img
        if is_torch_tensor(x):
            import torch
            return torch.cat([img, x[:, n:]], dim=1)
        return np.concatenate([img, np.asarray(x)[:, n:]], axis=1)

    def forward(self, query, key, value, attn_metadata):
        """Tiled [B, S, H, D] q/k/v (preprocess_qkv) -> [B, S, H, D] (still tiled)."""
        s = _check_bshd(query, "query")
        g = self._grid(attn_metadata)
        n_img = g[0] * g[1] * g[2]
        if s[2] != self.num_heads:
            raise ValueError(f"query has {s[2]} heads, the impl was made for {self.num_heads}")
        text_length = s[1] - n_img
        if text_length < 0:
            raise ValueError(f"query has seq {s[1]} < the {n_img} image tokens of {g}")
        tile_grid = [g[i] // self.tile[i] for i in range(3)]
        out = api.sta_tiled(_to_bhsd(query), _to_bhsd(key), _to_bhsd(value),
                            self.windows(attn_metadata), text_length, tile_grid, self.tile)
        return _to_bshd(out)


class SlidingTileAttentionBackend:
    accept_output_buffer = False

    @staticmethod
    def get_enum():
        return AttentionBackendEnum.SLIDING_TILE_ATTN

    @staticmethod
    def get_name() -> str:
        return "SLIDING_TILE_ATTN"

    @staticmethod
    def get_supported_head_sizes() -> List[int]:
        return [32, 64, 128]

    @staticmethod
    def get_impl_cls():
        return SlidingTileAttentionImpl

    @staticmethod
    def get_metadata_cls():
        return SlidingTileAttentionMetadata

    @staticmethod
    def get_builder_cls():
        return SlidingTileAttentionMetadataBuilder


# ---------------------------------------------------------------------------
# Video sparse attention
# ---------------------------------------------------------------------------

VSA_TILE = (4, 4, 4)


@dataclass
class VideoSparseAttentionMetadata:
    current_timestep: int
    dit_seq_shape: List[int]
    VSA_sparsity: float = 0.0
    num_tiles: List[int] = field(default_factory=list)
    total_seq_length: int = 0
    variable_block_sizes: Any = None  # [N] int32 valid tokens per tile
    tile_size: tuple = VSA_TILE


class VideoSparseAttentionMetadataBuilder:
    def prepare(self):
        pass

    def build(self, current_timestep: int, raw_latent_shape=None, patch_size=None,
              VSA_sparsity: float = 0.0, device=None, dit_seq_shape=None,
              **_ignored) -> VideoSparseAttentionMetadata:
        """dit_seq_shape = raw_latent_shape[-3:] // patch_size (or given)."""
        if dit_seq_shape is None:
            if raw_latent_shape is None or patch_size is None:
                raise ValueError("VideoSparseAttentionMetadataBuilder.build needs "
                                 "raw_latent_shape and patch_size, or dit_seq_shape")
            lat = list(raw_latent_shape)[-3:]
            ps = [patch_size] * 3 if isinstance(patch_size, int) else list(patch_size)
            dit_seq_shape = [int(lat[i]) // int(ps[i]) for i in range(3)]
        g = list(api.parse_grid(dit_seq_shape, "dit_seq_shape"))
        n, _, _, vbs = ir.tile_geometry(g, VSA_TILE)
        vbs = np.asarray(vbs, dtype=np.int32)
        if device is not None and str(device) != "cpu":
            import torch
            vbs = torch.as_tensor(vbs, device=device)
        return VideoSparseAttentionMetadata(int(current_timestep), g,
                                            float(api._check_sparsity(VSA_sparsity)), list(n),
                                            g[0] * g[1] * g[2], vbs)


class VideoSparseAttentionImpl(_ImplBase):
    def preprocess_qkv(self, x, attn_metadata):
        """[B, T*H*W, H, D] raster -> [B, N*64, H, D] tiled (partial tiles padded)."""
        _check_bshd(x, "x")
        return _to_bshd(api.tile(_to_bhsd(x), attn_metadata.dit_seq_shape, VSA_TILE))

    def postprocess_output(self, x, attn_metadata):
        _check_bshd(x, "x")
        return _to_bshd(api.untile(_to_bhsd(x), attn_metadata.dit_seq_shape, VSA_TILE))

    def forward(self, query, key, value, gate_compress=None, attn_metadata=None):
        """Tiled [B, N*64, H, D] q/k/v (and gate) -> tiled [B, N*64, H, D]."""
        if attn_metadata is None and isinstance(gate_compress, VideoSparseAttentionMetadata):
            gate_compress, attn_metadata = None, gate_compress
        if attn_metadata is None:
            raise ValueError("VideoSparseAttentionImpl.forward needs attn_metadata")
        md = attn_metadata
        _check_bshd(query, "query")
        n = md.num_tiles[0] * md.num_tiles[1] * md.num_tiles[2]
        topk = ir.topk_for(md.VSA_sparsity, n)
        vbs = md.variable_block_sizes
        if is_torch_tensor(query) and not is_torch_tensor(vbs):
            import torch
            vbs = torch.as_tensor(np.asarray(vbs, dtype=np.int32), device=query.device)
        gate = None if gate_compress is None else _to_bhsd(gate_compress)
        out = api.vsa_tiled(_to_bhsd(query), _to_bhsd(key), _to_bhsd(value), vbs, vbs, topk,
                            64, gate)
        return _to_bshd(out)


class VideoSparseAttentionBackend:
    accept_output_buffer = False

    @staticmethod
    def get_enum():
        return AttentionBackendEnum.VIDEO_SPARSE_ATTN

    @staticmethod
    def get_name() -> str:
        return "VIDEO_SPARSE_ATTN"

    @staticmethod
    def get_supported_head_sizes() -> List[int]:
        return [64, 128]

    @staticmethod
    def get_impl_cls():
        return VideoSparseAttentionImpl

    @staticmethod
    def get_metadata_cls():
        return VideoSparseAttentionMetadata

    @staticmethod
    def get_builder_cls():
        return VideoSparseAttentionMetadataBuilder


def _patch_resolution(builder, raw_latent_shape, patch_size, given):
    """The token grid (T, H, W): `given`, else raw_latent_shape[-3:] //
    patch_size, each a whole multiple (as upstream asserts)."""
    if given is None:
        if raw_latent_shape is None or patch_size is None:
            raise ValueError(f"{builder}.build needs raw_latent_shape and patch_size, or "
                             "patch_resolution")
        lat = [int(x) for x in list(raw_latent_shape)[-3:]]
        ps = [patch_size] * 3 if isinstance(patch_size, int) else [int(p) for p in patch_size]
        if any(b <= 0 or a % b for a, b in zip(lat, ps)):
            raise ValueError(f"latent shape {lat} is not a multiple of patch size {ps}")
        given = [a // b for a, b in zip(lat, ps)]
    return list(api.parse_grid(given, "patch_resolution"))


# ---------------------------------------------------------------------------
# V-MoBA
# ---------------------------------------------------------------------------

@dataclass
class VideoMobaAttentionMetadata:
    current_timestep: int
    patch_resolution: List[int]
    moba: VMobaConfig


class VideoMobaAttentionMetadataBuilder:
    def prepare(self):
        pass

    def build(self, current_timestep: int, raw_latent_shape=None, patch_size=None,
              device=None, patch_resolution=None, **moba_keys) -> VideoMobaAttentionMetadata:
        """patch_resolution = raw_latent_shape[-3:] // patch_size (each must divide, as
        upstream asserts), or given; the V-MoBA keys as keyword arguments."""
        g = _patch_resolution("VideoMobaAttentionMetadataBuilder", raw_latent_shape,
                              patch_size, patch_resolution)
        return VideoMobaAttentionMetadata(int(current_timestep), g,
                                          VMobaConfig.from_dict(moba_keys))


class VMOBAAttentionImpl(_ImplBase):
    @property
    def layer_idx(self) -> int:
        m = re.search(r"blocks\.(\d+)", str(self.prefix))
        if not m:
            raise ValueError(f"VMOBAAttentionImpl: prefix {self.prefix!r} names no layer "
                             "('blocks.<n>', as upstream reads it)")
        return int(m.group(1))

    def preprocess_qkv(self, x, attn_metadata):
        return x  # V-MoBA's chunks are read in raster order: nothing to rearrange

    def postprocess_output(self, x, attn_metadata):
        return x

    def forward(self, query, key, value, attn_metadata):
        """[B, T*H*W, heads, D] q/k/v -> [B, T*H*W, heads, D]."""
        if attn_metadata is None:
            raise ValueError("VMOBAAttentionImpl.forward needs attn_metadata (the builder's "
                             "build(...) result)")
        md = attn_metadata
        _check_bshd(query, "query")
        chunk, topk = md.moba.chunk_for(self.layer_idx, md.patch_resolution)
        kw = ({"topk": topk} if md.moba.moba_select_mode == "topk"
              else {"threshold": md.moba.moba_threshold})
        out = api.vmoba(_to_bhsd(query), _to_bhsd(key), _to_bhsd(value),
                        md.patch_resolution, chunk, **kw)
        return _to_bshd(out)


class VMOBAAttentionBackend:
    accept_output_buffer = False

    @staticmethod
    def get_enum():
        return AttentionBackendEnum.VMOBA_ATTN

    @staticmethod
    def get_name() -> str:
        return "VMOBA_ATTN"

    @staticmethod
    def get_supported_head_sizes() -> List[int]:
        return [64, 128]

    @staticmethod
    def get_impl_cls():
        return VMOBAAttentionImpl

    @staticmethod
    def get_metadata_cls():
        return VideoMobaAttentionMetadata

    @staticmethod
    def get_builder_cls():
        return VideoMobaAttentionMetadataBuilder


# ---------------------------------------------------------------------------
# SVG2
# ---------------------------------------------------------------------------

class Svg2Cache(dict):
    """One request's k-means centroids: layer -> (q centroids, k centroids)."""


@dataclass
class SparseVideoGen2AttentionMetadata:
    current_timestep: int          # the step index (0 = the first denoising step)
    patch_resolution: List[int]
    config: Svg2Config
    num_layers: int
    num_steps: int
    context_length: int = 0
    prompt_length: int = 0
    cache: Svg2Cache = field(default_factory=Svg2Cache)


class SparseVideoGen2AttentionMetadataBuilder:
    def prepare(self):
        pass

    def build(self, current_timestep: int, raw_latent_shape=None, patch_size=None,
              num_layers: int = 0, num_steps: int = 0, context_length: int = 0,
              prompt_length: Optional[int] = None, cache: Optional[Svg2Cache] = None,
              patch_resolution=None, device=None, **svg2_keys
              ) -> SparseVideoGen2AttentionMetadata:
        """patch_resolution = raw_latent_shape[-3:] // patch_size (or given);
        sglang's svg2_* keys as keyword arguments; ``cache`` carries the
        centroids from step to step (a new Svg2Cache when None)."""
        g = _patch_resolution("SparseVideoGen2AttentionMetadataBuilder", raw_latent_shape,
                              patch_size, patch_resolution)
        if num_layers < 1 or num_steps < 1:
            raise ValueError("SparseVideoGen2AttentionMetadataBuilder.build needs num_layers "
                             "and num_steps (>= 1): the dense warm-up is a fraction of them")
        prompt = context_length if prompt_length is None else int(prompt_length)
        if not 0 <= prompt <= context_length:
            raise ValueError(f"prompt_length {prompt} must be in [0, context_length = "
                             f"{context_length}]")
        return SparseVideoGen2AttentionMetadata(
            int(current_timestep), g, Svg2Config.from_dict(svg2_keys), int(num_layers),
            int(num_steps), int(context_length), prompt,
            cache if cache is not None else Svg2Cache())


class SparseVideoGen2AttentionImpl(_ImplBase):
    @property
    def layer_idx(self) -> int:
        parts = str(self.prefix).split(".")
        if len(parts) < 3 or not parts[-3].isdigit():
            raise ValueError(f"SparseVideoGen2AttentionImpl: prefix {self.prefix!r} names no "
                             "layer (upstream reads prefix.split('.')[-3], e.g. "
                             "'blocks.7.attn1.impl')")
        return int(parts[-3])

    def preprocess_qkv(self, x, attn_metadata):
        return x  # clusters are found per call: nothing to rearrange up front

    def postprocess_output(self, x, attn_metadata):
        return x

    def forward(self, query, key, value, attn_metadata):
        """[B, S, heads, D] q/k/v (video tokens, then context_length text) -> the same."""
        if attn_metadata is None:
            raise ValueError("SparseVideoGen2AttentionImpl.forward needs attn_metadata")
        md = attn_metadata
        _check_bshd(query, "query")
        from .backends import svg2_layer
        layer = self.layer_idx
        c = md.config
        dense = (layer < c.dense_layers(md.num_layers) or
                 md.current_timestep < c.dense_steps(md.num_steps))
        video = md.patch_resolution[0] * md.patch_resolution[1] * md.patch_resolution[2]
        if api._shape(query)[1] != video + md.context_length:
            raise ValueError(f"query has {api._shape(query)[1]} tokens; the metadata says "
                             f"{video} video + {md.context_length} text")
        out = svg2_layer(_to_bhsd(query), _to_bhsd(key), _to_bhsd(value), c, md.cache, layer,
                         dense, video, md.prompt_length)
        return _to_bshd(out)


class SparseVideoGen2AttentionBackend:
    accept_output_buffer = False

    @staticmethod
    def get_enum():
        return AttentionBackendEnum.SPARSE_VIDEO_GEN_2_ATTN

    @staticmethod
    def get_name() -> str:
        return "SPARSE_VIDEO_GEN_2_ATTN"

    @staticmethod
    def get_supported_head_sizes() -> List[int]:
        return [64, 128, 256]

    @staticmethod
    def get_impl_cls():
        return SparseVideoGen2AttentionImpl

    @staticmethod
    def get_metadata_cls():
        return SparseVideoGen2AttentionMetadata

    @staticmethod
    def get_builder_cls():
        return SparseVideoGen2AttentionMetadataBuilder


_BACKENDS = {AttentionBackendEnum.SLIDING_TILE_ATTN: SlidingTileAttentionBackend,
             AttentionBackendEnum.VIDEO_SPARSE_ATTN: VideoSparseAttentionBackend,
             AttentionBackendEnum.VMOBA_ATTN: VMOBAAttentionBackend,
             AttentionBackendEnum.SPARSE_VIDEO_GEN_2_ATTN: SparseVideoGen2AttentionBackend}


def get_backend_cls(name):
    """The backend class for an enum member or an --attention-backend value
    (case-insensitive: 'sliding_tile_attn', 'VIDEO_SPARSE_ATTN')."""
    if isinstance(name, AttentionBackendEnum):
        member = name
    else:
        key = re.sub(r"[\s-]", "_", str(name).strip()).upper()
        if key not in AttentionBackendEnum.__members__:
            raise ValueError(f"unknown attention backend {name!r}; attn_mlir provides "
                             f"{', '.join(m.lower() for m in _names())}")
        member = AttentionBackendEnum[key]
    if member not in _BACKENDS:
        raise ValueError(f"{member.name}: use attn_mlir.backends.get_attention_backend"
                         "('torch_sdpa') for dense attention")
    return _BACKENDS[member]


def _names():
    return [m.name for m in _BACKENDS]
