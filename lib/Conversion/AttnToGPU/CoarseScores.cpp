//===- CoarseScores.cpp - VSA's coarse scores as one tensor-core launch ---===//
//
// attn-decompose-vsa writes the coarse scores as three linalg ops over an
// [B, H, N, N] f32 tensor: a zero fill, the contraction
// q_mean . k_mean^T (bf16/f16 inputs extended to f32) and a multiplication
// by the softmax scale. Planned one by one they are three passes over that
// tensor (the Wan 1.3B layer: 18 MiB each way, ~40 us on an H100 besides
// the contraction). When the fill and the scale each have the contraction
// as their only partner, the planner folds them into the mma contraction
// kernel (MmaContractionKernel.cpp): no fill launch, the scale applied in
// the epilogue, the scaled result written once.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/UtilityKernels.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

/// `op`'s init is a +0.0 fill that nothing else reads.
static bool zeroFilledInit(linalg::LinalgOp op) {
  Value init = op.getDpsInitOperand(0)->get();
  auto fill = init.getDefiningOp<linalg::FillOp>();
  FloatAttr zero;
  return fill && init.hasOneUse() &&
         matchPattern(fill.getInputs()[0], m_Constant(&zero)) &&
         zero.getValue().isPosZero();
}

bool plan::foldsIntoMmaContraction(linalg::LinalgOp op) {
  return isMmaContraction(op) && zeroFilledInit(op);
}

bool plan::isFillOfMmaContraction(linalg::LinalgOp op) {
  if (!isa<linalg::FillOp>(op.getOperation()) || !op->hasOneUse())
    return false;
  auto user = dyn_cast<linalg::LinalgOp>(*op->getUsers().begin());
  return user && user.getDpsInitOperand(0)->get() == op->getResult(0) &&
         foldsIntoMmaContraction(user);
}

/// The only user of `v` when it is an elementwise v * c (or c * v) with a
/// constant f32 c, identity maps and an unread init; c in `scale`.
static linalg::GenericOp scaleOf(Value v, float &scale) {
  if (!v.hasOneUse())
    return {};
  auto g = dyn_cast<linalg::GenericOp>(*v.getUsers().begin());
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getDpsInputOperand(0)->get() != v || g.getNumReductionLoops() != 0 ||
      g->getResult(0).getType() != v.getType() ||
      g.payloadUsesValueFromOperand(g.getDpsInitOperand(0)))
    return {};
  for (AffineMap m : g.getIndexingMapsArray())
    if (!m.isIdentity())
      return {};
  Block &body = g->getRegion(0).front();
  auto mul =
      body.getTerminator()->getOperand(0).getDefiningOp<arith::MulFOp>();
  if (!mul || std::distance(body.begin(), body.end()) > 3)
    return {};
  Value in = body.getArgument(0);
  Value c = mul.getLhs() == in ? mul.getRhs()
            : mul.getRhs() == in ? mul.getLhs()
                                 : Value();
  FloatAttr f;
  if (!c || !matchPattern(c, m_Constant(&f)) || !f.getType().isF32())
    return {};
  scale = f.getValue().convertToFloat();
  return g;
}

LogicalResult Planner::planMmaContraction(linalg::LinalgOp op) {
  const int64_t R = (*matchTiledContraction(op, /*allowDynamic=*/true))[3];
  float scale = 1.0f;
  Value result = op->getResult(0);
  if (linalg::GenericOp s = scaleOf(result, scale)) {
    foldedOps.insert(s);
    result = s->getResult(0);
  }
  bool bf16 = cast<ShapedType>(op.getDpsInputOperand(0)->get().getType())
                  .getElementType()
                  .isBF16();
  std::string name = std::string("attn_contract_mma_") +
                     (bf16 ? "bf16" : "f16") +
                     (scale == 1.0f ? "" : scaleSuffix(scale));
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitMmaContractionKernel(b, op.getLoc(), m, bf16, scale, name);
  });
  auto a = materialize(op.getDpsInputOperand(0)->get(), op);
  auto bm = materialize(op.getDpsInputOperand(1)->get(), op);
  if (failed(a) || failed(bm))
    return failure();
  int out = outputFor(result);
  // [..., I, J] scores, sizes as text (run-time ones as expressions); the
  // leading dims are the grid's z.
  SmallVector<std::string> os = sizesOf(result);
  std::string PT = "1";
  for (size_t d = 0; d + 2 < os.size(); ++d)
    PT = sizeMul(PT, os[d]);
  const std::string IT = os[os.size() - 2], JT = os.back();
  assertSizes(PT, "<=", "65535",
              "VSA's coarse scores: batch * heads must be at most 65535");
  Launch l = launchOf(name, mmaContractionContract(),
                      {p(*a), p(*bm), p(out), i32(IT), i32(JT), i32(R)});
  setGrid(l, {sizeCeilDiv(JT, kMmaContractionTile),
              sizeCeilDiv(IT, kMmaContractionTile), PT});
  launches.push_back(std::move(l));
  return success();
}
