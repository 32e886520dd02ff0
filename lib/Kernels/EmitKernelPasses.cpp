//===- EmitKernelPasses.cpp - attn-emit-flash-kernel, attn-emit-simt-kernel ===//
//
// Each pass appends `gpu.module @attn_kernels` (chip, features) holding one
// attention kernel built from its options.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/FlashAttentionGradKernel.h"
#include "attn/Kernels/FlashAttentionKernel.h"
#include "attn/Kernels/HopperAttentionKernel.h"
#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/Passes.h"
#include "attn/Kernels/SimtAttentionGradKernel.h"
#include "attn/Kernels/SimtAttentionKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <algorithm>
#include <optional>
#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNEMITFLASHKERNEL
#define GEN_PASS_DEF_ATTNEMITSIMTKERNEL
#define GEN_PASS_DEF_ATTNEMITHOPPERKERNEL
#include "attn/Kernels/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The options both passes share, as the kernels' common configuration
/// (scale 0: 1/sqrt(head-dim)).
AttentionKernelConfig commonConfig(int64_t headDim, int64_t blockQ,
                                   int64_t blockKv, bool indexed,
                                   bool blockSizes, bool keyMask,
                                   double scale, bool lse) {
  float s = scale > 0 ? float(scale)
                      : 1.0f / std::sqrt(float(std::max<int64_t>(headDim, 1)));
  return {headDim, blockQ, blockKv, indexed, blockSizes, keyMask, s, lse};
}

/// The grad-pass option: dq or dkdv (an error naming the pass otherwise).
std::optional<GradPass> parseGradPass(ModuleOp module, StringRef passName,
                                      StringRef value) {
  if (value == "dq")
    return GradPass::DQ;
  if (value == "dkdv")
    return GradPass::DKDV;
  module.emitError() << passName << ": grad-pass must be dq or dkdv, got '"
                     << value << "'";
  return std::nullopt;
}

/// Verifies `cfg` and appends the kernel module with `emit`'s kernel.
template <typename Config, typename Verify, typename Emit>
LogicalResult emitKernelModule(ModuleOp module, StringRef chip,
                               StringRef features, const Config &cfg,
                               Verify verify, Emit emit) {
  if (failed(verify(cfg, [&] { return module.emitError(); })))
    return failure();
  auto gm = createKernelModule(module, chip, features);
  OpBuilder b(module.getContext());
  emit(b, module.getLoc(), gm, cfg, "");
  return success();
}

struct AttnEmitFlashKernelPass
    : attn::impl::AttnEmitFlashKernelBase<AttnEmitFlashKernelPass> {
  using AttnEmitFlashKernelBase::AttnEmitFlashKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FlashKernelConfig cfg;
    static_cast<AttentionKernelConfig &>(cfg) = commonConfig(
        headDim, blockQ, blockKv, indexed, blockSizes, keyMask, scale, lse);
    if (dtype == "bf16") {
      cfg.elementType = FlashElementType::BF16;
    } else if (dtype == "f16") {
      cfg.elementType = FlashElementType::F16;
    } else {
      module.emitError() << "attn-emit-flash-kernel: dtype must be bf16 or "
                            "f16, got '"
                         << dtype << "'";
      return signalPassFailure();
    }
    cfg.subBlocks = subBlocks;
    cfg.qSubBlocks = qSubBlocks;
    if (!gradPass.empty()) {
      std::optional<GradPass> pass = parseGradPass(module, "attn-emit-flash-kernel", gradPass);
      if (!pass)
        return signalPassFailure();
      FlashGradKernelConfig grad;
      static_cast<FlashKernelConfig &>(grad) = cfg;
      grad.pass = *pass;
      if (failed(emitKernelModule(module, chip, features, grad,
                                  verifyFlashGradKernelConfig,
                                  emitFlashGradKernel)))
        return signalPassFailure();
      return;
    }
    if (failed(emitKernelModule(module, chip, features, cfg,
                                verifyFlashKernelConfig,
                                emitFlashAttentionKernel)))
      return signalPassFailure();
  }
};

struct AttnEmitHopperKernelPass
    : attn::impl::AttnEmitHopperKernelBase<AttnEmitHopperKernelPass> {
  using AttnEmitHopperKernelBase::AttnEmitHopperKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FlashKernelConfig flash;
    static_cast<AttentionKernelConfig &>(flash) = commonConfig(
        headDim, blockQ, blockKv, indexed, blockSizes, keyMask, scale, lse);
    flash.subBlocks = subBlocks;
    flash.qSubBlocks = qSubBlocks;
    if (dtype != "bf16" && dtype != "f16") {
      module.emitError() << "attn-emit-hopper-kernel: dtype must be bf16 or "
                            "f16, got '"
                         << dtype << "'";
      return signalPassFailure();
    }
    flash.elementType =
        dtype == "bf16" ? FlashElementType::BF16 : FlashElementType::F16;
    HopperKernelConfig cfg = hopperConfigFor(flash);
    if (stages != 0)
      cfg.stages = stages;
    cfg.overlap = overlap;
    cfg.pingPong = pingPong;
    cfg.qInRegs = qRegs;
    cfg.fmaSoftmax = fmaSoftmax;
    if (!rasterTile.empty()) {
      // The tile fixes the tables' sub-blocks; other values would be
      // silently replaced.
      if (rasterTile.size() != 3 || subBlocks != 1 || qSubBlocks != 0) {
        module.emitError() << "attn-emit-hopper-kernel: raster-tile takes "
                              "three sizes T,H,W and derives sub-blocks and "
                              "q-sub-blocks from them";
        return signalPassFailure();
      }
      cfg = withRasterTile(cfg, {rasterTile[0], rasterTile[1], rasterTile[2]});
    }
    cfg.rasterText = rasterText;
    cfg.gatedCombine = gatedCombine;
    if (failed(emitKernelModule(module, chip, features, cfg,
                                verifyHopperKernelConfig,
                                emitHopperAttentionKernel)))
      return signalPassFailure();
  }
};

struct AttnEmitSimtKernelPass
    : attn::impl::AttnEmitSimtKernelBase<AttnEmitSimtKernelPass> {
  using AttnEmitSimtKernelBase::AttnEmitSimtKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SimtKernelConfig cfg;
    static_cast<AttentionKernelConfig &>(cfg) = commonConfig(
        headDim, blockQ, blockKv, indexed, blockSizes, keyMask, scale, lse);
    if (dtype == "f32") {
      cfg.elementType = SimtElementType::F32;
    } else if (dtype == "bf16") {
      cfg.elementType = SimtElementType::BF16;
    } else if (dtype == "f16") {
      cfg.elementType = SimtElementType::F16;
    } else {
      module.emitError() << "attn-emit-simt-kernel: dtype must be f32, bf16 or "
                            "f16, got '"
                         << dtype << "'";
      return signalPassFailure();
    }
    if (!gradPass.empty()) {
      std::optional<GradPass> pass = parseGradPass(module, "attn-emit-simt-kernel", gradPass);
      if (!pass)
        return signalPassFailure();
      SimtGradKernelConfig grad;
      static_cast<SimtKernelConfig &>(grad) = cfg;
      grad.pass = *pass;
      if (failed(emitKernelModule(module, chip, features, grad,
                                  verifySimtGradKernelConfig,
                                  emitSimtGradKernel)))
        return signalPassFailure();
      return;
    }
    if (failed(emitKernelModule(module, chip, features, cfg,
                                verifySimtKernelConfig,
                                emitSimtAttentionKernel)))
      return signalPassFailure();
  }
};

} // namespace
