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


def out_lse_errors(out, lse, want_out, want_lse):
    """(out's max abs error relative to want_out's max, lse's max abs error
    over rows with a valid key, rows without one (-inf in want_lse), whether
    lse has -inf exactly there): the checks of an (out, lse) pair."""
    out_err = (np.abs(out.astype(np.float64) - want_out).max()
               / max(np.abs(want_out).max(), 1e-30))
    empty = np.isneginf(want_lse)
    same_inf = np.array_equal(np.isneginf(lse), empty)
    lse_err = np.abs(lse[~empty] - want_lse[~empty]).max() if (~empty).any() else 0.0
    return out_err, lse_err, empty, same_inf


class Verdicts:
    """The check scripts' PASS/FAIL lines: verdict(name, ok, detail) prints
    the detail and the verdict; exit() ends the script (1 if any failed)."""

    def __init__(self):
        self.results = []

    def __call__(self, name, ok, detail):
        print(f"  {name}: {detail}")
        print(("PASS " if ok else "FAIL ") + name)
        self.results.append(bool(ok))

    def refused(self, name, attn_run, case_dir, mlir, inputs, num_outputs, want):
        """A run attn-run must refuse: exit 1 with `want` in its stderr."""
        try:
            run(attn_run, case_dir, mlir, inputs, num_outputs, capture=True)
            self(name, False, "attn-run accepted it")
        except subprocess.CalledProcessError as e:
            self(name, e.returncode == 1 and want in e.stderr,
                 f"exit {e.returncode}: {e.stderr.strip()}")

    def exit(self):
        import sys
        sys.exit(0 if all(self.results) else 1)
