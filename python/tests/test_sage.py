"""SageAttention numerics (sage_attn): api.sage_sdpa against the independent
NumPy emulation (test/reference/sage_ref.py) on NumPy and torch bf16 inputs,
the backend, and errors."""
import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import api, backends as B

import attn_ref as ref
import sage_ref
from test_api import rand


def test_sage_sdpa_matches_the_emulation_and_is_quantized():
    q, k, v = rand(1, 4, 40, 32), rand(1, 2, 300, 32), rand(1, 2, 300, 32)
    out = api.sage_sdpa(q, k, v, scale=0.2)
    assert ref.rel_err(out, sage_ref.sage_sdpa(q, k, v, scale=0.2, elt="f32")) < 1e-5
    assert 5e-3 < ref.rel_err(out, ref.sdpa(q, k, v, scale=0.2)) < 1e-1


def test_sage_sdpa_torch_bf16_and_backend():
    torch = pytest.importorskip("torch")
    q, k, v = (torch.from_numpy(rand(1, 2, 64, 32)).to(torch.bfloat16) for _ in range(3))
    out = api.sage_sdpa(q, k, v)
    assert out.dtype == torch.bfloat16
    emu = sage_ref.sage_sdpa(*(x.float().numpy() for x in (q, k, v)), elt="bf16")
    assert ref.rel_err(out.float().numpy(), emu) < 1e-3
    be = am.get_attention_backend("sage_attn")
    assert isinstance(be, B.SageAttnBackend)
    assert torch.equal(be.forward(q, k, v, step=3, layer=1), out)


def test_sage_sdpa_errors():
    q = rand(1, 2, 16, 8)
    with pytest.raises(ValueError, match="k shape .* and v shape .* must match"):
        api.sage_sdpa(q, q, rand(1, 2, 17, 8))
    with pytest.raises(TypeError, match="takes no options"):
        am.get_attention_backend("sage_attn", None, tile=(1, 1, 1))
    with pytest.raises(ValueError, match="takes no gate"):
        am.get_attention_backend("sage_attn").forward(q, q, q, gate=q)


def test_sage_block_sparse_matches_the_walk_and_checks_tables():
    q, k, v = rand(1, 2, 128, 32), rand(1, 2, 256, 32), rand(1, 2, 256, 32)
    idx = np.array([[[[3, 0], [1, 2]], [[2, 3], [0, 1]]]], np.int32)
    cnt = np.array([[[2, 1], [1, 2]]], np.int32)
    out = api.sage_block_sparse(q, k, v, idx, cnt, 64, 64)
    emu = sage_ref.sage_block_sparse(q, k, v, idx, cnt, 64, 64, elt="f32")
    assert ref.rel_err(out, emu) < 1e-5
    assert 5e-3 < ref.rel_err(out, ref.block_sparse(q, k, v, idx, cnt, 64, 64)) < 1e-1
    with pytest.raises(am.AttnError, match="kv_indices"):
        api.sage_block_sparse(q, k, v, idx + 7, cnt, 64, 64)   # ids past Nkv = 4
    with pytest.raises(ValueError, match="block_q must be a positive integer dividing"):
        api.sage_block_sparse(q, k, v, idx, cnt, 48, 64)


def test_sage_python_checks_before_running():
    q, k, v = rand(1, 2, 128, 32), rand(1, 2, 256, 32), rand(1, 2, 256, 32)
    idx = np.zeros((1, 2, 2, 1), np.int64)
    cnt = np.ones((1, 2, 2), np.int64)
    with pytest.raises(ValueError, match="outside int32"):
        api.sage_block_sparse(q, k, v, idx + 2 ** 32, cnt, 64, 64)  # would wrap to 0
    with pytest.raises(TypeError, match="kv_indices must be an integer tensor or array"):
        api.sage_block_sparse(q, k, v, idx.astype(np.float32), cnt, 64, 64)
    for bad in (True, "0.1", float("nan"), -1.0):
        with pytest.raises(ValueError, match="scale must be a positive finite number"):
            api.sage_sdpa(q, k, v, scale=bad)
