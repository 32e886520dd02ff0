//===- ChunkOpsToLinalg.cpp - V-MoBA's chunk ops on the CPU path ---------===//
//
// attn.chunk_mean: a sum over each chunk's token slots (slots past the grid
// edge skipped) divided by the chunk's token count. attn.chunk_select: the
// gate q . key_means, then FastVideo's selection by ranks (as attn.block_topk
// lowers: rank[c] = #{c2 ranked before c}, so no sort is needed): top-k of
// the other chunks, or the min-max threshold rule, where "the mass ranked
// before c" is a sum over the chunks ranked before c. attn.chunk_attention:
// the shared masked-softmax builder over a key-row table that holds key t
// where row i selected t's chunk (-1 elsewhere).
//
//===----------------------------------------------------------------------===//

#include "AttentionLowering.h"
#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/ChunkGrid.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {
using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

ChunkGrid chunkGrid(DenseI64ArrayAttr grid, DenseI64ArrayAttr chunk) {
  return *ChunkGrid::get(grid.asArrayRef(), chunk.asArrayRef()); // verified
}

/// The chunk of raster token `s` (index) as an index.
Value chunkOfToken(OpBuilder &b, Location loc, const ChunkGrid &g, Value s) {
  auto c = [&](int64_t v) { return constIndex(b, loc, v); };
  auto div = [&](Value x, int64_t v) {
    return arith::DivUIOp::create(b, loc, x, c(v)).getResult();
  };
  auto rem = [&](Value x, int64_t v) {
    return arith::RemUIOp::create(b, loc, x, c(v)).getResult();
  };
  auto mulAdd = [&](Value x, int64_t m, Value y) {
    return arith::AddIOp::create(
               b, loc, arith::MulIOp::create(b, loc, x, c(m)), y)
        .getResult();
  };
  Value t = div(s, g.grid[1] * g.grid[2]);
  Value h = rem(div(s, g.grid[2]), g.grid[1]);
  Value w = rem(s, g.grid[2]);
  return mulAdd(mulAdd(div(t, g.chunk[0]), g.chunks[1], div(h, g.chunk[1])),
                g.chunks[2], div(w, g.chunk[2]));
}

/// The same as an affine expression of the token dim `s`.
AffineExpr chunkExpr(AffineExpr s, const ChunkGrid &g) {
  AffineExpr t = s.floorDiv(g.grid[1] * g.grid[2]);
  AffineExpr h = s.floorDiv(g.grid[2]) % g.grid[1];
  AffineExpr w = s % g.grid[2];
  return (t.floorDiv(g.chunk[0]) * g.chunks[1] + h.floorDiv(g.chunk[1])) *
             g.chunks[2] +
         w.floorDiv(g.chunk[2]);
}

/// Run-time check that a dynamic sequence length is the grid's token count.
void assertTokens(OpBuilder &b, Location loc, Value x, const ChunkGrid &g,
                  StringRef message) {
  assertSizesEqual(b, loc, mixedSizes(b, loc, x)[2], b.getIndexAttr(g.tokens()),
                   message);
}

Value isOwn(OpBuilder &b, Location loc, const ChunkGrid &g, unsigned sDim,
            Value c) {
  Value own = chunkOfToken(b, loc, g, linalg::IndexOp::create(b, loc, sDim));
  return arith::CmpIOp::create(b, loc, IP::eq, c, own);
}

struct ChunkMeanToLinalg : OpConversionPattern<ChunkMeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ChunkMeanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    ChunkGrid g = chunkGrid(op.getGridAttr(), op.getChunkAttr());
    Value x = adaptor.getInput();
    assertTokens(rewriter, loc, x, g,
                 "attn.chunk_mean: sequence length must be the grid's T*H*W");
    SmallVector<OpFoldResult> xs = mixedSizes(rewriter, loc, x);
    OpFoldResult C = rewriter.getIndexAttr(g.numChunks());
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // sum[b,h,c,dd] over slot p (b, h, c, dd, p): slot p of chunk c is token
    // (t, h, w) = chunk origin + (p / (ch*cw), p / cw % ch, p % cw).
    // Every loop dim must index some operand: an (unread) [slots] tensor
    // gives p its range.
    Value slots = emptyTensor(rewriter, loc,
                              {rewriter.getIndexAttr(g.chunkTokens())},
                              rewriter.getF32Type());
    Value sum = genericOp(
        rewriter, loc, {slots},
        filledTensor(rewriter, loc, {xs[0], xs[1], C, xs[3]},
                     rewriter.getF32FloatAttr(0)),
        {AffineMap::get(5, 0, {d(4)}, ctx),
         AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
        iterators(4, 1),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          auto c = [&](int64_t v) { return constIndex(nb, nl, v); };
          auto div = [&](Value v, int64_t m) {
            return arith::DivUIOp::create(nb, nl, v, c(m)).getResult();
          };
          auto rem = [&](Value v, int64_t m) {
            return arith::RemUIOp::create(nb, nl, v, c(m)).getResult();
          };
          Value ci = linalg::IndexOp::create(nb, nl, 2);
          Value p = linalg::IndexOp::create(nb, nl, 4);
          Value origin[3] = {div(ci, g.chunks[1] * g.chunks[2]),
                             rem(div(ci, g.chunks[2]), g.chunks[1]),
                             rem(ci, g.chunks[2])};
          Value slot[3] = {div(p, g.chunk[1] * g.chunk[2]),
                           rem(div(p, g.chunk[2]), g.chunk[1]),
                           rem(p, g.chunk[2])};
          Value valid = arith::ConstantIntOp::create(nb, nl, 1, 1);
          Value pos[3];
          for (int i = 0; i < 3; ++i) {
            pos[i] = arith::AddIOp::create(
                nb, nl, arith::MulIOp::create(nb, nl, origin[i], c(g.chunk[i])),
                slot[i]);
            valid = arith::AndIOp::create(
                nb, nl, valid,
                arith::CmpIOp::create(nb, nl, IP::ult, pos[i], c(g.grid[i])));
          }
          Value s = arith::AddIOp::create(
              nb, nl,
              arith::MulIOp::create(
                  nb, nl,
                  arith::AddIOp::create(
                      nb, nl, arith::MulIOp::create(nb, nl, pos[0], c(g.grid[1])),
                      pos[1]),
                  c(g.grid[2])),
              pos[2]);
          s = arith::SelectOp::create(nb, nl, valid, s, c(0));
          Value v = toF32(nb, nl,
                          tensor::ExtractOp::create(
                              nb, nl, x,
                              ValueRange{linalg::IndexOp::create(nb, nl, 0),
                                         linalg::IndexOp::create(nb, nl, 1), s,
                                         linalg::IndexOp::create(nb, nl, 3)}));
          return arith::AddFOp::create(
              nb, nl, a[1],
              arith::SelectOp::create(nb, nl, valid, v, constF32(nb, nl, 0)));
        });
    // Divide by each chunk's token count (a constant per chunk).
    SmallVector<float> counts;
    for (int64_t c = 0; c < g.numChunks(); ++c)
      counts.push_back(static_cast<float>(g.chunkSize(c)));
    auto countType = RankedTensorType::get({g.numChunks()}, rewriter.getF32Type());
    Value countTensor = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(countType, ArrayRef<float>(counts)));
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value mean = genericOp(
        rewriter, loc, {sum, countTensor},
        emptyTensor(rewriter, loc, {xs[0], xs[1], C, xs[3]}, rewriter.getF32Type()),
        {id4, AffineMap::get(4, 0, {d(2)}, ctx), id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return arith::DivFOp::create(nb, nl, a[0], a[1]);
        });
    rewriter.replaceOp(op, mean);
    return success();
  }
};

struct ChunkSelectToLinalg : OpConversionPattern<ChunkSelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ChunkSelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    ChunkGrid g = chunkGrid(op.getGridAttr(), op.getChunkAttr());
    Value q = adaptor.getQ(), km = adaptor.getKeyMeans();
    assertTokens(rewriter, loc, q, g,
                 "attn.chunk_select: sequence length must be the grid's T*H*W");
    SmallVector<OpFoldResult> qs = mixedSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> ks = mixedSizes(rewriter, loc, km);
    const char *kmMsg = "attn.chunk_select: 'key_means' must be [B, H, C, D] of q's "
                        "B, H and D and the grid's C chunks";
    for (int i : {0, 1, 3})
      assertSizesEqual(rewriter, loc, ks[i], qs[i], kmMsg);
    assertSizesEqual(rewriter, loc, ks[2], rewriter.getIndexAttr(g.numChunks()), kmMsg);
    OpFoldResult B = qs[0], H = qs[1], S = qs[2];
    OpFoldResult C = rewriter.getIndexAttr(g.numChunks());
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
      return AffineMap::get(n, 0, e, ctx);
    };
    AffineMap id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    AffineMap bhs4 = map(4, {d(0), d(1), d(2)});
    AffineMap at3 = map(5, {d(0), d(1), d(2), d(3)});
    AffineMap at4 = map(5, {d(0), d(1), d(2), d(4)});
    auto f32Tensor = [&](ArrayRef<OpFoldResult> sizes, float v) {
      return filledTensor(rewriter, loc, sizes, rewriter.getF32FloatAttr(v));
    };
    auto idx = [](OpBuilder &nb, Location nl, unsigned dim) {
      return linalg::IndexOp::create(nb, nl, dim).getResult();
    };
    auto lowerId = [&](OpBuilder &nb, Location nl) {
      return arith::CmpIOp::create(nb, nl, IP::ult, idx(nb, nl, 4), idx(nb, nl, 3))
          .getResult();
    };
    auto boolToI32 = [](OpBuilder &nb, Location nl, Value c) {
      return arith::ExtUIOp::create(nb, nl, nb.getI32Type(), c).getResult();
    };
    auto selectF = [](OpBuilder &nb, Location nl, Value c, Value x, Value y) {
      return arith::SelectOp::create(nb, nl, c, x, y).getResult();
    };

    // gate[b,h,s,c] = sum_d q[b,h,s,d] * km[b,h,c,d] (b, h, s, c, d).
    Value gate = genericOp(
        rewriter, loc, {q, km}, f32Tensor({B, H, S, C}, 0),
        {map(5, {d(0), d(1), d(2), d(4)}), map(5, {d(0), d(1), d(3), d(4)}), at3},
        iterators(4, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value prod = arith::MulFOp::create(nb, nl, toF32(nb, nl, a[0]), a[1]);
          return arith::AddFOp::create(nb, nl, a[2], prod);
        });
    Value empty =
        emptyTensor(rewriter, loc, {B, H, S, C}, rewriter.getI1Type());

    if (auto topk = op.getTopkAttr()) {
      int64_t others = std::min<int64_t>(topk.getInt(), g.numChunks()) - 1;
      // rank[c] = #{c2 != own ranked before c} (b, h, s, c, c2).
      Value rank = genericOp(
          rewriter, loc, {gate, gate},
          filledTensor(rewriter, loc, {B, H, S, C}, rewriter.getI32IntegerAttr(0)),
          {at3, at4, at3}, iterators(4, 1),
          [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value notOwn = arith::XOrIOp::create(
                nb, nl, isOwn(nb, nl, g, 2, idx(nb, nl, 4)),
                arith::ConstantIntOp::create(nb, nl, 1, 1));
            Value before = arith::AndIOp::create(
                nb, nl, notOwn, ranksBefore(nb, nl, a[1], a[0], lowerId(nb, nl)));
            return arith::AddIOp::create(nb, nl, a[2], boolToI32(nb, nl, before));
          });
      Value sel = genericOp(
          rewriter, loc, {rank}, empty, {id4, id4}, iterators(4),
          [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value taken = arith::CmpIOp::create(nb, nl, IP::slt, a[0],
                                                constI32(nb, nl, others));
            return arith::OrIOp::create(nb, nl, taken,
                                        isOwn(nb, nl, g, 2, idx(nb, nl, 3)));
          });
      rewriter.replaceOp(op, sel);
      return success();
    }

    // Threshold: min-max normalization over the finite gates of a row.
    float thr = op.getThresholdAttr().getValueAsDouble();
    float inf = std::numeric_limits<float>::infinity();
    auto finite = [](OpBuilder &nb, Location nl, Value x) {
      Value z = arith::SubFOp::create(nb, nl, x, x);
      return arith::CmpFOp::create(nb, nl, FP::OEQ, z, constF32(nb, nl, 0))
          .getResult();
    };
    auto rowReduce = [&](float init, bool isMax) {
      return genericOp(
          rewriter, loc, {gate}, f32Tensor({B, H, S}, init), {id4, bhs4},
          iterators(3, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value x = selectF(nb, nl, finite(nb, nl, a[0]), a[0],
                              constF32(nb, nl, init));
            return isMax ? arith::MaxNumFOp::create(nb, nl, a[1], x).getResult()
                         : arith::MinNumFOp::create(nb, nl, a[1], x).getResult();
          });
    };
    Value gmin = rowReduce(inf, false), gmax = rowReduce(-inf, true);
    Value norm = genericOp(
        rewriter, loc, {gate, gmin, gmax}, f32Tensor({B, H, S, C}, 0),
        {id4, bhs4, bhs4, id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value den = arith::SubFOp::create(nb, nl, a[2], a[1]);
          Value small = arith::CmpFOp::create(nb, nl, FP::ULE, den,
                                              constF32(nb, nl, 1e-6f));
          den = selectF(nb, nl, small, constF32(nb, nl, 1), den);
          Value n = arith::DivFOp::create(
              nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]), den);
          return selectF(nb, nl, finite(nb, nl, a[0]), n, constF32(nb, nl, 0));
        });
    // Row sums: every chunk's n (total), the own chunk's, the others'.
    auto rowSum = [&](int which) { // 0: all, 1: own, 2: others
      return genericOp(
          rewriter, loc, {norm}, f32Tensor({B, H, S}, 0), {id4, bhs4},
          iterators(3, 1), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
            Value x = a[0];
            if (which) {
              Value own = isOwn(nb, nl, g, 2, idx(nb, nl, 3));
              x = which == 1 ? selectF(nb, nl, own, x, constF32(nb, nl, 0))
                             : selectF(nb, nl, own, constF32(nb, nl, 0), x);
            }
            return arith::AddFOp::create(nb, nl, a[1], x);
          });
    };
    Value total = rowSum(0), self = rowSum(1), rest = rowSum(2);
    // The others' values (own set to 0), ranked: rank[c] and the mass
    // ranked before c.
    Value others = genericOp(
        rewriter, loc, {norm}, f32Tensor({B, H, S, C}, 0), {id4, id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          return selectF(nb, nl, isOwn(nb, nl, g, 2, idx(nb, nl, 3)), constF32(nb, nl, 0),
                         a[0]);
        });
    auto [rank, prefix] = rankWithPrefix(rewriter, loc, others);
    Value sel = genericOp(
        rewriter, loc, {rank, prefix, total, self, rest}, empty,
        {id4, id4, bhs4, bhs4, bhs4, id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value den = arith::AddFOp::create(nb, nl, a[2], constF32(nb, nl, 1e-6f));
          Value remain = arith::MaximumFOp::create(
              nb, nl, constF32(nb, nl, 0),
              arith::SubFOp::create(nb, nl, constF32(nb, nl, thr),
                                    arith::DivFOp::create(nb, nl, a[3], den)));
          Value reachable = arith::CmpFOp::create(
              nb, nl, FP::OGE, arith::DivFOp::create(nb, nl, a[4], den), remain);
          Value first = arith::CmpIOp::create(nb, nl, IP::eq, a[0], constI32(nb, nl, 0));
          Value below = arith::CmpFOp::create(
              nb, nl, FP::OLT, arith::DivFOp::create(nb, nl, a[1], den), remain);
          Value firstTwo =
              arith::CmpIOp::create(nb, nl, IP::sle, a[0], constI32(nb, nl, 1));
          Value taken = arith::SelectOp::create(
              nb, nl, reachable, arith::OrIOp::create(nb, nl, first, below),
              firstTwo);
          return arith::OrIOp::create(nb, nl, taken,
                                      isOwn(nb, nl, g, 2, idx(nb, nl, 3)));
        });
    rewriter.replaceOp(op, sel);
    return success();
  }
};

struct ChunkAttentionToLinalg : OpConversionPattern<ChunkAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ChunkAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    ChunkGrid g = chunkGrid(op.getGridAttr(), op.getChunkAttr());
    Value q = adaptor.getQ(), k = adaptor.getK(), sel = adaptor.getSelection();
    assertQKVAgree(rewriter, loc, "attn.chunk_attention", q, k, adaptor.getV());
    assertTokens(rewriter, loc, q, g,
                 "attn.chunk_attention: sequence length must be the grid's T*H*W");
    assertTokens(rewriter, loc, k, g,
                 "attn.chunk_attention: key length must be the grid's T*H*W");
    SmallVector<OpFoldResult> qs = mixedSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> ss = mixedSizes(rewriter, loc, sel);
    const char *selMsg = "attn.chunk_attention: 'selection' must be [B, Hq, S, C]";
    for (int i : {0, 1})
      assertSizesEqual(rewriter, loc, ss[i], qs[i], selMsg);
    assertSizesEqual(rewriter, loc, ss[2], rewriter.getIndexAttr(g.tokens()), selMsg);
    assertSizesEqual(rewriter, loc, ss[3], rewriter.getIndexAttr(g.numChunks()), selMsg);
    OpFoldResult S = rewriter.getIndexAttr(g.tokens());
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // rows[b,h,i,t] = selection[b,h,i,chunk(t)] ? t : -1.
    Value rows = genericOp(
        rewriter, loc, {sel},
        emptyTensor(rewriter, loc, {qs[0], qs[1], S, S}, rewriter.getI32Type()),
        {AffineMap::get(4, 0, {d(0), d(1), d(2), chunkExpr(d(3), g)}, ctx),
         AffineMap::getMultiDimIdentityMap(4, ctx)},
        iterators(4), [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          Value t = arith::IndexCastOp::create(nb, nl, nb.getI32Type(),
                                               linalg::IndexOp::create(nb, nl, 3));
          return arith::SelectOp::create(nb, nl, a[0], t, constI32(nb, nl, -1));
        });
    AttentionInputs in = attentionInputs(rewriter, loc, q, k, adaptor.getV(),
                                         rows, tokenRowMap(), S, op.getScale());
    rewriter.replaceOp(op, buildAttention(rewriter, loc, in,
                                          op.getResult().getType(),
                                          /*withLse=*/false));
    return success();
  }
};

} // namespace

void mlir::attn::populateChunkOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ChunkMeanToLinalg, ChunkSelectToLinalg, ChunkAttentionToLinalg>(
      patterns.getContext());
}
