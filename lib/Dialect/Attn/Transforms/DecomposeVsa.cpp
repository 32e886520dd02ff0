//===- DecomposeVsa.cpp - attn.vsa into coarse and fine stages ------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "PassUtils.h"

#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNDECOMPOSEVSA
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

Value f32Of(OpBuilder &b, Location loc, Value v) {
  return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

struct DecomposeVsa : OpRewritePattern<VsaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(VsaOp op,
                                PatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    // Dynamic shapes and a run-time topk are fine: every piece lowers with
    // '?' dims and attn.block_topk takes k as an operand too.
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t block = op.getBlockAttr().getInt();
    SmallVector<OpFoldResult> qs = tensor::getMixedSizes(rewriter, loc, op.getQ());
    SmallVector<OpFoldResult> ks = tensor::getMixedSizes(rewriter, loc, op.getK());
    auto divBy = [&](OpFoldResult a, OpFoldResult c) -> OpFoldResult {
      std::optional<int64_t> sa = getConstantIntValue(a), sc = getConstantIntValue(c);
      if (sa && sc)
        return rewriter.getIndexAttr(*sa / *sc);
      return arith::DivUIOp::create(
                 rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, a),
                 getValueOrCreateConstantIndexOp(rewriter, loc, c))
          .getResult();
    };
    OpFoldResult B = qs[0], H = qs[1];
    OpFoldResult nq = divBy(qs[2], rewriter.getIndexAttr(block));
    OpFoldResult nkv = divBy(ks[2], rewriter.getIndexAttr(block));
    OpFoldResult groupsOfr = divBy(H, ks[1]);
    std::optional<int64_t> groups = getConstantIntValue(groupsOfr);
    Type f32 = rewriter.getF32Type();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

    Value qc = BlockMeanOp::create(rewriter, loc, op.getQ(),
                                   op.getQBlockSizes(), block);
    Value kc = BlockMeanOp::create(rewriter, loc, op.getK(),
                                   op.getKvBlockSizes(), block);
    Value vc = BlockMeanOp::create(rewriter, loc, op.getV(),
                                   op.getKvBlockSizes(), block);

    // Coarse scores S = qc . kc^T * scale, in f32. With a dynamic GQA group
    // the kv head h / groups is read in the body (an affine map cannot
    // divide by a run-time value).
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0));
    SmallVector<OpFoldResult> scoreSizes = {B, H, nq, nkv};
    Value empty = tensor::EmptyOp::create(rewriter, loc, scoreSizes, f32);
    Value init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{empty})
                     .getResult(0);
    Value groupsValue = groups ? Value() : cast<Value>(groupsOfr);
    SmallVector<Value> dotIns = {qc};
    SmallVector<AffineMap> dotMaps = {
        AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx)};
    if (groups) {
      dotIns.push_back(kc);
      dotMaps.push_back(
          AffineMap::get(5, 0, {d(0), d(1).floorDiv(*groups), d(3), d(4)}, ctx));
    }
    dotMaps.push_back(AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx));
    auto dot = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, dotIns, ValueRange{init},
        dotMaps,
        ArrayRef<utils::IteratorType>{
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value kv;
          if (groups) {
            kv = a[1];
          } else {
            Value g = arith::DivUIOp::create(b, l, linalg::IndexOp::create(b, l, 1),
                                             groupsValue);
            kv = tensor::ExtractOp::create(
                b, l, kc,
                ValueRange{linalg::IndexOp::create(b, l, 0), g,
                           linalg::IndexOp::create(b, l, 3),
                           linalg::IndexOp::create(b, l, 4)});
          }
          Value p = arith::MulFOp::create(b, l, f32Of(b, l, a[0]),
                                          f32Of(b, l, kv));
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::AddFOp::create(b, l, a.back(), p)});
        });
    // scale = 1/sqrt(D): a constant, or computed at run time for a dynamic D.
    Value dynScale;
    float scale = 0;
    if (std::optional<int64_t> D = getConstantIntValue(qs[3])) {
      scale = 1.0f / std::sqrt(static_cast<float>(*D));
    } else {
      Value di = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                            getValueOrCreateConstantIndexOp(rewriter, loc, qs[3]));
      Value df = arith::SIToFPOp::create(rewriter, loc, f32, di);
      dynScale = arith::DivFOp::create(
          rewriter, loc,
          arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(1)),
          math::SqrtOp::create(rewriter, loc, df));
    }
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto scaled = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{dot.getResult(0)},
        ValueRange{tensor::EmptyOp::create(rewriter, loc, scoreSizes, f32)},
        ArrayRef<AffineMap>{id4, id4},
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value s = dynScale ? dynScale
                             : arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale))
                                   .getResult();
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::MulFOp::create(b, l, a[0], s)});
        });
    Value scores = scaled.getResult(0);

    // Coarse output: softmax(S) . vc is exactly sdpa over the block means.
    Value oc = SdpaOp::create(rewriter, loc, qc, kc, vc, Value(), FloatAttr());
    // The same form of topk: the attribute, or the run-time operand.
    auto topk = BlockTopkOp::create(rewriter, loc, scores, op.getTopkValue(),
                                    op.getTopkAttr());
    Value os = BlockSparseOp::create(
        rewriter, loc, op.getQ(), op.getK(), op.getV(), topk.getKvIndices(),
        topk.getKvCounts(), op.getKvBlockSizes(), block, block, FloatAttr());

    // out = Oc[b,h,s/block] * gate + Os.
    SmallVector<Value> ins = {oc, os};
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {d(0), d(1), d(2).floorDiv(block), d(3)}, ctx),
        id4};
    if (Value gate = op.getGate()) {
      ins.push_back(gate);
      maps.push_back(id4);
    }
    maps.push_back(id4);
    Type elt = qt.getElementType();
    auto combine = linalg::GenericOp::create(
        rewriter, loc, TypeRange{qt}, ins,
        ValueRange{tensor::EmptyOp::create(rewriter, loc, qs, elt)},
        maps, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value c = f32Of(b, l, a[0]);
          if (a.size() == 4)
            c = arith::MulFOp::create(b, l, c, f32Of(b, l, a[2]));
          Value r = arith::AddFOp::create(b, l, c, f32Of(b, l, a[1]));
          if (!elt.isF32())
            r = arith::TruncFOp::create(b, l, elt, r);
          linalg::YieldOp::create(b, l, ValueRange{r});
        });
    rewriter.replaceOp(op, combine.getResult(0));
    return success();
  }
};

struct AttnDecomposeVsaPass
    : attn::impl::AttnDecomposeVsaBase<AttnDecomposeVsaPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeVsaPatterns(patterns);
    if (failed(rewriteAllOrReport<VsaOp>(getOperation(), std::move(patterns),
                                       "attn-decompose-vsa could not decompose this op")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateDecomposeVsaPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeVsa>(patterns.getContext());
}
