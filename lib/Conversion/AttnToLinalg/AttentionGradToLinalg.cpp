//===- AttentionGradToLinalg.cpp - sdpa_grad / block_sparse_grad ----------===//
//
// The backward of softmax attention over a dense key axis t (every key
// token of k, in order), with a key-row table that says which (b, h, query
// token, t) pairs are valid: attn.sdpa's rows[b, t] (its key mask), or for
// attn.block_sparse a dense [B, H, Nq, Skv] table built from the kv lists
// (key t is valid for query block n when a listed id of n's row is t's
// block and t is within that block's valid size): the transposed block
// pattern is then just the table read along t. From the shared forward
// pieces (attentionProbs) in f32:
//   P = p / l (0 where l = 0), dP[b,h,i,t] = dout[b,h,i,:] . v[b,g,t,:]
//   Di = sum_t P dP,  dS = scale * P (dP - Di)
//   dq[b,h,i,:] = sum_t dS k[b,g,t,:]
//   dk[b,g,t,:] = sum_{h in g} sum_i dS q[b,h,i,:],
//   dv[b,g,t,:] = sum_{h in g} sum_i P dout[b,h,i,:]
// A reference lowering (the CPU path): dense [B, H, Sq, Skv] intermediates.
//
//===----------------------------------------------------------------------===//

#include "AttentionLowering.h"
#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

/// An f32 [B, H, S, D] tensor in the element type (and sizes) of `like`.
Value castLike(OpBuilder &b, Location loc, Value x, Value like) {
  Type elt = cast<RankedTensorType>(like.getType()).getElementType();
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, b.getContext());
  return genericOp(b, loc, {x}, emptyTensor(b, loc, mixedSizes(b, loc, like), elt),
                   {id4, id4}, iterators(4),
                   [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                     return fromF32(nb, nl, a[0], elt);
                   });
}

/// [B, Hq, T, D] per-query-head sums -> [B, Hkv, T, D] in kv's type,
/// summing the `groups` query heads of each kv head.
Value sumGroups(OpBuilder &b, Location loc, Value perHead, Value kv,
                const Groups &groups) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> ks = mixedSizes(b, loc, kv);
  OpFoldResult G = groups.value ? OpFoldResult(groups.value)
                                : OpFoldResult(b.getIndexAttr(*groups.constant));
  // The group's heads range over a [G] operand (only its shape is read).
  Value heads = emptyTensor(b, loc, {G}, b.getI1Type());
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Value sum = genericOp(
      b, loc, {heads},
      filledTensor(b, loc, {ks[0], ks[1], ks[2], ks[3]}, b.getF32FloatAttr(0)),
      {AffineMap::get(5, 0, {d(4)}, ctx),
       AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value g = linalg::IndexOp::create(nb, nl, 1);
        Value gs = groups.value ? groups.value
                                : constIndex(nb, nl, *groups.constant);
        Value h = arith::AddIOp::create(
            nb, nl, arith::MulIOp::create(nb, nl, g, gs),
            linalg::IndexOp::create(nb, nl, 4));
        SmallVector<Value> idx = {linalg::IndexOp::create(nb, nl, 0), h,
                                  linalg::IndexOp::create(nb, nl, 2),
                                  linalg::IndexOp::create(nb, nl, 3)};
        Value x = tensor::ExtractOp::create(nb, nl, perHead, idx);
        return arith::AddFOp::create(nb, nl, a[1], x);
      });
  return castLike(b, loc, sum, kv);
}

/// dq, dk, dv of attention over the dense key axis described by `in`
/// (numKeys = Skv, table entries t or < 0).
SmallVector<Value> buildAttentionGrad(OpBuilder &b, Location loc,
                                      const AttentionInputs &in, Value dout) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, in.q);
  OpFoldResult B = qs[0], H = qs[1], S = qs[2], D = qs[3], T = in.numKeys;
  Groups groups = gqaGroups(b, loc, in.q, in.k);
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  };
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap bhi4 = map(4, {d(0), d(1), d(2)});
  AttentionProbs softmax = attentionProbs(b, loc, in, groups);
  Value probs = softmax.probs, rowSum = softmax.rowSum;

  // P normalized (empty rows: 0).
  Value P = genericOp(
      b, loc, {probs, rowSum}, emptyTensor(b, loc, {B, H, S, T}, f32),
      {id4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value zero = constF32(nb, nl, 0);
        Value pos = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                          a[1], zero);
        return arith::SelectOp::create(
            nb, nl, pos, arith::DivFOp::create(nb, nl, a[0], a[1]), zero);
      });
  // dP over (b, h, i, t, d), reduction d.
  Value dP = genericOp(
      b, loc, {dout, in.rowTable},
      filledTensor(b, loc, {B, H, S, T}, b.getF32FloatAttr(0)),
      {map(5, {d(0), d(1), d(2), d(4)}), in.rowMap(ctx, 5, 0, 1, 2, 3),
       map(5, {d(0), d(1), d(2), d(3)})},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value vv = readKV(nb, nl, groups, in.v, a[1], 4);
        return arith::AddFOp::create(
            nb, nl, a[2],
            arith::MulFOp::create(nb, nl, toF32(nb, nl, a[0]), vv));
      });
  // Di = sum_t P dP.
  Value Di = genericOp(
      b, loc, {P, dP}, filledTensor(b, loc, {B, H, S}, b.getF32FloatAttr(0)),
      {id4, id4, bhi4}, iterators(3, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], a[1]));
      });
  // dS = scale * P (dP - Di): the scale of S = scale * q.k folded in.
  Value dS = genericOp(
      b, loc, {P, dP, Di}, emptyTensor(b, loc, {B, H, S, T}, f32),
      {id4, id4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value scale = in.dynScale ? in.dynScale : constF32(nb, nl, in.scale);
        Value g = arith::MulFOp::create(
            nb, nl, a[0], arith::SubFOp::create(nb, nl, a[1], a[2]));
        return arith::MulFOp::create(nb, nl, g, scale);
      });
  // dq = sum_t dS k.
  Value dq = castLike(b, loc, sumOverKeys(b, loc, in, groups, dS, in.k), in.q);
  // Per query head over (b, h, t, d, i), reduction i: sum_i w[b,h,i,t] *
  // x[b,h,i,d] (dk from dS and q, dv from P and dout).
  auto keySide = [&](Value w, Value x) {
    return genericOp(
        b, loc, {w, x},
        filledTensor(b, loc, {B, H, T, D}, b.getF32FloatAttr(0)),
        {map(5, {d(0), d(1), d(4), d(2)}), map(5, {d(0), d(1), d(4), d(3)}),
         map(5, {d(0), d(1), d(2), d(3)})},
        iterators(4, 1),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(
              nb, nl, a[2],
              arith::MulFOp::create(nb, nl, a[0], toF32(nb, nl, a[1])));
        });
  };
  Value dk = sumGroups(b, loc, keySide(dS, in.q), in.k, groups);
  Value dv = sumGroups(b, loc, keySide(P, dout), in.v, groups);
  return {dq, dk, dv};
}

/// Checks dout's shape against q's where a size is dynamic.
void assertDoutLikeQ(OpBuilder &b, Location loc, StringRef opName, Value dout,
                     Value q) {
  SmallVector<OpFoldResult> ds = mixedSizes(b, loc, dout),
                            qs = mixedSizes(b, loc, q);
  for (int i = 0; i < 4; ++i)
    assertSizesEqual(b, loc, ds[i], qs[i],
                     (opName + ": 'dout' must have q's shape").str());
}

struct SdpaGradToLinalg : OpConversionPattern<SdpaGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SdpaGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    assertQKVAgree(rewriter, loc, "attn.sdpa_grad", adaptor.getQ(),
                   adaptor.getK(), adaptor.getV());
    assertDoutLikeQ(rewriter, loc, "attn.sdpa_grad", adaptor.getDout(),
                    adaptor.getQ());
    Value rows = sdpaKeyRows(rewriter, loc, "attn.sdpa_grad",
                             adaptor.getKeyMask(), adaptor.getK());
    AttentionInputs in =
        attentionInputs(rewriter, loc, adaptor.getQ(), adaptor.getK(),
                        adaptor.getV(), rows, sdpaRowMap, mixedSizes(rewriter, loc, adaptor.getK())[2],
                        op.getScale());
    rewriter.replaceOp(op, buildAttentionGrad(rewriter, loc, in,
                                              adaptor.getDout()));
    return success();
  }
};

struct BlockSparseGradToLinalg : OpConversionPattern<BlockSparseGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BlockSparseGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    assertQKVAgree(rewriter, loc, "attn.block_sparse_grad", adaptor.getQ(),
                   adaptor.getK(), adaptor.getV());
    assertDoutLikeQ(rewriter, loc, "attn.block_sparse_grad",
                    adaptor.getDout(), adaptor.getQ());
    int64_t bq = op.getBlockQAttr().getInt(), bkv = op.getBlockKvAttr().getInt();
    Value sizes = adaptor.getKvBlockSizes();
    // Checked; t / block_kv < Nkv for every key token t.
    assertBlockSparseShapes(rewriter, loc, bq, bkv, adaptor.getQ(),
                            adaptor.getK(), adaptor.getKvIndices(),
                            adaptor.getKvCounts(), sizes);
    SmallVector<OpFoldResult> is =
        mixedSizes(rewriter, loc, adaptor.getKvIndices());
    OpFoldResult T = mixedSizes(rewriter, loc, adaptor.getK())[2];
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // rows[b,h,n,t] = t when a listed id of row (b,h,n) is t's block and
    // t is within its valid size, else -1: over (b, h, n, t, s), reduction
    // over the list slots s.
    Value rows = genericOp(
        rewriter, loc, {adaptor.getKvIndices(), adaptor.getKvCounts()},
        filledTensor(rewriter, loc, {is[0], is[1], is[2], T},
                     rewriter.getI32IntegerAttr(-1)),
        {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1), d(2)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          using P = arith::CmpIPredicate;
          Value id = a[0], count = a[1], acc = a[2];
          Value t = arith::IndexCastOp::create(
              nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 3));
          Value s = arith::IndexCastOp::create(
              nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 4));
          Value bkvC = constI32(nb, nl, bkv);
          Value block = arith::DivUIOp::create(nb, nl, t, bkvC);
          Value off = arith::RemUIOp::create(nb, nl, t, bkvC);
          Value listed = arith::AndIOp::create(
              nb, nl, arith::CmpIOp::create(nb, nl, P::slt, s, count),
              arith::CmpIOp::create(nb, nl, P::eq, id, block));
          // block < Nkv always (t < Skv), so the size lookup is in range.
          Value size = bkvC;
          if (sizes)
            size = tensor::ExtractOp::create(
                nb, nl, sizes,
                ValueRange{arith::IndexCastOp::create(nb, nl,
                                                      nb.getIndexType(), block)});
          Value valid = arith::AndIOp::create(
              nb, nl, listed, arith::CmpIOp::create(nb, nl, P::slt, off, size));
          return arith::SelectOp::create(nb, nl, valid, t, acc);
        });
    AttentionInputs in =
        attentionInputs(rewriter, loc, adaptor.getQ(), adaptor.getK(),
                        adaptor.getV(), rows, blockRowMap(bq), T, op.getScale());
    rewriter.replaceOp(op, buildAttentionGrad(rewriter, loc, in,
                                              adaptor.getDout()));
    return success();
  }
};

} // namespace

void mlir::attn::populateAttentionGradToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SdpaGradToLinalg, BlockSparseGradToLinalg>(
      patterns.getContext());
}
