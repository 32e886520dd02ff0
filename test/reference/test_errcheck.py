"""The shared error metric (errcheck.py) on the CPU: a correct bf16-rounded
output passes, one corrupted row in a long sequence fails although the
whole-output error stays small, zero reference rows are handled, NaN and
shape mismatches fail clearly. NumPy arrays and (where installed) torch
tensors."""
import numpy as np
import pytest

import errcheck


def bf16(x):
    """Round float32 to bfloat16 (nearest even) and back."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32)


def attention_like(rng, shape=(1, 4, 8192, 64)):
    return (rng.standard_normal(shape) / 8).astype(np.float32)


def test_bf16_rounded_output_passes():
    ref = attention_like(np.random.default_rng(0))
    ok, msg = errcheck.check(bf16(ref), ref, errcheck.TOL["bf16"])
    assert ok, msg
    whole, worst, _, finite = errcheck.errors(bf16(ref), ref)
    assert finite and 1e-4 < whole < 4e-3 and worst < 6e-3


@pytest.mark.parametrize("corruption", ["wrong-row", "scaled-row", "zeroed-row", "wrong-tile"])
def test_one_corrupted_row_in_a_long_sequence_fails(corruption):
    rng = np.random.default_rng(1)
    ref = attention_like(rng)
    out = bf16(ref)
    if corruption == "wrong-row":       # another query's row written here
        out[0, 2, 5000] = out[0, 2, 17]
    elif corruption == "scaled-row":    # a 20% error in one row
        out[0, 1, 8191] *= 1.2
    elif corruption == "zeroed-row":    # a row left unwritten (zero)
        out[0, 3, 0] = 0
    else:                               # one 64-row tile 5% off (e.g. a missed kv block)
        out[0, 0, 640:704] = bf16(out[0, 0, 640:704] * 1.05)
    whole, worst, where, _ = errcheck.errors(out, ref)
    assert whole < 1e-2  # the whole-output norm alone would pass it
    ok, msg = errcheck.check(out, ref, errcheck.TOL["bf16"])
    assert not ok and "worst row" in msg, msg
    assert worst > 0.04
    expect = {"wrong-row": (0, 2, 5000), "scaled-row": (0, 1, 8191), "zeroed-row": (0, 3, 0)}
    if corruption in expect:
        assert where == expect[corruption]
    else:
        assert where[:2] == (0, 0) and 640 <= where[2] < 704


def test_zero_reference_rows():
    ref = attention_like(np.random.default_rng(2), (2, 300, 32))
    ref[1, 10:20] = 0  # fully masked rows: the kernel writes exact zeros
    out = bf16(ref)
    assert errcheck.check(out, ref, 1e-2)[0]
    out[1, 15, 3] = 1e-3  # garbage in a masked row: small in absolute terms
    ok, msg = errcheck.check(out, ref, 1e-2)
    assert not ok and "[1, 15]" in msg, msg
    zeros = np.zeros((4, 8), np.float32)
    assert errcheck.check(zeros, zeros, 1e-2)[0]
    bad = zeros.copy()
    bad[2, 2] = 1e-20
    assert not errcheck.check(bad, zeros, 1e-2)[0]


def test_nan_output_fails_and_shape_mismatch_is_an_error():
    ref = attention_like(np.random.default_rng(3), (1, 2, 64, 16))
    out = ref.copy()
    out[0, 1, 7, 3] = np.nan
    ok, msg = errcheck.check(out, ref, 1e-2)
    assert not ok and "non-finite" in msg and "[0, 1, 7]" in msg, msg
    with pytest.raises(ValueError, match=r"output shape \[1, 2, 64\] != reference shape"):
        errcheck.errors(out[..., 0], ref)


def test_torch_tensors_match_numpy():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    ref = attention_like(rng, (1, 2, 2048, 64))
    out = bf16(ref)
    out[0, 1, 1234] = out[0, 1, 99]
    a = errcheck.errors(out, ref)
    b = errcheck.errors(torch.from_numpy(out).to(torch.bfloat16), torch.from_numpy(ref))
    assert a[2] == b[2] == (0, 1, 1234)
    assert abs(a[0] - b[0]) < 1e-3 * a[0] + 1e-6 and abs(a[1] - b[1]) < 1e-3 * a[1]
    ok, _ = errcheck.check(torch.from_numpy(out), ref, 1e-2)  # NumPy reference, torch output
    assert not ok
    nan = torch.from_numpy(ref.copy())
    nan[0, 0, 5, 0] = float("nan")
    ok, msg = errcheck.check(nan, torch.from_numpy(ref), 1e-2)
    assert not ok and "[0, 0, 5]" in msg, msg
