//===- FlashAttentionKernel.h - flash-attention kernel emitter --*- C++ -*-===//
//
// Emits the block-sparse flash-attention kernel family (dense = all blocks,
// indexed = kv_indices/kv_counts) as an NVVM llvm.func in a gpu.module.
//
// Kernel parameters, in order: q, k, v, out, kv_indices, kv_counts,
// kv_block_sizes (global pointers; unused ones may be null), then i32 Sq,
// Skv, Hq, Hkv, K (row length of kv_indices). Launch: grid (Sq / block_q,
// Hq, B), block (block_q / 16 * 32), flashKernelSharedBytes() of dynamic
// shared memory. Tensors are contiguous BHSD.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTONVVM_FLASHATTENTIONKERNEL_H
#define ATTN_CONVERSION_ATTNTONVVM_FLASHATTENTIONKERNEL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include <string>

namespace mlir {
namespace attn {

enum class FlashElementType { BF16, F16 };

struct FlashKernelConfig {
  FlashElementType elementType = FlashElementType::BF16;
  int64_t headDim = 128;
  int64_t blockQ = 64;
  int64_t blockKv = 64;
  bool indexed = true;       ///< kv_indices/kv_counts; false: all blocks
  bool hasBlockSizes = true; ///< kv_block_sizes masks partial blocks
  float scale = 0.08838834764831845f; ///< applied to q.k
};

LogicalResult verifyFlashKernelConfig(
    const FlashKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError);

/// Dynamic shared memory the kernel needs at launch (2 stages of K and V
/// tiles, rows padded by 8 elements); above 48 KiB the launcher must raise
/// the function's limit.
int64_t flashKernelSharedBytes(const FlashKernelConfig &cfg);

/// A name that encodes the configuration, e.g. attn_flash_bf16_d128_q64_kv64_idx_vbs.
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

#endif // ATTN_CONVERSION_ATTNTONVVM_FLASHATTENTIONKERNEL_H
