//===- BlockTopkKernel.cpp - exact attn.block_topk on the GPU -------------===//
//
// One CTA per row. Scores are staged in shared memory as order-preserving
// unsigned keys (-0.0 as +0.0, every NaN as the largest key: torch.topk's
// order, which SPEC and the CPU path follow). A radix select
// over the 32 key bits finds T, the K-th largest key (per bit: a block-wide
// count of keys >= the candidate prefix). Every key above T is selected; of
// the keys equal to T, the lowest ids fill the remaining places, so exactly
// K ids are chosen and ties at the threshold go to the lowest ids, as SPEC
// requires. A last pass writes the selected ids in ascending order (slot of
// j = number of selected ids below j). O(32 * Nkv / threads) for the select
// instead of ranking every pair.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"


using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

int64_t mlir::attn::blockTopkSharedBytes(int64_t nkv) { return 8 * nkv + 16; }

KernelContract mlir::attn::blockTopkContract(int64_t rows, int64_t nkv) {
  return KernelContract::make(3, 2, {rows, 1, 1}, kTopkThreads,
                              blockTopkSharedBytes(nkv));
}

LLVM::LLVMFuncOp mlir::attn::emitBlockTopkKernel(OpBuilder &b, Location loc,
                                                 gpu::GPUModuleOp module,
                                                 StringRef name) {
  KernelBuilder k(b, loc, module, name, blockTopkContract(),
                  (name + "_smem").str());
  Value scores = k.arg(0), indices = k.arg(1), counts = k.arg(2);
  Value nkv = k.toI64(k.arg(3)), K = k.toI64(k.arg(4));
  Value K32 = k.arg(4);
  Value row = k.toI64(k.bidX());
  Value tid = k.toI64(k.tidX());
  Value step = k.ci64(kTopkThreads);
  Value smem = k.shared();
  Value keys = smem;                                        // u32 [nkv]
  Value flags = k.at(smem, k.i32, nkv);                     // i32 [nkv]
  Value counter = k.at(smem, k.i32, k.mul(nkv, k.ci64(2))); // i32
  auto u32 = [&](P pred, Value x, Value y) { return k.cmp(pred, x, y); };

  // Stage order-preserving keys: x >= 0 -> bits | 2^31, x < 0 -> ~bits.
  k.loop(tid, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
    Value s = k.load(k.f32, scores, k.add(k.mul(row, nkv), j), 4);
    // -0.0 ties with +0.0; every NaN (any sign or payload) takes the largest
    // key 0xFFFFFFFF, above +inf's 0xFF800000, and NaNs tie with each other.
    Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, s, s);
    Value bits = arith::BitcastOp::create(b, loc, k.i32, s);
    bits = k.select(k.cmp(P::eq, bits, k.ci32(INT32_MIN)), k.ci32(0), bits);
    Value neg = k.cmp(P::slt, bits, k.ci32(0));
    Value key = k.select(neg, arith::XOrIOp::create(b, loc, bits, k.ci32(-1)),
                         arith::OrIOp::create(b, loc, bits, k.ci32(INT32_MIN)));
    key = k.select(isNan, k.ci32(-1), key);
    k.store(key, keys, j, 4);
    return {};
  });
  // Block-wide count of the keys satisfying `pred(key, x)`.
  auto countKeys = [&](P pred, Value x) -> Value {
    k.ifThen(k.cmp(P::eq, tid, k.ci64(0)),
             [&] { k.store(k.ci32(0), counter, k.ci64(0), 4); });
    k.barrier();
    Value mine = k.loop(tid, nkv, step, ValueRange{k.ci32(0)},
                        [&](Value j, ValueRange acc) -> SmallVector<Value> {
                          Value key = k.load(k.i32, keys, j, 4);
                          Value hit = arith::ExtUIOp::create(b, loc, k.i32,
                                                             u32(pred, key, x));
                          return {k.add(acc[0], hit)};
                        })[0];
    LLVM::AtomicRMWOp::create(b, loc, LLVM::AtomicBinOp::add, counter, mine,
                              LLVM::AtomicOrdering::monotonic);
    k.barrier();
    Value total = k.load(k.i32, counter, k.ci64(0), 4);
    k.barrier();
    return total;
  };
  // Radix select: the largest T with count(key >= T) >= K.
  Value T = k.loop(k.ci32(0), k.ci32(32), k.ci32(1), ValueRange{k.ci32(0)},
                   [&](Value i, ValueRange prefix) -> SmallVector<Value> {
                     Value bit = arith::ShLIOp::create(b, loc, k.ci32(1),
                                                       k.sub(k.ci32(31), i));
                     Value cand = arith::OrIOp::create(b, loc, prefix[0], bit);
                     Value n = countKeys(P::uge, cand);
                     return {k.select(k.cmp(P::sge, n, K32), cand, prefix[0])};
                   })[0];
  Value above = countKeys(P::ugt, T);
  Value need = k.sub(K32, above); // ties at T to take, lowest ids first
  k.loop(tid, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
    Value key = k.load(k.i32, keys, j, 4);
    Value sel = k.ifElse(
        k.cmp(P::eq, key, T), k.i1(),
        [&] {
          Value before =
              k.loop(k.ci64(0), j, k.ci64(1), ValueRange{k.ci32(0)},
                     [&](Value i, ValueRange acc) -> SmallVector<Value> {
                       Value ki = k.load(k.i32, keys, i, 4);
                       Value eq = arith::ExtUIOp::create(b, loc, k.i32,
                                                         k.cmp(P::eq, ki, T));
                       return {k.add(acc[0], eq)};
                     })[0];
          return k.cmp(P::slt, before, need);
        },
        [&] { return u32(P::ugt, key, T); });
    k.store(arith::ExtUIOp::create(b, loc, k.i32, sel), flags, j, 4);
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
  k.ifThen(k.cmp(P::eq, tid, k.ci64(0)), [&] { k.store(K32, counts, row, 4); });
  k.finish();
  return k.func();
}
