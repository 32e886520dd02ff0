"""Ulysses sequence parallelism (attn_mlir.parallel) on the CPU path: 2 and 4
gloo processes give one process's output (f32), for VSA (with its gate), STA
(per-head windows from a mask strategy, each rank its heads' windows; text
tokens replicated) and dense attention; head subsets in the backends."""
import json

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import attn_mlir  # noqa: E402
import sp_worker  # noqa: E402
from attn_mlir.parallel import UlyssesAttention  # noqa: E402

pytestmark = pytest.mark.skipif(not attn_mlir.have_compiler(),
                                reason="needs the native compiler (CPU path)")

# Four heads, four different windows (in tiles of the 2x2x2 tile grid).
STRATEGY = {"0_0_0": [1, 1, 1], "0_0_1": [2, 2, 2], "0_0_2": [1, 2, 1], "0_0_3": [2, 1, 2]}


@pytest.fixture
def strategy(tmp_path):
    p = tmp_path / "mask_strategy.json"
    p.write_text(json.dumps(STRATEGY))
    return str(p)


def one_process(case, strategy_path):
    x = sp_worker.inputs(case)
    be = sp_worker.backend(case, strategy_path)
    q, k, v = x["q"], x["k"], x["v"]
    s_img = q.shape[2]
    if "text" in x:
        q, k, v = (torch.cat([a, t], dim=2) for a, t in zip((q, k, v), x["text"]))
    out = be.forward(q, k, v, grid=x["grid"], gate=x.get("gate"),
                     text_length=x.get("text_length", 0), step=x.get("step"),
                     layer=x.get("layer"))
    return out[:, :, :s_img], out[:, :, s_img:]


@pytest.mark.parametrize("world", [2, 4])
@pytest.mark.parametrize("case", ["vsa", "sta", "dense"])
def test_ulysses_matches_one_process(case, world, strategy, tmp_path):
    import torch.multiprocessing as mp
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    mp.spawn(sp_worker.run, args=(world, str(tmp_path / "init"), str(out_dir), case, strategy),
             nprocs=world, join=True)
    img, text = one_process(case, strategy)
    parts = [torch.load(out_dir / f"{r}.pt") for r in range(world)]
    got = torch.cat([p["img"] for p in parts], dim=2)
    assert got.shape == img.shape
    torch.testing.assert_close(got, img, rtol=1e-5, atol=1e-5)
    if case == "sta":
        for p in parts:  # every rank gets the whole text output
            torch.testing.assert_close(p["text"], text, rtol=1e-5, atol=1e-5)


def test_sta_head_subset_takes_its_windows(strategy):
    be = sp_worker.backend("sta", strategy)
    assert be.windows_for(0, 0, 2, [2, 2, 2], head_offset=2) == [[1, 2, 1], [2, 1, 2]]
    assert be.windows_for(0, 0, 4, [2, 2, 2]) == [list(w) for w in STRATEGY.values()]
    with pytest.raises(ValueError, match="heads 3..4 are outside the mask strategy's 4 heads"):
        be.windows_for(0, 0, 2, [2, 2, 2], head_offset=3)
    with pytest.raises(ValueError, match="the mask strategy has 4 heads but q has 2"):
        be.windows_for(0, 0, 2, [2, 2, 2])
    with pytest.raises(ValueError, match="head_offset must be >= 0"):
        be.windows_for(0, 0, 2, [2, 2, 2], head_offset=-1)


def test_sta_head_subset_output_is_those_heads(strategy):
    # Heads 2..3 alone (head_offset 2) give what the whole model gives there.
    x = sp_worker.inputs("sta")
    be = sp_worker.backend("sta", strategy)
    q, k, v = (torch.cat([a, t], dim=2) for a, t in zip((x["q"], x["k"], x["v"]), x["text"]))
    full = be.forward(q, k, v, grid=x["grid"], text_length=5, step=0, layer=0)
    sub = be.forward(q[:, 2:], k[:, 2:], v[:, 2:], grid=x["grid"], text_length=5, step=0,
                     layer=0, head_offset=2)
    torch.testing.assert_close(sub, full[:, 2:], rtol=1e-6, atol=1e-6)


def test_per_head_window_list_is_sliced():
    be = attn_mlir.get_attention_backend("sliding_tile_attn", None, tile=(2, 2, 2),
                                         window_size=[[1, 1, 1], [2, 2, 2], [1, 2, 1]])
    assert be.windows_for(None, None, 2, [2, 2, 2], head_offset=1) == [[2, 2, 2], [1, 2, 1]]
    with pytest.raises(ValueError, match="outside window_size's 3 per-head windows"):
        be.windows_for(None, None, 2, [2, 2, 2], head_offset=2)


def test_ulysses_errors():
    be = attn_mlir.get_attention_backend("torch_sdpa")
    with pytest.raises(TypeError, match="AttentionBackend"):
        UlyssesAttention(object())
    if not dist.is_initialized():
        q = torch.zeros(1, 4, 8, 16)
        with pytest.raises(RuntimeError, match="initialized torch.distributed"):
            UlyssesAttention(be)(q, q, q, grid=(2, 2, 2))
