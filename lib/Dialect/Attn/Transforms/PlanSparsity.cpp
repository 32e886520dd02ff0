//===- PlanSparsity.cpp - sliding_tile -> block_sparse, static tables -----===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/BlockPatternText.h"
#include "attn/Dialect/Attn/Utils/SlidingTilePlan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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
template <typename OpT> int64_t staticTextLength(OpT op) {
  return op.getTextLengthAttr() ? op.getTextLengthAttr().getInt() : 0;
}

/// Dims the plan needs static: the sequence (it fixes the text blocks), and
/// the query heads when each head has its own window (`windows`). The
/// batch, head_dim, kv heads and, with one `window` for all heads, the
/// query heads may be dynamic: the tables are broadcast over them.
template <typename OpT> bool plannable(OpT op) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  if (qt.isDynamicDim(2) || kt.isDynamicDim(2))
    return false;
  return !qt.isDynamicDim(1) || op.getWindow().has_value();
}

/// The op's plan, or std::nullopt where a needed dim is dynamic. With a
/// run-time text length every text block is planned (as for text_length =
/// S_text); only kv_block_sizes then depend on the run (runTimeBlockSizes).
template <typename OpT> std::optional<SlidingTilePlan> planOf(OpT op) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  if (!plannable(op))
    return std::nullopt;
  SmallVector<std::array<int64_t, 3>> windows;
  ArrayRef<int64_t> w = op.getWindow() ? *op.getWindow() : *op.getWindows();
  for (size_t i = 0; i + 2 < w.size(); i += 3)
    windows.push_back({w[i], w[i + 1], w[i + 2]});
  ArrayRef<int64_t> g = op.getTileGrid(), t = op.getTile();
  int64_t textTokens =
      qt.getDimSize(2) - g[0] * g[1] * g[2] * t[0] * t[1] * t[2];
  // Dynamic heads share one window: plan one head, broadcast over them.
  int64_t heads = qt.isDynamicDim(1) ? 1 : qt.getDimSize(1);
  return SlidingTilePlan::build(
      g, t, windows, heads, qt.getDimSize(2),
      op.getTextLengthValue() ? textTokens : staticTextLength(op));
}

/// kv_block_sizes for a run-time text length L: P for image tiles,
/// clamp(L - t*P, 0, P) for text block t; L is checked against S_text first.
template <typename OpT>
Value runTimeBlockSizes(PatternRewriter &b, Location loc, OpT op,
                        const SlidingTilePlan &plan, int64_t textTokens) {
  Type i64 = b.getI64Type();
  Value len = op.getTextLengthValue();
  if (len.getType().isIndex())
    len = arith::IndexCastOp::create(b, loc, i64, len);
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v)).getResult();
  };
  // Separate statements: operand evaluation order would make the IR order
  // compiler-dependent.
  Value atLeast0 =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, len, c64(0));
  Value atMostText = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                           len, c64(textTokens));
  Value inRange = arith::AndIOp::create(b, loc, atLeast0, atMostText);
  cf::AssertOp::create(b, loc, inRange,
                       "attn.sliding_tile: text_length must be in [0, S_text = " +
                           std::to_string(textTokens) + "]");
  const int64_t P = plan.blockSize, image = plan.numImageBlocks;
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{plan.numBlocks},
                                        b.getI32Type());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, b.getContext())},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        auto k64 = [&](int64_t v) {
          return arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(v))
              .getResult();
        };
        Value j = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                             linalg::IndexOp::create(nb, nl, 0));
        // valid = clamp(L - (j - image)*P, 0, P), and P for an image tile.
        Value start = arith::MulIOp::create(
            nb, nl, arith::SubIOp::create(nb, nl, j, k64(image)), k64(P));
        Value valid = arith::MinSIOp::create(
            nb, nl,
            arith::MaxSIOp::create(nb, nl,
                                   arith::SubIOp::create(nb, nl, len, start),
                                   k64(0)),
            k64(P));
        Value isImage =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, j, k64(image));
        Value size = arith::SelectOp::create(nb, nl, isImage, k64(P), valid);
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::TruncIOp::create(nb, nl, nb.getI32Type(), size)});
      });
  return generic.getResult(0);
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

/// attn.sliding_tile -> attn.block_sparse, attn.sliding_tile_grad ->
/// attn.block_sparse_grad: the same tables.
template <typename OpT>
struct PlanSlidingTile : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  static constexpr bool kGrad = std::is_same_v<OpT, SlidingTileGradOp>;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    std::optional<SlidingTilePlan> maybePlan = planOf(op);
    if (!maybePlan)
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    const SlidingTilePlan &plan = *maybePlan;
    Location loc = op.getLoc();
    int64_t B = qt.getDimSize(0), H = plan.numHeads, S = qt.getDimSize(2);
    const int64_t P = plan.blockSize, Nb = plan.numBlocks, K = plan.maxCount;

    // The tables are [B, H, ...]: replicate the per-head plan over batches,
    // as constants for static B and H, broadcast over the dynamic ones
    // (dynamic H: the one planned head's rows, see planOf).
    Value idx, cnt;
    bool dynamicHeads = qt.isDynamicDim(1);
    if (!ShapedType::isDynamic(B) && !dynamicHeads) {
      std::vector<int32_t> indices, counts;
      for (int64_t b = 0; b < B; ++b) {
        indices.insert(indices.end(), plan.indices.begin(), plan.indices.end());
        counts.insert(counts.end(), plan.counts.begin(), plan.counts.end());
      }
      idx = i32Constant(rewriter, loc, {B, H, Nb, K}, indices);
      cnt = i32Constant(rewriter, loc, {B, H, Nb}, counts);
    } else {
      SmallVector<OpFoldResult> bh =
          tensor::getMixedSizes(rewriter, loc, op.getQ());
      bh.resize(2);
      // Constants over the static trailing dims, broadcast over [B] or [B, H].
      SmallVector<int64_t> newDims =
          dynamicHeads ? SmallVector<int64_t>{0, 1} : SmallVector<int64_t>{0};
      auto broadcast = [&](ArrayRef<int64_t> tail, ArrayRef<int32_t> data) {
        SmallVector<int64_t> shape(tail);
        if (!dynamicHeads)
          shape.insert(shape.begin(), H);
        Value table = i32Constant(rewriter, loc, shape, data);
        SmallVector<OpFoldResult> sizes(bh);
        for (int64_t d : tail)
          sizes.push_back(rewriter.getIndexAttr(d));
        Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                             rewriter.getI32Type());
        return linalg::BroadcastOp::create(rewriter, loc, table, init, newDims)
            .getResult()[0];
      };
      idx = broadcast({Nb, K}, plan.indices);
      cnt = broadcast({Nb}, plan.counts);
    }
    int64_t textTokens = S - plan.numImageBlocks * P;
    Value vbs = op.getTextLengthValue()
                    ? runTimeBlockSizes(rewriter, loc, op, plan, textTokens)
                    : i32Constant(rewriter, loc, {Nb}, plan.blockSizes);

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
    // One statement each: argument evaluation order would make the IR
    // order compiler-dependent.
    Value q = pad(op.getQ());
    Value k = pad(op.getK());
    Value v = pad(op.getV());
    SmallVector<Value> outs;
    if constexpr (kGrad) {
      Value dout = pad(op.getDout());
      outs = BlockSparseGradOp::create(rewriter, loc, q, k, v, dout, idx, cnt,
                                       vbs, P, P, op.getScaleAttr())
                 .getResults();
    } else {
      // The lse result, when the op has one, padded like q's rows.
      Type lseType;
      if (Value lse = op.getLse()) {
        SmallVector<int64_t> shape(cast<RankedTensorType>(lse.getType()).getShape());
        shape[2] = padded;
        lseType = RankedTensorType::get(shape, rewriter.getF32Type());
      }
      outs = BlockSparseOp::create(rewriter, loc, q.getType(), lseType, q, k, v,
                                   idx, cnt, vbs, rewriter.getI64IntegerAttr(P),
                                   rewriter.getI64IntegerAttr(P),
                                   op.getScaleAttr())
                 ->getResults();
    }
    if (padded != S) {
      // Each result back to its operand's rows (q for out/dq/lse, k, v).
      Value like[] = {op.getQ(), kGrad ? op.getK() : op.getQ(), op.getV()};
      for (auto [i, out] : llvm::enumerate(outs)) {
        auto want = cast<RankedTensorType>(op->getResult(i).getType());
        unsigned rank = want.getRank();
        SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
        SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
        SmallVector<OpFoldResult> sizes =
            tensor::getMixedSizes(rewriter, loc, like[i]);
        sizes.resize(rank);
        out = tensor::ExtractSliceOp::create(rewriter, loc, want, out, offsets,
                                             sizes, strides);
      }
    }
    rewriter.replaceOp(op, outs);
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
    if (failed(rewriteAllOrReport<SlidingTileOp, SlidingTileGradOp>(getOperation(), std::move(patterns),
                                       "attn-plan-sparsity needs a static sequence, and static query heads "
                                       "with per-head 'windows' (a dynamic sequence is not yet supported by "
                                       "this pass)")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populatePlanSparsityPatterns(RewritePatternSet &patterns) {
  patterns.add<PlanSlidingTile<SlidingTileOp>, PlanSlidingTile<SlidingTileGradOp>>(
      patterns.getContext());
}
