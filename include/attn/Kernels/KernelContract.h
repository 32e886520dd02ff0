//===- KernelContract.h - how a kernel of the library is launched -*- C++ -*-===//
//
// Every kernel emitter of the library exports, next to its emitter, one
// function that describes a launch of its kernel: the parameter kinds in
// order (the kernel's signature, which the emitter builds the function
// from), the grid, the threads per CTA and the dynamic shared memory. The
// launch planner fills launches from it and checks its parameter lists
// against it; nothing outside the kernel's own file restates these facts.
// The parameter positions that the runtime also needs (the attention kernels
// and the checked-mode kernel) come from attnrt/abi.h.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_KERNELCONTRACT_H
#define ATTN_KERNELS_KERNELCONTRACT_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <array>
#include <cstdint>

namespace mlir {
namespace attn {

/// A kernel parameter: a global pointer (a buffer, or null where the kernel
/// does not read it), an i32, or a CUtensorMap over a buffer (128 bytes,
/// passed by value as a __grid_constant__ parameter).
enum class ParamKind { Ptr, I32, TensorMap };

struct KernelContract {
  /// The kernel's parameters, in order.
  llvm::SmallVector<ParamKind, 16> params;
  /// Grid of one launch (x, y, z); {1, 1, 1} where no launch shape is given.
  std::array<int64_t, 3> grid = {1, 1, 1};
  /// Threads per CTA (1-D blocks); also the kernel's nvvm.maxntid.
  int64_t threads = 0;
  /// Dynamic shared memory of a launch, in bytes.
  int64_t sharedBytes = 0;

  /// A contract of `numPtrs` pointers followed by `numI32` i32s.
  static KernelContract make(unsigned numPtrs, unsigned numI32,
                             std::array<int64_t, 3> grid, int64_t threads,
                             int64_t sharedBytes = 0) {
    KernelContract c;
    c.params = signature(numPtrs, numI32);
    c.grid = grid;
    c.threads = threads;
    c.sharedBytes = sharedBytes;
    return c;
  }
  /// `numPtrs` pointers followed by `numI32` i32s.
  static llvm::SmallVector<ParamKind, 16> signature(unsigned numPtrs,
                                                    unsigned numI32) {
    llvm::SmallVector<ParamKind, 16> params(numPtrs, ParamKind::Ptr);
    params.append(numI32, ParamKind::I32);
    return params;
  }
};

/// ceil(a / b) for a >= 0, b > 0.
inline int64_t ceilDiv(int64_t a, int64_t b) {
  return int64_t(llvm::divideCeil(uint64_t(a), uint64_t(b)));
}

/// The launch shape of the attention kernels (flash and SIMT): batch, query
/// heads and query rows.
struct AttentionShape {
  int64_t batch = 1, heads = 1, queryRows = 1;
};

/// The attention kernels' signature (flash and SIMT share it), in the
/// positions of attnrt/abi.h: ATTNRT_ATTN_NUM_PTRS global pointers (q, k, v,
/// out, kv_indices, kv_counts, kv_block_sizes, key_mask), then the i32s Sq,
/// Skv, Hq, Hkv, K.
llvm::SmallVector<ParamKind, 16> attentionSignature();

/// A launch of an attention kernel: attentionSignature(), grid
/// (ceil(Sq / rowsPerCta), Hq, B), `threads` threads, `sharedBytes`.
KernelContract attentionContract(int64_t rowsPerCta, int64_t threads,
                                 int64_t sharedBytes, AttentionShape shape);

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_KERNELCONTRACT_H
