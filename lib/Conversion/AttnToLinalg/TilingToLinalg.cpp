//===- TilingToLinalg.cpp - attn.tile / attn.untile as one gather ---------===//
//
// Both ops become a single linalg.generic over the result that reads the
// source through a constant slot table derived from TileGeometry, so the
// permutation is data, computed once at compile time.
//
//===----------------------------------------------------------------------===//

#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/TileGeometry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

Value mlir::attn::buildTokenGather(OpBuilder &b, Location loc, Value input,
                                  RankedTensorType resultType,
                                  ArrayRef<int64_t> table) {
  MLIRContext *ctx = b.getContext();
  Value tableT = constI32Tensor(b, loc, table);
  // Batch, heads and head_dim as the input's (dynamic ones via tensor.dim);
  // the token count is the layout's, always static.
  SmallVector<OpFoldResult> sizes = mixedSizes(b, loc, input);
  sizes[2] = b.getIndexAttr(resultType.getDimSize(2));
  Value init = emptyTensor(b, loc, sizes, resultType.getElementType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap seq = AffineMap::get(4, 0, {getAffineDimExpr(2, ctx)}, ctx);
  bool hasPads = llvm::any_of(table, [](int64_t v) { return v < 0; });
  Type elt = resultType.getElementType();
  Value result = genericOp(
      b, loc, {tableT}, init, {seq, id}, iterators(4),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value src = args[0];
        Value zeroI = constI32(nb, nl, 0);
        Value safe = arith::MaxSIOp::create(nb, nl, src, zeroI);
        Value row = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), safe);
        SmallVector<Value> idx = {linalg::IndexOp::create(nb, nl, 0),
                                  linalg::IndexOp::create(nb, nl, 1), row,
                                  linalg::IndexOp::create(nb, nl, 3)};
        Value v = tensor::ExtractOp::create(nb, nl, input, idx);
        if (!hasPads)
          return v;
        Value isPad = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                            src, zeroI);
        Value zero = arith::ConstantOp::create(
            nb, nl, cast<TypedAttr>(nb.getZeroAttr(elt)));
        return arith::SelectOp::create(nb, nl, isPad, zero, v);
      });
  result.getDefiningOp()->setAttr(kTokenGatherAttr, b.getUnitAttr());
  return result;
}

namespace {

/// A grid with run-time sizes: each size as a Value (operands checked
/// >= 1 at run time, with `name` in the message), the tile counts n =
/// ceil(grid / tile), and a tile's clipped extent along a dimension.
struct RunTimeGrid {
  RunTimeGrid(OpBuilder &b, Location loc, ArrayRef<int64_t> grid,
              ValueRange values, ArrayRef<int64_t> tile, StringRef name)
      : tile(tile) {
    size_t next = 0;
    for (int d = 0; d < 3; ++d)
      g[d] = ShapedType::isDynamic(grid[d]) ? values[next++]
                                            : constIndex(b, loc, grid[d]);
    for (Value v : values)
      assertShape(b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v,
                                        constIndex(b, loc, 1)),
                  (name + ": grid sizes must be >= 1").str());
    for (int d = 0; d < 3; ++d)
      n[d] = arith::CeilDivUIOp::create(b, loc, g[d], constIndex(b, loc, tile[d]));
  }
  /// N = n_t * n_h * n_w.
  Value numTiles(OpBuilder &b, Location loc) const {
    return arith::MulIOp::create(b, loc, arith::MulIOp::create(b, loc, n[0], n[1]),
                                 n[2]);
  }
  /// (t, h, w) tile coordinates of tile j (tile-major order).
  std::array<Value, 3> coords(OpBuilder &b, Location loc, Value j) const {
    return {arith::DivUIOp::create(b, loc, j, arith::MulIOp::create(b, loc, n[1], n[2])),
            arith::RemUIOp::create(b, loc, arith::DivUIOp::create(b, loc, j, n[2]), n[1]),
            arith::RemUIOp::create(b, loc, j, n[2])};
  }
  /// min(tile[d], grid[d] - i * tile[d]): tile coordinate i's extent.
  Value extent(OpBuilder &b, Location loc, Value i, int d) const {
    Value a = constIndex(b, loc, tile[d]);
    return arith::MinUIOp::create(
        b, loc, a, arith::SubIOp::create(b, loc, g[d], arith::MulIOp::create(b, loc, i, a)));
  }
  ArrayRef<int64_t> tile;
  Value g[3], n[3];
};

/// tile / untile with run-time grid sizes: the same permutation as
/// TileGeometry's tables, computed per token in the gather's body. tile:
/// slot s of tile j (tile coordinates from j over n = ceil(grid / tile)) is
/// raster token ((t*H + h)*W + w) for the s-th position, row-major, in the
/// tile's clipped extents, or a pad slot (0) past them. untile: raster
/// token (t, h, w) reads slot j*P + (la*eh + lb)*ew + lc, (la, lb, lc) its
/// place in tile j and (eh, ew) that tile's clipped extents.
template <typename OpT>
Value dynamicGridGather(OpT op, typename OpT::Adaptor adaptor,
                        ConversionPatternRewriter &b) {
  constexpr bool isTile = std::is_same_v<OpT, TileOp>;
  StringRef name = isTile ? "attn.tile" : "attn.untile";
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  ArrayRef<int64_t> tile = op.getTile();
  RunTimeGrid grid(b, loc, op.getGrid(), adaptor.getGridValues(), tile, name);
  const Value *g = grid.g, *n = grid.n;
  auto mul = [&](OpBuilder &nb, Location l, Value x, Value y) {
    return arith::MulIOp::create(nb, l, x, y).getResult();
  };
  const int64_t P = tile[0] * tile[1] * tile[2];
  Value tokens = mul(b, loc, mul(b, loc, g[0], g[1]), g[2]);
  Value padded = mul(b, loc, grid.numTiles(b, loc), constIndex(b, loc, P));
  SmallVector<OpFoldResult> in = mixedSizes(b, loc, adaptor.getInput());
  assertSizesEqual(b, loc, in[2], isTile ? tokens : padded,
                   isTile ? "attn.tile: sequence length must equal the grid's T*H*W"
                          : "attn.untile: sequence length must equal the tiled "
                            "length N*P");
  SmallVector<OpFoldResult> sizes = in;
  sizes[2] = isTile ? padded : tokens;
  auto rt = cast<RankedTensorType>(op.getType());
  Type elt = rt.getElementType();
  Value init = emptyTensor(b, loc, sizes, elt);
  Value input = adaptor.getInput();
  Value result = genericOp(
      b, loc, {}, init, {AffineMap::getMultiDimIdentityMap(4, ctx)}, iterators(4),
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        auto c = [&](int64_t v) { return constIndex(nb, l, v); };
        auto div = [&](Value x, Value y) {
          return arith::DivUIOp::create(nb, l, x, y).getResult();
        };
        auto rem = [&](Value x, Value y) {
          return arith::RemUIOp::create(nb, l, x, y).getResult();
        };
        auto add = [&](Value x, Value y) {
          return arith::AddIOp::create(nb, l, x, y).getResult();
        };
        auto extent = [&](Value i, int d) { return grid.extent(nb, l, i, d); };
        Value r = linalg::IndexOp::create(nb, l, 2);
        Value src, valid;
        if (isTile) {
          Value j = div(r, c(P)), s = rem(r, c(P));
          auto [tt, th, tw] = grid.coords(nb, l, j);
          Value eh = extent(th, 1), ew = extent(tw, 2);
          Value count = mul(nb, l, mul(nb, l, extent(tt, 0), eh), ew);
          valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, s, count);
          Value sIn = arith::MinUIOp::create(
              nb, l, s, arith::SubIOp::create(nb, l, count, c(1)));
          Value la = div(sIn, mul(nb, l, eh, ew));
          Value lb = rem(div(sIn, ew), eh), lc = rem(sIn, ew);
          Value t = add(mul(nb, l, tt, c(tile[0])), la);
          Value h = add(mul(nb, l, th, c(tile[1])), lb);
          Value w = add(mul(nb, l, tw, c(tile[2])), lc);
          src = add(mul(nb, l, add(mul(nb, l, t, g[1]), h), g[2]), w);
        } else {
          Value hw = mul(nb, l, g[1], g[2]);
          Value t = div(r, hw), h = rem(div(r, g[2]), g[1]), w = rem(r, g[2]);
          Value tt = div(t, c(tile[0])), la = rem(t, c(tile[0]));
          Value th = div(h, c(tile[1])), lb = rem(h, c(tile[1]));
          Value tw = div(w, c(tile[2])), lc = rem(w, c(tile[2]));
          Value j = add(mul(nb, l, add(mul(nb, l, tt, n[1]), th), n[2]), tw);
          Value eh = extent(th, 1), ew = extent(tw, 2);
          Value slot = add(mul(nb, l, add(mul(nb, l, la, eh), lb), ew), lc);
          src = add(mul(nb, l, j, c(P)), slot);
        }
        SmallVector<Value> idx = {linalg::IndexOp::create(nb, l, 0),
                                  linalg::IndexOp::create(nb, l, 1), src,
                                  linalg::IndexOp::create(nb, l, 3)};
        Value v = tensor::ExtractOp::create(nb, l, input, idx);
        if (!valid)
          return v;
        Value zero = arith::ConstantOp::create(nb, l, cast<TypedAttr>(nb.getZeroAttr(elt)));
        return arith::SelectOp::create(nb, l, valid, v, zero);
      });
  if (result.getType() != rt)
    result = tensor::CastOp::create(b, loc, rt, result);
  return result;
}

template <typename OpT>
struct TilingToLinalg : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!adaptor.getGridValues().empty()) {
      rewriter.replaceOp(op, dynamicGridGather(op, adaptor, rewriter));
      return success();
    }
    std::optional<TileGeometry> geo =
        TileGeometry::get(op.getGrid(), op.getTile());
    if (!geo)
      return failure(); // The verifier has rejected such IR already.
    // A dynamic sequence must be the layout's length: checked at run time
    // (the verifier checks a static one).
    constexpr bool isTile = std::is_same_v<OpT, TileOp>;
    int64_t expected = isTile ? geo->numTokens() : geo->paddedLength();
    assertSizesEqual(rewriter, op.getLoc(),
                     mixedSizes(rewriter, op.getLoc(), adaptor.getInput())[2],
                     rewriter.getIndexAttr(expected),
                     isTile ? "attn.tile: sequence length must equal the "
                              "grid's T*H*W"
                            : "attn.untile: sequence length must equal the "
                              "tiled length N*P");
    SmallVector<int64_t> table =
        isTile ? geo->slotToRaster() : geo->rasterToSlot();
    rewriter.replaceOp(op, buildTokenGather(rewriter, op.getLoc(),
                                        adaptor.getInput(),
                                        cast<RankedTensorType>(op.getType()),
                                        table));
    return success();
  }
};

/// attn.tile_block_sizes: a constant for a static grid, else one generic
/// over the run-time tile count with each tile's clipped extents.
struct TileBlockSizesToLinalg : OpConversionPattern<TileBlockSizesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TileBlockSizesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> tile = op.getTile();
    if (adaptor.getGridValues().empty()) {
      std::optional<TileGeometry> geo = TileGeometry::get(op.getGrid(), tile);
      if (!geo)
        return failure(); // The verifier has rejected such IR already.
      rewriter.replaceOp(op, constI32Tensor(rewriter, loc, geo->validBlockSizes()));
      return success();
    }
    RunTimeGrid grid(rewriter, loc, op.getGrid(), adaptor.getGridValues(), tile,
                     "attn.tile_block_sizes");
    Value init = emptyTensor(rewriter, loc, {OpFoldResult(grid.numTiles(rewriter, loc))},
                             rewriter.getI32Type());
    Value sizes = genericOp(
        rewriter, loc, {}, init,
        {AffineMap::getMultiDimIdentityMap(1, op.getContext())}, iterators(1),
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          std::array<Value, 3> coord = grid.coords(nb, l, linalg::IndexOp::create(nb, l, 0));
          Value product = constIndex(nb, l, 1);
          for (int d = 0; d < 3; ++d)
            product = arith::MulIOp::create(nb, l, product, grid.extent(nb, l, coord[d], d));
          return arith::IndexCastOp::create(nb, l, nb.getI32Type(), product);
        });
    rewriter.replaceOp(op, sizes);
    return success();
  }
};

} // namespace

void mlir::attn::populateTilingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<TilingToLinalg<TileOp>, TilingToLinalg<UntileOp>,
               TileBlockSizesToLinalg>(patterns.getContext());
}
