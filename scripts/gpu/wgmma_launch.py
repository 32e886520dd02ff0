"""Launches attn-emit-hopper-kernel kernels (attn_wgmma_*) from Python
through the CUDA driver API (ctypes on libcuda): they take three CUtensorMap
parameters by value (128 bytes, 64-byte aligned, __grid_constant__), which
cupy's RawKernel cannot pass. Used by check_flash.py and
bench/gpu_flash_bench.py; the runtime (runtime/Execute.cpp) does the same
in C.

The maps are the ones the kernel's contract names (docs/GPU.md, "Hopper
kernel"): 3-D over a [B, H, S, D] tensor as {D, S, B*H} with
byte strides {D*e, S*D*e}, 128-byte swizzle, zero fill out of bounds, and a
box of {64, 64, 1} for Q and {64, block_kv, 1} for K and V."""
import ctypes
import re

NAME = re.compile(r"attn_wgmma_(bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(_vbs)?(_km)?_s(\d)(_ov)?(_pp)?$")

_cuda = None


def _lib():
    global _cuda
    if _cuda is None:
        _cuda = ctypes.CDLL("libcuda.so.1")
        _check(_cuda.cuInit(0), "cuInit")
    return _cuda


def _check(rc, what):
    if rc != 0:
        msg = ctypes.c_char_p()
        _cuda.cuGetErrorString(rc, ctypes.byref(msg))
        raise RuntimeError(f"{what} failed: CUDA error {rc} "
                           f"({msg.value.decode() if msg.value else '?'})")


class TensorMap:
    """128 bytes at a 64-byte aligned host address (CUtensorMap's alignas(64),
    which ctypes structures cannot express)."""

    def __init__(self):
        self.storage = ctypes.create_string_buffer(128 + 64)
        addr = ctypes.addressof(self.storage)
        self.address = ctypes.c_void_p(addr + (-addr) % 64)


_DTYPE = {"bf16": 9, "f16": 6}  # CU_TENSOR_MAP_DATA_TYPE_{BFLOAT16,FLOAT16}


def encode(ptr, dtype, B, H, S, D, box_rows):
    """A CUtensorMap for the [B, H, S, D] tensor at device address ptr."""
    cu = _lib()
    m = TensorMap()
    u64 = ctypes.c_uint64
    u32 = ctypes.c_uint32
    dims = (u64 * 3)(D, S, B * H)
    strides = (u64 * 2)(D * 2, S * D * 2)
    box = (u32 * 3)(64, box_rows, 1)
    elem = (u32 * 3)(1, 1, 1)
    _check(cu.cuTensorMapEncodeTiled(
        m.address, _DTYPE[dtype], 3, ctypes.c_void_p(ptr), dims, strides, box, elem,
        0,  # CU_TENSOR_MAP_INTERLEAVE_NONE
        3,  # CU_TENSOR_MAP_SWIZZLE_128B
        2,  # CU_TENSOR_MAP_L2_PROMOTION_L2_128B
        0),  # CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE (zeros)
        "cuTensorMapEncodeTiled")
    return m


def shared_bytes(D, bq, bkv, stages, key_mask):
    """hopperKernelSharedBytes (lib/Kernels/HopperAttentionKernel.cpp)."""
    C, NB = bq // 64, D // 64
    ring = C * NB * 64 * 128
    stage = 2 * NB * bkv * 128
    mask = ring + stages * stage
    bars = -(-(mask + (C * stages * bkv if key_mask else 0)) // 8) * 8
    return bars + 8 * (2 * stages + 1)


class Kernel:
    """One attn_wgmma_* kernel loaded from a cubin."""

    def __init__(self, path, name):
        m = NAME.match(name)
        if not m:
            raise ValueError(f"{name}: not an attn_wgmma_* kernel name")
        self.name = name
        self.dtype = m.group(1)
        self.D, self.bq, self.bkv = int(m.group(2)), int(m.group(3)), int(m.group(4))
        self.stages = int(m.group(8))
        self.key_mask = bool(m.group(7))
        self.threads = (self.bq // 64 + 1) * 128
        self.smem = shared_bytes(self.D, self.bq, self.bkv, self.stages, self.key_mask)
        cu = _lib()
        ctx = ctypes.c_void_p()
        _check(cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), 0), "cuDevicePrimaryCtxRetain")
        _check(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        self.module = ctypes.c_void_p()
        _check(cu.cuModuleLoad(ctypes.byref(self.module), path.encode()), f"cuModuleLoad {path}")
        self.fn = ctypes.c_void_p()
        _check(cu.cuModuleGetFunction(ctypes.byref(self.fn), self.module, name.encode()),
               f"cuModuleGetFunction {name}")
        # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        _check(cu.cuFuncSetAttribute(self.fn, 8, self.smem), "cuFuncSetAttribute")
        self._maps = {}

    def _map(self, t, box_rows):
        B, H, S, D = t.shape
        key = (t.data_ptr(), B, H, S, D, box_rows)
        if key not in self._maps:
            self._maps[key] = encode(t.data_ptr(), self.dtype, B, H, S, D, box_rows)
        return self._maps[key]

    def prepare(self, q, k, v, out, idx, cnt, vbs, km, K, stream=0):
        """Returns a zero-argument launcher for these torch tensors (idx, cnt,
        vbs, km may be None); the tensor maps are encoded once here."""
        B, Hq, Sq, D = q.shape
        Hkv, Skv = k.shape[1], k.shape[2]
        assert D == self.D and all(t.is_contiguous() for t in (q, k, v, out))
        null = ctypes.c_void_p(0)
        ptr = lambda t: ctypes.c_void_p(t.data_ptr()) if t is not None else null
        i32 = ctypes.c_int32
        vals = [ptr(q), ptr(k), ptr(v), ptr(out), ptr(idx), ptr(cnt), ptr(vbs), ptr(km),
                i32(Sq), i32(Skv), i32(Hq), i32(Hkv), i32(K),
                self._map(q, 64), self._map(k, self.bkv), self._map(v, self.bkv)]
        params = (ctypes.c_void_p * len(vals))(
            *[x.address if isinstance(x, TensorMap) else
              ctypes.cast(ctypes.byref(x), ctypes.c_void_p) for x in vals])
        grid = (-(-Sq // self.bq), Hq, B)
        cu = _lib()

        def launch():
            _check(cu.cuLaunchKernel(self.fn, grid[0], grid[1], grid[2], self.threads, 1, 1,
                                     self.smem, ctypes.c_void_p(stream), params, None),
                   f"cuLaunchKernel {self.name}")
        launch.keep = (vals, params)  # keep the argument storage alive
        return launch
