"""The GPU runtime: THE ctypes binding of libattnrt.so (include/attnrt/attnrt.h).

``library(path)`` loads the library and declares every entry point's
argument and result types (once per path); the package, the GPU scripts
(scripts/gpu, bench) and the runtime tests (test/Runtime) all bind attnrt
through it. ``Artifact(dir)`` loads an artifact (docs/ARTIFACT.md) and
reports its signature; ``launch(artifact, inputs)`` validates the inputs
(dtype, shape, contiguity, one CUDA device) against it, allocates the
outputs with ``torch.empty`` on that device and launches on torch's current
stream, passing device pointers (no copies). Inputs may be torch tensors or
any object with ``__cuda_array_interface__`` or ``__dlpack__`` (e.g. CuPy).
``Runtime(path)`` is the scripts' interface: handles, torch tensors in and
out, torch's current stream.

This module needs neither the native compiler module nor NumPy, and imports
torch only when a launch needs it, so the GPU machine (no LLVM/MLIR) can use
it from the source tree (python/ on sys.path).
"""
import ctypes
import os
import threading
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import RuntimeLibraryError

_libs: Dict[str, ctypes.CDLL] = {}
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


def _declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of every function of attnrt.h."""
    vp, u64, i64p = ctypes.c_void_p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_int64)
    u64p, int_ = ctypes.POINTER(ctypes.c_uint64), ctypes.c_int
    sigs = {
        "attnrt_load": (int_, [ctypes.c_char_p, ctypes.POINTER(vp)]),
        "attnrt_num_args": (int_, [vp]),
        "attnrt_num_results": (int_, [vp]),
        "attnrt_arg_info": (int_, [vp, int_, ctypes.POINTER(ctypes.c_char_p), i64p, int_]),
        "attnrt_result_info": (int_, [vp, int_, ctypes.POINTER(ctypes.c_char_p), i64p, int_]),
        "attnrt_scratch_bytes": (int_, [vp, u64p]),
        "attnrt_num_scratch_sets": (int_, [vp]),
        "attnrt_set_max_scratch_sets": (int_, [vp, int_]),
        "attnrt_set_checked": (int_, [vp, int_]),
        "attnrt_num_launches": (int_, [vp]),
        "attnrt_run": (int_, [vp, vp, u64p, u64p]),
        "attnrt_is_dynamic": (int_, [vp]),
        "attnrt_result_shape": (int_, [vp, int_, i64p, i64p, int_]),
        "attnrt_run_shaped": (int_, [vp, vp, u64p, i64p, u64p]),
        "attnrt_free": (None, [vp]),
        "attnrt_device_alloc": (int_, [u64, u64p]),
        "attnrt_device_free": (int_, [u64]),
        "attnrt_copy_to_device": (int_, [u64, vp, u64]),
        "attnrt_copy_from_device": (int_, [vp, u64, u64]),
        "attnrt_synchronize": (int_, []),
        "attnrt_last_error": (ctypes.c_char_p, []),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args


def library(path: Optional[str] = None) -> ctypes.CDLL:
    """libattnrt.so at `path` (default: library_path()) with its functions
    declared; loaded once per path."""
    path = path or library_path()
    with _lib_lock:
        lib = _libs.get(path)
        if lib is None:
            try:
                lib = ctypes.CDLL(path)
                _declare(lib)
            except (OSError, AttributeError) as e:
                raise RuntimeLibraryError(
                    f"cannot load the GPU runtime {path}: {e} (build it with scripts/build.sh, "
                    "or cmake -S runtime -B build-rt on the GPU machine, and set "
                    "ATTN_MLIR_ATTNRT to the library)") from None
            _libs[path] = lib
        return lib


def last_error(lib: ctypes.CDLL) -> str:
    """attnrt_last_error() of this thread, decoded."""
    e = lib.attnrt_last_error()
    return e.decode(errors="replace") if e else "unknown error"


def _pointers(values: Sequence[int]):
    return (ctypes.c_uint64 * max(1, len(values)))(*values)


def _dims(shapes: Sequence[Sequence[int]]):
    """Every shape's dims, concatenated, as an int64 array."""
    flat = [int(d) for shape in shapes for d in shape]
    return (ctypes.c_int64 * max(1, len(flat)))(*flat)


class Artifact:
    """A loaded GPU artifact: its signature, checked mode, and attnrt_run."""

    def __init__(self, path: str, lib: Optional[str] = None):
        self._lib = library(lib)
        self.path = path
        self._h = ctypes.c_void_p()
        if self._lib.attnrt_load(os.fsencode(path), ctypes.byref(self._h)) != 0:
            self._h = None
            raise RuntimeLibraryError(f"attnrt_load({path}) failed: {last_error(self._lib)}")
        self.args = [self._info(self._lib.attnrt_arg_info, i)
                     for i in range(self._lib.attnrt_num_args(self._h))]
        self.results = [self._info(self._lib.attnrt_result_info, i)
                        for i in range(self._lib.attnrt_num_results(self._h))]

    def _info(self, fn, i) -> Tuple[str, Tuple[int, ...]]:
        dt = ctypes.c_char_p()
        dims = (ctypes.c_int64 * MAX_DIMS)()
        rank = fn(self._h, i, ctypes.byref(dt), dims, MAX_DIMS)
        if rank < 0:
            raise RuntimeLibraryError(f"{self.path}: {last_error(self._lib)}")
        if rank > MAX_DIMS:  # attnrt_load rejects these; never truncate a shape
            raise RuntimeLibraryError(f"{self.path}: rank {rank} > {MAX_DIMS}")
        return dt.value.decode(), tuple(int(d) for d in dims[:rank])

    def _check(self, rc: int, what: str):
        if rc != 0:
            raise RuntimeLibraryError(f"{what}({self.path}) failed: {last_error(self._lib)}")

    def set_checked(self, on: bool):
        self._check(self._lib.attnrt_set_checked(self._h, int(bool(on))), "attnrt_set_checked")

    def num_launches(self) -> int:
        return self._lib.attnrt_num_launches(self._h)

    def scratch_bytes(self) -> int:
        """Bytes of one scratch set (one is allocated per stream run on)."""
        b = ctypes.c_uint64()
        self._check(self._lib.attnrt_scratch_bytes(self._h, ctypes.byref(b)),
                    "attnrt_scratch_bytes")
        return b.value

    def scratch_sets(self) -> int:
        """Scratch sets allocated so far: one per distinct stream run on."""
        return self._lib.attnrt_num_scratch_sets(self._h)

    def set_max_scratch_sets(self, n: int):
        """Caps the scratch sets at n (0: no cap): a run on a new stream past
        the cap raises instead of allocating."""
        self._check(self._lib.attnrt_set_max_scratch_sets(self._h, int(n)),
                    "attnrt_set_max_scratch_sets")

    @property
    def dynamic(self) -> bool:
        """Whether some sizes are given at run time (argument shapes with -1
        in self.args): runs then pass the arguments' shapes."""
        return bool(self._lib.attnrt_is_dynamic(self._h))

    def result_shape(self, i: int, arg_shapes: Sequence[Sequence[int]]) -> Tuple[int, ...]:
        """Result i's shape for arguments of these shapes (raises when they
        do not fit the artifact, saying how)."""
        dims = _dims(arg_shapes)
        out = (ctypes.c_int64 * MAX_DIMS)()
        rank = self._lib.attnrt_result_shape(self._h, i, dims, out, MAX_DIMS)
        if rank < 0:
            raise RuntimeLibraryError(f"{self.path}: {last_error(self._lib)}")
        return tuple(int(d) for d in out[:rank])

    def bind(self, args: Sequence[int], results: Sequence[int],
             arg_shapes: Optional[Sequence[Sequence[int]]] = None):
        """A function of a stream (an int, 0: the default stream) that runs
        the artifact on these device pointers (arrays built once, for timing
        loops); with `arg_shapes`, through attnrt_run_shaped (needed for a
        dynamic artifact)."""
        a, r, lib = _pointers(args), _pointers(results), self._lib
        dims = _dims(arg_shapes) if arg_shapes is not None else None

        def run(stream: int = 0):
            h = self._h  # read at call time: a freed artifact is an error, not a use after free
            if h is None:
                raise RuntimeLibraryError(f"attnrt_run({self.path}): the artifact was freed")
            s = ctypes.c_void_p(stream or None)
            if dims is None:
                self._check(lib.attnrt_run(h, s, a, r), "attnrt_run")
            else:
                self._check(lib.attnrt_run_shaped(h, s, a, dims, r), "attnrt_run_shaped")
        return run

    def run(self, stream: int, args: Sequence[int], results: Sequence[int],
            arg_shapes: Optional[Sequence[Sequence[int]]] = None):
        self.bind(args, results, arg_shapes)(stream)

    def free(self):
        """Releases the artifact's device state now (else when collected)."""
        h, self._h = getattr(self, "_h", None), None
        if h is not None and h.value:
            self._lib.attnrt_free(h)

    def __del__(self):
        try:
            self.free()
        except Exception:  # interpreter shutdown
            pass


# ---------------------------------------------------------------------------
# Framework tensors
# ---------------------------------------------------------------------------

_CAI_DTYPES = {"<f2": "f16", "<f4": "f32", "<i4": "i32", "<i8": "i64", "|b1": "i1"}


def _torch():
    """torch, imported on first use (never when the package is imported)."""
    import torch
    return torch


# Plan dtype -> the name of its torch dtype: the one map both ways use.
_TORCH_NAMES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32", "i32": "int32",
                "i64": "int64", "i1": "bool"}


def torch_dtype(name: str):
    """The torch dtype of a plan dtype ("bf16" -> torch.bfloat16)."""
    return getattr(_torch(), _TORCH_NAMES[name])


def torch_dtype_name(t) -> Optional[str]:
    """The plan dtype of a torch tensor ("bf16"), None if there is none."""
    torch = _torch()
    for name, attr in _TORCH_NAMES.items():
        if t.dtype == getattr(torch, attr):
            return name
    return None


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


def check_inputs(artifact: Artifact, bufs: List[DeviceBuffer], names: Sequence[str],
                 tensor_args: Optional[int] = None) -> int:
    """Validates inputs against the artifact's arguments (the first
    `tensor_args` of them, default all); returns the device index."""
    want = len(artifact.args) if tensor_args is None else tensor_args
    if len(bufs) != want:
        raise ValueError(f"the compiled function takes {want} inputs, "
                         f"got {len(bufs)}")
    device = None
    for b, (dtype, shape), name in zip(bufs, artifact.args, names):
        if b.dtype != dtype:
            raise TypeError(f"{name}: dtype {b.dtype} does not match the compiled "
                            f"function's {dtype}")
        # -1: a run-time size (the runtime checks the sizes' relations).
        if len(b.shape) != len(shape) or any(s >= 0 and d != s for d, s in zip(b.shape, shape)):
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


def check_outputs(artifact: Artifact, outs: Sequence, device: int,
                  shapes: Optional[Sequence] = None) -> List[DeviceBuffer]:
    """Validates caller-provided outputs (`out=`) against the artifact's
    results (of `shapes`, the results' shapes for this run's inputs, when
    given)."""
    if len(outs) != len(artifact.results):
        raise ValueError(f"the compiled function has {len(artifact.results)} results, "
                         f"got {len(outs)} outputs")
    bufs = []
    results = artifact.results if shapes is None else [
        (dtype, shape) for (dtype, _), shape in zip(artifact.results, shapes)]
    for i, (o, (dtype, shape)) in enumerate(zip(outs, results)):
        name = "out" if len(outs) == 1 else f"out[{i}]"
        b = as_device_buffer(o, name)
        if b.dtype != dtype:
            raise TypeError(f"{name}: dtype {b.dtype} does not match the result's {dtype}")
        if b.shape != tuple(shape):
            raise ValueError(f"{name}: shape {list(b.shape)} does not match the result's "
                             f"{list(shape)}")
        if not b.contiguous:
            raise ValueError(f"{name} must be contiguous")
        if b.device is not None and b.device != device:
            raise ValueError(f"{name} is on cuda:{b.device}, the inputs on cuda:{device}")
        bufs.append(b)
    return bufs


def launch(artifact: Artifact, inputs: Sequence, names: Sequence[str] = (),
           outs: Optional[Sequence] = None, sizes: Sequence[int] = ()):
    """Runs the artifact on CUDA inputs on torch's current stream; returns the
    results in order: `outs` when given (written in place, nothing
    allocated), else torch tensors from torch.empty (the caching allocator).
    No host synchronization either way, so CUDA graphs can capture it.
    `sizes`: the values of the artifact's size arguments (dtype "size": a
    video grid's extents, a top-k), which follow the tensor inputs."""
    names = list(names) + [f"input #{i}" for i in range(len(names), len(inputs))]
    bufs = [as_device_buffer(x, n) for x, n in zip(inputs, names)]
    n_sizes = sum(1 for dt, _ in artifact.args if dt == "size")
    if len(sizes) != n_sizes or any(dt == "size" for dt, _ in artifact.args[:len(bufs)]):
        raise ValueError(f"the compiled function takes {len(artifact.args) - n_sizes} tensor "
                         f"inputs and then {n_sizes} sizes, got {len(bufs)} and {len(sizes)}")
    device = check_inputs(artifact, bufs, names, tensor_args=len(bufs))
    torch = _torch()
    # Run-time sizes: the results' shapes come from the inputs' (the runtime
    # refuses shapes that break the artifact's relations, naming them).
    arg_shapes = ([b.shape for b in bufs] + [(int(v),) for v in sizes]
                  if artifact.dynamic else None)
    shapes = ([artifact.result_shape(i, arg_shapes) for i in range(len(artifact.results))]
              if arg_shapes is not None else [shape for _, shape in artifact.results])
    with torch.cuda.device(device):
        if outs is None:
            outs = [torch.empty(shape, dtype=torch_dtype(dtype), device=f"cuda:{device}")
                    for (dtype, _), shape in zip(artifact.results, shapes)]
            ptrs = [o.data_ptr() for o in outs]
        else:
            outs = list(outs)
            ptrs = [b.ptr for b in check_outputs(artifact, outs, device, shapes)]
        stream = torch.cuda.current_stream(device).cuda_stream
        artifact.run(stream, [b.ptr for b in bufs] + [0] * len(sizes), ptrs, arg_shapes)
    return outs


# ---------------------------------------------------------------------------
# The scripts' interface (scripts/gpu, bench): handles and torch tensors
# ---------------------------------------------------------------------------

class _TorchDtypes:
    """DTYPES["bf16"] -> torch.bfloat16 (torch imported on first use)."""

    def __getitem__(self, name: str):
        return torch_dtype(name)


DTYPES = _TorchDtypes()


class Runtime:
    """libattnrt.so at `path` for the GPU checks and benchmarks: load() gives
    an Artifact handle; run() takes contiguous CUDA torch tensors and runs on
    torch's current stream. Errors raise RuntimeError (RuntimeLibraryError)."""

    v2 = True  # scratch and checked mode (plan format 2 and later): every attnrt has it

    def __init__(self, path: Optional[str] = None):
        self.path = path
        self.lib = library(path)

    def err(self) -> str:
        return last_error(self.lib)

    def load(self, d: str) -> Artifact:
        return Artifact(d, self.path)

    def free(self, h: Artifact):
        h.free()

    def signature(self, h: Artifact):
        """([(dtype, shape)] of the arguments, same of the results)."""
        return h.args, h.results

    def set_checked(self, h: Artifact, on):
        h.set_checked(on)

    def num_launches(self, h: Artifact) -> int:
        return h.num_launches()

    def scratch_bytes(self, h: Artifact) -> int:
        return h.scratch_bytes()

    def runner(self, h: Artifact, args, results):
        """A no-argument function that enqueues one run on torch's current
        stream (pointer arrays built once, for timing loops)."""
        for t in list(args) + list(results):
            if not (t.is_cuda and t.is_contiguous()):
                raise ValueError("attnrt takes contiguous CUDA tensors")
        run = h.bind([t.data_ptr() for t in args], [t.data_ptr() for t in results])
        torch = _torch()
        return lambda: run(torch.cuda.current_stream().cuda_stream)

    def run(self, h: Artifact, args, results):
        self.runner(h, args, results)()
