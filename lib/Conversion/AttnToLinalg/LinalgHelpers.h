//===- LinalgHelpers.h - small builders for the attn lowerings --*- C++ -*-===//
//
// Internal to lib/Conversion/AttnToLinalg.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOLINALG_LINALGHELPERS_H
#define ATTN_LIB_CONVERSION_ATTNTOLINALG_LINALGHELPERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace attn {
namespace detail {

/// Fails (with a diagnostic on `op`) unless every operand and result of `op`
/// is a statically shaped ranked tensor.
LogicalResult requireStaticShapes(Operation *op, PatternRewriter &rewriter);

/// tensor.empty + linalg.fill.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   TypedAttr value);
/// A constant 1-D i32 tensor.
Value constI32Tensor(OpBuilder &b, Location loc, ArrayRef<int64_t> values);

/// `p` parallel iterators followed by `r` reductions.
SmallVector<utils::IteratorType> iterators(unsigned p, unsigned r = 0);

/// Element conversions to and from the f32 that all arithmetic uses.
Value toF32(OpBuilder &b, Location loc, Value v);
Value fromF32(OpBuilder &b, Location loc, Value v, Type elementType);

Value constIndex(OpBuilder &b, Location loc, int64_t v);
Value constF32(OpBuilder &b, Location loc, float v);
Value constI32(OpBuilder &b, Location loc, int32_t v);

/// A linalg.generic on tensors; `body` gets the block arguments and yields.
Value genericOp(OpBuilder &b, Location loc, ValueRange inputs, Value output,
                ArrayRef<AffineMap> maps,
                ArrayRef<utils::IteratorType> iteratorTypes,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_CONVERSION_ATTNTOLINALG_LINALGHELPERS_H
