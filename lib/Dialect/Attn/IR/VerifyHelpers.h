//===- VerifyHelpers.h - shared checks of the attn op verifiers -*- C++ -*-===//
//
// Internal to lib/Dialect/Attn/IR: the diagnostics every attn verifier
// builds its messages from (AttnOps.cpp, ChunkOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_DIALECT_ATTN_IR_VERIFYHELPERS_H
#define ATTN_LIB_DIALECT_ATTN_IR_VERIFYHELPERS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <optional>
#include <string>

namespace mlir {
namespace attn {
namespace verify {

using EmitFn = llvm::function_ref<InFlightDiagnostic()>;

inline bool isKnown(int64_t d) { return !ShapedType::isDynamic(d); }
inline bool dimsAgree(int64_t a, int64_t b) { return !isKnown(a) || !isKnown(b) || a == b; }

inline std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += isKnown(d) ? std::to_string(d) : std::string("?");
  }
  return s + "]";
}

/// Emitter for ops whose checks run during type inference, where there is no
/// op yet; prefixes the message the way emitOpError would.
inline auto makeInferEmitter(MLIRContext *ctx, std::optional<Location> loc,
                      StringRef opName) {
  return [=]() {
    InFlightDiagnostic diag =
        mlir::emitError(loc ? *loc : UnknownLoc::get(ctx));
    diag << "'" << opName << "' op ";
    return diag;
  };
}

/// A rank-4 BHSD tensor of f32/f16/bf16.
inline LogicalResult checkAttnTensor(EmitFn emit, StringRef name, Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || t.getRank() != 4)
    return emit() << "operand '" << name
                  << "' must be a rank-4 [batch, heads, seq, head_dim] tensor, got "
                  << type;
  Type e = t.getElementType();
  if (!e.isF32() && !e.isF16() && !e.isBF16())
    return emit() << "operand '" << name
                  << "' element type must be f32, f16 or bf16, got " << e;
  return success();
}

/// An integer/bool tensor whose shape must agree with `expected` (dynamic
/// entries on either side match anything). `what` spells the expected shape.
inline LogicalResult checkIndexTensor(EmitFn emit, StringRef name, Type type,
                               unsigned width, ArrayRef<int64_t> expected,
                               StringRef what) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.getElementType().isSignlessInteger(width))
    return emit() << "operand '" << name << "' must be a tensor of i" << width
                  << ", got " << type;
  if (t.getRank() != static_cast<int64_t>(expected.size()))
    return emit() << "operand '" << name << "' must have rank "
                  << expected.size() << " (" << what << "), got " << type;
  for (auto [got, want] : llvm::zip(t.getShape(), expected))
    if (!dimsAgree(got, want))
      return emit() << "operand '" << name << "' must have shape " << what
                    << " = " << shapeStr(expected) << ", got " << type;
  return success();
}

inline LogicalResult checkScale(EmitFn emit, std::optional<APFloat> scale) {
  if (!scale)
    return success();
  double s = scale->convertToDouble();
  if (!std::isfinite(s) || s <= 0.0)
    return emit() << "attribute 'scale' must be a positive finite f32, got "
                  << s;
  return success();
}

/// A count given as an attribute (static) or an operand (run time):
/// exactly one of the two.
inline LogicalResult checkOneCount(EmitFn emit, Attribute attr, Value value,
                            StringRef attrName, StringRef operandName) {
  if (static_cast<bool>(attr) != static_cast<bool>(value))
    return success();
  return emit() << "requires exactly one of attribute '" << attrName
                << "' (a static count) and operand '" << operandName
                << "' (a run-time count)";
}

inline LogicalResult checkPositive(EmitFn emit, StringRef name, int64_t value) {
  if (value <= 0)
    return emit() << "attribute '" << name << "' must be positive, got "
                  << value;
  return success();
}

/// Checks shared by every attention op: q [B,Hq,Sq,D], k/v [B,Hkv,Skv,D].
inline LogicalResult verifyQKV(EmitFn emit, Value q, Value k, Value v) {
  if (failed(checkAttnTensor(emit, "q", q.getType())) ||
      failed(checkAttnTensor(emit, "k", k.getType())) ||
      failed(checkAttnTensor(emit, "v", v.getType())))
    return failure();
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  auto vt = cast<RankedTensorType>(v.getType());
  if (kt.getElementType() != qt.getElementType())
    return emit() << "operand 'k' element type " << kt.getElementType()
                  << " must match 'q' element type " << qt.getElementType();
  if (vt.getElementType() != qt.getElementType())
    return emit() << "operand 'v' element type " << vt.getElementType()
                  << " must match 'q' element type " << qt.getElementType();
  for (int i = 0; i < 4; ++i)
    if (!dimsAgree(kt.getDimSize(i), vt.getDimSize(i)))
      return emit() << "operand 'v' shape " << shapeStr(vt.getShape())
                    << " must match 'k' shape " << shapeStr(kt.getShape());
  if (!dimsAgree(qt.getDimSize(0), kt.getDimSize(0)))
    return emit() << "batch of 'k' (" << kt.getDimSize(0)
                  << ") must match batch of 'q' (" << qt.getDimSize(0) << ")";
  if (!dimsAgree(qt.getDimSize(3), kt.getDimSize(3)))
    return emit() << "head_dim of 'k' (" << kt.getDimSize(3)
                  << ") must match head_dim of 'q' (" << qt.getDimSize(3)
                  << ")";
  int64_t hq = qt.getDimSize(1), hkv = kt.getDimSize(1);
  if (isKnown(hkv) && hkv == 0)
    return emit() << "operand 'k' must have at least one head";
  if (isKnown(hq) && isKnown(hkv) && hq % hkv != 0)
    return emit() << "query heads (" << hq
                  << ") must be a multiple of kv heads (" << hkv
                  << ") for grouped-query attention";
  return success();
}

} // namespace verify
} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_DIALECT_ATTN_IR_VERIFYHELPERS_H
