// Kernel configurations the emitters reject, each naming the bad field.
// RUN: not attn-opt %s --attn-emit-simt-kernel="head-dim=0" 2>&1 | FileCheck %s --check-prefix=SD0
// SD0: simt kernel: head_dim must be in [1, 256], got 0
// RUN: not attn-opt %s --attn-emit-simt-kernel="head-dim=257" 2>&1 | FileCheck %s --check-prefix=SD257
// SD257: simt kernel: head_dim must be in [1, 256], got 257
// RUN: not attn-opt %s --attn-emit-simt-kernel="block-q=0" 2>&1 | FileCheck %s --check-prefix=SBQ
// SBQ: simt kernel: block_q must be in [1, 1073741824], got 0
// RUN: not attn-opt %s --attn-emit-simt-kernel="block-kv=-4" 2>&1 | FileCheck %s --check-prefix=SBKV
// SBKV: simt kernel: block_kv must be in [1, 1073741824], got -4
// RUN: not attn-opt %s --attn-emit-simt-kernel="dtype=f64" 2>&1 | FileCheck %s --check-prefix=SDT
// SDT: attn-emit-simt-kernel: dtype must be f32, bf16 or f16, got 'f64'
// RUN: not attn-opt %s --attn-emit-flash-kernel="block-q=96 key-mask=true" 2>&1 | FileCheck %s --check-prefix=FBQ
// FBQ: flash kernel: block_q must be 64 or 128 (4 or 8 warps of 16 rows), got 96
// RUN: not attn-opt %s --attn-emit-flash-kernel="block-kv=24" 2>&1 | FileCheck %s --check-prefix=FBKV
// FBKV: flash kernel: block_kv must be a multiple of 16 in [16, 128], got 24
// RUN: not attn-opt %s --attn-emit-flash-kernel="dtype=f32" 2>&1 | FileCheck %s --check-prefix=FDT
// FDT: attn-emit-flash-kernel: dtype must be bf16 or f16, got 'f32'
module {}
