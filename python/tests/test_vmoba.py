"""V-MoBA (vmoba_attn): api.vmoba against attn_ref's V-MoBA (written the way
FastVideo's moba_attn_varlen computes it), FastVideo's dense fallback, the
backend's configuration (flat keys and sglang's nested moba_config), its
layer cycle, the sglang-style classes, and clear errors for bad input."""
import json

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import api, backends as B, sglang
from attn_mlir.config import ConfigError, VMobaConfig, parse_backend_config

import attn_ref as ref
from test_api import close, rand

GRID = (4, 4, 6)          # T, H, W: 96 tokens
KEYS = {"temporal_chunk_size": 1, "temporal_topk": 2, "spatial_chunk_size": [2, 3],
        "spatial_topk": 3, "st_chunk_size": [2, 2, 3], "st_topk": 3}


def qkv(heads=2, d=16, b=1):
    s = GRID[0] * GRID[1] * GRID[2]
    return rand(b, heads, s, d), rand(b, heads, s, d), rand(b, heads, s, d)


@pytest.mark.parametrize("chunk,kw", [((1, 4, 6), {"topk": 2}),          # temporal
                                      ((4, 2, 3), {"threshold": 0.25}),  # spatial
                                      ((2, 2, 3), {"threshold": 0.6}),   # spatiotemporal
                                      ((2, 2, 3), {"topk": 3}),
                                      ((2, 2, 3), {"threshold": 1.5})])  # fallback: 2 others
def test_vmoba_matches_fastvideo_reference(chunk, kw):
    q, k, v = qkv(b=2)
    out = api.vmoba(q, k, v, GRID, chunk, **kw)
    want = ref.vmoba(q, k, v, GRID, chunk, **kw)
    close(out, want)
    assert ref.rel_err(out, ref.sdpa(q, k, v)) > 1e-3  # sparse: not dense attention


def test_vmoba_topk_one_is_dense_as_upstream():
    q, k, v = qkv()
    close(api.vmoba(q, k, v, GRID, (2, 2, 3), topk=1), ref.sdpa(q, k, v))
    close(api.vmoba(q, k, v, GRID, GRID, threshold=0.25), ref.sdpa(q, k, v))  # one chunk


def test_vmoba_torch_cpu_bf16():
    torch = pytest.importorskip("torch")
    q, k, v = (torch.from_numpy(x).to(torch.bfloat16) for x in qkv())
    out = api.vmoba(q, k, v, GRID, (2, 2, 3), threshold=0.25)
    assert out.dtype == torch.bfloat16 and out.shape == q.shape
    want = ref.vmoba(*(x.float().numpy() for x in (q, k, v)), GRID, (2, 2, 3), threshold=0.25)
    assert ref.rel_err(out.float().numpy(), want) < 1e-2


def test_vmoba_bad_input():
    q, k, v = qkv()
    with pytest.raises(ValueError, match="exactly one of topk and threshold"):
        api.vmoba(q, k, v, GRID, (2, 2, 3))
    with pytest.raises(ValueError, match="exactly one of topk and threshold"):
        api.vmoba(q, k, v, GRID, (2, 2, 3), topk=2, threshold=0.3)
    with pytest.raises(ValueError, match="topk must be a positive integer"):
        api.vmoba(q, k, v, GRID, (2, 2, 3), topk=0)
    with pytest.raises(ValueError, match="has 96 tokens but q has seq 95"):
        api.vmoba(q[:, :, :95], k[:, :, :95], v[:, :, :95], GRID, (2, 2, 3), topk=2)
    with pytest.raises(ValueError, match="larger than the grid"):
        api.vmoba(q, k, v, GRID, (5, 2, 3), topk=2)
    with pytest.raises(ValueError, match="threshold must be a finite f32 number"):
        api.vmoba(q, k, v, GRID, (2, 2, 3), threshold="0.3")
    with pytest.raises(ValueError, match="threshold must be a finite f32 number"):
        api.vmoba(q, k, v, GRID, (2, 2, 3), threshold=1e39)
    # A huge topk is every chunk (min(topk, C)), not an i64 overflow.
    close(api.vmoba(q, k, v, GRID, (2, 2, 3), topk=10 ** 20), ref.sdpa(q, k, v))
    with pytest.raises(ValueError, match="needs as many"):
        api.vmoba(q, k[:, :1], v[:, :1], GRID, (2, 2, 3), topk=2)


# --------------------------------------------------------------------------
# Configuration and the backend
# --------------------------------------------------------------------------

def test_config_flat_and_nested_keys_and_layer_cycle(tmp_path):
    flat = parse_backend_config(json.dumps(KEYS))
    nested = parse_backend_config(json.dumps({"moba_config": KEYS}))
    assert flat.moba == nested.moba == KEYS
    c = VMobaConfig.from_dict(KEYS)
    assert (c.moba_select_mode, c.moba_threshold, c.first_full_step) == ("threshold", 0.25, 12)
    assert [c.layer_kind(l) for l in range(4)] == ["temporal", "spatial", "spatiotemporal",
                                                   "temporal"]
    shifted = VMobaConfig.from_dict(dict(KEYS, first_full_layer=1))
    assert [shifted.layer_kind(l) for l in range(3)] == ["spatiotemporal", "temporal", "spatial"]
    assert c.chunk_for(0, GRID) == ((1, 4, 6), 2)
    assert c.chunk_for(1, GRID) == ((4, 2, 3), 3)
    assert c.chunk_for(2, GRID) == ((2, 2, 3), 3)
    path = tmp_path / "vmoba.json"
    path.write_text(json.dumps(dict(KEYS, moba_select_mode="topk")))
    assert parse_backend_config(str(path)).moba["moba_select_mode"] == "topk"


@pytest.mark.parametrize("bad,match", [
    ({k: v for k, v in KEYS.items() if k != "st_topk"}, "missing key"),
    (dict(KEYS, moba_threshold_type="overall"), "'overall' is not supported"),
    (dict(KEYS, moba_select_mode="random"), "moba_select_mode must be"),
    (dict(KEYS, spatial_chunk_size=[2]), "spatial_chunk_size must be a list of 2"),
    (dict(KEYS, temporal_topk=0), "temporal_topk must be an integer >= 1"),
    (dict(KEYS, moba_threshold="high"), "moba_threshold must be a finite number"),
])
def test_config_errors(bad, match):
    with pytest.raises(ConfigError, match=match):
        VMobaConfig.from_dict(bad)


def test_config_rejects_keys_given_twice():
    with pytest.raises(ConfigError, match="given both flat and under moba_config"):
        parse_backend_config(json.dumps(dict(KEYS, moba_config={"st_topk": 2})))


def test_backend_layers_follow_the_cycle():
    be = am.get_attention_backend("vmoba_attn", json.dumps(KEYS))
    assert isinstance(be, B.VMobaAttnBackend)
    q, k, v = qkv()
    for layer, (chunk, kw) in enumerate([((1, 4, 6), {"threshold": 0.25}),
                                         ((4, 2, 3), {"threshold": 0.25}),
                                         ((2, 2, 3), {"threshold": 0.25})]):
        close(be.forward(q, k, v, layer=layer, grid=GRID), ref.vmoba(q, k, v, GRID, chunk, **kw))
    topk = am.get_attention_backend("vmoba_attn", dict(KEYS, moba_select_mode="topk"))
    close(topk.forward(q, k, v, layer=2, grid=GRID), ref.vmoba(q, k, v, GRID, (2, 2, 3), topk=3))


def test_backend_errors():
    with pytest.raises(ConfigError, match="vmoba_attn needs its keys"):
        am.get_attention_backend("vmoba_attn")
    be = am.get_attention_backend("vmoba_attn", KEYS)
    q, k, v = qkv()
    with pytest.raises(ValueError, match="needs layer="):
        be.forward(q, k, v, grid=GRID)
    with pytest.raises(ValueError, match="video tokens only"):
        be.forward(q, k, v, layer=0, grid=GRID, text_length=4)
    odd = am.get_attention_backend("vmoba_attn", dict(KEYS, spatial_chunk_size=[3, 3]))
    with pytest.raises(ConfigError, match=r"does not divide the grid \[4, 4, 6\] along H"):
        odd.forward(q, k, v, layer=1, grid=GRID)
    with pytest.raises(TypeError, match="takes no options"):
        am.get_attention_backend("vmoba_attn", KEYS, tile=(1, 1, 1))


# --------------------------------------------------------------------------
# sglang-style classes: [B, S, H, D], layer from the prefix
# --------------------------------------------------------------------------

def test_sglang_vmoba_backend():
    cls = sglang.get_backend_cls("vmoba_attn")
    assert cls.get_name() == "VMOBA_ATTN" and cls.get_enum() is sglang.AttentionBackendEnum.VMOBA_ATTN
    assert cls.get_impl_cls() is sglang.VMOBAAttentionImpl
    md = cls.get_builder_cls()().build(current_timestep=3, raw_latent_shape=[1, 16, 4, 8, 12],
                                       patch_size=[1, 2, 2], **KEYS)
    assert md.patch_resolution == list(GRID)
    impl = cls.get_impl_cls()(num_heads=2, head_size=16, prefix="transformer.blocks.4.attn1")
    q, k, v = qkv()
    bshd = lambda x: np.ascontiguousarray(np.swapaxes(x, 1, 2))  # noqa: E731
    out = impl.forward(bshd(q), bshd(k), bshd(v), md)             # layer 4: spatial
    close(bshd(out), ref.vmoba(q, k, v, GRID, (4, 2, 3), threshold=0.25))
    with pytest.raises(ValueError, match="names no layer"):
        cls.get_impl_cls()(num_heads=2, head_size=16, prefix="attn1").forward(
            bshd(q), bshd(k), bshd(v), md)
    with pytest.raises(ValueError, match="needs attn_metadata"):
        impl.forward(bshd(q), bshd(k), bshd(v), None)
    with pytest.raises(ValueError, match="not a multiple of patch size"):
        cls.get_builder_cls()().build(current_timestep=0, raw_latent_shape=[4, 9, 12],
                                      patch_size=[1, 2, 2], **KEYS)
