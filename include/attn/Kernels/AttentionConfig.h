//===- AttentionConfig.h - what both attention kernels take -----*- C++ -*-===//
//
// The flash (FlashAttentionKernel.h) and SIMT (SimtAttentionKernel.h)
// attention kernels share their semantics, their parameters (attnrt/abi.h)
// and these configuration fields; each adds its own (element types, tiles).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_ATTENTIONCONFIG_H
#define ATTN_KERNELS_ATTENTIONCONFIG_H

#include <cstdint>

namespace mlir {
namespace attn {

struct AttentionKernelConfig {
  int64_t headDim = 64;
  int64_t blockQ = 64;        ///< query rows per query block (indexed)
  int64_t blockKv = 64;       ///< keys per kv block
  bool indexed = true;        ///< kv_indices/kv_counts; false: all blocks
  bool hasBlockSizes = true;  ///< kv_block_sizes masks partial blocks
  bool hasKeyMask = false;    ///< key_mask (i8 [B, Skv], 0 = masked key)
  float scale = 0.125f;       ///< applied to q.k
  /// Also writes each query row's log-sum-exp (f32 [B, Hq, Sq], natural
  /// log of the sum of exp(scale * q.k) over the row's valid keys; -inf for
  /// a row without one) through one more pointer after all of the kernel's
  /// other parameters (attnrt/abi.h). Name suffix _lse.
  bool hasLse = false;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_ATTENTIONCONFIG_H
