//===- LaunchPlan.h - attn functions as a sequence of GPU launches -*- C++
//-*-===//
//
// The GPU path plans an entry function (tensors, after attn-optimize) as a
// straight-line sequence of kernel launches over buffers: the function's
// arguments and results (caller-owned), constant tables, and scratch
// buffers whose lifetimes are known exactly, so they share memory when they
// do not overlap. Layout ops (tile, untile, concat, slice, pad) are composed
// into row tables and applied by one gather per destination (or not at all
// when they cancel). The plan is then written as host IR (memref allocs and
// gpu.launch_func) next to a gpu.module holding the kernels; attn-compile
// serializes that host IR as the artifact's launch plan.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_ATTNTOGPU_LAUNCHPLAN_H
#define ATTN_CONVERSION_ATTNTOGPU_LAUNCHPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "attn/Kernels/GpuTarget.h"

#include <string>

namespace mlir {
namespace attn {

/// Rewrites `entry` (tensor arguments/results) into a host function over
/// memrefs (arguments, then one out-parameter per result) that allocates
/// scratch and launches kernels, which are added to a gpu.module
/// @attn_kernels targeting options.chip. Errors name the op that has no GPU
/// lowering or an unsupported shape/type, or the bad option.
LogicalResult planGpuLaunches(ModuleOp module, func::FuncOp entry,
                              const GpuCompileOptions &options);

/// Attribute names on the host function and its ops.
constexpr llvm::StringLiteral kNumArgsAttr = "attn.num_args";
constexpr llvm::StringLiteral kScratchAttr = "attn.scratch";
constexpr llvm::StringLiteral kErrorBufferAttr = "attn.error_buffer";
constexpr llvm::StringLiteral kCheckDimsAttr = "attn.check_dims";
/// On a gpu.launch_func: one string per kernel operand, "" or the TMA tensor
/// map ("DTYPE:D,S,N:ROWS" or "DTYPE:D0,...:box=B0,...", then optionally
/// ":slab=ELEMENTS", the outermost stride of a slab of a larger tensor) the
/// kernel takes over that operand's buffer; "+BYTES:" before it starts the
/// map that far into the buffer (docs/ARTIFACT.md).
constexpr llvm::StringLiteral kTensorMapsAttr = "attn.tensor_maps";
/// Run-time sizes (docs/DynamicShapes.md, GPU path): an entry argument's
/// dynamic dimension d of argument i is the size named `a<i>_<d>`; sizes
/// computed from them are expressions in the artifact's syntax
/// (docs/ARTIFACT.md). On a gpu.launch_func: 3 grid entries, then one per
/// kernel operand, each "" (the operand's constant) or an expression. On the
/// host function: each result's dims as expressions, and the relations the
/// arguments' sizes must satisfy, [lhs, op, rhs, message] each. On a scratch
/// memref.alloc: its byte count as one expression (sized at run time).
constexpr llvm::StringLiteral kSizeExprsAttr = "attn.size_exprs";
/// On a gpu.launch_func whose dynamic shared memory depends on run-time
/// sizes: its byte count as an expression (the launch's own operand is 0).
constexpr llvm::StringLiteral kSmemExprAttr = "attn.smem_expr";
constexpr llvm::StringLiteral kResultDimsAttr = "attn.result_dims";
constexpr llvm::StringLiteral kShapeAssertsAttr = "attn.shape_asserts";
/// On the host function: the entry arguments that are sizes given by value
/// (0-d integer tensors read by tensor.extract), `arg N size aN` in the
/// artifact.
constexpr llvm::StringLiteral kSizeArgsAttr = "attn.size_args";

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOGPU_LAUNCHPLAN_H
