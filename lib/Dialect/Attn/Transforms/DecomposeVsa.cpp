//===- DecomposeVsa.cpp - attn.vsa into coarse and fine stages ------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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
    auto kt = cast<RankedTensorType>(op.getK().getType());
    if (!qt.hasStaticShape() || !kt.hasStaticShape() || op.getTopkValue())
      return rewriter.notifyMatchFailure(
          op, "needs static shapes and a static topk");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t block = op.getBlockAttr().getInt();
    int64_t B = qt.getDimSize(0), H = qt.getDimSize(1), D = qt.getDimSize(3);
    int64_t nq = qt.getDimSize(2) / block, nkv = kt.getDimSize(2) / block;
    int64_t groups = H / kt.getDimSize(1);
    Type f32 = rewriter.getF32Type();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

    Value qc = BlockMeanOp::create(rewriter, loc, op.getQ(),
                                   op.getQBlockSizes(), block);
    Value kc = BlockMeanOp::create(rewriter, loc, op.getK(),
                                   op.getKvBlockSizes(), block);
    Value vc = BlockMeanOp::create(rewriter, loc, op.getV(),
                                   op.getKvBlockSizes(), block);

    // Coarse scores S = qc . kc^T * scale, in f32.
    float scale = 1.0f / std::sqrt(static_cast<float>(D));
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0));
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{B, H, nq, nkv}, f32);
    Value init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{empty})
                     .getResult(0);
    auto dot = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{qc, kc},
        ValueRange{init},
        ArrayRef<AffineMap>{
            AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
            AffineMap::get(5, 0, {d(0), d(1).floorDiv(groups), d(3), d(4)}, ctx),
            AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
        ArrayRef<utils::IteratorType>{
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::parallel, utils::IteratorType::parallel,
            utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(b, l, f32Of(b, l, a[0]),
                                          f32Of(b, l, a[1]));
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::AddFOp::create(b, l, a[2], p)});
        });
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto scaled = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{dot.getResult(0)},
        ValueRange{tensor::EmptyOp::create(
            rewriter, loc, ArrayRef<int64_t>{B, H, nq, nkv}, f32)},
        ArrayRef<AffineMap>{id4, id4},
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value s = arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale));
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::MulFOp::create(b, l, a[0], s)});
        });
    Value scores = scaled.getResult(0);

    // Coarse output: softmax(S) . vc is exactly sdpa over the block means.
    Value oc = SdpaOp::create(rewriter, loc, qc, kc, vc, Value(), FloatAttr());
    auto topk = BlockTopkOp::create(rewriter, loc, scores,
                                    op.getTopkAttr().getInt());
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
        ValueRange{tensor::EmptyOp::create(rewriter, loc, qt.getShape(), elt)},
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
                                       "attn-decompose-vsa needs statically shaped operands and a static "
                                       "'topk' (dynamic shapes and a topk operand are not yet supported by "
                                       "this pass)")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateDecomposeVsaPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeVsa>(patterns.getContext());
}
