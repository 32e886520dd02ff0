"""attn-mlir from Python.

Importing this package never imports torch. Submodules:
  attn_mlir.config  -- --attention-backend-config parsing and mask strategies
                       (sglang-diffusion / FastVideo semantics)
"""
from .config import (BackendConfig, MaskStrategy, parse_backend_config,
                     topk_from_sparsity)

__all__ = ["BackendConfig", "MaskStrategy", "parse_backend_config",
           "topk_from_sparsity"]
