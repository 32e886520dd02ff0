//===- AttnToLinalgPass.cpp - the convert-attn-to-linalg pass -------------===//

#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

void mlir::attn::populateAttnToLinalgPatterns(RewritePatternSet &patterns) {
  populateTilingToLinalgPatterns(patterns);
  populateAttentionToLinalgPatterns(patterns);
  populateAttentionGradToLinalgPatterns(patterns);
  populateBlockOpsToLinalgPatterns(patterns);
  populateLseMergeToLinalgPatterns(patterns);
  populateChunkOpsToLinalgPatterns(patterns);
  populateClusterOpsToLinalgPatterns(patterns);
  populateSageOpsToLinalgPatterns(patterns);
}

namespace {
struct ConvertAttnToLinalgPass
    : attn::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  using ConvertAttnToLinalgBase::ConvertAttnToLinalgBase;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<attn::AttnDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    attn::populateAttnToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    if (!foldGathers)
      return;
    RewritePatternSet folds(&getContext());
    attn::populateFoldTokenGatherPatterns(folds);
    if (failed(applyPatternsGreedily(getOperation(), std::move(folds))))
      signalPassFailure();
  }
};
} // namespace
