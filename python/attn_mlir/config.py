"""Backend configuration with sglang-diffusion / FastVideo semantics.

``parse_backend_config(text)`` accepts what ``--attention-backend-config``
accepts upstream:
  1. a path to an existing ``.json``, ``.yaml`` or ``.yml`` file;
  2. otherwise a JSON object string;
  3. otherwise ``k=v`` pairs separated by commas: ``true``/``false`` become
     bools, digits with at most one ``.`` become int/float, anything else
     stays a string; a pair without ``=`` is an error.
Known keys: ``sparsity`` (alias ``VSA_sparsity``), ``mask_strategy_file_path``,
``sta_mode``, ``skip_time_steps``. Unknown keys are errors (a typo must not be
silently ignored).
"""
import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .ir import topk_for

KNOWN_KEYS = {"sparsity", "VSA_sparsity", "mask_strategy_file_path", "sta_mode",
              "skip_time_steps"}
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
    extra: dict = field(default_factory=dict)


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
    return cfg
