//===- CheckKernels.cpp - mask_from_lengths and the checked-mode kernel ---===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

KernelContract mlir::attn::maskFromLengthsContract(int64_t total) {
  return KernelContract::make(2, 2, {ceilDiv(total, kMaskThreads), 1, 1},
                              kMaskThreads);
}

KernelContract mlir::attn::checkKvContract(int64_t rows) {
  return KernelContract::make(
      ATTNRT_CHECK_KV_NUM_PTRS,
      ATTNRT_CHECK_KV_NUM_PARAMS - ATTNRT_CHECK_KV_NUM_PTRS,
      {ceilDiv(rows, kCheckThreads), 1, 1}, kCheckThreads);
}

LLVM::LLVMFuncOp mlir::attn::emitMaskFromLengthsKernel(OpBuilder &b,
                                                       Location loc,
                                                       gpu::GPUModuleOp module,
                                                       StringRef name) {
  KernelBuilder k(b, loc, module, name, maskFromLengthsContract());
  Value lengths = k.arg(0), out = k.arg(1);
  Value S = k.toI64(k.arg(2)), total = k.toI64(k.arg(3));
  Value t = k.globalX(kMaskThreads);
  k.ifThen(k.cmp(P::ult, t, total), [&] {
    Value bIdx = k.div(t, S), j = k.rem(t, S);
    Value len = k.toI64(k.load(k.i32, lengths, bIdx, 4));
    Value m = arith::ExtUIOp::create(b, loc, k.i8, k.cmp(P::slt, j, len));
    k.store(m, out, t, 1);
  });
  k.finish();
  return k.func();
}

LLVM::LLVMFuncOp mlir::attn::emitCheckKvKernel(OpBuilder &b, Location loc,
                                               gpu::GPUModuleOp module,
                                               StringRef name) {
  KernelBuilder k(b, loc, module, name, checkKvContract());
  Value indices = k.arg(ATTNRT_CHECK_KV_INDICES),
        counts = k.arg(ATTNRT_CHECK_KV_COUNTS), err = k.arg(ATTNRT_CHECK_KV_ERR);
  Value rows = k.toI64(k.arg(ATTNRT_CHECK_KV_ROWS)),
        K = k.toI64(k.arg(ATTNRT_CHECK_KV_K)),
        nkv = k.toI64(k.arg(ATTNRT_CHECK_KV_NKV));
  Value r = k.globalX(kCheckThreads);
  auto report = [&](Value pos) {
    Value p32 = arith::TruncIOp::create(b, loc, k.i32, pos);
    LLVM::AtomicRMWOp::create(b, loc, LLVM::AtomicBinOp::umin,
                              k.at(err, k.i32, k.ci64(ATTNRT_CHECK_ERR_POSITION)), p32,
                              LLVM::AtomicOrdering::monotonic);
  };
  k.ifThen(k.cmp(P::ult, r, rows), [&] {
    Value c = k.toI64(k.load(k.i32, counts, r, 4));
    Value bad = arith::OrIOp::create(b, loc, k.cmp(P::slt, c, k.ci64(0)),
                                     k.cmp(P::sgt, c, K));
    auto ifOp = scf::IfOp::create(b, loc, bad, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      report(r);
      b.setInsertionPointToStart(&ifOp.getElseRegion().front());
      // The first bad entry of the row (later ones cannot be lower).
      k.loop(k.ci64(0), c, k.ci64(1), ValueRange{k.ci32(0)},
             [&](Value e, ValueRange found) -> SmallVector<Value> {
               Value q = k.add(k.mul(r, K), e);
               Value v = k.toI64(k.load(k.i32, indices, q, 4));
               Value out = arith::OrIOp::create(
                   b, loc, k.cmp(P::slt, v, k.ci64(0)), k.cmp(P::sge, v, nkv));
               Value first = k.andI(out, k.cmp(P::eq, found[0], k.ci32(0)));
               k.ifThen(first, [&] { report(k.add(rows, q)); });
               Value f = arith::ExtUIOp::create(b, loc, k.i32, out);
               return {arith::OrIOp::create(b, loc, found[0], f).getResult()};
             });
    }
  });
  k.finish();
  return k.func();
}
