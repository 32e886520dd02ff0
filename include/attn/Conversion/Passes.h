//===- Passes.h - attn conversion passes ------------------------*- C++ -*-===//

#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Conversion/AttnToGPU/LaunchPlan.h"
#include "attn/Conversion/AttnToNVVM/FlashAttentionKernel.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "attn/Conversion/AttnToNVVM/SimtAttentionKernel.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DECL_ATTNEMITFLASHKERNEL
#define GEN_PASS_DECL_CONVERTATTNTOGPULAUNCHES
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
