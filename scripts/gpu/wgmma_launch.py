"""Launches attn-emit-hopper-kernel kernels (attn_wgmma_*) from Python
through the CUDA driver API (ctypes on libcuda): they take three CUtensorMap
parameters by value (128 bytes, 64-byte aligned, __grid_constant__), which
cupy's RawKernel cannot pass. Used by check_flash.py and
bench/gpu_flash_bench.py; the runtime (runtime/Execute.cpp) does the same
in C.

The maps are the ones the kernel's contract names (docs/GPU.md, "Hopper
kernel"): 3-D over a [B, H, S, D] tensor as {D, S, B*H} with
byte strides {D*e, S*D*e}, 128-byte swizzle, zero fill out of bounds, and a
box of {64, 64, 1} for Q and {64, block_kv, 1} for K and V. The raster-tile
kernels (attn_wgmma_..._rt<tt>x<th>x<tw>_s<S>, RasterKernel) take 5-D maps
over raster video tensors [B, H, T*Hh*W, D] as {D, W, Hh, T, B*H}, boxes
{64, tw, th, rows / (th*tw), 1} (64 rows for Q and O, block_kv for K and
V), plus O's map and i32 T, Hh, W."""
import ctypes
import re

NAME = re.compile(r"attn_wgmma_(bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(_vbs)?(_km)?_s(\d)(_ov)?(_pp)?(_qr)?(_fm)?$")
RASTER_NAME = re.compile(r"attn_wgmma_(bf16|f16)_d(\d+)_q(\d+)_kv(\d+)_(idx|dense)(?:_t\d+)?(?:_r\d+)?"
                         r"_rt(\d+)x(\d+)x(\d+)_s(\d)(?:_ov)?(?:_pp)?(?:_qr)?(?:_fm)?$")

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


def encode_tiled(ptr, dtype, dims, box):
    """A CUtensorMap over the contiguous tensor at device address ptr with
    sizes dims (innermost first) read in boxes of box."""
    cu = _lib()
    m = TensorMap()
    u64 = ctypes.c_uint64
    u32 = ctypes.c_uint32
    rank = len(dims)
    strides, stride = [], 2
    for d in dims[:-1]:
        stride *= d
        strides.append(stride)
    _check(cu.cuTensorMapEncodeTiled(
        m.address, _DTYPE[dtype], rank, ctypes.c_void_p(ptr), (u64 * rank)(*dims),
        (u64 * max(rank - 1, 1))(*strides), (u32 * rank)(*box), (u32 * rank)(*([1] * rank)),
        0,  # CU_TENSOR_MAP_INTERLEAVE_NONE
        3,  # CU_TENSOR_MAP_SWIZZLE_128B
        2,  # CU_TENSOR_MAP_L2_PROMOTION_L2_128B
        0),  # CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE (zeros)
        "cuTensorMapEncodeTiled")
    return m


def encode(ptr, dtype, B, H, S, D, box_rows):
    """A CUtensorMap for the [B, H, S, D] tensor at device address ptr."""
    return encode_tiled(ptr, dtype, (D, S, B * H), (64, box_rows, 1))


def shared_bytes(D, bq, bkv, stages, key_mask):
    """hopperKernelSharedBytes (lib/Kernels/HopperAttentionKernel.cpp)."""
    C, NB = bq // 64, D // 64
    ring = C * NB * 64 * 128
    stage = 2 * NB * bkv * 128
    mask = ring + stages * stage
    bars = -(-(mask + (C * stages * bkv if key_mask else 0)) // 8) * 8
    return bars + 8 * (2 * stages + 1)


def _load(path, name, smem):
    """(module, function) of kernel `name` in the cubin at path, allowed
    `smem` bytes of dynamic shared memory."""
    cu = _lib()
    ctx = ctypes.c_void_p()
    _check(cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), 0), "cuDevicePrimaryCtxRetain")
    _check(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
    module = ctypes.c_void_p()
    _check(cu.cuModuleLoad(ctypes.byref(module), path.encode()), f"cuModuleLoad {path}")
    fn = ctypes.c_void_p()
    _check(cu.cuModuleGetFunction(ctypes.byref(fn), module, name.encode()),
           f"cuModuleGetFunction {name}")
    # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    _check(cu.cuFuncSetAttribute(fn, 8, smem), "cuFuncSetAttribute")
    return module, fn


def _pack(vals):
    """The kernel parameter array for ints/maps in vals (kept alive by the
    caller)."""
    return (ctypes.c_void_p * len(vals))(
        *[x.address if isinstance(x, TensorMap) else
          ctypes.cast(ctypes.byref(x), ctypes.c_void_p) for x in vals])


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
        self.module, self.fn = _load(path, name, self.smem)
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
        params = _pack(vals)
        grid = (-(-Sq // self.bq), Hq, B)
        cu = _lib()

        def launch():
            _check(cu.cuLaunchKernel(self.fn, grid[0], grid[1], grid[2], self.threads, 1, 1,
                                     self.smem, ctypes.c_void_p(stream), params, None),
                   f"cuLaunchKernel {self.name}")
        launch.keep = (vals, params)  # keep the argument storage alive
        return launch


class RasterKernel:
    """One raster-tile attn_wgmma_*_rt<tt>x<th>x<tw>_* kernel loaded from a
    cubin (docs/GPU.md, "The raster-tile form")."""

    def __init__(self, path, name):
        m = RASTER_NAME.match(name)
        if not m:
            raise ValueError(f"{name}: not a raster-tile attn_wgmma_* kernel name")
        self.name = name
        self.dtype = m.group(1)
        self.D, self.bq, self.bkv = int(m.group(2)), int(m.group(3)), int(m.group(4))
        self.indexed = m.group(5) == "idx"
        self.tile = (int(m.group(6)), int(m.group(7)), int(m.group(8)))
        self.stages = int(m.group(9))
        self.threads = (self.bq // 64 + 1) * 128
        self.smem = shared_bytes(self.D, self.bq, self.bkv, self.stages, False)
        self.module, self.fn = _load(path, name, self.smem)

    def tokens(self, grid):
        """The tile-major sequence length N * P of the grid."""
        (T, H, W), (a, b, c) = grid, self.tile
        return -(-T // a) * -(-H // b) * -(-W // c) * a * b * c

    def box(self, rows):
        _, b, c = self.tile
        return (64, c, b, rows // (b * c), 1)

    def prepare(self, q, k, v, out, idx, cnt, K, grid, stream=0):
        """A zero-argument launcher for raster tensors q, out [B, Hq, T*Hh*W,
        D] and k, v [B, Hkv, T*Hh*W, D] on the video grid (T, Hh, W); idx, cnt
        are the per-tile tables (None: dense)."""
        T, Hh, W = grid
        B, Hq, S, D = q.shape
        Hkv = k.shape[1]
        assert D == self.D and S == T * Hh * W and k.shape[2] == S
        assert all(t.is_contiguous() for t in (q, k, v, out))
        null = ctypes.c_void_p(0)
        ptr = lambda t: ctypes.c_void_p(t.data_ptr()) if t is not None else null
        i32 = ctypes.c_int32
        qo = lambda t: encode_tiled(t.data_ptr(), self.dtype, (D, W, Hh, T, B * Hq), self.box(64))
        kv = lambda t: encode_tiled(t.data_ptr(), self.dtype, (D, W, Hh, T, B * Hkv),
                                    self.box(self.bkv))
        # Sq and Skv are not read by this form (the raster length is passed).
        vals = [ptr(q), ptr(k), ptr(v), ptr(out), ptr(idx), ptr(cnt), null, null,
                i32(S), i32(S), i32(Hq), i32(Hkv), i32(K), qo(q), kv(k), kv(v), qo(out),
                i32(T), i32(Hh), i32(W)]
        params = _pack(vals)
        launch_grid = (self.tokens(grid) // self.bq, Hq, B)
        cu = _lib()

        def launch():
            _check(cu.cuLaunchKernel(self.fn, *launch_grid, self.threads, 1, 1, self.smem,
                                     ctypes.c_void_p(stream), params, None),
                   f"cuLaunchKernel {self.name}")
        launch.keep = (vals, params)
        return launch
