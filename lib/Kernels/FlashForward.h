//===- FlashForward.h - the mma.sync forward's per-block steps ------------===//
//
// Internal to lib/Kernels. The body of the mma.sync flash-attention kernel
// (FlashAttentionKernel.h) as steps a kernel can compose: the CTA's query
// rows and resident Q fragments, the kv-block list, the two-stage cp.async
// staging of K and V tiles, the masked scores of a staged block, and the
// online-softmax step (then P.V). The forward kernel runs them once; the
// backward's dQ pass (FlashAttentionGradKernel.cpp) walks the staged blocks
// twice: the softmax step with dP = dO V^T for each row's lse and delta,
// then again for dP and dQ.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_KERNELS_FLASHFORWARD_H
#define ATTN_LIB_KERNELS_FLASHFORWARD_H

#include "AttentionEmitter.h"
#include "KvBlockList.h"
#include "MmaTiles.h"
#include "attn/Kernels/FlashAttentionKernel.h"

#include <optional>

namespace mlir {
namespace attn {

class FlashForward : public AttentionEmitter {
public:
  FlashForward(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
               StringRef name, const FlashKernelConfig &cfg,
               const KernelContract &contract,
               const AttentionParamPositions &at = {});

  /// The forward kernel: setup(), forwardLoop(), normalize and store.
  void emitForward();

protected:
  /// Thread geometry, this CTA's query rows, Q's resident fragments, the
  /// kv-block list and the lane roles; the builder stays in the entry block.
  void setup();
  /// A-operand fragments of this warp's 16 rows of a [.., Sq, D] tensor at
  /// head offset qHead (rows past Sq are 0), D / 16 k-steps.
  SmallVector<SmallVector<Value>> rowOperand(Value base);
  /// Stage `stage`'s K (which = 0) or V (1) tile.
  Value tile(Value stage, int which);
  /// Issues the copies of list position `pos`'s K and V into `stage` and
  /// commits them as one group (see FlashAttentionKernel.cpp).
  void issueLoads(Value pos, Value stage);
  /// The scores of the block staged in `stage` (list position j) in log2
  /// units (scale * log2 e * q.k), invalid keys at -inf: nS tiles of 16 x 8.
  SmallVector<SmallVector<Value>> maskedScores(Value stage, Value j);
  /// Waits for list position j's stage after prefetching j + 1: the start
  /// of every loop iteration over the list. Returns the stage.
  Value nextStage(Value j);
  /// The forward over the whole list (prologue included): nO * 4 O
  /// accumulators, then m0, m1, l0, l1 (l summed over the thread's keys only).
  SmallVector<Value> forwardLoop();
  /// One block's online-softmax step: the scores `s` (log2 units) become
  /// p = exp2(s - m) in place for the new running max mNew (the quad's;
  /// 0 while a row has no valid key); alpha = exp2(mOld - mNew) rescales
  /// what was summed before; rowSum is the thread's sum of p per row.
  void softmaxStep(SmallVector<SmallVector<Value>> &s, const Value mOld[2],
                   Value mNew[2], Value alpha[2], Value rowSum[2]);

  const FlashKernelConfig &cfg;
  Type elt;
  int64_t D, BQ, BKV, nS, nDk, nO, SD, tileElems, threads;
  /// Zero-fill masked keys' K rows too (the backward multiplies them by dS).
  bool zeroMaskedKeys = false;
  Value tid, J, h, bb, warp, lane, g, t, t2, hk;
  Value row0, row1, rowIn[2], qHead, qRow0, qRow1, qLoad0, qLoad1, kvHead;
  Value smem, maskRow, lastKey;
  SmallVector<SmallVector<Value>> qa;
  std::optional<KvBlockList> list;
  std::optional<MmaTiles> mt;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_KERNELS_FLASHFORWARD_H
