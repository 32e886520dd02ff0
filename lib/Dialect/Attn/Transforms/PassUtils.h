//===- PassUtils.h - shared drivers of the attn rewrite passes --*- C++ -*-===//
//
// Internal to lib/Dialect/Attn/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_DIALECT_ATTN_TRANSFORMS_PASSUTILS_H
#define ATTN_LIB_DIALECT_ATTN_TRANSFORMS_PASSUTILS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attn {

/// Applies `patterns` to `root`; any `OpTs` op left afterwards is one the
/// patterns declined (they need static shapes) and is reported with
/// `message`. Fails if the driver failed or an op was left.
template <typename... OpTs>
LogicalResult rewriteAllOrReport(Operation *root, RewritePatternSet &&patterns,
                                 StringRef message) {
  if (failed(applyPatternsGreedily(root, std::move(patterns))))
    return failure();
  WalkResult left = root->walk([&](Operation *op) {
    if (!isa<OpTs...>(op))
      return WalkResult::advance();
    op->emitError() << message;
    return WalkResult::interrupt();
  });
  return failure(left.wasInterrupted());
}

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_DIALECT_ATTN_TRANSFORMS_PASSUTILS_H
