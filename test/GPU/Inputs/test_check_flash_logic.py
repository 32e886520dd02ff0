"""scripts/gpu/check_flash.py's logic on the CPU (no GPU, no cupy): the
kernels are stand-ins (Inputs/fakecupy/cupy.py) that compute the documented
semantics with a per-row loop, independent of check_flash.py's reference.
A correct stand-in passes every scenario (random tables, garbage past the
counts, out-of-range ids within them, fully masked rows); each planted
defect is caught."""
import os
import re
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "gpu", "check_flash.py")


def run(tmp_path, behaviour, kernels):
    d = tmp_path / behaviour
    d.mkdir()
    for k in kernels:
        (d / f"{k}.sm_90a.cubin").write_text(behaviour)
    env = dict(os.environ, ATTN_CHECK_DEVICE="cpu",
               PYTHONPATH=os.path.join(HERE, "fakecupy"))
    p = subprocess.run([sys.executable, SCRIPT, str(d), "--quick", "--scenarios",
                        "garbage,oob,masked"], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def test_correct_kernels_pass_every_scenario(tmp_path):
    rc, out = run(tmp_path, "good", ["attn_flash_bf16_d64_q64_kv64_idx_vbs_km",
                                     "attn_simt_f32_d32_q8_kv8_idx_vbs",
                                     "attn_flash_f16_d64_q64_kv64_dense_km"])
    assert rc == 0, out
    assert out.strip().endswith("13 passed, 0 failed"), out
    for sc in ("random", "garbage", "oob", "masked"):
        assert re.search(rf"^PASS attn_simt_f32\S+ B1 Hq2 Hkv1 Sq77 Skv130 {sc}:", out, re.M), out
    # Rows without a key exist and are checked.
    assert re.search(r"masked: .*rows without keys [1-9]", out), out


def test_out_of_range_ids_that_count_are_caught(tmp_path):
    rc, out = run(tmp_path, "clamp-ids", ["attn_flash_bf16_d64_q64_kv64_idx"])
    assert rc == 1, out
    assert re.search(r"^FAIL attn_flash_bf16_d64_q64_kv64_idx .* oob:", out, re.M), out
    assert re.search(r"^PASS attn_flash_bf16_d64_q64_kv64_idx .* random:", out, re.M), out


def test_one_bad_row_is_caught_by_the_worst_row(tmp_path):
    rc, out = run(tmp_path, "one-bad-row", ["attn_flash_bf16_d64_q64_kv64_dense"])
    assert rc == 1, out
    m = re.search(r"^FAIL .* Sq256 Skv256 random: rel err (\S+) .*worst row (\S+)", out, re.M)
    assert m and float(m.group(1)) < 1e-2 and float(m.group(2)) > 1e-2, out


def test_junk_in_masked_rows_is_caught(tmp_path):
    rc, out = run(tmp_path, "masked-junk", ["attn_flash_bf16_d64_q64_kv64_idx_vbs"])
    assert rc == 1, out
    assert re.search(r"^FAIL .* masked: .*not exactly 0: [1-9]", out, re.M), out


def test_an_unwritten_element_is_caught(tmp_path):
    rc, out = run(tmp_path, "unwritten", ["attn_flash_bf16_d64_q64_kv64_dense"])
    assert rc == 1 and "all written False" in out, out


def test_unknown_scenario_is_an_error(tmp_path):
    d = tmp_path / "none"
    d.mkdir()
    p = subprocess.run([sys.executable, SCRIPT, str(d), "--scenarios", "typo"],
                       capture_output=True, text=True,
                       env=dict(os.environ, ATTN_CHECK_DEVICE="cpu",
                                PYTHONPATH=os.path.join(HERE, "fakecupy")))
    assert p.returncode == 2 and "unknown scenario(s) ['typo']" in p.stdout
