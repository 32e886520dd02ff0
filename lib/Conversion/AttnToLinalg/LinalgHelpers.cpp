//===- LinalgHelpers.cpp - small builders for the attn lowerings ----------===//

#include "LinalgHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

Value attn::detail::filledTensor(OpBuilder &b, Location loc,
                                 ArrayRef<int64_t> shape, TypedAttr value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, value.getType());
  Value v = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, ValueRange{v}, ValueRange{empty})
      .getResult(0);
}

Value attn::detail::emptyTensor(OpBuilder &b, Location loc,
                                ArrayRef<OpFoldResult> sizes,
                                Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value attn::detail::filledTensor(OpBuilder &b, Location loc,
                                 ArrayRef<OpFoldResult> sizes,
                                 TypedAttr value) {
  Value empty = emptyTensor(b, loc, sizes, value.getType());
  Value v = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, ValueRange{v}, ValueRange{empty})
      .getResult(0);
}

SmallVector<OpFoldResult> attn::detail::mixedSizes(OpBuilder &b, Location loc,
                                                   Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

Value attn::detail::sizeValue(OpBuilder &b, Location loc, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, loc, size);
}

OpFoldResult attn::detail::mulSize(OpBuilder &b, Location loc, OpFoldResult a,
                                   int64_t c) {
  if (std::optional<int64_t> s = getConstantIntValue(a))
    return b.getIndexAttr(*s * c);
  return arith::MulIOp::create(b, loc, sizeValue(b, loc, a), constIndex(b, loc, c))
      .getResult();
}

OpFoldResult attn::detail::divSize(OpBuilder &b, Location loc, OpFoldResult a,
                                   OpFoldResult c) {
  std::optional<int64_t> sa = getConstantIntValue(a), sc = getConstantIntValue(c);
  if (sa && sc)
    return b.getIndexAttr(*sa / *sc);
  return arith::DivUIOp::create(b, loc, sizeValue(b, loc, a),
                                sizeValue(b, loc, c))
      .getResult();
}

void attn::detail::assertShape(OpBuilder &b, Location loc, Value cond,
                               StringRef message) {
  cf::AssertOp::create(b, loc, cond, message);
}

void attn::detail::assertSizesEqual(OpBuilder &b, Location loc, OpFoldResult a,
                                    OpFoldResult c, StringRef message) {
  std::optional<int64_t> sa = getConstantIntValue(a), sc = getConstantIntValue(c);
  if (sa && sc)
    return; // static: the verifier has checked it
  Value eq = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                   sizeValue(b, loc, a), sizeValue(b, loc, c));
  assertShape(b, loc, eq, message);
}

OpFoldResult attn::detail::assertWholeBlocks(OpBuilder &b, Location loc,
                                             OpFoldResult len, int64_t block,
                                             StringRef message) {
  if (!getConstantIntValue(len)) {
    Value rem = arith::RemUIOp::create(b, loc, sizeValue(b, loc, len),
                                       constIndex(b, loc, block));
    assertShape(b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem,
                                      constIndex(b, loc, 0)),
                message);
  }
  return divSize(b, loc, len, b.getIndexAttr(block));
}

Value attn::detail::constI32Tensor(OpBuilder &b, Location loc,
                                   ArrayRef<int64_t> values) {
  SmallVector<int32_t> v(values.begin(), values.end());
  auto type = RankedTensorType::get({static_cast<int64_t>(v.size())},
                                    b.getI32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(v)));
}

SmallVector<utils::IteratorType> attn::detail::iterators(unsigned p,
                                                         unsigned r) {
  SmallVector<utils::IteratorType> it(p, utils::IteratorType::parallel);
  it.append(r, utils::IteratorType::reduction);
  return it;
}

Value attn::detail::toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value attn::detail::fromF32(OpBuilder &b, Location loc, Value v,
                            Type elementType) {
  if (elementType.isF32())
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

Value attn::detail::constIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value attn::detail::constF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value attn::detail::constI32(OpBuilder &b, Location loc, int32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

Value attn::detail::genericOp(
    OpBuilder &b, Location loc, ValueRange inputs, Value output,
    ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iteratorTypes,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{output.getType()}, inputs, ValueRange{output}, maps,
      iteratorTypes, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return op.getResult(0);
}

Value mlir::attn::detail::ranksBefore(OpBuilder &b, Location loc, Value a,
                                      Value bScore, Value aLower) {
  using F = arith::CmpFPredicate;
  Value nanA = arith::CmpFOp::create(b, loc, F::UNO, a, a);
  Value nanB = arith::CmpFOp::create(b, loc, F::UNO, bScore, bScore);
  Value notNanB =
      arith::XOrIOp::create(b, loc, nanB, arith::ConstantIntOp::create(b, loc, 1, 1));
  // a > b: a NaN beats every number; ordered compare otherwise.
  Value greater = arith::OrIOp::create(
      b, loc, arith::CmpFOp::create(b, loc, F::OGT, a, bScore),
      arith::AndIOp::create(b, loc, nanA, notNanB));
  // a == b: equal numbers (-0.0 == +0.0) or two NaNs.
  Value equal = arith::OrIOp::create(
      b, loc, arith::CmpFOp::create(b, loc, F::OEQ, a, bScore),
      arith::AndIOp::create(b, loc, nanA, nanB));
  return arith::OrIOp::create(b, loc, greater,
                              arith::AndIOp::create(b, loc, equal, aLower));
}

Value mlir::attn::detail::loopIndex(OpBuilder &b, Location loc, unsigned dim) {
  return linalg::IndexOp::create(b, loc, dim);
}

Value mlir::attn::detail::loopIndexI32(OpBuilder &b, Location loc, unsigned dim) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), loopIndex(b, loc, dim));
}

AffineMap mlir::attn::detail::dimsMap(MLIRContext *ctx, unsigned n,
                                      ArrayRef<unsigned> ds) {
  SmallVector<AffineExpr> e;
  for (unsigned d : ds)
    e.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(n, 0, e, ctx);
}

std::pair<Value, Value> mlir::attn::detail::rankWithPrefix(OpBuilder &b, Location loc,
                                                           Value values) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sz = mixedSizes(b, loc, values);
  Value rank0 = filledTensor(b, loc, sz, b.getI32IntegerAttr(0));
  Value prefix0 = filledTensor(b, loc, sz, b.getF32FloatAttr(0));
  AffineMap at3 = dimsMap(ctx, 5, {0, 1, 2, 3}), at4 = dimsMap(ctx, 5, {0, 1, 2, 4});
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{rank0.getType(), prefix0.getType()}, ValueRange{values, values},
      ValueRange{rank0, prefix0}, ArrayRef<AffineMap>{at3, at4, at3, at3}, iterators(4, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value lower = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                            loopIndex(nb, nl, 4), loopIndex(nb, nl, 3));
        Value before = ranksBefore(nb, nl, a[1], a[0], lower);
        Value rank = arith::AddIOp::create(
            nb, nl, a[2], arith::ExtUIOp::create(nb, nl, nb.getI32Type(), before));
        Value mass = arith::AddFOp::create(
            nb, nl, a[3],
            arith::SelectOp::create(nb, nl, before, a[1], constF32(nb, nl, 0)));
        linalg::YieldOp::create(nb, nl, ValueRange{rank, mass});
      });
  return {g.getResult(0), g.getResult(1)};
}
