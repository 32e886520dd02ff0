//===- PlanSparsity.cpp - sliding_tile -> block_sparse, static tables -----===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/BlockPatternText.h"
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

/// The attribute text length (absent: 0).
int64_t staticTextLength(SlidingTileOp op) {
  return op.getTextLengthAttr() ? op.getTextLengthAttr().getInt() : 0;
}

/// The op's plan, or std::nullopt without static shapes or with a run-time
/// text length (the plan's tables are constants).
std::optional<SlidingTilePlan> planOf(SlidingTileOp op) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  if (op.getTextLengthValue() || !qt.hasStaticShape() ||
      !cast<RankedTensorType>(op.getK().getType()).hasStaticShape())
    return std::nullopt;
  SmallVector<std::array<int64_t, 3>> windows;
  ArrayRef<int64_t> w = op.getWindow() ? *op.getWindow() : *op.getWindows();
  for (size_t i = 0; i + 2 < w.size(); i += 3)
    windows.push_back({w[i], w[i + 1], w[i + 2]});
  return SlidingTilePlan::build(op.getTileGrid(), op.getTile(), windows,
                                qt.getDimSize(1), qt.getDimSize(2),
                                staticTextLength(op));
}

/// report=true: the plan as a remark (docs in Passes.td).
void reportPlan(SlidingTileOp op, const SlidingTilePlan &plan) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto list = [&](ArrayRef<int64_t> xs) {
    os << "[";
    llvm::interleaveComma(xs, os);
    os << "]";
  };
  os << "attn-plan-sparsity: tile_grid ";
  list(op.getTileGrid());
  os << " tile ";
  list(op.getTile());
  os << " window(s) ";
  list(op.getWindow() ? *op.getWindow() : *op.getWindows());
  os << " text_length " << staticTextLength(op) << ": "
     << plan.numBlocks << " blocks of " << plan.blockSize << " tokens ("
     << plan.numImageBlocks << " image tiles, "
     << plan.numBlocks - plan.numImageBlocks
     << " text blocks), at most " << plan.maxCount
     << " kv blocks per query block";
  // Heads with equal rows share one picture.
  std::vector<bool> drawn(plan.numHeads, false);
  for (int64_t h = 0; h < plan.numHeads; ++h) {
    if (drawn[h])
      continue;
    SmallVector<int64_t> group;
    for (int64_t g = h; g < plan.numHeads; ++g)
      if (!drawn[g] && sameHeadPattern(plan, h, g)) {
        drawn[g] = true;
        group.push_back(g);
      }
    bool contiguous = group.back() - group.front() + 1 ==
                      static_cast<int64_t>(group.size());
    os << "\n" << (group.size() == 1 ? "head " : "heads ");
    if (group.size() == 1)
      os << group.front();
    else if (contiguous)
      os << group.front() << "-" << group.back();
    else
      llvm::interleaveComma(group, os);
    std::string picture = renderBlockPattern(plan, h);
    if (!picture.empty() && picture.back() == '\n')
      picture.pop_back();
    os << ": " << picture;
  }
  op.emitRemark() << text;
}

struct PlanSlidingTile : OpRewritePattern<SlidingTileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SlidingTileOp op,
                                PatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    std::optional<SlidingTilePlan> maybePlan = planOf(op);
    if (!maybePlan)
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    const SlidingTilePlan &plan = *maybePlan;
    Location loc = op.getLoc();
    int64_t B = qt.getDimSize(0), H = plan.numHeads, S = qt.getDimSize(2);
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
  using AttnPlanSparsityBase::AttnPlanSparsityBase;
  void runOnOperation() override {
    if (report)
      getOperation()->walk([](SlidingTileOp op) {
        if (std::optional<SlidingTilePlan> plan = planOf(op))
          reportPlan(op, *plan);
      });
    RewritePatternSet patterns(&getContext());
    populatePlanSparsityPatterns(patterns);
    if (failed(rewriteAllOrReport<SlidingTileOp>(getOperation(), std::move(patterns),
                                       "attn-plan-sparsity needs statically shaped operands and a static "
                                       "'text_length' (dynamic shapes and a text_length operand are not yet "
                                       "supported by this pass)")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populatePlanSparsityPatterns(RewritePatternSet &patterns) {
  patterns.add<PlanSlidingTile>(patterns.getContext());
}
