//===- Passes.h - attn conversion passes ------------------------*- C++ -*-===//

#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Conversion/AttnToNVVM/FlashAttentionKernel.h"
#include "attn/Conversion/AttnToNVVM/SimtAttentionKernel.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DECL_ATTNEMITFLASHKERNEL
#define GEN_PASS_DECL_ATTNEMITSIMTKERNEL
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

namespace mlir {
namespace attn {
#define GEN_PASS_REGISTRATION
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_PASSES_H
