//===- HoistMasks.cpp - mask/index producers out of loops, merged ---------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/LoopTrips.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNHOISTMASKS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

bool isIndexLike(Type t) {
  auto st = dyn_cast<ShapedType>(t);
  return st && isa<IntegerType, IndexType>(st.getElementType());
}

/// Masks, index tables, block sizes and pure arithmetic on them.
bool isMaskOrIndexProducer(Operation *op) {
  if (op->getNumRegions() != 0 || !isPure(op) || op->getNumResults() == 0)
    return false;
  if (isa<MaskFromLengthsOp, BlockTopkOp>(op))
    return true;
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return isa<ShapedType>(c.getType());
  return llvm::all_of(op->getResultTypes(), isIndexLike);
}

/// Moves the producers of `loop` whose operands are all defined outside it
/// to just before it. Returns the number moved.
unsigned hoistOutOf(LoopLikeOpInterface loop) {
  unsigned moved = 0;
  Operation *loopOp = loop.getOperation();
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> candidates;
    for (Region *region : loop.getLoopRegions())
      region->walk([&](Operation *op) {
        if (isMaskOrIndexProducer(op) &&
            llvm::all_of(op->getOperands(), [&](Value v) {
              return !loopOp->isAncestor(v.getParentBlock()->getParentOp());
            }))
          candidates.push_back(op);
      });
    for (Operation *op : candidates) {
      op->moveBefore(loopOp);
      ++moved;
      changed = true;
    }
  }
  return moved;
}

struct AttnHoistMasksPass : attn::impl::AttnHoistMasksBase<AttnHoistMasksPass> {
  using AttnHoistMasksBase::AttnHoistMasksBase;
  unsigned hoisted = 0, merged = 0;

  /// Producers run per call, counting loop trips.
  int64_t producerRuns() {
    int64_t n = 0;
    getOperation()->walk([&](Operation *op) {
      if (isMaskOrIndexProducer(op) && !isa<arith::ConstantOp>(op))
        n += staticExecutionCount(op);
    });
    return n;
  }

  void runOnOperation() override {
    int64_t runsBefore = producerRuns();
    // Innermost loops first (post-order), so producers climb out of every
    // loop whose values they do not use.
    getOperation()->walk([&](LoopLikeOpInterface loop) {
      hoisted += hoistOutOf(loop);
    });
    mergeDuplicates();
    numHoisted = hoisted;
    numMerged = merged;
    if (report)
      mlir::emitRemark(getOperation()->getLoc())
          << "attn-hoist-masks: hoisted " << hoisted << ", merged " << merged
          << "; mask/table producers run per call " << runsBefore << " -> "
          << producerRuns();
  }

  void mergeDuplicates() {
    // Per block, keep the first of each set of equivalent producers.
    getOperation()->walk([&](Block *block) {
      SmallVector<Operation *> kept;
      for (Operation &op : llvm::make_early_inc_range(*block)) {
        if (!isMaskOrIndexProducer(&op))
          continue;
        Operation *same = nullptr;
        for (Operation *k : kept)
          if (OperationEquivalence::isEquivalentTo(
                  k, &op, OperationEquivalence::exactValueMatch,
                  /*markEquivalent=*/nullptr,
                  OperationEquivalence::IgnoreLocations)) {
            same = k;
            break;
          }
        if (!same) {
          kept.push_back(&op);
          continue;
        }
        op.replaceAllUsesWith(same);
        op.erase();
        ++merged;
      }
    });
  }
};

} // namespace
