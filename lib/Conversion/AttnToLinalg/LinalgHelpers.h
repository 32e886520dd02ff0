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

/// tensor.empty + linalg.fill.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   TypedAttr value);
/// The same with sizes that may be dynamic (an Attribute for a static size,
/// a Value of index type otherwise); static sizes build the same IR as above.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   TypedAttr value);
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType);
/// Sizes of `v`'s dims; a dynamic dim becomes a tensor.dim.
SmallVector<OpFoldResult> mixedSizes(OpBuilder &b, Location loc, Value v);
/// `a * b` and `a / b` (b > 0) on sizes, folded when both are static.
OpFoldResult mulSize(OpBuilder &b, Location loc, OpFoldResult a, int64_t c);
OpFoldResult divSize(OpBuilder &b, Location loc, OpFoldResult a,
                     OpFoldResult c);
/// An index Value for a size (an arith.constant for a static one).
Value sizeValue(OpBuilder &b, Location loc, OpFoldResult size);

/// Stops the program with `message` unless `cond` (i1) holds: the runtime
/// check of a shape relation that the verifier could not check statically.
void assertShape(OpBuilder &b, Location loc, Value cond, StringRef message);
/// assertShape(a == b).
void assertSizesEqual(OpBuilder &b, Location loc, OpFoldResult a,
                      OpFoldResult c, StringRef message);

/// `len / block` after checking at run time (when `len` is dynamic) that
/// `len` is a whole number of blocks.
OpFoldResult assertWholeBlocks(OpBuilder &b, Location loc, OpFoldResult len,
                               int64_t block, StringRef message);

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

/// Inside a linalg body: the loop index of dim `dim` (index), and as i32.
Value loopIndex(OpBuilder &b, Location loc, unsigned dim);
Value loopIndexI32(OpBuilder &b, Location loc, unsigned dim);
/// The map (d0..d{n-1}) -> (d[ds[0]], d[ds[1]], ...).
AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> ds);

/// Whether score `a` ranks before score `b` in torch.topk's descending
/// order (every NaN above +inf, NaNs tying with each other, -0.0 with
/// +0.0), ties broken by `aLower` (i1: a's id is the lower one).
Value ranksBefore(OpBuilder &b, Location loc, Value a, Value bScore,
                  Value aLower);

/// For `values` [d0, d1, d2, C] f32: each entry's rank in its row's
/// descending order (ranksBefore's order, ties to the lower index) and the
/// sum of the row's values ranked before it, from one two-output
/// linalg.generic over (d0, d1, d2, c, c2): (rank i32, prefix f32). What a
/// sort and a cumulative sum give, without sorting.
std::pair<Value, Value> rankWithPrefix(OpBuilder &b, Location loc, Value values);

/// A linalg.generic on tensors; `body` gets the block arguments and yields.
Value genericOp(OpBuilder &b, Location loc, ValueRange inputs, Value output,
                ArrayRef<AffineMap> maps,
                ArrayRef<utils::IteratorType> iteratorTypes,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_CONVERSION_ATTNTOLINALG_LINALGHELPERS_H
