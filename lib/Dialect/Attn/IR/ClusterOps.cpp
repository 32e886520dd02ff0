//===- ClusterOps.cpp - SVG2's cluster ops: inference and verifiers ------===//
//
// attn.kmeans, attn.cluster_select and attn.cluster_attention: the operand
// shapes must agree on B, H, the cluster counts and D wherever static.
//
//===----------------------------------------------------------------------===//

#include "VerifyHelpers.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::verify;

namespace {

/// A rank-`rank` tensor of f32 whose dims agree with `want` (dynamic entries
/// match anything); `what` spells the expected shape.
LogicalResult checkF32Tensor(EmitFn emit, StringRef name, Type type,
                             ArrayRef<int64_t> want, StringRef what) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.getElementType().isF32() ||
      t.getRank() != static_cast<int64_t>(want.size()))
    return emit() << "operand '" << name << "' must be a " << what
                  << " f32 tensor, got " << type;
  for (auto [got, w] : llvm::zip(t.getShape(), want))
    if (!dimsAgree(got, w))
      return emit() << "operand '" << name << "' must have shape " << what
                    << " = " << shapeStr(want) << ", got " << type;
  return success();
}

} // namespace

LogicalResult KmeansOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  if (failed(checkAttnTensor(emit, "input", adaptor.getInput().getType())))
    return failure();
  if (!adaptor.getIterationsAttr())
    return emit() << "requires attribute 'iterations'";
  int64_t iters = adaptor.getIterationsAttr().getInt();
  if (iters < 1 || iters > 100000)
    return emit() << "attribute 'iterations' must be in [1, 100000], got " << iters;
  auto x = cast<RankedTensorType>(adaptor.getInput().getType());
  auto init = dyn_cast<RankedTensorType>(adaptor.getInit().getType());
  if (!init || init.getRank() != 4)
    return emit() << "operand 'init' must be a [B, H, K, D] f32 tensor, got "
                  << adaptor.getInit().getType();
  int64_t k = init.getDimSize(2);
  if (failed(checkF32Tensor(emit, "init", init,
                            {x.getDimSize(0), x.getDimSize(1), k, x.getDimSize(3)},
                            "[B, H, K, D]")))
    return failure();
  if (isKnown(k) && k < 1)
    return emit() << "operand 'init' must hold at least one centroid";
  Type i32 = IntegerType::get(ctx, 32);
  inferred.push_back(RankedTensorType::get(
      {x.getDimSize(0), x.getDimSize(1), x.getDimSize(2)}, i32));
  inferred.push_back(RankedTensorType::get(
      {x.getDimSize(0), x.getDimSize(1), k, x.getDimSize(3)}, Float32Type::get(ctx)));
  inferred.push_back(
      RankedTensorType::get({x.getDimSize(0), x.getDimSize(1), k}, i32));
  return success();
}

LogicalResult ClusterSelectOp::inferReturnTypes(MLIRContext *ctx,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &inferred) {
  auto emit = makeInferEmitter(ctx, loc, getOperationName());
  auto qc = dyn_cast<RankedTensorType>(adaptor.getQCentroids().getType());
  if (!qc || qc.getRank() != 4 || !qc.getElementType().isF32())
    return emit() << "operand 'q_centroids' must be a [B, H, QC, D] f32 tensor, got "
                  << adaptor.getQCentroids().getType();
  auto kc = dyn_cast<RankedTensorType>(adaptor.getKCentroids().getType());
  int64_t nk = kc && kc.getRank() == 4 ? kc.getDimSize(2) : 0;
  int64_t B = qc.getDimSize(0), H = qc.getDimSize(1), D = qc.getDimSize(3);
  if (failed(checkF32Tensor(emit, "k_centroids", adaptor.getKCentroids().getType(),
                            {B, H, nk, D}, "[B, H, KC, D]")) ||
      failed(checkIndexTensor(emit, "k_sizes", adaptor.getKSizes().getType(), 32,
                              {B, H, nk}, "[B, H, KC]")) ||
      failed(checkScale(emit, adaptor.getScale())))
    return failure();
  double p = adaptor.getTopPAttr() ? adaptor.getTopPAttr().getValueAsDouble() : 0;
  if (!adaptor.getTopPAttr() || !std::isfinite(p) || p < 0 || p > 1)
    return emit() << "attribute 'top_p' must be in [0, 1], got " << p;
  double r = adaptor.getMinKcRatioAttr()
                 ? adaptor.getMinKcRatioAttr().getValueAsDouble()
                 : 0.0;
  if (!std::isfinite(r) || r < 0 || r > 1)
    return emit() << "attribute 'min_kc_ratio' must be in [0, 1], got " << r;
  inferred.push_back(RankedTensorType::get({B, H, qc.getDimSize(2), nk},
                                           IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult ClusterAttentionOp::verify() {
  auto emit = [&]() { return emitOpError(); };
  if (failed(verifyQKV(emit, getQ(), getK(), getV())) ||
      failed(checkScale(emit, getScale())))
    return failure();
  auto q = cast<RankedTensorType>(getQ().getType());
  auto k = cast<RankedTensorType>(getK().getType());
  int64_t B = q.getDimSize(0), H = q.getDimSize(1);
  if (failed(checkIndexTensor(emit, "q_labels", getQLabels().getType(), 32,
                              {B, H, q.getDimSize(2)}, "[B, Hq, Sq]")) ||
      failed(checkIndexTensor(emit, "k_labels", getKLabels().getType(), 32,
                              {B, H, k.getDimSize(2)}, "[B, Hq, Skv]")))
    return failure();
  auto sel = dyn_cast<RankedTensorType>(getSelection().getType());
  int64_t dyn = ShapedType::kDynamic;
  if (sel && sel.getRank() == 4 && (sel.getDimSize(2) == 0 || sel.getDimSize(3) == 0))
    return emitOpError() << "operand 'selection' must have at least one query and one "
                            "key cluster, got "
                         << sel;
  return checkIndexTensor(emit, "selection", getSelection().getType(), 1,
                          {B, H, sel && sel.getRank() == 4 ? sel.getDimSize(2) : dyn,
                           sel && sel.getRank() == 4 ? sel.getDimSize(3) : dyn},
                          "[B, Hq, QC, KC]");
}
