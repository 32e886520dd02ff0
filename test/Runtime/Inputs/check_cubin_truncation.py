"""attnrt_load on a real cubin (from ptxas) and on every truncation of it.

usage: check_cubin_truncation.py LIB FIXTURE CUBIN TMPDIR

FIXTURE's plan gets a `cubin kernels.sm_90a.cubin` line and CUBIN's bytes:
the whole file loads; every prefix of it fails to load naming the file (the
driver reads a cubin's length from its own headers, so a truncated one
must never reach it); so does the cubin with its ELF machine changed. Prints
the counts and the kinds of reasons given."""
import ctypes
import os
import re
import shutil
import sys

from fake_driver_log import lib  # attnrt from sys.argv[1]
fixture, cubin_path, tmp = sys.argv[2:5]
image = open(cubin_path, "rb").read()
d = os.path.join(tmp, "artifact")
shutil.rmtree(d, ignore_errors=True)
shutil.copytree(fixture, d)
plan = open(os.path.join(d, "plan.txt")).read()
open(os.path.join(d, "plan.txt"), "w").write(
    plan.replace("ptx kernels.ptx", "ptx kernels.ptx\ncubin kernels.sm_90a.cubin"))


def load(data):
    open(os.path.join(d, "kernels.sm_90a.cubin"), "wb").write(data)
    h = ctypes.c_void_p()
    rc = lib.attnrt_load(d.encode(), ctypes.byref(h))
    if rc == 0:
        lib.attnrt_free(h)
    return rc, lib.attnrt_last_error().decode().replace(d, "DIR")


rc, _ = load(image)
print("whole cubin rc", rc)
kinds = set()  # the reasons given, numbers as N
rejected = 0
for n in range(len(image)):
    rc, msg = load(image[:n])
    if rc and "kernel image 'kernels.sm_90a.cubin' is truncated or corrupt" in msg:
        rejected += 1
        kinds.add(re.sub(r"\d+", "N", msg.split("corrupt: ", 1)[1]))
print(f"truncations rejected: {rejected} of {len(image)}")
for kind in sorted(kinds):
    print("  " + kind)
print("machine 62 rc %d %s" % load(image[:18] + bytes([62, 0]) + image[20:]))
