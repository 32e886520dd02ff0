"""attn_mlir's high-level functions on the CPU path against the independent
NumPy reference (test/reference/attn_ref.py), on fresh random inputs; the
compile cache (memory and disk); bad inputs; torch CPU interop."""
import os
import subprocess
import sys

import numpy as np
import pytest

import attn_mlir as am
from attn_mlir import api, compiler, ir
from conftest import PYTHON_ROOT

import attn_ref as ref

RNG = np.random.default_rng()


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def vsa_reference(q, k, v, grid, sparsity, gate=None, tile=(4, 4, 4)):
    _, n, p = ref.tile_geometry(grid, tile)
    _, _, _, vbs = ref.tile_indices(grid, tile)
    topk = ref.topk_from_sparsity(sparsity, n)
    t = lambda x: ref.tile(x, grid, tile)  # noqa: E731
    o = ref.vsa(t(q), t(k), t(v), p, topk, gate=None if gate is None else t(gate),
                q_block_sizes=vbs, kv_block_sizes=vbs, round_means="f32", round_scores="f32")
    return ref.untile(o, grid, tile)


def sta_reference(q, k, v, grid, tile, window=None, windows=None, text_length=0):
    s_img = int(np.prod(grid))
    tile_grid = [grid[i] // tile[i] for i in range(3)]
    cat = lambda x: np.concatenate([ref.tile(x[:, :, :s_img], grid, tile),  # noqa: E731
                                    x[:, :, s_img:]], axis=2)
    o = ref.sliding_tile(cat(q), cat(k), cat(v), tile_grid, tile, window=window,
                         windows=windows, text_length=text_length)
    return np.concatenate([ref.untile(o[:, :, :s_img], grid, tile), o[:, :, s_img:]], axis=2)


def close(out, expected, tol=2e-5):
    err = ref.rel_err(out, expected)
    assert err <= tol, f"relative error {err}"


# --------------------------------------------------------------------------
# Import hygiene
# --------------------------------------------------------------------------

def test_import_does_not_import_torch_or_the_compiler():
    code = ("import sys; sys.path.insert(0, %r); import attn_mlir; "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "assert 'attn_mlir._native' not in sys.modules, 'native module loaded'; "
            "attn_mlir.verify('func.func @f() { return }'); "
            "assert 'torch' not in sys.modules, 'torch imported by the compiler'"
            % PYTHON_ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_native_module_is_in_the_package():
    n = compiler.native()
    assert os.path.dirname(n.__file__) == os.path.dirname(am.__file__)
    assert am.compiler_version().startswith("attn-mlir-native-")


# --------------------------------------------------------------------------
# verify / signature
# --------------------------------------------------------------------------

def test_verify_accepts_and_rejects_with_positions():
    text = ir.vsa_module((1, 2, 120, 32), (1, 2, 120, 32), "f32", (2, 6, 10), 3, True)
    am.verify(text)
    bad = text.replace("topk 3", "topk 0")
    with pytest.raises(am.IRError, match=r"<attn-ir>:\d+:\d+: error: .*topk"):
        am.verify(bad)
    with pytest.raises(am.IRError, match="expected"):
        am.verify("func.func @main(")
    assert isinstance(am.IRError("x"), ValueError)


def test_signature():
    text = ir.sdpa_module((1, 4, 64, 16), (1, 2, 32, 16), "bf16")
    args, results = am.signature(text)
    assert args == [("bf16", (1, 4, 64, 16)), ("bf16", (1, 2, 32, 16)),
                    ("bf16", (1, 2, 32, 16))]
    assert results == [("bf16", (1, 4, 64, 16))]
    with pytest.raises(am.IRError, match="nope"):
        am.signature(text, "nope")


# --------------------------------------------------------------------------
# tile / untile
# --------------------------------------------------------------------------

@pytest.mark.parametrize("grid,tile", [((2, 6, 10), (4, 4, 4)), ((1, 3, 5), (1, 2, 2)),
                                       ((3, 4, 8), (3, 4, 8))])
def test_tile_untile_match_reference(grid, tile):
    x = rand(2, 3, int(np.prod(grid)), 8)
    t = am.tile(x, grid, tile)
    np.testing.assert_array_equal(t, ref.tile(x, grid, tile))
    back = am.untile(t, grid, tile)
    np.testing.assert_array_equal(back, x)
    assert back.dtype == np.float32


def test_tile_float16_and_string_grid():
    x = rand(1, 2, 60, 4, dtype=np.float16)
    t = am.tile(x, "3x4x5", (2, 2, 2))
    assert t.dtype == np.float16
    np.testing.assert_array_equal(t, ref.tile(x, (3, 4, 5), (2, 2, 2)))


# --------------------------------------------------------------------------
# video_sparse_attn
# --------------------------------------------------------------------------

@pytest.mark.parametrize("grid,heads,kv_heads,sparsity,gated", [
    ((2, 6, 10), 2, 2, 0.5, True),     # examples/wan_vsa_small.mlir's shape, partial tiles
    ((4, 8, 8), 2, 1, 0.75, False),    # full tiles, GQA
    ((3, 5, 6), 1, 1, 0.0, True),      # all tiles partial, topk = N
    ((1, 4, 9), 2, 2, 1.0, False),     # sparsity 1 -> topk 1
])
def test_video_sparse_attn_matches_reference(grid, heads, kv_heads, sparsity, gated):
    s = int(np.prod(grid))
    q, k, v = rand(1, heads, s, 16), rand(1, kv_heads, s, 16), rand(1, kv_heads, s, 16)
    gate = rand(1, heads, s, 16) if gated else None
    out = am.video_sparse_attn(q, k, v, grid, sparsity, gate)
    assert out.shape == q.shape and out.dtype == np.float32
    close(out, vsa_reference(q, k, v, grid, sparsity, gate))


def test_vsa_topk_formula():
    # 1.3B Wan: 6x8x13 = 624 tiles, s=0.9 -> 63 (SPEC); tiny grids clamp to [1, N].
    assert am.vsa_topk((21, 30, 52), 0.9) == 63
    assert am.vsa_topk((21, 30, 52), 0.8) == 125
    assert am.vsa_topk((2, 6, 10), 0.5) == 3
    assert am.vsa_topk((2, 6, 10), 1.0) == 1
    assert am.vsa_topk((2, 6, 10), 0.0) == 6


def test_vsa_batch_two():
    grid = (2, 4, 8)
    q, k, v = (rand(2, 2, 64, 8) for _ in range(3))
    close(am.video_sparse_attn(q, k, v, grid, 0.5), vsa_reference(q, k, v, grid, 0.5))


# --------------------------------------------------------------------------
# sliding_tile_attn
# --------------------------------------------------------------------------

def test_sta_with_text_matches_reference():
    # examples/hunyuan_sta_small.mlir's shapes: 4x6x8 grid, 2x2x2 tiles, 16 text tokens, 12 valid.
    grid, tile = (4, 6, 8), (2, 2, 2)
    q, k, v = (rand(1, 2, 192 + 16, 16) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [3, 3, 3], 12, grid, tile=tile)
    close(out, sta_reference(q, k, v, grid, tile, window=[3, 3, 3], text_length=12))


def test_sta_image_only_and_tile_grid():
    tile = (2, 2, 2)
    q, k, v = (rand(1, 2, 4 * 4 * 6, 8) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [1, 3, 1], tile_grid=(2, 2, 3), tile=tile)
    close(out, sta_reference(q, k, v, (4, 4, 6), tile, window=[1, 3, 1]))


def test_sta_per_head_windows():
    grid, tile = (2, 4, 6), (1, 2, 2)
    wins = [[1, 1, 1], [3, 3, 3], [1, 2, 3]]
    q, k, v = (rand(1, 3, 48 + 4, 8) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, wins, 3, grid, tile=tile)
    close(out, sta_reference(q, k, v, grid, tile, windows=sum(wins, []), text_length=3))


def test_sta_equal_per_head_windows_collapse():
    assert api.normalize_windows([[1, 2, 3]] * 4, 4) == ((1, 2, 3), None)
    assert api.normalize_windows([1, 2, 3, 1, 2, 3], 2) == ((1, 2, 3), None)
    assert api.normalize_windows([[1, 2, 3], [3, 2, 1]], 2) == (None, [1, 2, 3, 3, 2, 1])


def test_sta_full_window_is_dense_over_valid_tokens():
    grid, tile = (2, 4, 4), (1, 2, 2)
    q, k, v = (rand(1, 2, 32 + 8, 8) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [2, 2, 2], 5, grid, tile=tile)
    keep = np.r_[0:32 + 5]
    close(out, ref.sdpa(q, k[:, :, keep], v[:, :, keep]))


# --------------------------------------------------------------------------
# sdpa
# --------------------------------------------------------------------------

def test_sdpa_matches_reference():
    q, k, v = rand(1, 4, 24, 8), rand(1, 2, 40, 8), rand(1, 2, 40, 8)
    close(am.sdpa(q, k, v), ref.sdpa(q, k, v))


# --------------------------------------------------------------------------
# The compile cache
# --------------------------------------------------------------------------

def test_second_call_does_not_recompile(own_cache):
    grid = (1, 4, 12)
    q, k, v = (rand(1, 1, 48, 8) for _ in range(3))
    a = am.video_sparse_attn(q, k, v, grid, 0.5)
    assert am.stats()["compiles"] == 1
    q2, k2, v2 = (rand(1, 1, 48, 8) for _ in range(3))
    b = am.video_sparse_attn(q2, k2, v2, grid, 0.5)  # fresh data, same shapes
    st = am.stats()
    assert st["compiles"] == 1 and st["memory_hits"] == 1
    close(b, vsa_reference(q2, k2, v2, grid, 0.5))
    assert not np.array_equal(a, b)
    am.video_sparse_attn(q, k, v, grid, 0.25)  # another topk: another module
    assert am.stats()["compiles"] == 2


def test_disk_cache_survives_a_fresh_memory_cache(own_cache):
    grid = (1, 4, 8)
    q, k, v = (rand(1, 1, 32, 8) for _ in range(3))
    first = am.video_sparse_attn(q, k, v, grid, 0.5)
    assert am.stats()["cpu_compiles"] == 1
    entries = [p for p in own_cache.iterdir() if p.is_dir()]
    assert len(entries) == 1
    assert sorted(p.name for p in entries[0].iterdir()) == ["lowered.mlir", "module.mlir"]
    assert "attn.vsa" in (entries[0] / "module.mlir").read_text()
    assert "llvm.func" in (entries[0] / "lowered.mlir").read_text()
    compiler.clear_memory_cache()
    again = am.video_sparse_attn(q, k, v, grid, 0.5)
    st = am.stats()
    assert st["cpu_compiles"] == 1 and st["disk_hits"] == 1
    np.testing.assert_array_equal(first, again)


def test_disk_cache_in_a_fresh_process(own_cache):
    code = ("import sys; sys.path.insert(0, %r); import numpy as np, attn_mlir as am; "
            "x = np.ones((1, 1, 8, 4), np.float32); am.tile(x, (2, 2, 2), (2, 2, 2)); "
            "print(am.stats()['compiles'], am.stats()['disk_hits'])" % PYTHON_ROOT)
    env = dict(os.environ, ATTN_MLIR_CACHE=str(own_cache))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env) for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["1", "0"], ["0", "1"]], \
        [r.stderr for r in runs]


def test_corrupt_disk_entry_is_recompiled(own_cache):
    x = rand(1, 1, 8, 4)
    am.tile(x, (2, 2, 2), (2, 2, 2))
    (entry,) = [p for p in own_cache.iterdir() if p.is_dir()]
    (entry / "lowered.mlir").write_text("garbage")
    compiler.clear_memory_cache()
    np.testing.assert_array_equal(am.tile(x, (2, 2, 2), (2, 2, 2)),
                                  ref.tile(x, (2, 2, 2), (2, 2, 2)))
    assert am.stats()["cpu_compiles"] == 2
    assert "llvm.func" in (entry / "lowered.mlir").read_text()


def test_cache_off(own_cache, monkeypatch):
    monkeypatch.setenv("ATTN_MLIR_CACHE", "off")
    am.tile(rand(1, 1, 8, 4), (2, 2, 2), (2, 2, 2))
    assert not own_cache.exists()


def test_key_depends_on_ir_and_target():
    a = compiler.cache_key("x", "cpu")
    assert a != compiler.cache_key("y", "cpu")
    assert a != compiler.cache_key("x", "sm_90a")
    assert len(a) == 64


# --------------------------------------------------------------------------
# Bad inputs: clear errors before anything compiles
# --------------------------------------------------------------------------

def test_bad_inputs(own_cache):
    q = rand(1, 2, 120, 8)
    with pytest.raises(ValueError, match="q must be rank-4"):
        am.video_sparse_attn(q[0], q, q, (2, 6, 10), 0.5)
    with pytest.raises(ValueError, match=r"k shape \[1, 2, 120, 8\] and v shape"):
        am.video_sparse_attn(q, q, rand(1, 2, 120, 4), (2, 6, 10), 0.5)
    with pytest.raises(ValueError, match="k head_dim 4 != q head_dim 8"):
        k = rand(1, 2, 120, 4)
        am.video_sparse_attn(q, k, k, (2, 6, 10), 0.5)
    with pytest.raises(ValueError, match="q heads 2 must be a multiple of k/v heads 3"):
        k = rand(1, 3, 120, 8)
        am.video_sparse_attn(q, k, k, (2, 6, 10), 0.5)
    with pytest.raises(ValueError, match=r"grid \[2, 6, 9\] has 108 tokens but q has seq 120"):
        am.video_sparse_attn(q, q, q, (2, 6, 9), 0.5)
    with pytest.raises(ValueError, match="sparsity must be in"):
        am.video_sparse_attn(q, q, q, (2, 6, 10), 1.5)
    with pytest.raises(ValueError, match="sparsity must be in"):
        am.video_sparse_attn(q, q, q, (2, 6, 10), -0.1)
    with pytest.raises(TypeError, match="sparsity must be a number"):
        am.video_sparse_attn(q, q, q, (2, 6, 10), "0.5")
    with pytest.raises(ValueError, match="grid must have 3 entries"):
        am.video_sparse_attn(q, q, q, (12, 10), 0.5)
    with pytest.raises(ValueError, match="'12x10' is not of the form"):
        am.video_sparse_attn(q, q, q, "12x10", 0.5)
    with pytest.raises(ValueError, match="gate shape"):
        am.video_sparse_attn(q, q, q, (2, 6, 10), 0.5, gate=rand(1, 1, 120, 8))
    with pytest.raises(TypeError, match="float64 is not supported"):
        x = q.astype(np.float64)
        am.video_sparse_attn(x, x, x, (2, 6, 10), 0.5)
    with pytest.raises(TypeError, match="one dtype"):
        am.video_sparse_attn(q, q, q.astype(np.float16), (2, 6, 10), 0.5)
    with pytest.raises(TypeError, match="must be a NumPy array"):
        am.video_sparse_attn([[1.0]], q, q, (2, 6, 10), 0.5)
    assert am.stats()["compiles"] == 0


def test_bad_sta_inputs(own_cache):
    q = rand(1, 2, 48 + 4, 8)
    with pytest.raises(ValueError, match="H = 5 is not a multiple of the tile's 2"):
        am.sliding_tile_attn(q, q, q, [1, 1, 1], 0, (2, 5, 4), tile=(1, 2, 2))
    with pytest.raises(ValueError, match=r"text_length 5 must be in \[0, 4\]"):
        am.sliding_tile_attn(q, q, q, [1, 1, 1], 5, (2, 4, 6), tile=(1, 2, 2))
    with pytest.raises(ValueError, match="has 60 image tokens but q has seq 52"):
        am.sliding_tile_attn(q, q, q, [1, 1, 1], 0, (2, 6, 5), tile=(1, 2, 1))
    with pytest.raises(ValueError, match="exactly one of grid"):
        am.sliding_tile_attn(q, q, q, [1, 1, 1], 0)
    with pytest.raises(ValueError, match="2 windows but q has 2 heads|per-head window_size has 3"):
        am.sliding_tile_attn(q, q, q, [[1, 1, 1]] * 3, 0, (2, 4, 6), tile=(1, 2, 2))
    with pytest.raises(ValueError, match="window_size must be"):
        am.sliding_tile_attn(q, q, q, [1, 1], 0, (2, 4, 6), tile=(1, 2, 2))
    with pytest.raises(ValueError, match=r"window_size entries must be >= 1"):
        am.sliding_tile_attn(q, q, q, [0, 1, 1], 0, (2, 4, 6), tile=(1, 2, 2))
    with pytest.raises(ValueError, match="k/v seq 48 != q seq 52"):
        k = rand(1, 2, 48, 8)
        am.sliding_tile_attn(q, k, k, [1, 1, 1], 0, (2, 4, 6), tile=(1, 2, 2))
    assert am.stats()["compiles"] == 0


def test_bad_tile_inputs():
    with pytest.raises(ValueError, match="grid .* has 24 tokens but x has seq 25"):
        am.tile(rand(1, 1, 25, 2), (2, 3, 4))
    with pytest.raises(ValueError, match="x has seq 24 but grid"):
        am.untile(rand(1, 1, 24, 2), (2, 3, 4))


# --------------------------------------------------------------------------
# torch CPU tensors (through NumPy)
# --------------------------------------------------------------------------

def test_torch_cpu_tensors():
    torch = pytest.importorskip("torch")
    grid = (2, 4, 8)
    q, k, v, g = (torch.randn(1, 2, 64, 16) for _ in range(4))
    out = am.video_sparse_attn(q, k, v, grid, 0.5, g)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    close(out.numpy(), vsa_reference(*(x.numpy() for x in (q, k, v)), grid, 0.5, g.numpy()))
    # Non-contiguous views are fine (copied through NumPy).
    qt = torch.randn(1, 64, 2, 16).transpose(1, 2)
    close(am.tile(qt, grid).numpy(), ref.tile(qt.contiguous().numpy(), grid, (4, 4, 4)), 0)


def test_torch_cpu_bf16_runs_in_bf16():
    torch = pytest.importorskip("torch")
    grid, tile = (2, 4, 4), (1, 2, 2)
    q, k, v = (torch.randn(1, 2, 32, 16).to(torch.bfloat16) for _ in range(3))
    out = am.sliding_tile_attn(q, k, v, [1, 1, 1], 0, grid, tile=tile)
    assert out.dtype == torch.bfloat16
    exp = sta_reference(*(x.float().numpy() for x in (q, k, v)), grid, tile, window=[1, 1, 1])
    assert ref.rel_err(out.float().numpy(), exp) < 2e-2
    assert "bf16" in am.signature(ir.sta_module((1, 2, 32, 16), "bf16", grid, tile, (1, 1, 1),
                                                None, 0))[0][0][0]


def test_torch_and_numpy_mixed_is_an_error():
    torch = pytest.importorskip("torch")
    q = rand(1, 1, 8, 4)
    with pytest.raises(TypeError, match="inputs must all be"):
        am.sdpa(torch.from_numpy(q), q, q)


# --------------------------------------------------------------------------
# Lower level: any module on NumPy arrays
# --------------------------------------------------------------------------

def test_run_cpu_bf16_module_and_input_checks():
    text = ir.sdpa_module((1, 2, 16, 8), (1, 2, 16, 8), "bf16")
    q, k, v = (rand(1, 2, 16, 8) for _ in range(3))
    (out,) = compiler.run_cpu(text, [q, k, v])
    assert out.dtype == np.float32  # bf16 results come back as float32, like attn-run
    r = [ref.bf16_round(x) for x in (q, k, v)]
    assert ref.rel_err(out, ref.sdpa(*r)) < 1e-2
    with pytest.raises(am.AttnError, match=r"argument #1 expects tensor<1x2x16x8xbf16>.*"
                                           r"shape \(1, 2, 16, 9\)"):
        compiler.run_cpu(text, [q, rand(1, 2, 16, 9), v])
    with pytest.raises(am.AttnError, match="takes 3 argument.* but 2 inputs were given"):
        compiler.run_cpu(text, [q, k])


def test_run_cpu_index_tables_are_checked():
    text = """func.func @main(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>,
                    %v: tensor<1x1x8x4xf32>, %idx: tensor<1x1x2x1xi32>,
                    %cnt: tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32> {
      %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 4 block_kv 4
          : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>,
             tensor<1x1x2x1xi32>, tensor<1x1x2xi32>) -> tensor<1x1x8x4xf32>
      return %o : tensor<1x1x8x4xf32>
    }"""
    q = rand(1, 1, 8, 4)
    idx = np.array([[[[1], [0]]]], np.int32)
    cnt = np.ones((1, 1, 2), np.int32)
    (out,) = compiler.run_cpu(text, [q, q, q, idx, cnt])
    close(out, ref.block_sparse(q, q, q, idx, cnt, 4, 4))
    with pytest.raises(am.AttnError, match="kv_indices"):
        compiler.run_cpu(text, [q, q, q, idx + 5, cnt])


def test_backend_enum_names():
    assert am.get_attention_backend("torch_sdpa").get_name() == "TORCH_SDPA"
    from attn_mlir.backends import VideoSparseAttnBackend
    assert VideoSparseAttnBackend.get_name() == "VIDEO_SPARSE_ATTN"


def test_sta_per_head_split_matches_and_shares_modules(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTN_MLIR_CACHE", str(tmp_path))
    compiler.clear_memory_cache()
    compiler.reset_stats()
    grid, tile = (2, 4, 4), (1, 2, 2)
    q = rand(1, 4, 32 + 4, 8)
    k, v = rand(1, 2, 32 + 4, 8), rand(1, 2, 32 + 4, 8)          # GQA 4:2
    a = [[1, 1, 1], [2, 2, 2], [1, 1, 1], [1, 2, 1]]
    b = [[1, 2, 1], [1, 1, 1], [2, 2, 2], [1, 1, 1]]              # same windows, other heads
    for wins in (a, b):
        out = am.sliding_tile_attn(q, k, v, wins, 2, grid, tile=tile, per_head="split")
        close(out, sta_reference(q, k, v, grid, tile, windows=sum(wins, []), text_length=2))
    # a: [1,1,1] on heads {0,2}, [2,2,2] on {1}, [1,2,1] on {3}; b: [1,1,1] on {1,3}, ...:
    # 3 modules (two-head [1,1,1], one-head [2,2,2] and [1,2,1]) serve both.
    assert am.stats()["compiles"] == 3
    with pytest.raises(ValueError, match="per_head must be"):
        am.sliding_tile_attn(q, k, v, a, 2, grid, tile=tile, per_head="loop")


def test_sta_per_head_split_torch():
    torch = pytest.importorskip("torch")
    grid, tile = (2, 4, 4), (1, 2, 2)
    q, k, v = (torch.randn(1, 2, 32, 8) for _ in range(3))
    wins = [[1, 1, 1], [2, 2, 2]]
    out = am.sliding_tile_attn(q, k, v, wins, 0, grid, tile=tile, per_head="split")
    assert isinstance(out, torch.Tensor)
    close(out.numpy(), sta_reference(*(x.numpy() for x in (q, k, v)), grid, tile,
                                     windows=sum(wins, [])))
