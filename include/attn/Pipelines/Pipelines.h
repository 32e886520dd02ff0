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

struct AttnToCPUOptions : public PassPipelineOptions<AttnToCPUOptions> {
  PassOptions::Option<bool> lowerToLLVM{
      *this, "lower-to-llvm",
      llvm::cl::desc("Lower all the way to the LLVM dialect (off: stop after "
                     "bufferization and loops, for inspection)"),
      llvm::cl::init(true)};
};

/// attn ops -> linalg on tensors -> one-shot bufferization -> loops -> LLVM.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// Registers `attn-to-cpu` (and later pipelines) with the pass registry.
void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
