//===- AttnOps.cpp - attn dialect verifiers, inference and folds ----------===//
//
// Every diagnostic names the operand or attribute at fault and what was
// expected. Dynamic dimensions are accepted; constraints between dimensions
// are checked wherever both sides are static.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/TileGeometry.h"
#include "VerifyHelpers.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

using namespace mlir::attn::verify;

namespace {
int64_t ceilDivOrDyn(int64_t a, int64_t b) {
  return isKnown(a) ? a / b : ShapedType::kDynamic;
}

/// Shared by tile/untile inference: checks the input, returns the geometry.
std::optional<TileGeometry> inferTileGeometry(EmitFn emit, Type inputType,
                                              DenseI64ArrayAttr grid,
                                              DenseI64ArrayAttr tile) {
  if (!grid || !tile) {
    emit() << "requires attributes 'grid' and 'tile'";
    return std::nullopt;
  }
  auto t = dyn_cast<RankedTensorType>(inputType);
  if (!t || t.getRank() != 4) {
    emit() << "operand 'input' must be a rank-4 [batch, heads, seq, "
              "head_dim] tensor, got "
           << inputType;
    return std::nullopt;
  }
  std::string why;
  std::optional<TileGeometry> geo =
      TileGeometry::get(grid.asArrayRef(), tile.asArrayRef(), &why);
  if (!geo)
    emit() << "attribute " << why;
  return geo;
}
} // namespace

//===----------------------------------------------------------------------===//
// Counts given as an attribute or an operand (VSA topk, STA text_length)
//===----------------------------------------------------------------------===//

/// `63` (the attribute) or `%k` (the operand; its type comes from the
/// functional type), after the keyword.
static ParseResult
parseCountAttrOrValue(OpAsmParser &parser, IntegerAttr &attr,
                      std::optional<OpAsmParser::UnresolvedOperand> &value) {
  OpAsmParser::UnresolvedOperand operand;
  OptionalParseResult isOperand = parser.parseOptionalOperand(operand);
  if (isOperand.has_value()) {
    if (failed(*isOperand))
      return failure();
    value = operand;
    return success();
  }
  int64_t n = 0;
  if (parser.parseInteger(n))
    return failure();
  attr = parser.getBuilder().getI64IntegerAttr(n);
  return success();
}

static void printCountAttrOrValue(OpAsmPrinter &printer, Operation *,
                                  IntegerAttr attr, Value value) {
  if (value)
    printer << value;
  else if (attr)
    printer << attr.getInt();
}

/// `[1, 2, 3]` as a DenseI64ArrayAttr.
static ParseResult parseI64List(OpAsmParser &parser, DenseI64ArrayAttr &attr) {
  SmallVector<int64_t> values;
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
        return parser.parseInteger(values.emplace_back());
      }))
    return failure();
  attr = parser.getBuilder().getDenseI64ArrayAttr(values);
  return success();
}

/// `(window [..] | windows [..]) [text_length (N | %n)]` of sliding_tile:
/// the verifier requires exactly one of the windows; an absent text length
/// is 0.
static ParseResult parseWindowsAndTextLength(
    OpAsmParser &parser, DenseI64ArrayAttr &window, DenseI64ArrayAttr &windows,
    IntegerAttr &textLength,
    std::optional<OpAsmParser::UnresolvedOperand> &textLengthValue) {
  if (succeeded(parser.parseOptionalKeyword("window")) &&
      parseI64List(parser, window))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("windows")) &&
      parseI64List(parser, windows))
    return failure();
  if (failed(parser.parseOptionalKeyword("text_length")))
    return success();
  return parseCountAttrOrValue(parser, textLength, textLengthValue);
}

static void printWindowsAndTextLength(OpAsmPrinter &printer, Operation *op,
                                      DenseI64ArrayAttr window,
                                      DenseI64ArrayAttr windows,
                                      IntegerAttr textLength,
                                      Value textLengthValue) {
  StringRef sep = "";
  auto list = [&](StringRef name, DenseI64ArrayAttr attr) {
    if (!attr)
      return;
    printer << sep << name << " [";
    llvm::interleaveComma(attr.asArrayRef(), printer);
    printer << "]";
    sep = " ";
  };
  list("window", window);
  list("windows", windows);
  // The default (absent, or 0) is elided, as before operands existed.
  if (!textLengthValue && (!textLength || textLength.getInt() == 0))
    return;
  printer << sep << "text_length ";
  printCountAttrOrValue(printer, op, textLength, textLengthValue);
}

//===----------------------------------------------------------------------===//
// TileOp / UntileOp
//===----------------------------------------------------------------------===//

/// Checks of a grid with run-time sizes (ShapedType::kDynamic in 'grid',
/// one index operand each; tile, untile, tile_block_sizes): the tile is
/// valid and the static grid sizes positive.
static LogicalResult checkDynamicGrid(function_ref<InFlightDiagnostic()> emit,
                                      ArrayRef<int64_t> grid,
                                      DenseI64ArrayAttr tile, size_t numValues) {
  if (grid.size() != 3)
    return emit() << "attribute 'grid' must have 3 values (T, H, W), got "
                  << grid.size();
  size_t dynamic = llvm::count_if(grid, ShapedType::isDynamic);
  if (dynamic != numValues)
    return emit() << "'grid' has " << dynamic << " run-time sizes but "
                  << numValues << " index operands";
  // The tile's own checks: a grid of ones with this tile.
  std::string why;
  if (!tile || !TileGeometry::get({1, 1, 1}, tile.asArrayRef(), &why))
    return emit() << "attribute " << (tile ? why : "'tile' is required");
  for (auto [i, g] : llvm::enumerate(grid))
    if (!ShapedType::isDynamic(g) && g <= 0)
      return emit() << "attribute 'grid' values must be >= 1, got " << g
                    << " at position " << i;
  return success();
}

template <typename AdaptorT>
static LogicalResult inferTiling(MLIRContext *ctx, std::optional<Location> loc,
                                 AdaptorT adaptor, bool isTile, StringRef name,
                                 SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, name);
  DenseI64ArrayAttr grid = adaptor.getGridAttr();
  if (grid && (llvm::any_of(grid.asArrayRef(), ShapedType::isDynamic) ||
               !adaptor.getGridValues().empty())) {
    auto t = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!t || t.getRank() != 4)
      return emit() << "operand 'input' must be a rank-4 [batch, heads, seq, "
                       "head_dim] tensor, got "
                    << adaptor.getInput().getType();
    if (failed(checkDynamicGrid(emit, grid.asArrayRef(), adaptor.getTileAttr(),
                                adaptor.getGridValues().size())))
      return failure();
    SmallVector<int64_t> shape(t.getShape());
    shape[2] = ShapedType::kDynamic;
    inferred.push_back(RankedTensorType::get(shape, t.getElementType()));
    return success();
  }
  std::optional<TileGeometry> geo = inferTileGeometry(
      emit, adaptor.getInput().getType(), grid, adaptor.getTileAttr());
  if (!geo)
    return failure();
  auto t = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t s = t.getDimSize(2);
  if (isTile && isKnown(s) && s != geo->numTokens())
    return emit() << "operand 'input' sequence length " << s
                  << " must equal the grid's T*H*W = " << geo->numTokens();
  if (!isTile && isKnown(s) && s != geo->paddedLength())
    return emit() << "operand 'input' sequence length " << s
                  << " must equal the tiled length N*P = "
                  << geo->paddedLength() << " (" << geo->numTiles()
                  << " tiles of " << geo->slotsPerTile() << " slots)";
  SmallVector<int64_t> shape(t.getShape());
  shape[2] = isTile ? geo->paddedLength() : geo->numTokens();
  inferred.push_back(RankedTensorType::get(shape, t.getElementType()));
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  return inferTiling(ctx, loc, adaptor, /*isTile=*/true, getOperationName(),
                     inferred);
}

LogicalResult UntileOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  return inferTiling(ctx, loc, adaptor, /*isTile=*/false, getOperationName(),
                     inferred);
}

LogicalResult TileBlockSizesOp::inferReturnTypes(MLIRContext *ctx,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  DenseI64ArrayAttr grid = adaptor.getGridAttr();
  if (!grid || !adaptor.getTileAttr())
    return emit() << "requires attributes 'grid' and 'tile'";
  auto i32 = IntegerType::get(ctx, 32);
  if (llvm::any_of(grid.asArrayRef(), ShapedType::isDynamic) ||
      !adaptor.getGridValues().empty()) {
    if (failed(checkDynamicGrid(emit, grid.asArrayRef(), adaptor.getTileAttr(),
                                adaptor.getGridValues().size())))
      return failure();
    inferred.push_back(RankedTensorType::get({ShapedType::kDynamic}, i32));
    return success();
  }
  std::string why;
  std::optional<TileGeometry> geo =
      TileGeometry::get(grid.asArrayRef(), adaptor.getTile(), &why);
  if (!geo)
    return emit() << "attribute " << why;
  inferred.push_back(RankedTensorType::get({geo->numTiles()}, i32));
  return success();
}

OpFoldResult TileBlockSizesOp::fold(FoldAdaptor) {
  if (!getGridValues().empty())
    return {};
  std::optional<TileGeometry> geo = TileGeometry::get(getGrid(), getTile());
  if (!geo)
    return {};
  SmallVector<int32_t> sizes;
  for (int64_t v : geo->validBlockSizes())
    sizes.push_back(static_cast<int32_t>(v));
  return DenseElementsAttr::get(cast<ShapedType>(getType()), ArrayRef<int32_t>(sizes));
}

/// Moves the constant operands (1 to 2^20, what a static grid may hold) of
/// a mixed static/run-time size list into `sizes` (kDynamic entries, one
/// operand each in `values`); the other operands go to `remaining`.
/// Returns whether any moved.
static bool constantSizesToStatic(SmallVectorImpl<int64_t> &sizes,
                                  ValueRange values,
                                  SmallVectorImpl<Value> &remaining) {
  bool changed = false;
  size_t next = 0;
  for (int64_t &g : sizes) {
    if (!ShapedType::isDynamic(g))
      continue;
    Value v = values[next++];
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)) && c.getSExtValue() >= 1 &&
        c.getSExtValue() <= (int64_t(1) << 20)) {
      g = c.getSExtValue();
      changed = true;
    } else {
      remaining.push_back(v);
    }
  }
  return changed;
}

namespace {
/// tile/untile with constant grid operands: those sizes move into the
/// static 'grid' (a fully static grid gives the static result type; the
/// result is cast back to the old type for its users).
template <typename OpT> struct StaticGridFromConstants : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    SmallVector<int64_t> grid(op.getGrid());
    SmallVector<Value> values;
    bool changed = constantSizesToStatic(grid, op.getGridValues(), values);
    // A fully static grid must be one the static form accepts (sizes up to
    // 2^20, a static sequence of the grid's length): else the run-time check
    // reports it.
    if (!changed)
      return failure();
    if (values.empty()) {
      std::optional<TileGeometry> geo = TileGeometry::get(grid, op.getTile());
      if (!geo)
        return failure();
      if constexpr (!std::is_same_v<OpT, TileBlockSizesOp>) {
        int64_t s = cast<RankedTensorType>(op.getInput().getType()).getDimSize(2);
        int64_t want = std::is_same_v<OpT, TileOp> ? geo->numTokens() : geo->paddedLength();
        if (!ShapedType::isDynamic(s) && s != want)
          return failure();
      }
    }
    OpT newOp;
    if constexpr (std::is_same_v<OpT, TileBlockSizesOp>)
      newOp = OpT::create(rewriter, op.getLoc(), values,
                          rewriter.getDenseI64ArrayAttr(grid), op.getTileAttr());
    else
      newOp = OpT::create(rewriter, op.getLoc(), op.getInput(), values,
                          rewriter.getDenseI64ArrayAttr(grid), op.getTileAttr());
    Value result = newOp.getResult();
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void TileOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *ctx) {
  results.add<StaticGridFromConstants<TileOp>>(ctx);
}

void UntileOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  results.add<StaticGridFromConstants<UntileOp>>(ctx);
}

void TileBlockSizesOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                   MLIRContext *ctx) {
  results.add<StaticGridFromConstants<TileBlockSizesOp>>(ctx);
}

OpFoldResult UntileOp::fold(FoldAdaptor) {
  auto tile = getInput().getDefiningOp<TileOp>();
  if (!tile || tile.getGrid() != getGrid() || tile.getTile() != getTile() ||
      tile.getGridValues() != getGridValues() ||
      tile.getInput().getType() != getType())
    return {};
  return tile.getInput();
}

//===----------------------------------------------------------------------===//
// SdpaOp
//===----------------------------------------------------------------------===//

/// The operand checks of attn.sdpa, shared by its gradient op.
template <typename OpT> static LogicalResult verifySdpaOperands(OpT op) {
  auto emit = [&]() { return op.emitOpError(); };
  if (failed(verifyQKV(emit, op.getQ(), op.getK(), op.getV())) ||
      failed(checkScale(emit, op.getScale())))
    return failure();
  if (Value mask = op.getKeyMask()) {
    auto kt = cast<RankedTensorType>(op.getK().getType());
    if (failed(checkIndexTensor(emit, "key_mask", mask.getType(), 1,
                                {kt.getDimSize(0), kt.getDimSize(2)},
                                "[B, Skv]")))
      return failure();
  }
  return success();
}

/// The optional lse result of the forward attention ops: f32 [B, Hq, Sq].
template <typename OpT> static LogicalResult verifyLse(OpT op) {
  Value lse = op.getLse();
  if (!lse)
    return success();
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto want = RankedTensorType::get(qt.getShape().take_front(3),
                                    Float32Type::get(op.getContext()));
  auto got = dyn_cast<RankedTensorType>(lse.getType());
  if (!got || !got.getElementType().isF32() ||
      failed(verifyCompatibleShape(got.getShape(), want.getShape())))
    return op.emitOpError() << "result 'lse' must be the [B, Hq, Sq] f32 "
                               "tensor "
                            << want << " (one log-sum-exp a query row), got "
                            << lse.getType();
  return success();
}

LogicalResult SdpaOp::verify() {
  return failure(failed(verifySdpaOperands(*this)) ||
                 failed(verifyLse(*this)));
}

LogicalResult SdpaGradOp::verify() { return verifySdpaOperands(*this); }

//===----------------------------------------------------------------------===//
// LseMergeOp
//===----------------------------------------------------------------------===//

LogicalResult LseMergeOp::verify() {
  OperandRange outs = getOuts(), lses = getLses();
  if (outs.size() < 2 || outs.size() != lses.size())
    return emitOpError() << "needs n >= 2 partial outputs and as many "
                            "log-sum-exps, got "
                         << outs.size() << " and " << lses.size();
  auto ot = cast<RankedTensorType>(outs[0].getType());
  if (ot.getRank() != 4)
    return emitOpError() << "partial output #0 must be a [B, H, S, D] tensor, got "
                         << ot;
  Type elt = ot.getElementType();
  if (!elt.isF32() && !elt.isBF16() && !elt.isF16())
    return emitOpError() << "partial outputs must be f32, bf16 or f16, got " << elt;
  // Every shape relation, each checked where both sides are static.
  SmallVector<int64_t> shape(ot.getShape());
  for (auto [i, o] : llvm::enumerate(outs)) {
    auto t = cast<RankedTensorType>(o.getType());
    if (t.getElementType() != elt || t.getRank() != 4 ||
        failed(verifyCompatibleShape(t.getShape(), shape)))
      return emitOpError() << "partial output #" << i << " " << t
                           << " must match partial output #0 " << ot;
  }
  auto want = [&](ArrayRef<int64_t> s, Type e) {
    return RankedTensorType::get(s, e);
  };
  Type f32 = Float32Type::get(getContext());
  RankedTensorType lseWant = want(ArrayRef<int64_t>(shape).take_front(3), f32);
  auto lseOk = [&](Type t) {
    auto r = cast<RankedTensorType>(t);
    return r.getElementType().isF32() && r.getRank() == 3 &&
           succeeded(verifyCompatibleShape(r.getShape(), lseWant.getShape()));
  };
  for (auto [i, l] : llvm::enumerate(lses))
    if (!lseOk(l.getType()))
      return emitOpError() << "log-sum-exp #" << i << " must be the [B, H, S] f32 "
                           << "tensor " << lseWant << " of partial output #" << i
                           << ", got " << l.getType();
  auto rt = cast<RankedTensorType>(getResult().getType());
  if (rt.getElementType() != elt || rt.getRank() != 4 ||
      failed(verifyCompatibleShape(rt.getShape(), shape)))
    return emitOpError() << "result " << rt << " must match the partial outputs "
                         << ot;
  if (!lseOk(getLse().getType()))
    return emitOpError() << "result 'lse' must be the [B, H, S] f32 tensor "
                         << lseWant << ", got " << getLse().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// MaskFromLengthsOp
//===----------------------------------------------------------------------===//

LogicalResult MaskFromLengthsOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  if (!adaptor.getSizeAttr())
    return emit() << "requires attribute 'size'";
  int64_t size = adaptor.getSizeAttr().getInt();
  if (failed(checkPositive(emit, "size", size)))
    return failure();
  Type lt = adaptor.getLengths().getType();
  if (failed(checkIndexTensor(emit, "lengths", lt, 32, {ShapedType::kDynamic},
                              "[B]")))
    return failure();
  int64_t b = cast<RankedTensorType>(lt).getDimSize(0);
  inferred.push_back(
      RankedTensorType::get({b, size}, IntegerType::get(ctx, 1)));
  return success();
}

//===----------------------------------------------------------------------===//
// BlockSparseOp
//===----------------------------------------------------------------------===//

/// The operand checks of attn.block_sparse, shared by its gradient op.
template <typename OpT> static LogicalResult verifyBlockSparseOperands(OpT op) {
  auto emit = [&]() { return op.emitOpError(); };
  int64_t blockQ = op.getBlockQAttr().getInt();
  int64_t blockKv = op.getBlockKvAttr().getInt();
  if (failed(verifyQKV(emit, op.getQ(), op.getK(), op.getV())) ||
      failed(checkScale(emit, op.getScale())) ||
      failed(checkPositive(emit, "block_q", blockQ)) ||
      failed(checkPositive(emit, "block_kv", blockKv)))
    return failure();
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  int64_t sq = qt.getDimSize(2), skv = kt.getDimSize(2);
  if (isKnown(sq) && sq % blockQ != 0)
    return op.emitOpError() << "query length " << sq
                         << " must be a multiple of 'block_q' = " << blockQ;
  if (isKnown(skv) && skv % blockKv != 0)
    return op.emitOpError() << "key length " << skv
                         << " must be a multiple of 'block_kv' = " << blockKv;
  int64_t b = qt.getDimSize(0), hq = qt.getDimSize(1);
  int64_t nq = ceilDivOrDyn(sq, blockQ);
  int64_t nkv = ceilDivOrDyn(skv, blockKv);
  if (failed(checkIndexTensor(emit, "kv_indices", op.getKvIndices().getType(), 32,
                              {b, hq, nq, ShapedType::kDynamic},
                              "[B, Hq, Nq, K]")))
    return failure();
  int64_t kmax = cast<RankedTensorType>(op.getKvIndices().getType()).getDimSize(3);
  if (isKnown(kmax) && isKnown(nkv) && kmax > nkv)
    return op.emitOpError() << "operand 'kv_indices' lists K = " << kmax
                         << " blocks per row, more than the Nkv = " << nkv
                         << " kv blocks";
  if (failed(checkIndexTensor(emit, "kv_counts", op.getKvCounts().getType(), 32,
                              {b, hq, nq}, "[B, Hq, Nq]")))
    return failure();
  if (Value sizes = op.getKvBlockSizes())
    if (failed(checkIndexTensor(emit, "kv_block_sizes", sizes.getType(), 32,
                                {nkv}, "[Nkv]")))
      return failure();
  return success();
}

LogicalResult BlockSparseOp::verify() {
  return failure(failed(verifyBlockSparseOperands(*this)) ||
                 failed(verifyLse(*this)));
}

LogicalResult BlockSparseGradOp::verify() {
  return verifyBlockSparseOperands(*this);
}

LogicalResult SageBlockSparseOp::verify() {
  return verifyBlockSparseOperands(*this);
}

//===----------------------------------------------------------------------===//
// BlockMeanOp / BlockTopkOp
//===----------------------------------------------------------------------===//

LogicalResult BlockMeanOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  if (!adaptor.getBlockAttr())
    return emit() << "requires attribute 'block'";
  int64_t block = adaptor.getBlockAttr().getInt();
  if (failed(checkAttnTensor(emit, "input", adaptor.getInput().getType())) ||
      failed(checkPositive(emit, "block", block)))
    return failure();
  auto t = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t s = t.getDimSize(2);
  if (isKnown(s) && s % block != 0)
    return emit() << "operand 'input' sequence length " << s
                  << " must be a multiple of 'block' = " << block;
  int64_t n = ceilDivOrDyn(s, block);
  if (Value sizes = adaptor.getBlockSizes())
    if (failed(checkIndexTensor(emit, "block_sizes", sizes.getType(), 32, {n},
                                "[N]")))
      return failure();
  SmallVector<int64_t> shape(t.getShape());
  shape[2] = n;
  inferred.push_back(RankedTensorType::get(shape, t.getElementType()));
  return success();
}

LogicalResult BlockTopkOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  if (failed(checkOneCount(emit, adaptor.getKAttr(), adaptor.getKValue(), "k",
                           "k_value")))
    return failure();
  // A run-time k: kept = min(k, Nkv) is unknown until the run.
  int64_t k = adaptor.getKAttr() ? adaptor.getKAttr().getInt()
                                 : ShapedType::kDynamic;
  if (adaptor.getKAttr() && failed(checkPositive(emit, "k", k)))
    return failure();
  Type st = adaptor.getScores().getType();
  auto t = dyn_cast<RankedTensorType>(st);
  if (!t || t.getRank() != 4 || !t.getElementType().isF32())
    return emit() << "operand 'scores' must be a rank-4 [B, H, Nq, Nkv] "
                     "tensor of f32, got "
                  << st;
  int64_t nkv = t.getDimSize(3);
  int64_t kept = isKnown(nkv) && isKnown(k) ? std::min<int64_t>(k, nkv)
                                            : ShapedType::kDynamic;
  auto i32 = IntegerType::get(ctx, 32);
  inferred.push_back(RankedTensorType::get(
      {t.getDimSize(0), t.getDimSize(1), t.getDimSize(2), kept}, i32));
  inferred.push_back(RankedTensorType::get(
      {t.getDimSize(0), t.getDimSize(1), t.getDimSize(2)}, i32));
  return success();
}

//===----------------------------------------------------------------------===//
// VsaOp
//===----------------------------------------------------------------------===//

/// The operand checks of attn.vsa, shared by its gradient op.
template <typename OpT> static LogicalResult verifyVsaOperands(OpT op) {
  auto emit = [&]() { return op.emitOpError(); };
  int64_t block = op.getBlockAttr().getInt();
  if (failed(checkOneCount(emit, op.getTopkAttr(), op.getTopkValue(), "topk",
                           "topk_value")))
    return failure();
  if (failed(verifyQKV(emit, op.getQ(), op.getK(), op.getV())) ||
      failed(checkPositive(emit, "block", block)) ||
      (op.getTopkAttr() &&
       failed(checkPositive(emit, "topk", op.getTopkAttr().getInt()))))
    return failure();
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  int64_t sq = qt.getDimSize(2), skv = kt.getDimSize(2);
  if (isKnown(sq) && sq % block != 0)
    return op.emitOpError() << "query length " << sq
                            << " must be a multiple of 'block' = " << block;
  if (isKnown(skv) && skv % block != 0)
    return op.emitOpError() << "key length " << skv
                            << " must be a multiple of 'block' = " << block;
  if (Value gate = op.getGate()) {
    auto gt = dyn_cast<RankedTensorType>(gate.getType());
    if (!gt || gt.getElementType() != qt.getElementType() ||
        failed(verifyCompatibleShape(gt.getShape(), qt.getShape())))
      return op.emitOpError() << "operand 'gate' must have the type of 'q' ("
                              << qt << "), got " << gate.getType();
  }
  if (static_cast<bool>(op.getQBlockSizes()) !=
      static_cast<bool>(op.getKvBlockSizes()))
    return op.emitOpError() << "operands 'q_block_sizes' and 'kv_block_sizes' "
                               "must be given together or not at all";
  if (Value sizes = op.getQBlockSizes())
    if (failed(checkIndexTensor(emit, "q_block_sizes", sizes.getType(), 32,
                                {ceilDivOrDyn(sq, block)}, "[Nq]")))
      return failure();
  if (Value sizes = op.getKvBlockSizes())
    if (failed(checkIndexTensor(emit, "kv_block_sizes", sizes.getType(), 32,
                                {ceilDivOrDyn(skv, block)}, "[Nkv]")))
      return failure();
  return success();
}

LogicalResult VsaOp::verify() { return verifyVsaOperands(*this); }

LogicalResult VsaGradOp::verify() {
  if (failed(verifyVsaOperands(*this)))
    return failure();
  Value gate = getGate(), dgate = getDgate();
  if (static_cast<bool>(gate) != static_cast<bool>(dgate))
    return emitOpError() << (gate ? "has a 'gate' but no 'dgate' result"
                                  : "has a 'dgate' result but no 'gate'");
  if (gate && gate.getType() != dgate.getType())
    return emitOpError() << "result 'dgate' must have the type of 'gate' ("
                         << gate.getType() << "), got " << dgate.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// SlidingTileOp
//===----------------------------------------------------------------------===//

static LogicalResult checkTriple(EmitFn emit, StringRef name,
                                 ArrayRef<int64_t> values, size_t count) {
  if (values.size() != count)
    return emit() << "attribute '" << name << "' must have " << count
                  << " values, got " << values.size();
  for (auto [i, v] : llvm::enumerate(values))
    if (v <= 0)
      return emit() << "attribute '" << name
                    << "' values must be positive, got " << v
                    << " at position " << i;
  return success();
}

/// The operand checks of attn.sliding_tile, shared by its gradient op.
template <typename OpT>
static LogicalResult verifySlidingTileOperands(OpT op) {
  auto emit = [&]() { return op.emitOpError(); };
  // Run-time grid sizes (kDynamic, one index operand each): the forward op.
  size_t gridValues = 0;
  if constexpr (std::is_same_v<OpT, SlidingTileOp>)
    gridValues = op.getTileGridValues().size();
  SmallVector<int64_t> staticGrid(op.getTileGrid());
  const size_t dynamicGrid = llvm::count_if(staticGrid, ShapedType::isDynamic);
  if (dynamicGrid != gridValues)
    return op.emitOpError() << "'tile_grid' has " << dynamicGrid
                            << " run-time sizes but " << gridValues
                            << " index operands";
  for (int64_t &g : staticGrid)
    if (ShapedType::isDynamic(g))
      g = 1; // checked >= 1 at run time
  if (failed(verifyQKV(emit, op.getQ(), op.getK(), op.getV())) ||
      failed(checkScale(emit, op.getScale())) ||
      failed(checkTriple(emit, "tile_grid", staticGrid, 3)) ||
      failed(checkTriple(emit, "tile", op.getTile(), 3)))
    return failure();
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  if (op.getWindow().has_value() == op.getWindows().has_value())
    return op.emitOpError() << "requires exactly one of 'window' (3 values) and "
                            "'windows' (3 values per query head)";
  if (auto window = op.getWindow()) {
    if (failed(checkTriple(emit, "window", *window, 3)))
      return failure();
  } else {
    int64_t hq = qt.getDimSize(1);
    ArrayRef<int64_t> windows = *op.getWindows();
    if (windows.size() % 3 != 0 ||
        (isKnown(hq) && static_cast<int64_t>(windows.size()) != 3 * hq))
      return op.emitOpError() << "attribute 'windows' must have 3 values per "
                              "query head (3 * "
                           << hq << "), got " << windows.size();
    if (failed(checkTriple(emit, "windows", windows, windows.size())))
      return failure();
  }
  if (op.getTextLengthAttr() && op.getTextLengthValue())
    return op.emitOpError() << "takes either attribute 'text_length' (a static "
                            "count) or operand 'text_length_value' (a "
                            "run-time count), not both";
  // A run-time text length is checked against S_text where it is known.
  int64_t textLength = op.getTextLengthAttr() ? op.getTextLengthAttr().getInt() : 0;
  if (textLength < 0)
    return op.emitOpError() << "attribute 'text_length' must be >= 0, got "
                         << textLength;
  int64_t sq = qt.getDimSize(2), skv = kt.getDimSize(2);
  if (!dimsAgree(sq, skv))
    return op.emitOpError() << "'q' and 'k' must have the same sequence length "
                            "(self-attention), got "
                         << sq << " and " << skv;
  // With run-time grid sizes the image tokens are known only then.
  if (dynamicGrid)
    return success();
  ArrayRef<int64_t> g = op.getTileGrid(), t = op.getTile();
  // Bounded by checkTriple's positivity; guard the product against overflow.
  double imageD = double(g[0]) * g[1] * g[2] * t[0] * t[1] * t[2];
  if (imageD > double(int64_t(1) << 40))
    return op.emitOpError() << "image token count exceeds 2^40";
  int64_t image = g[0] * g[1] * g[2] * t[0] * t[1] * t[2];
  int64_t s = isKnown(sq) ? sq : skv;
  if (isKnown(s)) {
    if (s < image)
      return op.emitOpError() << "sequence length " << s
                           << " is shorter than the " << image
                           << " image tokens of 'tile_grid' x 'tile'";
    if (textLength > s - image)
      return op.emitOpError() << "attribute 'text_length' (" << textLength
                           << ") exceeds the " << s - image
                           << " text tokens after the image tokens";
  }
  return success();
}

namespace {
/// sliding_tile with constant tile_grid operands (>= 1): those sizes move
/// into the static 'tile_grid' (all static: the planned-table fast path).
struct StaticTileGridFromConstants : OpRewritePattern<SlidingTileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SlidingTileOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> grid(op.getTileGrid());
    SmallVector<Value> values;
    bool changed = constantSizesToStatic(grid, op.getTileGridValues(), values);
    if (!changed)
      return failure();
    // A fully static grid must fit a static sequence with its text length
    // (what the verifier checks then): else the run-time check reports it.
    int64_t S = cast<RankedTensorType>(op.getQ().getType()).getDimSize(2);
    if (values.empty() && !ShapedType::isDynamic(S)) {
      int64_t image = 1;
      for (int64_t x : llvm::concat<const int64_t>(grid, op.getTile()))
        if (llvm::MulOverflow(image, x, image))
          return failure();
      int64_t text = op.getTextLengthAttr() ? op.getTextLengthAttr().getInt() : 0;
      if (image > S || text > S - image)
        return failure();
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.setTileGrid(grid);
      op.getTileGridValuesMutable().assign(values);
    });
    return success();
  }
};
} // namespace

void SlidingTileOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                MLIRContext *ctx) {
  results.add<StaticTileGridFromConstants>(ctx);
}

LogicalResult SlidingTileOp::verify() {
  return failure(failed(verifySlidingTileOperands(*this)) ||
                 failed(verifyLse(*this)));
}

LogicalResult SlidingTileGradOp::verify() {
  return verifySlidingTileOperands(*this);
}

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
