//===- LoopTrips.cpp - static trip counts of enclosing loops --------------===//

#include "attn/Dialect/Attn/Utils/LoopTrips.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <algorithm>

int64_t mlir::attn::staticExecutionCount(Operation *op) {
  int64_t n = 1;
  for (auto loop = op->getParentOfType<scf::ForOp>(); loop;
       loop = loop->getParentOfType<scf::ForOp>()) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> st = getConstantIntValue(loop.getStep());
    if (lb && ub && st && *st > 0)
      n *= std::max<int64_t>(0, (*ub - *lb + *st - 1) / *st);
  }
  return n;
}
