"""Running a small MLIR function through attn-run on NumPy inputs, for the
check_*.py scripts that compare attn-run's results with attn_ref."""
import os
import subprocess

import numpy as np


def ty(shape, elt):
    """The MLIR tensor type of `shape` (ints or "?") and element type `elt`."""
    return "tensor<" + "x".join(map(str, shape)) + "x" + elt + ">"


def run(attn_run, case_dir, mlir, inputs, num_outputs, capture=False):
    """Writes `mlir` and the arrays `inputs` to case_dir, runs attn-run on
    them and returns its `num_outputs` results as arrays. A failing run
    raises CalledProcessError (with its stderr when `capture`)."""
    os.makedirs(case_dir, exist_ok=True)
    src = os.path.join(case_dir, "m.mlir")
    with open(src, "w") as f:
        f.write(mlir)
    cmd = [attn_run, src]
    for i, x in enumerate(inputs):
        path = os.path.join(case_dir, f"in{i}.npy")
        np.save(path, x)
        cmd += ["--input", path]
    outs = [os.path.join(case_dir, f"out{i}.npy") for i in range(num_outputs)]
    for path in outs:
        cmd += ["--output", path]
    subprocess.run(cmd, check=True, capture_output=capture, text=capture)
    return [np.load(path) for path in outs]
