//===- Passes.h - attn conversion passes ------------------------*- C++ -*-===//
//
// Every conversion pass, declared by its own directory's header (as upstream
// MLIR's mlir/Conversion/Passes.h does), and their registration.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"

namespace mlir {
namespace attn {

#define GEN_PASS_REGISTRATION
#include "attn/Conversion/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_PASSES_H
