"""Checks an installed attn_mlir (pip install --target SITE) from outside the
source tree: the package, its libattnrt.so and (full install) its native
module come from SITE, and the CPU path runs a tiny VSA against the NumPy
reference (test/reference). Runtime-only: no compiler, the runtime loads,
and compiling is a clear error.

  check_installed.py SITE full|runtime
"""
import os
import sys

site, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
src = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Only SITE provides attn_mlir: no source tree, no build tree on the path.
sys.path = [site] + [p for p in sys.path
                     if p and not os.path.abspath(p).startswith(src)]
sys.path.append(os.path.join(src, "test", "reference"))  # attn_ref only

import attn_mlir as am  # noqa: E402
from attn_mlir import runtime  # noqa: E402


def under_site(path):
    return os.path.abspath(path).startswith(site + os.sep)


assert under_site(am.__file__), f"attn_mlir imported from {am.__file__}, not {site}"
lib = runtime.library_path()
assert under_site(lib), f"libattnrt.so from {lib}"
runtime.library()  # loads (no GPU needed)
print("imported from site; libattnrt.so:", os.path.relpath(lib, site))

if mode == "full":
    import numpy as np
    import attn_ref as ref
    from attn_mlir import compiler
    assert am.have_compiler(), "the native module does not load"
    assert under_site(compiler.native().__file__), compiler.native().__file__
    rng = np.random.default_rng()
    grid, tile = (2, 4, 4), (2, 2, 2)
    q, k, v = (rng.standard_normal((1, 2, 32, 16)).astype(np.float32) for _ in range(3))
    out = am.video_sparse_attn(q, k, v, grid=grid, sparsity=0.5, tile=tile)
    _, n, p = ref.tile_geometry(grid, tile)
    _, _, _, vbs = ref.tile_indices(grid, tile)
    t = lambda x: ref.tile(x, grid, tile)  # noqa: E731
    expected = ref.untile(ref.vsa(t(q), t(k), t(v), p, ref.topk_from_sparsity(0.5, n),
                                  q_block_sizes=vbs, kv_block_sizes=vbs,
                                  round_means="f32", round_scores="f32"), grid, tile)
    err = ref.rel_err(out, expected)
    assert err <= 2e-5, f"relative error {err}"
    print(f"cpu path: video_sparse_attn {list(out.shape)} matches the reference "
          f"(relative error {err:.1e})")
elif mode == "runtime":
    assert not am.have_compiler(), "a runtime-only install has a compiler"
    try:
        am.compiler.native()
    except am.NativeModuleError as e:
        print("no compiler:", type(e).__name__)
    else:
        raise AssertionError("native() worked in a runtime-only install")
    try:
        runtime.Artifact(os.path.join(site, "no-such-artifact"))
    except am.RuntimeLibraryError as e:
        print("runtime error:", e)
    else:
        raise AssertionError("loading a missing artifact worked")
else:
    sys.exit("mode must be full or runtime")
print("OK", mode)
