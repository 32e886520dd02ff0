//===- GatherKernel.cpp - one gather for tile/untile/concat/slice/pad -----===//
//
// Every layout op of the dialect moves whole token rows: tile and untile are
// permutations with zero pad slots, concat/slice/pad are offsets. The
// launch planner composes chains of them into one row table per
// destination, so each is one pass over memory with wide (16-byte when the
// row allows) accesses, one thread per chunk.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

KernelContract mlir::attn::gatherRowsContract(int64_t n, int64_t chunks,
                                             int64_t slabs) {
  return KernelContract::make(
      3, 5, {ceilDiv(n * chunks, kGatherThreads), slabs, 1}, kGatherThreads);
}

LLVM::LLVMFuncOp mlir::attn::emitGatherRowsKernel(OpBuilder &b, Location loc,
                                                  gpu::GPUModuleOp module,
                                                  int chunkBytes,
                                                  StringRef name) {
  KernelBuilder k(b, loc, module, name, gatherRowsContract());
  Type chunk;
  switch (chunkBytes) {
  case 16:
    chunk = VectorType::get({4}, k.i32);
    break;
  case 8:
    chunk = VectorType::get({2}, k.i32);
    break;
  case 4:
    chunk = k.i32;
    break;
  case 2:
    chunk = b.getI16Type();
    break;
  default:
    chunk = k.i8;
    break;
  }
  Value src = k.arg(0), dst = k.arg(1), table = k.arg(2);
  Value n = k.toI64(k.arg(3)), srcRows = k.toI64(k.arg(4)),
        dstRows = k.toI64(k.arg(5)), dstBase = k.toI64(k.arg(6)),
        chunks = k.toI64(k.arg(7));
  Value t = k.globalX(kGatherThreads);
  Value bh = k.toI64(k.bidY());
  k.ifThen(k.cmp(P::ult, t, k.mul(n, chunks)), [&] {
    Value i = k.div(t, chunks), c = k.rem(t, chunks);
    Value s = k.toI64(k.load(k.i32, table, i, 4));
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(chunk));
    Value v = k.ifElse(
        k.cmp(P::sge, s, k.ci64(0)), chunk,
        [&] {
          Value row = k.add(k.mul(bh, srcRows), s);
          return k.load(chunk, src, k.add(k.mul(row, chunks), c), chunkBytes);
        },
        [&] { return zero; });
    Value row = k.add(k.add(k.mul(bh, dstRows), dstBase), i);
    k.store(v, dst, k.add(k.mul(row, chunks), c), chunkBytes);
  });
  k.finish();
  return k.func();
}
