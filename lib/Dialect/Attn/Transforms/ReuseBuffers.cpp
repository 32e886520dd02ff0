//===- ReuseBuffers.cpp - share, hoist and zero-fill-once buffers ---------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/LoopTrips.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNREUSEBUFFERS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {

/// The buffer of an allocation and every value that aliases it, with
/// whether any of them escapes the analysis.
struct AliasSet {
  SmallVector<Value> values;
  bool escapes = false;
};

/// Ops that read or write a buffer operand without keeping or exposing it.
bool isLocalAccess(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::CopyOp, memref::DimOp,
             memref::DeallocOp, linalg::LinalgOp>(op);
}

AliasSet aliasesOf(Value root) {
  AliasSet set;
  SmallVector<Value> work = {root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    set.values.push_back(v);
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v)
          for (Value r : user->getResults())
            if (isa<BaseMemRefType>(r.getType()))
              work.push_back(r);
        continue;
      }
      if (isa<memref::ExtractStridedMetadataOp>(user)) {
        work.push_back(user->getResult(0));
        continue;
      }
      if (auto store = dyn_cast<memref::StoreOp>(user))
        if (store.getValueToStore() == v) {
          set.escapes = true;
          continue;
        }
      if (!isLocalAccess(user))
        set.escapes = true;
    }
  }
  return set;
}

int64_t bytesOf(memref::AllocOp alloc) {
  MemRefType t = alloc.getType();
  unsigned bits = t.getElementTypeBitWidth();
  return t.getNumElements() * std::max<int64_t>(1, bits / 8);
}

int64_t allocatedBytes(func::FuncOp f) {
  int64_t total = 0;
  f.walk([&](memref::AllocOp a) {
    if (a.getType().hasStaticShape())
      total += bytesOf(a) * attn::staticExecutionCount(a);
  });
  return total;
}

/// Position in `block` of the op that is or contains the last use of `set`.
std::optional<unsigned> lastUse(Block &block, const AliasSet &set,
                                DenseMap<Operation *, unsigned> &index) {
  unsigned last = 0;
  for (Value v : set.values)
    for (Operation *user : v.getUsers()) {
      Operation *anc = block.findAncestorOpInBlock(*user);
      if (!anc)
        return std::nullopt;
      last = std::max(last, index.lookup(anc));
    }
  return last;
}

struct AttnReuseBuffersPass
    : attn::impl::AttnReuseBuffersBase<AttnReuseBuffersPass> {
  using AttnReuseBuffersBase::AttnReuseBuffersBase;
  unsigned shared = 0, hoisted = 0, fills = 0;

  void runOnOperation() override {
    func::FuncOp f = getOperation();
    int64_t before = allocatedBytes(f);
    shareAll(f);
    hoistAll(f);
    shareAll(f);
    int64_t after = allocatedBytes(f);
    bytesBefore = before;
    bytesAfter = after;
    numShared = shared;
    numHoisted = hoisted;
    numFillsHoisted = fills;
    if (report)
      mlir::emitRemark(f.getLoc())
          << "attn-reuse-buffers: allocated bytes per call " << before << " -> "
          << after << " (shared " << shared << ", hoisted " << hoisted
          << ", zero fills hoisted " << fills << ")";
  }

  /// Interval sharing in every block: a later allocation of the same type
  /// takes the buffer of an earlier one whose aliases are all dead.
  void shareAll(func::FuncOp f) {
    SmallVector<Block *> blocks;
    f.walk([&](Block *b) { blocks.push_back(b); });
    for (Block *block : blocks)
      shareIn(*block);
  }

  void shareIn(Block &block) {
    DenseMap<Operation *, unsigned> index;
    unsigned i = 0;
    for (Operation &op : block)
      index[&op] = i++;
    struct Slot {
      memref::AllocOp alloc;
      unsigned end;
    };
    SmallVector<Slot> slots;
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc || !alloc.getType().hasStaticShape() ||
          !alloc.getDynamicSizes().empty())
        continue;
      AliasSet set = aliasesOf(alloc.getResult());
      std::optional<unsigned> end = lastUse(block, set, index);
      if (set.escapes || !end)
        continue;
      unsigned start = index[alloc];
      Slot *reuse = nullptr;
      for (Slot &s : slots)
        if (s.alloc.getType() == alloc.getType() &&
            s.alloc.getAlignment() == alloc.getAlignment() && s.end < start) {
          reuse = &s;
          break;
        }
      if (!reuse) {
        slots.push_back({alloc, *end});
        continue;
      }
      alloc.getResult().replaceAllUsesWith(reuse->alloc.getResult());
      alloc.erase();
      reuse->end = std::max(reuse->end, *end);
      ++shared;
    }
  }

  /// Moves allocations whose buffers live within one iteration out of their
  /// scf.for, innermost loops first, then tries to move their zero fills.
  void hoistAll(func::FuncOp f) {
    SmallVector<scf::ForOp> loops;
    f.walk([&](scf::ForOp loop) { loops.push_back(loop); }); // post-order
    for (scf::ForOp loop : loops) {
      // Collected first: hoisting moves fills and constants out of the body.
      SmallVector<memref::AllocOp> allocs(loop.getBody()->getOps<memref::AllocOp>());
      for (memref::AllocOp alloc : allocs) {
        if (!alloc.getType().hasStaticShape() || !alloc.getDynamicSizes().empty())
          continue;
        AliasSet set = aliasesOf(alloc.getResult());
        if (set.escapes)
          continue;
        alloc->moveBefore(loop);
        ++hoisted;
        hoistZeroFill(loop, alloc, set);
      }
    }
  }

  /// The fill may leave the loop when it is the buffer's first access in the
  /// body and every other write covers exactly one constant subview, fully,
  /// before anything reads the buffer: the rest (the pads) stays zero.
  void hoistZeroFill(scf::ForOp loop, memref::AllocOp alloc,
                     const AliasSet &set) {
    Block *body = loop.getBody();
    // Accesses in body order, by the top-level op of the body holding them.
    SmallVector<std::pair<Operation *, OpOperand *>> accesses;
    for (Value v : set.values)
      for (OpOperand &use : v.getUses())
        if (!isa<ViewLikeOpInterface, memref::ExtractStridedMetadataOp>(
                use.getOwner()))
          accesses.push_back({use.getOwner(), &use});
    auto top = [&](Operation *op) { return body->findAncestorOpInBlock(*op); };
    for (auto &a : accesses)
      if (!top(a.first))
        return;
    llvm::sort(accesses, [&](auto &x, auto &y) {
      Operation *tx = top(x.first), *ty = top(y.first);
      return tx == ty ? false : tx->isBeforeInBlock(ty);
    });
    if (accesses.empty())
      return;
    auto fill = dyn_cast<linalg::FillOp>(accesses.front().first);
    if (!fill || fill->getParentOp() != loop.getOperation() ||
        fill.getOutputs()[0] != alloc.getResult() ||
        (!matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) &&
         !matchPattern(fill.getInputs()[0], m_Zero())))
      return;
    // The one subview every other write goes through.
    memref::SubViewOp region;
    bool covered = false;
    for (auto &[user, use] : llvm::drop_begin(accesses)) {
      auto sub = use->get().getDefiningOp<memref::SubViewOp>();
      bool writes = false;
      if (auto copy = dyn_cast<memref::CopyOp>(user))
        writes = copy.getTarget() == use->get();
      else if (isa<memref::StoreOp>(user))
        writes = true;
      else if (auto l = dyn_cast<linalg::LinalgOp>(user))
        writes = l.isDpsInit(use);
      else if (!isa<memref::LoadOp, memref::DimOp>(user))
        return; // an access the proof does not cover
      if (!writes) {
        if (!covered)
          return; // a read before the region is written this iteration
        continue;
      }
      if (!sub || sub.getSource() != alloc.getResult())
        return;
      if (llvm::any_of(sub.getStaticOffsets(), ShapedType::isDynamic) ||
          llvm::any_of(sub.getStaticSizes(), ShapedType::isDynamic) ||
          llvm::any_of(sub.getStaticStrides(), ShapedType::isDynamic))
        return;
      if (region && (region.getStaticOffsets() != sub.getStaticOffsets() ||
                     region.getStaticSizes() != sub.getStaticSizes() ||
                     region.getStaticStrides() != sub.getStaticStrides()))
        return;
      region = sub;
      // Only a copy into the whole subview overwrites all of it.
      if (isa<memref::CopyOp>(user))
        covered = true;
    }
    if (!region || !covered)
      return;
    fill->moveAfter(alloc);
    for (Value in : fill.getInputs())
      if (Operation *def = in.getDefiningOp())
        if (def->getBlock() == body)
          def->moveBefore(fill);
    ++fills;
  }
};

} // namespace
