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

class AttentionEmitter : public KernelBuilder {
public:
  AttentionEmitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
                   StringRef name, const KernelContract &contract,
                   StringRef sharedSymbol = "", int64_t sharedAlign = 16)
      : KernelBuilder(b, loc, module, name, contract, sharedSymbol,
                      sharedAlign),
        q(arg(ATTNRT_ATTN_Q)), k(arg(ATTNRT_ATTN_K)), v(arg(ATTNRT_ATTN_V)),
        o(arg(ATTNRT_ATTN_OUT)), idx(arg(ATTNRT_ATTN_KV_INDICES)),
        cnt(arg(ATTNRT_ATTN_KV_COUNTS)), vbs(arg(ATTNRT_ATTN_KV_BLOCK_SIZES)),
        keyMask(arg(ATTNRT_ATTN_KEY_MASK)), Sq(arg(ATTNRT_ATTN_SQ)),
        Skv(arg(ATTNRT_ATTN_SKV)), Hq(arg(ATTNRT_ATTN_HQ)),
        Hkv(arg(ATTNRT_ATTN_HKV)), Kmax(arg(ATTNRT_ATTN_TABLE_K)) {}

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
