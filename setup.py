"""Builds the attn_mlir package for pip (pyproject.toml has the metadata).

  pip install --no-build-isolation --no-deps .

What goes into the package beside python/attn_mlir/*.py:
  libattnrt.so         the GPU runtime (always; needs no LLVM)
  _native*.so          the compiler (pybind11 + libMLIR), unless runtime-only
  _compiler_version.txt, _build_info.py

Environment (docs/Python.md "Installing"):
  ATTN_MLIR_CMAKE_BUILD_DIR=DIR  reuse a CMake build of this project
                                 (scripts/build.sh's ./build) instead of building
  ATTN_MLIR_RUNTIME_ONLY=1       package the runtime part only: pure Python +
                                 libattnrt.so, built with `cmake -S runtime` (no
                                 LLVM/MLIR needed); compiling then needs the
                                 disk cache (attn_mlir.precompile_for elsewhere)
  ATTN_MLIR_CMAKE_ARGS="..."     extra arguments for the CMake configure step
  ATTN_MLIR_SETUP_BUILD_BASE=DIR setuptools' and CMake's work directory
                                 (default build-py/; "build" is scripts/build.sh's)
Without a build directory, CMake configures and builds under build-py/.
"""
import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build import build
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))
# Not "build": that is the CMake build directory of scripts/build.sh.
# ATTN_MLIR_SETUP_BUILD_BASE moves it (and the egg-info) out of the tree.
BUILD_BASE = os.path.abspath(os.environ.get("ATTN_MLIR_SETUP_BUILD_BASE") or
                             os.path.join(ROOT, "build-py"))


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "on", "true", "yes")


def _run(cmd):
    print("attn-mlir setup:", " ".join(shlex.quote(c) for c in cmd), flush=True)
    subprocess.check_call(cmd)


def _cmake_build(source: str, build_dir: str, targets) -> str:
    """Configures (once) and builds `targets` of `source` into `build_dir`."""
    if not shutil.which("cmake"):
        sys.exit("attn-mlir setup: cmake is needed to build the package "
                 "(apt-get install cmake), or set ATTN_MLIR_CMAKE_BUILD_DIR")
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        gen = ["-G", "Ninja"] if shutil.which("ninja") else []
        # As scripts/build.sh: Debian's LLVM/MLIR 22 unless LLVM_PREFIX says.
        mlir_dir = os.path.join(os.environ.get("LLVM_PREFIX", "/usr/lib/llvm-22"),
                                "lib", "cmake", "mlir")
        extra = ["-DMLIR_DIR=" + mlir_dir] if os.path.isdir(mlir_dir) else []
        if shutil.which("ccache"):
            extra += ["-DCMAKE_C_COMPILER_LAUNCHER=ccache", "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
        _run(["cmake", "-S", source, "-B", build_dir, *gen,
              "-DCMAKE_BUILD_TYPE=Release",
              "-DPython3_EXECUTABLE=" + sys.executable, *extra,
              *shlex.split(os.environ.get("ATTN_MLIR_CMAKE_ARGS", ""))])
    _run(["cmake", "--build", build_dir, "--target", *targets])
    return build_dir


def _find(build_dir: str, pattern: str, what: str, hint: str) -> str:
    hits = sorted(glob.glob(os.path.join(build_dir, pattern)))
    if not hits:
        sys.exit(f"attn-mlir setup: {what} not found in {build_dir} ({pattern}); {hint}")
    return hits[0]


class AttnBuild(build):
    def initialize_options(self):
        super().initialize_options()
        self.build_base = BUILD_BASE


class AttnEggInfo(egg_info):
    def initialize_options(self):
        super().initialize_options()
        os.makedirs(BUILD_BASE, exist_ok=True)
        self.egg_base = os.path.relpath(BUILD_BASE, ROOT)


class AttnBuildPy(build_py):
    """Copies the Python sources, then the native files from a CMake build."""

    def run(self):
        super().run()
        pkg = os.path.join(self.build_lib, "attn_mlir")
        runtime_only = _flag("ATTN_MLIR_RUNTIME_ONLY")
        given = os.environ.get("ATTN_MLIR_CMAKE_BUILD_DIR")
        if given:
            build_dir = os.path.abspath(given)
            if not os.path.isdir(build_dir):
                sys.exit(f"attn-mlir setup: ATTN_MLIR_CMAKE_BUILD_DIR={given} is not a directory")
        elif runtime_only:
            build_dir = _cmake_build(os.path.join(ROOT, "runtime"),
                                     os.path.join(BUILD_BASE, "cmake-runtime"), ["attnrt"])
        else:
            build_dir = _cmake_build(ROOT, os.path.join(BUILD_BASE, "cmake"),
                                     ["attn_mlir_python"])
        hint = ("build it (scripts/build.sh) or set ATTN_MLIR_RUNTIME_ONLY=1 for the "
                "runtime part alone")
        self.copy_file(_find(build_dir, "lib/libattnrt.so", "libattnrt.so", hint),
                       os.path.join(pkg, "libattnrt.so"))
        if not runtime_only:
            native = _find(build_dir, "python/attn_mlir/_native*.so",
                           "the native module attn_mlir._native", hint)
            self.copy_file(native, os.path.join(pkg, os.path.basename(native)))
            self.copy_file(_find(build_dir, "python/attn_mlir/_compiler_version.txt",
                                 "_compiler_version.txt", hint),
                           os.path.join(pkg, "_compiler_version.txt"))
        with open(os.path.join(pkg, "_build_info.py"), "w") as f:
            f.write("# Written by setup.py: the installed package.\n"
                    "import os\n"
                    "ATTNRT_LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "
                    "\"libattnrt.so\")\n"
                    "SOURCE_DIR = None\n"
                    f"RUNTIME_ONLY = {runtime_only!r}\n")


class BinaryDistribution(Distribution):
    """The wheel holds shared libraries: platform-specific, not pure."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build": AttnBuild, "build_py": AttnBuildPy, "egg_info": AttnEggInfo},
      distclass=BinaryDistribution)
