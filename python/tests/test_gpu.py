"""The GPU path. Without a GPU: compiling artifacts (attn-compile needs no
GPU), their disk cache, loading them with libattnrt.so through ctypes, input
validation against the artifact's signature, and clean failures. With CUDA
and torch (tests marked `gpu`, skipped otherwise): results against torch,
with every output the package allocates poisoned (NaN) first, checked by
test/reference/errcheck.py (whole-output and worst-row relative error; bf16
and f16 below 1e-2)."""
import math
import os

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import compiler, ir, runtime

import attn_ref as ref
import errcheck


def _cuda():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def gpu(test):
    """Marked `gpu` (select with -m gpu), skipped without torch and CUDA;
    the outputs the package allocates are poisoned (poison_outputs)."""
    test = pytest.mark.usefixtures("poison_outputs")(test)
    return pytest.mark.gpu(pytest.mark.skipif(not _cuda(), reason="needs torch with a CUDA GPU")(test))


def _poison(monkeypatch):
    """Outputs allocated by attn_mlir (runtime.launch's torch.empty) start
    as NaN, so an element the GPU path does not write fails the check (the
    poison_outputs fixture, conftest.py)."""
    import torch
    from attn_mlir import runtime

    class Poisoning:
        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def empty(*args, **kwargs):
            t = torch.empty(*args, **kwargs)
            return t.fill_(float("nan")) if t.is_floating_point() else t.fill_(-1)

    monkeypatch.setattr(runtime, "_torch", lambda: Poisoning())


def _check(out, want, tol=errcheck.TOL["bf16"]):
    ok, msg = errcheck.check(out, want, tol)
    assert ok, msg

SDPA = ir.sdpa_module((1, 2, 128, 64), (1, 2, 128, 64), "bf16")
# The module am.sdpa builds for CUDA tensors (and TensorSpecs) with 2 heads,
# D 64: one artifact for every batch and length.
SDPA_ANY_LENGTH = ir.sdpa_module((None, 2, None, 64), (None, 2, None, 64), "bf16")


# --------------------------------------------------------------------------
# No GPU needed
# --------------------------------------------------------------------------

def test_artifact_compile_and_disk_cache(own_cache):
    d = compiler.artifact_dir(SDPA, "sm_90a")
    assert os.path.dirname(d) == str(own_cache)
    assert {"plan.txt", "kernels.ptx", "module.mlir"} <= set(os.listdir(d))
    assert compiler.artifact_dir(SDPA, "sm_90a") == d
    assert am.stats()["gpu_compiles"] == 1 and am.stats()["memory_hits"] == 1
    compiler.clear_memory_cache()
    assert compiler.artifact_dir(SDPA, "sm_90a") == d
    assert am.stats()["gpu_compiles"] == 1 and am.stats()["disk_hits"] == 1
    d80 = compiler.artifact_dir(SDPA, "sm_80")
    assert d80 != d and "chip sm_80" in open(os.path.join(d80, "plan.txt")).read()


def test_artifact_signature_through_ctypes(own_cache):
    art = runtime.Artifact(compiler.artifact_dir(SDPA, "sm_90a"))
    assert art.args == [("bf16", (1, 2, 128, 64))] * 3
    assert art.results == [("bf16", (1, 2, 128, 64))]


def test_gpu_compile_failure_is_a_clear_exception(own_cache):
    with pytest.raises(am.CompileError, match=r"(?s)compiling for the GPU \(sm_90a\) failed:\n"
                                              r".*head dim 512 > 256"):
        compiler.artifact_dir(ir.sdpa_module((1, 1, 64, 512), (1, 1, 64, 512), "f32"), "sm_90a")
    assert os.listdir(own_cache) == []  # nothing half-written left behind
    with pytest.raises(am.CompileError, match="chip must be one of sm_80, sm_90, sm_90a; got 'sm_70'"):
        compiler.artifact_dir(SDPA, "sm_70")


def test_chip_list_is_the_compilers():
    assert compiler.native().gpu_chips() == ["sm_80", "sm_90", "sm_90a"]
    with pytest.raises(ValueError, match="chip must be one of sm_80, sm_90, sm_90a; got 'sm_70'"):
        with am.precompile_for("sm_70"):
            pass
    with am.precompile_for("sm_90") as chip:
        assert chip == "sm_90"


class FakeCuda:
    """A CUDA array by __cuda_array_interface__ (never dereferenced here)."""

    def __init__(self, shape, typestr="<f2", strides=None, ptr=0x1000, dev=0):
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "data": (ptr, False),
                                         "strides": strides, "version": 3}

        class D:
            id = dev
        self.device = D()


def test_input_validation_against_the_artifact(own_cache):
    art = runtime.Artifact(compiler.artifact_dir(
        ir.sdpa_module((1, 2, 128, 64), (1, 2, 128, 64), "f16"), "sm_90a"))
    names = ["q", "k", "v"]
    ok = [FakeCuda((1, 2, 128, 64)) for _ in range(3)]

    def check(bufs):
        return runtime.check_inputs(art, [runtime.as_device_buffer(b, n)
                                          for b, n in zip(bufs, names)], names)

    assert check(ok) == 0
    with pytest.raises(TypeError, match="k: dtype f32 does not match the compiled function's f16"):
        check([ok[0], FakeCuda((1, 2, 128, 64), "<f4"), ok[2]])
    with pytest.raises(ValueError, match=r"v: shape \[1, 2, 64, 64\] does not match"):
        check([ok[0], ok[1], FakeCuda((1, 2, 64, 64))])
    with pytest.raises(ValueError, match="q must be contiguous"):
        check([FakeCuda((1, 2, 128, 64), strides=(2, 128 * 64 * 2, 128, 2 * 1024))] + ok[1:])
    assert check([FakeCuda((1, 2, 128, 64), strides=(2 * 128 * 64 * 2, 128 * 64 * 2, 128, 2))]
                 + ok[1:]) == 0
    with pytest.raises(ValueError, match="k is on cuda:1, other inputs on cuda:0"):
        check([ok[0], FakeCuda((1, 2, 128, 64), dev=1), ok[2]])
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        check(ok[:2])
    with pytest.raises(TypeError, match="expected a torch tensor or an object"):
        runtime.as_device_buffer(object(), "q")


def test_run_without_a_driver_fails_cleanly(own_cache):
    if _cuda():
        pytest.skip("a GPU is present")
    art = runtime.Artifact(compiler.artifact_dir(SDPA, "sm_90a"))
    with pytest.raises(am.RuntimeLibraryError, match="attnrt_run.*failed"):
        art.run(0, [0, 0, 0], [0])


def test_missing_runtime_library(monkeypatch):
    monkeypatch.setattr(runtime, "_libs", {})
    monkeypatch.setenv("ATTN_MLIR_ATTNRT", "/nonexistent/libattnrt.so")
    with pytest.raises(am.RuntimeLibraryError, match="cannot load the GPU runtime"):
        runtime.library()
    monkeypatch.setattr(runtime, "_libs", {})


# --------------------------------------------------------------------------
# On a GPU (torch references)
# --------------------------------------------------------------------------

def _torch_attention(q, k, v, mask=None):
    import torch
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, 1).float(), v.repeat_interleave(group, 1).float()
    s = q.float() @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return torch.nan_to_num(torch.softmax(s, -1)) @ v




@gpu
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_gpu_sdpa_against_torch(dtype):
    import torch
    dt = getattr(torch, dtype)
    q = torch.randn(1, 4, 256, 64, device="cuda", dtype=dt)
    k, v = (torch.randn(1, 2, 256, 64, device="cuda", dtype=dt) for _ in range(2))
    out = am.sdpa(q, k, v)
    assert out.device == q.device and out.dtype == dt and out.shape == q.shape
    _check(out, _torch_attention(q, k, v))


@gpu
def test_gpu_one_sdpa_artifact_serves_other_lengths():
    # Run-time sizes on CUDA: the artifact of the (1, 4, 256) x (1, 2, 256)
    # call above (precompiled for it) runs a batch of 2 with ragged lengths.
    import torch
    compiler.reset_stats()
    for B, Sq, Skv in ((1, 256, 256), (2, 333, 517), (3, 65, 1000)):
        q = torch.randn(B, 4, Sq, 64, device="cuda", dtype=torch.bfloat16)
        k, v = (torch.randn(B, 2, Skv, 64, device="cuda", dtype=torch.bfloat16)
                for _ in range(2))
        out = am.sdpa(q, k, v)
        assert out.shape == q.shape
        _check(out, _torch_attention(q, k, v))
    s = am.stats()
    assert s["gpu_compiles"] + s["disk_hits"] <= 1, s  # one artifact for the three


@gpu
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_gpu_sdpa_with_lse_against_torch_logsumexp(dtype):
    # Ragged lengths (partial last blocks) and GQA; the lse variant of the
    # kernel the planner picks (wgmma on sm_90a, mma.sync on sm_80).
    import torch
    dt = getattr(torch, dtype)
    q = torch.randn(1, 4, 200, 64, device="cuda", dtype=dt)
    k, v = (torch.randn(1, 2, 300, 64, device="cuda", dtype=dt) for _ in range(2))
    out, lse = am.api.sdpa_with_lse(q, k, v)
    assert out.dtype == dt and lse.dtype == torch.float32 and lse.shape == (1, 4, 200)
    _check(out, _torch_attention(q, k, v))
    s = q.float() @ k.float().repeat_interleave(2, 1).transpose(-1, -2) / 8.0
    _check(lse, torch.logsumexp(s, -1), 1e-4)


@gpu
def test_gpu_lse_merge_of_key_halves():
    # attn.lse_merge on CUDA tensors (two linalg kernels): sdpa_with_lse over
    # two halves of the keys, merged, against attention over all of them.
    import torch
    q = torch.randn(1, 4, 200, 64, device="cuda", dtype=torch.bfloat16)
    k, v = (torch.randn(1, 2, 320, 64, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    parts = [am.api.sdpa_with_lse(q, k[:, :, :128].contiguous(), v[:, :, :128].contiguous()),
             am.api.sdpa_with_lse(q, k[:, :, 128:].contiguous(), v[:, :, 128:].contiguous())]
    out, lse = am.api.lse_merge([p[0] for p in parts], [p[1] for p in parts])
    assert out.dtype == torch.bfloat16 and lse.dtype == torch.float32 and out.is_cuda
    _check(out, _torch_attention(q, k, v))
    s = q.float() @ k.float().repeat_interleave(2, 1).transpose(-1, -2) / 8.0
    _check(lse, torch.logsumexp(s, -1), 1e-4)


@gpu
def test_gpu_runs_on_the_current_stream():
    import torch
    q, k, v = (torch.randn(1, 2, 128, 64, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        out = am.sdpa(q, k, v)
    s.synchronize()
    _check(out, _torch_attention(q, k, v))


@gpu
def test_gpu_rejects_non_contiguous():
    import torch
    q = torch.randn(1, 128, 2, 64, device="cuda", dtype=torch.bfloat16).transpose(1, 2)
    with pytest.raises(ValueError, match="q must be contiguous"):
        am.sdpa(q, q.contiguous(), q.contiguous())


def _planted_vsa_inputs(grid, tile, topk, H=2, D=64, seed=0):
    """Raster q, k, v, gate (float32 NumPy) with a planted block structure:
    per head, 4 orthogonal +-1 directions (Hadamard rows), each with topk
    random "hot" kv tiles; every query tile leans towards one direction. The
    coarse scores of hot tiles are ~sqrt(D)/4 above the others, so the top-k
    selection does not depend on how the means are rounded (on plain
    Gaussian inputs a selection flip changes whole rows, which the
    worst-row check rightly fails)."""
    rng = np.random.default_rng(seed)
    hadamard = np.array([[1.0]])
    while hadamard.shape[0] < D:
        hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
    n_tiles = int(np.prod([-(-g // t) for g, t in zip(grid, tile)]))  # partial tiles too
    per = int(np.prod(tile))
    qt, kt = (rng.standard_normal((1, H, n_tiles * per, D)) for _ in range(2))
    for h in range(H):
        dirs = hadamard[rng.permutation(D)[:4]]
        hot = np.zeros((4, n_tiles))
        for d in range(4):
            hot[d, rng.permutation(n_tiles)[:topk]] = 1
        lean = dirs[rng.integers(0, 4, n_tiles)]            # [N, D]
        kdir = hot.T @ dirs                                  # [N, D]
        qt[0, h] += 0.5 * np.repeat(lean, per, 0)
        kt[0, h] += 0.5 * np.repeat(kdir, per, 0)
    untile = lambda x: ref.untile(x, grid, tile).astype(np.float32)  # noqa: E731
    tokens = int(np.prod(grid))
    v, g = (rng.standard_normal((1, H, tokens, D)).astype(np.float32) for _ in range(2))
    return untile(qt), untile(kt), v, g


def test_planted_vsa_inputs_and_poisoning_without_a_gpu(monkeypatch):
    """The GPU tests' helpers on the CPU: the planted VSA inputs give the
    same selection with bf16 and float32 block means (the reference within
    1e-2, worst row included), and poison_outputs makes runtime's
    allocations NaN."""
    grid, tile = (4, 8, 8), (4, 4, 4)
    topk = am.vsa_topk(grid, 0.5)
    _, _, _, vbs = ref.tile_indices(grid, tile)
    for seed in range(3):
        q, k, v, g = (ref.tile(x, grid, tile)
                      for x in _planted_vsa_inputs(grid, tile, topk, seed=seed))
        a, b = (ref.vsa(q, k, v, 64, topk, gate=g, q_block_sizes=vbs, kv_block_sizes=vbs,
                        round_means=r) for r in ("bf16", None))
        _check(a, b)
    torch = pytest.importorskip("torch")
    _poison(monkeypatch)
    t = runtime._torch().empty((2, 3), dtype=torch.float32, device="cpu")
    assert torch.isnan(t).all() and runtime._torch().bfloat16 is torch.bfloat16


@gpu
def test_gpu_vsa_against_reference():
    import torch
    grid, tile = (4, 8, 8), (4, 4, 4)
    topk = am.vsa_topk(grid, 0.5)
    bf = lambda x: torch.from_numpy(x).to("cuda", torch.bfloat16)  # noqa: E731
    q, k, v, g = (bf(x) for x in _planted_vsa_inputs(grid, tile, topk))
    out = am.video_sparse_attn(q, k, v, grid, 0.5, g)
    n = lambda x: x.float().cpu().numpy()  # noqa: E731
    t = lambda x: ref.tile(n(x), grid, tile)  # noqa: E731
    _, _, _, vbs = ref.tile_indices(grid, tile)
    exp = ref.untile(ref.vsa(t(q), t(k), t(v), 64, topk, gate=t(g), q_block_sizes=vbs,
                             kv_block_sizes=vbs, round_means="bf16"), grid, tile)
    _check(n(out), exp)


@gpu
def test_gpu_one_vsa_artifact_serves_other_grids():
    # The shape-polymorphic VSA module on CUDA: grids with partial tiles and
    # another batch and sparsity run from one artifact.
    import torch
    compiler.reset_stats()
    bf = lambda x: torch.from_numpy(x).to("cuda", torch.bfloat16)  # noqa: E731
    n = lambda x: x.float().cpu().numpy()  # noqa: E731
    for grid, sparsity, seed in (((4, 8, 8), 0.5, 0), ((3, 10, 13), 0.75, 1), ((5, 6, 9), 0.5, 2)):
        tile = (4, 4, 4)
        topk = am.vsa_topk(grid, sparsity)
        q, k, v, g = (bf(x) for x in _planted_vsa_inputs(grid, tile, topk, seed=seed))
        out = am.video_sparse_attn(q, k, v, grid, sparsity, g)
        t = lambda x: ref.tile(n(x), grid, tile)  # noqa: E731
        _, _, _, vbs = ref.tile_indices(grid, tile)
        exp = ref.untile(ref.vsa(t(q), t(k), t(v), 64, topk, gate=t(g), q_block_sizes=vbs,
                                 kv_block_sizes=vbs, round_means="bf16"), grid, tile)
        _check(n(out), exp)
    s = am.stats()
    assert s["gpu_compiles"] + s["disk_hits"] <= 1, s  # one artifact for the three


@gpu
def test_gpu_one_sta_artifact_serves_other_text_lengths():
    # The STA module with a run-time text length on CUDA: three prompt
    # lengths (none valid, a ragged tail, all) from one artifact.
    import torch
    compiler.reset_stats()
    grid, tile = (6, 8, 16), (6, 8, 8)
    s_img, s = 6 * 8 * 16, 6 * 8 * 16 + 128
    tpi, _, comb, _ = ref.tile_indices(grid, tile)
    order = np.concatenate([comb, np.arange(s_img, s)])
    for n in (0, 37, 128):
        q, k, v = (torch.randn(1, 2, s, 64, device="cuda", dtype=torch.bfloat16)
                   for _ in range(3))
        out = am.sliding_tile_attn(q, k, v, [1, 1, 1], n, grid, tile=tile)
        m = ref.sliding_tile_mask((1, 1, 2), tile, s, window=[1, 1, 1], text_length=n)[0]
        mask = torch.from_numpy(m[np.ix_(order, order)]).cuda()
        _check(out, _torch_attention(q, k, v, mask))
    st = am.stats()
    assert st["gpu_compiles"] + st["disk_hits"] <= 1, st


@gpu
def test_gpu_sta_against_torch():
    import torch
    grid, tile = (6, 8, 16), (6, 8, 8)  # tile grid 1x1x2, 128 text tokens, 100 valid
    s_img, s = 6 * 8 * 16, 6 * 8 * 16 + 128
    q, k, v = (torch.randn(1, 2, s, 64, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [1, 1, 1], 100, grid, tile=tile)
    # Reference: the token-level mask, in tile order, mapped back to raster order.
    tpi, _, comb, _ = ref.tile_indices(grid, tile)
    m = ref.sliding_tile_mask((1, 1, 2), tile, s, window=[1, 1, 1], text_length=100)[0]
    order = np.concatenate([comb, np.arange(s_img, s)])
    mask = torch.from_numpy(m[np.ix_(order, order)]).cuda()
    _check(out, _torch_attention(q, k, v, mask))


def _torch_grads(q, k, v, dout, mask=None):
    """(dq, dk, dv) of _torch_attention in float32 by torch autograd."""
    import torch
    leaves = [x.detach().float().requires_grad_() for x in (q, k, v)]
    return torch.autograd.grad(_torch_attention(*leaves, mask), leaves, dout.float())


@gpu
def test_gpu_autograd_sdpa_against_torch():
    # loss.backward() through attn_mlir.sdpa on CUDA: the mma.sync backward
    # kernels (bf16, head dim 64, 256 = 4 blocks of 64; docs/Training.md;
    # GQA: dk/dv summed over the group's query heads).
    import torch
    q = torch.randn(1, 4, 256, 64, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k, v = (torch.randn(1, 2, 256, 64, device="cuda", dtype=torch.bfloat16,
                        requires_grad=True) for _ in range(2))
    out = am.sdpa(q, k, v)
    dout = torch.randn_like(out)
    out.backward(dout)
    for got, want in zip((q.grad, k.grad, v.grad), _torch_grads(q, k, v, dout)):
        assert got.dtype == torch.bfloat16 and got.is_cuda
        _check(got, want)


@gpu
def test_gpu_autograd_sta_against_torch():
    import torch
    grid, tile = (6, 8, 16), (6, 8, 8)
    s_img, s = 6 * 8 * 16, 6 * 8 * 16 + 128
    q, k, v = (torch.randn(1, 2, s, 64, device="cuda", dtype=torch.bfloat16,
                           requires_grad=True) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [1, 1, 1], 100, grid, tile=tile)
    dout = torch.randn_like(out)
    out.backward(dout)
    tpi, _, comb, _ = ref.tile_indices(grid, tile)
    m = ref.sliding_tile_mask((1, 1, 2), tile, s, window=[1, 1, 1], text_length=100)[0]
    order = np.concatenate([comb, np.arange(s_img, s)])
    mask = torch.from_numpy(m[np.ix_(order, order)]).cuda()
    for got, want in zip((q.grad, k.grad, v.grad), _torch_grads(q, k, v, dout, mask)):
        _check(got, want)


@gpu
def test_gpu_autograd_vsa_against_torch():
    # The planted inputs fix the top-k selection (bf16 or f64 block means
    # pick the same blocks), so the CUDA gradients (dq, dk, dv, dgate) must
    # match torch float64 autograd of VSA on the same values (the GPU
    # machine has no compiler for the CPU path).
    import torch
    from torch_vsa_ref import vsa_reference_grads
    grid, tile = (4, 8, 8), (4, 4, 4)
    topk = am.vsa_topk(grid, 0.5)
    xs = [torch.from_numpy(x).to("cuda", torch.bfloat16).requires_grad_()
          for x in _planted_vsa_inputs(grid, tile, topk)]
    out = am.video_sparse_attn(*xs[:3], grid, 0.5, xs[3])
    dout = torch.randn_like(out)
    out.backward(dout)
    cpu = [x.detach().float().cpu() for x in xs]
    want = vsa_reference_grads(*cpu[:3], dout.float().cpu(), grid, tile, topk, cpu[3])
    for got, w in zip((x.grad for x in xs), want):
        _check(got, w)


# --------------------------------------------------------------------------
# Compile here, run there: the GPU machine has no LLVM/MLIR
# --------------------------------------------------------------------------

def test_compiler_version_file_matches_the_module():
    import hashlib
    assert os.path.isfile(compiler.VERSION_FILE)
    with open(compiler.native().__file__, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:20]
    assert am.compiler_version() == "attn-mlir-native-" + digest


def test_precompile_then_find_without_the_compiler(own_cache, monkeypatch):
    spec = [am.TensorSpec((1, 2, 128, 64), "bfloat16") for _ in range(3)]
    with pytest.raises(ValueError, match="inside attn_mlir.precompile_for"):
        am.sdpa(*spec)
    with am.precompile_for("sm_90a"):
        d = am.sdpa(*spec)
    assert os.path.isfile(os.path.join(d, "plan.txt")) and am.stats()["gpu_compiles"] == 1
    assert "attn.sdpa" in open(os.path.join(d, "module.mlir")).read()
    # The GPU machine: no native module, a fresh process (empty memory cache).
    compiler.clear_memory_cache()

    def no_compiler():
        raise am.NativeModuleError("no libMLIR here")
    monkeypatch.setattr(compiler, "native", no_compiler)
    assert not am.have_compiler()
    # What a bf16 CUDA call builds: batch and lengths are run-time sizes.
    assert compiler.artifact_dir(SDPA_ANY_LENGTH, "sm_90a") == d
    assert am.stats()["disk_hits"] == 1
    with pytest.raises(am.CompileError, match="no cached GPU artifact .* no compiler here"):
        compiler.artifact_dir(SDPA_ANY_LENGTH, "sm_80")
    with pytest.raises(ValueError, match="TensorSpec dtype"):
        am.TensorSpec((1,), "int8")


def test_one_precompiled_sdpa_serves_every_batch_and_length(own_cache):
    # The cache key is the shape-polymorphic module: precompiling two shapes
    # compiles once; the artifact's sizes are run-time ones and its results'
    # shapes follow the inputs'.
    with am.precompile_for("sm_90a"):
        d1 = am.sdpa(am.TensorSpec((1, 8, 300, 128)), *[am.TensorSpec((1, 2, 700, 128))] * 2)
        d2 = am.sdpa(am.TensorSpec((2, 8, 77, 128)), *[am.TensorSpec((2, 2, 5000, 128))] * 2)
    assert d1 == d2
    assert am.stats()["gpu_compiles"] == 1 and am.stats()["memory_hits"] == 1
    art = runtime.Artifact(d1)
    assert art.dynamic and art.args[0] == ("bf16", (-1, 8, -1, 128))
    assert art.result_shape(0, [(2, 8, 77, 128), (2, 2, 5000, 128), (2, 2, 5000, 128)]) == \
        (2, 8, 77, 128)
    with pytest.raises(runtime.RuntimeLibraryError,
                       match=r"batch of 'k' must match 'q' \(a1_0 is 3, a0_0 is 2"):
        art.result_shape(0, [(2, 8, 77, 128), (3, 2, 50, 128), (3, 2, 50, 128)])
    art.free()
    # ATTN_MLIR_STATIC_SHAPES=1: the static module, one per shape.
    os.environ["ATTN_MLIR_STATIC_SHAPES"] = "1"
    try:
        with am.precompile_for("sm_90a"):
            d3 = am.sdpa(am.TensorSpec((1, 8, 300, 128)), *[am.TensorSpec((1, 2, 700, 128))] * 2)
    finally:
        del os.environ["ATTN_MLIR_STATIC_SHAPES"]
    assert d3 != d1 and not runtime.Artifact(d3).dynamic


def test_one_precompiled_vsa_serves_every_grid_and_sparsity(own_cache):
    # video_sparse_attn's GPU module takes the grid and topk as size
    # arguments: two grids (one with partial tiles) and two sparsities
    # compile once; the artifact checks the grid against the length.
    with am.precompile_for("sm_90a"):
        x1, x2 = am.TensorSpec((1, 12, 4 * 8 * 8, 128)), am.TensorSpec((2, 12, 360, 128))
        d1 = am.video_sparse_attn(x1, x1, x1, (4, 8, 8), 0.5, x1)
        d2 = am.video_sparse_attn(x2, x2, x2, "3x10x12", 0.9, x2)
    assert d1 == d2
    assert am.stats()["gpu_compiles"] == 1 and am.stats()["memory_hits"] == 1
    art = runtime.Artifact(d1)
    assert art.dynamic and [dt for dt, _ in art.args] == ["bf16"] * 4 + ["size"] * 4
    x = (2, 12, 360, 128)
    assert art.result_shape(0, [x] * 4 + [(3,), (10,), (12,), (4,)]) == x
    with pytest.raises(runtime.RuntimeLibraryError,
                       match=r"sequence length must equal the grid's T\*H\*W"):
        art.result_shape(0, [x] * 4 + [(3,), (10,), (11,), (4,)])
    art.free()
    plan = open(os.path.join(d1, "plan.txt")).read()
    assert "launch attn_tile_tables" in plan and "_rt4x4x4_" in plan
    # Above 1024 tiles per head (the run-time top-k's limit, asserted by
    # the plan) the per-grid module is compiled instead.
    assert "at most 1024 kv blocks with run-time sizes" in plan
    x3 = am.TensorSpec((1, 12, 16 * 64 * 68, 128))  # 4 * 16 * 17 = 1088 tiles
    with am.precompile_for("sm_90a"):
        d3 = am.video_sparse_attn(x3, x3, x3, (16, 64, 68), 0.9, x3)
    assert d3 != d1 and not runtime.Artifact(d3).dynamic


def test_one_precompiled_sta_serves_every_text_length(own_cache):
    # sliding_tile_attn's GPU module takes the valid text length as a size
    # argument: two prompt lengths compile once, the raster-tile kernel takes
    # the length as its parameter, a length above the text tokens is refused.
    x = am.TensorSpec((1, 2, 6 * 8 * 16 + 128, 64))
    with am.precompile_for("sm_90a"):
        d1 = am.sliding_tile_attn(x, x, x, [1, 1, 1], 100, (6, 8, 16), tile=(6, 8, 8))
        d2 = am.sliding_tile_attn(x, x, x, [1, 1, 1], 37, (6, 8, 16), tile=(6, 8, 8))
    assert d1 == d2 and am.stats()["gpu_compiles"] == 1
    art = runtime.Artifact(d1)
    assert [dt for dt, _ in art.args] == ["bf16"] * 3 + ["size"]
    shape = (1, 2, 896, 64)
    assert art.result_shape(0, [shape] * 3 + [(37,)]) == shape
    with pytest.raises(runtime.RuntimeLibraryError, match=r"text_length must be in \[0, S_text = 128\]"):
        art.result_shape(0, [shape] * 3 + [(129,)])
    art.free()
    # The kernel that masks the text keys takes the length as a parameter.
    assert " i32:a3" in open(os.path.join(d1, "plan.txt")).read()


def test_precompile_lse_merge_is_what_a_cuda_call_builds(own_cache):
    # The GPU machine finds lse_merge's artifact by the module a bf16 CUDA
    # call builds (f32 lses do not decide the element type).
    o, l = am.TensorSpec((1, 4, 200, 64)), am.TensorSpec((1, 4, 200), "f32")
    with am.precompile_for("sm_90a"):
        d = am.api.lse_merge([o, o], [l, l])
    assert "attn.lse_merge" in open(os.path.join(d, "module.mlir")).read()
    from attn_mlir import ir
    assert compiler.artifact_dir(ir.lse_merge_module((1, 4, 200, 64), 2, "bf16"),
                                 "sm_90a") == d
    with am.precompile_for("sm_90a"), pytest.raises(TypeError, match="lses must be float32"):
        am.api.lse_merge([o, o], [am.TensorSpec((1, 4, 200))] * 2)


# --------------------------------------------------------------------------
# The whole GPU dispatch without a GPU: a stand-in for torch.cuda, a real
# artifact and a recorded launch
# --------------------------------------------------------------------------

class FakeTorch:
    bfloat16, float16, float32, int32, int64, bool = "bf16", "f16", "f32", "i32", "i64", "i1"

    def __init__(self):
        self.allocated = []
        fake = self

        class Cuda:
            @staticmethod
            def get_device_capability(dev):
                return (9, 0)

            @staticmethod
            def device(dev):
                import contextlib
                fake.device_entered = dev
                return contextlib.nullcontext()

            @staticmethod
            def current_stream(dev):
                class S:
                    cuda_stream = 0xABC0 + dev
                return S()
        self.cuda = Cuda()

    def empty(self, shape, dtype, device):
        t = FakeCuda(tuple(shape), {"bf16": "<V2"}.get(dtype, "<f2"), ptr=0x9000 + len(self.allocated))
        t.alloc = (tuple(shape), dtype, device)
        t.data_ptr = lambda: t.__cuda_array_interface__["data"][0]
        self.allocated.append(t)
        return t


def test_gpu_dispatch_end_to_end_with_a_recorded_launch(own_cache, monkeypatch):
    fake = FakeTorch()
    monkeypatch.setattr(runtime, "_torch", lambda: fake)
    launches = []
    monkeypatch.setattr(runtime.Artifact, "run",
                        lambda self, stream, args, results, arg_shapes=None: launches.append(
                            (self.path, stream, list(args), list(results), arg_shapes)))
    q, k, v = (FakeCuda((1, 2, 128, 64), ptr=0x100 * (i + 1), dev=1) for i in range(3))
    out = am.sdpa(q, k, v)
    assert out.alloc == ((1, 2, 128, 64), "f16", "cuda:1") and fake.device_entered == 1
    ((path, stream, args, results, shapes),) = launches
    assert stream == 0xABC1 and args == [0x100, 0x200, 0x300] and results == [0x9000]
    # One artifact for every length: the run passes the inputs' shapes.
    assert shapes == [(1, 2, 128, 64)] * 3
    assert "chip sm_90a" in open(os.path.join(path, "plan.txt")).read()
    am.sdpa(q, k, v)  # compiled and loaded once
    assert am.stats()["gpu_compiles"] == 1 and len(launches) == 2
    q2 = FakeCuda((1, 2, 640, 64), ptr=0x400, dev=1)
    out = am.sdpa(q2, k, v)  # another length: the same artifact
    assert am.stats()["gpu_compiles"] == 1 and launches[-1][0] == path
    assert out.alloc == ((1, 2, 640, 64), "f16", "cuda:1")
    launches.pop()
    with pytest.raises(ValueError, match="q must be contiguous"):
        am.sdpa(FakeCuda((1, 2, 128, 64), strides=(2, 2, 2, 2)), k, v)
    # VSA: attn-compile takes whole VSA modules (a CompileError fails the test).
    out = am.video_sparse_attn(q, k, v, (2, 8, 8), 0.5)
    assert len(launches) == 3 and out.alloc == ((1, 2, 128, 64), "f16", "cuda:1")
    assert "chip sm_90a" in open(os.path.join(launches[2][0], "plan.txt")).read()


def test_precompile_with_torch_meta_tensors(own_cache):
    """torch 'meta' tensors (shapes only) inside precompile_for compile the
    GPU artifact and come back as meta tensors of the result's shape, so a
    whole torch program (examples/python/dit_loop.py --precompile) can run
    shape-only where the compiler is."""
    torch = pytest.importorskip("torch")
    q = torch.empty(1, 2, 256, 64, dtype=torch.bfloat16, device="meta")
    with am.precompile_for("sm_90a"):
        out = am.video_sparse_attn(q, q, q, (4, 8, 8), 0.5, q)
    assert out.is_meta and out.shape == q.shape and out.dtype == torch.bfloat16
    assert am.stats()["gpu_compiles"] == 1 and len(os.listdir(own_cache)) == 1
    # outside precompile_for, meta tensors are torch's shape-only tensors: the
    # operator's meta kernel gives the result's shape, nothing is compiled
    out = am.video_sparse_attn(q, q, q, (4, 8, 8), 0.5, q)
    assert out.is_meta and out.shape == q.shape and am.stats()["gpu_compiles"] == 1
