"""Backend configuration with sglang-diffusion / FastVideo semantics.

``parse_backend_config(text)`` accepts what ``--attention-backend-config``
accepts upstream:
  1. a path to an existing ``.json``, ``.yaml`` or ``.yml`` file;
  2. otherwise a JSON object string;
  3. otherwise ``k=v`` pairs separated by commas: ``true``/``false`` become
     bools, digits with at most one ``.`` become int/float, anything else
     stays a string; a pair without ``=`` is an error.
Known keys: ``sparsity`` (alias ``VSA_sparsity``), ``mask_strategy_file_path``,
``sta_mode``, ``skip_time_steps``, and V-MoBA's (``VMOBA_KEYS``, flat as
sglang's docs list them or nested under ``moba_config`` as its denoising
stage reads them; ``VMobaConfig``). Unknown keys are errors (a typo must not
be silently ignored).
"""
import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .ir import topk_for

VMOBA_KEYS = {"temporal_chunk_size", "temporal_topk", "spatial_chunk_size", "spatial_topk",
              "st_chunk_size", "st_topk", "moba_select_mode", "moba_threshold",
              "moba_threshold_type", "first_full_layer", "first_full_step", "temporal_layer",
              "spatial_layer", "st_layer"}
SVG2_DEFAULTS = {"svg2_num_q_centroids": 300, "svg2_num_k_centroids": 1000,
                 "svg2_top_p_kmeans": 0.9, "svg2_min_kc_ratio": 0.1,
                 "svg2_kmeans_iter_init": 50, "svg2_kmeans_iter_step": 2,
                 "svg2_zero_step_kmeans_init": False, "svg2_first_layers_fp": 0.03,
                 "svg2_first_times_fp": 0.2}
KNOWN_KEYS = {"sparsity", "VSA_sparsity", "mask_strategy_file_path", "sta_mode",
              "skip_time_steps", "moba_config"} | VMOBA_KEYS | set(SVG2_DEFAULTS)
STA_MODES = {"STA_inference", "STA_searching", "STA_tuning", "STA_tuning_cfg"}


class ConfigError(ValueError):
    """A backend configuration or mask strategy that cannot be used."""


def _parse_scalar(v: str):
    if v == "true":
        return True
    if v == "false":
        return False
    if re.fullmatch(r"\d+", v):
        return int(v)
    if re.fullmatch(r"\d*\.\d*", v) and v != ".":
        return float(v)
    return v


def _load_text(text: str) -> dict:
    if os.path.isfile(text):
        lower = text.lower()
        if lower.endswith((".yaml", ".yml")):
            try:
                import yaml
            except ImportError as e:  # pragma: no cover - depends on the machine
                raise ConfigError(f"{text}: reading YAML needs PyYAML") from e
            with open(text) as f:
                data = yaml.safe_load(f)
        elif lower.endswith(".json"):
            with open(text) as f:
                try:
                    data = json.load(f)
                except json.JSONDecodeError as e:
                    raise ConfigError(f"{text}: invalid JSON: {e}") from e
        else:
            raise ConfigError(f"{text}: config files must end in .json, .yaml or .yml")
        if not isinstance(data, dict):
            raise ConfigError(f"{text}: the config must be a mapping, got {type(data).__name__}")
        return data
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            return data
    except json.JSONDecodeError:
        pass
    out = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        if "=" not in pair:
            raise ConfigError(f"attention backend config: '{pair.strip()}' is not a k=v pair")
        k, v = pair.split("=", 1)
        out[k.strip()] = _parse_scalar(v.strip())
    return out


def topk_from_sparsity(sparsity: float, num_kv_blocks: int) -> int:
    """clamp(ceil((1 - s) * Nkv), 1, Nkv), as FastVideo computes it."""
    if not 0.0 <= sparsity <= 1.0:
        raise ConfigError(f"sparsity must be in [0, 1], got {sparsity}")
    return topk_for(sparsity, num_kv_blocks)


@dataclass
class MaskStrategy:
    """Per-(step, layer, head) STA windows from a ``{"t_l_h": [kt, kh, kw]}``
    file. ``validate`` checks every key in the declared ranges up front."""
    windows: Dict[Tuple[int, int, int], Tuple[int, int, int]]
    steps: int
    layers: int
    heads: int

    @staticmethod
    def load(path: str, steps: Optional[int] = None, layers: Optional[int] = None,
             heads: Optional[int] = None) -> "MaskStrategy":
        try:
            with open(path) as f:
                raw = json.load(f)
        except OSError as e:
            raise ConfigError(f"mask strategy file {path}: {e.strerror}") from e
        except json.JSONDecodeError as e:
            raise ConfigError(f"mask strategy file {path}: invalid JSON: {e}") from e
        return MaskStrategy.from_dict(raw, steps, layers, heads, origin=path)

    @staticmethod
    def from_dict(raw, steps=None, layers=None, heads=None, origin="mask strategy"):
        if not isinstance(raw, dict):
            raise ConfigError(f"{origin}: expected a JSON object of \"t_l_h\": [kt, kh, kw]")
        windows = {}
        for key, value in raw.items():
            m = re.fullmatch(r"(\d+)_(\d+)_(\d+)", key)
            if not m:
                raise ConfigError(f"{origin}: key '{key}' is not of the form step_layer_head")
            if (not isinstance(value, list) or len(value) != 3 or
                    not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1
                            for x in value)):
                raise ConfigError(f"{origin}: '{key}' must map to 3 positive integers, got {value!r}")
            windows[tuple(int(g) for g in m.groups())] = tuple(value)
        if not windows:
            raise ConfigError(f"{origin}: no windows")
        dims = [max(k[i] for k in windows) + 1 for i in range(3)]
        declared = [steps, layers, heads]
        for i, name in enumerate(("step", "layer", "head")):
            if declared[i] is None:
                declared[i] = dims[i]
            elif dims[i] > declared[i]:
                raise ConfigError(f"{origin}: a key has {name} {dims[i] - 1}, outside the "
                                  f"declared {declared[i]} {name}s")
        s = MaskStrategy(windows, *declared)
        s.validate(origin)
        return s

    def validate(self, origin="mask strategy"):
        for t in range(self.steps):
            for l in range(self.layers):
                for h in range(self.heads):
                    if (t, l, h) not in self.windows:
                        raise ConfigError(f"{origin}: missing window for key '{t}_{l}_{h}' "
                                          f"(step {t}, layer {l}, head {h})")

    def windows_for(self, step: int, layer: int) -> List[int]:
        """Flat per-head windows for attn.sliding_tile's `windows`."""
        if not (0 <= step < self.steps and 0 <= layer < self.layers):
            raise ConfigError(f"step {step} / layer {layer} outside the mask strategy "
                              f"({self.steps} steps, {self.layers} layers)")
        out = []
        for h in range(self.heads):
            out.extend(self.windows[(step, layer, h)])
        return out


@dataclass
class BackendConfig:
    sparsity: Optional[float] = None
    mask_strategy_file_path: Optional[str] = None
    sta_mode: str = "STA_inference"
    skip_time_steps: Optional[int] = None
    moba: dict = field(default_factory=dict)  # V-MoBA's keys (VMobaConfig.from_dict)
    svg2: dict = field(default_factory=dict)  # SVG2's keys (Svg2Config.from_dict)
    extra: dict = field(default_factory=dict)


def _int(name, v, minimum):
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ConfigError(f"V-MoBA config: {name} must be an integer >= {minimum}, got {v!r}")
    return v


def _ints(name, v, n):
    if not isinstance(v, (list, tuple)) or len(v) != n:
        raise ConfigError(f"V-MoBA config: {name} must be a list of {n} positive integers, "
                          f"got {v!r}")
    return tuple(_int(name, x, 1) for x in v)


@dataclass
class VMobaConfig:
    """FastVideo's VideoMobaAttentionMetadata fields (the same keys and
    defaults; sglang's docs list them for --attention-backend-config). The
    layer cycle: layer ``l`` is temporal, spatial or spatiotemporal as
    ``(l - first_full_layer) mod (temporal_layer + spatial_layer + st_layer)``
    falls below ``temporal_layer``, below ``temporal_layer + spatial_layer``,
    or above. ``first_full_step`` is accepted and, as in FastVideo's code, not
    used (sglang's docs call it the count of initial dense steps; no upstream
    code does that)."""
    temporal_chunk_size: int
    temporal_topk: int
    spatial_chunk_size: Tuple[int, int]
    spatial_topk: int
    st_chunk_size: Tuple[int, int, int]
    st_topk: int
    moba_select_mode: str = "threshold"
    moba_threshold: float = 0.25
    moba_threshold_type: str = "query_head"
    first_full_layer: int = 0
    first_full_step: int = 12
    temporal_layer: int = 1
    spatial_layer: int = 1
    st_layer: int = 1

    @staticmethod
    def from_dict(d: dict) -> "VMobaConfig":
        required = ("temporal_chunk_size", "temporal_topk", "spatial_chunk_size",
                    "spatial_topk", "st_chunk_size", "st_topk")
        missing = [k for k in required if k not in d]
        if missing:
            raise ConfigError(f"V-MoBA config: missing key(s) {missing} (FastVideo's "
                              "VideoMobaAttentionMetadataBuilder requires them)")
        unknown = set(d) - VMOBA_KEYS
        if unknown:
            raise ConfigError(f"V-MoBA config: unknown key(s) {sorted(unknown)}")
        c = VMobaConfig(
            temporal_chunk_size=_int("temporal_chunk_size", d["temporal_chunk_size"], 1),
            temporal_topk=_int("temporal_topk", d["temporal_topk"], 1),
            spatial_chunk_size=_ints("spatial_chunk_size", d["spatial_chunk_size"], 2),
            spatial_topk=_int("spatial_topk", d["spatial_topk"], 1),
            st_chunk_size=_ints("st_chunk_size", d["st_chunk_size"], 3),
            st_topk=_int("st_topk", d["st_topk"], 1))
        mode = d.get("moba_select_mode", c.moba_select_mode)
        if mode not in ("topk", "threshold"):
            raise ConfigError(f"V-MoBA config: moba_select_mode must be 'topk' or 'threshold', "
                              f"got {mode!r}")
        c.moba_select_mode = mode
        ttype = d.get("moba_threshold_type", c.moba_threshold_type)
        if ttype != "query_head":
            raise ConfigError(f"V-MoBA config: moba_threshold_type {ttype!r} is not supported; "
                              "'query_head' (the default: each query token and head selects "
                              "its own chunks) is. 'block', 'overall' and 'head_global' couple "
                              "the selection across tokens, heads and batch")
        c.moba_threshold_type = ttype
        thr = d.get("moba_threshold", c.moba_threshold)
        if isinstance(thr, bool) or not isinstance(thr, (int, float)) or thr != thr \
                or thr in (float("inf"), float("-inf")):
            raise ConfigError(f"V-MoBA config: moba_threshold must be a finite number, got {thr!r}")
        c.moba_threshold = float(thr)
        for k in ("first_full_layer", "first_full_step"):
            setattr(c, k, _int(k, d.get(k, getattr(c, k)), 0))
        for k in ("temporal_layer", "spatial_layer", "st_layer"):
            setattr(c, k, _int(k, d.get(k, getattr(c, k)), 0))
        if c.temporal_layer + c.spatial_layer + c.st_layer == 0:
            raise ConfigError("V-MoBA config: temporal_layer + spatial_layer + st_layer must "
                              "be positive")
        return c

    def layer_kind(self, layer: int) -> str:
        """'temporal', 'spatial' or 'spatiotemporal' for model layer `layer`."""
        m = (int(layer) - self.first_full_layer) % (self.temporal_layer + self.spatial_layer
                                                     + self.st_layer)
        if m < self.temporal_layer:
            return "temporal"
        if m < self.temporal_layer + self.spatial_layer:
            return "spatial"
        return "spatiotemporal"

    def chunk_for(self, layer: int, grid) -> Tuple[Tuple[int, int, int], int]:
        """(chunk (ct, ch, cw) in tokens of the grid (T, H, W), topk) of a layer.
        Spatial and spatiotemporal chunks must divide the grid (FastVideo
        asserts it); a temporal chunk may leave a shorter last chunk."""
        T, H, W = (int(x) for x in grid)
        kind = self.layer_kind(layer)
        if kind == "temporal":
            return (min(self.temporal_chunk_size, T), H, W), self.temporal_topk
        if kind == "spatial":
            ch, cw = self.spatial_chunk_size
            chunk, topk = (T, ch, cw), self.spatial_topk
        else:
            chunk, topk = self.st_chunk_size, self.st_topk
        for n, c, name in zip((T, H, W), chunk, "THW"):
            if n % c:
                raise ConfigError(f"V-MoBA: the {kind} chunk {list(chunk)} does not divide the "
                                  f"grid {[T, H, W]} along {name} (FastVideo requires it)")
        return tuple(chunk), topk


def parse_backend_config(text: Optional[str]) -> BackendConfig:
    if text is None or text == "":
        return BackendConfig()
    data = _load_text(text)
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"attention backend config: unknown key(s) {sorted(unknown)}; "
                          f"known: {sorted(KNOWN_KEYS)}")
    if "sparsity" in data and "VSA_sparsity" in data and data["sparsity"] != data["VSA_sparsity"]:
        raise ConfigError("attention backend config: 'sparsity' and its alias 'VSA_sparsity' disagree")
    cfg = BackendConfig()
    s = data.get("sparsity", data.get("VSA_sparsity"))
    if s is not None:
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 <= s <= 1:
            raise ConfigError(f"attention backend config: sparsity must be a number in [0, 1], got {s!r}")
        cfg.sparsity = float(s)
    if "mask_strategy_file_path" in data:
        cfg.mask_strategy_file_path = str(data["mask_strategy_file_path"])
    if "sta_mode" in data:
        if not isinstance(data["sta_mode"], str) or data["sta_mode"] not in STA_MODES:
            raise ConfigError(f"attention backend config: sta_mode must be one of {sorted(STA_MODES)}, "
                              f"got {data['sta_mode']!r}")
        cfg.sta_mode = data["sta_mode"]
    if "skip_time_steps" in data:
        v = data["skip_time_steps"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ConfigError(f"attention backend config: skip_time_steps must be a "
                              f"non-negative integer, got {v!r}")
        cfg.skip_time_steps = v
    moba = {k: data[k] for k in VMOBA_KEYS if k in data}
    if "moba_config" in data:
        nested = data["moba_config"]
        if not isinstance(nested, dict):
            raise ConfigError("attention backend config: moba_config must be a mapping")
        clash = set(nested) & set(moba)
        if clash:
            raise ConfigError(f"attention backend config: {sorted(clash)} given both flat and "
                              "under moba_config")
        moba.update(nested)
    cfg.moba = moba
    cfg.svg2 = {k: data[k] for k in SVG2_DEFAULTS if k in data}
    return cfg


@dataclass
class Svg2Config:
    """sglang's SVG2 keys (``svg2_*``, the defaults of its denoising stage).
    ``first_layers_fp`` <= 1 is a fraction of the layers (floor), else a
    count; ``first_times_fp`` <= 1 is a fraction of the steps (floor) run
    dense. sglang compares a threshold against the scheduler's timestep
    values, which makes the first floor(x * steps) steps dense; an absolute
    timestep (> 1) needs those values and is not supported here."""
    num_q_centroids: int = 300
    num_k_centroids: int = 1000
    top_p: float = 0.9
    min_kc_ratio: float = 0.1
    kmeans_iter_init: int = 50
    kmeans_iter_step: int = 2
    zero_step_kmeans_init: bool = False
    first_layers_fp: float = 0.03
    first_times_fp: float = 0.2

    @staticmethod
    def from_dict(d: dict) -> "Svg2Config":
        v = dict(SVG2_DEFAULTS, **d)
        def num(key, lo, hi=None, integer=False):
            x = v[key]
            ok = not isinstance(x, bool) and isinstance(x, (int, float)) and x == x
            ok = ok and (not integer or float(x).is_integer()) and x >= lo
            ok = ok and (hi is None or x <= hi)
            if not ok:
                rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
                kind = "an integer" if integer else "a number"
                raise ConfigError(f"SVG2 config: {key} must be {kind} {rng}, got {x!r}")
            return int(x) if integer else float(x)
        if not isinstance(v["svg2_zero_step_kmeans_init"], bool):
            raise ConfigError("SVG2 config: svg2_zero_step_kmeans_init must be true or false, "
                              f"got {v['svg2_zero_step_kmeans_init']!r}")
        c = Svg2Config(num("svg2_num_q_centroids", 1, integer=True),
                       num("svg2_num_k_centroids", 1, integer=True),
                       num("svg2_top_p_kmeans", 0, 1), num("svg2_min_kc_ratio", 0, 1),
                       num("svg2_kmeans_iter_init", 1, integer=True),
                       num("svg2_kmeans_iter_step", 1, integer=True),
                       v["svg2_zero_step_kmeans_init"], num("svg2_first_layers_fp", 0),
                       num("svg2_first_times_fp", 0))
        if c.first_times_fp > 1:
            raise ConfigError("SVG2 config: svg2_first_times_fp > 1 is an absolute scheduler "
                              "timestep upstream; give the fraction of dense steps (<= 1)")
        return c

    def dense_layers(self, num_layers: int) -> int:
        x = self.first_layers_fp
        n = int(x * num_layers) if x <= 1 else int(x)
        return max(0, min(n, num_layers))

    def dense_steps(self, num_steps: int) -> int:
        return int(self.first_times_fp * num_steps)
