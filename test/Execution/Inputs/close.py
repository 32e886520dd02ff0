#!/usr/bin/env python3
"""close.py A.npy B.npy [--tol T]: prints "CLOSE rel_err=..." and exits 0 when both hold finite
values of the same shape with ||A-B|| / ||B|| <= T (default 1e-4); else prints why, exit 1."""
import argparse
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("a")
p.add_argument("b")
p.add_argument("--tol", type=float, default=1e-4)
args = p.parse_args()
a = np.load(args.a).astype(np.float64)
b = np.load(args.b).astype(np.float64)
if a.shape != b.shape:
    print(f"DIFFER shape {a.shape} != {b.shape}")
    sys.exit(1)
if not (np.isfinite(a).all() and np.isfinite(b).all()):
    print("DIFFER non-finite values")
    sys.exit(1)
e = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), np.finfo(np.float64).tiny))
if e > args.tol:
    print(f"DIFFER rel_err={e:.3e} > tol={args.tol:g}")
    sys.exit(1)
print(f"CLOSE rel_err={e:.3e}")
