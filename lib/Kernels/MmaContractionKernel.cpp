//===- MmaContractionKernel.cpp - VSA's coarse scores on tensor cores -----===//
//
// out[p, i, j] = scale * sum_r a[p, i, r] * b[p, j, r] for 16-bit a and b
// (bf16 or f16) and f32 out: VSA's coarse scores q_mean . k_mean^T, which
// the decomposition writes as a zero fill, a contraction and a scale. The
// planner folds the fill and the scale into this kernel (KernelChoice.cpp),
// so the scores are written once instead of zeroed, accumulated and scaled
// in three passes over an [H, N, N] f32 buffer.
//
// A CTA computes a 64 x 64 tile of (i, j); warp w owns rows 16w..16w+15 and
// all 64 columns as eight 16 x 8 accumulator tiles. Per 16 values of r a
// lane loads its A fragment (rows g, g+8; columns 2t, 2t+1, +8) and the B
// fragments of the eight column tiles (row j = 8n + g of b; r = 2t, 2t+1,
// +8) as 32-bit pairs straight from global memory: the operands are a few
// MiB and stay in L2, each pair is read by 16 (A) or 4 (B) CTAs, and there
// is nothing to stage. Rows past I or J read the last row instead (clamped
// addresses): a lane's garbage only reaches outputs that are not stored.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

KernelContract mlir::attn::mmaContractionContract(int64_t Pn, int64_t I,
                                                  int64_t J) {
  return KernelContract::make(3, 3,
                              {ceilDiv(J, kMmaContractionTile),
                               ceilDiv(I, kMmaContractionTile), Pn},
                              kMmaContractionThreads);
}

/// `v` is block argument `n` of the payload, extended from 16 bits to f32.
static bool isExtOfArg(Value v, unsigned n) {
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  auto arg = ext ? dyn_cast<BlockArgument>(ext.getIn()) : BlockArgument();
  return arg && arg.getArgNumber() == n && ext.getType().isF32();
}

bool mlir::attn::isMmaContraction(linalg::LinalgOp op) {
  auto sizes = matchTiledContraction(op, /*allowDynamic=*/true);
  if (!sizes || ShapedType::isDynamic((*sizes)[3]) || (*sizes)[3] % 16 != 0)
    return false;
  auto elt = [&](OpOperand *o) {
    return cast<ShapedType>(o->get().getType()).getElementType();
  };
  Type a = elt(op.getDpsInputOperand(0)), bt = elt(op.getDpsInputOperand(1));
  if (a != bt || !(a.isBF16() || a.isF16()) ||
      !elt(op.getDpsInitOperand(0)).isF32())
    return false;
  // The payload: out + ext(a) * ext(b), in either operand order, and
  // nothing else (two extensions, a multiply, an add).
  Block &body = op->getRegion(0).front();
  if (std::distance(body.begin(), body.end()) != 5)
    return false;
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2);
  Value prod = add.getLhs() == acc ? add.getRhs()
               : add.getRhs() == acc ? add.getLhs()
                                     : Value();
  auto mul = prod ? prod.getDefiningOp<arith::MulFOp>() : arith::MulFOp();
  if (!mul)
    return false;
  return (isExtOfArg(mul.getLhs(), 0) && isExtOfArg(mul.getRhs(), 1)) ||
         (isExtOfArg(mul.getLhs(), 1) && isExtOfArg(mul.getRhs(), 0));
}

LLVM::LLVMFuncOp mlir::attn::emitMmaContractionKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module, bool bf16,
    float scale, StringRef name) {
  KernelBuilder k(b, loc, module, name, mmaContractionContract());
  // 32 accumulators, 20 fragment registers and ten row bases: ptxas (CUDA
  // 13) would cap the kernel at 64 registers and spill for occupancy; one
  // CTA per SM as the floor lets it keep them (the grid is ~1000 CTAs).
  k.func()->setAttr("nvvm.minctasm", b.getI32IntegerAttr(1));
  Type elt = bf16 ? Type(b.getBF16Type()) : Type(b.getF16Type());
  Value A = k.arg(0), Bm = k.arg(1), out = k.arg(2);
  Value I = k.toI64(k.arg(3)), J = k.toI64(k.arg(4)), R = k.toI64(k.arg(5));
  constexpr int64_t T = kMmaContractionTile, nTiles = T / 8;
  Value tid = k.toI64(k.tidX());
  Value warp = k.div(tid, k.ci64(32)), lane = k.rem(tid, k.ci64(32));
  Value g = k.div(lane, k.ci64(4)), t2 = k.mul(k.rem(lane, k.ci64(4)), k.ci64(2));
  Value p = k.toI64(k.bidZ());
  Value i0 = k.add(k.mul(k.toI64(k.bidY()), k.ci64(T)),
                   k.mul(warp, k.ci64(16)));
  Value j0 = k.mul(k.toI64(k.bidX()), k.ci64(T));
  // Element offset of (row, 2t) in a [rows, R] slab of p, the row clamped.
  auto rowBase = [&](Value row, Value rows) {
    Value r = k.minS(row, k.sub(rows, k.ci64(1)));
    return k.add(k.mul(k.add(k.mul(p, rows), r), R), t2);
  };
  Value rowA0 = k.add(i0, g), rowA1 = k.add(rowA0, k.ci64(8));
  // Row pointers once; the loop adds r0.
  Value aPtr0 = k.at(A, elt, rowBase(rowA0, I));
  Value aPtr1 = k.at(A, elt, rowBase(rowA1, I));
  SmallVector<Value> bPtr;
  for (int64_t n = 0; n < nTiles; ++n)
    bPtr.push_back(
        k.at(Bm, elt, rowBase(k.add(j0, k.add(k.ci64(8 * n), g)), J)));
  auto pair = [&](Value rowPtr, Value off) {
    return k.loadFrom(k.i32, k.at(rowPtr, elt, off), 4);
  };
  SmallVector<Value> zeros(4 * nTiles, k.cf32(0));
  SmallVector<Value> acc = k.loop(
      k.ci64(0), R, k.ci64(16), zeros,
      [&](Value r0, ValueRange c) -> SmallVector<Value> {
        Value r8 = k.add(r0, k.ci64(8));
        SmallVector<Value> a = {pair(aPtr0, r0), pair(aPtr1, r0),
                                pair(aPtr0, r8), pair(aPtr1, r8)};
        SmallVector<Value> next;
        for (int64_t n = 0; n < nTiles; ++n) {
          SmallVector<Value> bf = {pair(bPtr[n], r0), pair(bPtr[n], r8)};
          SmallVector<Value> cn(c.begin() + 4 * n, c.begin() + 4 * n + 4);
          SmallVector<Value> d = k.mma16816(bf16, a, bf, cn);
          next.append(d.begin(), d.end());
        }
        return next;
      });
  // C fragment: acc[4n + e] is row g (e < 2) or g + 8, column 8n + 2t + e%2.
  for (int64_t n = 0; n < nTiles; ++n)
    for (int64_t e = 0; e < 4; ++e) {
      Value row = e < 2 ? rowA0 : rowA1;
      Value col = k.add(j0, k.add(t2, k.ci64(8 * n + e % 2)));
      Value in = k.andI(k.cmp(P::slt, row, I), k.cmp(P::slt, col, J));
      Value v = scale == 1.0f ? acc[4 * n + e]
                              : k.fmul(acc[4 * n + e], k.cf32(scale));
      k.ifThen(in, [&] {
        k.store(v, out, k.add(k.mul(k.add(k.mul(p, I), row), J), col), 4);
      });
    }
  k.finish();
  return k.func();
}
