"""The package's attnrt binding (attn_mlir.runtime, imported from the source
tree as the GPU scripts do) on the Inputs/v2 fixture and the fake driver:
Artifact (signature, checked mode, launches, scratch and its sets per
stream, runs, errors) and the
scripts' Runtime interface over it.

usage: check_binding.py LIB FIXTURE"""
import ctypes
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from attn_mlir import RuntimeLibraryError  # noqa: E402
from attn_mlir.runtime import DTYPES, Artifact, Runtime, library  # noqa: E402

path, fixture = sys.argv[1], sys.argv[2]
lib = library(path)
print("one library per path:", library(path) is lib)
art = Artifact(fixture, path)
print("args", art.args)
print("results", art.results)
print("launches", art.num_launches(), "scratch", art.scratch_bytes())
art.set_checked(True)
print("checked launches", art.num_launches())

ptrs = []
for dt, shape in art.args + art.results:
    n = 4
    for d in shape:
        n *= d
    p = ctypes.c_uint64()
    assert lib.attnrt_device_alloc(n, ctypes.byref(p)) == 0
    ptrs.append(p.value)


def put(i, values):
    data = struct.pack(f"<{len(values)}i", *values)
    assert lib.attnrt_copy_to_device(ptrs[i], data, len(data)) == 0


put(1, [0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3])
put(2, [3, 1, 0, 2])
run = art.bind(ptrs[:4], ptrs[4:])
run(0)
run()
print("two runs: ok")
run(0x1000)  # a made-up stream handle: the fake driver never uses it
print("scratch sets after a run on a second stream", art.scratch_sets())
art.set_max_scratch_sets(2)
try:
    run(0x2000)
except RuntimeLibraryError as e:
    print("past the cap:", str(e).replace(fixture, "FIXTURE"))
art.set_max_scratch_sets(0)
put(2, [3, 1, 0, 4])
try:
    art.run(0, ptrs[:4], ptrs[4:])
except RuntimeLibraryError as e:
    print("bad table:", str(e).replace(fixture, "FIXTURE"))
art.free()
art.free()  # twice is harmless
try:
    run()  # a runner bound before free() must not use the freed handle
except RuntimeLibraryError as e:
    print("run after free:", str(e).replace(fixture, "FIXTURE"))
try:
    Artifact(os.path.join(fixture, "missing"), path)
except RuntimeLibraryError as e:
    print("missing:", str(e).replace(fixture, "FIXTURE"))

rt = Runtime(path)
h = rt.load(fixture)
args, results = rt.signature(h)
print("Runtime signature", args[3], results[0], "v2", rt.v2)
rt.set_checked(h, 1)
print("Runtime launches", rt.num_launches(h), "scratch", rt.scratch_bytes(h))
print("DTYPES bf16", DTYPES["bf16"], "i1", DTYPES["i1"])
import torch  # noqa: E402
try:
    rt.run(h, [torch.zeros(2)], [])
except ValueError as e:
    print("CPU tensor:", e)
rt.free(h)
