"""attnrt's per-stream scratch without a GPU, on the fake driver (fake_cuda.c
logging to $FAKE_CUDA_LOG; launches on a stream other than 0 end with
"stream 0x..."). The streams are made-up handles: the fake never uses them.

usage: check_attnrt_streams.py LIB STREAMS_FIXTURE V2_FIXTURE TMPDIR

STREAMS_FIXTURE binds both scratch buffers and a tensor map over scratch 0:
each stream gets its own scratch set (and maps over it) on its first run,
reuses it on later runs, 0 and CU_STREAM_LEGACY share one; the cap refuses
a new stream; a first run on a stream while a graph is being captured
allocates in relaxed capture mode and restores the thread's mode;
attnrt_free releases every set. V2_FIXTURE in checked mode: each stream has
its own error buffer."""
import ctypes
import functools
import os
import sys

from fake_driver_log import LogCursor, alloc, err as last_error, lib, load, put

fixture, v2, tmp = sys.argv[2], sys.argv[3], sys.argv[4]
err = functools.partial(last_error, tmp)
show = LogCursor().show


def load_ok(d):
    rc, h = load(d)
    assert rc == 0, err()
    return h


def runner(h, args, results):
    a = (ctypes.c_uint64 * len(args))(*args)
    r = (ctypes.c_uint64 * len(results))(*results)

    def run(stream, title):
        rc = lib.attnrt_run(h, ctypes.c_void_p(stream), a, r)
        print(f"run rc {rc} {err()}" if rc else "run rc 0")
        show(title)
    return run


h = load_ok(fixture)
run = runner(h, [alloc(2 * 128 * 64 * 2)], [alloc(2 * 128 * 64 * 4)])
show("caller's buffers")
run(0x1000, "first run on stream 0x1000")
run(0x2000, "first run on stream 0x2000: a scratch set of its own, maps over it")
run(0x1000, "stream 0x1000 again: its set, its maps")
run(0x2000, "stream 0x2000 again: its set, its maps")
run(0, "the legacy default stream 0: a third set")
run(1, "CU_STREAM_LEGACY (0x1): the same stream as 0, the same set")
b = ctypes.c_uint64()
lib.attnrt_scratch_bytes(h, ctypes.byref(b))
print("scratch sets", lib.attnrt_num_scratch_sets(h), "of", b.value, "bytes")

print("set_max_scratch_sets(3) rc", lib.attnrt_set_max_scratch_sets(h, 3))
run(0x3000, "at the cap: no set for stream 0x3000")
run(0x2000, "at the cap: a stream with a set still runs")
print("set_max_scratch_sets(-1) rc", lib.attnrt_set_max_scratch_sets(h, -1), err())
print("set_max_scratch_sets(0) rc", lib.attnrt_set_max_scratch_sets(h, 0))

# torch.cuda.graph: a warm-up run on the current stream, then the capture on
# a side stream whose first run must allocate while the capture is on.
os.environ["FAKE_CUDA_CAPTURING"] = "1"
run(0x4000, "first run on stream 0x4000 during a graph capture (relaxed mode)")
p = ctypes.c_uint64()
print("plain allocation during the capture rc", lib.attnrt_device_alloc(16, ctypes.byref(p)),
      err())
show("the thread's capture mode is back to global")
del os.environ["FAKE_CUDA_CAPTURING"]
print("scratch sets", lib.attnrt_num_scratch_sets(h))
lib.attnrt_free(h)
show("attnrt_free")

# Checked mode: one error buffer per stream.
h = load_ok(v2)
bufs = [alloc(n) for n in (2 * 2 * 128 * 64, 4 * 12, 4 * 4, 128, 4 * 2 * 128 * 64)]
for i, values in ((1, [0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3]), (2, [3, 1, 0, 2])):
    put(bufs[i], values)
lib.attnrt_set_checked(h, 1)
run = runner(h, bufs[:4], bufs[4:])
show("v2: caller's buffers")
run(0x1000, "v2 checked on stream 0x1000")
run(0x2000, "v2 checked on stream 0x2000: its own error buffer")
run(0x1000, "v2 checked on stream 0x1000 again")
lib.attnrt_free(h)
show("v2: attnrt_free")
