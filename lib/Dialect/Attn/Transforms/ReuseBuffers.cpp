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

/// Ops that read or write a buffer operand without keeping, exposing or
/// freeing it. A dealloc is an escape: the pass runs before deallocation is
/// inserted, and manual lifetimes are left alone.
bool isLocalAccess(Operation *op) {
  return isa<memref::LoadOp, memref::StoreOp, memref::CopyOp, memref::DimOp,
             linalg::LinalgOp>(op);
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
    shared = hoisted = fills = 0;
    func::FuncOp f = getOperation();
    int64_t before = allocatedBytes(f);
    shareAll(f);
    hoistAll(f);
    shareAll(f);
    int64_t after = allocatedBytes(f);
    bytesBefore += before;
    bytesAfter += after;
    numShared += shared;
    numHoisted += hoisted;
    numFillsHoisted += fills;
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

  /// The fill may leave the loop when, in the loop body's own block (so that
  /// block order is program order, with nothing conditional or repeated):
  /// the fill of the whole buffer comes first, then exactly one write, a
  /// memref.copy from another buffer into one subview with constant offsets,
  /// sizes and strides (overwriting all of it), and then only reads. Every
  /// iteration then rewrites the same region before reading, and nothing
  /// ever writes the rest (the pads) after the first fill.
  void hoistZeroFill(scf::ForOp loop, memref::AllocOp alloc,
                     const AliasSet &set) {
    Block *body = loop.getBody();
    SmallVector<std::pair<Operation *, OpOperand *>> accesses;
    for (Value v : set.values)
      for (OpOperand &use : v.getUses()) {
        Operation *user = use.getOwner();
        if (isa<ViewLikeOpInterface, memref::ExtractStridedMetadataOp>(user))
          continue;
        if (user->getBlock() != body)
          return; // nested (conditional or repeated) access: no proof
        accesses.push_back({user, &use});
      }
    if (accesses.empty())
      return;
    llvm::stable_sort(accesses, [](auto &x, auto &y) {
      return x.first != y.first && x.first->isBeforeInBlock(y.first);
    });
    auto fill = dyn_cast<linalg::FillOp>(accesses.front().first);
    if (!fill || fill.getOutputs()[0] != alloc.getResult() ||
        (!matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) &&
         !matchPattern(fill.getInputs()[0], m_Zero())))
      return;
    if (accesses.size() < 2 || accesses[1].first == fill.getOperation())
      return;
    auto copy = dyn_cast<memref::CopyOp>(accesses[1].first);
    if (!copy || copy.getTarget() != accesses[1].second->get() ||
        llvm::is_contained(set.values, copy.getSource()))
      return;
    auto region = copy.getTarget().getDefiningOp<memref::SubViewOp>();
    if (!region || region.getSource() != alloc.getResult() ||
        llvm::any_of(region.getStaticOffsets(), ShapedType::isDynamic) ||
        llvm::any_of(region.getStaticSizes(), ShapedType::isDynamic) ||
        llvm::any_of(region.getStaticStrides(), ShapedType::isDynamic))
      return;
    // Everything after the copy only reads.
    for (auto &[user, use] : llvm::drop_begin(accesses, 2)) {
      if (user == copy.getOperation())
        return;
      bool reads = isa<memref::LoadOp, memref::DimOp>(user);
      if (auto c = dyn_cast<memref::CopyOp>(user))
        reads = c.getSource() == use->get() &&
                !llvm::is_contained(set.values, c.getTarget());
      if (auto l = dyn_cast<linalg::LinalgOp>(user))
        reads = l.isDpsInput(use) &&
                llvm::none_of(l.getDpsInits(), [&](Value init) {
                  return llvm::is_contained(set.values, init);
                });
      if (!reads)
        return;
    }
    fill->moveAfter(alloc);
    for (Value in : fill.getInputs())
      if (Operation *def = in.getDefiningOp())
        if (def->getBlock() == body)
          def->moveBefore(fill);
    ++fills;
  }
};

} // namespace
