//===- EmitSimtKernelPass.cpp - the attn-emit-simt-kernel pass ------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/SimtAttentionKernel.h"
#include "attn/Kernels/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <algorithm>
#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNEMITSIMTKERNEL
#include "attn/Kernels/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {
struct AttnEmitSimtKernelPass
    : attn::impl::AttnEmitSimtKernelBase<AttnEmitSimtKernelPass> {
  using AttnEmitSimtKernelBase::AttnEmitSimtKernelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    attn::SimtKernelConfig cfg;
    if (dtype == "f32")
      cfg.elementType = attn::SimtElementType::F32;
    else if (dtype == "bf16")
      cfg.elementType = attn::SimtElementType::BF16;
    else if (dtype == "f16")
      cfg.elementType = attn::SimtElementType::F16;
    else {
      module.emitError() << "attn-emit-simt-kernel: dtype must be f32, bf16 or "
                            "f16, got '"
                         << dtype << "'";
      return signalPassFailure();
    }
    cfg.headDim = headDim;
    cfg.blockQ = blockQ;
    cfg.blockKv = blockKv;
    cfg.indexed = indexed;
    cfg.hasBlockSizes = blockSizes;
    cfg.hasKeyMask = keyMask;
    cfg.scale = scale > 0 ? float(scale)
                          : 1.0f / std::sqrt(float(std::max<int64_t>(headDim, 1)));
    if (failed(attn::verifySimtKernelConfig(
            cfg, [&] { return module.emitError(); })))
      return signalPassFailure();
    auto gm = attn::createKernelModule(module, chip, features);
    OpBuilder b(module.getContext());
    attn::emitSimtAttentionKernel(b, module.getLoc(), gm, cfg);
  }
};
} // namespace
