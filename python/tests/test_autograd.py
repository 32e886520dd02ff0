"""Gradients through the Python API (issue 16, first slice): attn_mlir.sdpa
under torch.autograd on CPU tensors (attn.sdpa_grad on the CPU path) and
api.sdpa_grad on NumPy arrays, against torch's own autograd in float64."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import attn_mlir  # noqa: E402
from attn_mlir import api  # noqa: E402

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


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_sdpa_grad_cuda_says_cpu_only():
    q = torch.zeros(1, 1, 4, 8, device="cuda", dtype=torch.bfloat16)
    with pytest.raises(attn_mlir.AttnError, match="no GPU kernels yet"):
        api.sdpa_grad(q, q, q, q)
