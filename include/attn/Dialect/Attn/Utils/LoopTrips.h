//===- LoopTrips.h - static trip counts of enclosing loops ------*- C++ -*-===//

#ifndef ATTN_DIALECT_ATTN_UTILS_LOOPTRIPS_H
#define ATTN_DIALECT_ATTN_UTILS_LOOPTRIPS_H

#include <cstdint>

namespace mlir {
class Operation;
namespace attn {

/// How many times `op` runs per call of its function: the product of the
/// static trip counts of its enclosing scf.for loops (a loop with unknown
/// bounds counts once). Used by pass statistics.
int64_t staticExecutionCount(Operation *op);

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_LOOPTRIPS_H
