"""attnrt and format 2 without a GPU.

usage: check_attnrt_v2.py LIB FIXTURE TMPDIR load
         loads the hand-written fixture (FIXTURE/plan.txt) and reports what the
         runtime read; then loads malformed variants and prints each error.
       check_attnrt_v2.py LIB FIXTURE TMPDIR run
         runs the fixture on the fake driver (fake_cuda.c, found first on
         LD_LIBRARY_PATH, logging to $FAKE_CUDA_LOG): first-run setup, scratch
         reuse, parameter binding, checked mode and its error messages."""
import ctypes
import functools
import os
import shutil
import struct
import sys

from fake_driver_log import LogCursor, err as last_error, lib, load

fixture, tmp, mode = sys.argv[2], sys.argv[3], sys.argv[4]
err = functools.partial(last_error, tmp)


def scratch(h):
    b = ctypes.c_uint64(12345)
    rc = lib.attnrt_scratch_bytes(h, ctypes.byref(b))
    return rc, b.value


def variant(name, text):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(fixture, d)
    open(os.path.join(d, "plan.txt"), "w").write(text)
    return d


PLAN = open(os.path.join(fixture, "plan.txt")).read()


def sub(old, new):
    assert old in PLAN, old
    return PLAN.replace(old, new)


def main_load():
    rc, h = load(fixture)
    assert rc == 0, err()
    print("args", lib.attnrt_num_args(h), "results", lib.attnrt_num_results(h))
    for kind, n, fn in (("arg", lib.attnrt_num_args(h), lib.attnrt_arg_info),
                        ("result", lib.attnrt_num_results(h), lib.attnrt_result_info)):
        for i in range(n):
            dt = ctypes.c_char_p()
            dims = (ctypes.c_int64 * 8)()
            r = fn(h, i, ctypes.byref(dt), dims, 8)
            print(f"{kind} {i} {dt.value.decode()} {list(dims[:r])}")
    print("scratch bytes rc %d %d" % scratch(h))
    print("launches", lib.attnrt_num_launches(h))
    print("set_checked(1) rc", lib.attnrt_set_checked(h, 1), "launches", lib.attnrt_num_launches(h))
    print("set_checked(0) rc", lib.attnrt_set_checked(h, 0), "launches", lib.attnrt_num_launches(h))
    print("set_checked(null) rc", lib.attnrt_set_checked(None, 1), err())
    print("scratch_bytes(null) rc", lib.attnrt_scratch_bytes(None, None), err())
    print("run rc", lib.attnrt_run(h, None, None, None), err())
    lib.attnrt_free(h)
    os.environ["ATTNRT_CHECKED"] = "1"
    rc, h = load(fixture)
    print("ATTNRT_CHECKED=1: launches", lib.attnrt_num_launches(h))
    lib.attnrt_free(h)
    del os.environ["ATTNRT_CHECKED"]
    rc, h = load(variant("no-scratch", sub("scratch 0 4096\nscratch 1 100\n", "").replace(
        "scratch:0+2048", "null").replace("scratch:0 scratch:1+40", "null null")))
    print("no-scratch rc", rc, "scratch bytes rc %d %d" % scratch(h))
    lib.attnrt_free(h)

    bad = [
        ("version-1", sub("attn-artifact 3", "attn-artifact 1")),
        ("version-2", sub("attn-artifact 3", "attn-artifact 2")),
        ("no-header", sub("attn-artifact 3\n", "")),
        ("empty", ""),
        ("scratch-negative", sub("scratch 1 100", "scratch 1 -100")),
        ("scratch-zero", sub("scratch 1 100", "scratch 1 0")),
        ("scratch-text", sub("scratch 1 100", "scratch 1 1k")),
        ("scratch-words", sub("scratch 1 100", "scratch 1")),
        ("scratch-order", sub("scratch 1 100", "scratch 2 100")),
        ("scratch-index", sub("scratch:1+40", "scratch:2")),
        ("scratch-offset-past", sub("scratch:1+40", "scratch:1+100")),
        ("offset-text", sub("result:0+4096", "result:0+4k")),
        ("offset-empty", sub("result:0+4096", "result:0+")),
        ("offset-negative", sub("result:0+4096", "result:0+-8")),
        ("result-offset-past", sub("result:0+4096", "result:0+65536")),
        ("arg-index", sub("arg:3", "arg:4")),
        ("const-index", sub("const:0", "const:1")),
        ("index-text", sub("arg:3", "arg:x")),
        ("err-offset", sub("err i32:4", "err+4 i32:4")),
        ("err-in-launch", sub("null\n", "err\n")),
        ("f32-text", sub("f32:0.125", "f32:1/8")),
        ("f32-empty", sub("f32:0.125", "f32:")),
        ("i32-range", sub("i32:-7", "i32:3000000000")),
        ("unknown-param", sub("i32:-7", "u8:7")),
        ("check-no-dims", sub(" dims 1,2,2", "")),
        ("check-dims-short", sub("dims 1,2,2", "dims 1,2")),
        ("check-dims-early", sub("params arg:1 arg:2 err i32:4 i32:3 i32:4 dims 1,2,2",
                                 "params arg:1 dims 1,2,2 arg:2 err i32:4 i32:3 i32:4")),
        ("check-contract", sub("arg:2 err i32:4", "arg:2 i32:4")),
        ("check-rows", sub("dims 1,2,2", "dims 1,2,3")),
        ("launch-zero-grid", sub("grid 2,1,1 block 64", "grid 0,1,1 block 64")),
        ("dtype", sub("arg 3 i1", "arg 3 i8")),
        ("rank-9", sub("arg 3 i1 1,128", "arg 3 i1 1,1,1,1,1,1,1,1,128")),
        ("size-arg-number", sub("arg 3 i1 1,128", "arg 3 size 128")),
        ("size-arg-buffer", sub("arg 3 i1 1,128", "arg 3 size a3")),
        ("arg-order", sub("arg 3 i1", "arg 4 i1")),
        ("no-ptx", sub("ptx kernels.ptx\n", "")),
        ("missing-table", sub("const0.bin", "const1.bin")),
        ("unknown-key", PLAN + "threads 4\n"),
    ]
    for name, text in bad:
        rc, h = load(variant(name, text))
        print(name, rc, err())


def main_run():
    show = LogCursor().show
    rc, h = load(fixture)
    assert rc == 0, err()
    sizes = [2 * 2 * 128 * 64, 4 * 12, 4 * 4, 128, 4 * 2 * 128 * 64]
    ptrs = []
    for n in sizes:
        p = ctypes.c_uint64()
        assert lib.attnrt_device_alloc(n, ctypes.byref(p)) == 0, err()
        ptrs.append(p.value)

    def put(i, values):
        data = struct.pack(f"<{len(values)}i", *values)
        assert lib.attnrt_copy_to_device(ptrs[i], data, len(data)) == 0

    put(1, [0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3])  # kv_indices [1,2,2,3]
    put(2, [3, 1, 0, 2])                          # kv_counts [1,2,2]
    args = (ctypes.c_uint64 * 4)(*ptrs[:4])
    res = (ctypes.c_uint64 * 1)(ptrs[4])
    show("caller's buffers")

    def run(title):
        rc = lib.attnrt_run(h, None, args, res)
        print(f"run rc {rc} {err()}" if rc else "run rc 0")
        show(title)

    # The 3rd allocation of the run fails (after args' 5): the error names
    # the call and the buffer; the next run resumes and finishes the setup.
    os.environ["FAKE_CUDA_FAIL_ALLOC"] = str(len(sizes) + 3)
    run("first run, scratch 1 allocation fails")
    del os.environ["FAKE_CUDA_FAIL_ALLOC"]
    run("second run (setup resumed)")
    run("third run (no allocation)")
    lib.attnrt_set_checked(h, 1)
    run("checked, tables valid")
    run("checked again (no allocation)")
    put(1, [0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3])
    put(2, [3, 1, 0, 4])
    run("checked, kv_counts[0,1,1] = 4 > K")
    put(2, [3, 1, -1, 2])
    run("checked, kv_counts[0,1,0] = -1")
    put(2, [3, 1, 0, 2])
    put(1, [0, 1, 4, 3, 2, 1, 1, 1, 1, 3, 3, 3])
    run("checked, kv_indices[0,0,0,2] = 4 >= NKV")
    put(2, [3, 1, 2, 2])  # counts per row: 3, 1, 2, 2
    put(1, [0, 1, 2, 3, 2, 1, 1, -5, 1, 3, 3, 3])
    run("checked, kv_indices[0,1,0,1] = -5")
    put(1, [0, 1, 2, 3, 2, 1, 1, 1, 1, 9, 9, 9])
    run("checked, kv_indices[0,1,1,0] = 9 (the first of three bad entries)")
    put(1, [0, 1, 2, 3, 9, 9, 1, 1, 9, 3, 3, 9])  # entries past each row's count are ignored
    run("checked, bad entries only past the counts")
    lib.attnrt_set_checked(h, 0)
    put(2, [99, 99, 99, 99])
    run("unchecked with bad tables: no check launched")
    lib.attnrt_free(h)
    show("attnrt_free")


main_load() if mode == "load" else main_run()
