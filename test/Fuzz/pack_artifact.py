#!/usr/bin/env python3
"""Packs an artifact directory into one attn-fuzz-artifact input: a line
"=== FILE" before each file's bytes, plan.txt first (fuzz/FuzzArtifact.cpp).

usage: pack_artifact.py DIR OUT
"""
import os
import sys

src, out = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(src), key=lambda n: (n != "plan.txt", n))
with open(out, "wb") as f:
    for n in names:
        with open(os.path.join(src, n), "rb") as g:
            data = g.read()
        f.write(b"=== " + n.encode() + b"\n" + data)
        if not data.endswith(b"\n"):
            f.write(b"\n")
