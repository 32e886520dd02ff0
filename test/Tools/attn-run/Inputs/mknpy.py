#!/usr/bin/env python3
"""mknpy.py: exact and deliberately broken .npy files for attn-run lit tests.

Usage:
  mknpy.py values OUT.npy --dtype f4|f2|f8|i4|i8|b1|c8 --shape 1,2,3 --values 0,1,2,...
      A C-order array holding exactly these values (count must match the shape;
      --values '' for an empty array).
  mknpy.py corrupt KIND OUT.npy
      A file of a valid (2, 3) <f4 array, broken as KIND says:
        bad-magic          first byte is not \\x93
        truncated-header   the header length points past the end of the file
        truncated-data     4 of the 24 data bytes are missing
        fortran-order      a valid Fortran-order array
        b1-byte2           a (2, 3) |b1 array whose last byte is 2
"""

import argparse
import sys

import numpy as np

DTYPES = {"f4": "<f4", "f2": "<f2", "f8": "<f8", "i4": "<i4", "i8": "<i8",
          "b1": "|b1", "c8": "<c8"}


def npy_bytes(a):
    import io
    buf = io.BytesIO()
    np.save(buf, a)
    return bytearray(buf.getvalue())


def cmd_values(a):
    shape = tuple(int(s) for s in a.shape.split(",") if s.strip())
    vals = [v for v in a.values.split(",") if v.strip()]
    dt = np.dtype(DTYPES[a.dtype])
    if dt.kind == "b":
        arr = np.array([v.strip() in ("1", "true", "True") for v in vals], dtype=dt)
    else:
        arr = np.array([float(v) if dt.kind in "fc" else int(v) for v in vals], dtype=dt)
    arr = arr.reshape(shape)
    np.save(a.out, arr)


def cmd_corrupt(a):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    raw = npy_bytes(x)
    if a.kind == "bad-magic":
        raw[0] = ord("X")
    elif a.kind == "truncated-header":
        raw = raw[:40]
    elif a.kind == "truncated-data":
        raw = raw[:-4]
    elif a.kind == "fortran-order":
        raw = npy_bytes(np.asfortranarray(x))
        assert b"'fortran_order': True" in raw
    elif a.kind == "b1-byte2":
        raw = npy_bytes(np.zeros((2, 3), dtype=np.bool_))
        raw[-1] = 2
    else:
        sys.exit("mknpy: unknown corruption '%s'" % a.kind)
    with open(a.out, "wb") as f:
        f.write(bytes(raw))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("values")
    v.add_argument("out")
    v.add_argument("--dtype", required=True, choices=sorted(DTYPES))
    v.add_argument("--shape", required=True)
    v.add_argument("--values", required=True)
    c = sub.add_parser("corrupt")
    c.add_argument("kind")
    c.add_argument("out")
    a = p.parse_args()
    {"values": cmd_values, "corrupt": cmd_corrupt}[a.cmd](a)


if __name__ == "__main__":
    main()
