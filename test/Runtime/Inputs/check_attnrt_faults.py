"""attnrt under faults, without a GPU, on the fake driver (fake_cuda.c,
logging to $FAKE_CUDA_LOG; $FAKE_CUDA_FAIL=NAME:N[:CODE] fails the N-th call
of NAME counted from when the variable is set; $FAKE_CUDA_CC sets the
device's compute capability).

usage: check_attnrt_faults.py LIB V2_FIXTURE STREAMS_FIXTURE PTX_FIXTURE TMPDIR

Each run-time fault is reported naming the failing call, and the next run,
with the fault gone, succeeds and resumes the setup where it stopped (no
buffer made twice). Corrupt or truncated artifact files fail attnrt_load
naming the file. Each load-time case prints `NAME rc MESSAGE`."""
import ctypes
import functools
import os
import shutil
import struct
import sys

from fake_driver_log import LogCursor, alloc, err as last_error, lib, load, put

v2, streams, ptx, tmp = sys.argv[2:6]
err = functools.partial(last_error, tmp)
log = LogCursor()
show = log.show


class Runner:
    """Runs a loaded artifact on buffers allocated here."""

    def __init__(self, d, sizes, nargs):
        rc, self.h = load(d)
        assert rc == 0, err()
        self.bufs = [alloc(n) for n in sizes]
        self.args = (ctypes.c_uint64 * nargs)(*self.bufs[:nargs])
        self.res = (ctypes.c_uint64 * (len(sizes) - nargs))(*self.bufs[nargs:])

    def run(self, title, stream=0, fail=None, cc=None):
        """One run with $FAKE_CUDA_FAIL / $FAKE_CUDA_CC set to `fail` / `cc`
        (unset when None)."""
        for var, value in (("FAKE_CUDA_FAIL", fail), ("FAKE_CUDA_CC", cc)):
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
        rc = lib.attnrt_run(self.h, ctypes.c_void_p(stream), self.args, self.res)
        os.environ.pop("FAKE_CUDA_FAIL", None)
        os.environ.pop("FAKE_CUDA_CC", None)
        print(f"run rc {rc} {err()}" if rc else "run rc 0")
        show(title)

    def free(self):
        lib.attnrt_free(self.h)
        for p in self.bufs:
            lib.attnrt_device_free(p)


V2_SIZES = [2 * 2 * 128 * 64, 4 * 12, 4 * 4, 128, 4 * 2 * 128 * 64]


def v2_runner():
    r = Runner(v2, V2_SIZES, 4)
    put(r.bufs[1], [0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3])
    put(r.bufs[2], [3, 1, 0, 2])
    return r


# -- Run-time faults -------------------------------------------------------
r = v2_runner()
show("v2: caller's buffers")
# The run allocates const 0, scratch 0, scratch 1: the 3rd fails.
r.run("cuMemAlloc fails at scratch 1 (the 3rd allocation of the first run)",
      fail="cuMemAlloc:3")
r.run("next run: only scratch 1 is allocated, then the launches")
r.run("a new stream's scratch 1 fails (its 2nd allocation)", stream=0x2000,
      fail="cuMemAlloc:2")
r.run("stream 0 is unaffected")
r.run("stream 0x2000 resumes: allocates its scratch 1 only", stream=0x2000)
r.run("cuLaunchKernel fails on the 2nd launch (stage_b)", fail="cuLaunchKernel:2:701")
r.run("next run launches both")
lib.attnrt_set_checked(r.h, 1)
r.run("checked: the stream sync after the check fails", fail="cuStreamSynchronize:1:999")
r.run("checked: next run passes the check and launches")
lib.attnrt_set_checked(r.h, 0)
r.free()
show("v2: freed")

r = v2_runner()
show("v2 again: caller's buffers")
r.run("the driver rejects the kernel image", fail="cuModuleLoadData:1:218")
r.run("next run loads it")
r.free()
show("v2 again: freed")

r = Runner(streams, [2 * 128 * 64 * 2, 2 * 128 * 64 * 4], 1)
show("tensor maps: caller's buffers")
r.run("the 2nd tensor map fails to encode", stream=0x1000, fail="cuTensorMapEncodeTiled:2:1")
r.run("next run encodes the maps it lacks", stream=0x1000)
r.free()
show("tensor maps: freed")

# -- The chip check --------------------------------------------------------
r = v2_runner()
show("chip: caller's buffers")
r.run("sm_90a on compute capability 8.0: no module load", cc="80")
r.run("sm_90a on compute capability 10.0", cc="100")
r.run("sm_90a on 9.0: loads and runs", cc="90")
r.free()
show("chip: freed")


def variant(name, src, plan_sub=None, files=None):
    """A copy of fixture `src` with plan.txt edited (old, new) and files
    replaced ({name: bytes})."""
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(src, d)
    if plan_sub:
        plan = open(os.path.join(d, "plan.txt")).read()
        for old, new in plan_sub:
            assert old in plan, old
            plan = plan.replace(old, new)
        open(os.path.join(d, "plan.txt"), "w").write(plan)
    for f, data in (files or {}).items():
        open(os.path.join(d, f), "wb").write(data)
    return d


def cubin(text, machine=190):
    """A minimal 64-bit little-endian ELF: the header, `text` as the one
    PROGBITS section, the section headers (null + that one), then one
    program header (a real cubin also ends with its program headers)."""
    body = text.encode()
    shoff = 64 + len(body)
    phoff = shoff + 2 * 64
    header = b"\x7fELF" + bytes([2, 1, 1, 0x41, 8]) + bytes(7) + struct.pack(
        "<HHIQQQIHHHHHH", 2, machine, 1, 0, phoff, shoff, 0, 64, 56, 1, 64, 2, 0)
    sections = bytes(64) + struct.pack("<IIQQQQIIQQ", 0, 1, 0, 0, 64, len(body), 0, 0, 1, 0)
    segment = struct.pack("<IIQQQQQQ", 1, 5, 64, 0, 0, len(body), len(body), 8)
    return header + body + sections + segment


def load_case(name, d):
    rc, h = load(d)
    print(f"{name} rc {rc} {err()}" if rc else f"{name} rc 0")
    return rc, h


V2_KERNELS = open(os.path.join(v2, "kernels.ptx")).read()
chip_cases = [
    ("sm_80-ptx-on-9.0", "chip sm_80", None, "90"),
    ("sm_80-ptx-on-7.5", "chip sm_80", None, "75"),
    ("sm_90-ptx-on-10.0", "chip sm_90", None, "100"),
    ("sm_80-cubin-on-8.6", "chip sm_80", "kernels.sm_80.cubin", "86"),
    ("sm_80-cubin-on-9.0", "chip sm_80", "kernels.sm_80.cubin", "90"),
    ("sm_90a-cubin-on-9.0", "chip sm_90a", "kernels.sm_90a.cubin", "90"),
]
for name, chip, cubin_file, cc in chip_cases:
    subs = [("chip sm_90a", chip)]
    files = {}
    if cubin_file:
        subs.append(("ptx kernels.ptx", "ptx kernels.ptx\ncubin " + cubin_file))
        files[cubin_file] = cubin(V2_KERNELS)
    rc, h = load_case(name, variant(name, v2, subs, files))
    os.environ["FAKE_CUDA_CC"] = cc
    rc = lib.attnrt_run(h, None, (ctypes.c_uint64 * 4)(*r.bufs[:4]),
                        (ctypes.c_uint64 * 1)(r.bufs[4]))
    del os.environ["FAKE_CUDA_CC"]
    print(f"  run rc {rc} {err()}" if rc else "  run rc 0")
    lib.attnrt_free(h)
log.skip()  # these runs' log is not looked at

# -- Corrupt or truncated files --------------------------------------------
PTX = open(os.path.join(ptx, "kernels.ptx"), "rb").read()
CONST = open(os.path.join(v2, "const0.bin"), "rb").read()
good_cubin = cubin(V2_KERNELS)
with_cubin = [("ptx kernels.ptx", "ptx kernels.ptx\ncubin kernels.sm_90a.cubin")]
load_cases = [
    ("chip-malformed", v2, [("chip sm_90a", "chip sm_9x")], {}),
    ("chip-suffix", v2, [("chip sm_90a", "chip sm_90b")], {}),
    ("const-truncated", v2, None, {"const0.bin": CONST[:10]}),
    ("const-long", v2, None, {"const0.bin": CONST + b"\0"}),
    ("ptx-whole", ptx, None, {}),
    ("ptx-truncated", ptx, None, {"kernels.ptx": PTX[:PTX.index(b"ld.global")]}),
    ("ptx-extra-brace", ptx, None, {"kernels.ptx": PTX + b"}\n"}),
    ("ptx-nul", ptx, None, {"kernels.ptx": PTX[:100] + b"\0" + PTX[100:]}),
    ("ptx-empty", ptx, None, {"kernels.ptx": b""}),
    ("cubin-whole", v2, with_cubin, {"kernels.sm_90a.cubin": good_cubin}),
    ("cubin-no-segments", v2, with_cubin, {"kernels.sm_90a.cubin": good_cubin[:-56]}),
    ("cubin-cut-in-sections", v2, with_cubin, {"kernels.sm_90a.cubin": good_cubin[:-100]}),
    ("cubin-cut-in-text", v2, with_cubin, {"kernels.sm_90a.cubin": good_cubin[:80]}),
    ("cubin-header-only", v2, with_cubin, {"kernels.sm_90a.cubin": good_cubin[:40]}),
    ("cubin-x86", v2, with_cubin, {"kernels.sm_90a.cubin": cubin(V2_KERNELS, machine=62)}),
    ("cubin-is-ptx", v2, with_cubin, {"kernels.sm_90a.cubin": PTX}),
]
for name, src, subs, files in load_cases:
    rc, h = load_case(name, variant(name, src, subs, files))
    if rc == 0:
        lib.attnrt_free(h)

# The whole cubin and PTX run on the fake driver.
for name in ("cubin-whole", "ptx-whole"):
    sizes = V2_SIZES if name.startswith("cubin") else [16, 16]
    r = Runner(os.path.join(tmp, name), sizes, len(sizes) - 1)
    log.skip()
    r.run(name + ": runs")
    r.free()
    log.skip()
