//===- ClusterOpsToLinalg.cpp - SVG2's cluster ops on the CPU path -------===//
//
// attn.kmeans: an scf.for over the rounds carrying (centroids, labels,
// sizes); a round is the distances [B,H,S,K], an argmin reduction with two
// outputs (distance, label: ties to the lower k, NaN as +inf so a label is
// always in range), the sizes and sums per cluster, and the means (an empty
// cluster keeps its centroid). attn.cluster_select: the size-weighted
// softmax of the centroid scores, then the top-p rule by ranks (as
// attn.block_topk lowers; no sort). attn.cluster_attention: the shared
// masked-softmax builder over a key-row table holding key t where
// selection[q_label(i), k_label(t)] (labels outside [0, QC) / [0, KC)
// select nothing).
//
//===----------------------------------------------------------------------===//

#include "AttentionLowering.h"
#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {
using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

struct KmeansToLinalg : OpConversionPattern<KmeansOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(KmeansOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value x = adaptor.getInput(), init = adaptor.getInit();
    SmallVector<OpFoldResult> xs = mixedSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> cs = mixedSizes(rewriter, loc, init);
    for (int i : {0, 1, 3})
      assertSizesEqual(rewriter, loc, cs[i], xs[i],
                       "attn.kmeans: 'init' must be [B, H, K, D] of the input's "
                       "B, H and D");
    OpFoldResult B = xs[0], H = xs[1], S = xs[2], D = xs[3], K = cs[2];
    if (!getConstantIntValue(K))
      assertShape(rewriter, loc,
                  arith::CmpIOp::create(rewriter, loc, IP::ugt, sizeValue(rewriter, loc, K),
                                        constIndex(rewriter, loc, 0)),
                  "attn.kmeans: 'init' must hold at least one centroid");
    Type f32 = rewriter.getF32Type();
    float inf = std::numeric_limits<float>::infinity();

    auto round = [&](OpBuilder &b, Location l, Value c, Value *labelsOut,
                     Value *sizesOut) -> Value {
      // dist[b,h,s,k] = sum_d (x - c)^2 over (b, h, s, k, d).
      Value dist = genericOp(
          b, l, {x, c}, filledTensor(b, l, {B, H, S, K}, b.getF32FloatAttr(0)),
          {dimsMap(ctx, 5, {0, 1, 2, 4}), dimsMap(ctx, 5, {0, 1, 3, 4}),
           dimsMap(ctx, 5, {0, 1, 2, 3})},
          iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value diff = arith::SubFOp::create(nb, nl, toF32(nb, nl, a[0]), a[1]);
            return arith::AddFOp::create(nb, nl, a[2],
                                         arith::MulFOp::create(nb, nl, diff, diff));
          });
      // argmin over k with two outputs: NaN counts as +inf, ties to the lower k.
      Value minInit = filledTensor(b, l, {B, H, S}, b.getF32FloatAttr(inf));
      // The label starts above every k, so the first k seen (even at +inf)
      // takes it: a label is always in [0, K).
      Value labInit = filledTensor(b, l, {B, H, S},
                                   b.getI32IntegerAttr(std::numeric_limits<int32_t>::max()));
      auto argmin = linalg::GenericOp::create(
          b, l, TypeRange{minInit.getType(), labInit.getType()}, ValueRange{dist},
          ValueRange{minInit, labInit},
          ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(4, ctx),
                              dimsMap(ctx, 4, {0, 1, 2}), dimsMap(ctx, 4, {0, 1, 2})},
          iterators(3, 1), [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value nan = arith::CmpFOp::create(nb, nl, FP::UNO, a[0], a[0]);
            Value d = arith::SelectOp::create(nb, nl, nan, constF32(nb, nl, inf), a[0]);
            Value k = loopIndexI32(nb, nl, 3);
            Value less = arith::CmpFOp::create(nb, nl, FP::OLT, d, a[1]);
            Value tie = arith::AndIOp::create(
                nb, nl, arith::CmpFOp::create(nb, nl, FP::OEQ, d, a[1]),
                arith::CmpIOp::create(nb, nl, IP::slt, k, a[2]));
            Value take = arith::OrIOp::create(nb, nl, less, tie);
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::SelectOp::create(nb, nl, take, d, a[1]),
                           arith::SelectOp::create(nb, nl, take, k, a[2])});
          });
      Value labels = argmin.getResult(1);
      // sizes[b,h,k] over (b, h, k, s); sums[b,h,k,d] over (b, h, k, d, s).
      Value sizes = genericOp(
          b, l, {labels}, filledTensor(b, l, {B, H, K}, b.getI32IntegerAttr(0)),
          {dimsMap(ctx, 4, {0, 1, 3}), dimsMap(ctx, 4, {0, 1, 2})}, iterators(3, 1),
          [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value mine = arith::CmpIOp::create(nb, nl, IP::eq, a[0], loopIndexI32(nb, nl, 2));
            return arith::AddIOp::create(
                nb, nl, a[1], arith::ExtUIOp::create(nb, nl, nb.getI32Type(), mine));
          });
      Value sums = genericOp(
          b, l, {labels, x}, filledTensor(b, l, {B, H, K, D}, b.getF32FloatAttr(0)),
          {dimsMap(ctx, 5, {0, 1, 4}), dimsMap(ctx, 5, {0, 1, 4, 3}),
           dimsMap(ctx, 5, {0, 1, 2, 3})},
          iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value mine = arith::CmpIOp::create(nb, nl, IP::eq, a[0], loopIndexI32(nb, nl, 2));
            Value v = arith::SelectOp::create(nb, nl, mine, toF32(nb, nl, a[1]),
                                              constF32(nb, nl, 0));
            return arith::AddFOp::create(nb, nl, a[2], v);
          });
      AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
      Value means = genericOp(
          b, l, {sums, sizes, c}, emptyTensor(b, l, {B, H, K, D}, f32),
          {id4, dimsMap(ctx, 4, {0, 1, 2}), id4, id4}, iterators(4),
          [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value n = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), a[1]);
            Value empty = arith::CmpIOp::create(nb, nl, IP::eq, a[1], constI32(nb, nl, 0));
            Value m = arith::DivFOp::create(
                nb, nl, a[0], arith::MaximumFOp::create(nb, nl, n, constF32(nb, nl, 1)));
            return arith::SelectOp::create(nb, nl, empty, a[2], m);
          });
      *labelsOut = labels;
      *sizesOut = sizes;
      return means;
    };

    int64_t rounds = op.getIterationsAttr().getInt();
    Value labels0 = filledTensor(rewriter, loc, {B, H, S}, rewriter.getI32IntegerAttr(0));
    Value sizes0 = filledTensor(rewriter, loc, {B, H, K}, rewriter.getI32IntegerAttr(0));
    auto loop = scf::ForOp::create(
        rewriter, loc, constIndex(rewriter, loc, 0), constIndex(rewriter, loc, rounds),
        constIndex(rewriter, loc, 1), ValueRange{init, labels0, sizes0},
        [&](OpBuilder &b, Location l, Value, ValueRange carried) {
          Value labels, sizes;
          Value c = round(b, l, carried[0], &labels, &sizes);
          scf::YieldOp::create(b, l, ValueRange{c, labels, sizes});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0), loop.getResult(2)});
    return success();
  }
};

struct ClusterSelectToLinalg : OpConversionPattern<ClusterSelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClusterSelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value qc = adaptor.getQCentroids(), kc = adaptor.getKCentroids(),
          ks = adaptor.getKSizes();
    SmallVector<OpFoldResult> qs = mixedSizes(rewriter, loc, qc);
    SmallVector<OpFoldResult> kss = mixedSizes(rewriter, loc, kc);
    SmallVector<OpFoldResult> zs = mixedSizes(rewriter, loc, ks);
    const char *msg = "attn.cluster_select: centroids [B, H, QC, D] / [B, H, KC, D] "
                      "and sizes [B, H, KC] must agree";
    for (int i : {0, 1, 3})
      assertSizesEqual(rewriter, loc, kss[i], qs[i], msg);
    for (int i : {0, 1})
      assertSizesEqual(rewriter, loc, zs[i], qs[i], msg);
    assertSizesEqual(rewriter, loc, zs[2], kss[2], msg);
    OpFoldResult B = qs[0], H = qs[1], QC = qs[2], KC = kss[2];
    // scale: the attribute, else 1/sqrt(D) (D static or not).
    float scale = resolveScale(op.getScale(), qc);
    Value dynScale = resolveDynamicScale(rewriter, loc, op.getScale(), qc);
    float inf = std::numeric_limits<float>::infinity();
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap bhq = dimsMap(ctx, 4, {0, 1, 2});
    AffineMap at3 = dimsMap(ctx, 5, {0, 1, 2, 3});
    auto f32Tensor = [&](ArrayRef<OpFoldResult> sizes, float v) {
      return filledTensor(rewriter, loc, sizes, rewriter.getF32FloatAttr(v));
    };
    Value scores = genericOp(
        rewriter, loc, {qc, kc}, f32Tensor({B, H, QC, KC}, 0),
        {dimsMap(ctx, 5, {0, 1, 2, 4}), dimsMap(ctx, 5, {0, 1, 3, 4}), at3},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nl, a[2],
                                       arith::MulFOp::create(nb, nl, a[0], a[1]));
        });
    scores = genericOp(
        rewriter, loc, {scores}, emptyTensor(rewriter, loc, {B, H, QC, KC},
                                             rewriter.getF32Type()),
        {id4, id4}, iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value s = dynScale ? dynScale : constF32(nb, nl, scale);
          return arith::MulFOp::create(nb, nl, a[0], s);
        });
    Value rowMax = genericOp(
        rewriter, loc, {scores}, f32Tensor({B, H, QC}, -inf), {id4, bhq},
        iterators(3, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::MaxNumFOp::create(nb, nl, a[1], a[0]);
        });
    Value weights = genericOp(
        rewriter, loc, {scores, rowMax, ks}, f32Tensor({B, H, QC, KC}, 0),
        {id4, bhq, dimsMap(ctx, 4, {0, 1, 3}), id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value e = math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
          Value n = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), a[2]);
          return arith::MulFOp::create(nb, nl, n, e);
        });
    Value total = genericOp(
        rewriter, loc, {weights}, f32Tensor({B, H, QC}, 0), {id4, bhq},
        iterators(3, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::AddFOp::create(nb, nl, a[1], a[0]);
        });
    Value probs = genericOp(
        rewriter, loc, {weights, total}, f32Tensor({B, H, QC, KC}, 0),
        {id4, bhq, id4}, iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::DivFOp::create(
              nb, nl, a[0],
              arith::MaximumFOp::create(nb, nl, a[1], constF32(nb, nl, 1e-12f)));
        });
    // rank[c] and the mass ranked before c.
    auto [rank, prefix] = rankWithPrefix(rewriter, loc, probs);
    // Always kept: floor(min_kc_ratio * KC) (Python's int() of a float).
    double ratio = op.getMinKcRatioAttr().getValueAsDouble();
    Value preserve;
    if (std::optional<int64_t> kcStatic = getConstantIntValue(KC)) {
      preserve =
          constI32(rewriter, loc, static_cast<int32_t>(ratio * double(*kcStatic)));
    } else {
      Value n = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                           sizeValue(rewriter, loc, KC));
      Value nf = arith::SIToFPOp::create(rewriter, loc, rewriter.getF64Type(), n);
      Value p = arith::MulFOp::create(
          rewriter, loc, nf,
          arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr(ratio)));
      preserve = arith::FPToSIOp::create(rewriter, loc, rewriter.getI32Type(), p);
    }
    float topP = op.getTopPAttr().getValueAsDouble();
    Value sel = genericOp(
        rewriter, loc, {rank, prefix},
        emptyTensor(rewriter, loc, {B, H, QC, KC}, rewriter.getI1Type()),
        {id4, id4, id4}, iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value first = arith::CmpIOp::create(nb, nl, IP::eq, a[0], constI32(nb, nl, 0));
          Value within = arith::CmpFOp::create(nb, nl, FP::OLE, a[1], constF32(nb, nl, topP));
          Value kept = arith::CmpIOp::create(nb, nl, IP::slt, a[0], preserve);
          return arith::OrIOp::create(nb, nl, first,
                                      arith::OrIOp::create(nb, nl, within, kept));
        });
    rewriter.replaceOp(op, sel);
    return success();
  }
};

struct ClusterAttentionToLinalg : OpConversionPattern<ClusterAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClusterAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value q = adaptor.getQ(), k = adaptor.getK(), sel = adaptor.getSelection();
    Value ql = adaptor.getQLabels(), kl = adaptor.getKLabels();
    assertQKVAgree(rewriter, loc, "attn.cluster_attention", q, k, adaptor.getV());
    SmallVector<OpFoldResult> qs = mixedSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> ks = mixedSizes(rewriter, loc, k);
    SmallVector<OpFoldResult> qls = mixedSizes(rewriter, loc, ql);
    SmallVector<OpFoldResult> kls = mixedSizes(rewriter, loc, kl);
    SmallVector<OpFoldResult> ss = mixedSizes(rewriter, loc, sel);
    for (int i : {0, 1, 2})
      assertSizesEqual(rewriter, loc, qls[i], qs[i],
                       "attn.cluster_attention: 'q_labels' must be [B, Hq, Sq]");
    for (int i : {0, 1})
      assertSizesEqual(rewriter, loc, kls[i], qs[i],
                       "attn.cluster_attention: 'k_labels' must be [B, Hq, Skv]");
    assertSizesEqual(rewriter, loc, kls[2], ks[2],
                     "attn.cluster_attention: 'k_labels' must be [B, Hq, Skv]");
    for (int i : {0, 1})
      assertSizesEqual(rewriter, loc, ss[i], qs[i],
                       "attn.cluster_attention: 'selection' must be [B, Hq, QC, KC]");
    // An empty selection dimension would leave no cluster to read (the
    // extract below clamps a label to 0).
    for (int i : {2, 3})
      if (!getConstantIntValue(ss[i]))
        assertShape(rewriter, loc,
                    arith::CmpIOp::create(rewriter, loc, IP::ugt,
                                          sizeValue(rewriter, loc, ss[i]),
                                          constIndex(rewriter, loc, 0)),
                    "attn.cluster_attention: 'selection' must have at least one query "
                    "and one key cluster");
    Value nq = arith::IndexCastOp::create(rewriter, loc, rewriter.getI32Type(),
                                          sizeValue(rewriter, loc, ss[2]));
    Value nk = arith::IndexCastOp::create(rewriter, loc, rewriter.getI32Type(),
                                          sizeValue(rewriter, loc, ss[3]));
    // rows[b,h,i,t] = selection[b,h,ql[i],kl[t]] ? t : -1 (labels out of
    // range select nothing).
    Value rows = genericOp(
        rewriter, loc, {ql, kl},
        emptyTensor(rewriter, loc, {qs[0], qs[1], qs[2], ks[2]}, rewriter.getI32Type()),
        {dimsMap(ctx, 4, {0, 1, 2}), dimsMap(ctx, 4, {0, 1, 3}),
         AffineMap::getMultiDimIdentityMap(4, ctx)},
        iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          auto inRange = [&](Value v, Value n) {
            return arith::AndIOp::create(
                nb, nl, arith::CmpIOp::create(nb, nl, IP::sge, v, constI32(nb, nl, 0)),
                arith::CmpIOp::create(nb, nl, IP::slt, v, n));
          };
          auto safe = [&](Value v, Value ok) {
            Value c = arith::SelectOp::create(nb, nl, ok, v, constI32(nb, nl, 0));
            return arith::IndexCastOp::create(nb, nl, nb.getIndexType(), c).getResult();
          };
          Value okQ = inRange(a[0], nq), okK = inRange(a[1], nk);
          Value s = tensor::ExtractOp::create(
              nb, nl, sel,
              ValueRange{loopIndex(nb, nl, 0), loopIndex(nb, nl, 1), safe(a[0], okQ), safe(a[1], okK)});
          Value take = arith::AndIOp::create(nb, nl, s, arith::AndIOp::create(nb, nl, okQ, okK));
          return arith::SelectOp::create(nb, nl, take, loopIndexI32(nb, nl, 3),
                                         constI32(nb, nl, -1));
        });
    AttentionInputs in = attentionInputs(rewriter, loc, q, k, adaptor.getV(), rows,
                                         tokenRowMap(), ks[2], op.getScale());
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in, op.getResult().getType(),
                                          /*withLse=*/false));
    return success();
  }
};

} // namespace

void mlir::attn::populateClusterOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<KmeansToLinalg, ClusterSelectToLinalg, ClusterAttentionToLinalg>(
      patterns.getContext());
}
