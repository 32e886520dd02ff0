"""Tests for attn_mlir.config against the documented upstream semantics:
docs/UPSTREAM.md 2.3 (mask_strategy JSON), 4 (--attention-backend-config
parsing) and SPEC.md "Mask strategy files" / the VSA topk formula."""
import json
import math
import os
import subprocess
import sys

import pytest

from attn_mlir import config as C
from attn_mlir import (BackendConfig, MaskStrategy, parse_backend_config,
                       topk_from_sparsity)
from attn_mlir.config import ConfigError

PYTHON_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write(path, text):
    path.write_text(text)
    return str(path)


# --------------------------------------------------------------------------
# The package itself
# --------------------------------------------------------------------------

def test_package_exports():
    assert C.BackendConfig is BackendConfig
    assert C.MaskStrategy is MaskStrategy
    assert C.parse_backend_config is parse_backend_config
    assert C.topk_from_sparsity is topk_from_sparsity
    # Upstream raises ValueError; ours must still be one.
    assert issubclass(ConfigError, ValueError)


def test_import_does_not_import_torch():
    code = ("import sys; sys.path.insert(0, %r); import attn_mlir; "
            "import attn_mlir.config; assert 'torch' not in sys.modules, 'torch imported'"
            % PYTHON_ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_import_does_not_import_torch_even_when_available(tmp_path):
    # torch is usually absent from Debian's python; plant a 'torch' that fails
    # loudly if anything imports it, so the check means something either way.
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise RuntimeError('attn_mlir imported torch')\n")
    code = ("import sys; sys.path.insert(0, %r); sys.path.insert(0, %r); "
            "import attn_mlir; import attn_mlir.config; "
            "assert 'torch' not in sys.modules" % (str(tmp_path), PYTHON_ROOT))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------
# k=v scalar conversion (UPSTREAM.md 4, step 3)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("true", True),
    ("false", False),
    ("0", 0),
    ("12", 12),
    ("624", 624),
    ("0.9", 0.9),
    ("1.0", 1.0),
    ("1.", 1.0),
    (".5", 0.5),
])
def test_parse_scalar_converts(text, expected):
    v = C._parse_scalar(text)
    assert v == expected
    assert type(v) is type(expected)


@pytest.mark.parametrize("text", [
    "-1", "-0.5", "+1", "1e5", "1e-3", "1E5", "1.5.2", "0x10", ".", "",
    "abc", "True", "FALSE", "1_000", "inf", "nan", "1 2",
])
def test_parse_scalar_leaves_strings(text):
    v = C._parse_scalar(text)
    assert v == text
    assert type(v) is str


def test_kv_pairs_raw_types():
    d = C._load_text("a=true,b=false,c=12,d=0.25,e=-3,f=1e-2,g=hello,h=1.2.3")
    assert d == {"a": True, "b": False, "c": 12, "d": 0.25, "e": "-3",
                 "f": "1e-2", "g": "hello", "h": "1.2.3"}
    assert type(d["c"]) is int and type(d["d"]) is float


def test_kv_pairs_strip_whitespace_and_split_on_first_equals():
    d = C._load_text(" a = 1 , b=x=y ")
    assert d == {"a": 1, "b": "x=y"}


# --------------------------------------------------------------------------
# parse_backend_config: sources
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [None, ""])
def test_empty_config_gives_defaults(text):
    cfg = parse_backend_config(text)
    assert cfg == BackendConfig()
    assert cfg.sparsity is None
    assert cfg.mask_strategy_file_path is None
    assert cfg.sta_mode == "STA_inference"
    assert cfg.skip_time_steps is None


FULL = {"sparsity": 0.9, "mask_strategy_file_path": "/some/mask.json",
        "sta_mode": "STA_searching", "skip_time_steps": 12}


def _check_full(cfg):
    assert cfg.sparsity == pytest.approx(0.9)
    assert isinstance(cfg.sparsity, float)
    assert cfg.mask_strategy_file_path == "/some/mask.json"
    assert cfg.sta_mode == "STA_searching"
    assert cfg.skip_time_steps == 12 and type(cfg.skip_time_steps) is int


def test_json_file(tmp_path):
    _check_full(parse_backend_config(_write(tmp_path / "cfg.json", json.dumps(FULL))))


def test_json_file_relative_path(tmp_path, monkeypatch):
    _write(tmp_path / "cfg.json", json.dumps(FULL))
    monkeypatch.chdir(tmp_path)
    _check_full(parse_backend_config("cfg.json"))


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_file(tmp_path, suffix):
    pytest.importorskip("yaml")
    text = ("sparsity: 0.9\n"
            "mask_strategy_file_path: /some/mask.json\n"
            "sta_mode: STA_searching\n"
            "skip_time_steps: 12\n")
    _check_full(parse_backend_config(_write(tmp_path / ("cfg" + suffix), text)))


def test_yaml_file_alias_key(tmp_path):
    pytest.importorskip("yaml")
    cfg = parse_backend_config(_write(tmp_path / "cfg.yml", "VSA_sparsity: 0.75\n"))
    assert cfg.sparsity == 0.75


def test_json_string():
    _check_full(parse_backend_config(json.dumps(FULL)))


def test_json_string_partial():
    cfg = parse_backend_config('{"VSA_sparsity": 0.5}')
    assert cfg.sparsity == 0.5
    assert cfg.sta_mode == "STA_inference"
    assert cfg.skip_time_steps is None


def test_kv_string():
    _check_full(parse_backend_config(
        "sparsity=0.9,mask_strategy_file_path=/some/mask.json,"
        "sta_mode=STA_searching,skip_time_steps=12"))


def test_kv_string_with_spaces():
    cfg = parse_backend_config(" sparsity = 0.9 , skip_time_steps = 3 ")
    assert cfg.sparsity == pytest.approx(0.9)
    assert cfg.skip_time_steps == 3


def test_kv_integer_sparsity_becomes_float():
    for text, want in (("sparsity=1", 1.0), ("sparsity=0", 0.0), ("sparsity=.5", 0.5)):
        cfg = parse_backend_config(text)
        assert cfg.sparsity == want and type(cfg.sparsity) is float


def test_kv_mask_path_keeps_string():
    cfg = parse_backend_config("mask_strategy_file_path=assets/mask_strategy_hunyuan.json")
    assert cfg.mask_strategy_file_path == "assets/mask_strategy_hunyuan.json"


# --------------------------------------------------------------------------
# parse_backend_config: errors in the source
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text,bad", [
    ("sparsity=0.9,oops", "oops"),
    ("garbage", "garbage"),
    ("sparsity=0.9,sta_mode", "sta_mode"),
    # values containing commas cannot be expressed as k=v
    ("mask_strategy_file_path=a,b", "b"),
])
def test_kv_pair_without_equals_is_error(text, bad):
    with pytest.raises(ConfigError) as e:
        parse_backend_config(text)
    msg = str(e.value)
    assert "k=v" in msg
    assert "'%s'" % bad in msg


def test_kv_error_is_value_error():
    with pytest.raises(ValueError):
        parse_backend_config("not a pair")


def test_nonexistent_json_path_is_error(tmp_path):
    with pytest.raises(ConfigError):
        parse_backend_config(str(tmp_path / "missing.json"))


def test_json_file_invalid_json(tmp_path):
    p = _write(tmp_path / "bad.json", '{"sparsity": 0.9,')
    with pytest.raises(ConfigError, match="invalid JSON"):
        parse_backend_config(p)


@pytest.mark.parametrize("content", ["[0.9]", "0.9", '"sparsity=0.9"', "null"])
def test_json_file_not_a_mapping(tmp_path, content):
    p = _write(tmp_path / "cfg.json", content)
    with pytest.raises(ConfigError, match="mapping"):
        parse_backend_config(p)


@pytest.mark.parametrize("content", ["", "- 0.9\n", "0.9\n"])
def test_yaml_file_not_a_mapping(tmp_path, content):
    pytest.importorskip("yaml")
    p = _write(tmp_path / "cfg.yaml", content)
    with pytest.raises(ConfigError, match="mapping"):
        parse_backend_config(p)


def test_existing_file_with_other_suffix_is_error(tmp_path):
    p = _write(tmp_path / "cfg.txt", json.dumps(FULL))
    with pytest.raises(ConfigError):
        parse_backend_config(p)


@pytest.mark.parametrize("text", ["[1, 2]", "0.9", "true"])
def test_json_non_object_string_is_error(text):
    # Not a JSON object, so it is read as k=v pairs and has no '='.
    with pytest.raises(ConfigError):
        parse_backend_config(text)


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "sparsty=0.9",
    "sparsity=0.9,VSA_sparsityy=0.9",
    "vsa_sparsity=0.9",
    "=5",
    '{"sparsity": 0.9, "topk": 3}',
])
def test_unknown_keys_rejected(text):
    with pytest.raises(ConfigError, match="unknown key"):
        parse_backend_config(text)


def test_unknown_key_is_named():
    with pytest.raises(ConfigError) as e:
        parse_backend_config("sparsity=0.9,sparsty=0.8")
    assert "sparsty" in str(e.value)


def test_unknown_key_in_file_rejected(tmp_path):
    p = _write(tmp_path / "cfg.json", '{"sparsity": 0.9, "mask_strategy": "x.json"}')
    with pytest.raises(ConfigError, match="mask_strategy"):
        parse_backend_config(p)


def test_unknown_key_in_yaml_rejected(tmp_path):
    pytest.importorskip("yaml")
    p = _write(tmp_path / "cfg.yaml", "sta_mod: STA_inference\n")
    with pytest.raises(ConfigError, match="sta_mod"):
        parse_backend_config(p)


# --------------------------------------------------------------------------
# sparsity and its alias VSA_sparsity
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["sparsity=0.9", "VSA_sparsity=0.9",
                                  "sparsity=0.9,VSA_sparsity=0.9",
                                  '{"sparsity": 0.9, "VSA_sparsity": 0.9}'])
def test_sparsity_and_alias(text):
    assert parse_backend_config(text).sparsity == pytest.approx(0.9)


def test_sparsity_and_alias_equal_int_float():
    cfg = parse_backend_config('{"sparsity": 1, "VSA_sparsity": 1.0}')
    assert cfg.sparsity == 1.0


@pytest.mark.parametrize("text", ["sparsity=0.9,VSA_sparsity=0.8",
                                  '{"sparsity": 0.5, "VSA_sparsity": 0.6}',
                                  '{"sparsity": null, "VSA_sparsity": 0.6}'])
def test_sparsity_and_alias_disagree(text):
    with pytest.raises(ConfigError) as e:
        parse_backend_config(text)
    assert "sparsity" in str(e.value) and "VSA_sparsity" in str(e.value)


@pytest.mark.parametrize("text", [
    "sparsity=1.5", "sparsity=2", "sparsity=-0.1", "sparsity=1e-1", "sparsity=high",
    "sparsity=true", "VSA_sparsity=-1", "sparsity=",
    '{"sparsity": -0.1}', '{"sparsity": 1.01}', '{"sparsity": "0.9"}',
    '{"sparsity": true}', '{"sparsity": NaN}', '{"sparsity": [0.9]}',
])
def test_sparsity_invalid(text):
    with pytest.raises(ConfigError, match="sparsity"):
        parse_backend_config(text)


@pytest.mark.parametrize("s", [0.0, 0.5, 1.0])
def test_sparsity_bounds_inclusive(s):
    assert parse_backend_config(json.dumps({"sparsity": s})).sparsity == s


# --------------------------------------------------------------------------
# sta_mode
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["STA_inference", "STA_searching", "STA_tuning",
                                  "STA_tuning_cfg"])
def test_sta_mode_valid(mode):
    assert parse_backend_config("sta_mode=" + mode).sta_mode == mode
    assert parse_backend_config(json.dumps({"sta_mode": mode})).sta_mode == mode


@pytest.mark.parametrize("text", ["sta_mode=STA_foo", "sta_mode=sta_inference",
                                  "sta_mode=inference", "sta_mode=", "sta_mode=1",
                                  '{"sta_mode": null}', '{"sta_mode": ["STA_inference"]}',
                                  '{"sta_mode": {"STA_inference": 1}}', '{"sta_mode": 1}'])
def test_sta_mode_invalid(text):
    with pytest.raises(ConfigError, match="sta_mode"):
        parse_backend_config(text)


def test_sta_mode_error_lists_modes():
    with pytest.raises(ConfigError) as e:
        parse_backend_config("sta_mode=STA_foo")
    for m in C.STA_MODES:
        assert m in str(e.value)


# --------------------------------------------------------------------------
# skip_time_steps
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text,want", [("skip_time_steps=0", 0), ("skip_time_steps=15", 15),
                                       ('{"skip_time_steps": 12}', 12)])
def test_skip_time_steps_valid(text, want):
    v = parse_backend_config(text).skip_time_steps
    assert v == want and type(v) is int


@pytest.mark.parametrize("text", [
    "skip_time_steps=-1", "skip_time_steps=1.5", "skip_time_steps=12.0",
    "skip_time_steps=true", "skip_time_steps=twelve", "skip_time_steps=",
    '{"skip_time_steps": -3}', '{"skip_time_steps": "12"}', '{"skip_time_steps": 2.0}',
    '{"skip_time_steps": false}', '{"skip_time_steps": null}',
])
def test_skip_time_steps_invalid(text):
    with pytest.raises(ConfigError, match="skip_time_steps"):
        parse_backend_config(text)


# --------------------------------------------------------------------------
# topk_from_sparsity: clamp(ceil((1 - s) * Nkv), 1, Nkv)
# --------------------------------------------------------------------------

def test_topk_spec_example():
    assert topk_from_sparsity(0.9, 624) == 63


@pytest.mark.parametrize("s,n,want", [
    (0.0, 624, 624), (1.0, 624, 1), (0.999, 10, 1), (0.5, 10, 5),
    (0.95, 1, 1), (0.0, 1, 1), (1.0, 1, 1), (0.25, 4, 3), (0.9, 10, 1),
    (0.89, 10, 2),
])
def test_topk_values_and_clamp(s, n, want):
    assert topk_from_sparsity(s, n) == want


def test_topk_sweep_matches_formula():
    for n in (1, 2, 3, 7, 64, 100, 624):
        prev = n
        for i in range(101):
            s = i / 100
            k = topk_from_sparsity(s, n)
            assert type(k) is int
            assert 1 <= k <= n
            assert k == max(1, min(math.ceil((1 - s) * n), n))
            assert k <= prev  # more sparsity never keeps more blocks
            prev = k


@pytest.mark.parametrize("s", [-0.01, 1.01, 2.0, float("nan")])
def test_topk_rejects_bad_sparsity(s):
    with pytest.raises(ConfigError):
        topk_from_sparsity(s, 624)


def test_config_sparsity_feeds_topk():
    cfg = parse_backend_config("VSA_sparsity=0.9")
    assert topk_from_sparsity(cfg.sparsity, 624) == 63


# --------------------------------------------------------------------------
# Mask strategy files
# --------------------------------------------------------------------------

STEPS, LAYERS, HEADS = 2, 3, 4


def _window(t, l, h):
    # distinct, positive windows so misplacements show
    return [t + 1, l + 1, h + 1]


def _strategy(steps=STEPS, layers=LAYERS, heads=HEADS):
    return {"%d_%d_%d" % (t, l, h): _window(t, l, h)
            for t in range(steps) for l in range(layers) for h in range(heads)}


def _mask_file(tmp_path, data, name="mask_strategy.json"):
    return _write(tmp_path / name, json.dumps(data))


def test_mask_strategy_valid_complete(tmp_path):
    ms = MaskStrategy.load(_mask_file(tmp_path, _strategy()))
    assert (ms.steps, ms.layers, ms.heads) == (STEPS, LAYERS, HEADS)
    assert len(ms.windows) == STEPS * LAYERS * HEADS
    for t in range(STEPS):
        for l in range(LAYERS):
            for h in range(HEADS):
                assert ms.windows[(t, l, h)] == tuple(_window(t, l, h))


def test_mask_strategy_hunyuan_like_windows(tmp_path):
    # full windows early, mixed later, like assets/mask_strategy_hunyuan.json
    mixed = [[5, 3, 3], [1, 6, 10], [3, 3, 5], [5, 1, 10], [5, 6, 1]]
    data = {}
    for t in range(3):
        for l in range(2):
            for h in range(5):
                data["%d_%d_%d" % (t, l, h)] = [5, 6, 10] if t == 0 else mixed[h]
    ms = MaskStrategy.load(_mask_file(tmp_path, data))
    assert ms.windows_for(0, 1) == [5, 6, 10] * 5
    assert ms.windows_for(2, 0) == [x for w in mixed for x in w]


def test_mask_strategy_declared_ranges_equal(tmp_path):
    ms = MaskStrategy.load(_mask_file(tmp_path, _strategy()), steps=STEPS, layers=LAYERS,
                           heads=HEADS)
    assert (ms.steps, ms.layers, ms.heads) == (STEPS, LAYERS, HEADS)


def test_mask_strategy_key_order_irrelevant(tmp_path):
    items = list(_strategy().items())[::-1]
    p = _write(tmp_path / "m.json", "{" + ",".join('"%s": %s' % (k, json.dumps(v))
                                                   for k, v in items) + "}")
    ms = MaskStrategy.load(p)
    assert ms.windows_for(1, 2) == [x for h in range(HEADS) for x in _window(1, 2, h)]


def test_windows_for_flat_per_head(tmp_path):
    ms = MaskStrategy.load(_mask_file(tmp_path, _strategy()))
    for t in range(STEPS):
        for l in range(LAYERS):
            w = ms.windows_for(t, l)
            assert isinstance(w, list)
            assert len(w) == 3 * HEADS
            assert all(type(x) is int for x in w)
            assert w == [x for h in range(HEADS) for x in _window(t, l, h)]


@pytest.mark.parametrize("step,layer", [(STEPS, 0), (0, LAYERS), (-1, 0), (0, -1),
                                        (STEPS + 5, LAYERS + 5)])
def test_windows_for_out_of_range(tmp_path, step, layer):
    ms = MaskStrategy.load(_mask_file(tmp_path, _strategy()))
    with pytest.raises(ConfigError):
        ms.windows_for(step, layer)


@pytest.mark.parametrize("missing", ["0_0_0", "1_2_3", "1_0_2", "0_2_0"])
def test_mask_strategy_missing_key_named(tmp_path, missing):
    data = _strategy()
    del data[missing]
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(_mask_file(tmp_path, data))
    assert "'%s'" % missing in str(e.value)


def test_mask_strategy_missing_whole_step_named(tmp_path):
    # the max key still says 2 steps, but step 0 is absent entirely
    data = {k: v for k, v in _strategy().items() if not k.startswith("0_")}
    with pytest.raises(ConfigError, match="'0_0_0'"):
        MaskStrategy.load(_mask_file(tmp_path, data))


@pytest.mark.parametrize("kw,missing", [
    ({"steps": STEPS + 1}, "%d_0_0" % STEPS),
    ({"layers": LAYERS + 1}, "0_%d_0" % LAYERS),
    ({"heads": HEADS + 2}, "0_0_%d" % HEADS),
])
def test_mask_strategy_declared_larger_reports_missing_key(tmp_path, kw, missing):
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(_mask_file(tmp_path, _strategy()), **kw)
    assert "'%s'" % missing in str(e.value)


@pytest.mark.parametrize("kw,what", [
    ({"steps": STEPS - 1}, "step"),
    ({"layers": LAYERS - 1}, "layer"),
    ({"heads": HEADS - 1}, "head"),
    ({"heads": 0}, "head"),
])
def test_mask_strategy_declared_smaller_is_error(tmp_path, kw, what):
    # upstream silently drops out-of-range keys; the spec makes it an error
    with pytest.raises(ConfigError, match=what):
        MaskStrategy.load(_mask_file(tmp_path, _strategy()), **kw)


@pytest.mark.parametrize("key", ["0_0", "0_0_0_0", "a_0_0", "-1_0_0", "0-0-0", " 0_0_0",
                                 "0_0_0 ", "0__0", "", "t_l_h", "0.0_0_0", "0_0_1x"])
def test_mask_strategy_malformed_key(tmp_path, key):
    data = {"0_0_0": [1, 1, 1], key: [1, 1, 1]}
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(_mask_file(tmp_path, data))
    assert "'%s'" % key in str(e.value)


@pytest.mark.parametrize("value", [
    [1, 2], [1, 2, 3, 4], [], [0, 1, 1], [1, -1, 1], [1.0, 1, 1], [1, 2.5, 3],
    [True, 1, 1], [1, 2, "3"], [1, 2, None], "1,2,3", 3, None, {"kt": 1, "kh": 1, "kw": 1},
    [[1, 2, 3]],
])
def test_mask_strategy_malformed_value(tmp_path, value):
    data = {"0_0_0": value}
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(_mask_file(tmp_path, data))
    assert "'0_0_0'" in str(e.value)


@pytest.mark.parametrize("content", ["[]", "[[1, 2, 3]]", "null", "3", '"0_0_0"'])
def test_mask_strategy_not_an_object(tmp_path, content):
    with pytest.raises(ConfigError):
        MaskStrategy.load(_write(tmp_path / "m.json", content))


def test_mask_strategy_empty_object(tmp_path):
    with pytest.raises(ConfigError):
        MaskStrategy.load(_write(tmp_path / "m.json", "{}"))


def test_mask_strategy_invalid_json(tmp_path):
    with pytest.raises(ConfigError, match="invalid JSON"):
        MaskStrategy.load(_write(tmp_path / "m.json", '{"0_0_0": [1, 1, 1],'))


def test_mask_strategy_missing_file(tmp_path):
    p = str(tmp_path / "nope.json")
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(p)
    assert p in str(e.value)


def test_mask_strategy_error_names_file(tmp_path):
    data = _strategy()
    del data["1_1_1"]
    p = _mask_file(tmp_path, data, name="my_strategy.json")
    with pytest.raises(ConfigError) as e:
        MaskStrategy.load(p)
    assert p in str(e.value)


def test_mask_strategy_from_dict():
    ms = MaskStrategy.from_dict({"0_0_0": [3, 3, 5], "0_0_1": [3, 1, 10]})
    assert (ms.steps, ms.layers, ms.heads) == (1, 1, 2)
    assert ms.windows_for(0, 0) == [3, 3, 5, 3, 1, 10]


def test_mask_strategy_single_entry():
    ms = MaskStrategy.from_dict({"0_0_0": [1, 1, 1]})
    assert ms.windows_for(0, 0) == [1, 1, 1]


def test_mask_strategy_path_from_backend_config(tmp_path):
    p = _mask_file(tmp_path, _strategy())
    cfg = parse_backend_config("sta_mode=STA_inference,mask_strategy_file_path=" + p)
    ms = MaskStrategy.load(cfg.mask_strategy_file_path)
    assert ms.windows_for(0, 0) == [x for h in range(HEADS) for x in _window(0, 0, h)]
