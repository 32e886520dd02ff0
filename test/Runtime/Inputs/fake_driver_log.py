"""What the runtime test drivers (check_attnrt_*.py) share: attnrt loaded
through the package's one binding, its last error with the test's temporary
directory shown as TMP, attnrt_load into a handle, device buffers (allocate,
write i32 values), and a cursor over the fake driver's log (fake_cuda.c,
writing to $FAKE_CUDA_LOG)."""
import ctypes
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from attn_mlir.runtime import library  # noqa: E402  (the package's one attnrt binding)

lib = library(sys.argv[1])


def err(tmp):
    """attnrt's last error, with `tmp` replaced by "TMP"."""
    return lib.attnrt_last_error().decode().replace(tmp, "TMP")


def load(d):
    """attnrt_load(d): (rc, handle)."""
    h = ctypes.c_void_p()
    rc = lib.attnrt_load(d.encode(), ctypes.byref(h))
    return rc, h


def alloc(n):
    """A device buffer of n bytes (its address)."""
    p = ctypes.c_uint64()
    assert lib.attnrt_device_alloc(n, ctypes.byref(p)) == 0, lib.attnrt_last_error()
    return p.value


def put(ptr, values):
    """Writes the i32 values at device address ptr."""
    data = struct.pack(f"<{len(values)}i", *values)
    assert lib.attnrt_copy_to_device(ptr, data, len(data)) == 0


class LogCursor:
    """Prints the lines the fake driver logged since the last call; with
    `keep`, only the lines for which keep(line) is true."""

    def __init__(self, path=None, keep=None):
        self.path = path if path is not None else os.environ["FAKE_CUDA_LOG"]
        self.keep = keep
        self.seen = 0

    def _text(self):
        return open(self.path).read() if os.path.exists(self.path) else ""

    def show(self, title):
        text = self._text()
        print("==", title)
        for line in text[self.seen:].splitlines():
            if self.keep is None or self.keep(line):
                print("   ", line)
        self.seen = len(text)

    def skip(self):
        """Passes over what was logged so far without printing it."""
        self.seen = len(self._text())
