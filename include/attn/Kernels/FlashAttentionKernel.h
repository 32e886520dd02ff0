//===- FlashAttentionKernel.h - flash-attention kernel emitter --*- C++ -*-===//
//
// Emits the block-sparse flash-attention kernel family (dense = all blocks,
// indexed = kv_indices/kv_counts) as an NVVM llvm.func in a gpu.module.
//
// Kernel parameters, in order (the ATTNRT_ATTN_* positions of attnrt/abi.h):
// q, k, v, out, kv_indices, kv_counts, kv_block_sizes, key_mask (global
// pointers; unused ones may be null), then i32 Sq, Skv, Hq, Hkv, K (row
// length of kv_indices). Launch (flashKernelContract): grid
// (ceil(Sq / block_q), Hq, B), block (block_q / 16 * 32),
// flashKernelSharedBytes() of dynamic shared memory. Tensors are contiguous
// BHSD; any Sq >= 1 and Skv >= 1 (query rows past Sq are neither read nor
// written, the last kv block holds Skv - j * block_kv keys).
//
// Semantics: query row i of (b, h) attends to the keys of its kv blocks:
// all blocks j < ceil(Skv / block_kv) (dense), or kv_indices[b, h, I, e] for
// e < clamp(kv_counts[b, h, I], 0, K) with I = i / block_q (indexed; the
// tables are [B, Hq, ceil(Sq / block_q), K] and [B, Hq, ceil(Sq / block_q)];
// ids outside [0, ceil(Skv / block_kv)) contribute nothing). Block j holds
// keys j * block_kv + t for t < min(kv_block_sizes[j] (or block_kv),
// Skv - j * block_kv); with a key mask (i8 [B, Skv]) keys with
// key_mask[b, key] == 0 are dropped too. The kv head is h / (Hq / Hkv). A
// row without a valid key is written as 0.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_FLASHATTENTIONKERNEL_H
#define ATTN_KERNELS_FLASHATTENTIONKERNEL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "attn/Kernels/AttentionConfig.h"
#include "attn/Kernels/KernelContract.h"
#include <string>

namespace mlir {
namespace attn {

enum class FlashElementType { BF16, F16 };

struct FlashKernelConfig : AttentionKernelConfig {
  FlashKernelConfig() {
    headDim = 128;
    scale = 0.08838834764831845f;
  }
  FlashElementType elementType = FlashElementType::BF16;
  /// Indexed only: the tables describe tiles of subBlocks x block_q query
  /// rows and subBlocks x block_kv keys (e.g. STA's 384-token tiles with
  /// subBlocks = 6): query block J reads table row J / subBlocks, each listed
  /// tile is walked as subBlocks kv blocks, and kv_block_sizes gives the
  /// valid keys per tile. Keeps STA's tables at their planned size.
  int64_t subBlocks = 1;
  /// Indexed only: query blocks per table row (default: subBlocks). With
  /// 128-row query blocks, STA's 384-token tiles are 3 query blocks and 6 kv
  /// blocks of 64.
  int64_t qSubBlocks = 0;
};

LogicalResult verifyFlashKernelConfig(
    const FlashKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError);

/// Dynamic shared memory the kernel needs at launch (2 stages of K and V
/// tiles, rows padded by 8 elements, plus 2 x block_kv mask bytes with a key
/// mask); above 48 KiB the launcher must raise the function's limit.
int64_t flashKernelSharedBytes(const FlashKernelConfig &cfg);

/// The launch of the kernel for `shape`: attentionSignature(), grid
/// (ceil(Sq / block_q), Hq, B), a warp per 16 query rows (block_q / 16 * 32
/// threads), flashKernelSharedBytes(cfg).
KernelContract flashKernelContract(const FlashKernelConfig &cfg,
                                   AttentionShape shape = {});

/// A name that encodes the configuration, e.g.
/// attn_flash_bf16_d128_q64_kv64_idx_vbs[_km][_t6][_r3] (t: subBlocks,
/// r: qSubBlocks when it differs).
std::string flashKernelName(const FlashKernelConfig &cfg);

/// Appends the kernel to `module` (an NVVM-targeted gpu.module), named
/// `name` (default: flashKernelName(cfg)); its shared-memory symbol is
/// `<name>_smem`. The config must have been verified.
LLVM::LLVMFuncOp emitFlashAttentionKernel(OpBuilder &b, Location loc,
                                          gpu::GPUModuleOp module,
                                          const FlashKernelConfig &cfg,
                                          StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_FLASHATTENTIONKERNEL_H
