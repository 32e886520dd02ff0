//===- AttnToGPULaunchesPass.cpp - convert-attn-to-gpu-launches -----------===//

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/AttnToGPU/LaunchPlan.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPULAUNCHES
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {
struct ConvertAttnToGPULaunchesPass
    : attn::impl::ConvertAttnToGPULaunchesBase<ConvertAttnToGPULaunchesPass> {
  using ConvertAttnToGPULaunchesBase::ConvertAttnToGPULaunchesBase;
  // The GPU options, public for gpuCompileOptionsOf.
  using ConvertAttnToGPULaunchesBase::chip, ConvertAttnToGPULaunchesBase::features,
      ConvertAttnToGPULaunchesBase::denseBlockKv,
      ConvertAttnToGPULaunchesBase::blockQ,
      ConvertAttnToGPULaunchesBase::tensorCores,
      ConvertAttnToGPULaunchesBase::gradTensorCores,
      ConvertAttnToGPULaunchesBase::wgmma,
      ConvertAttnToGPULaunchesBase::checks,
      ConvertAttnToGPULaunchesBase::foldLayout,
      ConvertAttnToGPULaunchesBase::report,
      ConvertAttnToGPULaunchesBase::overlap,
      ConvertAttnToGPULaunchesBase::qInRegs,
      ConvertAttnToGPULaunchesBase::fmaSoftmax,
      ConvertAttnToGPULaunchesBase::foldSlabs,
      ConvertAttnToGPULaunchesBase::longFirst,
      ConvertAttnToGPULaunchesBase::topkSharedFallback;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>(entry);
    if (!fn || fn.isExternal()) {
      module.emitError() << "convert-attn-to-gpu-launches: no function '"
                         << entry << "' with a body";
      return signalPassFailure();
    }
    // Ops whose GPU form is their linalg form (a kernel a linalg op, as the
    // planner makes for any static linalg op): attn.lse_merge.
    ConversionTarget target(getContext());
    target.addIllegalOp<attn::LseMergeOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    attn::populateLseMergeToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(fn, target, std::move(patterns))))
      return signalPassFailure();
    if (failed(attn::planGpuLaunches(module, fn,
                                     attn::gpuCompileOptionsOf(*this))))
      return signalPassFailure();
  }
};
} // namespace
