//===- AttnToCPU.cpp - the attn-to-cpu pipeline ---------------------------===//

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::attn::buildAttnToCPUPipeline(OpPassManager &pm,
                                        const AttnToCPUOptions &options) {
  // Composite ops first, into the ops that have lowerings.
  pm.addPass(createAttnDecomposeVsa());
  pm.addPass(createAttnPlanSparsity());
  pm.addPass(createConvertAttnToLinalg());
  // Elementwise arith on tensors (residuals, gates between layers).
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> buffers; returned buffers use identity layouts so callers
  // (attn-run's entry wrapper) see plain dense memrefs.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Layer and step loops yield freshly computed tensors.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.reuseBuffers) {
    AttnReuseBuffersOptions reuse;
    reuse.report = options.report;
    pm.addNestedPass<func::FuncOp>(createAttnReuseBuffers(reuse));
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  if (!options.lowerToLLVM)
    return;

  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::attn::registerAttnPipelines() {
  PassPipelineRegistration<AttnOptimizeOptions>(
      "attn-optimize",
      "attn-plan-sparsity, attn-fold-layout, attn-decompose-vsa, "
      "attn-hoist-masks, canonicalize, cse (tensor level; attn-reuse-buffers "
      "runs after bufferization inside attn-to-cpu)",
      buildAttnOptimizePipeline);
  PassPipelineRegistration<AttnToCPUOptions>(
      "attn-to-cpu",
      "attn ops -> linalg -> bufferization -> loops -> LLVM (the CPU "
      "reference path run by attn-run --device cpu)",
      buildAttnToCPUPipeline);
  PassPipelineRegistration<AttnToNVVMOptions>(
      "attn-to-nvvm",
      "attn ops -> attn-optimize -> GPU launch plan (host gpu.launch_func) + "
      "flash-attention and utility kernels -> NVVM -> PTX (gpu.binary)",
      buildAttnToNVVMPipeline);
}
