"""The one error metric of every GPU check (scripts/gpu/*.py,
scripts/gpu-check.sh, python/tests/test_gpu.py): the whole-output relative
error AND the worst row's relative error, so that one wrong row or tile
cannot hide in a long sequence.

A row is a vector along the last axis (attention: one query's output over
the head dimension). For output ``out`` and reference ``ref`` of one shape:

  whole  = ||out - ref|| / ||ref||                       (Frobenius)
  row_i  = ||out_i - ref_i|| / max(||ref_i||, ZERO_ROW_FLOOR * mean_j ||ref_j||)
  worst  = max_i row_i

Rows whose reference norm is (close to) zero, e.g. fully masked attention
rows, are measured against a floor of ZERO_ROW_FLOOR (1e-3) times the mean
reference row norm instead of their own norm: their absolute error must stay
below tol * 1e-3 * (mean row norm), which a row written as exactly 0 meets
and a row with garbage in it does not. When every reference row is zero the
floor is 1e-30, so any element above about tol * 1e-30 fails.
Any NaN or Inf in ``out`` that is not in ``ref`` fails the check.

Works on NumPy arrays (computed in float64) and on torch tensors (computed
in float64 on the tensors' device (float32 row norms would square tiny
garbage in a zero row to 0), so large GPU outputs are not copied to
the host); a NumPy reference for a torch output is moved to its device."""
import math

ZERO_ROW_FLOOR = 1e-3

# bf16 outputs are checked at this relative error (whole and worst row);
# f16 likewise; f32 at 1e-4 (the shared PERF.md: "bf16: < 1e-2").
TOL = {"bf16": 1e-2, "f16": 1e-2, "f32": 1e-4}


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def _torch_pair(out, ref):
    import torch
    if not _is_torch(out):
        out = torch.as_tensor(out)
    if not _is_torch(ref):
        ref = torch.as_tensor(ref)
    ref = ref.to(out.device)
    return out.double(), ref.double()


def errors(out, ref):
    """(whole relative error, worst row relative error, index of the worst
    row as a tuple over the leading axes, all output values finite)."""
    if tuple(out.shape) != tuple(ref.shape):
        raise ValueError(f"errcheck: output shape {list(out.shape)} != reference shape "
                         f"{list(ref.shape)}")
    if len(out.shape) == 0:
        raise ValueError("errcheck: needs at least one axis (rows are the last axis)")
    if _is_torch(out) or _is_torch(ref):
        import torch
        o, r = _torch_pair(out, ref)
        finite = bool((torch.isfinite(o) | ~torch.isfinite(r)).all().item())
        d = o - r
        whole = (d.norm() / r.norm().clamp_min(1e-30)).item() if r.numel() else 0.0
        rn = torch.linalg.vector_norm(r, dim=-1)
        en = torch.linalg.vector_norm(d, dim=-1)
        mean = rn.mean().item() if rn.numel() else 0.0
        floor = max(ZERO_ROW_FLOOR * mean, 1e-30) if math.isfinite(mean) else 1e-30
        rows = en / rn.clamp_min(floor)
        if rows.numel() == 0:
            return whole, 0.0, (), finite
        flat = rows.reshape(-1)
        # NaN anywhere makes the worst row NaN (argmax does not see NaN).
        nan = torch.isnan(flat)
        i = int(torch.nonzero(nan)[0].item()) if nan.any().item() else int(flat.argmax().item())
        worst = flat[i].item()
        shape = tuple(rows.shape)
    else:
        import numpy as np
        o = np.asarray(out, dtype=np.float64)
        r = np.asarray(ref, dtype=np.float64)
        finite = bool((np.isfinite(o) | ~np.isfinite(r)).all())
        d = o - r
        whole = float(np.linalg.norm(d) / max(np.linalg.norm(r), 1e-30)) if r.size else 0.0
        rn = np.sqrt((r * r).sum(-1))
        en = np.sqrt((d * d).sum(-1))
        mean = float(rn.mean()) if rn.size else 0.0
        floor = max(ZERO_ROW_FLOOR * mean, 1e-30) if math.isfinite(mean) else 1e-30
        rows = en / np.maximum(rn, floor)
        if rows.size == 0:
            return whole, 0.0, (), finite
        flat = rows.reshape(-1)
        nan = np.isnan(flat)
        i = int(np.flatnonzero(nan)[0]) if nan.any() else int(flat.argmax())
        worst = float(flat[i])
        shape = rows.shape
    index = []
    for n in reversed(shape):
        index.append(i % n)
        i //= n
    return whole, worst, tuple(reversed(index)), finite


def check(out, ref, tol, row_tol=None, name=""):
    """(ok, message): ok when the output is finite where the reference is,
    the whole relative error is < tol and the worst row's is < row_tol
    (default: tol). The message names the worst row."""
    row_tol = tol if row_tol is None else row_tol
    whole, worst, where, finite = errors(out, ref)
    ok = finite and whole < tol and worst < row_tol  # False for NaN errors
    prefix = f"{name}: " if name else ""
    msg = (f"{prefix}rel err {whole:.2e} (< {tol:g}), worst row {worst:.2e} "
           f"(< {row_tol:g}) at {list(where)}")
    if not finite:
        msg += ", non-finite output values"
    return ok, msg
