"""attn_mlir's entry points as torch operators: ``torch.ops.attn_mlir.*``.

Registered when this module is imported (``import attn_mlir.torch_ops``; the
high-level functions import it on the first torch tensor they see), so that

  * ``torch.compile(fullgraph=True)`` traces through them with no graph break
    (Dynamo sees one opaque operator, not the ctypes launch);
  * fake / meta tensors give the output's shape and dtype without compiling
    or running anything (the shape functions below);
  * CUDA graphs capture them: the CUDA kernel launches the artifact on torch's
    current stream with no host synchronization, and with ``out=`` (the
    ``*_out`` operators) allocates nothing.

On torch >= 2.4 the operators are ``torch.library.custom_op`` with a
``register_fake`` shape function; on older torch (Debian 12's 1.13) they are
defined with the ``torch.library.Library`` API with a ``Meta`` kernel. Both
give the same ``torch.ops.attn_mlir.<name>`` and the same schemas:

  video_sparse_attn(q, k, v, gate?, grid[3], sparsity, tile[3]) -> like q
      q [B,Hq,T*H*W,D], k/v [B,Hkv,T*H*W,D] (Hq % Hkv == 0), gate like q
  sliding_tile_attn(q, k, v, window_size[3 or 3*Hq], text_length, grid[3], tile[3]) -> like q
      q/k/v [B,H,T*H*W + S_text,D]
  vsa_tiled(q, k, v, gate?, q_block_sizes[Nq] i32, kv_block_sizes[Nkv] i32, topk, block) -> like q
      q [B,Hq,Nq*block,D], k/v [B,Hkv,Nkv*block,D]   (FastVideo's pre-tiled layout)
  sta_tiled(q, k, v, window_size[3 or 3*H], text_length, tile_grid[3], tile[3]) -> like q
      q/k/v [B,H,N*P + S_text,D]
  sdpa(q, k, v, scale?) -> like q                    q [B,Hq,Sq,D], k/v [B,Hkv,Skv,D]
  tile(x, grid[3], tile[3]) -> [B,H,N*P,D]           x [B,H,T*H*W,D]
  untile(x, grid[3], tile[3]) -> [B,H,T*H*W,D]       x [B,H,N*P,D]

dtypes: CUDA tensors bfloat16 or float16 (block sizes int32); CPU tensors
float32, float16 or bfloat16 (the CPU path). Every operator ``<name>`` has an
``<name>_out(..., out)`` twin that writes ``out`` (shape and dtype of the
result) and returns nothing.
"""
import threading
from typing import List, Optional

import torch

from . import api

NAMESPACE = "attn_mlir"

# name -> (argument list of the schema, what each operator computes)
SCHEMAS = {
    "video_sparse_attn": "Tensor q, Tensor k, Tensor v, Tensor? gate, int[] grid, "
                         "float sparsity, int[] tile",
    "sliding_tile_attn": "Tensor q, Tensor k, Tensor v, int[] window_size, int text_length, "
                         "int[] grid, int[] tile",
    "vsa_tiled": "Tensor q, Tensor k, Tensor v, Tensor? gate, Tensor q_block_sizes, "
                 "Tensor kv_block_sizes, int topk, int block",
    "sta_tiled": "Tensor q, Tensor k, Tensor v, int[] window_size, int text_length, "
                 "int[] tile_grid, int[] tile",
    "sdpa": "Tensor q, Tensor k, Tensor v, float? scale",
    "tile": "Tensor x, int[] grid, int[] tile",
    "untile": "Tensor x, int[] grid, int[] tile",
}


# ---------------------------------------------------------------------------
# What each operator runs (api functions; the CUDA tensors' `out` goes to the launch)
# ---------------------------------------------------------------------------

def _call(name, args):
    if name == "video_sparse_attn":
        q, k, v, gate, grid, sparsity, tile = args
        return api.video_sparse_attn(q, k, v, list(grid), sparsity, gate, tile=list(tile))
    if name == "sliding_tile_attn":
        q, k, v, window, text_length, grid, tile = args
        return api.sliding_tile_attn(q, k, v, list(window), text_length, list(grid),
                                     tile=list(tile))
    if name == "vsa_tiled":
        q, k, v, gate, qbs, kbs, topk, block = args
        return api.vsa_tiled(q, k, v, kbs, qbs, topk, block, gate)
    if name == "sta_tiled":
        q, k, v, window, text_length, tile_grid, tile = args
        return api.sta_tiled(q, k, v, list(window), text_length, list(tile_grid), list(tile))
    if name == "sdpa":
        q, k, v, scale = args
        return api.sdpa(q, k, v, scale)
    if name == "tile":
        x, grid, tile = args
        return api.tile(x, list(grid), list(tile))
    if name == "untile":
        x, grid, tile = args
        return api.untile(x, list(grid), list(tile))
    raise KeyError(name)


_state = threading.local()


def inside_op() -> bool:
    """True while an operator's kernel runs (the api functions then compute
    instead of dispatching to the operator again)."""
    return getattr(_state, "depth", 0) > 0


def _run(name, args, out=None):
    _state.depth = getattr(_state, "depth", 0) + 1
    on_cuda = out is not None and out.is_cuda
    prev_out = getattr(api._mode, "out", None)
    api._mode.out = out if on_cuda else None
    try:
        result = _call(name, args)
    finally:
        api._mode.out = prev_out
        _state.depth -= 1
    if out is None:
        return result
    if not on_cuda:  # the CPU path computes into NumPy: copy into out
        if tuple(out.shape) != tuple(result.shape) or out.dtype != result.dtype:
            raise ValueError(f"out has shape {list(out.shape)} and dtype {out.dtype}; the result "
                             f"has {list(result.shape)} {result.dtype}")
        out.copy_(result)
    return None


# ---------------------------------------------------------------------------
# Shape functions (fake / meta): argument checks and the result's shape, no compile
# ---------------------------------------------------------------------------

def result_shape(name, args) -> List[int]:
    """The result's shape; raises the api's ValueError/TypeError on bad shapes."""
    from . import ir
    if name in ("video_sparse_attn", "sliding_tile_attn", "vsa_tiled", "sta_tiled", "sdpa"):
        q, k, v = args[:3]
        api._check_qkv(q, k, v, same_seq=name in ("video_sparse_attn", "sliding_tile_attn",
                                                   "sta_tiled"))
        return list(q.shape)
    x, grid, tile = args
    s = api._check_rank4(x, "x")
    _, n, p, _ = ir.tile_geometry(grid, tile)
    if name == "tile":
        return [s[0], s[1], n * p, s[3]]
    return [s[0], s[1], grid[0] * grid[1] * grid[2], s[3]]


def _check_args(name, args):
    """The api function's own argument checks, without compiling or running."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        with api.shape_only() as marker:
            r = _call(name, args)
    finally:
        _state.depth -= 1
    assert r is marker, f"{name}: the shape-only call ran"


def _fake(name, args):
    _check_args(name, args)
    return args[0].new_empty(result_shape(name, args))


def _check_out(name, args, out):
    _check_args(name, args)
    shape = result_shape(name, args)
    if list(out.shape) != shape or out.dtype != args[0].dtype:
        raise ValueError(f"out has shape {list(out.shape)} and dtype {out.dtype}; "
                         f"{name} gives {shape} {args[0].dtype}")


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------

def _has_custom_op() -> bool:
    return hasattr(torch, "library") and hasattr(torch.library, "custom_op") and \
        hasattr(torch.library, "register_fake")


_library = None  # the torch.library.Library (old torch) kept alive
_registered = False
API = None  # "custom_op" or "Library"


def _register_library():
    """torch < 2.4: Library("attn_mlir", "DEF"), CPU/CUDA kernels and Meta shapes."""
    global _library
    lib = torch.library.Library(NAMESPACE, "DEF")
    for name, params in SCHEMAS.items():
        lib.define(f"{name}({params}) -> Tensor")
        lib.define(f"{name}_out({params}, Tensor(a!) out) -> ()")

        def kernel(*args, _name=name):
            return _run(_name, args)

        def kernel_out(*args, _name=name):
            _run(_name, args[:-1], args[-1])

        def meta(*args, _name=name):
            return _fake(_name, args)

        def meta_out(*args, _name=name):
            _check_out(_name, args[:-1], args[-1])

        for key in ("CPU", "CUDA"):
            lib.impl(name, kernel, key)
            lib.impl(f"{name}_out", kernel_out, key)
        # torch 1.13 has no autograd fallthrough for Meta: the shape kernel
        # serves both.
        for key in ("Meta", "AutogradMeta"):
            lib.impl(name, meta, key)
            lib.impl(f"{name}_out", meta_out, key)
    # Backward (the CPU path's gradient ops): an autograd.Function at the
    # Autograd keys whose forward runs the operator's kernel.
    for name in _BACKWARD:
        for key in ("AutogradCPU", "AutogradCUDA"):
            lib.impl(name, lambda *a, _n=name: _GradFunction.apply(_n, *a), key)
    _library = lib


def _register_custom_op():
    """torch >= 2.4: torch.library.custom_op + register_fake, explicit schemas."""
    for name, params in SCHEMAS.items():
        def kernel(*args, _name=name):
            return _run(_name, args)

        def kernel_out(*args, _name=name):
            _run(_name, args[:-1], args[-1])

        def fake(*args, _name=name):
            return _fake(_name, args)

        def fake_out(*args, _name=name):
            _check_out(_name, args[:-1], args[-1])

        op = torch.library.custom_op(f"{NAMESPACE}::{name}", kernel, mutates_args=(),
                                     schema=f"({params}) -> Tensor")
        op.register_fake(fake)
        op_out = torch.library.custom_op(f"{NAMESPACE}::{name}_out", kernel_out,
                                         mutates_args=("out",),
                                         schema=f"({params}, Tensor(a!) out) -> ()")
        op_out.register_fake(fake_out)
        _custom_ops[name] = (op, op_out)
        if name in _BACKWARD:
            op.register_autograd(
                lambda ctx, grad, _n=name: _BACKWARD[_n](ctx, grad),
                setup_context=lambda ctx, inputs, output, _n=name: _grad_setup(
                    ctx, _n, inputs))


_custom_ops = {}


# ---------------------------------------------------------------------------
# Gradients: every attention operator (sdpa, sliding_tile_attn,
# video_sparse_attn, vsa_tiled, sta_tiled), where the tensors live (the
# CPU path, or the GPU backward kernels for CUDA tensors; the backward
# launches through ctypes, so it runs eagerly, not traced by torch.compile)
# ---------------------------------------------------------------------------

# operator -> how many leading inputs are tensors its backward reads (q, k,
# v, VSA's optional gate, vsa_tiled's block-size tables)
_SAVED = {"video_sparse_attn": 4, "vsa_tiled": 6}


def _grad_setup(ctx, name, inputs):
    n = _SAVED.get(name, 3)
    ctx.save_for_backward(*inputs[:n])
    ctx.rest = inputs[n:]


def _sdpa_backward(ctx, grad):
    q, k, v = ctx.saved_tensors
    return api.sdpa_grad(q, k, v, grad.contiguous(), ctx.rest[0]) + (None,)


def _sta_backward(ctx, grad):
    q, k, v = ctx.saved_tensors
    window, text_length, grid, tile = ctx.rest
    grads = api.sliding_tile_grad(q, k, v, grad.contiguous(), list(window), text_length,
                                  list(grid), tile=list(tile))
    return grads + (None,) * 4


def _vsa_backward(ctx, grad):
    q, k, v, gate = ctx.saved_tensors
    grid, sparsity, tile = ctx.rest
    grads = api.video_sparse_attn_grad(q, k, v, grad.contiguous(), list(grid), sparsity,
                                       gate, tile=list(tile))
    if gate is None:
        grads = grads + (None,)
    return grads + (None,) * 3


def _vsa_tiled_backward(ctx, grad):
    q, k, v, gate, qbs, kbs = ctx.saved_tensors
    topk, block = ctx.rest
    grads = api.vsa_tiled_grad(q, k, v, grad.contiguous(), kbs, qbs, topk, block, gate)
    if gate is None:
        grads = grads + (None,)
    return grads + (None,) * 4


def _sta_tiled_backward(ctx, grad):
    q, k, v = ctx.saved_tensors
    window, text_length, tile_grid, tile = ctx.rest
    grads = api.sta_tiled_grad(q, k, v, grad.contiguous(), list(window), text_length,
                               list(tile_grid), list(tile))
    return grads + (None,) * 4


# operator -> backward(ctx, grad): the gradients of its inputs
_BACKWARD = {"sdpa": _sdpa_backward, "sliding_tile_attn": _sta_backward,
             "video_sparse_attn": _vsa_backward, "vsa_tiled": _vsa_tiled_backward,
             "sta_tiled": _sta_tiled_backward}


class _GradFunction(torch.autograd.Function):
    """torch < 2.4: an operator of _BACKWARD with its backward."""

    @staticmethod
    def forward(ctx, name, *args):
        out = _run(name, args)  # the CPU/CUDA kernel itself
        ctx.name = name
        _grad_setup(ctx, name, args)
        return out

    @staticmethod
    def backward(ctx, grad):
        return (None,) + _BACKWARD[ctx.name](ctx, grad)


def register():
    """Defines the operators once per process; returns which API did."""
    global _registered, API
    if _registered:
        return API
    if _has_custom_op():
        _register_custom_op()
        API = "custom_op"
    else:
        _register_library()
        API = "Library"
    _registered = True
    return API


register()


def op(name: str, out: bool = False):
    """torch.ops.attn_mlir.<name> (or <name>_out)."""
    return getattr(getattr(torch.ops, NAMESPACE), name + ("_out" if out else ""))


# ---------------------------------------------------------------------------
# Python-level wrappers (normalize arguments, pick the out variant)
# ---------------------------------------------------------------------------

def _call_op(name, args, out):
    if out is None:
        return op(name)(*args)
    op(name, True)(*args, out)
    return out


def video_sparse_attn(q, k, v, grid, sparsity: float, gate=None, *, tile=api.VSA_TILE,
                      out=None):
    """torch.ops.attn_mlir.video_sparse_attn (see api.video_sparse_attn)."""
    return _call_op("video_sparse_attn", (q, k, v, gate, list(api.parse_grid(grid)),
                                          float(api._check_sparsity(sparsity)),
                                          list(api.ir.triple("tile", tile))), out)


def sliding_tile_attn(q, k, v, window_size, text_length: int = 0, grid=None, *,
                      tile=api.STA_TILE, out=None):
    """torch.ops.attn_mlir.sliding_tile_attn; window_size: one [kt,kh,kw], a list of
    per-head windows, or 3*H flat values."""
    flat = _flat_windows(window_size)
    return _call_op("sliding_tile_attn", (q, k, v, flat, int(text_length),
                                          list(api.parse_grid(grid)),
                                          list(api.ir.triple("tile", tile))), out)


def vsa_tiled(q, k, v, kv_block_sizes, q_block_sizes, topk: int, block: int = 64, gate=None, *,
              out=None):
    """torch.ops.attn_mlir.vsa_tiled (see api.vsa_tiled)."""
    return _call_op("vsa_tiled", (q, k, v, gate, q_block_sizes, kv_block_sizes, int(topk),
                                  int(block)), out)


def sta_tiled(q, k, v, window_size, text_length: int, tile_grid, tile=api.STA_TILE, *,
              out=None):
    """torch.ops.attn_mlir.sta_tiled (see api.sta_tiled)."""
    return _call_op("sta_tiled", (q, k, v, _flat_windows(window_size), int(text_length),
                                  list(api.parse_grid(tile_grid, "tile_grid")),
                                  list(api.ir.triple("tile", tile))), out)


def sdpa(q, k, v, scale: Optional[float] = None, *, out=None):
    return _call_op("sdpa", (q, k, v, None if scale is None else float(scale)), out)


def tile(x, grid, tile=api.VSA_TILE, *, out=None):
    return _call_op("tile", (x, list(api.parse_grid(grid)), list(api.ir.triple("tile", tile))),
                    out)


def untile(x, grid, tile=api.VSA_TILE, *, out=None):
    return _call_op("untile", (x, list(api.parse_grid(grid)), list(api.ir.triple("tile", tile))),
                    out)


def _flat_windows(window_size) -> List[int]:
    ws = list(window_size)
    if ws and not isinstance(ws[0], (int,)) and hasattr(ws[0], "__len__"):
        return [int(x) for w in ws for x in w]
    return [int(x) for x in ws]
