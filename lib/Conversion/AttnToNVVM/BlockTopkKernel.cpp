//===- BlockTopkKernel.cpp - exact attn.block_topk on the GPU -------------===//
//
// One CTA per row. The row's scores are staged in shared memory; each
// candidate j is ranked by how many scores beat it (higher score, or equal
// score and lower id; NaN counts as -inf), which is a strict total order, so
// exactly K candidates have rank < K: ties at the threshold go to the
// lowest ids, as SPEC requires. A second pass writes the selected ids in
// ascending order (the output slot of j = number of selected ids below j).
// O(Nkv^2) compares per row, spread over 128 threads: the coarse grids of
// VSA (hundreds to a few thousand tiles) keep this small next to the fine
// attention.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToNVVM/KernelBuilder.h"
#include "attn/Conversion/AttnToNVVM/UtilityKernels.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

int64_t mlir::attn::blockTopkSharedBytes(int64_t nkv) { return 8 * nkv; }

LLVM::LLVMFuncOp mlir::attn::emitBlockTopkKernel(OpBuilder &b, Location loc,
                                                 gpu::GPUModuleOp module,
                                                 StringRef name) {
  KernelBuilder k(b, loc, module, name, 3, 2, kTopkThreads,
                  (name + "_smem").str());
  Value scores = k.arg(0), indices = k.arg(1), counts = k.arg(2);
  Value nkv = k.toI64(k.arg(3)), K = k.toI64(k.arg(4));
  Value row = k.toI64(k.bidX());
  Value tid = k.toI64(k.tidX());
  Value step = k.ci64(kTopkThreads);
  Value smem = k.shared();
  Value flags = k.at(smem, k.i32, nkv); // after nkv f32 scores
  Value negInf = k.cf32(-std::numeric_limits<float>::infinity());

  // Stage the row, NaN -> -inf.
  k.loop(tid, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
    Value s = k.load(k.f32, scores, k.add(k.mul(row, nkv), j), 4);
    Value isNan =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, s, s);
    k.store(k.select(isNan, negInf, s), smem, j, 4);
    return {};
  });
  k.barrier();
  // Rank every candidate.
  k.loop(tid, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
    Value sj = k.load(k.f32, smem, j, 4);
    Value rank = k.loop(
        k.ci64(0), nkv, k.ci64(1), ValueRange{k.ci64(0)},
        [&](Value i, ValueRange acc) -> SmallVector<Value> {
          Value si = k.load(k.f32, smem, i, 4);
          Value gt =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, si, sj);
          Value eq =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, si, sj);
          Value beats =
              arith::OrIOp::create(b, loc, gt, k.andI(eq, k.cmp(P::ult, i, j)));
          Value one = arith::ExtUIOp::create(b, loc, k.i64, beats);
          return {k.add(acc[0], one)};
        })[0];
    Value sel = arith::ExtUIOp::create(b, loc, k.i32, k.cmp(P::ult, rank, K));
    k.store(sel, flags, j, 4);
    return {};
  });
  k.barrier();
  // Write the selected ids in ascending order.
  k.loop(tid, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
    Value sel = k.load(k.i32, flags, j, 4);
    k.ifThen(k.cmp(P::ne, sel, k.ci32(0)), [&] {
      Value pos = k.loop(k.ci64(0), j, k.ci64(1), ValueRange{k.ci64(0)},
                         [&](Value i, ValueRange acc) -> SmallVector<Value> {
                           Value f = k.toI64(k.load(k.i32, flags, i, 4));
                           return {k.add(acc[0], f)};
                         })[0];
      k.ifThen(k.cmp(P::ult, pos, K), [&] {
        Value jj = arith::TruncIOp::create(b, loc, k.i32, j);
        k.store(jj, indices, k.add(k.mul(row, K), pos), 4);
      });
    });
    return {};
  });
  k.ifThen(k.cmp(P::eq, tid, k.ci64(0)),
           [&] { k.store(k.arg(4), counts, row, 4); });
  k.finish();
  return k.func();
}
