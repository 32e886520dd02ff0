//===- SageOpsToLinalg.cpp - attn.sage_sdpa's numerics on the CPU path ---===//
//
// An emulation of SageAttention2's default Hopper kernel in f32 linalg
// (docs/Sage.md; test/reference/sage_ref.py is the independent NumPy one):
//   k smoothed (mean over the sequence, rounded to the element type);
//   per-group INT8 of q and k (group amax reductions iterate a group's
//   slots, since linalg outputs cannot be indexed by a row's group);
//   exact integer scores times the scales and scale * log2(e);
//   the online softmax's running maximum per 128-key block as a prefix max
//   over block maxima, so the kernel's block-by-block accumulation becomes
//   one sum: out = sum_t w_t e4m3(P'_t) V8_t / sum_t w_t P'_t * v_scale with
//   P'_t = exp2(s_t - m_blk(t) + 8.807) and w_t = exp2(m_blk(t) - m_row).
// Static sequence lengths (the groups are counted at compile time).
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

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {
using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

constexpr int64_t kKeyBlock = 128;  // keys per online-softmax step
constexpr float kOffset = 8.807f;   // 2^8.807 ~ 448
constexpr float kLog2e = 1.44269504088896340736f;

AffineMap dims(MLIRContext *ctx, unsigned n, ArrayRef<AffineExpr> e) {
  return AffineMap::get(n, 0, e, ctx);
}

/// x rounded to `elt` and back to f32 (identity for f32).
Value roundTo(OpBuilder &b, Location loc, Value x, Type elt) {
  return toF32(b, loc, fromF32(b, loc, x, elt));
}

/// Round-to-nearest-even to float8 e4m3fn, saturating at +-448, in f32:
/// normal values keep 3 mantissa bits (the bf16 trick at bit 20), values
/// below 2^-6 round to multiples of 2^-9 by adding and removing 1.5 * 2^14.
Value e4m3(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  auto ci = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, i32, v); };
  Value a = math::AbsFOp::create(b, loc, x);
  Value bits = arith::BitcastOp::create(b, loc, i32, a);
  Value odd = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, ci(20)), ci(1));
  Value up = arith::AddIOp::create(b, loc, bits,
                                   arith::AddIOp::create(b, loc, ci(0x7FFFF), odd));
  Value normal = arith::BitcastOp::create(
      b, loc, b.getF32Type(),
      arith::AndIOp::create(b, loc, up, ci(static_cast<int32_t>(0xFFF00000u))));
  Value magic = constF32(b, loc, 24576.0f); // 1.5 * 2^14: ulp 2^-9
  Value sub = arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, a, magic), magic);
  Value isNormal = arith::CmpFOp::create(b, loc, FP::OGE, a, constF32(b, loc, 0.015625f));
  Value y = arith::SelectOp::create(b, loc, isNormal, normal, sub);
  y = arith::MinimumFOp::create(b, loc, y, constF32(b, loc, 448.0f));
  return math::CopySignOp::create(b, loc, y, x);
}

/// trunc(x / scale + 0.5 * sign): SageAttention's INT8 rounding, as f32.
Value int8Round(OpBuilder &b, Location loc, Value x, Value scale) {
  Value y = arith::DivFOp::create(b, loc, x, scale);
  Value half = math::CopySignOp::create(b, loc, constF32(b, loc, 0.5f), y);
  Value i = arith::FPToSIOp::create(b, loc, b.getI32Type(),
                                    arith::AddFOp::create(b, loc, y, half));
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i);
}

/// The Sage numerics over a key-position table: position t of query row i's
/// key axis holds key token rows[rowMap(b, h, i, t)] (-1: none); the online
/// softmax steps `step` positions at a time. Dense: rows[b, t] = t, step
/// 128 (the kernel's); block-sparse: the kv lists, step block_kv.
FailureOr<Value> buildSage(ConversionPatternRewriter &rewriter, Operation *op, Value q,
                           Value k, Value v, std::optional<APFloat> scaleAttr, Value rows,
                           const RowMapFn &rowMap, OpFoldResult T, int64_t step) {
    Location loc = op->getLoc();
    MLIRContext *ctx = op->getContext();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    int64_t sq = qt.getDimSize(2), skv = kt.getDimSize(2);
    std::optional<int64_t> positions = getConstantIntValue(T);
    if (ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv) || !positions)
      return op->emitOpError("has no CPU lowering for dynamic sequence lengths or "
                             "list lengths yet (its quantization groups and softmax "
                             "steps are counted at compile time)");
    Type elt = qt.getElementType();
    SmallVector<OpFoldResult> qs = mixedSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> ks = mixedSizes(rewriter, loc, k);
    OpFoldResult B = qs[0], Hq = qs[1], Sq = qs[2], D = qs[3], Hkv = ks[1], Skv = ks[2];
    auto I = [&](int64_t v) { return rewriter.getIndexAttr(v); };
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto f32Tensor = [&](ArrayRef<OpFoldResult> sizes, float v) {
      return filledTensor(rewriter, loc, sizes, rewriter.getF32FloatAttr(v));
    };
    float scale = resolveScale(scaleAttr, q) * kLog2e;
    Value dynScale = resolveDynamicScale(rewriter, loc, scaleAttr, q);
    Groups groups = gqaGroups(rewriter, loc, q, k);
    // The kv head of query head dim `h`: h / (Hq / Hkv) (static groups only
    // in affine maps; the dynamic case reads through readKV-like extracts).
    if (!groups.constant)
      return op->emitOpError("has no CPU lowering for a dynamic head count yet");
    int64_t grp = *groups.constant;
    float inf = std::numeric_limits<float>::infinity();
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);

    // 1. k smoothed: km = round(mean_n k), ks = round(k - km).
    Value ksum = genericOp(
        rewriter, loc, {k}, f32Tensor({B, Hkv, D}, 0), {id4, dims(ctx, 4, {d(0), d(1), d(3)})},
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction, utils::IteratorType::parallel},
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nl, a[1], toF32(nb, nl, a[0]));
        });
    Value ksm = genericOp(
        rewriter, loc, {k, ksum}, f32Tensor({B, Hkv, Skv, D}, 0),
        {id4, dims(ctx, 4, {d(0), d(1), d(3)}), id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value mean = roundTo(nb, nl,
                               arith::DivFOp::create(nb, nl, a[1],
                                                     constF32(nb, nl, float(skv))),
                               elt);
          return roundTo(nb, nl, arith::SubFOp::create(nb, nl, toF32(nb, nl, a[0]), mean),
                         elt);
        });

    // 2. Group scales. Group g of q holds rows 16 (g/8) + g%8 + 8 s (s < 2),
    // group g of k rows 128 (g/4) + 8 j + 2 (g%4) + u (slot 2j + u < 32).
    int64_t nq = (sq + 15) / 16 * 8, nk = (skv + kKeyBlock - 1) / kKeyBlock * 4;
    auto groupScale = [&](Value x, int64_t ngroups, int64_t slots, int64_t rows,
                          OpFoldResult heads,
                          function_ref<Value(OpBuilder &, Location, Value, Value)> rowOf) {
      Value slotRange = emptyTensor(rewriter, loc, {I(slots), D}, rewriter.getF32Type());
      Value amax = genericOp(
          rewriter, loc, {slotRange}, f32Tensor({B, heads, I(ngroups)}, 0),
          {dims(ctx, 5, {d(3), d(4)}), dims(ctx, 5, {d(0), d(1), d(2)})},
          iterators(3, 2), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value row = rowOf(nb, nl, loopIndex(nb, nl, 2), loopIndex(nb, nl, 3));
            Value valid = arith::CmpIOp::create(nb, nl, IP::ult, row,
                                                constIndex(nb, nl, rows));
            Value safe = arith::SelectOp::create(nb, nl, valid, row, constIndex(nb, nl, 0));
            Value xv = toF32(nb, nl, tensor::ExtractOp::create(
                                         nb, nl, x,
                                         ValueRange{loopIndex(nb, nl, 0), loopIndex(nb, nl, 1), safe,
                                                    loopIndex(nb, nl, 4)}));
            Value ax = arith::SelectOp::create(nb, nl, valid, math::AbsFOp::create(nb, nl, xv),
                                               constF32(nb, nl, 0));
            return arith::MaximumFOp::create(nb, nl, a[1], ax);
          });
      return genericOp(
          rewriter, loc, {amax}, f32Tensor({B, heads, I(ngroups)}, 0),
          {AffineMap::getMultiDimIdentityMap(3, ctx), AffineMap::getMultiDimIdentityMap(3, ctx)},
          iterators(3), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            return arith::AddFOp::create(
                nb, nl, arith::DivFOp::create(nb, nl, a[0], constF32(nb, nl, 127.0f)),
                constF32(nb, nl, 1e-7f));
          });
    };
    auto ci = [](OpBuilder &nb, Location nl, int64_t v) { return constIndex(nb, nl, v); };
    auto mul = [](OpBuilder &nb, Location nl, Value a, Value b) {
      return arith::MulIOp::create(nb, nl, a, b).getResult();
    };
    auto add = [](OpBuilder &nb, Location nl, Value a, Value b) {
      return arith::AddIOp::create(nb, nl, a, b).getResult();
    };
    Value qScale = groupScale(
        q, nq, 2, sq, Hq, [&](OpBuilder &nb, Location nl, Value g, Value s) {
          Value base = add(nb, nl,
                           mul(nb, nl, arith::DivUIOp::create(nb, nl, g, ci(nb, nl, 8)),
                               ci(nb, nl, 16)),
                           arith::RemUIOp::create(nb, nl, g, ci(nb, nl, 8)));
          return add(nb, nl, base, mul(nb, nl, s, ci(nb, nl, 8)));
        });
    Value kScale = groupScale(
        ksm, nk, 32, skv, Hkv, [&](OpBuilder &nb, Location nl, Value g, Value s) {
          Value blk = mul(nb, nl, arith::DivUIOp::create(nb, nl, g, ci(nb, nl, 4)),
                          ci(nb, nl, kKeyBlock));
          Value t2 = mul(nb, nl, arith::RemUIOp::create(nb, nl, g, ci(nb, nl, 4)),
                         ci(nb, nl, 2));
          Value j8 = mul(nb, nl, arith::DivUIOp::create(nb, nl, s, ci(nb, nl, 2)),
                         ci(nb, nl, 8));
          Value u = arith::RemUIOp::create(nb, nl, s, ci(nb, nl, 2));
          return add(nb, nl, add(nb, nl, blk, j8), add(nb, nl, t2, u));
        });
    auto qGroup = [&](AffineExpr r) { return r.floorDiv(16) * 8 + r % 8; };
    auto kGroup = [&](AffineExpr n) { return n.floorDiv(kKeyBlock) * 4 + (n % 8).floorDiv(2); };

    // 3. INT8 values (as f32).
    auto quantize = [&](Value x, Value sc, OpFoldResult heads, OpFoldResult len,
                        function_ref<AffineExpr(AffineExpr)> group) {
      return genericOp(
          rewriter, loc, {x, sc}, f32Tensor({B, heads, len, D}, 0),
          {id4, dims(ctx, 4, {d(0), d(1), group(d(2))}), id4}, iterators(4),
          [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            return int8Round(nb, nl, toF32(nb, nl, a[0]), a[1]);
          });
    };
    Value q8 = quantize(q, qScale, Hq, Sq, qGroup);
    Value k8 = quantize(ksm, kScale, Hkv, Skv, kGroup);

    // 4. Scores (log2 units) over (b, h, i, t, d).
    AffineExpr g = d(1).floorDiv(grp);
    Value dots = genericOp(
        rewriter, loc, {q8, k8}, f32Tensor({B, Hq, Sq, Skv}, 0),
        {dims(ctx, 5, {d(0), d(1), d(2), d(4)}), dims(ctx, 5, {d(0), g, d(3), d(4)}),
         dims(ctx, 5, {d(0), d(1), d(2), d(3)})},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nl, a[2], arith::MulFOp::create(nb, nl, a[0], a[1]));
        });
    Value scores = genericOp(
        rewriter, loc, {dots, qScale, kScale}, f32Tensor({B, Hq, Sq, Skv}, 0),
        {id4, dims(ctx, 4, {d(0), d(1), qGroup(d(2))}), dims(ctx, 4, {d(0), g, kGroup(d(3))}),
         id4},
        iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value c = arith::MulFOp::create(nb, nl, a[1], a[2]);
          Value sc = dynScale ? arith::MulFOp::create(nb, nl, dynScale,
                                                      constF32(nb, nl, kLog2e)).getResult()
                              : constF32(nb, nl, scale);
          return arith::MulFOp::create(nb, nl, arith::MulFOp::create(nb, nl, a[0], c), sc);
        });

    // 4b. Scores by key position (-inf where no key sits).
    Value pos = genericOp(
        rewriter, loc, {rows}, f32Tensor({B, Hq, Sq, T}, 0),
        {rowMap(ctx, 4, 0, 1, 2, 3), id4}, iterators(4),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value valid = arith::CmpIOp::create(nb2, nl, IP::sge, a[0], constI32(nb2, nl, 0));
          Value safe = arith::IndexCastOp::create(
              nb2, nl, nb2.getIndexType(),
              arith::MaxSIOp::create(nb2, nl, a[0], constI32(nb2, nl, 0)));
          Value s = tensor::ExtractOp::create(
              nb2, nl, scores,
              ValueRange{loopIndex(nb2, nl, 0), loopIndex(nb2, nl, 1), loopIndex(nb2, nl, 2),
                         safe});
          return arith::SelectOp::create(nb2, nl, valid, s, constF32(nb2, nl, -inf));
        });

    // 5. Step maxima, their prefix maxima (the running maximum), the row max.
    int64_t nb = (*positions + step - 1) / step;
    Value stepRange = emptyTensor(rewriter, loc, {I(step)}, rewriter.getF32Type());
    Value blockMax = genericOp(
        rewriter, loc, {stepRange}, f32Tensor({B, Hq, Sq, I(nb)}, -inf),
        {dims(ctx, 5, {d(4)}), dims(ctx, 5, {d(0), d(1), d(2), d(3)})}, iterators(4, 1),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value t = add(nb2, nl, mul(nb2, nl, loopIndex(nb2, nl, 3), ci(nb2, nl, step)),
                        loopIndex(nb2, nl, 4));
          Value valid = arith::CmpIOp::create(nb2, nl, IP::ult, t, ci(nb2, nl, *positions));
          Value safe = arith::SelectOp::create(nb2, nl, valid, t, ci(nb2, nl, 0));
          Value s = tensor::ExtractOp::create(
              nb2, nl, pos,
              ValueRange{loopIndex(nb2, nl, 0), loopIndex(nb2, nl, 1), loopIndex(nb2, nl, 2),
                         safe});
          Value x = arith::SelectOp::create(nb2, nl, valid, s, constF32(nb2, nl, -inf));
          return arith::MaximumFOp::create(nb2, nl, a[1], x);
        });
    Value runMax = genericOp(
        rewriter, loc, {blockMax}, f32Tensor({B, Hq, Sq, I(nb)}, -inf),
        {dims(ctx, 5, {d(0), d(1), d(2), d(4)}), dims(ctx, 5, {d(0), d(1), d(2), d(3)})},
        iterators(4, 1), [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value before = arith::CmpIOp::create(nb2, nl, IP::ule, loopIndex(nb2, nl, 4),
                                               loopIndex(nb2, nl, 3));
          Value x = arith::SelectOp::create(nb2, nl, before, a[0], constF32(nb2, nl, -inf));
          return arith::MaximumFOp::create(nb2, nl, a[1], x);
        });
    Value rowMax = genericOp(
        rewriter, loc, {blockMax}, f32Tensor({B, Hq, Sq}, -inf),
        {id4, dims(ctx, 4, {d(0), d(1), d(2)})}, iterators(3, 1),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          return arith::MaximumFOp::create(nb2, nl, a[1], a[0]);
        });

    // 6. V in FP8 per channel.
    Value vAmax = genericOp(
        rewriter, loc, {v}, f32Tensor({B, Hkv, D}, 0), {id4, dims(ctx, 4, {d(0), d(1), d(3)})},
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction, utils::IteratorType::parallel},
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          return arith::MaximumFOp::create(nb2, nl, a[1],
                                           math::AbsFOp::create(nb2, nl, toF32(nb2, nl, a[0])));
        });
    Value v8 = genericOp(
        rewriter, loc, {v, vAmax}, f32Tensor({B, Hkv, Skv, D}, 0),
        {id4, dims(ctx, 4, {d(0), d(1), d(3)}), id4}, iterators(4),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value zero = arith::CmpFOp::create(nb2, nl, FP::OEQ, a[1], constF32(nb2, nl, 0));
          Value recp = arith::DivFOp::create(nb2, nl, constF32(nb2, nl, 448.0f), a[1]);
          Value y = e4m3(nb2, nl, arith::MulFOp::create(nb2, nl, toF32(nb2, nl, a[0]), recp));
          return arith::SelectOp::create(nb2, nl, zero, constF32(nb2, nl, 0), y);
        });

    // 7. P' and its weight by position (0 where no key sits); numerator and
    // denominator.
    AffineMap blkMap = dims(ctx, 4, {d(0), d(1), d(2), d(3).floorDiv(step)});
    AffineMap rowMapQ = dims(ctx, 4, {d(0), d(1), d(2)});
    auto weighted = [&](bool roundP) {
      return genericOp(
          rewriter, loc, {pos, runMax, rowMax}, f32Tensor({B, Hq, Sq, T}, 0),
          {id4, blkMap, rowMapQ, id4}, iterators(4),
          [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
            Value valid = arith::CmpFOp::create(nb2, nl, FP::OGT, a[0],
                                                constF32(nb2, nl, -inf));
            Value p = math::Exp2Op::create(
                nb2, nl,
                arith::AddFOp::create(nb2, nl, arith::SubFOp::create(nb2, nl, a[0], a[1]),
                                      constF32(nb2, nl, kOffset)));
            Value w = math::Exp2Op::create(nb2, nl, arith::SubFOp::create(nb2, nl, a[1], a[2]));
            Value x = arith::MulFOp::create(nb2, nl, w, roundP ? e4m3(nb2, nl, p) : p);
            return arith::SelectOp::create(nb2, nl, valid, x, constF32(nb2, nl, 0));
          });
    };
    Value wp = weighted(false), wp8 = weighted(true);
    Value den = genericOp(
        rewriter, loc, {wp}, f32Tensor({B, Hq, Sq}, 0), {id4, rowMapQ}, iterators(3, 1),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(nb2, nl, a[1], a[0]);
        });
    Value num = genericOp(  // over (b, h, i, d, t)
        rewriter, loc, {wp8, rows}, f32Tensor({B, Hq, Sq, D}, 0),
        {dims(ctx, 5, {d(0), d(1), d(2), d(4)}), rowMap(ctx, 5, 0, 1, 2, 4),
         dims(ctx, 5, {d(0), d(1), d(2), d(3)})},
        iterators(4, 1), [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value x = readKV(nb2, nl, groups, v8, a[1], 3);
          return arith::AddFOp::create(nb2, nl, a[2], arith::MulFOp::create(nb2, nl, a[0], x));
        });
    AffineExpr gexpr = d(1).floorDiv(grp);
    return genericOp(
        rewriter, loc, {num, den, vAmax}, emptyTensor(rewriter, loc, {B, Hq, Sq, D}, elt),
        {id4, rowMapQ, dims(ctx, 4, {d(0), gexpr, d(3)}), id4}, iterators(4),
        [&](OpBuilder &nb2, Location nl, ValueRange a) -> Value {
          Value pos2 = arith::CmpFOp::create(nb2, nl, FP::OGT, a[1], constF32(nb2, nl, 0));
          Value o = arith::DivFOp::create(nb2, nl, a[0], a[1]);
          Value vs = arith::DivFOp::create(nb2, nl, a[2], constF32(nb2, nl, 448.0f));
          Value r = arith::SelectOp::create(nb2, nl, pos2,
                                            arith::MulFOp::create(nb2, nl, o, vs),
                                            constF32(nb2, nl, 0));
          return fromF32(nb2, nl, r, elt);
        });
}

struct SageSdpaToLinalg : OpConversionPattern<SageSdpaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SageSdpaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    assertQKVAgree(rewriter, loc, "attn.sage_sdpa", adaptor.getQ(), adaptor.getK(),
                   adaptor.getV());
    Value rows = sdpaKeyRows(rewriter, loc, "attn.sage_sdpa", Value(), adaptor.getK());
    FailureOr<Value> out = buildSage(
        rewriter, op, adaptor.getQ(), adaptor.getK(), adaptor.getV(), op.getScale(), rows,
        sdpaRowMap, mixedSizes(rewriter, loc, adaptor.getK())[2], kKeyBlock);
    if (failed(out))
      return failure();
    rewriter.replaceOp(op, *out);
    return success();
  }
};

struct SageBlockSparseToLinalg : OpConversionPattern<SageBlockSparseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SageBlockSparseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    assertQKVAgree(rewriter, loc, "attn.sage_block_sparse", adaptor.getQ(), adaptor.getK(),
                   adaptor.getV());
    int64_t bq = op.getBlockQAttr().getInt(), bkv = op.getBlockKvAttr().getInt();
    OpFoldResult T;
    Value rows = blockSparseKeyRows(rewriter, loc, bq, bkv, adaptor.getQ(), adaptor.getK(),
                                    adaptor.getKvIndices(), adaptor.getKvCounts(),
                                    adaptor.getKvBlockSizes(), T);
    FailureOr<Value> out =
        buildSage(rewriter, op, adaptor.getQ(), adaptor.getK(), adaptor.getV(), op.getScale(),
                  rows, blockRowMap(bq), T, bkv);
    if (failed(out))
      return failure();
    rewriter.replaceOp(op, *out);
    return success();
  }
};

} // namespace

void mlir::attn::populateSageOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SageSdpaToLinalg, SageBlockSparseToLinalg>(patterns.getContext());
}
