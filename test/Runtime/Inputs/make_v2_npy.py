"""Writes .npy inputs for the Inputs/v2 fixture (attnrt-run tests).
usage: make_v2_npy.py OUTDIR"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(0)
np.save(os.path.join(out, "x.npy"), rng.standard_normal((1, 2, 128, 64)).astype("<f4"))
np.save(os.path.join(out, "idx.npy"), np.array([0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 3, 3], "<i4").reshape(1, 2, 2, 3))
np.save(os.path.join(out, "cnt.npy"), np.array([3, 1, 0, 2], "<i4").reshape(1, 2, 2))
np.save(os.path.join(out, "badcnt.npy"), np.array([3, 1, 7, 2], "<i4").reshape(1, 2, 2))
np.save(os.path.join(out, "badidx.npy"), np.array([0, 1, 2, 3, 2, 1, 1, 1, 1, 3, 624, 3], "<i4").reshape(1, 2, 2, 3))
mask = rng.random((1, 128)) < 0.5
np.save(os.path.join(out, "mask_b1.npy"), mask)
np.save(os.path.join(out, "mask_u1.npy"), mask.astype(np.uint8) * 3)
np.save(os.path.join(out, "mask_i1.npy"), mask.astype(np.int8))
np.save(os.path.join(out, "mask_f4.npy"), mask.astype(np.float32))
