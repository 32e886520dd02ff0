//===- Pipelines.h - the named attn pipelines -------------------*- C++ -*-===//
//
// Each pipeline is built by one function, so the whole sequence reads in one
// place and `attn-opt --dump-pass-pipeline` prints it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace attn {

struct AttnOptimizeOptions : public PassPipelineOptions<AttnOptimizeOptions> {
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("Each pass emits its statistics as a remark"),
      llvm::cl::init(false)};
};

/// The tensor-level optimizations, in order: plan static sparsity, fold
/// layouts (before VSA is decomposed, while its pads are still visible),
/// decompose VSA, hoist and merge masks and tables, clean up. The result
/// still holds attn ops for either backend.
void buildAttnOptimizePipeline(OpPassManager &pm,
                               const AttnOptimizeOptions &options);

struct AttnToCPUOptions : public PassPipelineOptions<AttnToCPUOptions> {
  PassOptions::Option<bool> reuseBuffers{
      *this, "reuse-buffers",
      llvm::cl::desc("Run attn-reuse-buffers after bufferization"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("attn-reuse-buffers emits its statistics as a remark"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> lowerToLLVM{
      *this, "lower-to-llvm",
      llvm::cl::desc("Lower all the way to the LLVM dialect (off: stop after "
                     "bufferization and loops, for inspection)"),
      llvm::cl::init(true)};
};

/// attn ops -> linalg on tensors -> one-shot bufferization -> loops -> LLVM.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// Registers `attn-optimize`, `attn-to-cpu` (and later pipelines).
void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
