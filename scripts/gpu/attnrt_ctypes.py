"""The attnrt runtime (include/attnrt/attnrt.h) through ctypes, on torch
tensors and torch's current CUDA stream. Shared by the GPU checks and the
model benchmark."""
import ctypes

import torch

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
          "i32": torch.int32, "i1": torch.bool}


class Runtime:
    def __init__(self, path):
        self.lib = lib = ctypes.CDLL(path)
        lib.attnrt_last_error.restype = ctypes.c_char_p
        lib.attnrt_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.attnrt_num_args.argtypes = lib.attnrt_num_results.argtypes = [ctypes.c_void_p]
        lib.attnrt_arg_info.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_int64), ctypes.c_int]
        lib.attnrt_result_info.argtypes = lib.attnrt_arg_info.argtypes
        lib.attnrt_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_uint64),
                                   ctypes.POINTER(ctypes.c_uint64)]
        lib.attnrt_free.argtypes = [ctypes.c_void_p]
        # Format 2 (absent from older builds of the library).
        self.v2 = hasattr(lib, "attnrt_set_checked")
        if self.v2:
            lib.attnrt_set_checked.argtypes = [ctypes.c_void_p, ctypes.c_int]
            lib.attnrt_num_launches.argtypes = [ctypes.c_void_p]
            lib.attnrt_scratch_bytes.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64)]

    def err(self):
        return self.lib.attnrt_last_error().decode()

    def load(self, d):
        h = ctypes.c_void_p()
        if self.lib.attnrt_load(d.encode(), ctypes.byref(h)):
            raise RuntimeError(self.err())
        return h

    def free(self, h):
        self.lib.attnrt_free(h)

    def signature(self, h):
        """([(dtype, shape)] of the arguments, same of the results)."""
        def infos(n, fn):
            out = []
            for i in range(n):
                dt = ctypes.c_char_p()
                dims = (ctypes.c_int64 * 8)()
                r = fn(h, i, ctypes.byref(dt), dims, 8)
                out.append((dt.value.decode(), tuple(dims[:r])))
            return out
        return (infos(self.lib.attnrt_num_args(h), self.lib.attnrt_arg_info),
                infos(self.lib.attnrt_num_results(h), self.lib.attnrt_result_info))

    def set_checked(self, h, on):
        if self.lib.attnrt_set_checked(h, int(on)):
            raise RuntimeError(self.err())

    def num_launches(self, h):
        return self.lib.attnrt_num_launches(h)

    def scratch_bytes(self, h):
        b = ctypes.c_uint64()
        if self.lib.attnrt_scratch_bytes(h, ctypes.byref(b)):
            raise RuntimeError(self.err())
        return b.value

    def runner(self, h, args, results):
        """A no-argument function that enqueues one run on torch's current
        stream (pointer arrays built once, for timing loops)."""
        for t in list(args) + list(results):
            assert t.is_cuda and t.is_contiguous(), "attnrt takes contiguous CUDA tensors"
        a = (ctypes.c_uint64 * max(1, len(args)))(*[t.data_ptr() for t in args])
        r = (ctypes.c_uint64 * max(1, len(results)))(*[t.data_ptr() for t in results])
        lib = self.lib

        def run():
            stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
            if lib.attnrt_run(h, stream, a, r):
                raise RuntimeError(self.err())
        return run

    def run(self, h, args, results):
        self.runner(h, args, results)()
