"""Puts the attn_mlir package on sys.path: $ATTN_MLIR_PYTHON (the lit tests
pass build/python, where the native module lives), else ./build/python when
it has been built, else the source tree (python/, config parsing only).
Also puts the NumPy reference (test/reference) on the path and points the
disk cache at a fresh temporary directory."""
import glob
import os
import shutil
import sys
import tempfile

import pytest

SOURCE_PYTHON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SOURCE_PYTHON)


def _package_root():
    env = os.environ.get("ATTN_MLIR_PYTHON")
    if env:
        return env
    built = os.path.join(REPO, "build", "python")
    if glob.glob(os.path.join(built, "attn_mlir", "_native*.so")):
        return built
    return SOURCE_PYTHON


PYTHON_ROOT = _package_root()
if PYTHON_ROOT not in sys.path:
    sys.path.insert(0, PYTHON_ROOT)
REFERENCE = os.path.join(REPO, "test", "reference")
if REFERENCE not in sys.path:
    sys.path.insert(1, REFERENCE)

# Tests never touch ~/.cache; a test that needs its own cache sets its own.
# On the GPU machine (no compiler) the GPU tests read the artifacts
# precompiled by scripts/gpu/precompile_python.py: ATTN_MLIR_TEST_CACHE.
TEST_CACHE = tempfile.mkdtemp(prefix="attn_mlir_test_cache-")
if os.environ.get("ATTN_MLIR_TEST_CACHE"):
    shutil.copytree(os.environ["ATTN_MLIR_TEST_CACHE"], TEST_CACHE, dirs_exist_ok=True)
os.environ["ATTN_MLIR_CACHE"] = TEST_CACHE


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs torch with a CUDA GPU (skipped otherwise)")


def pytest_unconfigure(config):
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A fresh disk cache (yielded) and empty memory cache and stats."""
    from attn_mlir import compiler
    monkeypatch.setenv("ATTN_MLIR_CACHE", str(tmp_path / "cache"))
    compiler.clear_memory_cache()
    compiler.reset_stats()
    yield tmp_path / "cache"
    compiler.clear_memory_cache()


@pytest.fixture
def poison_outputs(monkeypatch):
    """The outputs attn_mlir allocates start as NaN (test_gpu._poison), for
    every test marked by test_gpu.gpu, in any test module."""
    import test_gpu
    test_gpu._poison(monkeypatch)
    yield
