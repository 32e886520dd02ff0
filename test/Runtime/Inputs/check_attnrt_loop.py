"""Runs Inputs/loop (nested `loop N` ... `end` blocks, one with 0 trips) on
the fake CUDA driver and prints the launches it logged, in order.

usage: check_attnrt_loop.py LIB FIXTURE LOG"""
import ctypes
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from attn_mlir.runtime import library  # noqa: E402  (the package's one attnrt binding)

lib = library(sys.argv[1])
h = ctypes.c_void_p()
assert lib.attnrt_load(sys.argv[2].encode(), ctypes.byref(h)) == 0, lib.attnrt_last_error()
print("launches", lib.attnrt_num_launches(h))
ptrs = (ctypes.c_uint64 * 1)(0x1000)
for run in range(2):
    rc = lib.attnrt_run(h, None, ptrs, ptrs)
    print("run", run, "rc", rc, lib.attnrt_last_error().decode())
with open(sys.argv[3]) as f:
    print("".join(line for line in f if "cuLaunchKernel" in line), end="")
bad = (ctypes.c_uint64 * 1)(0x1008)
print("misaligned rc", lib.attnrt_run(h, None, bad, ptrs), lib.attnrt_last_error().decode())
lib.attnrt_free(h)
