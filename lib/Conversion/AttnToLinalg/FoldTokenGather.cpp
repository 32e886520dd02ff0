//===- FoldTokenGather.cpp - tile/untile folded into consumer loads -------===//
//
// After lowering, an attention kernel reads K and V with tensor.extract and
// Q through an indexing map. When those operands come from a token gather
// (a lowered attn.tile or attn.untile), the kernel can read the raster
// source through the slot table instead, and the permuted copy disappears.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

bool isTokenGather(Operation *op) {
  return op && op->hasAttr(kTokenGatherAttr) && isa<linalg::GenericOp>(op);
}

/// Folds only when every reader absorbs the gather: then the permuted copy
/// is gone; folding some readers would only repeat the gather's work.
bool allReadersAbsorb(Operation *gather) {
  return llvm::all_of(gather->getResult(0).getUses(), [](OpOperand &use) {
    if (isa<tensor::ExtractOp>(use.getOwner()))
      return true;
    auto g = dyn_cast<linalg::GenericOp>(use.getOwner());
    return g && g.isDpsInput(&use) &&
           g.getMatchingIndexingMap(&use).isProjectedPermutation() &&
           g.getNumReductionLoops() == 0;
  });
}

/// tensor.extract %g[b, h, s, d] with %g a token gather: evaluate the
/// gather's body at (b, h, s, d) in place of the load.
struct ExtractOfTokenGather : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ExtractOp extract,
                                PatternRewriter &rewriter) const override {
    auto gather = extract.getTensor().getDefiningOp<linalg::GenericOp>();
    if (!isTokenGather(gather) || !allReadersAbsorb(gather))
      return failure();
    Location loc = extract.getLoc();
    ValueRange idx = extract.getIndices();
    Block &body = gather.getRegion().front();
    IRMapping map;
    // The one input is the slot table, indexed by the token dimension.
    Value slot = tensor::ExtractOp::create(
        rewriter, loc, gather.getDpsInputOperand(0)->get(), ValueRange{idx[2]});
    map.map(body.getArgument(0), slot);
    for (Operation &op : body.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(op)) {
        map.map(index.getResult(), idx[index.getDim()]);
        continue;
      }
      rewriter.clone(op, map);
    }
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    rewriter.replaceOp(extract, map.lookup(yield.getOperand(0)));
    return success();
  }
};

} // namespace

void mlir::attn::populateFoldTokenGatherPatterns(RewritePatternSet &patterns) {
  patterns.add<ExtractOfTokenGather>(patterns.getContext());
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [](OpOperand *fused) {
        Operation *producer = fused->get().getDefiningOp();
        return isTokenGather(producer) && allReadersAbsorb(producer);
      });
}
