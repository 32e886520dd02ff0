"""Run-time sizes (docs/ARTIFACT.md) without a GPU, on the fake driver
(fake_cuda.c logging to $FAKE_CUDA_LOG): FIXTURE dyn/ names the batch B and
the sequence S in its argument shapes and computes its grid, i32 parameters,
tensor map, scratch size and result shape from them. attnrt_run refuses it;
attnrt_result_shape and attnrt_run_shaped evaluate it for each run's shapes
(the launch, the map re-encoded for new sizes, the scratch set grown);
shapes that break a static size, a repeated name or the plan's assert fail
before any launch, naming what; malformed expressions fail the load.

usage: check_attnrt_dyn.py LIB FIXTURE TMPDIR"""
import ctypes
import functools
import os
import shutil
import sys

from fake_driver_log import LogCursor, alloc, err as last_error, lib, load

fixture, tmp = sys.argv[2], sys.argv[3]
err = functools.partial(last_error, tmp)
show = LogCursor(keep=lambda line: any(k in line for k in (
    "cuTensorMapEncodeTiled", "cuLaunchKernel", "cuMemAlloc", "cuMemFree",
    "cuStreamSynchronize", "cuFuncSetAttribute"))).show
i64s = lambda v: (ctypes.c_int64 * len(v))(*v)
u64s = lambda v: (ctypes.c_uint64 * len(v))(*v)

rc, h = load(fixture)
assert rc == 0, err()
print("dynamic", lib.attnrt_is_dynamic(h))
dt, dims = ctypes.c_char_p(), (ctypes.c_int64 * 8)()
rank = lib.attnrt_arg_info(h, 0, ctypes.byref(dt), dims, 8)
print("arg 0", dt.value.decode(), list(dims[:rank]))
rank = lib.attnrt_result_info(h, 0, ctypes.byref(dt), dims, 8)
print("result 0", dt.value.decode(), list(dims[:rank]))

shape = lambda B, S, B2=None, S2=None, H2=2: [B, 2, S, 64, B if B2 is None else B2, H2,
                                               S if S2 is None else S2, 64]
for B, S in ((1, 128), (3, 320)):
    rank = lib.attnrt_result_shape(h, 0, i64s(shape(B, S)), dims, 8)
    print(f"result shape B{B} S{S}", list(dims[:rank]))

big = 3 * 2 * 320 * 64 * 2
x, y, out = alloc(big), alloc(big), alloc(big)
show("caller's buffers")
rc = lib.attnrt_run(h, None, u64s([x, y]), u64s([out]))
print("attnrt_run rc", rc, err())
for title, B, S in (("B1 S128", 1, 128), ("same shapes again", 1, 128), ("B3 S320", 3, 320),
                    ("back to B1 S128", 1, 128)):
    rc = lib.attnrt_run_shaped(h, None, u64s([x, y]), i64s(shape(B, S)), u64s([out]))
    print(f"run {title} rc {rc}", err() if rc else "")
    show(title)
scratch = ctypes.c_uint64()
lib.attnrt_scratch_bytes(h, ctypes.byref(scratch))
print("scratch bytes (latest shapes)", scratch.value)

for title, dims_ in (("k's batch differs", shape(2, 128, B2=3)),
                     ("static size differs", shape(1, 128, H2=4)),
                     ("assert fails", shape(1, 100)),
                     ("negative size", shape(1, -64))):
    rc = lib.attnrt_run_shaped(h, None, u64s([x, y]), i64s(dims_), u64s([out]))
    print(f"{title}: rc {rc} {err()}")
    rank = lib.attnrt_result_shape(h, 0, i64s(dims_), dims, 8)
    print(f"  result shape rank {rank}")
show("no launch after the refused runs")

plan = open(os.path.join(fixture, "plan.txt")).read()
for name, old, new in (
        ("unknown-name", "i32:S/64*2", "i32:T*2"),
        ("bad-expr", "i32:S/64*2", "i32:S/(64"),
        ("bad-grid", "grid (S+63)/64,2,B", "grid (S+63)/64,2,B+"),
        ("bad-result", "result 0 bf16 B,2,S,64", "result 0 bf16 B,2,S,6$"),
        ("bad-assert", "assert S%64 == 0", "assert S%64 =~ 0"),
        ("zero-divisor", "i32:S/64*2", "i32:S/(64-64)"),
        ("min-one-size", "i32:S/64*2", "i32:min(S)"),
        ("slab-text", "tmap:arg:1:bf16:64,S,B*2:64", "tmap:arg:1:bf16:64,S,B*2:64:stride=S"),
        ("max-open", "i32:S/64*2", "i32:max(S,2"),
        ("arg-expr", "arg 1 bf16 B,2,S,64", "arg 1 bf16 B,2,S*2,64"),
        ("bad-index", "scratch:0", "scratch:1"),
        ("bad-smem", "smem 0", "smem S*"),
        ("negative-smem", "smem 0", "smem -4")):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    assert old in plan, old
    open(os.path.join(d, "plan.txt"), "w").write(plan.replace(old, new))
    rc, _ = load(d)
    print(name, rc, err())

# The divisor is checked where the value is known: 0 at run time.
d = os.path.join(tmp, "run-zero-divisor")
shutil.rmtree(d, ignore_errors=True)
shutil.copytree(fixture, d)
open(os.path.join(d, "plan.txt"), "w").write(plan.replace("i32:S/64*2", "i32:S/(B-1)"))
rc, h2 = load(d)
rc = lib.attnrt_run_shaped(h2, None, u64s([x, y]), i64s(shape(1, 128)), u64s([out]))
print("run-zero-divisor rc", rc, err())
lib.attnrt_free(h2)
# A slab stride smaller than a slab (S rows of 64), or one whose last slab
# ends past the buffer, is refused when the sizes are known; one that holds
# the slabs in the buffer runs (and its last error is "", not the refused
# run's).
for name, slab in (("run-slab-small", "S*32"), ("run-slab-past", "S*64+64"), ("run-slab", "S*64")):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    open(os.path.join(d, "plan.txt"), "w").write(
        plan.replace("tmap:arg:1:bf16:64,S,B*2:64", "tmap:arg:1:bf16:64,S,B*2:64:slab=" + slab))
    rc, h2 = load(d)
    rc = lib.attnrt_run_shaped(h2, None, u64s([x, y]), i64s(shape(1, 128)), u64s([out]))
    print(name, "rc", rc, err())
    lib.attnrt_free(h2)
# Shared memory sized at run time (smem S*512): above 48 KiB the function is
# opened to it (cuFuncSetAttribute 8 = MAX_DYNAMIC_SHARED_SIZE_BYTES) once
# per new maximum; a negative size is refused before any launch.
for name, smem in (("run-smem", "S*512"), ("run-smem-negative", "S-1000")):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    open(os.path.join(d, "plan.txt"), "w").write(plan.replace("smem 0", "smem " + smem))
    rc, h2 = load(d)
    for S in (128, 64, 128, 320):
        rc = lib.attnrt_run_shaped(h2, None, u64s([x, y]), i64s(shape(1, S)), u64s([out]))
        print(f"{name} S{S} rc {rc}", err() if rc else "")
        show(f"{name} S{S}")
        if rc:
            break
    lib.attnrt_free(h2)
for p in (x, y, out):
    lib.attnrt_device_free(ctypes.c_uint64(p))
lib.attnrt_free(h)
