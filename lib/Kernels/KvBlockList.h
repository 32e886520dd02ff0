//===- KvBlockList.h - a query block's list of kv blocks -------*- C++ -*-===//
//
// Internal to lib/Kernels. The flash kernels (mma.sync and wgmma) walk the
// same list per query block: every kv block (dense), or the entries of the
// block's row of kv_indices below its clamped count (indexed), each listed
// tile expanded into `subBlocks` kv blocks. This class reads the tables once
// per CTA and answers, for a list position, the kv block id and its number
// of valid keys, with the semantics of FlashAttentionKernel.h.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_KERNELS_KVBLOCKLIST_H
#define ATTN_LIB_KERNELS_KVBLOCKLIST_H

#include "AttentionEmitter.h"
#include "attn/Kernels/FlashAttentionKernel.h"

#include <utility>

namespace mlir {
namespace attn {

class KvBlockList {
public:
  /// The list of query block `J` (of cfg.blockQ rows) of head `h`, batch
  /// `bb`; reads kv_counts when indexed.
  KvBlockList(AttentionEmitter &e, const FlashKernelConfig &cfg, Value J,
              Value h, Value bb);
  /// Number of kv blocks in the list (i32).
  Value count() const { return total; }
  /// The kv block at list position `pos` (clamped into range: an
  /// out-of-range id becomes 0 with size 0) and its valid keys:
  /// min(kv_block_sizes[id] or block_kv, Skv - id * block_kv); positions
  /// past the list have size 0.
  std::pair<Value, Value> blockAt(Value pos);

private:
  AttentionEmitter &e;
  const FlashKernelConfig &cfg;
  Value nkv, listRow, tileCount, total;
};

/// Fragment helpers shared by the tensor-core kernels: the m16n8 / m64nN
/// accumulator layout holds rows g and g + 8 of a warp's 16 (lane = 4g + t)
/// and columns 2t, 2t + 1 of every 8.
struct Fragments {
  KernelBuilder &e;
  Type elt; ///< bf16 or f16
  /// Packs two f32 values into the two 16-bit halves of an i32 (low first),
  /// rounded to nearest even.
  Value pack(Value lo, Value hi);
  /// Butterfly max or sum over the 4 lanes of a quad (lanes 4g..4g+3).
  Value quadReduce(Value v, bool isMax);
};

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_KERNELS_KVBLOCKLIST_H
