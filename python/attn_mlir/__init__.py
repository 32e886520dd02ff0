"""attn-mlir from Python.

Importing this package never imports torch (nor loads the compiler: the
native module is loaded on the first call that compiles). Modules:
  attn_mlir.config    --attention-backend-config parsing and mask strategies
  attn_mlir.api       video_sparse_attn, sliding_tile_attn, tile, untile, sdpa
  attn_mlir.backends  get_attention_backend (video_sparse_attn, sliding_tile_attn,
                      torch_sdpa) with sglang-diffusion / FastVideo semantics
  attn_mlir.compiler  verify, compile-once caches (memory and disk), stats
  attn_mlir.runtime   the GPU runtime (libattnrt.so via ctypes)
  attn_mlir.parallel  Ulysses sequence parallelism on torch.distributed
See docs/Python.md.
"""
from .api import (TensorSpec, precompile_for, sdpa, sliding_tile_attn, tile,
                  untile, video_sparse_attn, vsa_topk)
from .backends import BACKEND_NAMES, get_attention_backend
from .compiler import (clear_memory_cache, compiler_version, have_compiler,
                       reset_stats, signature, stats, verify)
from .config import (BackendConfig, ConfigError, MaskStrategy,
                     parse_backend_config, topk_from_sparsity)
from .errors import (AttnError, CompileError, IRError, NativeModuleError,
                     RuntimeLibraryError)

__all__ = ["BackendConfig", "ConfigError", "MaskStrategy", "parse_backend_config",
           "topk_from_sparsity", "video_sparse_attn", "sliding_tile_attn", "tile",
           "untile", "sdpa", "vsa_topk", "TensorSpec", "precompile_for",
           "get_attention_backend", "BACKEND_NAMES",
           "verify", "signature", "stats", "reset_stats", "clear_memory_cache",
           "compiler_version", "have_compiler", "AttnError", "CompileError", "IRError",
           "NativeModuleError", "RuntimeLibraryError"]
