//===- GradChoice.cpp - the launches of the backward ops ------------------===//
//
// attn.sdpa_grad and attn.block_sparse_grad (what attn-optimize leaves of
// every gradient op: sliding_tile_grad is planned into block_sparse_grad,
// vsa_grad decomposed) become two launches of one backward family: the dQ
// pass (which also writes each row's log2 lse and delta = dO . O into
// scratch) and then the dK/dV pass. The tensor-core family
// (FlashAttentionGradKernel.h) where the element type (bf16, f16), head dim
// (64, 128) and block sizes (multiples of 64, read as 64 x 64 sub-blocks)
// allow and tensor-cores is on; else the SIMT family
// (SimtAttentionGradKernel.h). Both take the parameters of
// GradKernelParams.h. Deterministic: no atomics. Dynamic tables get the
// checked-mode launch first, as the forward's.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/FlashAttentionGradKernel.h"
#include "attn/Kernels/SimtAttentionGradKernel.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

LogicalResult Planner::planAttentionGrad(Operation *op) {
  Value q = op->getOperand(0), k = op->getOperand(1), v = op->getOperand(2),
        dout = op->getOperand(3);
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  Type elt = qt.getElementType();
  int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
          D = qt.getDimSize(3), Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2);
  if (!(elt.isF32() || elt.isBF16() || elt.isF16()))
    return op->emitError() << "attn-to-gpu: attention gradient on " << elt
                           << " (f32, bf16 or f16)";
  SmallVector<Param> data;
  for (Value x : {q, k, v, dout}) {
    auto r = materialize(x, op);
    if (failed(r))
      return failure();
    data.push_back(p(*r));
  }
  SimtGradKernelConfig cfg;
  cfg.elementType = elt.isF32()    ? SimtElementType::F32
                    : elt.isBF16() ? SimtElementType::BF16
                                   : SimtElementType::F16;
  cfg.headDim = D;
  std::optional<APFloat> scaleAttr;
  LogicalResult ok = success();
  Param idxP = null(), cntP = null(), vbsP = null(), kmP = null();
  int64_t K = 0;
  if (auto g = dyn_cast<SdpaGradOp>(op)) {
    scaleAttr = g.getScale();
    cfg.indexed = cfg.hasBlockSizes = false;
    cfg.blockQ = cfg.blockKv = 64;
    if (Value m = g.getKeyMask()) {
      kmP = optionalBuf(m, op, ok);
      cfg.hasKeyMask = true;
    }
  } else {
    auto bs = cast<BlockSparseGradOp>(op);
    scaleAttr = bs.getScale();
    cfg.indexed = true;
    cfg.blockQ = bs.getBlockQAttr().getInt();
    cfg.blockKv = bs.getBlockKvAttr().getInt();
    cfg.hasBlockSizes = bool(bs.getKvBlockSizes());
    K = cast<RankedTensorType>(bs.getKvIndices().getType()).getDimSize(3);
    if (failed(validateConstTablesOf(bs)))
      return failure();
    idxP = optionalBuf(bs.getKvIndices(), op, ok);
    cntP = optionalBuf(bs.getKvCounts(), op, ok);
    vbsP = optionalBuf(bs.getKvBlockSizes(), op, ok);
    if (succeeded(ok) && opts.checks &&
        (!constInts(bs.getKvIndices()) || !constInts(bs.getKvCounts())))
      checkKvLaunch(op, idxP, cntP, K, ceilDiv(Skv, cfg.blockKv),
                    {B, Hq, ceilDiv(Sq, cfg.blockQ)});
  }
  if (failed(ok))
    return failure();
  cfg.scale = softmaxScale(scaleAttr, D);
  const std::string suffix = scaleSuffix(cfg.scale);
  int lse2 = scratch(B * Hq * Sq * 4), delta = scratch(B * Hq * Sq * 4);
  std::vector<Param> ps(kGradNumParams, null());
  ps[kGradQ] = data[0];
  ps[kGradK] = data[1];
  ps[kGradV] = data[2];
  ps[kGradDout] = data[3];
  ps[kGradDq] = p(outputFor(op->getResult(0)));
  ps[kGradDk] = p(outputFor(op->getResult(1)));
  ps[kGradDv] = p(outputFor(op->getResult(2)));
  ps[kGradKvIndices] = idxP;
  ps[kGradKvCounts] = cntP;
  ps[kGradBlockSizes] = vbsP;
  ps[kGradKeyMask] = kmP;
  ps[kGradLse2] = p(lse2);
  ps[kGradDelta] = p(delta);
  ps[kGradSq] = i32(Sq);
  ps[kGradSkv] = i32(Skv);
  ps[kGradHq] = i32(Hq);
  ps[kGradHkv] = i32(Hkv);
  ps[kGradTableK] = i32(K);
  // The tensor-core kernels tile by 64 x 64: the op's blocks must be
  // multiples of 64 (a table row then serves block_q / 64 query blocks and
  // a listed block is walked as block_kv / 64 kv blocks).
  const int64_t bq = cfg.blockQ, bkv = cfg.blockKv;
  bool tc = opts.tensorCores && opts.gradTensorCores && (elt.isBF16() || elt.isF16()) &&
            (D == 64 || D == 128) && bq % 64 == 0 && bkv % 64 == 0 &&
            bq / 64 <= 64 && bkv / 64 <= 64;
  for (GradPass pass : {GradPass::DQ, GradPass::DKDV}) {
    std::string name;
    KernelContract contract;
    if (tc) {
      FlashGradKernelConfig fc;
      static_cast<AttentionKernelConfig &>(fc) = cfg;
      fc.elementType =
          elt.isBF16() ? FlashElementType::BF16 : FlashElementType::F16;
      fc.blockQ = fc.blockKv = 64;
      fc.subBlocks = bkv / 64;
      fc.qSubBlocks = bq / 64 == bkv / 64 ? 0 : bq / 64;
      fc.pass = pass;
      if (failed(verifyFlashGradKernelConfig(fc, [&] { return op->emitError(); })))
        return failure();
      name = flashGradKernelName(fc) + suffix;
      contract = flashGradKernelContract(fc, {B, Hq, Sq}, Hkv, Skv);
      if (failed(checkShared(op, contract, "flash backward")))
        return failure();
      ensureKernel(name, [&](gpu::GPUModuleOp m) {
        emitFlashGradKernel(b, op->getLoc(), m, fc, name);
      });
    } else {
      cfg.pass = pass;
      if (failed(verifySimtGradKernelConfig(cfg, [&] { return op->emitError(); })))
        return failure();
      name = simtGradKernelName(cfg) + suffix;
      contract = simtGradKernelContract(cfg, {B, Hq, Sq}, Hkv, Skv);
      ensureKernel(name, [&](gpu::GPUModuleOp m) {
        emitSimtGradKernel(b, op->getLoc(), m, cfg, name);
      });
    }
    launches.push_back(launchOf(name, contract, ps));
  }
  return success();
}
