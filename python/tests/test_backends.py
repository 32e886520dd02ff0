"""The backend layer (attn_mlir.backends): selection by name, configuration
with --attention-backend-config semantics, per-(step, layer, head) STA windows
from a mask strategy file, skip_time_steps, and torch_sdpa."""
import json

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import backends as B
from attn_mlir.config import BackendConfig, ConfigError

import attn_ref as ref
from test_api import close, rand, sta_reference, vsa_reference

GRID, TILE = (2, 4, 4), (1, 2, 2)        # STA: tile grid 2x2x2
S_IMG = 32


def strategy(tmp_path, steps=3, layers=2, heads=2, drop=None):
    wins = {}
    for t in range(steps):
        for l in range(layers):
            for h in range(heads):
                wins[f"{t}_{l}_{h}"] = [1 + (t + h) % 2, 1 + l, 1 + (t + l + h) % 2]
    if drop:
        del wins[drop]
    p = tmp_path / "mask_strategy.json"
    p.write_text(json.dumps(wins))
    return str(p), wins


# --------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------

def test_names_and_classes(tmp_path):
    path, _ = strategy(tmp_path)
    assert B.BACKEND_NAMES == ("video_sparse_attn", "sliding_tile_attn", "vmoba_attn",
                               "sparse_video_gen_2_attn", "sage_attn", "torch_sdpa")
    assert isinstance(am.get_attention_backend("video_sparse_attn"), B.VideoSparseAttnBackend)
    assert isinstance(am.get_attention_backend("torch_sdpa"), B.TorchSDPABackend)
    sta = am.get_attention_backend("SLIDING_TILE_ATTN", f"mask_strategy_file_path={path}")
    assert isinstance(sta, B.SlidingTileAttnBackend) and sta.name == "sliding_tile_attn"
    with pytest.raises(ValueError, match="unknown attention backend 'flash_attn'.*torch_sdpa"):
        am.get_attention_backend("flash_attn")
    with pytest.raises(TypeError, match="does not take option"):
        am.get_attention_backend("video_sparse_attn", None, window_size=[1, 1, 1])


def test_config_forms():
    for cfg in ("sparsity=0.9", '{"VSA_sparsity": 0.9}', {"sparsity": 0.9},
                BackendConfig(sparsity=0.9)):
        assert am.get_attention_backend("video_sparse_attn", cfg).sparsity == 0.9
    assert am.get_attention_backend("video_sparse_attn").sparsity == 0.0  # FastVideo default
    with pytest.raises(ConfigError, match="unknown key"):
        am.get_attention_backend("video_sparse_attn", "sparsty=0.9")
    with pytest.raises(ConfigError, match="sparsity must be a number in"):
        am.get_attention_backend("video_sparse_attn", "sparsity=2")


# --------------------------------------------------------------------------
# video_sparse_attn
# --------------------------------------------------------------------------

def test_vsa_backend_runs_with_config_sparsity():
    be = am.get_attention_backend("video_sparse_attn", "sparsity=0.75")
    grid = (2, 4, 8)
    q, k, v, g = (rand(1, 2, 64, 8) for _ in range(4))
    out = be.forward(q, k, v, step=3, layer=1, gate=g, grid=grid)
    close(out, vsa_reference(q, k, v, grid, 0.75, g))
    with pytest.raises(ValueError, match="needs grid"):
        be.forward(q, k, v, step=0, layer=0)
    with pytest.raises(ValueError, match="image tokens only"):
        be.forward(q, k, v, step=0, layer=0, grid=grid, text_length=4)


def test_vsa_skip_time_steps_selects_every_tile():
    be = am.get_attention_backend("video_sparse_attn", "sparsity=0.75,skip_time_steps=2")
    assert [be.sparsity_for(t) for t in range(4)] == [0.0, 0.0, 0.75, 0.75]
    grid = (1, 4, 8)
    q, k, v = (rand(1, 1, 32, 8) for _ in range(3))
    close(be.forward(q, k, v, step=1, layer=0, grid=grid), vsa_reference(q, k, v, grid, 0.0))
    close(be.forward(q, k, v, step=2, layer=0, grid=grid), vsa_reference(q, k, v, grid, 0.75))


# --------------------------------------------------------------------------
# sliding_tile_attn
# --------------------------------------------------------------------------

def test_sta_windows_per_step_layer_head(tmp_path):
    path, wins = strategy(tmp_path)
    be = am.get_attention_backend("sliding_tile_attn", f"mask_strategy_file_path={path}",
                                  tile=TILE)
    for t in range(3):
        for l in range(2):
            got = be.windows_for(t, l, 2, [2, 2, 2])
            assert got == [wins[f"{t}_{l}_{h}"] for h in range(2)]
    q, k, v = (rand(1, 2, S_IMG + 6, 8) for _ in range(3))
    for t, l in ((0, 0), (2, 1)):
        out = be.forward(q, k, v, step=t, layer=l, grid=GRID, text_length=4)
        flat = wins[f"{t}_{l}_0"] + wins[f"{t}_{l}_1"]
        close(out, sta_reference(q, k, v, GRID, TILE, windows=flat, text_length=4))
    with pytest.raises(ConfigError, match="step 3 / layer 0 outside"):
        be.forward(q, k, v, step=3, layer=0, grid=GRID)
    with pytest.raises(ValueError, match="the mask strategy has 2 heads but q has 1"):
        q1 = rand(1, 1, S_IMG, 8)
        be.forward(q1, q1, q1, step=0, layer=0, grid=GRID)
    with pytest.raises(ValueError, match="needs step= and layer="):
        be.forward(q, k, v, grid=GRID)


def test_sta_mask_strategy_validated_up_front(tmp_path):
    path, _ = strategy(tmp_path, drop="1_1_0")
    with pytest.raises(ConfigError, match="missing window for key '1_1_0'"):
        am.get_attention_backend("sliding_tile_attn", f"mask_strategy_file_path={path}")
    path, _ = strategy(tmp_path)
    with pytest.raises(ConfigError, match="missing window for key '0_0_2'"):
        am.get_attention_backend("sliding_tile_attn", f"mask_strategy_file_path={path}",
                                 num_heads=3)
    with pytest.raises(ConfigError, match="no such file|No such file"):
        am.get_attention_backend("sliding_tile_attn",
                                 f"mask_strategy_file_path={tmp_path}/missing.json")


def test_sta_modes_and_missing_windows(tmp_path):
    path, _ = strategy(tmp_path)
    with pytest.raises(ConfigError, match="sta_mode STA_searching .* not supported"):
        am.get_attention_backend("sliding_tile_attn",
                                 f"mask_strategy_file_path={path},sta_mode=STA_searching")
    with pytest.raises(ConfigError, match="needs mask_strategy_file_path"):
        am.get_attention_backend("sliding_tile_attn")


def test_sta_single_window_option():
    be = am.get_attention_backend("sliding_tile_attn", None, window_size=[1, 1, 1], tile=TILE)
    q, k, v = (rand(1, 2, S_IMG, 8) for _ in range(3))
    close(be.forward(q, k, v, step=7, layer=3, grid=GRID),
          sta_reference(q, k, v, GRID, TILE, window=[1, 1, 1]))


def test_sta_skip_time_steps_is_dense(tmp_path):
    path, wins = strategy(tmp_path)
    be = am.get_attention_backend(
        "sliding_tile_attn", f"mask_strategy_file_path={path},skip_time_steps=1", tile=TILE)
    assert be.windows_for(0, 1, 2, [2, 2, 2]) == [2, 2, 2]
    assert be.windows_for(1, 1, 2, [2, 2, 2]) == [wins[f"1_1_{h}"] for h in range(2)]
    q, k, v = (rand(1, 2, S_IMG + 6, 8) for _ in range(3))
    dense = am.get_attention_backend("torch_sdpa")
    expect = dense.forward(q, k, v, grid=GRID, text_length=4)
    close(be.forward(q, k, v, step=0, layer=1, grid=GRID, text_length=4), expect)
    keep = np.r_[0:S_IMG + 4]
    close(expect, ref.sdpa(q, k[:, :, keep], v[:, :, keep]))


# --------------------------------------------------------------------------
# torch_sdpa
# --------------------------------------------------------------------------

def test_torch_sdpa_numpy_and_gqa():
    be = am.get_attention_backend("torch_sdpa")
    q, k, v = rand(1, 4, 20, 8), rand(1, 2, 20, 8), rand(1, 2, 20, 8)
    out = be.forward(q, k, v, step=0, layer=0)
    assert out.dtype == np.float32
    close(out, ref.sdpa(q, k, v), 1e-6)
    with pytest.raises(ValueError, match="needs grid"):
        be.forward(q, k, v, text_length=2)


def test_torch_sdpa_torch():
    torch = pytest.importorskip("torch")
    be = am.get_attention_backend("torch_sdpa")
    q, k, v = (torch.randn(1, 2, 36, 8) for _ in range(3))
    out = be.forward(q, k, v, grid=(2, 4, 4), text_length=2)
    assert isinstance(out, torch.Tensor)
    keep = np.r_[0:34]
    close(out.numpy(), ref.sdpa(q.numpy(), k.numpy()[:, :, keep], v.numpy()[:, :, keep]), 1e-5)


def test_sta_backend_split_per_head(tmp_path):
    path, wins = strategy(tmp_path)
    be = am.get_attention_backend("sliding_tile_attn", f"mask_strategy_file_path={path}",
                                  tile=TILE, per_head="split")
    q, k, v = (rand(1, 2, S_IMG + 6, 8) for _ in range(3))
    out = be.forward(q, k, v, step=1, layer=0, grid=GRID, text_length=4)
    flat = wins["1_0_0"] + wins["1_0_1"]
    close(out, sta_reference(q, k, v, GRID, TILE, windows=flat, text_length=4))
    with pytest.raises(ValueError, match="per_head must be"):
        am.get_attention_backend("sliding_tile_attn", None, window_size=[1, 1, 1],
                                 per_head="x")
