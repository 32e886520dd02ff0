"""Gradients through the Python API (issue 16): attn_mlir.sdpa,
attn_mlir.sliding_tile_attn, attn_mlir.video_sparse_attn and the pre-tiled
api.vsa_tiled / api.sta_tiled under torch.autograd on CPU tensors (attn.sdpa_grad / attn.sliding_tile_grad /
attn.vsa_grad on the CPU path), the api.*_grad functions on NumPy arrays,
against torch's own autograd in float64 (STA: raster order, per-head
windows, a ragged text tail; VSA: partial tiles, GQA, with and without a
gate, the forward's top-k selection held constant); api.sdpa_with_lse's
row log-sum-exp against torch.logsumexp."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import attn_mlir  # noqa: E402
from attn_mlir import api  # noqa: E402
from torch_vsa_ref import leaves64, vsa_reference_grads, vsa_tiled_torch  # noqa: E402,F401

pytestmark = pytest.mark.skipif(not attn_mlir.have_compiler(),
                                reason="needs the native compiler (CPU path)")


def reference_grads(q, k, v, dout, scale=None):
    qd, kd, vd = (t.detach().double().requires_grad_() for t in (q, k, v))
    g = q.shape[1] // k.shape[1]
    s = qd @ kd.repeat_interleave(g, 1).transpose(-1, -2)
    s = s * (scale if scale is not None else q.shape[-1] ** -0.5)
    out = torch.softmax(s, -1) @ vd.repeat_interleave(g, 1)
    (out * dout.double()).sum().backward()
    return qd.grad, kd.grad, vd.grad


@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_backward_through_autograd(scale):
    q = torch.randn(2, 4, 6, 8, requires_grad=True)
    k = torch.randn(2, 2, 5, 8, requires_grad=True)  # GQA: 2 query heads a kv head
    v = torch.randn(2, 2, 5, 8, requires_grad=True)
    out = attn_mlir.sdpa(q, k, v, scale)
    assert out.requires_grad
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    for got, want in zip((q.grad, k.grad, v.grad), reference_grads(q, k, v, dout, scale)):
        torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-5)


def test_sdpa_without_grad_builds_no_graph():
    q = torch.randn(1, 2, 4, 8, requires_grad=True)
    with torch.no_grad():
        assert not attn_mlir.sdpa(q, q, q).requires_grad
    assert not attn_mlir.sdpa(q.detach(), q.detach(), q.detach()).requires_grad


def test_sdpa_grad_numpy():
    rng = np.random.default_rng(0)
    q, k, v, do = (rng.standard_normal(s).astype(np.float32)
                   for s in ((1, 2, 6, 8), (1, 1, 7, 8), (1, 1, 7, 8), (1, 2, 6, 8)))
    got = api.sdpa_grad(q, k, v, do)
    want = reference_grads(*(torch.from_numpy(x) for x in (q, k, v, do)))
    for g, w in zip(got, want):
        assert isinstance(g, np.ndarray) and g.dtype == np.float32
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-5)


def test_sdpa_grad_bad_dout():
    q = np.zeros((1, 1, 4, 8), np.float32)
    with pytest.raises(ValueError, match="dout shape"):
        api.sdpa_grad(q, q, q, np.zeros((1, 1, 4, 4), np.float32))


def sta_reference_grads(q, k, v, dout, grid, tile, windows, text_length):
    """torch float64 autograd of STA in raster order: tile (a permutation for
    whole tiles), the dense STA mask of the NumPy reference, untile."""
    import attn_ref
    tile_grid = [grid[i] // tile[i] for i in range(3)]
    tpi, _, comb, _ = attn_ref.tile_indices(grid, tile)
    s_img, S = len(tpi), q.shape[2]
    mask = torch.from_numpy(attn_ref.sliding_tile_mask(tile_grid, tile, S, windows=windows,
                                                       text_length=text_length,
                                                       heads=q.shape[1]))
    order = torch.cat([torch.from_numpy(tpi), torch.arange(s_img, S)])
    back = torch.cat([torch.from_numpy(comb), torch.arange(s_img, S)])
    qd, kd, vd = (t.detach().double().requires_grad_() for t in (q, k, v))
    qt, kt, vt = (x[:, :, order] for x in (qd, kd, vd))
    s = (qt @ kt.transpose(-1, -2)) * q.shape[-1] ** -0.5
    s = s.masked_fill(~mask.unsqueeze(0), float("-inf"))
    out = (torch.softmax(s, -1) @ vt)[:, :, back]
    (out * dout.double()).sum().backward()
    return qd.grad, kd.grad, vd.grad


def test_sliding_tile_grad_matches_torch_autograd():
    # Raster grid 4x4x4 in 2x2x2 tiles, 9 text tokens of which 5 are valid,
    # per-head windows.
    grid, tile, windows, L = (4, 4, 4), (2, 2, 2), [[1, 1, 1], [2, 1, 2]], 5
    q, k, v, dout = (torch.randn(1, 2, 64 + 9, 8) for _ in range(4))
    got = api.sliding_tile_grad(q, k, v, dout, windows, L, grid, tile=tile)
    want = sta_reference_grads(q, k, v, dout, grid, tile, [x for w in windows for x in w], L)
    for g, w in zip(got, want):
        torch.testing.assert_close(g.double(), w, rtol=1e-5, atol=1e-5)


def test_sliding_tile_attn_backward_through_autograd():
    grid, tile, windows, L = (4, 4, 4), (2, 2, 2), [[1, 1, 1], [2, 1, 2]], 5
    q, k, v = (torch.randn(1, 2, 64 + 9, 8, requires_grad=True) for _ in range(3))
    out = attn_mlir.sliding_tile_attn(q, k, v, windows, L, grid, tile=tile)
    assert out.requires_grad
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    want = sta_reference_grads(q, k, v, dout, grid, tile, [x for w in windows for x in w], L)
    for got, w in zip((q.grad, k.grad, v.grad), want):
        torch.testing.assert_close(got.double(), w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("with_gate", [True, False])
def test_video_sparse_attn_backward_through_autograd(with_gate):
    # A 5x6x7 grid in 4x4x4 tiles: 2x2x2 tiles, all partial but one dimension
    # of the first; GQA (4 query heads, 2 kv heads); sparsity 0.5 -> topk 4 of 8.
    grid, tile = (5, 6, 7), (4, 4, 4)
    q = torch.randn(1, 4, 210, 8, requires_grad=True)
    k, v = (torch.randn(1, 2, 210, 8, requires_grad=True) for _ in range(2))
    gate = torch.randn(1, 4, 210, 8, requires_grad=True) if with_gate else None
    out = attn_mlir.video_sparse_attn(q, k, v, grid, 0.5, gate)
    assert out.requires_grad
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    want = vsa_reference_grads(q, k, v, dout, grid, tile, 4, gate)
    got = (q.grad, k.grad, v.grad) + ((gate.grad,) if with_gate else ())
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(g.double(), w, rtol=1e-5, atol=1e-5)


def test_video_sparse_attn_grad_numpy_and_bad_gate():
    rng = np.random.default_rng(1)
    q, k, v, do, g = (rng.standard_normal((1, 2, 64, 8)).astype(np.float32) for _ in range(5))
    dq, dk, dv, dg = api.video_sparse_attn_grad(q, k, v, do, (4, 4, 4), 0.0, g)
    want = vsa_reference_grads(*(torch.from_numpy(x) for x in (q, k, v, do)), (4, 4, 4),
                               (4, 4, 4), 1, torch.from_numpy(g))
    for got, w in zip((dq, dk, dv, dg), want):
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        np.testing.assert_allclose(got, w.numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="gate shape"):
        api.video_sparse_attn_grad(q, k, v, do, (4, 4, 4), 0.0, g[:, :1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_sdpa_with_lse_matches_torch_logsumexp(dtype):
    q = torch.randn(2, 4, 6, 8).to(dtype)
    k, v = (torch.randn(2, 2, 5, 8).to(dtype) for _ in range(2))
    out, lse = api.sdpa_with_lse(q, k, v, 0.3)
    assert out.dtype == dtype and lse.dtype == torch.float32 and lse.shape == (2, 4, 6)
    s = q.double() @ k.double().repeat_interleave(2, 1).transpose(-1, -2) * 0.3
    want = torch.logsumexp(s, -1)
    torch.testing.assert_close(lse.double(), want, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out, attn_mlir.sdpa(q, k, v, 0.3))


@pytest.mark.parametrize("with_gate", [True, False])
def test_vsa_tiled_backward_through_autograd(with_gate):
    # FastVideo's pre-tiled layout: 4 query and 4 kv tiles of 8 slots with
    # partial tiles (pads zero), GQA, topk 2.
    p, qbs = 8, np.array([8, 5, 8, 3], np.int32)
    kbs = np.array([8, 8, 2, 6], np.int32)

    def padded(shape, sizes):
        x = torch.randn(shape)
        for j, n in enumerate(sizes):
            x[:, :, j * p + n:(j + 1) * p] = 0
        return x.requires_grad_()

    q = padded((1, 4, 32, 8), qbs)
    k, v = padded((1, 2, 32, 8), kbs), padded((1, 2, 32, 8), kbs)
    gate = padded((1, 4, 32, 8), qbs) if with_gate else None
    out = attn_mlir.api.vsa_tiled(q, k, v, torch.from_numpy(kbs), torch.from_numpy(qbs), 2, p,
                                  gate)
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    leaves = leaves64(q, k, v, gate)
    (vsa_tiled_torch(*leaves[:3], leaves[3], qbs, kbs, p, 2) * dout.double()).sum().backward()
    got = (q.grad, k.grad, v.grad) + ((gate.grad,) if with_gate else ())
    want = tuple(x.grad for x in leaves if x is not None)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(g.double(), w, rtol=1e-5, atol=1e-5)


def test_sta_tiled_backward_through_autograd():
    # Tile-major image tokens (2x2x2 tiles of 2x2x2), 9 text tokens of which
    # 5 are valid, per-head windows.
    import attn_ref
    windows = [1, 1, 1, 2, 1, 2]
    q, k, v = (torch.randn(1, 2, 64 + 9, 8, requires_grad=True) for _ in range(3))
    out = attn_mlir.api.sta_tiled(q, k, v, windows, 5, (2, 2, 2), (2, 2, 2))
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    mask = torch.from_numpy(attn_ref.sliding_tile_mask((2, 2, 2), (2, 2, 2), 73,
                                                       windows=windows, text_length=5,
                                                       heads=2))
    qd, kd, vd = leaves64(q, k, v)
    s = (qd @ kd.transpose(-1, -2)) * 8 ** -0.5
    ref = torch.softmax(s.masked_fill(~mask.unsqueeze(0), float("-inf")), -1) @ vd
    (ref * dout.double()).sum().backward()
    for g, w in zip((q.grad, k.grad, v.grad), (qd.grad, kd.grad, vd.grad)):
        torch.testing.assert_close(g.double(), w, rtol=1e-5, atol=1e-5)


def test_lse_merge_of_key_halves_equals_attention_over_all_keys():
    # NumPy f32 and CPU bf16 tensors: api.sdpa_with_lse over two halves of
    # the keys, merged by api.lse_merge, equals sdpa over all of them.
    rng = np.random.default_rng(3)
    q = rng.standard_normal((1, 4, 6, 8)).astype(np.float32)
    k, v = (rng.standard_normal((1, 2, 10, 8)).astype(np.float32) for _ in range(2))
    parts = [api.sdpa_with_lse(q, k[:, :, :4], v[:, :, :4]),
             api.sdpa_with_lse(q, k[:, :, 4:], v[:, :, 4:])]
    out, lse = api.lse_merge([p[0] for p in parts], [p[1] for p in parts])
    want, want_lse = api.sdpa_with_lse(q, k, v)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and lse.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(lse, want_lse, rtol=1e-5, atol=1e-5)
    tq, tk, tv = (torch.from_numpy(x).to(torch.bfloat16) for x in (q, k, v))
    tparts = [api.sdpa_with_lse(tq, tk[:, :, :4], tv[:, :, :4]),
              api.sdpa_with_lse(tq, tk[:, :, 4:], tv[:, :, 4:])]
    tout, tlse = api.lse_merge([p[0] for p in tparts], [p[1] for p in tparts])
    assert tout.dtype == torch.bfloat16 and tlse.dtype == torch.float32
    twant, twant_lse = api.sdpa_with_lse(tq, tk, tv)  # the same bf16 inputs
    torch.testing.assert_close(tout.float(), twant.float(), rtol=2e-2, atol=2e-2)
    torch.testing.assert_close(tlse, twant_lse, rtol=1e-5, atol=1e-5)


def test_lse_merge_bad_input():
    o = np.zeros((1, 2, 3, 4), np.float32)
    l = np.zeros((1, 2, 3), np.float32)
    with pytest.raises(ValueError, match="n >= 2"):
        api.lse_merge([o], [l])
    with pytest.raises(ValueError, match="as many lses"):
        api.lse_merge([o, o], [l])
    with pytest.raises(ValueError, match=r"lses\[1\] shape \[1, 2, 4\]"):
        api.lse_merge([o, o], [l, np.zeros((1, 2, 4), np.float32)])
    with pytest.raises(ValueError, match=r"outs\[1\] shape"):
        api.lse_merge([o, np.zeros((1, 2, 3, 5), np.float32)], [l, l])
    with pytest.raises(TypeError, match="float32"):
        api.lse_merge([o, o], [l, l.astype(np.float16)])
