//===- Passes.h - passes of the attn kernel library -------------*- C++ -*-===//
//
// attn-emit-flash-kernel and attn-emit-simt-kernel: one kernel of the library
// on its own, for tests and inspection.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_PASSES_H
#define ATTN_KERNELS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace attn {

#define GEN_PASS_DECL
#include "attn/Kernels/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Kernels/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_PASSES_H
