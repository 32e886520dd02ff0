"""On the development machine: compile, into the attn_mlir disk cache
($ATTN_MLIR_CACHE), every GPU module that the Python package's GPU tests
(python/tests/test_gpu.py and test_torch_ops.py, marked gpu) and the DiT loop example use, so that
they run on the GPU machine, which has no LLVM/MLIR (docs/Python.md,
"Compile here, run on the GPU machine")."""
import os
import subprocess
import sys

import attn_mlir as am

S = am.TensorSpec
with am.precompile_for("sm_90a"):
    for dt in ("bf16", "f16"):   # test_gpu_sdpa_against_torch
        am.sdpa(S((1, 4, 256, 64), dt), S((1, 2, 256, 64), dt), S((1, 2, 256, 64), dt))
    am.sdpa(*[S((1, 2, 128, 64))] * 3)   # test_gpu_runs_on_the_current_stream
    for dt in ("bf16", "f16"):   # test_gpu_sdpa_with_lse_against_torch_logsumexp
        am.api.sdpa_with_lse(S((1, 4, 200, 64), dt), S((1, 2, 300, 64), dt), S((1, 2, 300, 64), dt))
    # test_gpu_lse_merge_of_key_halves: two key halves' lse attentions, merged
    q200 = S((1, 4, 200, 64))
    for n in (128, 192):
        am.api.sdpa_with_lse(q200, S((1, 2, n, 64)), S((1, 2, n, 64)))
    am.api.lse_merge([q200, q200], [S((1, 4, 200), "f32")] * 2)
    am.video_sparse_attn(*[S((1, 2, 256, 64))] * 3, (4, 8, 8), 0.5, S((1, 2, 256, 64)))
    am.sliding_tile_attn(*[S((1, 2, 896, 64))] * 3, [1, 1, 1], 100, (6, 8, 16), tile=(6, 8, 8))
    # test_gpu_autograd_*: the backward modules of the three above
    am.api.sdpa_grad(S((1, 4, 256, 64)), S((1, 2, 256, 64)), S((1, 2, 256, 64)),
                     S((1, 4, 256, 64)))
    am.api.video_sparse_attn_grad(*[S((1, 2, 256, 64))] * 4, (4, 8, 8), 0.5,
                                  S((1, 2, 256, 64)))
    am.api.sliding_tile_grad(*[S((1, 2, 896, 64))] * 4, [1, 1, 1], 100, (6, 8, 16),
                             tile=(6, 8, 8))
    # bench/gpu_train_bench.py: the Wan 1.3B VSA layer's forward and gradient
    wan = S((1, 12, 32760, 128))
    am.video_sparse_attn(wan, wan, wan, (21, 30, 52), 0.9, wan)
    am.api.video_sparse_attn_grad(wan, wan, wan, wan, (21, 30, 52), 0.9, wan)
    # python/tests/test_torch_ops.py (torch operators, CUDA graphs, adapters)
    b = S((1, 2, 128, 64))
    am.video_sparse_attn(b, b, b, (2, 8, 8), 0.5, b)
    am.video_sparse_attn(b, b, b, (2, 8, 8), 0.5)
    am.sliding_tile_attn(b, b, b, [1, 1, 1], 0, (2, 8, 8), tile=(1, 8, 8))
    am.api.vsa_tiled(b, b, b, S((2,), "f32"), S((2,), "f32"), 2, 64)
print("precompiled the GPU test modules:", am.stats())
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(here, "..", "..", "examples", "python", "dit_loop.py"),
                "--precompile"], check=True)
