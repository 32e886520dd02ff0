//===- SageOps.cpp - quantized attention (SageAttention): verifier -------===//

#include "VerifyHelpers.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::verify;

LogicalResult SageSdpaOp::verify() {
  auto emit = [&]() { return emitOpError(); };
  return failure(failed(verifyQKV(emit, getQ(), getK(), getV())) ||
                 failed(checkScale(emit, getScale())));
}
