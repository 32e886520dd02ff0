//===- MmaTiles.h - warp products with one operand in shared memory -------===//
//
// Internal to lib/Kernels. The mma.sync kernels (the forward,
// FlashAttentionKernel.cpp, and both backward passes,
// FlashAttentionGradKernel.cpp) compute every product a warp makes in one of
// two patterns over a 16-bit row-major tile in shared memory (rows `stride`
// elements apart), with m16n8k16 and f32 accumulators:
//
//  - mulByRows: C = A . T^T, A given as register fragments, the tile's rows
//    the n dim and its columns the k dim (S = Q K^T; also S^T = K Q^T and
//    dP = dO V^T), B fragments by ldmatrix;
//  - accumulate: C += P . T, P given as f32 accumulator tiles (the C layout
//    of two n8 tiles is exactly the A fragment of one k16 step), the tile's
//    rows the k dim (O += P V; dV += P^T dO, dK += dS^T Q, dQ += dS K), B
//    fragments by ldmatrix.trans.
//
// Fragment layouts as KernelBuilder::mma16816 gives them (lane = 4g + t).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_KERNELS_MMATILES_H
#define ATTN_LIB_KERNELS_MMATILES_H

#include "KvBlockList.h"

namespace mlir {
namespace attn {

class MmaTiles {
public:
  /// Lane roles of ldmatrix.x4 (lane L addresses row L % 8 of matrix L / 8)
  /// for tiles of `elt` (bf16 or f16) whose rows are `stride` elements apart.
  MmaTiles(KernelBuilder &e, Value lane, Type elt, int64_t stride);

  /// Four 32-bit fragments from shared memory (ldmatrix.x4 .b16).
  SmallVector<Value> ldmatrix(Value addr, bool trans);
  /// The address of element (row, col) of `tile` (i32 row and column).
  Value elem(Value tile, Value row, Value col);
  /// The address of element (row + rowC, col + colC) of `tile`: row and col
  /// vary by lane, rowC and colC are constants (with constOffsets, added as
  /// a separate constant offset, so PTX addresses them as [reg + imm] and
  /// the lane part is computed once per tile).
  Value elem(Value tile, Value row, Value col, int64_t rowC, int64_t colC);

  /// Address every fragment as a lane base plus an immediate (the backward
  /// kernels: fewer live address registers). Off for the forward kernel,
  /// whose measured code computes each address whole.
  bool constOffsets = false;
  /// d = a * b + c.
  SmallVector<Value> mma(ArrayRef<Value> a, ArrayRef<Value> bm,
                         ArrayRef<Value> c);

  /// C = A . T^T: `a` holds A's fragments of a.size() k-steps of 16 (an
  /// even number), T is rows [0, 8 * nTiles) of `tile`; returns nTiles
  /// 16 x 8 f32 accumulators.
  SmallVector<SmallVector<Value>> mulByRows(ArrayRef<SmallVector<Value>> a,
                                            Value tile, int64_t nTiles);
  /// acc (nOut 16 x 8 tiles, flat, 4 values each) += P . T: `p` holds
  /// 2 * nK f32 accumulator tiles (P's columns, packed to 16 bits here), T
  /// is rows [0, 16 * nK) and columns [0, 8 * nOut) of `tile`.
  void accumulate(SmallVectorImpl<Value> &acc, ArrayRef<SmallVector<Value>> p,
                  Value tile, int64_t nOut);
  /// C = A . T^T with A = rows [aRow0, aRow0 + 16) of `aTile` (nK k-steps
  /// of 16, nK even), T as in mulByRows: k-steps outermost, so only two A
  /// fragments are live at a time (for kernels short of registers).
  SmallVector<SmallVector<Value>> mulRowsByRows(Value aTile, Value aRow0,
                                                int64_t nK, Value tile,
                                                int64_t nTiles);

  Fragments frag;

private:
  KernelBuilder &e;
  Type elt;
  int64_t stride;
  Value r8, miLo, miHi;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_KERNELS_MMATILES_H
