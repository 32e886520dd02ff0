"""attnrt's `tmap:` parameters without a GPU, on the fake driver
(fake_cuda.c logging to $FAKE_CUDA_LOG): each map is encoded on the first
run with the plan's dtype, shape and box, passed by value 64-byte aligned,
not re-encoded while the pointers stay, re-encoded for a new pointer; bad
`tmap:` parameters are rejected at load with the line and the reason.

usage: check_attnrt_tmap.py LIB FIXTURE TMPDIR"""
import ctypes
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from attn_mlir.runtime import library  # noqa: E402

lib = library(sys.argv[1])
fixture, tmp = sys.argv[2], sys.argv[3]
log = os.environ["FAKE_CUDA_LOG"]
seen = [0]


def err():
    return lib.attnrt_last_error().decode().replace(tmp, "TMP")


def show(title):
    text = open(log).read() if os.path.exists(log) else ""
    print("==", title)
    for line in text[seen[0]:].splitlines():
        if "cuTensorMapEncodeTiled" in line or "cuLaunchKernel" in line:
            print("   ", line)
    seen[0] = len(text)


def load(d):
    h = ctypes.c_void_p()
    return lib.attnrt_load(d.encode(), ctypes.byref(h)), h


rc, h = load(fixture)
assert rc == 0, err()
ptrs = []
for _ in range(3):
    p = ctypes.c_uint64()
    assert lib.attnrt_device_alloc(2 * 128 * 64 * 2, ctypes.byref(p)) == 0, err()
    ptrs.append(p.value)
show("caller's buffers")
for title, a in (("first run", 0), ("second run, same pointers", 0), ("new argument pointer", 2)):
    rc = lib.attnrt_run(h, None, (ctypes.c_uint64 * 1)(ptrs[a]), (ctypes.c_uint64 * 1)(ptrs[1]))
    print(f"run rc {rc} {err()}" if rc else "run rc 0")
    show(title)

plan = open(os.path.join(fixture, "plan.txt")).read()
good = "tmap:arg:0:bf16:64,128,2:64"
for name, bad in (("dtype", "tmap:arg:0:f32:64,128,2:64"),
                  ("too-big", "tmap:arg:0:bf16:64,256,2:64"),
                  ("d-not-64", "tmap:arg:0:bf16:96,128,2:64"),
                  ("rows", "tmap:arg:0:bf16:64,128,2:0"),
                  ("not-buffer", "tmap:i32:5:bf16:64,128,2:64"),
                  ("words", "tmap:arg:0:bf16:64,128,2"),
                  ("shape", "tmap:arg:0:bf16:64,128:64"),
                  ("index", "tmap:arg:3:bf16:64,128,2:64"),
                  ("offset", "tmap:arg:0+16:bf16:64,128,2:64")):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    open(os.path.join(d, "plan.txt"), "w").write(plan.replace(good, bad))
    rc, _ = load(d)
    print(name, rc, err())

for p in ptrs:
    lib.attnrt_device_free(ctypes.c_uint64(p))
lib.attnrt_free(h)
