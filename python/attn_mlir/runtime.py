"""The GPU path: libattnrt.so through ctypes, framework tensors zero-copy.

``Artifact(dir)`` loads an artifact (docs/ARTIFACT.md) and reports its
signature; ``launch(artifact, inputs)`` validates the inputs (dtype, shape,
contiguity, one CUDA device) against it, allocates the outputs with
``torch.empty`` on that device and launches on torch's current stream,
passing device pointers (no copies). Inputs may be torch tensors or any
object with ``__cuda_array_interface__`` or ``__dlpack__`` (e.g. CuPy).

torch is imported only here, and only when a launch needs it.
"""
import ctypes
import os
import threading
from typing import List, Optional, Sequence, Tuple

from .errors import RuntimeLibraryError

_lib = None
_lib_lock = threading.Lock()
MAX_DIMS = 8


def library_path() -> str:
    """$ATTN_MLIR_ATTNRT, else libattnrt.so next to the package, else the build
    tree's (build/lib, relative to build/python/attn_mlir, so a build tree
    carried to another machine works), else the path recorded at build time."""
    env = os.environ.get("ATTN_MLIR_ATTNRT")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(here, "libattnrt.so"),
                  os.path.join(here, "..", "..", "lib", "libattnrt.so")]
    try:
        from . import _build_info
        candidates.append(_build_info.ATTNRT_LIBRARY)
    except ImportError:
        pass
    for c in candidates:
        if os.path.isfile(c):
            return os.path.normpath(c)
    return candidates[0]


def library():
    global _lib
    with _lib_lock:
        if _lib is None:
            path = library_path()
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                raise RuntimeLibraryError(
                    f"cannot load the GPU runtime {path}: {e} (build it with scripts/build.sh, "
                    "or cmake -S runtime -B build-rt on the GPU machine, and set "
                    "ATTN_MLIR_ATTNRT to the library)") from None
            vp, i64p = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64)
            lib.attnrt_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp)]
            lib.attnrt_num_args.argtypes = [vp]
            lib.attnrt_num_results.argtypes = [vp]
            for f in (lib.attnrt_arg_info, lib.attnrt_result_info):
                f.argtypes = [vp, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), i64p,
                              ctypes.c_int]
            lib.attnrt_run.argtypes = [vp, vp, ctypes.POINTER(ctypes.c_uint64),
                                       ctypes.POINTER(ctypes.c_uint64)]
            lib.attnrt_free.argtypes = [vp]
            lib.attnrt_free.restype = None
            lib.attnrt_last_error.restype = ctypes.c_char_p
            _lib = lib
        return _lib


def _last_error(lib) -> str:
    e = lib.attnrt_last_error()
    return e.decode(errors="replace") if e else "unknown error"


class Artifact:
    """A loaded GPU artifact: its signature, and attnrt_run."""

    def __init__(self, path: str):
        lib = library()
        self.path = path
        self._lib = lib
        self._h = ctypes.c_void_p()
        if lib.attnrt_load(os.fsencode(path), ctypes.byref(self._h)) != 0:
            raise RuntimeLibraryError(f"attnrt_load({path}) failed: {_last_error(lib)}")
        self.args = [self._info(lib.attnrt_arg_info, i)
                     for i in range(lib.attnrt_num_args(self._h))]
        self.results = [self._info(lib.attnrt_result_info, i)
                        for i in range(lib.attnrt_num_results(self._h))]

    def _info(self, fn, i) -> Tuple[str, Tuple[int, ...]]:
        dt = ctypes.c_char_p()
        dims = (ctypes.c_int64 * MAX_DIMS)()
        rank = fn(self._h, i, ctypes.byref(dt), dims, MAX_DIMS)
        if rank < 0:
            raise RuntimeLibraryError(f"{self.path}: {_last_error(self._lib)}")
        return dt.value.decode(), tuple(int(d) for d in dims[:rank])

    def run(self, stream: int, args: Sequence[int], results: Sequence[int]):
        a = (ctypes.c_uint64 * max(1, len(args)))(*args)
        r = (ctypes.c_uint64 * max(1, len(results)))(*results)
        if self._lib.attnrt_run(self._h, ctypes.c_void_p(stream or None), a, r) != 0:
            raise RuntimeLibraryError(f"attnrt_run({self.path}) failed: "
                                      f"{_last_error(self._lib)}")

    def __del__(self):
        h = getattr(self, "_h", None)
        if h is not None and h.value:
            try:
                self._lib.attnrt_free(h)
            except Exception:  # interpreter shutdown
                pass
            self._h = None


# ---------------------------------------------------------------------------
# Framework tensors
# ---------------------------------------------------------------------------

_CAI_DTYPES = {"<f2": "f16", "<f4": "f32", "<i4": "i32", "<i8": "i64", "|b1": "i1"}


def _torch():
    import torch
    return torch


def torch_dtype_name(t) -> Optional[str]:
    torch = _torch()
    return {torch.bfloat16: "bf16", torch.float16: "f16", torch.float32: "f32",
            torch.int32: "i32", torch.int64: "i64", torch.bool: "i1"}.get(t.dtype)


def torch_dtype(name: str):
    torch = _torch()
    return {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
            "i32": torch.int32, "i64": torch.int64, "i1": torch.bool}[name]


def is_torch_tensor(x) -> bool:
    # Without importing torch: a torch tensor's class lives in torch.
    return type(x).__module__.startswith("torch") and hasattr(x, "data_ptr")


class DeviceBuffer:
    """What a launch needs of one input: pointer, dtype, shape, device."""

    def __init__(self, ptr, dtype, shape, device, contiguous, owner):
        self.ptr, self.dtype, self.shape = int(ptr), dtype, tuple(int(d) for d in shape)
        self.device, self.contiguous, self.owner = device, contiguous, owner


def as_device_buffer(x, name: str) -> DeviceBuffer:
    """Describes a CUDA tensor-like without copying it."""
    if is_torch_tensor(x):
        if not x.is_cuda:
            raise ValueError(f"{name} is a CPU tensor; the GPU path needs CUDA tensors")
        return DeviceBuffer(x.data_ptr(), torch_dtype_name(x) or str(x.dtype), x.shape,
                            x.device.index, x.is_contiguous(), x)
    cai = getattr(x, "__cuda_array_interface__", None)
    if cai is not None:
        shape = tuple(cai["shape"])
        dtype = _CAI_DTYPES.get(cai["typestr"], cai["typestr"])
        strides = cai.get("strides")
        contiguous = True
        if strides is not None:
            itemsize = int(cai["typestr"][2:])
            expect, acc = [], itemsize
            for d in reversed(shape):
                expect.append(acc)
                acc *= d
            contiguous = tuple(strides) == tuple(reversed(expect))
        dev = getattr(getattr(x, "device", None), "id", None)
        return DeviceBuffer(cai["data"][0], dtype, shape, dev, contiguous, x)
    if hasattr(x, "__dlpack__"):
        torch = _torch()
        return as_device_buffer(torch.utils.dlpack.from_dlpack(x), name)
    raise TypeError(f"{name}: expected a torch tensor or an object with "
                    f"__cuda_array_interface__ or __dlpack__, got {type(x).__name__}")


def check_inputs(artifact: Artifact, bufs: List[DeviceBuffer], names: Sequence[str]) -> int:
    """Validates inputs against the artifact's arguments; returns the device index."""
    if len(bufs) != len(artifact.args):
        raise ValueError(f"the compiled function takes {len(artifact.args)} inputs, "
                         f"got {len(bufs)}")
    device = None
    for b, (dtype, shape), name in zip(bufs, artifact.args, names):
        if b.dtype != dtype:
            raise TypeError(f"{name}: dtype {b.dtype} does not match the compiled "
                            f"function's {dtype}")
        if b.shape != tuple(shape):
            raise ValueError(f"{name}: shape {list(b.shape)} does not match the compiled "
                             f"function's {list(shape)}")
        if not b.contiguous:
            raise ValueError(f"{name} must be contiguous (call .contiguous())")
        if b.device is not None:
            if device is None:
                device = b.device
            elif b.device != device:
                raise ValueError(f"{name} is on cuda:{b.device}, other inputs on "
                                 f"cuda:{device}")
    return 0 if device is None else device


def launch(artifact: Artifact, inputs: Sequence, names: Sequence[str] = ()):
    """Runs the artifact on CUDA inputs; returns torch tensors (results in order)."""
    names = list(names) + [f"input #{i}" for i in range(len(names), len(inputs))]
    bufs = [as_device_buffer(x, n) for x, n in zip(inputs, names)]
    device = check_inputs(artifact, bufs, names)
    torch = _torch()
    with torch.cuda.device(device):
        outs = [torch.empty(shape, dtype=torch_dtype(dtype), device=f"cuda:{device}")
                for dtype, shape in artifact.results]
        stream = torch.cuda.current_stream(device).cuda_stream
        artifact.run(stream, [b.ptr for b in bufs], [o.data_ptr() for o in outs])
    return outs
