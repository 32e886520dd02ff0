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

#include "AttentionLowering.h"
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

float mlir::attn::detail::resolveScale(std::optional<APFloat> scale, Value q) {
  if (scale)
    return scale->convertToFloat();
  int64_t d = cast<RankedTensorType>(q.getType()).getDimSize(3);
  return 1.0f / std::sqrt(static_cast<float>(d));
}

/// The default scale 1/sqrt(D) as a run-time f32 when D is dynamic; null
/// otherwise (the scale is then a constant, as for static shapes).
Value mlir::attn::detail::resolveDynamicScale(OpBuilder &b, Location loc,
                          std::optional<APFloat> scale, Value q) {
  if (scale || !cast<RankedTensorType>(q.getType()).isDynamicDim(3))
    return Value();
  Value d = tensor::DimOp::create(b, loc, q, 3);
  Value di = arith::IndexCastOp::create(b, loc, b.getI64Type(), d);
  Value df = arith::SIToFPOp::create(b, loc, b.getF32Type(), di);
  return arith::DivFOp::create(b, loc, constF32(b, loc, 1.0f),
                               math::SqrtOp::create(b, loc, df));
}

/// Run-time checks of the q/k/v relations the verifier could not check
/// because a dimension is dynamic (static pairs were verified already and
/// emit nothing). They run before any compute of the op.
void mlir::attn::detail::assertQKVAgree(OpBuilder &b, Location loc, StringRef opName, Value q,
                    Value k, Value v) {
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, q),
                            ks = mixedSizes(b, loc, k),
                            vs = mixedSizes(b, loc, v);
  std::string prefix = (opName + ": ").str();
  static const char *dimNames[] = {"batch", "heads", "sequence", "head_dim"};
  for (int i = 0; i < 4; ++i)
    assertSizesEqual(b, loc, ks[i], vs[i],
                     prefix + dimNames[i] + " of 'v' must match 'k'");
  assertSizesEqual(b, loc, qs[0], ks[0],
                   prefix + "batch of 'k' must match batch of 'q'");
  assertSizesEqual(b, loc, qs[3], ks[3],
                   prefix + "head_dim of 'k' must match head_dim of 'q'");
  if (getConstantIntValue(qs[1]) && getConstantIntValue(ks[1]))
    return;
  // Hq % Hkv == 0 with Hkv > 0 (a zero Hkv would divide by zero below).
  Value hq = sizeValue(b, loc, qs[1]), hkv = sizeValue(b, loc, ks[1]);
  Value zero = constIndex(b, loc, 0);
  Value pos = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, hkv, zero);
  Value safe = arith::MaxUIOp::create(b, loc, hkv, constIndex(b, loc, 1));
  Value rem = arith::RemUIOp::create(b, loc, hq, safe);
  Value divides =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem, zero);
  assertShape(b, loc, arith::AndIOp::create(b, loc, pos, divides),
              prefix + "query heads must be a multiple of kv heads (> 0)");
}

RowMapFn mlir::attn::detail::blockRowMap(int64_t bq) {
  return [bq](MLIRContext *c, unsigned n, unsigned b, unsigned h, unsigned i,
              unsigned t) {
    return AffineMap::get(n, 0,
                          {getAffineDimExpr(b, c), getAffineDimExpr(h, c),
                           getAffineDimExpr(i, c).floorDiv(bq),
                           getAffineDimExpr(t, c)},
                          c);
  };
}

RowMapFn mlir::attn::detail::tokenRowMap() {
  return [](MLIRContext *c, unsigned n, unsigned b, unsigned h, unsigned i,
            unsigned t) {
    return AffineMap::get(n, 0,
                          {getAffineDimExpr(b, c), getAffineDimExpr(h, c),
                           getAffineDimExpr(i, c), getAffineDimExpr(t, c)},
                          c);
  };
}

AttentionInputs mlir::attn::detail::attentionInputs(
    OpBuilder &b, Location loc, Value q, Value k, Value v, Value rows,
    RowMapFn rowMap, OpFoldResult T, std::optional<APFloat> scale) {
  return AttentionInputs{q,
                         k,
                         v,
                         rows,
                         std::move(rowMap),
                         T,
                         resolveScale(scale, q),
                         resolveDynamicScale(b, loc, scale, q)};
}

Groups mlir::attn::detail::gqaGroups(OpBuilder &b, Location loc, Value q, Value k) {
  OpFoldResult groups = divSize(b, loc, mixedSizes(b, loc, q)[1],
                                mixedSizes(b, loc, k)[1]);
  Groups g;
  g.constant = getConstantIntValue(groups);
  if (!g.constant)
    g.value = sizeValue(b, loc, groups);
  return g;
}

Value mlir::attn::detail::readKV(OpBuilder &nb, Location nl, const Groups &groups,
                     Value kv, Value row, unsigned dimPos) {
  Value safe = arith::MaxSIOp::create(nb, nl, row, constI32(nb, nl, 0));
  Value r = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), safe);
  Value h = linalg::IndexOp::create(nb, nl, 1);
  Value g = h;
  if (groups.value)
    g = arith::DivUIOp::create(nb, nl, h, groups.value);
  else if (*groups.constant != 1)
    g = arith::DivUIOp::create(nb, nl, h, constIndex(nb, nl, *groups.constant));
  SmallVector<Value> idx = {linalg::IndexOp::create(nb, nl, 0), g, r,
                            linalg::IndexOp::create(nb, nl, dimPos)};
  return toF32(nb, nl, tensor::ExtractOp::create(nb, nl, kv, idx));
}

Value mlir::attn::detail::isValidRow(OpBuilder &nb, Location nl, Value row) {
  return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, row,
                               constI32(nb, nl, 0))
      .getResult();
}

AttentionProbs mlir::attn::detail::attentionProbs(OpBuilder &b, Location loc,
                                                  const AttentionInputs &in,
                                                  const Groups &groups) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, in.q);
  OpFoldResult B = qs[0], H = qs[1], S = qs[2], T = in.numKeys;
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  };
  const float negInf = -std::numeric_limits<float>::infinity();

  // 1. scores over (b, h, i, t, d), reduction d.
  Value scores = genericOp(
      b, loc, {in.q, in.rowTable},
      filledTensor(b, loc, {B, H, S, T}, b.getF32FloatAttr(0)),
      {map(5, {d(0), d(1), d(2), d(4)}), in.rowMap(ctx, 5, 0, 1, 2, 3),
       map(5, {d(0), d(1), d(2), d(3)})},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value kv = readKV(nb, nl, groups, in.k, a[1], 4);
        Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, a[0]), kv);
        return arith::AddFOp::create(nb, nl, a[2], prod);
      });

  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap row4 = in.rowMap(ctx, 4, 0, 1, 2, 3);
  AffineMap bhi4 = map(4, {d(0), d(1), d(2)});
  auto scaled = [&](OpBuilder &nb, Location nl, Value s) {
    Value scale = in.dynScale ? in.dynScale : constF32(nb, nl, in.scale);
    return arith::MulFOp::create(nb, nl, s, scale).getResult();
  };

  // 2. row max of the valid scaled scores.
  Value rowMax = genericOp(
      b, loc, {scores, in.rowTable},
      filledTensor(b, loc, {B, H, S}, b.getF32FloatAttr(negInf)),
      {id4, row4, bhi4}, iterators(3, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value s = arith::SelectOp::create(nb, nl, isValidRow(nb, nl, a[1]),
                                          scaled(nb, nl, a[0]),
                                          constF32(nb, nl, negInf));
        return arith::MaximumFOp::create(nb, nl, a[2], s);
      });

  // 3. unnormalized probabilities.
  Value probs = genericOp(
      b, loc, {scores, in.rowTable, rowMax},
      emptyTensor(b, loc, {B, H, S, T}, f32),
      {id4, row4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value e = math::ExpOp::create(
            nb, nl,
            arith::SubFOp::create(nb, nl, scaled(nb, nl, a[0]), a[2]));
        return arith::SelectOp::create(nb, nl, isValidRow(nb, nl, a[1]), e,
                                       constF32(nb, nl, 0));
      });

  // 4. row sums.
  Value rowSum = genericOp(
      b, loc, {probs}, filledTensor(b, loc, {B, H, S}, b.getF32FloatAttr(0)),
      {id4, bhi4}, iterators(3, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, nl, a[0], a[1]);
      });
  return {probs, rowSum, rowMax};
}

Value mlir::attn::detail::sdpaKeyRows(OpBuilder &b, Location loc, StringRef opName,
                         Value keyMask, Value k) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> ks = mixedSizes(b, loc, k);
  OpFoldResult B = ks[0], T = ks[2];
  if (keyMask) {
    SmallVector<OpFoldResult> ms = mixedSizes(b, loc, keyMask);
    assertSizesEqual(b, loc, ms[0], B,
                     (opName + ": dim 0 of 'key_mask' must match batch of 'k'").str());
    assertSizesEqual(b, loc, ms[1], T,
                     (opName + ": dim 1 of 'key_mask' must match sequence of 'k'").str());
  }
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (keyMask) {
    ins.push_back(keyMask);
    maps.push_back(AffineMap::getMultiDimIdentityMap(2, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(2, ctx));
  return genericOp(
      b, loc, ins, emptyTensor(b, loc, {B, T}, b.getI32Type()), maps,
      iterators(2), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value t = arith::IndexCastOp::create(
            nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 1));
        if (a.size() == 1)
          return t;
        return arith::SelectOp::create(nb, nl, a[0], t, constI32(nb, nl, -1));
      });
}

AffineMap mlir::attn::detail::sdpaRowMap(MLIRContext *c, unsigned n, unsigned b, unsigned,
                             unsigned, unsigned t) {
  return AffineMap::get(n, 0, {getAffineDimExpr(b, c), getAffineDimExpr(t, c)},
                        c);
}

Value mlir::attn::detail::sumOverKeys(OpBuilder &b, Location loc,
                                      const AttentionInputs &in,
                                      const Groups &groups, Value w, Value kv) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, in.q);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Over (b, h, i, d, t), reduction t.
  return genericOp(
      b, loc, {w, in.rowTable},
      filledTensor(b, loc, {qs[0], qs[1], qs[2], qs[3]}, b.getF32FloatAttr(0)),
      {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
       in.rowMap(ctx, 5, 0, 1, 2, 4),
       AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
      iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value x = readKV(nb, nl, groups, kv, a[1], 3);
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], x));
      });
}

SmallVector<Value> mlir::attn::detail::buildAttention(
    OpBuilder &b, Location loc, const AttentionInputs &in,
    RankedTensorType resultType, bool withLse) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, in.q);
  OpFoldResult B = qs[0], H = qs[1], S = qs[2], D = qs[3];
  Groups groups = gqaGroups(b, loc, in.q, in.k);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
    return AffineMap::get(n, 0, e, ctx);
  };
  AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap bhi4 = map(4, {d(0), d(1), d(2)});
  auto [probs, rowSum, rowMax] = attentionProbs(b, loc, in, groups);

  // 5. weighted values.
  Value acc = sumOverKeys(b, loc, in, groups, probs, in.v);

  // 6. normalize; empty rows give 0.
  Type elt = resultType.getElementType();
  SmallVector<Value> results = {genericOp(
      b, loc, {acc, rowSum},
      emptyTensor(b, loc, {B, H, S, D}, elt),
      {id4, bhi4, id4}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value zero = constF32(nb, nl, 0);
        Value pos = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                          a[1], zero);
        Value q = arith::DivFOp::create(nb, nl, a[0], a[1]);
        Value r = arith::SelectOp::create(nb, nl, pos, q, zero);
        return fromF32(nb, nl, r, elt);
      })};
  if (withLse) {
    AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    results.push_back(genericOp(
        b, loc, {rowMax, rowSum}, emptyTensor(b, loc, {B, H, S}, b.getF32Type()),
        {id3, id3, id3}, iterators(3),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value zero = constF32(nb, nl, 0);
          Value pos = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                            a[1], zero);
          Value lse = arith::AddFOp::create(nb, nl, a[0],
                                            math::LogOp::create(nb, nl, a[1]));
          return arith::SelectOp::create(
              nb, nl, pos, lse,
              constF32(nb, nl, -std::numeric_limits<float>::infinity()));
        }));
  }
  return results;
}

namespace {

struct SdpaToLinalg : OpConversionPattern<SdpaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SdpaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    assertQKVAgree(rewriter, loc, "attn.sdpa", adaptor.getQ(), adaptor.getK(),
                   adaptor.getV());
    OpFoldResult T = mixedSizes(rewriter, loc, adaptor.getK())[2];
    Value rows = sdpaKeyRows(rewriter, loc, "attn.sdpa", adaptor.getKeyMask(),
                             adaptor.getK());
    AttentionInputs in =
        attentionInputs(rewriter, loc, adaptor.getQ(), adaptor.getK(),
                        adaptor.getV(), rows, sdpaRowMap, T,
                        op.getScale());
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in,
                                          op.getResult().getType(),
                                          static_cast<bool>(op.getLse())));
    return success();
  }
};

} // namespace

OpFoldResult mlir::attn::detail::assertBlockSparseShapes(OpBuilder &b, Location loc,
                                             int64_t bq, int64_t bkv, Value q,
                                             Value k, Value idx, Value cnt,
                                             Value sizes) {
  SmallVector<OpFoldResult> qs = mixedSizes(b, loc, q), ks = mixedSizes(b, loc, k),
                            is = mixedSizes(b, loc, idx),
                            cs = mixedSizes(b, loc, cnt);
  OpFoldResult nq = assertWholeBlocks(
      b, loc, qs[2], bq, "attn.block_sparse: query length must be a multiple of 'block_q'");
  OpFoldResult nkv = assertWholeBlocks(
      b, loc, ks[2], bkv, "attn.block_sparse: key length must be a multiple of 'block_kv'");
  const char *idxMsg = "attn.block_sparse: 'kv_indices' must have shape [B, Hq, Nq, K]";
  assertSizesEqual(b, loc, is[0], qs[0], idxMsg);
  assertSizesEqual(b, loc, is[1], qs[1], idxMsg);
  assertSizesEqual(b, loc, is[2], nq, idxMsg);
  const char *cntMsg = "attn.block_sparse: 'kv_counts' must have shape [B, Hq, Nq]";
  for (int i = 0; i < 3; ++i)
    assertSizesEqual(b, loc, cs[i], is[i], cntMsg);
  if (!getConstantIntValue(is[3]) || !getConstantIntValue(nkv))
    assertShape(b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                      sizeValue(b, loc, is[3]),
                                      sizeValue(b, loc, nkv)),
                "attn.block_sparse: K (ids per row of 'kv_indices') must be <= Nkv");
  if (sizes)
    assertSizesEqual(b, loc, mixedSizes(b, loc, sizes)[0], nkv,
                     "attn.block_sparse: 'kv_block_sizes' must have Nkv entries");
  return nkv;
}

Value mlir::attn::detail::blockSparseKeyRows(OpBuilder &rewriter, Location loc,
                                             int64_t bq, int64_t bkv, Value q, Value k,
                                             Value kvIndices, Value kvCounts, Value sizes,
                                             OpFoldResult &T) {
  MLIRContext *ctx = rewriter.getContext();
  OpFoldResult nkvSize =
      assertBlockSparseShapes(rewriter, loc, bq, bkv, q, k, kvIndices, kvCounts, sizes);
  SmallVector<OpFoldResult> is = mixedSizes(rewriter, loc, kvIndices);
  OpFoldResult B = is[0], H = is[1], Nq = is[2];
  T = mulSize(rewriter, loc, is[3], bkv);
  // Nkv and Nkv - 1 as i32 for the id clamp: constants when static.
  std::optional<int64_t> staticNkv = getConstantIntValue(nkvSize);
  Value nkvI32, lastI32;
  if (!staticNkv) {
    nkvI32 = arith::IndexCastOp::create(rewriter, loc, rewriter.getI32Type(),
                                        sizeValue(rewriter, loc, nkvSize));
    lastI32 = arith::SubIOp::create(rewriter, loc, nkvI32, constI32(rewriter, loc, 1));
  }
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // rows[b,h,n,t]: key token of position t of query block n's key list.
  return genericOp(
      rewriter, loc, {kvIndices, kvCounts},
      emptyTensor(rewriter, loc, {B, H, Nq, T}, rewriter.getI32Type()),
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
                                  staticNkv ? constI32(nb, nl, *staticNkv)
                                            : nkvI32));
        Value safeId = arith::MinSIOp::create(
            nb, nl, arith::MaxSIOp::create(nb, nl, id, constI32(nb, nl, 0)),
            staticNkv ? constI32(nb, nl, *staticNkv - 1) : lastI32);
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
}

namespace {

struct BlockSparseToLinalg : OpConversionPattern<BlockSparseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BlockSparseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    assertQKVAgree(rewriter, loc, "attn.block_sparse", adaptor.getQ(),
                   adaptor.getK(), adaptor.getV());
    int64_t bq = op.getBlockQAttr().getInt(), bkv = op.getBlockKvAttr().getInt();
    OpFoldResult T;
    Value rows = blockSparseKeyRows(rewriter, loc, bq, bkv, adaptor.getQ(), adaptor.getK(),
                                    adaptor.getKvIndices(), adaptor.getKvCounts(),
                                    adaptor.getKvBlockSizes(), T);
    AttentionInputs in =
        attentionInputs(rewriter, loc, adaptor.getQ(), adaptor.getK(),
                        adaptor.getV(), rows, blockRowMap(bq), T, op.getScale());
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in,
                                          op.getResult().getType(),
                                          static_cast<bool>(op.getLse())));
    return success();
  }
};

} // namespace

void mlir::attn::populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SdpaToLinalg, BlockSparseToLinalg>(patterns.getContext());
}
