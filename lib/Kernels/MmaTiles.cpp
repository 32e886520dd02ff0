//===- MmaTiles.cpp - warp products with one operand in shared memory -----===//

#include "MmaTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::attn;

MmaTiles::MmaTiles(KernelBuilder &e, Value lane, Type elt, int64_t stride)
    : frag{e, elt}, e(e), elt(elt), stride(stride) {
  OpBuilder &b = e.b;
  Value mi = arith::ShRUIOp::create(b, e.loc, lane, e.ci32(3));
  r8 = arith::AndIOp::create(b, e.loc, lane, e.ci32(7));
  miLo = arith::AndIOp::create(b, e.loc, mi, e.ci32(1));
  miHi = arith::ShRUIOp::create(b, e.loc, mi, e.ci32(1));
}

SmallVector<Value> MmaTiles::ldmatrix(Value addr, bool trans) {
  OpBuilder &b = e.b;
  Type i32 = e.i32;
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(), {i32, i32, i32, i32});
  auto op = NVVM::LdMatrixOp::create(
      b, e.loc, st, addr, 4, trans ? NVVM::MMALayout::col : NVVM::MMALayout::row,
      NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
      NVVM::LdStMatrixEltType::B16);
  SmallVector<Value> r;
  for (int i = 0; i < 4; ++i)
    r.push_back(LLVM::ExtractValueOp::create(b, e.loc, op.getResult(),
                                             ArrayRef<int64_t>{i}));
  return r;
}

Value MmaTiles::elem(Value tile, Value row, Value col) {
  return e.at(tile, elt, e.toI64(e.add(e.mul(row, e.ci32(stride)), col)));
}

Value MmaTiles::elem(Value tile, Value row, Value col, int64_t rowC,
                     int64_t colC) {
  if (!constOffsets)
    return elem(tile, e.add(e.ci32(rowC), row), e.add(e.ci32(colC), col));
  Value lanePart = elem(tile, row, col);
  return e.at(lanePart, elt, e.ci64(rowC * stride + colC));
}

SmallVector<Value> MmaTiles::mma(ArrayRef<Value> a, ArrayRef<Value> bm,
                                 ArrayRef<Value> c) {
  return e.mma16816(elt.isBF16(), a, bm, c);
}

SmallVector<SmallVector<Value>>
MmaTiles::mulByRows(ArrayRef<SmallVector<Value>> a, Value tile, int64_t nTiles) {
  // ldmatrix.x4 yields the B fragments of two k-steps of one n8 tile.
  SmallVector<SmallVector<Value>> c(nTiles);
  for (int64_t nt = 0; nt < nTiles; ++nt) {
    SmallVector<Value> acc = {e.cf32(0), e.cf32(0), e.cf32(0), e.cf32(0)};
    for (int64_t ks = 0; ks < (int64_t)a.size(); ks += 2) {
      Value col = e.add(e.mul(miLo, e.ci32(8)), e.mul(miHi, e.ci32(16)));
      SmallVector<Value> f =
          ldmatrix(elem(tile, r8, col, nt * 8, ks * 16), false);
      acc = mma(a[ks], {f[0], f[1]}, acc);
      acc = mma(a[ks + 1], {f[2], f[3]}, acc);
    }
    c[nt] = acc;
  }
  return c;
}

SmallVector<SmallVector<Value>> MmaTiles::mulRowsByRows(Value aTile,
                                                        Value aRow0, int64_t nK,
                                                        Value tile,
                                                        int64_t nTiles) {
  SmallVector<SmallVector<Value>> c(
      nTiles, SmallVector<Value>{e.cf32(0), e.cf32(0), e.cf32(0), e.cf32(0)});
  Value aRow = e.add(aRow0, e.add(e.mul(miLo, e.ci32(8)), r8));
  for (int64_t ks = 0; ks < nK; ks += 2) {
    SmallVector<Value> a[2];
    for (int i = 0; i < 2; ++i)
      a[i] = ldmatrix(
          elem(aTile, aRow, e.mul(miHi, e.ci32(8)), 0, (ks + i) * 16), false);
    for (int64_t nt = 0; nt < nTiles; ++nt) {
      Value col = e.add(e.mul(miLo, e.ci32(8)), e.mul(miHi, e.ci32(16)));
      SmallVector<Value> f =
          ldmatrix(elem(tile, r8, col, nt * 8, ks * 16), false);
      c[nt] = mma(a[0], {f[0], f[1]}, c[nt]);
      c[nt] = mma(a[1], {f[2], f[3]}, c[nt]);
    }
  }
  return c;
}

void MmaTiles::accumulate(SmallVectorImpl<Value> &acc,
                          ArrayRef<SmallVector<Value>> p, Value tile,
                          int64_t nOut) {
  // P's accumulator tiles (2kk, 2kk+1) are the A fragment of k-step kk.
  for (int64_t kk = 0; kk < (int64_t)p.size() / 2; ++kk) {
    SmallVector<Value> pa = {frag.pack(p[2 * kk][0], p[2 * kk][1]),
                             frag.pack(p[2 * kk][2], p[2 * kk][3]),
                             frag.pack(p[2 * kk + 1][0], p[2 * kk + 1][1]),
                             frag.pack(p[2 * kk + 1][2], p[2 * kk + 1][3])};
    for (int64_t nt = 0; nt < nOut; nt += 2) {
      Value row = e.add(e.mul(miLo, e.ci32(8)), r8);
      SmallVector<Value> f = ldmatrix(
          elem(tile, row, e.mul(miHi, e.ci32(8)), kk * 16, nt * 8), true);
      for (int64_t half = 0; half < 2; ++half) {
        int64_t n = nt + half;
        SmallVector<Value> c(acc.begin() + n * 4, acc.begin() + n * 4 + 4);
        SmallVector<Value> d = mma(pa, {f[2 * half], f[2 * half + 1]}, c);
        std::copy(d.begin(), d.end(), acc.begin() + n * 4);
      }
    }
  }
}
