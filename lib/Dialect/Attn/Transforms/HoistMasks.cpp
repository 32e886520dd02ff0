//===- HoistMasks.cpp - mask/index producers out of loops, merged ---------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/LoopTrips.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
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

/// Scalar arithmetic that a producer may need to come along (an index cast
/// of the step counter, a length offset): side-effect-free, region-free
/// `arith`/`index` ops with scalar results. Never moved on its own.
bool isScalarHelper(Operation *op) {
  if (op->getNumRegions() != 0 || !isPure(op) || op->getNumResults() == 0 ||
      !isa<arith::ArithDialect, index::IndexDialect>(op->getDialect()))
    return false;
  return llvm::all_of(op->getResultTypes(), [](Type t) {
    return isa<IntegerType, IndexType, FloatType>(t);
  });
}

/// Moves out of `loop`, to just before it, every producer that sits directly
/// in a body block of the loop (not inside an `scf.if` or other region there:
/// it might never run) and whose operands are defined outside the loop or by
/// ops moved with it: other such producers and the scalar helpers they need.
/// Returns the number of producers moved.
unsigned hoistOutOf(LoopLikeOpInterface loop) {
  Operation *loopOp = loop.getOperation();
  llvm::DenseSet<Operation *> invariant;
  SmallVector<Operation *> order;
  for (Region *region : loop.getLoopRegions())
    for (Block &block : *region)
      for (Operation &op : block) {
        if (!isMaskOrIndexProducer(&op) && !isScalarHelper(&op))
          continue;
        bool ok = llvm::all_of(op.getOperands(), [&](Value v) {
          if (Operation *def = v.getDefiningOp())
            if (invariant.contains(def))
              return true;
          return !loopOp->isAncestor(v.getParentRegion()->getParentOp());
        });
        if (ok) {
          invariant.insert(&op);
          order.push_back(&op);
        }
      }
  // Keep the producers and, backwards, the invariant ops they use.
  llvm::DenseSet<Operation *> needed;
  SmallVector<Operation *> work;
  for (Operation *op : order)
    if (isMaskOrIndexProducer(op))
      work.push_back(op);
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!needed.insert(op).second)
      continue;
    for (Value v : op->getOperands())
      if (Operation *def = v.getDefiningOp())
        if (invariant.contains(def))
          work.push_back(def);
  }
  unsigned moved = 0;
  for (Operation *op : order) // program order keeps defs before uses
    if (needed.contains(op)) {
      op->moveBefore(loopOp);
      moved += isMaskOrIndexProducer(op);
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
    // Innermost loops first (post-order), one level at a time: a producer
    // climbs out of every loop whose values it does not use and stops below
    // the first loop whose values it does (a step-only mask lands between
    // the step and layer loops).
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
