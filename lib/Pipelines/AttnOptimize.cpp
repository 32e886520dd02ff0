//===- AttnOptimize.cpp - the attn-optimize pipeline ----------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::attn::buildAttnOptimizePipeline(
    OpPassManager &pm, const AttnOptimizeOptions &options) {
  AttnPlanSparsityOptions plan;
  plan.report = options.report;
  pm.addPass(createAttnPlanSparsity(plan));
  AttnFoldLayoutOptions fold;
  fold.report = options.report;
  pm.addPass(createAttnFoldLayout(fold));
  pm.addPass(createAttnDecomposeVsa());
  AttnHoistMasksOptions hoist;
  hoist.report = options.report;
  pm.addPass(createAttnHoistMasks(hoist));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
