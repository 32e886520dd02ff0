"""High-level functions: video_sparse_attn, sliding_tile_attn, tile, untile, sdpa.

Each validates its arguments, builds the attn IR for the shapes, element type
and attributes, compiles it once (compiler.py caches by IR text and target)
and runs it where the inputs live:
  * NumPy arrays          -> the CPU path (JIT), NumPy results;
  * torch CPU tensors     -> the CPU path through NumPy, torch results of the input dtype
                             (bf16 travels as float32 and is rounded to bf16 inside);
  * torch CUDA tensors    -> the GPU path (attn-compile artifact, libattnrt.so, torch's
    (or __cuda_array_interface__ / __dlpack__ objects)    current stream, zero-copy).
q/k/v are BHSD ``[batch, heads, seq, head_dim]`` in raster token order.
"""
import contextlib
import math
import os
import numbers
import re
import threading
import time
from typing import Optional, Sequence

import numpy as np

from . import compiler, ir, runtime
from .errors import AttnError
from .runtime import is_torch_tensor

VSA_TILE = (4, 4, 4)
STA_TILE = (6, 8, 8)

_NUMPY_ELEMS = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16"}
_artifacts = {}


# ---------------------------------------------------------------------------
# Precompiling GPU artifacts where the compiler is
# ---------------------------------------------------------------------------

_SPEC_DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "f16": "f16", "float16": "f16",
                "half": "f16", "f32": "f32", "float32": "f32", "float": "f32"}
_mode = threading.local()


class TensorSpec:
    """The shape and dtype of a tensor, for precompile_for (no data)."""

    def __init__(self, shape, dtype="bf16"):
        self.shape = tuple(int(d) for d in shape)
        name = str(dtype).replace("torch.", "")
        if name not in _SPEC_DTYPES:
            raise ValueError(f"TensorSpec dtype must be bf16, f16 or f32, got {dtype!r}")
        self.dtype = _SPEC_DTYPES[name]

    def __repr__(self):
        return f"TensorSpec({list(self.shape)}, {self.dtype})"


@contextlib.contextmanager
def precompile_for(chip: str = "sm_90a"):
    """Inside this context the high-level functions take TensorSpec inputs,
    compile the GPU artifact for `chip` into the disk cache and return its
    directory instead of running. For the GPU machine, which has no LLVM/MLIR:
    precompile here, carry $ATTN_MLIR_CACHE (and build/python) over, and the
    same calls on CUDA tensors there find the artifacts by key."""
    chips = compiler.native().gpu_chips()
    if chip not in chips:
        raise ValueError(f"chip must be one of {', '.join(chips)}; got {chip!r}")
    prev = getattr(_mode, "chip", None)
    _mode.chip = chip
    before, t0 = compiler.stats(), time.perf_counter()
    try:
        yield chip
    finally:
        _mode.chip = prev
        after = compiler.stats()
        compiler.log.info("precompile_for %s: %d module(s) compiled, %d found in the "
                          "cache, %.2f s", chip, after["gpu_compiles"] - before["gpu_compiles"],
                          after["disk_hits"] + after["memory_hits"] - before["disk_hits"]
                          - before["memory_hits"], time.perf_counter() - t0)


# ---------------------------------------------------------------------------
# Where the inputs live
# ---------------------------------------------------------------------------

def _location(x, name):
    """'numpy', 'torch-cpu' or 'cuda' for one input."""
    if isinstance(x, np.ndarray):
        return "numpy"
    if isinstance(x, TensorSpec):
        return "spec"
    if is_torch_tensor(x) and getattr(x, "is_meta", False):
        return "spec"  # torch "meta" tensors: shapes only, like TensorSpec
    if is_torch_tensor(x):
        return "cuda" if x.is_cuda else "torch-cpu"
    if hasattr(x, "__cuda_array_interface__"):
        return "cuda"
    if hasattr(x, "__dlpack_device__"):
        dev_type = x.__dlpack_device__()[0]
        return "cuda" if int(dev_type) in (2, 3, 13) else "numpy-dlpack"
    raise TypeError(f"{name} must be a NumPy array, a torch tensor or a CUDA array "
                    f"(__cuda_array_interface__ / __dlpack__), got {type(x).__name__}")


def _shape(x, name="input"):
    if isinstance(x, (list, tuple)) or not (hasattr(x, "shape") or
                                           hasattr(x, "__cuda_array_interface__")):
        raise TypeError(f"{name} must be a NumPy array, a torch tensor or a CUDA array "
                        f"(__cuda_array_interface__ / __dlpack__), got {type(x).__name__}")
    if hasattr(x, "shape"):
        return tuple(int(d) for d in x.shape)
    cai = getattr(x, "__cuda_array_interface__", None)
    if cai is not None:
        return tuple(cai["shape"])


def _dtype_name(x, loc) -> str:
    if loc == "spec":
        return _SPEC_DTYPES.get(str(x.dtype).replace("torch.", ""), str(x.dtype))
    if loc in ("numpy", "numpy-dlpack"):
        return str(np.asarray(x).dtype)
    if is_torch_tensor(x):
        return str(x.dtype).replace("torch.", "")
    cai = getattr(x, "__cuda_array_interface__", None)
    if cai is None:
        return "?"
    t = runtime._CAI_DTYPES.get(cai["typestr"], cai["typestr"])
    return _READABLE.get(t, t)


def _classify(inputs, names):
    locs = [_location(x, n) for x, n in zip(inputs, names)]
    kinds = set(l if l in ("cuda", "torch-cpu", "spec") else "numpy" for l in locs)
    if len(kinds) > 1:
        desc = ", ".join(f"{n}: {l}" for n, l in zip(names, locs))
        raise TypeError(f"inputs must all be NumPy arrays, all CPU tensors, all CUDA "
                        f"tensors or all TensorSpecs; got {desc}")
    dts = [_dtype_name(x, l) for x, l in zip(inputs, locs)]
    if len(set(dts)) > 1:
        desc = ", ".join(f"{n}: {d}" for n, d in zip(names, dts))
        raise TypeError(f"inputs must have one dtype; got {desc}")
    return kinds.pop()


def _meta_results(art, inputs, sizes=()):
    """torch meta tensors shaped like the artifact's results for `inputs`
    (the runtime reads its plan; run-time sizes from the inputs' shapes and
    the values of its size arguments, `sizes`)."""
    import torch
    a = runtime.Artifact(art)
    try:
        shapes = [shape for _, shape in a.results]
        if a.dynamic:
            arg_shapes = [tuple(x.shape) for x in inputs] + [(int(v),) for v in sizes]
            if len(arg_shapes) != len(a.args):
                raise ValueError(f"the compiled function takes {len(a.args)} arguments, "
                                 f"got {len(arg_shapes)}")
            shapes = [a.result_shape(i, arg_shapes) for i in range(len(a.results))]
        outs = [torch.empty(shape, dtype=runtime.torch_dtype(dt), device="meta")
                for (dt, _), shape in zip(a.results, shapes)]
    finally:
        a.free()
    return outs[0] if len(outs) == 1 else tuple(outs)


_SHAPE_ONLY = object()


@contextlib.contextmanager
def shape_only():
    """Inside, the functions check their arguments and return a marker
    instead of compiling or running (the torch operators' fake kernels)."""
    prev = getattr(_mode, "shape_only", False)
    _mode.shape_only = True
    try:
        yield _SHAPE_ONLY
    finally:
        _mode.shape_only = prev


def _run_spec(build, inputs, sizes=()):
    """TensorSpec / meta inputs inside precompile_for: compile the artifact
    (`sizes`: the values of its size arguments, for the meta results)."""
    chip = getattr(_mode, "chip", None)
    if chip is None:
        raise ValueError("TensorSpec inputs are for precompiling: use them inside "
                         "attn_mlir.precompile_for(chip)")
    art = compiler.artifact_dir(build(_dtype_name(inputs[0], "spec")), chip)
    if isinstance(inputs[0], TensorSpec):
        return art
    # torch meta tensors in, meta tensors out: a whole torch program
    # (a DiT loop) can run shape-only to precompile every module it uses.
    return _meta_results(art, inputs, sizes)


def _run(build, inputs, names, index_args=(), gpu_build=None):
    """build(elem) -> IR text; runs it on `inputs` where they live. Inputs
    named in `index_args` are int32 index tables (block sizes): they travel
    with the others but do not decide the element type. `gpu_build`, when
    given, builds the GPU (and precompiled) module instead: a shape-polymorphic
    one, served by one artifact for every batch and length."""
    if getattr(_mode, "shape_only", False):
        return _SHAPE_ONLY  # torch_ops' fake kernels: the arguments were checked
    if index_args:
        return _run_with_index(build, inputs, names, index_args)
    kind = _classify(inputs, names)
    if kind == "spec":
        return _run_spec(gpu_build or build, inputs)
    if kind == "cuda":
        return _run_gpu(gpu_build or build, inputs, names)
    return _run_cpu(build, inputs, names, kind)[0]


def _run_cpu(build, inputs, names, kind, f32_results=(), index_args=(), f32_args=()):
    """Every result of build(elem) on the CPU path, for CPU torch tensors
    (kind "torch-cpu": results as torch tensors of the data inputs' dtype,
    except the indices in `f32_results`, which stay float32) or NumPy / host
    DLPack arrays. Inputs named in `index_args` are int32 index tables: they
    go as int32 arrays and do not decide the element type; those in
    `f32_args` (lse operands) go as float32 and do not decide it either."""
    first = next(i for i, n in enumerate(names) if n not in index_args and n not in f32_args)
    if kind == "torch-cpu":
        import torch
        dt = inputs[first].dtype
        elem = runtime.torch_dtype_name(inputs[first])
        if elem not in ir.ELEMENT_TYPES:
            raise TypeError(f"{names[first]}: dtype {dt} is not supported; use float32, "
                            "float16 or bfloat16")
        conv = torch.float32 if elem == "bf16" else dt
        arrays = [_as_index_array(x, n) if n in index_args
                  else x.detach().to(torch.float32 if n in f32_args else conv).contiguous().numpy()
                  for x, n in zip(inputs, names)]
        return [torch.from_numpy(o).to(torch.float32 if i in f32_results else dt)
                for i, o in enumerate(compiler.run_cpu(build(elem), arrays))]
    arrays = [_as_index_array(x, n) if n in index_args
              else np.asarray(x) if not hasattr(x, "__dlpack_device__") or isinstance(x, np.ndarray)
              else np.from_dlpack(x) for x, n in zip(inputs, names)]
    elem = _NUMPY_ELEMS.get(arrays[first].dtype)
    if elem is None:
        raise TypeError(f"{names[first]}: dtype {arrays[first].dtype} is not supported; use "
                        "float32 or float16 (bf16 goes through torch tensors)")
    return compiler.run_cpu(build(elem), [np.ascontiguousarray(a) for a in arrays])


_KV_TABLES = ("kv_indices", "kv_counts")  # index tables of any rank (block-sparse lists)


def _as_index_array(x, name):
    """An int32 NumPy copy of an index table (NumPy, list or CPU tensor):
    1-D block-size tables, or the kv lists (_KV_TABLES) of any rank."""
    if is_torch_tensor(x):
        if x.is_cuda:
            raise TypeError(f"{name} is a CUDA tensor but the attention inputs are not; "
                            "give all inputs on one device")
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    what = "an integer tensor or array" if name in _KV_TABLES else \
        "a 1-D integer tensor or array"
    if (a.ndim != 1 and name not in _KV_TABLES) or a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be {what}, got {a.dtype} of shape {list(a.shape)}")
    if a.size and (a.min() < -2 ** 31 or a.max() >= 2 ** 31):
        raise ValueError(f"{name} has entries outside int32 (min {a.min()}, max {a.max()}): "
                         "they would wrap, not be rejected")
    return np.ascontiguousarray(a.astype(np.int32))


def _run_with_index(build, inputs, names, index_args):
    """_run for modules whose arguments include int32 index tables."""
    data = [(x, n) for x, n in zip(inputs, names) if n not in index_args]
    kind = _classify([x for x, _ in data], [n for _, n in data])
    if kind == "cuda":
        return _run_gpu(build, inputs, names, index_args)
    if kind == "spec":
        return _run_spec(build, [x for x, _ in data])
    return _run_cpu(build, inputs, names, kind, index_args=index_args)[0]


def chip_for_device(device: int) -> str:
    major, minor = runtime._torch().cuda.get_device_capability(device)
    if major == 9:
        return "sm_90a"
    if major >= 8:
        return "sm_80"
    raise AttnError(f"cuda:{device} has compute capability {major}.{minor}; the GPU "
                    "kernels need sm_80 or newer")


GPU_ELEMENT_TYPES = ("bf16", "f16")
_READABLE = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "i32": "int32",
             "i64": "int64", "i1": "bool"}


def check_gpu_inputs(bufs, names, index_args=(), f32_args=()):
    """The GPU path's argument checks, before anything is compiled or launched:
    the attention operands' dtype (bf16 or f16), index operands (names in
    `index_args`) int32, float32 operands (names in `f32_args`: lse) f32,
    every input contiguous and on one CUDA device. Returns (element type,
    device index)."""
    elem, device = None, None
    for b, n in zip(bufs, names):
        if n in index_args:
            if b.dtype != "i32":
                raise TypeError(f"{n}: dtype {_READABLE.get(b.dtype, b.dtype)} is not supported "
                                "on the GPU path; block sizes are int32")
        elif n in f32_args:
            if b.dtype != "f32":
                raise TypeError(f"{n}: dtype {_READABLE.get(b.dtype, b.dtype)} is not supported "
                                "on the GPU path; it must be float32")
        elif b.dtype not in GPU_ELEMENT_TYPES:
            raise TypeError(f"{n}: dtype {_READABLE.get(b.dtype, b.dtype)} is not supported on the "
                            "GPU path (CUDA tensors); use bfloat16 or float16 (float32 runs on the "
                            "CPU path: NumPy arrays or CPU tensors)")
        elif elem is None:
            elem = b.dtype
        elif b.dtype != elem:
            raise TypeError(f"{n}: dtype {_READABLE.get(b.dtype, b.dtype)} differs from "
                            f"{names[0]}'s {_READABLE.get(elem, elem)}; inputs must have one dtype")
        if not b.contiguous:
            raise ValueError(f"{n} must be contiguous (call .contiguous()); the GPU path reads "
                             "dense row-major [batch, heads, seq, head_dim] tensors")
        dev = 0 if b.device is None else b.device
        if device is None:
            device = dev
        elif dev != device:
            raise ValueError(f"{n} is on cuda:{dev}, {names[0]} on cuda:{device}; all inputs "
                             "must be on one device")
    return elem, device


def _run_gpu(build, inputs, names, index_args=(), every_result=False, f32_args=(),
             sizes=()):
    """The first result of build(elem) on the inputs' GPU (every result, as
    a list, with every_result); `sizes`: values of the module's size
    arguments (after the tensors)."""
    bufs = [runtime.as_device_buffer(x, n) for x, n in zip(inputs, names)]
    elem, device = check_gpu_inputs(bufs, names, index_args, f32_args)
    chip = chip_for_device(device)
    d = compiler.artifact_dir(build(elem), chip)
    art = _artifacts.get((d, device))
    if art is None:
        art = runtime.Artifact(d)
        _artifacts[(d, device)] = art
    out = getattr(_mode, "out", None)
    results = runtime.launch(art, [b.owner for b in bufs], names,
                             outs=None if out is None else [out], sizes=sizes)
    return results if every_result else results[0]


def _torch_op(x, *others):
    """attn_mlir.torch_ops when `x` is a torch tensor and no operator kernel is
    running: torch tensors go through torch.ops.attn_mlir.* so that
    torch.compile sees one operator and fake/meta tensors get shapes. None
    otherwise (NumPy, CUDA arrays, precompile_for's meta tensors, inside an
    operator's kernel)."""
    if not is_torch_tensor(x) or not all(o is None or is_torch_tensor(o) for o in others):
        return None  # mixed inputs: _classify names them
    if getattr(x, "is_meta", False) and getattr(_mode, "chip", None) is not None:
        return None
    from . import torch_ops
    return None if torch_ops.inside_op() else torch_ops


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

def _check_rank4(x, name):
    s = _shape(x, name)
    if len(s) != 4:
        raise ValueError(f"{name} must be rank-4 [batch, heads, seq, head_dim], got shape "
                         f"{list(s)}")
    return s


def _check_qkv(q, k, v, same_seq=True):
    qs, ks, vs = _check_rank4(q, "q"), _check_rank4(k, "k"), _check_rank4(v, "v")
    if ks != vs:
        raise ValueError(f"k shape {list(ks)} and v shape {list(vs)} must match")
    if ks[0] != qs[0]:
        raise ValueError(f"k batch {ks[0]} != q batch {qs[0]}")
    if ks[3] != qs[3]:
        raise ValueError(f"k head_dim {ks[3]} != q head_dim {qs[3]}")
    if ks[1] < 1 or qs[1] % ks[1]:
        raise ValueError(f"q heads {qs[1]} must be a multiple of k/v heads {ks[1]}")
    if same_seq and ks[2] != qs[2]:
        raise ValueError(f"k/v seq {ks[2]} != q seq {qs[2]}")
    return qs, ks


def parse_grid(grid, name="grid"):
    """(T, H, W) from 3 integers or a 'TxHxW' string (FastVideo's dit_seq_shape)."""
    if isinstance(grid, str):
        m = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*x\s*(\d+)\s*", grid)
        if not m:
            raise ValueError(f"{name} '{grid}' is not of the form 'TxHxW'")
        grid = [int(g) for g in m.groups()]
    if grid is None:
        raise ValueError(f"{name} is required")
    return ir.triple(name, grid)


def _check_grid_matches(grid, seq, what="q"):
    n = grid[0] * grid[1] * grid[2]
    if n != seq:
        raise ValueError(f"grid {list(grid)} has {n} tokens but {what} has seq {seq}")


def _check_sparsity(sparsity):
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real):
        raise TypeError(f"sparsity must be a number in [0, 1], got {sparsity!r}")
    if not 0.0 <= float(sparsity) <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    return float(sparsity)


# ---------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------

# The run-time-grid VSA artifact's top-k keeps a row's scores in registers:
# up to 32 * 32 tiles per head (the plan asserts it). Larger grids compile
# the per-grid module (its top-k variant sized for the tile count). The
# compiler's topk-shared-fallback serves more from one artifact (14528
# tiles on sm_90a); it becomes the default, and this 10240, once it has run
# on the GPU.
VSA_DYNAMIC_MAX_TILES = 1024


def vsa_topk(grid, sparsity, tile=VSA_TILE) -> int:
    """The topk attn.vsa runs with: clamp(ceil((1-s)*N), 1, N), N = number of tiles."""
    _, n, _, _ = ir.tile_geometry(parse_grid(grid), tile)
    return ir.topk_for(_check_sparsity(sparsity), n)


def video_sparse_attn(q, k, v, grid, sparsity: float, gate=None, *, tile=VSA_TILE):
    """Video Sparse Attention (FastVideo's VSA) on raster-order tokens.

    q/k/v ``[B, H, T*H*W, D]`` (k/v may have fewer heads, GQA), ``grid = (T, H, W)``
    (or "TxHxW"), ``sparsity`` in [0, 1], optional ``gate`` shaped like q (no
    sigmoid). Tiles with 4x4x4 tiles, runs attn.vsa with
    topk = clamp(ceil((1 - sparsity) * num_tiles), 1, num_tiles), untiles.
    Returns q's shape in q's type and dtype.
    """
    ops = _torch_op(q, k, v, gate)
    if ops is not None:
        return ops.video_sparse_attn(q, k, v, grid, sparsity, gate, tile=tile)
    qs, ks = _check_qkv(q, k, v)
    grid = parse_grid(grid)
    tile = ir.triple("tile", tile)
    _check_grid_matches(grid, qs[2])
    topk = vsa_topk(grid, sparsity, tile)
    inputs, names = [q, k, v], ["q", "k", "v"]
    if gate is not None:
        gs = _check_rank4(gate, "gate")
        if gs != qs:
            raise ValueError(f"gate shape {list(gs)} must equal q shape {list(qs)}")
        inputs.append(gate)
        names.append("gate")
    build = lambda elem: ir.vsa_module(qs, ks, elem, grid, topk, gate is not None, tile)  # noqa: E731
    if getattr(_mode, "shape_only", False):
        return _SHAPE_ONLY
    _, n_tiles, _, _ = ir.tile_geometry(grid, tile)
    if _run_time_sizes() and tuple(tile) == VSA_TILE and n_tiles <= VSA_DYNAMIC_MAX_TILES:
        # One shape-polymorphic module for every batch, grid and top-k on the
        # GPU (the grid and topk are size arguments; docs/DynamicShapes.md).
        gq, gk = _gpu_shapes(qs, ks)
        dyn = lambda elem: ir.vsa_module_dynamic(gq, gk, elem, gate is not None, tile)  # noqa: E731
        kind = _classify(inputs, names)
        if kind == "cuda":
            return _run_gpu(dyn, inputs, names, sizes=tuple(grid) + (topk,))
        if kind == "spec":
            return _run_spec(dyn, inputs, tuple(grid) + (topk,))
    return _run(build, inputs, names)


def video_sparse_attn_grad(q, k, v, dout, grid, sparsity: float, gate=None, *,
                           tile=VSA_TILE):
    """The gradients (dq, dk, dv), and dgate when a gate is given, of
    ``video_sparse_attn(q, k, v, grid, sparsity, gate)`` for the output
    gradient ``dout`` (shaped like q): tile, attn.vsa_grad (the forward's
    top-k selection held constant, as upstream's backward does), untile,
    where the inputs live (_run_grad: the CPU path, or the GPU backward
    kernels for bf16/f16 CUDA tensors)."""
    qs, ks = _check_qkv(q, k, v)
    grid = parse_grid(grid)
    tile = ir.triple("tile", tile)
    _check_grid_matches(grid, qs[2])
    topk = vsa_topk(grid, sparsity, tile)
    if gate is None:
        return _run_grad(q, k, v, dout, qs,
                         lambda elem: ir.vsa_module(qs, ks, elem, grid, topk, False, tile,
                                                    grad=True))
    if _check_rank4(gate, "gate") != qs:
        raise ValueError(f"gate shape {list(_shape(gate, 'gate'))} must equal q shape "
                         f"{list(qs)}")
    return _run_grad(q, k, v, dout, qs,
                     lambda elem: ir.vsa_module(qs, ks, elem, grid, topk, True, tile,
                                                grad=True),
                     extra=[(gate, "gate")])


def normalize_windows(window_size, heads: int):
    """(window, None) for one [kt, kh, kw]; (None, flat per-head list) for a list of
    `heads` windows (collapsed to one window when all are equal)."""
    if window_size is None:
        raise ValueError("window_size is required")
    ws = list(window_size)
    if ws and all(isinstance(w, numbers.Integral) for w in ws):
        if len(ws) == 3:
            return ir.triple("window_size", ws), None
        if len(ws) == 3 * heads:  # flat per-head list, as attn.sliding_tile's `windows`
            ws = [ws[3 * h:3 * h + 3] for h in range(heads)]
        else:
            raise ValueError(f"window_size must be [kt, kh, kw] or one window per head "
                             f"({heads}), got {len(ws)} values")
    if len(ws) != heads:
        raise ValueError(f"per-head window_size has {len(ws)} windows but q has {heads} heads")
    wins = [ir.triple(f"window_size[{h}]", w) for h, w in enumerate(ws)]
    if all(w == wins[0] for w in wins):
        return wins[0], None
    return None, [x for w in wins for x in w]


def sliding_tile_attn(q, k, v, window_size, text_length: int = 0, grid=None, *,
                      tile_grid=None, tile=STA_TILE, per_head: str = "windows"):
    """Sliding Tile Attention (FastVideo's STA) on raster-order image tokens plus text.

    q/k/v ``[B, H, T*H*W + S_text, D]``: the image tokens in raster order over the
    latent grid ``grid = (T, H, W)`` (or "TxHxW", or ``tile_grid`` in tiles), then
    ``S_text >= text_length`` text tokens of which the first ``text_length`` are
    valid. Every grid dimension must be a multiple of ``tile`` (default 6x8x8).
    ``window_size``: one ``[kt, kh, kw]`` (in tiles) or a list with one window per
    head. The image tokens are tiled, the text appended, attn.sliding_tile run,
    and the image part untiled, so the result has q's layout.

    Per-head windows: ``per_head="windows"`` (default) compiles one module with
    attn.sliding_tile's per-head ``windows`` (one launch; one module per distinct
    combination of windows), ``per_head="split"`` runs one module per distinct
    window on the heads that use it (more launches, but the modules are shared
    by every combination, which bounds the compiles of a mask strategy).
    """
    if per_head not in ("windows", "split"):
        raise ValueError(f"per_head must be 'windows' or 'split', got {per_head!r}")
    qs, ks, grid, tile, text_length, window, windows = _sta_args(
        q, k, v, window_size, text_length, grid, tile_grid, tile)
    ops = _torch_op(q, k, v) if per_head == "windows" or windows is None else None
    if ops is not None:
        return ops.sliding_tile_attn(q, k, v, window_size, text_length, grid, tile=tile)
    if windows is not None and per_head == "split":
        return _split_heads(q, k, v, qs, ks, windows, text_length, grid, tile)
    build = lambda elem: ir.sta_module(qs, elem, grid, tile, window, windows,  # noqa: E731
                                       text_length)
    if getattr(_mode, "shape_only", False):
        return _SHAPE_ONLY
    if _run_time_sizes() and qs[2] > grid[0] * grid[1] * grid[2]:
        # One GPU module for every prompt length: the valid text length is a
        # size argument (docs/DynamicShapes.md, "STA's text length").
        dyn = lambda elem: ir.sta_module(qs, elem, grid, tile, window, windows,  # noqa: E731
                                         None)
        inputs, names = [q, k, v], ["q", "k", "v"]
        kind = _classify(inputs, names)
        if kind == "cuda":
            return _run_gpu(dyn, inputs, names, sizes=(text_length,))
        if kind == "spec":
            return _run_spec(dyn, inputs, (text_length,))
    return _run(build, [q, k, v], ["q", "k", "v"])


def _sta_args(q, k, v, window_size, text_length, grid, tile_grid, tile):
    """sliding_tile_attn's argument checks: (qs, ks, grid, tile, text_length,
    window, windows) normalized."""
    qs, ks = _check_qkv(q, k, v)
    tile = ir.triple("tile", tile)
    if (grid is None) == (tile_grid is None):
        raise ValueError("give exactly one of grid (tokens) and tile_grid (tiles)")
    if tile_grid is not None:
        tg = parse_grid(tile_grid, "tile_grid")
        grid = tuple(tg[i] * tile[i] for i in range(3))
    else:
        grid = parse_grid(grid)
        for i, dim in enumerate("THW"):
            if grid[i] % tile[i]:
                raise ValueError(f"grid {list(grid)}: {dim} = {grid[i]} is not a multiple of "
                                 f"the tile's {tile[i]} (STA needs whole tiles)")
    if isinstance(text_length, bool) or not isinstance(text_length, numbers.Integral):
        raise TypeError(f"text_length must be an integer, got {text_length!r}")
    text_length = int(text_length)
    s_img = grid[0] * grid[1] * grid[2]
    if qs[2] < s_img:
        raise ValueError(f"grid {list(grid)} has {s_img} image tokens but q has seq {qs[2]}")
    if not 0 <= text_length <= qs[2] - s_img:
        raise ValueError(f"text_length {text_length} must be in [0, {qs[2] - s_img}] (the "
                         f"{qs[2] - s_img} tokens after the {s_img} image tokens)")
    window, windows = normalize_windows(window_size, qs[1])
    return qs, ks, grid, tile, text_length, window, windows


def sliding_tile_grad(q, k, v, dout, window_size, text_length: int = 0, grid=None, *,
                      tile_grid=None, tile=STA_TILE):
    """The gradients (dq, dk, dv) of ``sliding_tile_attn(q, k, v, window_size,
    text_length, grid)`` for the output gradient ``dout`` (shaped like q):
    tile, attn.sliding_tile_grad (planned into attn.block_sparse_grad on the
    forward's tables), untile, where the inputs live (_run_grad: the CPU path, or the GPU backward
    kernels for bf16/f16 CUDA tensors)."""
    qs, _, grid, tile, text_length, window, windows = _sta_args(
        q, k, v, window_size, text_length, grid, tile_grid, tile)
    return _run_grad(q, k, v, dout, qs,
                     lambda elem: ir.sta_module(qs, elem, grid, tile, window, windows,
                                                text_length, grad=True))


def _take_heads(x, idx):
    if isinstance(x, TensorSpec):
        return TensorSpec((x.shape[0], len(idx)) + x.shape[2:], x.dtype)
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(x[:, idx])
    if is_torch_tensor(x):
        import torch
        return x.index_select(1, torch.as_tensor(idx, device=x.device)).contiguous()
    raise TypeError(f"per_head='split' takes NumPy arrays, torch tensors or TensorSpecs, "
                    f"got {type(x).__name__}")


def _split_heads(q, k, v, qs, ks, windows, text_length, grid, tile):
    """One sliding_tile_attn per distinct window on the heads that use it."""
    group = qs[1] // ks[1]
    heads_of = {}
    for h in range(qs[1]):
        heads_of.setdefault(tuple(windows[3 * h:3 * h + 3]), []).append(h)
    parts = []
    for win, idx in heads_of.items():
        kv_idx = [h // group for h in idx]
        parts.append((idx, sliding_tile_attn(_take_heads(q, idx), _take_heads(k, kv_idx),
                                             _take_heads(v, kv_idx), list(win), text_length,
                                             grid, tile=tile)))
    if isinstance(q, TensorSpec):
        return [d for _, d in parts]
    out = parts[0][1]
    if is_torch_tensor(out):
        import torch
        full = torch.empty(qs, dtype=out.dtype, device=out.device)
    else:
        full = np.empty(qs, dtype=out.dtype)
    for idx, o in parts:
        full[:, idx] = o
    return full


def tile(x, grid, tile=VSA_TILE):
    """attn.tile: [B, H, T*H*W, D] raster order -> [B, H, N*P, D] tile-major, pads zero."""
    ops = _torch_op(x)
    if ops is not None:
        return ops.tile(x, grid, tile)
    s = _check_rank4(x, "x")
    grid, t = parse_grid(grid), ir.triple("tile", tile)
    _check_grid_matches(grid, s[2], "x")
    return _run(lambda elem: ir.tile_module(s, elem, grid, t), [x], ["x"])


def untile(x, grid, tile=VSA_TILE):
    """attn.untile: [B, H, N*P, D] tile-major -> [B, H, T*H*W, D] raster order."""
    ops = _torch_op(x)
    if ops is not None:
        return ops.untile(x, grid, tile)
    s = _check_rank4(x, "x")
    grid, t = parse_grid(grid), ir.triple("tile", tile)
    _, n, p, _ = ir.tile_geometry(grid, t)
    if s[2] != n * p:
        raise ValueError(f"x has seq {s[2]} but grid {list(grid)} with tile {list(t)} has "
                         f"{n} tiles of {p} slots = {n * p}")
    return _run(lambda elem: ir.untile_module(s, elem, grid, t), [x], ["x"])


def _run_time_sizes() -> bool:
    """Whether the GPU path compiles shape-polymorphic modules where it can
    (one artifact for every batch and length; docs/DynamicShapes.md):
    yes unless ATTN_MLIR_STATIC_SHAPES=1."""
    return os.environ.get("ATTN_MLIR_STATIC_SHAPES", "0") != "1"


def _gpu_shapes(qs, ks):
    """q's and k's shapes for the GPU module: batch and lengths run-time
    sizes (None) unless ATTN_MLIR_STATIC_SHAPES=1."""
    if not _run_time_sizes():
        return qs, ks
    return (None, qs[1], None, qs[3]), (None, ks[1], None, ks[3])


def sdpa(q, k, v, scale: Optional[float] = None):
    """Dense attention (attn.sdpa): q [B,Hq,Sq,D], k/v [B,Hkv,Skv,D]. On the
    GPU one artifact serves every batch and length (run-time sizes)."""
    ops = _torch_op(q, k, v)
    if ops is not None:
        return ops.sdpa(q, k, v, scale)
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    gq, gk = _gpu_shapes(qs, ks)
    return _run(lambda elem: ir.sdpa_module(qs, ks, elem, scale), [q, k, v], ["q", "k", "v"],
                gpu_build=lambda elem: ir.sdpa_module(gq, gk, elem, scale))


def sdpa_with_lse(q, k, v, scale: Optional[float] = None):
    """``(out, lse)``: ``sdpa(q, k, v, scale)`` and each query row's
    log-sum-exp of its scaled scores (float32 ``[B, Hq, Sq]``, -inf for a
    row without a valid key; what ring attention or a log-sum-exp merge of
    partial attentions needs): attn.sdpa's lse result, on the CPU path for
    NumPy arrays and CPU tensors, on the GPU for CUDA tensors (the flash
    kernels' _lse variants)."""
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    inputs, names = [q, k, v], ["q", "k", "v"]
    build = lambda elem: ir.sdpa_module(qs, ks, elem, scale, lse=True)  # noqa: E731
    gq, gk = _gpu_shapes(qs, ks)
    gpu_build = lambda elem: ir.sdpa_module(gq, gk, elem, scale, lse=True)  # noqa: E731
    kind = _classify(inputs, names)
    if kind == "cuda":
        return tuple(_run_gpu(gpu_build, inputs, names, every_result=True))
    if kind == "spec":
        return _run_spec(gpu_build, inputs)
    return tuple(_run_cpu(build, inputs, names, kind, f32_results=(1,)))


def lse_merge(outs, lses):
    """``(out, lse)``: the attention over the union of disjoint key sets from
    the parts' attentions ``outs[i]`` ``[B, H, S, D]`` and their rows'
    log-sum-exps ``lses[i]`` (float32 ``[B, H, S]``, -inf for a row whose
    part had no valid key; ``sdpa_with_lse`` gives both): attn.lse_merge.
    Rows with no key in any part give 0 and -inf. NumPy arrays and CPU
    tensors run on the CPU path, CUDA tensors (bf16/f16 parts) on the GPU.
    No autograd."""
    outs, lses = list(outs), list(lses)
    if len(outs) < 2 or len(outs) != len(lses):
        raise ValueError(f"lse_merge needs n >= 2 partial outputs and as many lses, got "
                         f"{len(outs)} and {len(lses)}")
    shape = _check_rank4(outs[0], "outs[0]")
    for i, (o, l) in enumerate(zip(outs, lses)):
        if _shape(o, f"outs[{i}]") != shape:
            raise ValueError(f"outs[{i}] shape {list(_shape(o))} must equal outs[0] shape "
                             f"{list(shape)}")
        if _shape(l, f"lses[{i}]") != shape[:3]:
            raise ValueError(f"lses[{i}] shape {list(_shape(l))} must be [B, H, S] = "
                             f"{list(shape[:3])}")
    n = len(outs)
    names = [f"outs[{i}]" for i in range(n)] + [f"lses[{i}]" for i in range(n)]
    kind = _classify(outs, names[:n])
    if _classify(lses, names[n:]) != kind:
        raise TypeError("lses must live where outs do (NumPy, CPU tensors or CUDA tensors)")
    if any(_dtype_name(l, _location(l, "lse")) not in ("float32", "f32") for l in lses):
        raise TypeError("lses must be float32")
    build = lambda elem: ir.lse_merge_module(shape, n, elem)  # noqa: E731
    if kind == "cuda":
        return tuple(_run_gpu(build, outs + lses, names, every_result=True,
                              f32_args=names[n:]))
    if kind == "spec":
        return _run_spec(build, outs + lses)
    return tuple(_run_cpu(build, outs + lses, names, kind, f32_results=(1,),
                          f32_args=names[n:]))


def vmoba(q, k, v, grid, chunk, *, topk: Optional[int] = None,
          threshold: Optional[float] = None, scale: Optional[float] = None):
    """V-MoBA (FastVideo's moba_attn_varlen, threshold_type 'query_head'): q, k,
    v ``[B, H, S, D]`` with ``S = T*H*W`` raster tokens of ``grid``, split into
    chunks of ``chunk = (ct, ch, cw)`` tokens; each query token and head
    attends to its own chunk and the chunks its gate (q . chunk-mean key)
    selects: the ``topk - 1`` best others, or by the min-max ``threshold``
    rule (docs/VMoBA.md). Exactly one of ``topk`` and ``threshold``. As
    FastVideo does, a call in which no row can select a chunk besides its own
    (topk 1, or a single chunk) is dense attention. NumPy arrays and CPU
    tensors run on the CPU path (attn.chunk_mean, attn.chunk_select,
    attn.chunk_attention); the chunk ops have no GPU kernels yet, so CUDA
    tensors raise NotImplementedError. No autograd."""
    qs, ks = _check_qkv(q, k, v)
    if qs[1] != ks[1]:
        raise ValueError(f"vmoba: q has {qs[1]} heads and k {ks[1]}; V-MoBA needs as many "
                         "(FastVideo's gate is per head)")
    g = parse_grid(grid)
    _check_grid_matches(g, qs[2])
    c = parse_grid(chunk, "chunk")
    if any(c[i] > g[i] for i in range(3)):
        raise ValueError(f"vmoba: chunk {list(c)} is larger than the grid {list(g)}")
    if (topk is None) == (threshold is None):
        raise ValueError("vmoba needs exactly one of topk and threshold")
    if topk is not None and (not isinstance(topk, numbers.Integral) or isinstance(topk, bool)
                             or topk < 1):
        raise ValueError(f"vmoba: topk must be a positive integer, got {topk!r}")
    if threshold is not None and not _is_f32(threshold):
        raise ValueError(f"vmoba: threshold must be a finite f32 number, got {threshold!r}")
    inputs, names = [q, k, v], ["q", "k", "v"]
    kind = _classify(inputs, names)
    if kind == "cuda":
        raise NotImplementedError(
            "vmoba: attn.chunk_mean / chunk_select / chunk_attention have no GPU kernels yet "
            "(docs/VMoBA.md); run it on CPU tensors or NumPy arrays")
    if kind == "spec":
        raise TypeError("vmoba has no precompile (shape-only) form yet")
    nchunks = 1
    for n, m in zip(g, c):
        nchunks *= -(-n // m)
    if nchunks == 1 or (topk is not None and min(int(topk), nchunks) <= 1):
        return sdpa(q, k, v, scale)  # FastVideo's fallback: nothing selected
    if topk is not None:
        topk = min(int(topk), nchunks)  # the op's min(topk, C), within an i64 attribute
    build = lambda elem: ir.vmoba_module(qs, g, c, elem, topk, threshold, scale)  # noqa: E731
    return _run_cpu(build, inputs, names, kind)[0]


def sage_sdpa(q, k, v, scale: Optional[float] = None):
    """Dense attention with SageAttention2's default Hopper numerics (INT8
    Q.K per thread group with K smoothing, FP8 e4m3 P.V with per-channel V
    scales; attn.sage_sdpa, docs/Sage.md): what sglang's ``sage_attn``
    computes, a few percent from exact attention. NumPy arrays and CPU
    tensors run the CPU path's emulation; there is no GPU kernel yet, so
    CUDA tensors raise NotImplementedError. No autograd."""
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    _check_sage_scale(scale)
    inputs, names = [q, k, v], ["q", "k", "v"]
    kind = _classify(inputs, names)
    if kind == "cuda":
        raise NotImplementedError("sage_sdpa: attn.sage_sdpa has no GPU kernel yet "
                                  "(docs/Sage.md); run it on CPU tensors or NumPy arrays")
    if kind == "spec":
        raise TypeError("sage_sdpa has no precompile (shape-only) form yet")
    return _run_cpu(lambda elem: ir.sage_sdpa_module(qs, ks, elem, scale), inputs, names,
                    kind)[0]


def sage_block_sparse(q, k, v, kv_indices, kv_counts, block_q: int, block_kv: int,
                      scale: Optional[float] = None):
    """Block-sparse attention (attn.block_sparse's tables: ``kv_indices``
    int32 ``[B, Hq, Sq/block_q, K]``, ``kv_counts`` ``[B, Hq, Sq/block_q]``)
    with SageAttention2's INT8/FP8 numerics (attn.sage_block_sparse,
    docs/Sage.md). CPU path only (an emulation); CUDA tensors raise
    NotImplementedError. attn-run's table checks apply: out-of-range or
    repeated ids and counts are errors."""
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    _check_sage_scale(scale)
    kind = _classify([q, k, v], ["q", "k", "v"])
    if kind == "cuda":
        raise NotImplementedError("sage_block_sparse: attn.sage_block_sparse has no GPU kernel "
                                  "yet (docs/Sage.md); run it on CPU tensors or NumPy arrays")
    if kind == "spec":
        raise TypeError("sage_block_sparse has no precompile (shape-only) form yet")
    for name, bsz, n in (("block_q", block_q, qs[2]), ("block_kv", block_kv, ks[2])):
        if isinstance(bsz, bool) or not isinstance(bsz, numbers.Integral) or bsz < 1 or n % bsz:
            raise ValueError(f"sage_block_sparse: {name} must be a positive integer dividing "
                             f"{n}, got {bsz!r}")
    ishape = tuple(_shape(kv_indices, "kv_indices"))
    if len(ishape) != 4 or ishape[:3] != (qs[0], qs[1], qs[2] // block_q):
        raise ValueError(f"sage_block_sparse: kv_indices must be [B, Hq, Nq, K] = "
                         f"[{qs[0]}, {qs[1]}, {qs[2] // block_q}, K], got {list(ishape)}")
    if tuple(_shape(kv_counts, "kv_counts")) != ishape[:3]:
        raise ValueError(f"sage_block_sparse: kv_counts must be [B, Hq, Nq] = "
                         f"{list(ishape[:3])}, got {list(_shape(kv_counts, 'kv_counts'))}")
    build = lambda elem: ir.sage_block_sparse_module(  # noqa: E731
        qs, ks, ishape, elem, block_q, block_kv, scale)
    return _run(build, [q, k, v, kv_indices, kv_counts], ["q", "k", "v", "kv_indices",
                                                          "kv_counts"],
                index_args=("kv_indices", "kv_counts"))


def _check_sage_scale(scale):
    if scale is not None and not (_is_f32(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")


def _is_f32(x) -> bool:
    """A real number (not a bool) that is finite as an f32 attribute."""
    return (isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)
            and abs(x) <= 3.4028234663852886e38)


def _host_f32(x, name):
    """A NumPy float32 copy of a NumPy array or CPU tensor (SVG2's CPU path)."""
    loc = _location(x, name)
    if loc == "spec":
        raise TypeError("svg2 has no precompile (shape-only) form: it runs on the CPU path")
    if loc == "cuda":
        raise NotImplementedError(
            f"svg2: {name} is a CUDA tensor; attn.kmeans / cluster_select / "
            "cluster_attention have no GPU kernels yet (docs/SVG2.md)")
    if hasattr(x, "detach"):
        return x.detach().float().contiguous().numpy()
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def svg2_init_centroids(x, n: int, seed: Optional[int] = None):
    """SVG2's first-call centroids: per (b, h), ``n`` of x's first tokens'
    vectors drawn with replacement (``x`` [B, H, S, D], the video tokens),
    float32 [B, H, n, D]. Upstream draws them from torch's CUDA generator;
    ``seed`` makes the draw reproducible."""
    xs = _host_f32(x, "x")
    b, h, s, _ = xs.shape
    if n < 1:
        raise ValueError(f"svg2: the number of centroids must be positive, got {n}")
    picks = np.random.default_rng(seed).integers(0, s, (b, h, n))
    return np.take_along_axis(xs, picks[..., None], 2).astype(np.float32)


def svg2(q, k, v, q_centroids, k_centroids, *, iterations: int, top_p: float = 0.9,
         min_kc_ratio: float = 0.1, text_length: int = 0, valid_text: Optional[int] = None,
         scale: Optional[float] = None):
    """SVG2 (Sparse VideoGen 2) attention: ``(out, q_centroids, k_centroids)``.
    q, k, v ``[B, H, S, D]`` hold ``S - text_length`` video tokens, then
    ``text_length`` text tokens, of which the first ``valid_text`` (default
    all) are the prompt and the rest padding. The video tokens of q and of
    k are clustered per head by ``iterations`` k-means rounds from the given
    centroids (float32 ``[B, H, QC, D]`` / ``[B, H, KC, D]``: svg2_init_centroids
    for a first call, the returned ones to warm-start the next), each query
    cluster keeps the key clusters of SVG2's top-p rule (``top_p``,
    ``min_kc_ratio``), and each query attends to the keys of its cluster's
    selection. Text, as SVG2's Hunyuan path: the prompt is one more query and
    key cluster that attends to and is attended by every video and prompt
    token; the padding attends only to itself. NumPy arrays and CPU tensors;
    the result has q's kind and dtype. No autograd. (docs/SVG2.md)"""
    qs, ks = _check_qkv(q, k, v)
    if qs[1] != ks[1]:
        raise ValueError(f"svg2: q has {qs[1]} heads and k {ks[1]}; SVG2 clusters each "
                         "head's q and k, so they need as many")
    b, h, s, d = qs
    integer = lambda x: isinstance(x, numbers.Integral) and not isinstance(x, bool)  # noqa: E731
    if not integer(text_length) or not 0 <= text_length < s:
        raise ValueError(f"svg2: text_length must be an integer in [0, {s}), got {text_length!r}")
    valid = text_length if valid_text is None else valid_text
    if not integer(valid) or not 0 <= valid <= text_length:
        raise ValueError(f"svg2: valid_text must be an integer in [0, text_length = "
                         f"{text_length}], got {valid_text!r}")
    if not integer(iterations) or not 1 <= iterations <= 100000:
        raise ValueError(f"svg2: iterations must be an integer in [1, 100000], got "
                         f"{iterations!r}")
    if not (_is_f32(top_p) and _is_f32(min_kc_ratio) and 0 <= top_p <= 1
            and 0 <= min_kc_ratio <= 1):
        raise ValueError(f"svg2: top_p and min_kc_ratio must be numbers in [0, 1], got "
                         f"{top_p!r} and {min_kc_ratio!r}")
    if scale is not None and not (_is_f32(scale) and scale > 0):
        raise ValueError(f"svg2: scale must be a positive finite number, got {scale!r}")
    qn, kn, vn = (_host_f32(x, n) for x, n in ((q, "q"), (k, "k"), (v, "v")))
    qc0, kc0 = _host_f32(q_centroids, "q_centroids"), _host_f32(k_centroids, "k_centroids")
    nv = s - text_length
    for name, c in (("q_centroids", qc0), ("k_centroids", kc0)):
        if c.ndim != 4 or c.shape[:2] != (b, h) or c.shape[3] != d or c.shape[2] < 1:
            raise ValueError(f"svg2: {name} must be [B, H, n, D] = [{b}, {h}, n, {d}], got "
                             f"{list(c.shape)}")
    nq, nk = qc0.shape[2], kc0.shape[2]
    qv, kv = (np.ascontiguousarray(x[:, :, :nv]) for x in (qn, kn))
    ql, qc, kl, kc, sel = compiler.run_cpu(
        ir.svg2_clusters_module((b, h, nv, d), nq, nk, iterations, top_p, min_kc_ratio),
        [qv, kv, qc0, kc0])
    if text_length:
        pad = text_length - valid
        ql = np.concatenate([ql, np.full((b, h, valid), nq, np.int32),
                             np.full((b, h, pad), nq + 1, np.int32)], -1)
        kl = np.concatenate([kl, np.full((b, h, valid), nk, np.int32),
                             np.full((b, h, pad), nk + 1, np.int32)], -1)
        ext = np.zeros((b, h, nq + 2, nk + 2), bool)
        ext[:, :, :nq, :nk] = sel
        ext[:, :, nq, :nk + 1] = True      # the prompt attends to video and prompt
        ext[:, :, :nq + 1, nk] = True      # video and prompt attend to the prompt
        ext[:, :, nq + 1, nk + 1] = True   # padding attends to padding only
        sel, nq, nk = ext, nq + 2, nk + 2
    (out,) = compiler.run_cpu(ir.cluster_attention_module(qs, nq, nk, scale),
                              [qn, kn, vn, np.ascontiguousarray(ql), np.ascontiguousarray(kl),
                               np.ascontiguousarray(sel)])
    if hasattr(q, "detach"):
        import torch
        return torch.from_numpy(out).to(q.dtype), qc, kc
    return out.astype(np.asarray(q).dtype), qc, kc


def sdpa_grad(q, k, v, dout, scale: Optional[float] = None):
    """The gradients (dq, dk, dv) of ``sdpa(q, k, v, scale)`` for the output
    gradient ``dout`` (shaped like q): attn.sdpa_grad where the inputs live (_run_grad: the CPU path, or the GPU backward
    kernels for bf16/f16 CUDA tensors); results of the
    inputs' kind and dtype, P recomputed in f32."""
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    return _run_grad(q, k, v, dout, qs,
                     lambda elem: ir.sdpa_grad_module(qs, ks, elem, scale))


def _run_grad(q, k, v, dout, qs, build, extra=(), index=()):
    """Runs the gradient module build(elem) (q, k, v, *extra, dout, *index)
    -> (dq, dk, dv, d(extra)...) where the inputs live: the CPU path for
    NumPy arrays and CPU tensors, the GPU backward kernels for CUDA tensors
    (bf16/f16), a precompile for TensorSpecs; `extra`: (tensor, name)
    pairs; `index`: (int32 table, name) pairs."""
    if _shape(dout, "dout") != qs:
        raise ValueError(f"dout shape {list(_shape(dout, 'dout'))} must equal q shape "
                         f"{list(qs)}")
    data = [q, k, v] + [x for x, _ in extra] + [dout]
    names = ["q", "k", "v"] + [n for _, n in extra] + ["dout"]
    inputs, all_names = data + [x for x, _ in index], names + [n for _, n in index]
    index_args = tuple(n for _, n in index)
    kind = _classify(data, names)
    if kind == "cuda":
        return tuple(_run_gpu(build, inputs, all_names, index_args, every_result=True))
    if kind == "spec":
        return _run_spec(build, data)
    return tuple(_run_cpu(build, inputs, all_names, kind, index_args=index_args))


# ---------------------------------------------------------------------------
# Pre-tiled entry points (what FastVideo's kernels take; adapters.py)
# ---------------------------------------------------------------------------

def vsa_tiled(q, k, v, kv_block_sizes, q_block_sizes, topk: int, block: int = 64, gate=None):
    """attn.vsa on tiled q/k/v ``[B, H, N*P, D]`` (P = ``block`` slots per tile,
    partial tiles compacted into their first slots, pads zero) with the valid
    tokens per tile as int32 tables (``kv_block_sizes`` [Nkv], ``q_block_sizes``
    [Nq]; on the inputs' device, never read on the host) and ``topk`` kv tiles
    per query tile. Returns q's shape."""
    ops = _torch_op(q, k, v, gate, kv_block_sizes, q_block_sizes)
    if ops is not None:
        return ops.vsa_tiled(q, k, v, kv_block_sizes, q_block_sizes, topk, block, gate)
    qs, ks, topk = _vsa_tiled_args(q, k, v, kv_block_sizes, q_block_sizes, topk, block, gate)
    inputs, names = [q, k, v], ["q", "k", "v"]
    if gate is not None:
        inputs.append(gate)
        names.append("compress_attn_weight")
    inputs += [q_block_sizes, kv_block_sizes]
    names += ["q_block_sizes", "kv_block_sizes"]
    return _run(lambda elem: ir.vsa_tiled_module(qs, ks, elem, block, topk, gate is not None),
                inputs, names, index_args=("q_block_sizes", "kv_block_sizes"))


def vsa_tiled_grad(q, k, v, dout, kv_block_sizes, q_block_sizes, topk: int, block: int = 64,
                   gate=None):
    """The gradients (dq, dk, dv), and dgate with a gate, of ``vsa_tiled(q, k,
    v, kv_block_sizes, q_block_sizes, topk, block, gate)`` for the output
    gradient ``dout`` (shaped like q): attn.vsa_grad (the top-k selection a
    constant) where the inputs live (_run_grad: the CPU path, or the GPU backward
    kernels for bf16/f16 CUDA tensors)."""
    qs, ks, topk = _vsa_tiled_args(q, k, v, kv_block_sizes, q_block_sizes, topk, block, gate)
    return _run_grad(q, k, v, dout, qs,
                     lambda elem: ir.vsa_tiled_module(qs, ks, elem, block, topk,
                                                      gate is not None, grad=True),
                     extra=[] if gate is None else [(gate, "compress_attn_weight")],
                     index=[(q_block_sizes, "q_block_sizes"),
                            (kv_block_sizes, "kv_block_sizes")])


def _vsa_tiled_args(q, k, v, kv_block_sizes, q_block_sizes, topk, block, gate):
    """vsa_tiled's argument checks: (q shape, k shape, topk clamped to Nkv)."""
    qs, ks = _check_qkv(q, k, v, same_seq=False)
    if isinstance(block, bool) or not isinstance(block, numbers.Integral) or block < 1:
        raise ValueError(f"block must be a positive integer (tokens per tile), got {block!r}")
    for name, s in (("q", qs), ("k", ks)):
        if s[2] % block:
            raise ValueError(f"{name} seq {s[2]} is not a multiple of the block {block}: "
                             "pass tiled (padded) tensors")
    nq, nkv = qs[2] // block, ks[2] // block
    for name, t, n in (("kv_block_sizes", kv_block_sizes, nkv),
                       ("q_block_sizes", q_block_sizes, nq)):
        s = _shape(t, name)
        if s != (n,):
            raise ValueError(f"{name} must have shape [{n}] (one entry per tile), got {list(s)}")
    if isinstance(topk, bool) or not isinstance(topk, numbers.Integral) or topk < 1:
        raise ValueError(f"topk must be an integer >= 1, got {topk!r}")
    if gate is not None:
        gs = _check_rank4(gate, "compress_attn_weight")
        if gs != qs:
            raise ValueError(f"compress_attn_weight shape {list(gs)} must equal q shape "
                             f"{list(qs)}")
    return qs, ks, min(int(topk), nkv)


def sta_tiled(q, k, v, window_size, text_length: int, tile_grid, tile=STA_TILE):
    """attn.sliding_tile on tiled image tokens (tile-major, whole tiles) then
    text: q/k/v ``[B, H, N*P + S_text, D]``, ``text_length <= S_text`` valid
    text tokens, ``window_size`` one [kt, kh, kw] or one per head."""
    ops = _torch_op(q, k, v)
    if ops is not None:
        return ops.sta_tiled(q, k, v, window_size, text_length, tile_grid, tile)
    qs, tg, t, window, windows = _sta_tiled_args(q, k, v, window_size, text_length,
                                                 tile_grid, tile)
    return _run(lambda elem: ir.sta_tiled_module(qs, elem, tg, t, window, windows,
                                                 int(text_length)), [q, k, v], ["q", "k", "v"])


def sta_tiled_grad(q, k, v, dout, window_size, text_length: int, tile_grid, tile=STA_TILE):
    """The gradients (dq, dk, dv) of ``sta_tiled(q, k, v, window_size,
    text_length, tile_grid, tile)`` for the output gradient ``dout`` (shaped
    like q): attn.sliding_tile_grad where the inputs live (_run_grad: the CPU path, or the GPU backward
    kernels for bf16/f16 CUDA tensors)."""
    qs, tg, t, window, windows = _sta_tiled_args(q, k, v, window_size, text_length,
                                                 tile_grid, tile)
    return _run_grad(q, k, v, dout, qs,
                     lambda elem: ir.sta_tiled_module(qs, elem, tg, t, window, windows,
                                                      int(text_length), grad=True))


def _sta_tiled_args(q, k, v, window_size, text_length, tile_grid, tile):
    """sta_tiled's argument checks: (q shape, tile grid, tile, window, windows)."""
    qs, _ = _check_qkv(q, k, v)
    ks = _shape(k)
    if ks != qs:
        raise ValueError(f"sliding tile attention takes q, k, v of one shape; got q "
                         f"{list(qs)}, k {list(ks)}")
    tg, t = parse_grid(tile_grid, "tile_grid"), ir.triple("tile", tile)
    s_img = tg[0] * tg[1] * tg[2] * t[0] * t[1] * t[2]
    if isinstance(text_length, bool) or not isinstance(text_length, numbers.Integral):
        raise TypeError(f"text_length must be an integer, got {text_length!r}")
    if qs[2] < s_img:
        raise ValueError(f"tile grid {list(tg)} of tiles {list(t)} has {s_img} image tokens "
                         f"but q has seq {qs[2]}")
    if not 0 <= int(text_length) <= qs[2] - s_img:
        raise ValueError(f"text_length {text_length} must be in [0, {qs[2] - s_img}] (the "
                         f"{qs[2] - s_img} tokens after the {s_img} image tokens)")
    window, windows = normalize_windows(window_size, qs[1])
    return qs, tg, t, window, windows
