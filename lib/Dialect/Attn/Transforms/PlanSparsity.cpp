//===- PlanSparsity.cpp - sliding_tile -> block_sparse, static tables -----===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/SlidingTilePlan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "PassUtils.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNPLANSPARSITY
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

Value i32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<int32_t> data) {
  auto type = RankedTensorType::get(shape, b.getI32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, data));
}

struct PlanSlidingTile : OpRewritePattern<SlidingTileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SlidingTileOp op,
                                PatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    if (!qt.hasStaticShape() ||
        !cast<RankedTensorType>(op.getK().getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    int64_t B = qt.getDimSize(0), H = qt.getDimSize(1), S = qt.getDimSize(2);

    SmallVector<std::array<int64_t, 3>> windows;
    ArrayRef<int64_t> w = op.getWindow() ? *op.getWindow() : *op.getWindows();
    for (size_t i = 0; i + 2 < w.size(); i += 3)
      windows.push_back({w[i], w[i + 1], w[i + 2]});
    SlidingTilePlan plan = SlidingTilePlan::build(
        op.getTileGrid(), op.getTile(), windows, H, S,
        op.getTextLengthAttr().getInt());
    const int64_t P = plan.blockSize, Nb = plan.numBlocks, K = plan.maxCount;

    // The tables are [B, H, ...]: replicate the per-head plan over batches.
    std::vector<int32_t> indices, counts;
    for (int64_t b = 0; b < B; ++b) {
      indices.insert(indices.end(), plan.indices.begin(), plan.indices.end());
      counts.insert(counts.end(), plan.counts.begin(), plan.counts.end());
    }
    Value idx = i32Constant(rewriter, loc, {B, H, Nb, K}, indices);
    Value cnt = i32Constant(rewriter, loc, {B, H, Nb}, counts);
    Value vbs = i32Constant(rewriter, loc, {Nb}, plan.blockSizes);

    // Zero-pad a ragged text tail to whole blocks; the pad keys are invalid
    // (kv_block_sizes) and the pad query rows are sliced off below.
    int64_t padded = Nb * P;
    auto pad = [&](Value x) -> Value {
      if (padded == S)
        return x;
      auto t = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> shape(t.getShape());
      shape[2] = padded;
      auto pt = RankedTensorType::get(shape, t.getElementType());
      Value zero = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(rewriter.getZeroAttr(t.getElementType())));
      SmallVector<OpFoldResult> lo(4, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> hi(4, rewriter.getIndexAttr(0));
      hi[2] = rewriter.getIndexAttr(padded - S);
      return tensor::PadOp::create(rewriter, loc, pt, x, lo, hi, zero);
    };
    Value out = BlockSparseOp::create(rewriter, loc, pad(op.getQ()),
                                      pad(op.getK()), pad(op.getV()), idx, cnt,
                                      vbs, P, P, op.getScaleAttr());
    if (padded != S) {
      SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides(4, rewriter.getIndexAttr(1));
      for (int64_t dim : qt.getShape())
        sizes.push_back(rewriter.getIndexAttr(dim));
      out = tensor::ExtractSliceOp::create(rewriter, loc, qt, out, offsets,
                                           sizes, strides);
    }
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct AttnPlanSparsityPass
    : attn::impl::AttnPlanSparsityBase<AttnPlanSparsityPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populatePlanSparsityPatterns(patterns);
    if (failed(rewriteAllOrReport<SlidingTileOp>(getOperation(), std::move(patterns),
                                       "attn-plan-sparsity needs statically shaped operands")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populatePlanSparsityPatterns(RewritePatternSet &patterns) {
  patterns.add<PlanSlidingTile>(patterns.getContext());
}
