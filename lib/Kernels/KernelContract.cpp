//===- KernelContract.cpp - launch contracts shared with the runtime ------===//

#include "attn/Kernels/KernelContract.h"

#include "attnrt/abi.h"

using namespace mlir;
using namespace mlir::attn;

static_assert(ATTNRT_ATTN_Q == 0 &&
                  ATTNRT_ATTN_KEY_MASK == ATTNRT_ATTN_NUM_PTRS - 1 &&
                  ATTNRT_ATTN_SQ == ATTNRT_ATTN_NUM_PTRS &&
                  ATTNRT_ATTN_TABLE_K == ATTNRT_ATTN_NUM_PARAMS - 1,
              "attnrt/abi.h: attention pointers first, then the i32s");

llvm::SmallVector<ParamKind, 16> mlir::attn::attentionSignature() {
  return KernelContract::signature(ATTNRT_ATTN_NUM_PTRS,
                                   ATTNRT_ATTN_NUM_PARAMS -
                                       ATTNRT_ATTN_NUM_PTRS);
}

KernelContract mlir::attn::attentionContract(int64_t rowsPerCta,
                                             int64_t threads,
                                             int64_t sharedBytes,
                                             AttentionShape shape) {
  KernelContract c;
  c.params = attentionSignature();
  c.grid = {ceilDiv(shape.queryRows, rowsPerCta), shape.heads, shape.batch};
  c.threads = threads;
  c.sharedBytes = sharedBytes;
  return c;
}
