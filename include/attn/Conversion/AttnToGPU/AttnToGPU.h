//===- AttnToGPU.h - the convert-attn-to-gpu-launches pass ------*- C++ -*-===//
//
// Declares the pass; the planner it runs is LaunchPlan.h. Its GPU options
// and their defaults are GpuCompileOptions (attn/Kernels/GpuTarget.h).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
#define ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H

#include "attn/Kernels/GpuTarget.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace attn {

#define GEN_PASS_DECL_CONVERTATTNTOGPULAUNCHES
#include "attn/Conversion/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
