//===- BlockOpsToLinalg.cpp - masks, block means, exact top-k -------------===//

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
using P = arith::CmpIPredicate;

struct MaskFromLengthsToLinalg : OpConversionPattern<MaskFromLengthsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaskFromLengthsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    auto rt = cast<RankedTensorType>(op.getType());
    // [B, size]: B as the lengths' (a tensor.dim when dynamic).
    OpFoldResult B = mixedSizes(rewriter, op.getLoc(), adaptor.getLengths())[0];
    Value mask = genericOp(
        rewriter, op.getLoc(), {adaptor.getLengths()},
        emptyTensor(rewriter, op.getLoc(),
                    {B, rewriter.getIndexAttr(rt.getDimSize(1))},
                    rt.getElementType()),
        {AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx),
         AffineMap::getMultiDimIdentityMap(2, ctx)},
        iterators(2), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::CmpIOp::create(nb, nl, P::slt, loopIndexI32(nb, nl, 1),
                                       a[0]);
        });
    rewriter.replaceOp(op, mask);
    return success();
  }
};

/// mean[b,h,n,d] = sum_{p < size[n]} x[b,h,n*P+p,d] / size[n] (0 if empty).
struct BlockMeanToLinalg : OpConversionPattern<BlockMeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BlockMeanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto rt = cast<RankedTensorType>(op.getType());
    int64_t blk = op.getBlockAttr().getInt();
    SmallVector<OpFoldResult> xs = mixedSizes(rewriter, loc, adaptor.getInput());
    OpFoldResult B = xs[0], H = xs[1], D = xs[3];
    OpFoldResult N = assertWholeBlocks(rewriter, loc, xs[2], blk,
                                       "attn.block_mean: sequence length must "
                                       "be a multiple of 'block'");
    if (Value sizes = adaptor.getBlockSizes())
      assertSizesEqual(rewriter, loc, mixedSizes(rewriter, loc, sizes)[0], N,
                       "attn.block_mean: 'block_sizes' must have N entries");
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // Valid slots per block, clamped to [0, P] (attn-run rejects others).
    Value sizes = adaptor.getBlockSizes();
    if (!sizes) {
      std::optional<int64_t> n = getConstantIntValue(N);
      sizes = n ? constI32Tensor(rewriter, loc, SmallVector<int64_t>(*n, blk))
                : filledTensor(rewriter, loc, {N},
                               rewriter.getI32IntegerAttr(blk));
    }
    Value counts = genericOp(
        rewriter, loc, {sizes},
        emptyTensor(rewriter, loc, {N}, rewriter.getI32Type()),
        {AffineMap::getMultiDimIdentityMap(1, ctx),
         AffineMap::getMultiDimIdentityMap(1, ctx)},
        iterators(1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::MinSIOp::create(
              nb, nl, arith::MaxSIOp::create(nb, nl, a[0], constI32(nb, nl, 0)),
              constI32(nb, nl, blk));
        });
    // View the input as [B, H, N, P, D] and sum over (b, h, n, d, p),
    // reduction p.
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<OpFoldResult> blockShape = {B, H, N, rewriter.getIndexAttr(blk),
                                            D};
    auto blocksType = RankedTensorType::get(
        {rt.getDimSize(0), rt.getDimSize(1), rt.getDimSize(2), blk,
         rt.getDimSize(3)},
        it.getElementType());
    SmallVector<ReassociationIndices> groups = {{0}, {1}, {2, 3}, {4}};
    Value blocks = tensor::ExpandShapeOp::create(
        rewriter, loc, blocksType, adaptor.getInput(), groups, blockShape);
    Value sum = genericOp(
        rewriter, loc, {blocks, counts},
        filledTensor(rewriter, loc, {B, H, N, D}, rewriter.getF32FloatAttr(0)),
        {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4), d(3)}, ctx),
         AffineMap::get(5, 0, {d(2)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value valid = arith::CmpIOp::create(nb, nl, P::slt,
                                              loopIndexI32(nb, nl, 4), a[1]);
          Value x = arith::SelectOp::create(nb, nl, valid, toF32(nb, nl, a[0]),
                                            constF32(nb, nl, 0));
          return arith::AddFOp::create(nb, nl, a[2], x);
        });
    Type elt = rt.getElementType();
    Value mean = genericOp(
        rewriter, loc, {sum, counts},
        emptyTensor(rewriter, loc, {B, H, N, D}, elt),
        {AffineMap::getMultiDimIdentityMap(4, ctx),
         AffineMap::get(4, 0, {d(2)}, ctx),
         AffineMap::getMultiDimIdentityMap(4, ctx)},
        iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value n = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), a[1]);
          Value one = constF32(nb, nl, 1);
          Value m = arith::DivFOp::create(
              nb, nl, a[0], arith::MaximumFOp::create(nb, nl, n, one));
          return fromF32(nb, nl, m, elt);
        });
    rewriter.replaceOp(op, mean);
    return success();
  }
};

/// A run-time k as an index, after checking that it is positive (as the
/// verifier checks the attribute).
Value runTimeK(OpBuilder &b, Location loc, Value k) {
  if (!k.getType().isIndex())
    k = arith::IndexCastOp::create(b, loc, b.getIndexType(), k);
  Value positive = arith::CmpIOp::create(b, loc, P::sgt, k, constIndex(b, loc, 0));
  assertShape(b, loc, positive, "attn.block_topk: k must be positive");
  return k;
}

/// Exact top-k by rank: rank[j] = #{j' : s[j'] > s[j] or (s[j'] == s[j] and
/// j' < j)} is a permutation of 0..Nkv-1, so `rank < k` selects exactly k
/// ids and ties go to the lowest ids. The order is torch.topk's (SPEC): every
/// NaN ranks above +inf and NaNs tie with each other; -0.0 ties with +0.0.
struct BlockTopkToLinalg : OpConversionPattern<BlockTopkOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BlockTopkOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    SmallVector<OpFoldResult> ss =
        mixedSizes(rewriter, loc, adaptor.getScores());
    OpFoldResult B = ss[0], H = ss[1], Nq = ss[2], Nkv = ss[3];
    // K = min(k, Nkv): static when k and Nkv are, computed otherwise.
    std::optional<int64_t> staticK;
    OpFoldResult K;
    Value kI32;
    std::optional<int64_t> nkv = getConstantIntValue(Nkv);
    if (op.getKAttr() && nkv) {
      staticK = std::min<int64_t>(op.getKAttr().getInt(), *nkv);
      K = rewriter.getIndexAttr(*staticK);
    } else {
      Value k = op.getKAttr()
                    ? constIndex(rewriter, loc, op.getKAttr().getInt())
                    : runTimeK(rewriter, loc, adaptor.getKValue());
      Value kv = arith::MinUIOp::create(rewriter, loc,
                                        sizeValue(rewriter, loc, Nkv), k);
      K = kv;
      kI32 = arith::IndexCastOp::create(rewriter, loc, rewriter.getI32Type(), kv);
    }
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap at3 = AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx);
    AffineMap at4 = AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx);
    auto zeroI32 = [&](ArrayRef<OpFoldResult> sizes) {
      return filledTensor(rewriter, loc, sizes, rewriter.getI32IntegerAttr(0));
    };
    auto boolToI32 = [&](OpBuilder &nb, Location nl, Value c) {
      return arith::ExtUIOp::create(nb, nl, nb.getI32Type(), c).getResult();
    };

    // rank over (b, h, i, j, j2), reduction j2.
    Value rank = genericOp(
        rewriter, loc, {adaptor.getScores(), adaptor.getScores()},
        zeroI32({B, H, Nq, Nkv}), {at3, at4, at3}, iterators(4, 1),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value lower = arith::CmpIOp::create(nb, nl, P::slt,
                                              loopIndexI32(nb, nl, 4),
                                              loopIndexI32(nb, nl, 3));
          Value before = ranksBefore(nb, nl, a[1], a[0], lower);
          return arith::AddIOp::create(nb, nl, a[2], boolToI32(nb, nl, before));
        });
    auto selected = [&](OpBuilder &nb, Location nl, Value r) {
      return arith::CmpIOp::create(nb, nl, P::slt, r,
                                   staticK ? constI32(nb, nl, *staticK) : kI32)
          .getResult();
    };
    // pos[j] = #{j2 < j selected}: the slot of j in the ascending list.
    Value pos = genericOp(
        rewriter, loc, {rank}, zeroI32({B, H, Nq, Nkv}), {at4, at3},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value lower = arith::CmpIOp::create(nb, nl, P::slt,
                                              loopIndexI32(nb, nl, 4),
                                              loopIndexI32(nb, nl, 3));
          Value c = arith::AndIOp::create(nb, nl, lower,
                                          selected(nb, nl, a[0]));
          return arith::AddIOp::create(nb, nl, a[1], boolToI32(nb, nl, c));
        });
    // indices[m] = the selected j with pos[j] == m, over (b,h,i,m,j).
    Value indices = genericOp(
        rewriter, loc, {rank, pos}, zeroI32({B, H, Nq, K}), {at4, at4, at3},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value here = arith::CmpIOp::create(nb, nl, P::eq, a[1],
                                             loopIndexI32(nb, nl, 3));
          Value c = arith::AndIOp::create(nb, nl, here, selected(nb, nl, a[0]));
          Value j = arith::SelectOp::create(nb, nl, c, loopIndexI32(nb, nl, 4),
                                            constI32(nb, nl, 0));
          return arith::AddIOp::create(nb, nl, a[2], j);
        });
    Value counts =
        staticK ? filledTensor(rewriter, loc, {B, H, Nq},
                               rewriter.getI32IntegerAttr(*staticK))
                : linalg::FillOp::create(
                      rewriter, loc, ValueRange{kI32},
                      ValueRange{emptyTensor(rewriter, loc, {B, H, Nq},
                                             rewriter.getI32Type())})
                      .getResult(0);
    rewriter.replaceOp(op, {indices, counts});
    return success();
  }
};

} // namespace

void mlir::attn::populateBlockOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MaskFromLengthsToLinalg, BlockMeanToLinalg, BlockTopkToLinalg>(
      patterns.getContext());
}
