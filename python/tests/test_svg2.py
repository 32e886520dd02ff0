"""SVG2 (sparse_video_gen_2_attn): api.svg2 against attn_ref's SVG2 (written
the way svg/kmeans_utils.py computes it), text as the prompt and padding
clusters, warm starts, the backend's configuration (sglang's svg2_* keys),
dense warm-up layers/steps, the per-layer centroid cache, and clear errors."""
import json

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import api, backends as B
from attn_mlir.config import ConfigError, Svg2Config, parse_backend_config

import attn_ref as ref
from test_api import close, rand

GRID = (2, 4, 6)   # 48 video tokens


def reference(q, k, v, qc0, kc0, iters, top_p, ratio, text=0, valid=None):
    nv = q.shape[2] - text
    ql, qc, _ = ref.kmeans(q[:, :, :nv], qc0, iters)
    kl, kc, ks = ref.kmeans(k[:, :, :nv], kc0, iters)
    sel = ref.svg2_select(qc, kc, ks, top_p, ratio)
    if text:
        valid = text if valid is None else valid
        b, h, nq, nk = sel.shape
        pad = lambda lab, n: np.concatenate(  # noqa: E731
            [lab, np.full((b, h, valid), n), np.full((b, h, text - valid), n + 1)], -1)
        ql, kl = pad(ql, nq), pad(kl, nk)
        ext = np.zeros((b, h, nq + 2, nk + 2), bool)
        ext[:, :, :nq, :nk] = sel
        ext[:, :, nq, :nk + 1] = True
        ext[:, :, :nq + 1, nk] = True
        ext[:, :, nq + 1, nk + 1] = True
        sel = ext
    return ref.svg2_attention(q, k, v, ql, kl, sel), qc, kc


@pytest.mark.parametrize("text,valid", [(0, None), (8, 8), (8, 5)])
def test_svg2_matches_reference(text, valid):
    q, k, v = (rand(1, 2, 48 + text, 16) for _ in range(3))
    qc0 = api.svg2_init_centroids(q[:, :, :48], 5, seed=3)
    kc0 = api.svg2_init_centroids(k[:, :, :48], 8, seed=4)
    out, qc, kc = api.svg2(q, k, v, qc0, kc0, iterations=3, top_p=0.6, min_kc_ratio=0.25,
                           text_length=text, valid_text=valid)
    want, wqc, wkc = reference(q, k, v, qc0, kc0, 3, 0.6, 0.25, text, valid)
    close(out, want)
    assert np.abs(qc - wqc).max() < 1e-5 and np.abs(kc - wkc).max() < 1e-5
    assert ref.rel_err(out, ref.sdpa(q, k, v)) > 1e-3  # sparse, not dense


def test_svg2_warm_start_and_torch_bf16():
    torch = pytest.importorskip("torch")
    q, k, v = (torch.from_numpy(rand(1, 2, 48, 16)).to(torch.bfloat16) for _ in range(3))
    qc0 = api.svg2_init_centroids(q, 4, seed=1)
    kc0 = api.svg2_init_centroids(k, 6, seed=2)
    out1, qc, kc = api.svg2(q, k, v, qc0, kc0, iterations=20, top_p=0.9)
    out2, qc2, kc2 = api.svg2(q, k, v, qc, kc, iterations=2, top_p=0.9)  # converged: same
    assert out1.dtype == torch.bfloat16
    assert np.abs(qc2 - qc).max() < 1e-6 and torch.equal(out1, out2)


def test_svg2_bad_input():
    q, k, v = (rand(1, 2, 48, 16) for _ in range(3))
    c = api.svg2_init_centroids(q, 4, seed=0)
    with pytest.raises(ValueError, match=r"iterations must be an integer in \[1, 100000\], got 0"):
        api.svg2(q, k, v, c, c, iterations=0)
    with pytest.raises(ValueError, match="valid_text must be an integer in"):
        api.svg2(q, k, v, c, c, iterations=1, text_length=4, valid_text=5)
    with pytest.raises(ValueError, match=r"q_centroids must be \[B, H, n, D\]"):
        api.svg2(q, k, v, c[:, :1], c, iterations=1)
    with pytest.raises(ValueError, match="top_p and min_kc_ratio must be numbers in"):
        api.svg2(q, k, v, c, c, iterations=1, top_p=1.5)
    with pytest.raises(ValueError, match="top_p and min_kc_ratio must be numbers in"):
        api.svg2(q, k, v, c, c, iterations=1, top_p="0.5")
    with pytest.raises(ValueError, match="text_length must be an integer"):
        api.svg2(q, k, v, c, c, iterations=1, text_length=2.5)
    with pytest.raises(ValueError, match=r"iterations must be an integer in \[1, 100000\]"):
        api.svg2(q, k, v, c, c, iterations=10 ** 6)
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        api.svg2(q, k, v, c, c, iterations=1, scale=0)
    # A tiny min_kc_ratio prints as a float literal MLIR parses (1e-05 alone did not).
    out, _, _ = api.svg2(q, k, v, c, c, iterations=1, min_kc_ratio=1e-5)
    assert out.shape == q.shape


# --------------------------------------------------------------------------
# Configuration and the backend
# --------------------------------------------------------------------------

def test_config_defaults_and_errors():
    c = Svg2Config.from_dict(parse_backend_config("svg2_num_q_centroids=4").svg2)
    assert (c.num_q_centroids, c.num_k_centroids, c.top_p, c.min_kc_ratio) == (4, 1000, 0.9, 0.1)
    assert (c.kmeans_iter_init, c.kmeans_iter_step, c.zero_step_kmeans_init) == (50, 2, False)
    assert c.dense_layers(40) == 1 and c.dense_steps(50) == 10   # 0.03 * 40, 0.2 * 50
    assert Svg2Config.from_dict({"svg2_first_layers_fp": 3}).dense_layers(40) == 3
    for bad, match in [({"svg2_top_p_kmeans": 2}, "svg2_top_p_kmeans must be a number in"),
                       ({"svg2_kmeans_iter_step": 0}, "must be an integer >= 1"),
                       ({"svg2_first_times_fp": 5}, "absolute scheduler timestep"),
                       ({"svg2_zero_step_kmeans_init": 1}, "must be true or false")]:
        with pytest.raises(ConfigError, match=match):
            Svg2Config.from_dict(bad)


KEYS = {"svg2_num_q_centroids": 4, "svg2_num_k_centroids": 6, "svg2_kmeans_iter_init": 5,
        "svg2_kmeans_iter_step": 2, "svg2_first_layers_fp": 1.5, "svg2_first_times_fp": 0.25,
        "svg2_top_p_kmeans": 0.7, "svg2_min_kc_ratio": 0.0}


def test_backend_dense_warmup_then_sparse_with_cached_centroids():
    be = am.get_attention_backend("sparse_video_gen_2_attn", json.dumps(KEYS),
                                  num_layers=4, num_steps=8, seed=11)
    assert isinstance(be, B.Svg2AttnBackend)
    q, k, v = (rand(1, 2, 48, 16) for _ in range(3))
    close(be.forward(q, k, v, step=5, layer=0, grid=GRID), ref.sdpa(q, k, v))  # layer 0 dense
    close(be.forward(q, k, v, step=1, layer=2, grid=GRID), ref.sdpa(q, k, v))  # step 1 dense
    assert be.centroids == {}
    out = be.forward(q, k, v, step=2, layer=2, grid=GRID)          # first sparse call
    qc0 = api.svg2_init_centroids(q, 4, 11 + 4)
    kc0 = api.svg2_init_centroids(k, 6, 11 + 5)
    want, wqc, _ = reference(q, k, v, qc0, kc0, 5, 0.7, 0.0)
    close(out, want)
    qc, kc = be.centroids[2]
    out2 = be.forward(q, k, v, step=3, layer=2, grid=GRID)         # warm start, 2 rounds
    close(out2, reference(q, k, v, qc, kc, 2, 0.7, 0.0)[0])
    be.reset()
    assert be.centroids == {}


def test_backend_zero_step_init_and_text():
    keys = dict(KEYS, svg2_zero_step_kmeans_init=True)
    be = am.get_attention_backend("sparse_video_gen_2_attn", keys, num_layers=4, num_steps=8,
                                  seed=0)
    q, k, v = (rand(1, 2, 56, 16) for _ in range(3))              # 48 video + 8 text
    close(be.forward(q, k, v, step=0, layer=2, grid=GRID, text_length=6), ref.sdpa(q, k, v))
    assert 2 in be.centroids                                        # initialized while dense
    qc, kc = be.centroids[2]
    out = be.forward(q, k, v, step=4, layer=2, grid=GRID, text_length=6)
    close(out, reference(q, k, v, qc, kc, 2, 0.7, 0.0, text=8, valid=6)[0])


def test_backend_errors():
    be = am.get_attention_backend("sparse_video_gen_2_attn", KEYS, num_layers=4, num_steps=8)
    q, k, v = (rand(1, 2, 48, 16) for _ in range(3))
    with pytest.raises(ValueError, match="needs grid"):
        be.forward(q, k, v, step=4, layer=2)
    with pytest.raises(ValueError, match="has 48 tokens and text_length is 2, but q has 48"):
        be.forward(q, k, v, step=4, layer=2, grid=GRID, text_length=2)
    nolayers = am.get_attention_backend("sparse_video_gen_2_attn", KEYS)
    with pytest.raises(ValueError, match="needs num_layers"):
        nolayers.forward(q, k, v, step=4, layer=2, grid=GRID)
    with pytest.raises(TypeError, match="does not take option"):
        am.get_attention_backend("sparse_video_gen_2_attn", KEYS, tile=(1, 1, 1))


# --------------------------------------------------------------------------
# sglang-style classes: [B, S, H, D], the layer from the prefix, one cache a request
# --------------------------------------------------------------------------

def test_sglang_svg2_backend():
    from attn_mlir import sglang
    cls = sglang.get_backend_cls("sparse_video_gen_2_attn")
    assert cls.get_name() == "SPARSE_VIDEO_GEN_2_ATTN"
    assert cls.get_impl_cls() is sglang.SparseVideoGen2AttentionImpl
    cache = sglang.Svg2Cache()
    build = lambda step: cls.get_builder_cls()().build(  # noqa: E731
        current_timestep=step, raw_latent_shape=[1, 16, 2, 8, 12], patch_size=[1, 2, 2],
        num_layers=4, num_steps=8, context_length=8, prompt_length=6, cache=cache, **KEYS)
    impl = cls.get_impl_cls()(num_heads=2, head_size=16, prefix="model.blocks.2.attn1.impl")
    assert impl.layer_idx == 2
    q, k, v = (rand(1, 2, 56, 16) for _ in range(3))
    bshd = lambda x: np.ascontiguousarray(np.swapaxes(x, 1, 2))  # noqa: E731
    out = impl.forward(bshd(q), bshd(k), bshd(v), build(1))       # step 1 of 8: dense
    close(bshd(out), ref.sdpa(q, k, v))
    assert cache == {}
    impl.forward(bshd(q), bshd(k), bshd(v), build(2))             # first sparse call
    qc, kc = cache[2]
    out = impl.forward(bshd(q), bshd(k), bshd(v), build(3))       # warm start from the cache
    close(bshd(out), reference(q, k, v, qc, kc, 2, 0.7, 0.0, text=8, valid=6)[0])
    with pytest.raises(ValueError, match="names no layer"):
        cls.get_impl_cls()(num_heads=2, head_size=16, prefix="attn1").forward(
            bshd(q), bshd(k), bshd(v), build(3))
    with pytest.raises(ValueError, match="needs num_layers and num_steps"):
        cls.get_builder_cls()().build(current_timestep=0, patch_resolution=[2, 4, 6])
