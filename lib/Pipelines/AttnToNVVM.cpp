//===- AttnToNVVM.cpp - the attn-to-nvvm pipeline -------------------------===//

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Kernels/GpuTarget.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

void mlir::attn::buildAttnToNVVMPipeline(OpPassManager &pm,
                                         const AttnToNVVMOptions &options) {
  if (options.optimize) {
    AttnOptimizeOptions optimize;
    optimize.report = options.report;
    buildAttnOptimizePipeline(pm, optimize);
  }
  ConvertAttnToGPULaunchesOptions plan;
  plan.entry = options.entry;
  setGpuCompileOptions(plan, gpuCompileOptionsOf(options));
  pm.addPass(createConvertAttnToGPULaunches(plan));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertMathToLLVMPass());
  kernels.addPass(createArithToLLVMConversionPass());
  kernels.addPass(createConvertIndexToLLVMPass());
  // NVVM ops built on the PTX-builder interface (mbarrier waits, ...) become
  // inline PTX here.
  kernels.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (options.serialize) {
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
}
