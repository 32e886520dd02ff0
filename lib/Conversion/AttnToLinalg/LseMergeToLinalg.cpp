//===- LseMergeToLinalg.cpp - attn.lse_merge as two linalg.generic ops ----===//
//
// The merged log-sum-exp first (a generic over [B, H, S] reading every
// part's lse), then the output (a generic over [B, H, S, D]): each part
// weighted by exp(lse_i - lse), which is w_i / L in the op's notation. Rows
// whose parts all have lse = -inf give lse = -inf and 0. exp and log are
// written as exp2 and log2 (NVPTX has those, not llvm.exp / llvm.log: the
// GPU path plans the same linalg ops as kernels).
//
//===----------------------------------------------------------------------===//

#include "LinalgHelpers.h"
#include "attn/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::detail;

namespace {

struct LseMergeToLinalg : OpConversionPattern<LseMergeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LseMergeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    ValueRange outs = adaptor.getOuts(), lses = adaptor.getLses();
    const unsigned n = outs.size();
    SmallVector<OpFoldResult> xs = mixedSizes(rewriter, loc, outs[0]);
    SmallVector<OpFoldResult> rows(xs.begin(), xs.begin() + 3);
    // Shape relations the verifier could not see (dynamic dims).
    const char *msg = "attn.lse_merge: the partial outputs [B, H, S, D] and "
                      "log-sum-exps [B, H, S] must agree";
    for (unsigned i = 0; i < n; ++i) {
      SmallVector<OpFoldResult> os = mixedSizes(rewriter, loc, outs[i]);
      SmallVector<OpFoldResult> ls = mixedSizes(rewriter, loc, lses[i]);
      for (unsigned d = 0; d < 4; ++d)
        if (i)
          assertSizesEqual(rewriter, loc, os[d], xs[d], msg);
      for (unsigned d = 0; d < 3; ++d)
        assertSizesEqual(rewriter, loc, ls[d], xs[d], msg);
    }
    const float negInf = -std::numeric_limits<float>::infinity();
    const float log2e = 1.4426950408889634f, ln2 = 0.6931471805599453f;
    auto exp = [&](OpBuilder &b, Location l, Value x) {
      return math::Exp2Op::create(b, l, arith::MulFOp::create(b, l, x, constF32(b, l, log2e)))
          .getResult();
    };
    auto isNegInf = [&](OpBuilder &b, Location l, Value x) {
      return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, x,
                                   constF32(b, l, negInf))
          .getResult();
    };
    // lse = m + log(sum_i exp(lse_i - m)), m = max_i lse_i (-inf: -inf).
    SmallVector<AffineMap> rowMaps(n + 1, AffineMap::getMultiDimIdentityMap(3, ctx));
    Value lse = genericOp(
        rewriter, loc, lses, emptyTensor(rewriter, loc, rows, rewriter.getF32Type()),
        rowMaps, iterators(3), [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value m = a[0];
          for (unsigned i = 1; i < n; ++i)
            m = arith::MaximumFOp::create(b, l, m, a[i]);
          Value empty = isNegInf(b, l, m);
          Value mUse = arith::SelectOp::create(b, l, empty, constF32(b, l, 0), m);
          Value sum = constF32(b, l, 0);
          for (unsigned i = 0; i < n; ++i)
            sum = arith::AddFOp::create(
                b, l, sum,
                exp(b, l, arith::SubFOp::create(b, l, a[i], mUse)));
          Value merged = arith::AddFOp::create(
              b, l, mUse,
              arith::MulFOp::create(b, l, math::Log2Op::create(b, l, sum), constF32(b, l, ln2)));
          return arith::SelectOp::create(b, l, empty, constF32(b, l, negInf), merged);
        });
    // out = sum_i exp(lse_i - lse) outs[i] (0 where lse = -inf).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<Value> inputs(outs.begin(), outs.end());
    inputs.append(lses.begin(), lses.end());
    inputs.push_back(lse);
    SmallVector<AffineMap> maps(n, AffineMap::getMultiDimIdentityMap(4, ctx));
    maps.append(n + 1, AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx));
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    Type elt = cast<RankedTensorType>(op.getResult().getType()).getElementType();
    Value out = genericOp(
        rewriter, loc, inputs, emptyTensor(rewriter, loc, xs, elt), maps, iterators(4),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value total = a[2 * n];
          Value acc = constF32(b, l, 0);
          for (unsigned i = 0; i < n; ++i) {
            Value w = exp(b, l, arith::SubFOp::create(b, l, a[n + i], total));
            acc = arith::AddFOp::create(b, l, acc,
                                        arith::MulFOp::create(b, l, w, toF32(b, l, a[i])));
          }
          acc = arith::SelectOp::create(b, l, isNegInf(b, l, total), constF32(b, l, 0), acc);
          return fromF32(b, l, acc, elt);
        });
    // The results' own types (static where the op's are).
    Value results[2] = {out, lse};
    for (unsigned r = 0; r < 2; ++r)
      if (results[r].getType() != op->getResult(r).getType())
        results[r] = tensor::CastOp::create(rewriter, loc, op->getResult(r).getType(),
                                            results[r]);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::attn::populateLseMergeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LseMergeToLinalg>(patterns.getContext());
}
