"""On the development machine: fresh random inputs for the small example
modules and their outputs from the CPU path (attn-run --device cpu), for
gpu-check.sh to compare the GPU artifacts against (the GPU path vs the
CPU path on the same inputs).

usage: make_cpu_cases.py BIN_DIR OUT_DIR"""
import os
import subprocess
import sys

import numpy as np

bin_dir, out_root = sys.argv[1], sys.argv[2]
rng = np.random.default_rng()
CASES = {
    "wan_vsa_small": [(1, 2, 120, 32)] * 4,
    "hunyuan_sta_small": [(1, 2, 192, 32)] * 3 + [(1, 2, 16, 32)] * 3,
    "model_vsa_steps": [(1, 1, 15, 8), "len", (1, 1, 4, 8)],
}
RESULTS = {"wan_vsa_small": 1, "hunyuan_sta_small": 2, "model_vsa_steps": 1, "topk_ties": 2,
           "loop_swap": 2, "block_ops_wide": 8, "coarse_scores": 2}
SOURCES = {"topk_ties": "test/GPU/Inputs/topk_ties.mlir", "loop_swap": "test/GPU/Inputs/loop_swap.mlir",
           "block_ops_wide": "test/GPU/Inputs/block_ops_wide.mlir",
           "coarse_scores": "test/GPU/Inputs/coarse_scores.mlir"}
t = 0.0196533203125
# Ties, -0/+0, and NaN of both signs beside +-inf: NaN ranks above +inf (SPEC),
# so rows 4 and 7 pick different ids than a NaN-as--inf kernel would.
TIES = np.array([[10, t, t, t, t, t, -10], [t] * 7, [-1, -1, 5, -1, -1, -1, 5],
                 [3, 2, 1, 0, -1, -2, -3], [-np.nan, np.inf, -np.inf, np.nan, 2, np.inf, 0],
                 [1e30, -1e30, 0, 0, 1e-30, -0.0, 0],
                 [-0.0, 0.0, 0.0, -1, -2, -3, 5], [-np.inf, np.inf, 1, np.nan, 0, -np.nan, -1]],
                dtype=np.float32).reshape(1, 2, 4, 7)
CASES["topk_ties"] = ["ties"]
CASES["loop_swap"] = [(1, 1, 64, 64)] * 2
# block_ops_wide: ("tied", shape) scores on 8 levels with ~2% specials;
# block sizes with an empty and a partial block.
CASES["block_ops_wide"] = [("tied", (1, 3, 5, 700)), ("tied", (1, 1, 4, 300)),
                           ("tied", (1, 2, 3, 33)), (1, 2, 96, 10), "sizes", (1, 1, 12, 520),
                           ("tied", (1, 1, 6, 1500)), (1, 2, 7, 624)]
# coarse_scores: the tensor-core contraction at partial 64 x 64 tiles.
CASES["coarse_scores"] = [(1, 2, 70, 32), (1, 2, 33, 32), (1, 3, 20, 48), (1, 3, 65, 48)]


def tied_scores(shape):
    x = np.round(rng.standard_normal(shape) * 2) / 2
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0])
    hit = rng.random(shape) < 0.02
    x[hit] = rng.choice(specials, size=int(hit.sum()))
    return x.astype(np.float32)


for name, shapes in CASES.items():
    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    src = SOURCES.get(name, f"examples/{name}.mlir")
    cmd = [os.path.join(bin_dir, "attn-run"), src, "--device", "cpu"]
    for i, s in enumerate(shapes):
        path = os.path.join(d, f"in{i}.npy")
        if s == "ties":
            np.save(path, TIES)
        elif s == "len":
            np.save(path, np.array([3], dtype=np.int32))
        elif s == "sizes":
            np.save(path, np.array([16, 0, 5, 16, 1, 9], dtype=np.int32))
        elif isinstance(s, tuple) and s[0] == "tied":
            np.save(path, tied_scores(s[1]))
        else:
            np.save(path, rng.standard_normal(s).astype(np.float32))
        cmd += ["--input", path]
    for r in range(RESULTS[name]):
        cmd += ["--output", os.path.join(d, f"expected{r}.npy")]
    subprocess.run(cmd, check=True)
    print("cpu case", name, "inputs", len(shapes), "results", RESULTS[name])
