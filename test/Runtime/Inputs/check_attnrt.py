"""attnrt without a GPU: loads an artifact, reports its signature, rejects
corrupt plans with a message, and fails attnrt_run cleanly (no driver or no
device here) instead of crashing. usage: check_attnrt.py LIB ARTIFACT TMPDIR"""
import ctypes
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from attn_mlir.runtime import library  # noqa: E402  (the package's one attnrt binding)

lib = library(sys.argv[1])
h = ctypes.c_void_p()
assert lib.attnrt_load(sys.argv[2].encode(), ctypes.byref(h)) == 0, lib.attnrt_last_error()
print("args", lib.attnrt_num_args(h), "results", lib.attnrt_num_results(h))
for i in range(lib.attnrt_num_args(h)):
    dt = ctypes.c_char_p()
    dims = (ctypes.c_int64 * 8)()
    r = lib.attnrt_arg_info(h, i, ctypes.byref(dt), dims, 8)
    print(f"arg {i} {dt.value.decode()} {list(dims[:r])}")
ptrs = (ctypes.c_uint64 * 8)(*([0x1000] * 8))
rc = lib.attnrt_run(h, None, ptrs, ptrs)
print("run rc", rc, lib.attnrt_last_error().decode())
lib.attnrt_free(h)

tmp = sys.argv[3]
for name, text in (("bad-version", "attn-artifact 1\n"),
                   ("bad-launch", "attn-artifact 3\nlaunch k grid 1,1 block 1,1,1 smem 0 params\n"),
                   ("bad-param", "attn-artifact 3\narg 0 bf16 1,2\nlaunch k grid 1,1,1 block 1,1,1 smem 0 params arg:3\nptx k.ptx\n"),
                   ("open-loop", "attn-artifact 3\nloop 3\nptx k.ptx\n"),
                   ("stray-end", "attn-artifact 3\nend\n"),
                   ("bad-loop", "attn-artifact 3\nloop x\n"),
                   ("missing-table", "attn-artifact 3\nconst 0 const0.bin i32 4\n")):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "plan.txt"), "w").write(text)
    open(os.path.join(d, "k.ptx"), "w").write("// empty\n")
    rc = lib.attnrt_load(d.encode(), ctypes.byref(h))
    print(name, rc, lib.attnrt_last_error().decode().replace(tmp, "TMP"))
