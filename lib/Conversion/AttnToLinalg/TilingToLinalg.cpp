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

template <typename OpT>
struct TilingToLinalg : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
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

} // namespace

void mlir::attn::populateTilingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<TilingToLinalg<TileOp>, TilingToLinalg<UntileOp>>(
      patterns.getContext());
}
