//===- FoldLayout.cpp - cancel tile/untile pairs, fuse gathers ------------===//
//
// Tiled values carry pad slots. tile() writes 0 there; most rewrites below
// would leave other values there instead, which is only safe when nothing
// observable depends on pad slots. PadAnalysis proves that: a tiled value is
// pad-insensitive when every use ignores its pads (untile, block means and
// attention with the tile's valid sizes) or maps pads only to pads of a
// value that is itself pad-insensitive (token-wise ops, attention queries,
// loop-carried values).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/LoopTrips.h"
#include "attn/Dialect/Attn/Utils/TileGeometry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNFOLDLAYOUT
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The grid/tile pair of a tile or untile op.
struct Layout {
  SmallVector<int64_t> grid, tile;
  bool operator==(const Layout &o) const {
    return grid == o.grid && tile == o.tile;
  }
  template <typename OpT> static Layout of(OpT op) {
    return {SmallVector<int64_t>(op.getGrid()), SmallVector<int64_t>(op.getTile())};
  }
  TileGeometry geometry() const { return *TileGeometry::get(grid, tile); }
};

/// Elementwise over [B, H, S, D] tokens: every value indexed by the token
/// dimension is indexed identically, and nothing depends on the position.
bool isTokenwiseGeneric(linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1 || g.getNumLoops() != 4 ||
      g.getNumReductionLoops() != 0)
    return false;
  if (!g.getIndexingMapsArray().back().isIdentity())
    return false;
  for (AffineMap m : g.getIndexingMapsArray())
    if (!m.isIdentity() && m.isFunctionOfDim(2))
      return false;
  // Commuting runs the body on pad slots too: it must not depend on the
  // position and must be safe to run on any value (no trapping division).
  bool ok = true;
  g.getRegion().walk([&](Operation *op) {
    if (isa<linalg::IndexOp>(op) || (!isa<linalg::YieldOp>(op) && !isPure(op)))
      ok = false;
  });
  return ok;
}

bool isTokenwiseElementwise(Operation *op) {
  // Pure: speculatable, so running it on pad slots cannot trap (divsi by 0).
  if (!op->hasTrait<OpTrait::Elementwise>() || op->getNumRegions() ||
      op->getNumResults() != 1 || !isPure(op))
    return false;
  return llvm::all_of(op->getOperandTypes(), [&](Type t) {
    return t == op->getResult(0).getType() ||
           t.isIntOrIndexOrFloat(); // scalars broadcast over tokens
  });
}

class PadAnalysis {
public:
  explicit PadAnalysis(Layout layout)
      : layout(std::move(layout)), geo(this->layout.geometry()) {}

  /// True when no observable value depends on the pad slots of `v`.
  bool insensitive(Value v) {
    if (!assumed.insert(v).second)
      return true; // Greatest fixpoint: cycles through loops are fine.
    return llvm::all_of(v.getUses(), [&](OpOperand &use) { return ok(use); });
  }

  /// Treats the value yielded at `index` of `loop` as pad-insensitive
  /// (the loop is about to carry it tiled and untile it after the loop).
  void assumeYield(scf::ForOp loop, unsigned index) {
    assumedYields.insert({loop.getOperation(), index});
  }

private:
  bool sizesAreValid(Value sizes) {
    DenseIntElementsAttr attr;
    if (!sizes || !matchPattern(sizes, m_Constant(&attr)))
      return false;
    SmallVector<int64_t> vbs = geo.validBlockSizes();
    if (attr.getNumElements() != static_cast<int64_t>(vbs.size()))
      return false;
    for (auto [got, want] : llvm::zip(attr.getValues<APInt>(), vbs))
      if (got.getSExtValue() != want)
        return false;
    return true;
  }

  bool ok(OpOperand &use) {
    Operation *user = use.getOwner();
    int64_t P = geo.slotsPerTile();
    if (auto u = dyn_cast<UntileOp>(user))
      return Layout::of(u) == layout;
    if (auto m = dyn_cast<BlockMeanOp>(user))
      return m.getBlockAttr().getInt() == P && sizesAreValid(m.getBlockSizes());
    if (auto vsa = dyn_cast<VsaOp>(user)) {
      bool data = vsa.getQ() == use.get() || vsa.getK() == use.get() ||
                  vsa.getV() == use.get() || vsa.getGate() == use.get();
      return data && vsa.getBlockAttr().getInt() == P &&
             sizesAreValid(vsa.getQBlockSizes()) &&
             sizesAreValid(vsa.getKvBlockSizes()) && insensitive(vsa.getResult());
    }
    // An lse result has a row per query slot, pad slots included: it sees
    // what the pads hold, so a query read by an op with an lse is
    // pad-sensitive.
    if (auto bs = dyn_cast<BlockSparseOp>(user)) {
      if (bs.getLse())
        return false;
      if (&use == &bs.getQMutable())
        return bs.getBlockQAttr().getInt() == P && insensitive(bs.getResult());
      if (&use == &bs.getKMutable() || &use == &bs.getVMutable())
        return bs.getBlockKvAttr().getInt() == P &&
               sizesAreValid(bs.getKvBlockSizes());
      return false;
    }
    if (auto sdpa = dyn_cast<SdpaOp>(user))
      return !sdpa.getLse() && &use == &sdpa.getQMutable() &&
             insensitive(sdpa.getResult());
    if (auto g = dyn_cast<linalg::GenericOp>(user))
      return isTokenwiseGeneric(g) &&
             g.getMatchingIndexingMap(&use).isIdentity() &&
             insensitive(g.getResult(0));
    if (isTokenwiseElementwise(user))
      return insensitive(user->getResult(0));
    if (auto yield = dyn_cast<scf::YieldOp>(user)) {
      auto loop = dyn_cast<scf::ForOp>(yield->getParentOp());
      unsigned i = use.getOperandNumber();
      if (!loop)
        return false;
      if (assumedYields.contains({loop.getOperation(), i}))
        return true;
      return insensitive(loop.getRegionIterArgs()[i]) &&
             insensitive(loop.getResult(i));
    }
    if (auto loop = dyn_cast<scf::ForOp>(user)) {
      if (use.getOperandNumber() < loop.getNumControlOperands())
        return false;
      unsigned i = use.getOperandNumber() - loop.getNumControlOperands();
      return insensitive(loop.getRegionIterArgs()[i]) &&
             insensitive(loop.getResult(i));
    }
    return false;
  }

  Layout layout;
  TileGeometry geo;
  llvm::DenseSet<Value> assumed;
  llvm::DenseSet<std::pair<Operation *, unsigned>> assumedYields;
};

RankedTensorType withSeq(Type t, int64_t seq) {
  auto rt = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(rt.getShape());
  shape[2] = seq;
  return RankedTensorType::get(shape, rt.getElementType());
}

/// A tile that FoldTileOfUntile later cancels with the untile producing `x`.
Value makeTile(PatternRewriter &rewriter, Location loc, Value x,
               const Layout &l) {
  return TileOp::create(rewriter, loc, x, l.grid, l.tile);
}

/// tile_B(untile_A(y)): y itself when A == B and the pads do not matter,
/// otherwise one gather with the composed constant index.
struct FoldTileOfUntile : OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileOp tile,
                                PatternRewriter &rewriter) const override {
    auto untile = tile.getInput().getDefiningOp<UntileOp>();
    if (!untile || !tile.getType().hasStaticShape() ||
        !untile.getInput().getType().hasStaticShape())
      return failure();
    Layout a = Layout::of(untile), b = Layout::of(tile);
    if (a == b && tile.getType() == untile.getInput().getType() &&
        PadAnalysis(b).insensitive(tile.getResult())) {
      rewriter.replaceOp(tile, untile.getInput());
      return success();
    }
    TileGeometry ga = a.geometry(), gb = b.geometry();
    SmallVector<int64_t> toRaster = gb.slotToRaster();
    SmallVector<int64_t> toSlotA = ga.rasterToSlot();
    SmallVector<int64_t> combined(toRaster.size());
    for (auto [s, r] : llvm::enumerate(toRaster))
      combined[s] = r < 0 ? -1 : toSlotA[r];
    rewriter.replaceOp(tile, buildTokenGather(rewriter, tile.getLoc(),
                                              untile.getInput(),
                                              tile.getType(), combined));
    return success();
  }
};

/// tile(f(x, ...)) -> f(tile(x), ...) for token-wise f whose only use is the
/// tile, when the pads of the result do not matter (f(pad) need not be 0).
struct CommuteTileThroughTokenwise : OpRewritePattern<TileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileOp tile,
                                PatternRewriter &rewriter) const override {
    Operation *f = tile.getInput().getDefiningOp();
    if (!f || !f->hasOneUse() || !tile.getType().hasStaticShape())
      return failure();
    Layout l = Layout::of(tile);
    Location loc = f->getLoc();
    int64_t padded = tile.getType().getDimSize(2);
    auto isToken = [&](Value v) { return v.getType() == tile.getInput().getType(); };

    if (auto g = dyn_cast<linalg::GenericOp>(f)) {
      if (!isTokenwiseGeneric(g) || !PadAnalysis(l).insensitive(tile.getResult()))
        return failure();
      SmallVector<Value> ins;
      for (OpOperand *in : g.getDpsInputOperands())
        ins.push_back(g.getMatchingIndexingMap(in).isIdentity()
                          ? makeTile(rewriter, loc, in->get(), l)
                          : in->get());
      Value init = g.getDpsInits()[0];
      Value newInit =
          init.getDefiningOp<tensor::EmptyOp>()
              ? tensor::EmptyOp::create(rewriter, loc, tile.getType().getShape(),
                                        tile.getType().getElementType())
                    .getResult()
              : makeTile(rewriter, loc, init, l);
      auto ng = linalg::GenericOp::create(
          rewriter, loc, TypeRange{tile.getType()}, ins, ValueRange{newInit},
          g.getIndexingMapsArray(), g.getIteratorTypesArray());
      rewriter.inlineRegionBefore(g.getRegion(), ng.getRegion(),
                                  ng.getRegion().begin());
      rewriter.replaceOp(tile, ng.getResult(0));
      rewriter.eraseOp(g);
      return success();
    }
    if (auto sdpa = dyn_cast<SdpaOp>(f)) {
      // (A used lse result is a second use: f->hasOneUse() refused it.)
      if (!PadAnalysis(l).insensitive(tile.getResult()))
        return failure();
      Value q = makeTile(rewriter, loc, sdpa.getQ(), l);
      auto ns = SdpaOp::create(rewriter, loc, q, sdpa.getK(), sdpa.getV(),
                               sdpa.getKeyMask(), sdpa.getScaleAttr());
      rewriter.replaceOp(tile, ns.getResult());
      rewriter.eraseOp(sdpa);
      return success();
    }
    if (isTokenwiseElementwise(f)) {
      if (!PadAnalysis(l).insensitive(tile.getResult()))
        return failure();
      SmallVector<Value> operands;
      for (Value v : f->getOperands())
        operands.push_back(isToken(v) ? makeTile(rewriter, loc, v, l) : v);
      OperationState state(loc, f->getName(), operands,
                           TypeRange{withSeq(f->getResult(0).getType(), padded)},
                           f->getAttrs());
      Operation *nf = rewriter.create(state);
      rewriter.replaceOp(tile, nf->getResult(0));
      rewriter.eraseOp(f);
      return success();
    }
    return failure();
  }
};

/// A loop-carried raster value that each iteration tiles is carried tiled
/// instead: tile once before the loop, untile once after it; inside, the
/// tile of the iteration argument is the argument itself and the yielded
/// value is tiled (where it then cancels with the body's untile).
struct CarryLoopValueTiled : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(scf::ForOp loop,
                                PatternRewriter &rewriter) const override {
    for (auto [i, arg] : llvm::enumerate(loop.getRegionIterArgs())) {
      TileOp first;
      for (Operation *user : arg.getUsers())
        if (auto t = dyn_cast<TileOp>(user)) {
          first = t;
          break;
        }
      // A dynamic carried type would need casts around the retyped loop.
      if (!first || !first.getType().hasStaticShape() ||
          !cast<RankedTensorType>(arg.getType()).hasStaticShape())
        continue;
      Layout l = Layout::of(first);
      PadAnalysis pads(l);
      pads.assumeYield(loop, i);
      bool safe = true;
      for (Operation *user : arg.getUsers())
        if (auto t = dyn_cast<TileOp>(user))
          safe &= Layout::of(t) == l && pads.insensitive(t.getResult());
      if (!safe)
        continue;
      convert(loop, i, first, l, rewriter);
      return success();
    }
    return failure();
  }

  void convert(scf::ForOp loop, unsigned i, TileOp sample, const Layout &l,
               PatternRewriter &rewriter) const {
    Location loc = loop.getLoc();
    RankedTensorType tiled = sample.getType();
    BlockArgument arg = loop.getRegionIterArgs()[i];
    OpOperand &init = loop.getInitArgsMutable()[i];
    rewriter.setInsertionPoint(loop);
    Value tiledInit = TileOp::create(rewriter, loc, init.get(), l.grid, l.tile);
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    rewriter.modifyOpInPlace(loop, [&] {
      init.set(tiledInit);
      arg.setType(tiled);
      loop.getResult(i).setType(tiled);
    });
    // Uses of the argument: its tiles become the argument, the rest see the
    // raster value through an untile.
    rewriter.setInsertionPointToStart(loop.getBody());
    Value raster;
    for (OpOperand &use : llvm::make_early_inc_range(arg.getUses())) {
      if (auto t = dyn_cast<TileOp>(use.getOwner())) {
        rewriter.replaceOp(t, arg);
        continue;
      }
      if (!raster)
        raster = UntileOp::create(rewriter, loc, arg, l.grid, l.tile);
      rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(raster); });
    }
    rewriter.setInsertionPoint(yield);
    Value y = TileOp::create(rewriter, loc, yield.getOperand(i), l.grid, l.tile);
    rewriter.modifyOpInPlace(yield, [&] { yield->setOperand(i, y); });
    rewriter.setInsertionPointAfter(loop);
    Value out = UntileOp::create(rewriter, loc, loop.getResult(i), l.grid, l.tile);
    rewriter.replaceAllUsesExcept(loop.getResult(i), out, out.getDefiningOp());
  }
};

struct AttnFoldLayoutPass : attn::impl::AttnFoldLayoutBase<AttnFoldLayoutPass> {
  using AttnFoldLayoutBase::AttnFoldLayoutBase;
  void runOnOperation() override {
    // Layout ops run per call, counting loop trips: what the fold saves.
    auto count = [&] {
      int64_t n = 0;
      getOperation()->walk([&](Operation *op) {
        if (isa<TileOp, UntileOp>(op))
          n += staticExecutionCount(op);
      });
      return n;
    };
    int64_t before = count();
    RewritePatternSet patterns(&getContext());
    populateFoldLayoutPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    int64_t after = count();
    numLayoutOpsBefore = before;
    numLayoutOpsAfter = after;
    if (report)
      mlir::emitRemark(getOperation()->getLoc())
          << "attn-fold-layout: tile/untile ops run per call " << before
          << " -> " << after;
  }
};

} // namespace

void mlir::attn::populateFoldLayoutPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldTileOfUntile, CommuteTileThroughTokenwise,
               CarryLoopValueTiled>(patterns.getContext());
}
