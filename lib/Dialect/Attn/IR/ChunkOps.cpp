//===- ChunkOps.cpp - V-MoBA's chunk ops: inference and verifiers --------===//
//
// attn.chunk_mean, attn.chunk_select and attn.chunk_attention share one
// geometry (ChunkGrid: a raster token grid split into chunks); each checks
// the grid/chunk attributes, the sequence against the grid and the chunk
// count against the other operands where they are static.
//
//===----------------------------------------------------------------------===//

#include "VerifyHelpers.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/ChunkGrid.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::verify;

namespace {

/// The chunk geometry of `grid`/`chunk`, with the sequence of `name`
/// (a BHSD tensor) checked against the grid's token count.
std::optional<ChunkGrid> chunkGridOf(EmitFn emit, DenseI64ArrayAttr grid,
                                     DenseI64ArrayAttr chunk, StringRef name,
                                     Type type) {
  if (!grid || !chunk) {
    emit() << "requires attributes 'grid' and 'chunk'";
    return std::nullopt;
  }
  if (failed(checkAttnTensor(emit, name, type)))
    return std::nullopt;
  std::string why;
  std::optional<ChunkGrid> g =
      ChunkGrid::get(grid.asArrayRef(), chunk.asArrayRef(), &why);
  if (!g) {
    emit() << "attribute " << why;
    return std::nullopt;
  }
  int64_t s = cast<RankedTensorType>(type).getDimSize(2);
  if (isKnown(s) && s != g->tokens()) {
    emit() << "operand '" << name << "' sequence length " << s
           << " must equal the grid's token count T*H*W = " << g->tokens();
    return std::nullopt;
  }
  return g;
}

} // namespace

LogicalResult ChunkMeanOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  std::optional<ChunkGrid> g =
      chunkGridOf(emit, adaptor.getGridAttr(), adaptor.getChunkAttr(), "input",
                  adaptor.getInput().getType());
  if (!g)
    return failure();
  auto t = cast<RankedTensorType>(adaptor.getInput().getType());
  SmallVector<int64_t> shape(t.getShape());
  shape[2] = g->numChunks();
  inferred.push_back(RankedTensorType::get(shape, Float32Type::get(ctx)));
  return success();
}

LogicalResult ChunkSelectOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  std::optional<ChunkGrid> g = chunkGridOf(
      emit, adaptor.getGridAttr(), adaptor.getChunkAttr(), "q", adaptor.getQ().getType());
  if (!g)
    return failure();
  if (static_cast<bool>(adaptor.getTopkAttr()) ==
      static_cast<bool>(adaptor.getThresholdAttr()))
    return emit() << "requires exactly one of attribute 'topk' and attribute "
                     "'threshold'";
  if (auto k = adaptor.getTopkAttr())
    if (failed(checkPositive(emit, "topk", k.getInt())))
      return failure();
  if (auto t = adaptor.getThresholdAttr())
    if (!std::isfinite(t.getValueAsDouble()))
      return emit() << "attribute 'threshold' must be finite, got "
                    << t.getValueAsDouble();
  auto qt = cast<RankedTensorType>(adaptor.getQ().getType());
  SmallVector<int64_t> want = {qt.getDimSize(0), qt.getDimSize(1),
                               g->numChunks(), qt.getDimSize(3)};
  auto km = dyn_cast<RankedTensorType>(adaptor.getKeyMeans().getType());
  if (!km || km.getRank() != 4 || !km.getElementType().isF32())
    return emit() << "operand 'key_means' must be a [B, H, C, D] f32 tensor, got "
                  << adaptor.getKeyMeans().getType();
  for (auto [got, w] : llvm::zip(km.getShape(), want))
    if (!dimsAgree(got, w))
      return emit() << "operand 'key_means' must have shape [B, H, C, D] = "
                    << shapeStr(want) << " (C = " << g->numChunks()
                    << " chunks), got " << km;
  inferred.push_back(RankedTensorType::get(
      {qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), g->numChunks()},
      IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult ChunkAttentionOp::verify() {
  auto emit = [&]() { return emitOpError(); };
  if (failed(verifyQKV(emit, getQ(), getK(), getV())) ||
      failed(checkScale(emit, getScale())))
    return failure();
  std::optional<ChunkGrid> g =
      chunkGridOf(emit, getGridAttr(), getChunkAttr(), "q", getQ().getType());
  if (!g || !chunkGridOf(emit, getGridAttr(), getChunkAttr(), "k",
                         getK().getType()))
    return failure();
  auto qt = cast<RankedTensorType>(getQ().getType());
  return checkIndexTensor(emit, "selection", getSelection().getType(), 1,
                          {qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2),
                           g->numChunks()},
                          "[B, Hq, S, C]");
}
