"""The drop-in adapters against the upstream semantics (shared/docs/UPSTREAM.md)
on the CPU path, fresh random inputs, against the independent NumPy reference
(test/reference/attn_ref.py): FastVideo's pre-tiled video_sparse_attn (variable
block sizes, separate q sizes, gate, topk clamp, block_size as a tile) and
sliding_tile_attention (text handling, has_text, per-head windows); the
sglang-style backend classes ([batch, seq, heads, dim], metadata builders,
the sequence-parallel head offset)."""
import json

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import fastvideo, sglang

import attn_ref as ref

RNG = np.random.default_rng()


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def close(out, expected, tol=2e-5):
    err = ref.rel_err(out, expected)
    assert err <= tol, f"relative error {err}"


def padded(b, h, vbs, d, p=64):
    """Tiled tensor with the valid tokens compacted to each tile's front, pads 0."""
    x = rand(b, h, len(vbs) * p, d)
    for j, n in enumerate(vbs):
        x[:, :, j * p + n:(j + 1) * p] = 0
    return x


# --------------------------------------------------------------------------
# FastVideo: video_sparse_attn on pre-tiled inputs
# --------------------------------------------------------------------------

def test_fastvideo_vsa_variable_block_sizes_and_gate():
    vbs_kv = np.array([64, 17, 40, 64, 1], dtype=np.int32)
    vbs_q = np.array([64, 5, 33], dtype=np.int32)
    q = padded(1, 2, vbs_q, 32)
    k, v = padded(1, 2, vbs_kv, 32), padded(1, 2, vbs_kv, 32)
    g = rand(*q.shape)
    out = fastvideo.video_sparse_attn(q, k, v, vbs_kv, vbs_q, 2, 64, g)
    want = ref.vsa(q, k, v, 64, 2, gate=g, q_block_sizes=vbs_q, kv_block_sizes=vbs_kv,
                   round_means="f32", round_scores="f32")
    close(out, want)
    # block_size as FastVideo's tile (4, 4, 4); topk beyond Nkv is clamped; no gate
    out = fastvideo.video_sparse_attn(q, k, v, vbs_kv, vbs_q, topk=99, block_size=(4, 4, 4))
    close(out, ref.vsa(q, k, v, 64, 5, q_block_sizes=vbs_q, kv_block_sizes=vbs_kv,
                       round_means="f32", round_scores="f32"))


def test_fastvideo_vsa_sizes_are_runtime_inputs_not_constants():
    """One compiled module serves every vbs table of the same length (the
    tables are arguments, as upstream passes tensors)."""
    am.reset_stats()
    q = padded(1, 1, [64, 64], 16)
    a = fastvideo.video_sparse_attn(q, q, q, np.array([64, 64]), np.array([64, 64]), 1)
    b = fastvideo.video_sparse_attn(q, q, q, np.array([64, 3]), np.array([64, 64]), 1)
    assert am.stats()["cpu_compiles"] <= 1 and not np.allclose(a, b)
    close(b, ref.vsa(q, q, q, 64, 1, q_block_sizes=[64, 64], kv_block_sizes=[64, 3],
                     round_means="f32", round_scores="f32"))


def test_fastvideo_vsa_torch_cpu_and_errors():
    torch = pytest.importorskip("torch")
    vbs = torch.tensor([64, 30], dtype=torch.int64)
    q = torch.from_numpy(padded(1, 2, [64, 30], 32))
    out = fastvideo.video_sparse_attn(q, q, q, vbs, vbs, 1)
    assert isinstance(out, torch.Tensor) and out.shape == q.shape
    close(out.numpy(), ref.vsa(q.numpy(), q.numpy(), q.numpy(), 64, 1, q_block_sizes=[64, 30],
                               kv_block_sizes=[64, 30], round_means="f32", round_scores="f32"))
    with pytest.raises(ValueError, match=r"kv_block_sizes must have shape \[2\]"):
        fastvideo.video_sparse_attn(q, q, q, torch.tensor([64]), vbs, 1)
    with pytest.raises(ValueError, match="not a multiple of the block 64"):
        fastvideo.video_sparse_attn(q[:, :, :100], q[:, :, :100], q[:, :, :100], vbs, vbs, 1)
    with pytest.raises(ValueError, match="topk must be an integer >= 1"):
        fastvideo.video_sparse_attn(q, q, q, vbs, vbs, 0)
    with pytest.raises(TypeError, match="missing required argument 'topk'"):
        fastvideo.video_sparse_attn(q, q, q, vbs, vbs)


# --------------------------------------------------------------------------
# FastVideo: sliding_tile_attention on tiled image tokens + text
# --------------------------------------------------------------------------

def _sta_inputs(heads, text):
    # canvas 12x16x8 tokens = 2x2x1 tiles of 6x8x8
    s = 12 * 16 * 8 + text
    return [rand(1, heads, s, 16) for _ in range(3)]


def test_fastvideo_sta_with_text_and_per_head_windows():
    q, k, v = _sta_inputs(2, 20)
    wins = [[1, 1, 1], [3, 3, 3]]
    out = fastvideo.sliding_tile_attention(q, k, v, wins, 13, True, "12x16x8")
    want = ref.sliding_tile(q, k, v, (2, 2, 1), (6, 8, 8), windows=[1, 1, 1, 3, 3, 3],
                            text_length=13)
    close(out, want)
    # the text keys past text_length are masked: changing them changes nothing
    k2, v2 = k.copy(), v.copy()
    k2[:, :, -7:] = 50.0
    v2[:, :, -7:] = -50.0
    close(fastvideo.sliding_tile_attention(q, k2, v2, wins, 13, True, "12x16x8"), out, 1e-6)


def test_fastvideo_sta_without_text():
    q, k, v = _sta_inputs(1, 0)
    out = fastvideo.sliding_tile_attention(q, k, v, [[1, 1, 1]], 0, False, "12x16x8")
    close(out, ref.sliding_tile(q, k, v, (2, 2, 1), (6, 8, 8), window=[1, 1, 1]))
    q2, k2, v2 = _sta_inputs(1, 4)
    with pytest.raises(ValueError, match="has_text=False: q must hold the 1536 image tokens"):
        fastvideo.sliding_tile_attention(q2, k2, v2, [[1, 1, 1]], 4, False, "12x16x8")
    with pytest.raises(ValueError, match="not a multiple of the tile's 8"):
        fastvideo.sliding_tile_attention(q, k, v, [[1, 1, 1]], 0, False, "12x16x9")
    with pytest.raises(ValueError, match="text_length 5 must be in"):
        fastvideo.sliding_tile_attention(q, k, v, [[1, 1, 1]], 5, True, "12x16x8")


# --------------------------------------------------------------------------
# sglang-style backends: [B, S, H, D], builders, sequence-parallel head offset
# --------------------------------------------------------------------------

def bshd(x):
    return np.ascontiguousarray(np.swapaxes(x, 1, 2))


def test_backend_names_and_classes():
    for name in ("sliding_tile_attn", "SLIDING_TILE_ATTN", sglang.AttentionBackendEnum.SLIDING_TILE_ATTN):
        cls = sglang.get_backend_cls(name)
        assert cls.get_name() == "SLIDING_TILE_ATTN"
        assert cls.get_enum() is sglang.AttentionBackendEnum.SLIDING_TILE_ATTN
    vsa = sglang.get_backend_cls("video_sparse_attn")
    assert vsa.get_name() == "VIDEO_SPARSE_ATTN" and vsa.get_supported_head_sizes() == [64, 128]
    assert vsa.get_impl_cls() is sglang.VideoSparseAttentionImpl
    assert vsa.get_builder_cls() is sglang.VideoSparseAttentionMetadataBuilder
    assert vsa.get_metadata_cls() is sglang.VideoSparseAttentionMetadata
    with pytest.raises(ValueError, match="unknown attention backend 'flash_attn'"):
        sglang.get_backend_cls("flash_attn")


def test_sta_backend_head_offset_from_mask_strategy(tmp_path):
    """Two sequence-parallel ranks of 2 heads each over a 4-head model: rank 1
    uses the windows of global heads 2 and 3 at its layer and step."""
    heads, layers, steps = 4, 3, 2
    wins = {f"{t}_{l}_{h}": [1 + (h + l + t) % 3, 1, 1 + h % 2]
            for t in range(steps) for l in range(layers) for h in range(heads)}
    path = tmp_path / "mask.json"
    path.write_text(json.dumps(wins))
    be = sglang.get_backend_cls("sliding_tile_attn")
    md = be.get_builder_cls()().build(current_timestep=1, dit_seq_shape="12x16x8",
                                      mask_strategy_file_path=str(path))
    impl = be.get_impl_cls()(num_heads=2, head_size=16, prefix="transformer_blocks.2.attn1",
                             sp_rank=1)
    assert impl.start_head == 2
    assert impl.windows(md) == [wins["1_2_2"], wins["1_2_3"]]
    q, k, v = (bshd(x) for x in _sta_inputs(2, 9))  # [B, S, H, D], raster image + text
    qt, kt, vt = (impl.preprocess_qkv(x, md) for x in (q, k, v))
    out = impl.postprocess_output(impl.forward(qt, kt, vt, md), md)
    assert out.shape == q.shape
    # the same through the raster-order API with the rank's global-head windows
    want = am.sliding_tile_attn(bshd(q), bshd(k), bshd(v), [wins["1_2_2"], wins["1_2_3"]], 9,
                                (12, 16, 8))
    close(bshd(out), want)
    # and against the reference on tiled tokens
    tiled = lambda x: np.concatenate([ref.tile(bshd(x)[:, :, :1536], (12, 16, 8), (6, 8, 8)),  # noqa
                                      bshd(x)[:, :, 1536:]], axis=2)
    close(bshd(impl.forward(qt, kt, vt, md)),
          ref.sliding_tile(tiled(q), tiled(k), tiled(v), (2, 2, 1), (6, 8, 8),
                           windows=wins["1_2_2"] + wins["1_2_3"], text_length=9))
    # rank 0 sees other windows, so another result
    impl0 = be.get_impl_cls()(num_heads=2, head_size=16, prefix="transformer_blocks.2.attn1")
    assert impl0.windows(md) == [wins["1_2_0"], wins["1_2_1"]]
    with pytest.raises(ValueError, match="outside STA_param's 4 heads"):
        be.get_impl_cls()(num_heads=2, head_size=16, prefix="blocks.0.attn", sp_rank=2).windows(md)
    with pytest.raises(ValueError, match="names no layer index"):
        be.get_impl_cls()(num_heads=2, head_size=16, prefix="attn").windows(md)


def test_vsa_backend_metadata_and_forward():
    be = sglang.get_backend_cls("VIDEO_SPARSE_ATTN")
    # raw latent (C, T, H, W) = (16, 2, 12, 20), patch (1, 2, 2) -> tokens 2x6x10
    md = be.get_builder_cls()().build(current_timestep=0, raw_latent_shape=(16, 2, 12, 20),
                                      patch_size=(1, 2, 2), VSA_sparsity=0.5)
    assert md.dit_seq_shape == [2, 6, 10] and md.num_tiles == [1, 2, 3]
    assert list(md.variable_block_sizes) == [32, 32, 16, 16, 16, 8]
    impl = be.get_impl_cls()(num_heads=2, head_size=16, prefix="blocks.0.attn")
    q, k, v, g = (rand(1, 2, 120, 16) for _ in range(4))
    pre = lambda x: impl.preprocess_qkv(bshd(x), md)  # noqa: E731
    assert pre(q).shape == (1, 6 * 64, 2, 16)
    out = impl.postprocess_output(impl.forward(pre(q), pre(k), pre(v), pre(g), md), md)
    close(bshd(out), am.video_sparse_attn(q, k, v, (2, 6, 10), 0.5, g))
    # forward(q, k, v, attn_metadata) without a gate, as the STA impl takes it
    out = impl.postprocess_output(impl.forward(pre(q), pre(k), pre(v), md), md)
    close(bshd(out), am.video_sparse_attn(q, k, v, (2, 6, 10), 0.5))
    with pytest.raises(ValueError, match="needs raw_latent_shape and patch_size"):
        be.get_builder_cls()().build(current_timestep=0)
    with pytest.raises(ValueError, match="causal attention is not supported"):
        impl.__class__(num_heads=2, head_size=16, causal=True)
