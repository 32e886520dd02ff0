"""Writes the compiler version of the native module (a hash of its file) next
to it, as attn_mlir.compiler.compiler_version() computes it: the GPU machine,
which cannot load the module, keys its artifact cache with this file.
usage: write_version.py NATIVE_SO OUT_TXT"""
import hashlib
import sys

with open(sys.argv[1], "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()[:20]
with open(sys.argv[2], "w") as f:
    f.write("attn-mlir-native-" + digest + "\n")
