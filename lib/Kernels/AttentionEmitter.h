//===- AttentionEmitter.h - the parameters both attention kernels read ----===//
//
// Internal to lib/Kernels: the flash and SIMT emitters build their kernels
// from attentionSignature() and read the same parameters, named here once in
// the positions of attnrt/abi.h.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_KERNELS_ATTENTIONEMITTER_H
#define ATTN_LIB_KERNELS_ATTENTIONEMITTER_H

#include "attn/Kernels/KernelBuilder.h"
#include "attnrt/abi.h"

namespace mlir {
namespace attn {

/// Where a kernel's signature holds the attention parameters: the forward
/// kernels' attnrt/abi.h positions by default; the backward kernels keep
/// theirs in GradKernelParams.h (`o` is then dq).
struct AttentionParamPositions {
  unsigned q = ATTNRT_ATTN_Q, k = ATTNRT_ATTN_K, v = ATTNRT_ATTN_V,
           o = ATTNRT_ATTN_OUT, idx = ATTNRT_ATTN_KV_INDICES,
           cnt = ATTNRT_ATTN_KV_COUNTS, vbs = ATTNRT_ATTN_KV_BLOCK_SIZES,
           keyMask = ATTNRT_ATTN_KEY_MASK, Sq = ATTNRT_ATTN_SQ,
           Skv = ATTNRT_ATTN_SKV, Hq = ATTNRT_ATTN_HQ, Hkv = ATTNRT_ATTN_HKV,
           Kmax = ATTNRT_ATTN_TABLE_K;
};

class AttentionEmitter : public KernelBuilder {
public:
  AttentionEmitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
                   StringRef name, const KernelContract &contract,
                   StringRef sharedSymbol = "", int64_t sharedAlign = 16,
                   const AttentionParamPositions &at = {})
      : KernelBuilder(b, loc, module, name, contract, sharedSymbol,
                      sharedAlign),
        q(arg(at.q)), k(arg(at.k)), v(arg(at.v)), o(arg(at.o)),
        idx(arg(at.idx)), cnt(arg(at.cnt)), vbs(arg(at.vbs)),
        keyMask(arg(at.keyMask)), Sq(arg(at.Sq)), Skv(arg(at.Skv)),
        Hq(arg(at.Hq)), Hkv(arg(at.Hkv)), Kmax(arg(at.Kmax)) {}

  /// The _lse variants' log-sum-exp output, f32 [B, Hq, Sq]: the pointer
  /// after all other parameters (attnrt/abi.h).
  Value lseArg() { return arg(func().getNumArguments() - 1); }

  /// Tensors (q, k, v, out), tables (kv_indices, kv_counts, kv_block_sizes,
  /// key_mask; null when unused) and sizes (Sq, Skv, Hq, Hkv, K).
  Value q, k, v, o, idx, cnt, vbs, keyMask, Sq, Skv, Hq, Hkv, Kmax;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_KERNELS_ATTENTIONEMITTER_H
