//===- EmitFlashKernelPass.cpp - the attn-emit-flash-kernel pass ----------===//

#include "attn/Kernels/FlashAttentionKernel.h"
#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNEMITFLASHKERNEL
#include "attn/Kernels/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {
struct AttnEmitFlashKernelPass
    : attn::impl::AttnEmitFlashKernelBase<AttnEmitFlashKernelPass> {
  using AttnEmitFlashKernelBase::AttnEmitFlashKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    attn::FlashKernelConfig cfg;
    if (dtype == "bf16")
      cfg.elementType = attn::FlashElementType::BF16;
    else if (dtype == "f16")
      cfg.elementType = attn::FlashElementType::F16;
    else {
      module.emitError() << "attn-emit-flash-kernel: dtype must be bf16 or f16, got '"
                         << dtype << "'";
      return signalPassFailure();
    }
    cfg.headDim = headDim;
    cfg.blockQ = blockQ;
    cfg.blockKv = blockKv;
    cfg.indexed = indexed;
    cfg.hasBlockSizes = blockSizes;
    cfg.hasKeyMask = keyMask;
    cfg.scale = scale > 0 ? float(scale) : 1.0f / std::sqrt(float(headDim));
    if (failed(attn::verifyFlashKernelConfig(
            cfg, [&] { return module.emitError(); })))
      return signalPassFailure();
    auto gm = attn::createKernelModule(module, chip, features);
    OpBuilder b(module.getContext());
    attn::emitFlashAttentionKernel(b, module.getLoc(), gm, cfg);
  }
};
} // namespace
