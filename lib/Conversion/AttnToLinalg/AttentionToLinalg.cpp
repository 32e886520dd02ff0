//===- AttentionToLinalg.cpp - sdpa / block_sparse as masked softmax ------===//
//
// Both ops are "softmax attention over a key axis of length T", differing
// only in which key token (if any) sits at each position of that axis. That
// is captured by a key-row table of i32 (-1 = no key) read through an affine
// map, and one builder emits the stages:
//   scores[b,h,i,t] = q[b,h,i,:] . k[b,g,row,:]          (f32)
//   m[b,h,i]        = max_t (valid ? scale*s : -inf)
//   p[b,h,i,t]      = valid ? exp(scale*s - m) : 0,  l = sum_t p
//   out[b,h,i,:]    = l > 0 ? sum_t p * v[b,g,row,:] / l : 0
// Subtracting the row max keeps logits of +-1e4 finite; a row without a
// valid key has l == 0 and gives 0, never NaN.
//
//===----------------------------------------------------------------------===//

#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

/// Builds the indexing map of the key-row table for an iteration space of
/// `numDims` dims in which b, h, i (query token) and t (key position) sit at
/// the given positions.
using RowMapFn = std::function<AffineMap(MLIRContext *, unsigned numDims,
                                         unsigned b, unsigned h, unsigned i,
                                         unsigned t)>;

struct AttentionInputs {
  Value q, k, v;
  Value rowTable;
  RowMapFn rowMap;
  int64_t numKeys; // T
  float scale;
};

float resolveScale(std::optional<APFloat> scale, Value q) {
  if (scale)
    return scale->convertToFloat();
  int64_t d = cast<RankedTensorType>(q.getType()).getDimSize(3);
  return 1.0f / std::sqrt(static_cast<float>(d));
}

Value buildAttention(OpBuilder &b, Location loc, const AttentionInputs &in,
                     RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  auto qt = cast<RankedTensorType>(in.q.getType());
  auto kt = cast<RankedTensorType>(in.k.getType());
  int64_t B = qt.getDimSize(0), H = qt.getDimSize(1), S = qt.getDimSize(2),
          D = qt.getDimSize(3), T = in.numKeys;
  int64_t groups = H / kt.getDimSize(1);
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  };
  const float negInf = -std::numeric_limits<float>::infinity();

  // Reads k or v at (b, h / groups, max(row, 0), dimIndex) inside a body.
  auto readKV = [&](OpBuilder &nb, Location nl, Value kv, Value row,
                    unsigned dimPos) {
    Value safe = arith::MaxSIOp::create(nb, nl, row, constI32(nb, nl, 0));
    Value r = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), safe);
    Value h = linalg::IndexOp::create(nb, nl, 1);
    Value g = groups == 1 ? h
                          : arith::DivUIOp::create(nb, nl, h,
                                                   constIndex(nb, nl, groups))
                                .getResult();
    SmallVector<Value> idx = {linalg::IndexOp::create(nb, nl, 0), g, r,
                              linalg::IndexOp::create(nb, nl, dimPos)};
    return toF32(nb, nl, tensor::ExtractOp::create(nb, nl, kv, idx));
  };
  auto isValid = [](OpBuilder &nb, Location nl, Value row) {
    return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, row,
                                 constI32(nb, nl, 0))
        .getResult();
  };

  // 1. scores over (b, h, i, t, d), reduction d.
  Value scores = genericOp(
      b, loc, {in.q, in.rowTable}, filledTensor(b, loc, {B, H, S, T},
                                                b.getF32FloatAttr(0)),
      {map(5, {d(0), d(1), d(2), d(4)}), in.rowMap(ctx, 5, 0, 1, 2, 3),
       map(5, {d(0), d(1), d(2), d(3)})},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value kv = readKV(nb, nl, in.k, a[1], 4);
        Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, a[0]), kv);
        return arith::AddFOp::create(nb, nl, a[2], prod);
      });

  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap row4 = in.rowMap(ctx, 4, 0, 1, 2, 3);
  AffineMap bhi4 = map(4, {d(0), d(1), d(2)});
  auto scaled = [&](OpBuilder &nb, Location nl, Value s) {
    return arith::MulFOp::create(nb, nl, s, constF32(nb, nl, in.scale))
        .getResult();
  };

  // 2. row max of the valid scaled scores.
  Value rowMax = genericOp(
      b, loc, {scores, in.rowTable},
      filledTensor(b, loc, {B, H, S}, b.getF32FloatAttr(negInf)),
      {id4, row4, bhi4}, iterators(3, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value s = arith::SelectOp::create(nb, nl, isValid(nb, nl, a[1]),
                                          scaled(nb, nl, a[0]),
                                          constF32(nb, nl, negInf));
        return arith::MaximumFOp::create(nb, nl, a[2], s);
      });

  // 3. unnormalized probabilities.
  Value probs = genericOp(
      b, loc, {scores, in.rowTable, rowMax},
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{B, H, S, T}, f32),
      {id4, row4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value e = math::ExpOp::create(
            nb, nl,
            arith::SubFOp::create(nb, nl, scaled(nb, nl, a[0]), a[2]));
        return arith::SelectOp::create(nb, nl, isValid(nb, nl, a[1]), e,
                                       constF32(nb, nl, 0));
      });

  // 4. row sums.
  Value rowSum = genericOp(
      b, loc, {probs}, filledTensor(b, loc, {B, H, S}, b.getF32FloatAttr(0)),
      {id4, bhi4}, iterators(3, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, nl, a[0], a[1]);
      });

  // 5. weighted values over (b, h, i, d, t), reduction t.
  Value acc = genericOp(
      b, loc, {probs, in.rowTable},
      filledTensor(b, loc, {B, H, S, D}, b.getF32FloatAttr(0)),
      {map(5, {d(0), d(1), d(2), d(4)}), in.rowMap(ctx, 5, 0, 1, 2, 4),
       map(5, {d(0), d(1), d(2), d(3)})},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value vv = readKV(nb, nl, in.v, a[1], 3);
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], vv));
      });

  // 6. normalize; empty rows give 0.
  Type elt = resultType.getElementType();
  return genericOp(
      b, loc, {acc, rowSum},
      tensor::EmptyOp::create(b, loc, resultType.getShape(), elt),
      {id4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value zero = constF32(nb, nl, 0);
        Value pos = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                          a[1], zero);
        Value q = arith::DivFOp::create(nb, nl, a[0], a[1]);
        Value r = arith::SelectOp::create(nb, nl, pos, q, zero);
        return fromF32(nb, nl, r, elt);
      });
}

struct SdpaToLinalg : OpConversionPattern<SdpaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SdpaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto kt = cast<RankedTensorType>(adaptor.getK().getType());
    int64_t B = kt.getDimSize(0), T = kt.getDimSize(2);
    // rows[b, t] = key_mask[b, t] ? t : -1.
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    if (Value mask = adaptor.getKeyMask()) {
      ins.push_back(mask);
      maps.push_back(AffineMap::getMultiDimIdentityMap(2, ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(2, ctx));
    Value rows = genericOp(
        rewriter, loc, ins,
        tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{B, T},
                                rewriter.getI32Type()),
        maps, iterators(2),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value t = arith::IndexCastOp::create(
              nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 1));
          if (a.size() == 1)
            return t;
          return arith::SelectOp::create(nb, nl, a[0], t,
                                         constI32(nb, nl, -1));
        });
    AttentionInputs in{adaptor.getQ(),
                       adaptor.getK(),
                       adaptor.getV(),
                       rows,
                       [](MLIRContext *c, unsigned n, unsigned b, unsigned,
                          unsigned, unsigned t) {
                         return AffineMap::get(
                             n, 0, {getAffineDimExpr(b, c), getAffineDimExpr(t, c)},
                             c);
                       },
                       T,
                       resolveScale(op.getScale(), op.getQ())};
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in,
                                          cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct BlockSparseToLinalg : OpConversionPattern<BlockSparseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BlockSparseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto it = cast<RankedTensorType>(adaptor.getKvIndices().getType());
    auto kt = cast<RankedTensorType>(adaptor.getK().getType());
    int64_t B = it.getDimSize(0), H = it.getDimSize(1), Nq = it.getDimSize(2),
            K = it.getDimSize(3);
    int64_t bq = op.getBlockQAttr().getInt(), bkv = op.getBlockKvAttr().getInt();
    int64_t nkv = kt.getDimSize(2) / bkv, T = K * bkv;
    Value sizes = adaptor.getKvBlockSizes();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

    // rows[b,h,n,t]: key token of position t of query block n's key list.
    Value rows = genericOp(
        rewriter, loc, {adaptor.getKvIndices(), adaptor.getKvCounts()},
        tensor::EmptyOp::create(rewriter, loc,
                                ArrayRef<int64_t>{B, H, Nq, T},
                                rewriter.getI32Type()),
        {AffineMap::get(4, 0, {d(0), d(1), d(2), d(3).floorDiv(bkv)}, ctx),
         AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx),
         AffineMap::getMultiDimIdentityMap(4, ctx)},
        iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value id = a[0], count = a[1];
          Value t = arith::IndexCastOp::create(
              nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 3));
          Value bkvC = constI32(nb, nl, bkv);
          Value slot = arith::DivUIOp::create(nb, nl, t, bkvC);
          Value off = arith::RemUIOp::create(nb, nl, t, bkvC);
          using P = arith::CmpIPredicate;
          Value inList = arith::CmpIOp::create(nb, nl, P::slt, slot, count);
          // Ids are clamped so that bad input can never read out of bounds;
          // attn-run rejects out-of-range ids before running.
          Value inRange = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, P::sge, id, constI32(nb, nl, 0)),
              arith::CmpIOp::create(nb, nl, P::slt, id,
                                    constI32(nb, nl, nkv)));
          Value safeId = arith::MinSIOp::create(
              nb, nl, arith::MaxSIOp::create(nb, nl, id, constI32(nb, nl, 0)),
              constI32(nb, nl, nkv - 1));
          Value size = bkvC;
          if (sizes)
            size = tensor::ExtractOp::create(
                nb, nl, sizes,
                ValueRange{arith::IndexCastOp::create(
                    nb, nl, nb.getIndexType(), safeId)});
          Value inBlock = arith::CmpIOp::create(nb, nl, P::slt, off, size);
          Value valid = arith::AndIOp::create(
              nb, nl, arith::AndIOp::create(nb, nl, inList, inRange), inBlock);
          Value row = arith::AddIOp::create(
              nb, nl, arith::MulIOp::create(nb, nl, safeId, bkvC), off);
          return arith::SelectOp::create(nb, nl, valid, row,
                                         constI32(nb, nl, -1));
        });
    AttentionInputs in{
        adaptor.getQ(),
        adaptor.getK(),
        adaptor.getV(),
        rows,
        [bq](MLIRContext *c, unsigned n, unsigned b, unsigned h, unsigned i,
             unsigned t) {
          return AffineMap::get(n, 0,
                                {getAffineDimExpr(b, c), getAffineDimExpr(h, c),
                                 getAffineDimExpr(i, c).floorDiv(bq),
                                 getAffineDimExpr(t, c)},
                                c);
        },
        T,
        resolveScale(op.getScale(), op.getQ())};
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in,
                                          cast<RankedTensorType>(op.getType())));
    return success();
  }
};

} // namespace

void mlir::attn::populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SdpaToLinalg, BlockSparseToLinalg>(patterns.getContext());
}
