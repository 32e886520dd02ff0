//===- SimtAttentionKernel.h - SIMT fallback attention kernel ---*- C++ -*-===//
//
// Emits a SIMT (no tensor core) block-sparse attention kernel as an NVVM
// llvm.func in a gpu.module, for what the flash kernel
// (FlashAttentionKernel.h) does not take: f32 inputs, head dims other than
// 64/128, block sizes other than block_q 64 / block_kv 16..128.
//
// Kernel parameters, in order (the flash kernel's, attnrt/abi.h): q, k, v,
// out, kv_indices, kv_counts, kv_block_sizes, key_mask (global pointers;
// unused ones may be null), then i32 Sq, Skv, Hq, Hkv, K (row length of
// kv_indices). Launch (simtKernelContract): grid (ceil(Sq / 4), Hq, B), block 128 threads
// (4 warps, one query row each), no dynamic shared memory. Tensors are
// contiguous BHSD of the element type; any Sq >= 1 and Skv >= 1.
//
// Semantics (the flash kernel's): query row i of (b, h) attends to the keys
// of its kv blocks: all keys 0..Skv-1 (dense; with kv_block_sizes, the
// first kv_block_sizes[j] keys of every block j), or the blocks
// kv_indices[b, h, I, e] for e < clamp(kv_counts[b, h, I], 0, K) with
// I = i / block_q (indexed; tables [B, Hq, ceil(Sq / block_q), K] and
// [B, Hq, ceil(Sq / block_q)] of i32; ids outside [0, ceil(Skv / block_kv))
// contribute nothing). Block j holds keys j * block_kv + t for
// t < min(kv_block_sizes[j] (or block_kv), Skv - j * block_kv); with a key
// mask (i8 [B, Skv]) keys with key_mask[b, key] == 0 are dropped. The kv
// head is h / (Hq / Hkv). Scores are q.k * scale in f32, softmax and the
// weighted sum of V in f32, written in the element type; a row without a
// valid key is written as 0.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_SIMTATTENTIONKERNEL_H
#define ATTN_KERNELS_SIMTATTENTIONKERNEL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "attn/Kernels/AttentionConfig.h"
#include "attn/Kernels/KernelContract.h"
#include <string>

namespace mlir {
namespace attn {

enum class SimtElementType { F32, BF16, F16 };

/// The MLIR element type of `t`.
Type simtElementType(Builder &b, SimtElementType t);

/// headDim 1..256, blockQ and blockKv >= 1 (any sizes).
struct SimtKernelConfig : AttentionKernelConfig {
  SimtElementType elementType = SimtElementType::F32;
};

/// Checks the configuration; the message names the bad field.
LogicalResult verifySimtKernelConfig(
    const SimtKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError);

/// A name that encodes the configuration, e.g.
/// attn_simt_f32_d32_q8_kv8_idx_vbs_km.
std::string simtKernelName(const SimtKernelConfig &cfg);

/// Query rows per CTA (one warp each) and threads per CTA.
constexpr int64_t kSimtRowsPerCta = 4;
constexpr int64_t kSimtThreads = 128;

/// The launch of the kernel for `shape`: attentionSignature(), grid
/// (ceil(Sq / kSimtRowsPerCta), Hq, B), kSimtThreads threads, no shared
/// memory.
KernelContract simtKernelContract(const SimtKernelConfig &cfg,
                                  AttentionShape shape = {});

/// Appends the kernel to `module` (an NVVM-targeted gpu.module), named
/// `name` (default: simtKernelName(cfg)). The config must have been
/// verified.
LLVM::LLVMFuncOp emitSimtAttentionKernel(OpBuilder &b, Location loc,
                                         gpu::GPUModuleOp module,
                                         const SimtKernelConfig &cfg,
                                         StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_SIMTATTENTIONKERNEL_H
