"""attnrt's `tmap:` parameters without a GPU, on the fake driver
(fake_cuda.c logging to $FAKE_CUDA_LOG): each map is encoded on the first
run with the plan's dtype, shape and box, passed by value 64-byte aligned,
not re-encoded while the pointers stay, re-encoded for a new pointer; bad
`tmap:` parameters are rejected at load with the line and the reason.

FIXTURE tmap/ has the 3-D form (`D,S,N:ROWS`), tmap5/ the explicit one
(`D0,...:box=B0,...`, ranks 2 and 5 beside a 3-D map), each with its own
malformed variants.

usage: check_attnrt_tmap.py LIB FIXTURE TMPDIR"""
import ctypes
import functools
import os
import shutil
import sys

from fake_driver_log import LogCursor, err as last_error, lib, load

fixture, tmp = sys.argv[2], sys.argv[3]
err = functools.partial(last_error, tmp)
show = LogCursor(keep=lambda line: "cuTensorMapEncodeTiled" in line
                 or "cuLaunchKernel" in line).show


# Per fixture: the map the malformed variants replace, the variants, and
# the bytes of a caller's buffer.
CASES = {
    "tmap": ("tmap:arg:0:bf16:64,128,2:64", (
        ("dtype", "tmap:arg:0:f32:64,128,2:64"),
        ("too-big", "tmap:arg:0:bf16:64,256,2:64"),
        ("d-not-64", "tmap:arg:0:bf16:96,128,2:64"),
        ("rows", "tmap:arg:0:bf16:64,128,2:0"),
        ("not-buffer", "tmap:i32:5:bf16:64,128,2:64"),
        ("words", "tmap:arg:0:bf16:64,128,2"),
        ("shape", "tmap:arg:0:bf16:64,128:64"),
        ("index", "tmap:arg:3:bf16:64,128,2:64"),
        ("offset", "tmap:arg:0+16:bf16:64,128,2:64")), 2 * 128 * 64 * 2),
    "tmap5": ("tmap:arg:0:bf16:128,7,6,5,2:box=64,4,4,4,1", (
        ("rank6", "tmap:arg:0:bf16:128,7,6,5,2,1:box=64,4,4,4,1,1"),
        ("box-count", "tmap:arg:0:bf16:128,7,6,5,2:box=64,4,4,4"),
        ("box-list", "tmap:arg:0:bf16:128,7,6,5,2:box=64,4,,4,1"),
        ("box-big", "tmap:arg:0:bf16:128,7,6,5,2:box=64,4,4,300,1"),
        ("box-zero", "tmap:arg:0:bf16:128,7,6,5,2:box=64,0,4,4,1"),
        ("inner-box", "tmap:arg:0:bf16:128,7,6,5,2:box=128,4,4,4,1"),
        ("inner-odd", "tmap:arg:0:bf16:128,7,6,5,2:box=12,4,4,4,1"),
        ("dim-zero", "tmap:arg:0:bf16:128,0,6,5,2:box=64,4,4,4,1"),
        ("dim-huge", "tmap:arg:0:bf16:128,7,6,5,4294967297:box=64,4,4,4,1"),
        ("stride", "tmap:arg:0:bf16:100,7,6,5,2:box=64,4,4,4,1"),
        ("stride-big", "tmap:arg:0:bf16:512,4294967296,2:box=64,4,1"),
        ("too-big", "tmap:arg:0:bf16:128,7,6,5,3:box=64,4,4,4,1"),
        ("not-box", "tmap:arg:0:bf16:128,7,6,5,2:bx=64,4,4,4,1")), 2 * 210 * 128 * 2),
}
good, bad_cases, buffer_bytes = CASES[os.path.basename(os.path.normpath(fixture))]

rc, h = load(fixture)
assert rc == 0, err()
ptrs = []
for _ in range(3):
    p = ctypes.c_uint64()
    assert lib.attnrt_device_alloc(buffer_bytes, ctypes.byref(p)) == 0, err()
    ptrs.append(p.value)
show("caller's buffers")
for title, a in (("first run", 0), ("second run, same pointers", 0), ("new argument pointer", 2)):
    rc = lib.attnrt_run(h, None, (ctypes.c_uint64 * 1)(ptrs[a]), (ctypes.c_uint64 * 1)(ptrs[1]))
    print(f"run rc {rc} {err()}" if rc else "run rc 0")
    show(title)

plan = open(os.path.join(fixture, "plan.txt")).read()
assert good in plan
for name, bad in bad_cases:
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    open(os.path.join(d, "plan.txt"), "w").write(plan.replace(good, bad))
    rc, _ = load(d)
    print(name, rc, err())

for p in ptrs:
    lib.attnrt_device_free(ctypes.c_uint64(p))
lib.attnrt_free(h)
