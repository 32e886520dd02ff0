//===- BlockMeanKernel.cpp - attn.block_mean on the GPU -------------------===//
//
// One thread per (block, channel) of one (batch, head): the mean over the
// block's valid rows, accumulated in f32. Threads of a warp read
// consecutive channels of the same row, so loads coalesce.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

static Value toF32(KernelBuilder &k, Value x) {
  if (x.getType().isF32())
    return x;
  return arith::ExtFOp::create(k.b, k.loc, k.f32, x);
}

KernelContract mlir::attn::blockMeanContract(int64_t N, int64_t D,
                                            int64_t slabs) {
  return KernelContract::make(
      4, 5, {ceilDiv(N * D, kBlockMeanThreads), slabs, 1}, kBlockMeanThreads);
}

LLVM::LLVMFuncOp mlir::attn::emitBlockMeanKernel(OpBuilder &b, Location loc,
                                                 gpu::GPUModuleOp module,
                                                 Type elt, StringRef name) {
  KernelBuilder k(b, loc, module, name, blockMeanContract());
  Value x = k.arg(0), sizes = k.arg(1), out = k.arg(2), rows = k.arg(3);
  Value N = k.toI64(k.arg(4)), Pb = k.toI64(k.arg(5)), D = k.toI64(k.arg(6));
  Value hasSizes = k.arg(7), srcRows = k.toI64(k.arg(8));
  Value hasRows = LLVM::ICmpOp::create(
      b, loc, LLVM::ICmpPredicate::ne, rows,
      LLVM::ZeroOp::create(b, loc, rows.getType()));
  Value t = k.globalX(kBlockMeanThreads);
  Value bh = k.toI64(k.bidY());
  k.ifThen(k.cmp(P::ult, t, k.mul(N, D)), [&] {
    Value n = k.div(t, D), d = k.rem(t, D);
    Value valid = k.ifElse(
        k.cmp(P::ne, hasSizes, k.ci32(0)), k.i64,
        [&] {
          Value s = k.toI64(k.load(k.i32, sizes, n, 4));
          return k.minS(k.maxS(s, k.ci64(0)), Pb);
        },
        [&] { return Pb; });
    Value slab = k.mul(bh, srcRows);
    Value sum = k.loop(
        k.ci64(0), valid, k.ci64(1), ValueRange{k.cf32(0)},
        [&](Value r, ValueRange acc) -> SmallVector<Value> {
          Value slot = k.add(k.mul(n, Pb), r);
          Value row = k.ifElse(
              hasRows, k.i64,
              [&] { return k.toI64(k.load(k.i32, rows, slot, 4)); },
              [&] { return slot; });
          Value v = k.ifElse(
              k.cmp(P::sge, row, k.ci64(0)), k.f32,
              [&] {
                Value idx = k.add(k.mul(k.add(slab, row), D), d);
                return toF32(k, k.load(elt, x, idx));
              },
              [&] { return k.cf32(0); });
          return {arith::AddFOp::create(b, loc, acc[0], v)};
        })[0];
    Value cnt = arith::SIToFPOp::create(b, loc, k.f32, valid);
    Value mean = arith::DivFOp::create(
        b, loc, sum, arith::MaximumFOp::create(b, loc, cnt, k.cf32(1)));
    Value res = elt.isF32()
                    ? mean
                    : arith::TruncFOp::create(b, loc, elt, mean).getResult();
    k.store(res, out, k.add(k.mul(k.add(k.mul(bh, N), n), D), d));
  });
  k.finish();
  return k.func();
}
