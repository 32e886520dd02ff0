"""Compile once, run many times: the native compiler, the compile cache.

A module is compiled once per distinct IR text and target: an in-memory dict
holds the compiled programs of this process, and a disk cache under
``$ATTN_MLIR_CACHE`` (default ``~/.cache/attn_mlir``; ``off`` disables it)
holds what survives the process:

  <sha256>/module.mlir   the attn IR (for inspection)
  <sha256>/lowered.mlir  CPU: the module after attn-to-cpu (only the JIT runs on a hit)
  <sha256>/plan.txt ...  GPU: the artifact of attn-compile (docs/ARTIFACT.md)

The key is sha256(IR text, compiler version, target), where the compiler
version is a hash of the native module (which links the whole compiler), so
a rebuilt compiler never reads a stale entry. ``stats()`` counts compiles and
hits (the tests use it to check that a second call does not recompile).
"""
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from typing import Dict, Optional

from .errors import CompileError, IRError, NativeModuleError

_native_mod = None
_version: Optional[str] = None
_lock = threading.RLock()
_programs: Dict[tuple, object] = {}
_stats = {"compiles": 0, "cpu_compiles": 0, "gpu_compiles": 0, "memory_hits": 0,
          "disk_hits": 0}
_tmp_dirs = []

# Compile progress: one INFO record before and after each compile (op, shape,
# target, seconds), DEBUG for cache hits. logging.basicConfig(level=logging.INFO)
# or logging.getLogger("attn_mlir").setLevel(logging.INFO) shows them.
log = logging.getLogger("attn_mlir")


def describe(ir: str) -> str:
    """'vsa 1x2x128x64xbf16' for a module: its attn ops other than
    tile/untile (all of them if only those) and its first argument's type."""
    ops = re.findall(r"\battn\.(\w+)", ir)
    main = [o for o in ops if o not in ("tile", "untile")] or ops
    seen = []
    for o in main:
        if o not in seen:
            seen.append(o)
    m = re.search(r"func\.func @\w+\(%\w+: tensor<([^>]*)>", ir)
    return f"{'+'.join(seen) or 'module'} {m.group(1) if m else ''}".strip()


def native():
    """The pybind11 module attn_mlir._native (imported on first use)."""
    global _native_mod
    if _native_mod is None:
        try:
            from . import _native  # noqa: F401
        except ImportError as e:
            raise NativeModuleError(
                "attn_mlir._native is not available: build the project (scripts/build.sh) "
                "and import attn_mlir from the build tree (PYTHONPATH=build/python); "
                f"import failed with: {e}") from e
        _native_mod = _native
    return _native_mod


VERSION_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "_compiler_version.txt")


def compiler_version() -> str:
    """Identifies the compiler: a hash of the native module's file, written
    next to it by the build (_compiler_version.txt), so that a machine without
    the compiler (the GPU machine: no LLVM/MLIR) computes the same cache keys
    and finds artifacts compiled elsewhere."""
    global _version
    if _version is None:
        if os.path.isfile(VERSION_FILE):
            with open(VERSION_FILE) as f:
                _version = f.read().strip()
        else:
            path = native().__file__
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            _version = "attn-mlir-native-" + h.hexdigest()[:20]
    return _version


def have_compiler() -> bool:
    """Whether attn_mlir._native loads here (it needs LLVM/MLIR's libMLIR)."""
    try:
        native()
        return True
    except NativeModuleError:
        return False


def cache_dir() -> Optional[str]:
    """The disk cache directory, or None when ATTN_MLIR_CACHE=off."""
    d = os.environ.get("ATTN_MLIR_CACHE")
    if d is not None and d.strip().lower() in ("off", "0", "none", ""):
        return None
    if not d:
        d = os.path.join(os.path.expanduser("~"), ".cache", "attn_mlir")
    return d


def cache_key(ir: str, target: str) -> str:
    h = hashlib.sha256()
    for part in (ir, compiler_version(), target):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def stats() -> Dict[str, int]:
    """Counters since the last reset: compiles (cpu/gpu), memory and disk hits."""
    with _lock:
        return dict(_stats)


def reset_stats():
    with _lock:
        for k in _stats:
            _stats[k] = 0


def clear_memory_cache():
    """Forgets the compiled programs of this process (the disk cache stays)."""
    with _lock:
        _programs.clear()


def verify(ir: str) -> None:
    """Parses and verifies attn IR text; raises IRError with the diagnostics."""
    n = native()
    try:
        n.verify(ir)
    except n.Error as e:
        raise IRError(f"invalid attn IR:\n{e}") from None


def signature(ir: str, entry: str = "main"):
    """([(element, shape)] of the arguments, [...] of the results)."""
    n = native()
    try:
        return n.signature(ir, entry)
    except n.Error as e:
        raise IRError(str(e)) from None


def _compile_error(ir: str, what: str, e: Exception) -> Exception:
    # Tell invalid IR (a bug in the caller's text) from what the compiler
    # cannot compile.
    n = native()
    try:
        n.verify(ir)
    except n.Error as ve:
        return IRError(f"invalid attn IR:\n{ve}")
    return CompileError(f"{what} failed:\n{e}")


def _entry_dir(key: str) -> Optional[str]:
    root = cache_dir()
    return None if root is None else os.path.join(root, key)


def _publish(tmp: str, final: str):
    """Moves a fully written entry into place (another process may have won)."""
    try:
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _new_entry_dir(key: str) -> str:
    root = cache_dir()
    os.makedirs(root, exist_ok=True)
    return tempfile.mkdtemp(prefix=key[:16] + ".tmp-", dir=root)


def _memory_hit(key: str, kind: str):
    """What this process compiled for (key, kind) ("cpu" or "artifact"),
    counted as a memory hit; None if nothing. Called with _lock held."""
    found = _programs.get((key, kind))
    if found is not None:
        _stats["memory_hits"] += 1
    return found


def cpu_program(ir: str, entry: str = "main"):
    """The JIT-compiled program of `ir` (compiled at most once per process,
    and its attn-to-cpu output reused across processes through the disk cache)."""
    n = native()
    key = cache_key(ir + "\0" + entry, "cpu")
    with _lock:
        prog = _memory_hit(key, "cpu")
        if prog is not None:
            return prog
        d = _entry_dir(key)
        lowered_path = d and os.path.join(d, "lowered.mlir")
        if lowered_path and os.path.isfile(lowered_path):
            try:
                with open(lowered_path) as f:
                    prog = n.CpuProgram(ir, entry, f.read())
                _stats["disk_hits"] += 1
                log.debug("%s for cpu from the disk cache", describe(ir))
            except (OSError, n.Error):
                prog = None  # unreadable or stale entry: compile again
        if prog is None:
            what = describe(ir)
            log.info("compiling %s for cpu ...", what)
            t0 = time.perf_counter()
            try:
                lowered = n.lower_for_cpu(ir, entry)
                prog = n.CpuProgram(ir, entry, lowered)
            except n.Error as e:
                log.info("compiling %s for cpu failed", what)
                raise _compile_error(ir, "compiling for the CPU", e) from None
            log.info("compiled %s for cpu in %.2f s", what, time.perf_counter() - t0)
            _stats["compiles"] += 1
            _stats["cpu_compiles"] += 1
            if d is not None:
                try:
                    tmp = _new_entry_dir(key)
                    with open(os.path.join(tmp, "module.mlir"), "w") as f:
                        f.write(ir)
                    with open(os.path.join(tmp, "lowered.mlir"), "w") as f:
                        f.write(lowered)
                    if os.path.isdir(d):
                        shutil.rmtree(d, ignore_errors=True)
                    _publish(tmp, d)
                except OSError:
                    pass  # a read-only cache must not break the computation
        _programs[(key, "cpu")] = prog
        return prog


def artifact_dir(ir: str, chip: str, entry: str = "main",
                 ptxas: str = "/usr/local/cuda/bin/ptxas") -> str:
    """Compiles `ir` for the GPU (attn-compile) unless the disk cache has it;
    returns the artifact directory. Raises CompileError with the compiler's
    message when the module cannot be compiled for the GPU. Without the
    compiler (a GPU machine without LLVM/MLIR) only cached artifacts are
    found: precompile them (api.precompile_for) where the compiler is."""
    key = cache_key(ir + "\0" + entry, chip)
    with _lock:
        cached = _memory_hit(key, "artifact")
        if cached is not None:
            return cached
        d = _entry_dir(key)
        if d is not None and os.path.isfile(os.path.join(d, "plan.txt")):
            log.debug("%s for %s from the disk cache %s", describe(ir), chip, d)
            _stats["disk_hits"] += 1
            _programs[(key, "artifact")] = d
            return d
        try:
            n = native()
        except NativeModuleError as e:
            raise CompileError(
                f"no cached GPU artifact for this module ({chip}) in "
                f"{cache_dir() or 'the disabled disk cache'} and no compiler here: compile it "
                "where attn_mlir._native works (with attn_mlir.precompile_for) and carry "
                f"$ATTN_MLIR_CACHE over. Module:\n{ir}\n({e})") from None
        if d is not None:
            tmp = _new_entry_dir(key)
        else:
            tmp = tempfile.mkdtemp(prefix="attn_mlir-")
            _tmp_dirs.append(tmp)
        what = describe(ir)
        log.info("compiling %s for %s ...", what, chip)
        t0 = time.perf_counter()
        try:
            n.compile_artifact(ir, tmp, entry, chip, ptxas)
        except n.Error as e:
            shutil.rmtree(tmp, ignore_errors=True)
            log.info("compiling %s for %s failed", what, chip)
            raise _compile_error(ir, f"compiling for the GPU ({chip})", e) from None
        log.info("compiled %s for %s in %.2f s", what, chip, time.perf_counter() - t0)
        _stats["compiles"] += 1
        _stats["gpu_compiles"] += 1
        with open(os.path.join(tmp, "module.mlir"), "w") as f:
            f.write(ir)
        if d is not None:
            _publish(tmp, d)
            if not os.path.isfile(os.path.join(d, "plan.txt")):
                raise CompileError(f"could not store the artifact in the cache at {d}")
        else:
            d = tmp
        _programs[(key, "artifact")] = d
        return d


def run_cpu(ir: str, inputs, entry: str = "main"):
    """Compiles (cached) and runs `ir` on NumPy arrays; returns the results."""
    from .errors import AttnError
    prog = cpu_program(ir, entry)
    n = native()
    try:
        return prog.run(list(inputs))
    except n.Error as e:
        msg = str(e).replace("--input file(s) were given", "inputs were given")
        raise AttnError(f"running on the CPU failed: {msg}") from None
