# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "ATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "corpus", "Sanitizer", "regressions",
                   "reference"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%attn_src", config.attn_src_root))
config.substitutions.append(("%attn_obj", config.attn_obj_root))
# Debian's python with python3-numpy; a pyenv/venv python3 earlier on PATH
# may lack numpy.
python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"

# The sanitizer build (scripts/sanitize.sh, docs/Reliability.md): every
# instrumented process stops at its first ASan/UBSan report with SIGABRT (so
# that `not` and the Python drivers see a crash, not an expected failure) and
# writes the report under sanitizer-reports/ of the build, which the script
# counts after the run (a report that a test tolerated still fails it). The
# uninstrumented python3 gets ASan's runtime preloaded (it loads the
# instrumented native module and libattnrt.so), as do its python children;
# other children drop it (Sanitizer/unset_preload.c). Programs the tests compile against libattnrt
# take %san_flags.
san_flags = ""
python_torch = python
lsan_no_tls = ""
if getattr(config, "attn_sanitize", False):
    reports = os.path.join(config.attn_obj_root, "sanitizer-reports")
    common = "abort_on_error=1:halt_on_error=1:print_stacktrace=1:disable_coredump=1"
    config.environment["ASAN_OPTIONS"] = (
        common + ":detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
        ":check_initialization_order=1:log_path=" + os.path.join(reports, "asan"))
    config.environment["UBSAN_OPTIONS"] = common + ":log_path=" + os.path.join(reports, "ubsan")
    config.environment["LSAN_OPTIONS"] = "suppressions=" + os.path.join(
        config.attn_src_root, "test", "Sanitizer", "lsan-python.supp")
    preload = config.attn_libasan + " " + os.path.join(config.attn_obj_root, "lib",
                                                       "libattn_unset_preload.so")
    # Processes that import torch: no leak check at exit. LeakSanitizer's
    # stop-the-world tracer crashed there once in CI ("Tracer caught signal
    # 11", SIGABRT with no report) with torch's thread pools running; our
    # libraries' leaks are checked by the tests that load them without
    # torch. ASan and UBSan still run.
    no_leaks = config.environment["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    python_torch = "env ASAN_OPTIONS='" + no_leaks + "' LD_PRELOAD='" + preload + "' " + python
    python = "env LD_PRELOAD='" + preload + "' " + python
    san_flags = "-fsanitize=address,undefined -fno-sanitize-recover=all"
    # %lsan_no_tls: LeakSanitizer without thread-local storage as roots, for
    # the one test whose python3 process made its stop-the-world tracer crash
    # every time in lit's environment (SIGSEGV scanning a dynamic TLS block
    # at a bogus address, "DTLS 8 at 0x22a", then SIGABRT with no report;
    # GCC 12's libasan, glibc 2.36). Not global: without TLS roots, glibc's
    # own DTV and loader blocks are reported as leaks in other processes.
    lsan_no_tls = ("env LSAN_OPTIONS=use_tls=0:suppressions=" +
                   os.path.join(config.attn_src_root, "test", "Sanitizer", "lsan-python.supp"))
    config.available_features.add("sanitizer")
config.substitutions.append(("%san_flags", san_flags))
config.substitutions.append(("%python_torch", python_torch))
config.substitutions.append(("%lsan_no_tls", lsan_no_tls))
config.substitutions.append(("%python", python))
# The NumPy reference CLI: rand / check / equal (test/reference/npy_tools.py).
config.substitutions.append(
    ("%npy", python + " " + os.path.join(config.attn_src_root, "test", "reference", "npy_tools.py")))

# The Python package as assembled in the build tree (python/CMakeLists.txt).
config.substitutions.append(("%attn_pypath", os.path.join(config.attn_obj_root, "python")))
if getattr(config, "attn_python_native", False):
    config.available_features.add("python-native")

# The C API's test program (built where libMLIRCAPIIR.a exists).
if os.path.exists(os.path.join(config.attn_tools_dir, "attn-capi-test")):
    config.available_features.add("capi")

# pip with setuptools and wheel (Debian: python3-pip, python3-setuptools,
# python3-wheel): the `pip install .` tests (test/Python/pip-install*.test).
import subprocess as _sp
try:
    if _sp.run(python.split()[-1:] + ["-c", "import setuptools, wheel, pip"],
               capture_output=True, timeout=60).returncode == 0:
        config.available_features.add("pip")
except Exception:
    pass

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.attn_tools_dir, config.llvm_tools_dir]
tools = ["attn-compile", "attn-opt", "attn-run", "FileCheck", "not", "split-file",
         "attn-fuzz-ir", "attn-fuzz-planner", "attn-fuzz-artifact", "attn-fuzz-npy"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.attn_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# CUDA's ptxas (CUDA 13 at /usr/local/cuda on the dev machines): tests that
# assemble PTX use %if ptxas and skip that step where it is missing.
for ptxas_dir in ("/usr/local/cuda/bin",):
    if os.path.exists(os.path.join(ptxas_dir, "ptxas")):
        config.available_features.add("ptxas")
        llvm_config.with_environment("PATH", ptxas_dir, append_path=True)

# cuobjdump with nvdisasm (scripts/setup.sh unpacks NVIDIA's PyPI wheels
# into .cuda-tools/): SASS checks of the kernels use %if cuobjdump.
for sass_dir in (os.path.join(config.attn_src_root, ".cuda-tools", "nvidia", "cu13", "bin"),
                 "/usr/local/cuda/bin"):
    if all(os.path.exists(os.path.join(sass_dir, t)) for t in ("cuobjdump", "nvdisasm")):
        config.available_features.add("cuobjdump")
        llvm_config.with_environment("PATH", sass_dir, append_path=True)
        break

# A usable NVIDIA GPU (the lent GPU machine); GPU tests are UNSUPPORTED
# (skipped) elsewhere, CI included.
import shutil
import subprocess
if shutil.which("nvidia-smi"):
    try:
        if subprocess.run(["nvidia-smi", "-L"], capture_output=True, timeout=20).returncode == 0:
            config.available_features.add("cuda-gpu")
    except Exception:
        pass
