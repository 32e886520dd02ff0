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

/// What the forward and the backward of attn.vsa share: the block means
/// and the coarse scores (the top-k selection is made on them: selectTopk).
struct CoarseStage {
  SmallVector<OpFoldResult> qSizes;
  Value qc, kc, vc, scores;
};

/// The top-k kv blocks of the coarse scores, with the same form of topk as
/// `op`: the attribute, or the run-time operand.
template <typename OpT>
BlockTopkOp selectTopk(OpT op, const CoarseStage &c, PatternRewriter &rewriter) {
  return BlockTopkOp::create(rewriter, op.getLoc(), c.scores, op.getTopkValue(),
                             op.getTopkAttr());
}

AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// A linalg.generic over `sizes` (all loops parallel) with the given inputs
/// and maps, writing a new tensor of `elt`.
Value elementwise(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elt, ValueRange ins, ArrayRef<AffineMap> inMaps,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = sizes.size();
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init = tensor::EmptyOp::create(b, loc, sizes, elt);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(nb, l, ValueRange{body(nb, l, a)});
             })
      .getResult(0);
}

Value convertTo(OpBuilder &b, Location loc, Type elt, Value v) {
  if (v.getType() == elt)
    return v;
  return elt.isF32() ? arith::ExtFOp::create(b, loc, elt, v).getResult()
                     : arith::TruncFOp::create(b, loc, elt, v).getResult();
}

template <typename OpT>
CoarseStage buildCoarseStage(OpT op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  int64_t block = op.getBlockAttr().getInt();
  CoarseStage c;
  c.qSizes = tensor::getMixedSizes(rewriter, loc, op.getQ());
  SmallVector<OpFoldResult> &qs = c.qSizes;
  SmallVector<OpFoldResult> ks = tensor::getMixedSizes(rewriter, loc, op.getK());
  auto divBy = [&](OpFoldResult a, OpFoldResult d) -> OpFoldResult {
    std::optional<int64_t> sa = getConstantIntValue(a), sd = getConstantIntValue(d);
    if (sa && sd)
      return rewriter.getIndexAttr(*sa / *sd);
    return arith::DivUIOp::create(
               rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, a),
               getValueOrCreateConstantIndexOp(rewriter, loc, d))
        .getResult();
  };
  OpFoldResult B = qs[0], H = qs[1];
  OpFoldResult nq = divBy(qs[2], rewriter.getIndexAttr(block));
  OpFoldResult nkv = divBy(ks[2], rewriter.getIndexAttr(block));
  OpFoldResult groupsOfr = divBy(H, ks[1]);
  std::optional<int64_t> groups = getConstantIntValue(groupsOfr);
  Type f32 = rewriter.getF32Type();
  auto d = [&](unsigned i) { return dim(ctx, i); };

  c.qc = BlockMeanOp::create(rewriter, loc, op.getQ(), op.getQBlockSizes(), block);
  c.kc = BlockMeanOp::create(rewriter, loc, op.getK(), op.getKvBlockSizes(), block);
  c.vc = BlockMeanOp::create(rewriter, loc, op.getV(), op.getKvBlockSizes(), block);
  Value kc = c.kc;

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
  SmallVector<Value> dotIns = {c.qc};
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
        Value p = arith::MulFOp::create(b, l, f32Of(b, l, a[0]), f32Of(b, l, kv));
        linalg::YieldOp::create(b, l,
                                ValueRange{arith::AddFOp::create(b, l, a.back(), p)});
      });
  // scale = 1/sqrt(D): a constant, or computed at run time for a dynamic D.
  Value scale;
  if (std::optional<int64_t> D = getConstantIntValue(qs[3])) {
    scale = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getF32FloatAttr(1.0f / std::sqrt(static_cast<float>(*D))));
  } else {
    Value di = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                          getValueOrCreateConstantIndexOp(rewriter, loc, qs[3]));
    Value df = arith::SIToFPOp::create(rewriter, loc, f32, di);
    scale = arith::DivFOp::create(
        rewriter, loc,
        arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(1)),
        math::SqrtOp::create(rewriter, loc, df));
  }
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  c.scores = elementwise(rewriter, loc, scoreSizes, f32, dot.getResult(0), {id4},
                         [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                           return arith::MulFOp::create(b, l, a[0], scale);
                         });
  return c;
}

struct DecomposeVsa : OpRewritePattern<VsaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(VsaOp op,
                                PatternRewriter &rewriter) const override {
    // Dynamic shapes and a run-time topk are fine: every piece lowers with
    // '?' dims and attn.block_topk takes k as an operand too.
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t block = op.getBlockAttr().getInt();
    CoarseStage c = buildCoarseStage(op, rewriter);
    // Coarse output: softmax(S) . vc is exactly sdpa over the block means.
    Value oc = SdpaOp::create(rewriter, loc, c.qc, c.kc, c.vc, Value(), FloatAttr())
                   .getResult();
    BlockTopkOp topk = selectTopk(op, c, rewriter);
    Value os = BlockSparseOp::create(
        rewriter, loc, op.getQ(), op.getK(), op.getV(), topk.getKvIndices(),
        topk.getKvCounts(), op.getKvBlockSizes(), block, block, FloatAttr())
        .getResult();

    // out = Oc[b,h,s/block] * gate + Os.
    auto d = [&](unsigned i) { return dim(ctx, i); };
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    SmallVector<Value> ins = {oc, os};
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {d(0), d(1), d(2).floorDiv(block), d(3)}, ctx),
        id4};
    if (Value gate = op.getGate()) {
      ins.push_back(gate);
      maps.push_back(id4);
    }
    Type elt = op.getQ().getType().getElementType();
    Value out = elementwise(
        rewriter, loc, c.qSizes, elt, ins, maps,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value co = f32Of(b, l, a[0]);
          if (a.size() == 4)
            co = arith::MulFOp::create(b, l, co, f32Of(b, l, a[2]));
          return convertTo(b, l, elt, arith::AddFOp::create(b, l, co, f32Of(b, l, a[1])));
        });
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// The backward of attn.vsa (its op description): the fine branch through
/// attn.block_sparse_grad on the forward's selection, the coarse branch
/// through attn.sdpa_grad on the block means (in f32) and the block mean's
/// adjoint, the gate's gradient from the recomputed coarse output.
struct DecomposeVsaGrad : OpRewritePattern<VsaGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(VsaGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t P = op.getBlockAttr().getInt();
    Type f32 = rewriter.getF32Type();
    Type elt = op.getQ().getType().getElementType();
    auto d = [&](unsigned i) { return dim(ctx, i); };
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap perBlock =
        AffineMap::get(4, 0, {d(0), d(1), d(2).floorDiv(P), d(3)}, ctx);
    CoarseStage c = buildCoarseStage(op, rewriter);
    BlockTopkOp topk = selectTopk(op, c, rewriter);
    auto fine = BlockSparseGradOp::create(
        rewriter, loc, op.getQ(), op.getK(), op.getV(), op.getDout(),
        topk.getKvIndices(), topk.getKvCounts(), op.getKvBlockSizes(), P,
        P, FloatAttr());

    // dOc[b,h,J,:] = sum over the P slots of block J of dout * gate, in f32:
    // dout viewed as [B, H, Nq, P, D], the slot axis reduced.
    SmallVector<OpFoldResult> qcSizes = tensor::getMixedSizes(rewriter, loc, c.qc);
    SmallVector<OpFoldResult> slotSizes = {qcSizes[0], qcSizes[1], qcSizes[2],
                                           rewriter.getIndexAttr(P), qcSizes[3]};
    SmallVector<ReassociationIndices> split = {{0}, {1}, {2, 3}, {4}};
    auto viewSlots = [&](Value x) -> Value {
      SmallVector<int64_t> shape;
      for (OpFoldResult s : slotSizes)
        shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
      auto t = RankedTensorType::get(shape, elt);
      return tensor::ExpandShapeOp::create(rewriter, loc, t, x, split, slotSizes);
    };
    SmallVector<Value> slotIns = {viewSlots(op.getDout())};
    if (Value gate = op.getGate())
      slotIns.push_back(viewSlots(gate));
    AffineMap slotMap = AffineMap::get(5, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx);
    SmallVector<AffineMap> slotMaps(slotIns.size(), slotMap);
    slotMaps.push_back(AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx));
    Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0));
    Value dOcInit = linalg::FillOp::create(
                        rewriter, loc, ValueRange{zero},
                        ValueRange{tensor::EmptyOp::create(rewriter, loc, qcSizes, f32)})
                        .getResult(0);
    Value dOc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{dOcInit.getType()}, slotIns,
            ValueRange{dOcInit}, slotMaps,
            ArrayRef<utils::IteratorType>{
                utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::parallel, utils::IteratorType::reduction,
                utils::IteratorType::parallel},
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value x = f32Of(b, l, a[0]);
              if (a.size() == 3)
                x = arith::MulFOp::create(b, l, x, f32Of(b, l, a[1]));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, a.back(), x)});
            })
            .getResult(0);

    // The coarse attention's gradients, on f32 copies of the block means
    // (exact: the forward's means are these values).
    auto toF32 = [&](Value x) -> Value {
      if (cast<RankedTensorType>(x.getType()).getElementType().isF32())
        return x;
      return elementwise(rewriter, loc, tensor::getMixedSizes(rewriter, loc, x),
                         f32, x, {id4},
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           return f32Of(b, l, a[0]);
                         });
    };
    Value qc32 = toF32(c.qc);
    Value kc32 = toF32(c.kc);
    Value vc32 = toF32(c.vc);
    auto coarse = SdpaGradOp::create(rewriter, loc, qc32, kc32, vc32, dOc,
                                     Value(), FloatAttr());

    // d x = fine + the block mean's adjoint of the coarse gradient: token s
    // of block J gets dxc[J] / n_J when s is one of its n_J valid tokens.
    auto addMeanAdjoint = [&](Value fineGrad, Value coarseGrad, Value sizes) {
      SmallVector<Value> ins = {fineGrad, coarseGrad};
      SmallVector<AffineMap> maps = {id4, perBlock};
      if (sizes) {
        ins.push_back(sizes);
        maps.push_back(AffineMap::get(4, 0, {d(2).floorDiv(P)}, ctx));
      }
      return elementwise(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, fineGrad), elt,
          ins, maps, [&](OpBuilder &b, Location l, ValueRange a) {
            Value fineValue = f32Of(b, l, a[0]);
            Value share;
            if (sizes) {
              Value count = a[2];
              Value n = arith::SIToFPOp::create(b, l, f32, count);
              Value slot = arith::RemUIOp::create(
                  b, l, linalg::IndexOp::create(b, l, 2),
                  arith::ConstantIndexOp::create(b, l, P));
              Value slotI32 = arith::IndexCastOp::create(b, l, b.getI32Type(), slot);
              Value valid = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                  slotI32, count);
              // A block with no valid token has no adjoint (and n = 0).
              share = arith::SelectOp::create(
                  b, l, valid, arith::DivFOp::create(b, l, a[1], n),
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(0)));
            } else {
              share = arith::DivFOp::create(
                  b, l, a[1], arith::ConstantOp::create(b, l, b.getF32FloatAttr(P)));
            }
            return convertTo(b, l, elt, arith::AddFOp::create(b, l, fineValue, share));
          });
    };
    SmallVector<Value> results = {
        addMeanAdjoint(fine.getDq(), coarse.getDq(), op.getQBlockSizes()),
        addMeanAdjoint(fine.getDk(), coarse.getDk(), op.getKvBlockSizes()),
        addMeanAdjoint(fine.getDv(), coarse.getDv(), op.getKvBlockSizes())};
    if (op.getGate()) {
      // dgate = Oc[b,h,s/P] * dout, Oc as the forward computed it.
      Value oc = SdpaOp::create(rewriter, loc, c.qc, c.kc, c.vc, Value(), FloatAttr())
                     .getResult();
      results.push_back(elementwise(
          rewriter, loc, c.qSizes, elt, ValueRange{oc, op.getDout()},
          {perBlock, id4}, [&](OpBuilder &b, Location l, ValueRange a) {
            return convertTo(b, l, elt,
                             arith::MulFOp::create(b, l, f32Of(b, l, a[0]),
                                                   f32Of(b, l, a[1])));
          }));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AttnDecomposeVsaPass
    : attn::impl::AttnDecomposeVsaBase<AttnDecomposeVsaPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeVsaPatterns(patterns);
    if (failed(rewriteAllOrReport<VsaOp, VsaGradOp>(getOperation(), std::move(patterns),
                                       "attn-decompose-vsa could not decompose this op")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateDecomposeVsaPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeVsa, DecomposeVsaGrad>(patterns.getContext());
}
