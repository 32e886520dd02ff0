"""attn_mlir's entry points as torch operators (attn_mlir/torch_ops.py).

Without a GPU (any torch): registration under torch.ops.attn_mlir with the
documented schemas, meta tensors giving shapes and dtypes without compiling,
the argument checks on meta tensors, CPU kernels against the API, the out=
variants, and GPU-path dtype/device/layout errors raised before any compile.
With CUDA (marked `gpu`): torch.compile(fullgraph=True) through the
operators, CUDA-graph capture and replay on new inputs, out= allocating
nothing (python/tests/test_torch_ops.py in scripts/gpu-check.sh's Python stage).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import attn_mlir as am  # noqa: E402
from attn_mlir import api, compiler, fastvideo, runtime, torch_ops  # noqa: E402

from test_gpu import FakeCuda, gpu  # noqa: E402


def meta(*shape, dtype=torch.bfloat16):
    return torch.empty(*shape, dtype=dtype, device="meta")


# --------------------------------------------------------------------------
# Registration and schemas
# --------------------------------------------------------------------------

def test_every_entry_point_is_an_operator_with_an_out_twin():
    want = "custom_op" if hasattr(torch.library, "custom_op") else "Library"
    assert torch_ops.API == want
    for name in ("video_sparse_attn", "sliding_tile_attn", "vsa_tiled", "sta_tiled", "sdpa",
                 "tile", "untile"):
        for n in (name, name + "_out"):
            schema = str(getattr(torch.ops.attn_mlir, n).default._schema)
            assert schema.startswith(f"attn_mlir::{n}(Tensor q" if name not in ("tile", "untile")
                                     else f"attn_mlir::{n}(Tensor x"), schema
        out_schema = str(getattr(torch.ops.attn_mlir, name + "_out").default._schema)
        assert "Tensor(a!) out" in out_schema and out_schema.endswith("-> ()")
    s = str(torch.ops.attn_mlir.video_sparse_attn.default._schema)
    assert "Tensor? gate, int[] grid, float sparsity, int[] tile) -> Tensor" in s


# --------------------------------------------------------------------------
# Meta tensors: shapes without compiling
# --------------------------------------------------------------------------

def test_meta_shapes_without_compiling(own_cache):
    q, kv = meta(1, 4, 128, 64), meta(1, 2, 128, 64)
    out = am.video_sparse_attn(q, kv, kv, (2, 8, 8), 0.5, q)
    assert out.is_meta and out.shape == q.shape and out.dtype == torch.bfloat16
    assert am.tile(meta(1, 2, 120, 8), (2, 6, 10)).shape == (1, 2, 6 * 64, 8)
    assert am.untile(meta(1, 2, 384, 8), (2, 6, 10)).shape == (1, 2, 120, 8)
    s = meta(2, 2, 384 + 5, 32, dtype=torch.float16)
    assert am.sliding_tile_attn(s, s, s, [[1, 1, 1], [3, 3, 3]], 5, (6, 8, 8)).dtype == torch.float16
    assert am.sdpa(q, meta(1, 2, 7, 64), meta(1, 2, 7, 64)).shape == q.shape
    vbs = torch.empty(2, dtype=torch.int32, device="meta")
    assert fastvideo.video_sparse_attn(q, kv, kv, vbs, vbs, 1).shape == q.shape
    assert am.stats()["compiles"] == 0 and not own_cache.exists()


def test_meta_tensors_get_the_argument_checks():
    q = meta(1, 2, 128, 64)
    with pytest.raises(ValueError, match=r"grid \[2, 8, 9\] has 144 tokens but q has seq 128"):
        am.video_sparse_attn(q, q, q, (2, 8, 9), 0.5)
    with pytest.raises(ValueError, match="sparsity must be in"):
        am.video_sparse_attn(q, q, q, (2, 8, 8), 1.5)
    with pytest.raises(ValueError, match="q heads 2 must be a multiple of k/v heads 3"):
        am.sdpa(q, meta(1, 3, 128, 64), meta(1, 3, 128, 64))
    with pytest.raises(ValueError, match="per-head window_size has 3 windows but q has 2 heads"):
        am.sliding_tile_attn(q, q, q, [[1, 1, 1]] * 3, 0, (2, 8, 8), tile=(1, 8, 8))
    with pytest.raises(ValueError, match="out has shape"):
        torch_ops.video_sparse_attn(q, q, q, (2, 8, 8), 0.5, out=meta(1, 2, 64, 64))


# --------------------------------------------------------------------------
# CPU kernels and out=
# --------------------------------------------------------------------------

def test_cpu_operator_matches_the_numpy_path_and_out_writes_in_place():
    rng = np.random.default_rng()
    qn, kn, vn = (rng.standard_normal((1, 2, 128, 16)).astype(np.float32) for _ in range(3))
    want = am.video_sparse_attn(qn, kn, vn, (2, 8, 8), 0.5)
    q, k, v = (torch.from_numpy(x) for x in (qn, kn, vn))
    got = torch.ops.attn_mlir.video_sparse_attn(q, k, v, None, [2, 8, 8], 0.5, [4, 4, 4])
    np.testing.assert_array_equal(got.numpy(), want)
    out = torch.full_like(q, float("nan"))
    assert torch_ops.video_sparse_attn(q, k, v, "2x8x8", 0.5, out=out) is out
    np.testing.assert_array_equal(out.numpy(), want)
    assert torch.ops.attn_mlir.video_sparse_attn_out(q, k, v, None, [2, 8, 8], 0.5, [4, 4, 4],
                                                     out) is None
    with pytest.raises(ValueError, match="out has shape"):
        torch_ops.sdpa(q, k, v, out=torch.empty(1, 2, 128, 8))
    # the public function takes the operator for torch tensors
    np.testing.assert_array_equal(am.video_sparse_attn(q, k, v, (2, 8, 8), 0.5).numpy(), want)


# --------------------------------------------------------------------------
# GPU-path errors name the argument and what is supported, before compiling
# --------------------------------------------------------------------------

def test_gpu_dtype_device_layout_errors_before_compiling(own_cache):
    ok = [FakeCuda((1, 2, 128, 64)) for _ in range(3)]
    f32 = FakeCuda((1, 2, 128, 64), "<f4")
    with pytest.raises(TypeError, match="q: dtype float32 is not supported on the GPU path "
                                        r"\(CUDA tensors\); use bfloat16 or float16"):
        am.sdpa(f32, f32, f32)
    with pytest.raises(TypeError, match="inputs must have one dtype; got q: float16, k: float32"):
        am.sdpa(ok[0], f32, ok[2])
    with pytest.raises(ValueError, match="v must be contiguous"):
        am.sdpa(ok[0], ok[1], FakeCuda((1, 2, 128, 64), strides=(2, 2, 2, 2)))
    with pytest.raises(ValueError, match="k is on cuda:1, q on cuda:0"):
        am.video_sparse_attn(ok[0], FakeCuda((1, 2, 128, 64), dev=1), ok[2], (2, 8, 8), 0.5)
    with pytest.raises(TypeError, match="kv_block_sizes: dtype int64 is not supported on the GPU"):
        fastvideo.video_sparse_attn(*(FakeCuda((1, 2, 128, 64)) for _ in range(3)),
                                    FakeCuda((2,), "<i8"), FakeCuda((2,), "<i4"), 1)
    assert am.stats()["compiles"] == 0 and not own_cache.exists()


def test_compile_progress_is_logged(own_cache, caplog):
    caplog.set_level("INFO", logger="attn_mlir")
    x = np.zeros((1, 1, 120, 8), np.float32)
    am.tile(x, (2, 6, 10))
    msgs = [r.getMessage() for r in caplog.records if r.name == "attn_mlir"]
    assert any(m.startswith("compiling tile 1x1x120x8xf32 for cpu") for m in msgs), msgs
    assert any(m.startswith("compiled tile 1x1x120x8xf32 for cpu in ") and m.endswith(" s")
               for m in msgs), msgs
    caplog.clear()
    with am.precompile_for("sm_90a"):
        am.sdpa(*(am.TensorSpec((1, 2, 128, 64)) for _ in range(3)))
    msgs = [r.getMessage() for r in caplog.records if r.name == "attn_mlir"]
    assert any(m.startswith("compiled sdpa ?x2x?x64xbf16 for sm_90a in") for m in msgs), msgs
    assert any(m.startswith("precompile_for sm_90a: 1 module(s) compiled, 0 found") for m in msgs)


# --------------------------------------------------------------------------
# On a GPU (torch >= 2.4 for compile): compile fullgraph, CUDA graphs, out=
# --------------------------------------------------------------------------

def _cuda_inputs(shape=(1, 2, 128, 64), n=3, dtype=None):
    dtype = dtype or torch.bfloat16
    return [torch.randn(shape, device="cuda", dtype=dtype) for _ in range(n)]


@gpu
def test_gpu_torch_compile_fullgraph():
    if not hasattr(torch, "compile"):
        pytest.skip("torch.compile needs torch >= 2.0")
    q, k, v, g = _cuda_inputs(n=4)

    def layer(q, k, v, g):
        return am.video_sparse_attn(q * 1.0, k, v, (2, 8, 8), 0.5, g) + q

    def layer_op(q, k, v):
        return torch_ops.sliding_tile_attn(q, k, v, [1, 1, 1], 0, (2, 8, 8), tile=(1, 8, 8))

    want = layer(q, k, v, g)
    got = torch.compile(layer, fullgraph=True)(q, k, v, g)
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    want = layer_op(q, k, v)
    torch.testing.assert_close(torch.compile(layer_op, fullgraph=True)(q, k, v), want,
                               rtol=0, atol=0)


@gpu
def test_gpu_cuda_graph_capture_and_replay_on_new_inputs():
    q, k, v = _cuda_inputs()
    out = torch.empty_like(q)
    torch_ops.video_sparse_attn(q, k, v, (2, 8, 8), 0.5, out=out)  # warm-up: compile, load
    torch.cuda.synchronize()
    # torch's own first capture allocates (CUDAGeneratorState::register_graph:
    # the generator's seed and offset tensors for graphs, 2 x 512 bytes, held
    # while a graph is registered): capture nothing first and keep that graph
    # alive (this frame holds it), so that what is measured below is the
    # operator's capture alone.
    warm = torch.cuda.CUDAGraph()
    with torch.cuda.graph(warm):
        pass
    before = torch.cuda.memory_allocated()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        torch_ops.video_sparse_attn(q, k, v, (2, 8, 8), 0.5, out=out)
    assert torch.cuda.memory_allocated() == before  # out=: nothing allocated
    for _ in range(3):
        for x in (q, k, v):
            x.copy_(torch.randn_like(x))
        out.fill_(float("nan"))
        graph.replay()
        want = am.video_sparse_attn(q, k, v, (2, 8, 8), 0.5)
        torch.testing.assert_close(out, want, rtol=0, atol=0)


@gpu
def test_gpu_float32_cuda_is_an_unsupported_dtype():
    q = torch.randn(1, 2, 128, 64, device="cuda")
    with pytest.raises(TypeError, match="q: dtype float32 is not supported on the GPU path"):
        am.video_sparse_attn(q, q, q, (2, 8, 8), 0.5)


@gpu
def test_gpu_fastvideo_vsa_adapter_against_the_reference():
    import attn_ref as ref
    from test_gpu import _check
    vbs = torch.tensor([64, 20], dtype=torch.int32, device="cuda")
    q, k, v = _cuda_inputs()
    for x in (q, k, v):
        x[:, :, 64 + 20:] = 0
    got = fastvideo.video_sparse_attn(q, k, v, vbs, vbs, 2)  # topk = Nkv: every tile
    n = lambda x: x.float().cpu().numpy()  # noqa: E731
    want = ref.vsa(n(q), n(k), n(v), 64, 2, q_block_sizes=[64, 20], kv_block_sizes=[64, 20],
                   round_means="bf16")
    _check(n(got), want)
