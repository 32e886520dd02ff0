//===- BlockTopkKernel.cpp - exact attn.block_topk on the GPU -------------===//
//
// One CTA per row. Scores are staged in shared memory as order-preserving
// unsigned keys (-0.0 as +0.0, every NaN as the largest key: torch.topk's
// order, which SPEC and the CPU path follow). A radix select over the 32 key
// bits finds T, the K-th largest key (per bit: a block-wide count of keys >=
// the candidate prefix: per-thread counts, a warp sum with redux.sync, the
// four warp sums through shared memory, one barrier per bit). Every key
// above T is selected; of the keys equal to T, the lowest ids fill the
// remaining places, so exactly K ids are chosen and ties at the threshold go
// to the lowest ids, as SPEC requires. A last pass over the ids in rounds of
// 128, in ascending order, ranks the ties and the selected ids with ballots
// and popc (a block-wide exclusive scan, two barriers per round) and writes
// each selected id at its rank: O(Nkv / threads) per thread after the
// select, no pairwise ranking.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"


using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

// Shared memory (i32 words): the radix counts' two buffers (4 warp sums
// each, alternating by bit so one barrier per bit suffices), the per-warp
// tie and selection counts of a round, then the keys.
static constexpr int64_t kWarps = kTopkThreads / 32;
static constexpr int64_t kCountWords = 2 * kWarps, kTieWords = kWarps,
                         kSelWords = kWarps;
static constexpr int64_t kHeaderWords = kCountWords + kTieWords + kSelWords;

int64_t mlir::attn::blockTopkSharedBytes(int64_t nkv) {
  return 4 * (kHeaderWords + nkv);
}

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
  Value warp = k.div(tid, k.ci64(32));
  Value lane0 = k.cmp(P::eq, k.rem(tid, k.ci64(32)), k.ci64(0));
  Value step = k.ci64(kTopkThreads);
  Value smem = k.shared();
  Value countBuf = smem;                                       // i32 [2][4]
  Value tieBuf = k.at(smem, k.i32, k.ci64(kCountWords));       // i32 [4]
  Value selBuf = k.at(smem, k.i32, k.ci64(kCountWords + kTieWords));
  Value keys = k.at(smem, k.i32, k.ci64(kHeaderWords));        // u32 [nkv]
  auto u32 = [&](P pred, Value x, Value y) { return k.cmp(pred, x, y); };
  auto asI32 = [&](Value flag) {
    return arith::ExtUIOp::create(b, loc, k.i32, flag).getResult();
  };

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
  k.barrier();
  // Sum of the kWarps words at `buf` (all of them, and those of the warps
  // below this one: the block-wide exclusive prefix of a warp count).
  auto warpTotals = [&](Value buf) -> std::pair<Value, Value> {
    Value total = k.ci32(0), below = k.ci32(0);
    for (int64_t w = 0; w < kWarps; ++w) {
      Value c = k.load(k.i32, buf, k.ci64(w), 4);
      total = k.add(total, c);
      below = k.add(below, k.select(k.cmp(P::ult, k.ci64(w), warp), c,
                                    k.ci32(0)));
    }
    return {total, below};
  };
  // Publishes this warp's `warpCount` at buf[warp]; after a barrier, the
  // block's total and the sum over the warps below this one.
  auto blockCount = [&](Value warpCount, Value buf) {
    k.ifThen(lane0, [&] { k.store(warpCount, buf, warp, 4); });
    k.barrier();
    return warpTotals(buf);
  };
  // Block-wide count of the keys satisfying `pred(key, x)`, through count
  // buffer `parity` (0/1, i64; consecutive counts alternate).
  auto countKeys = [&](P pred, Value x, Value parity) -> Value {
    Value mine = k.loop(tid, nkv, step, ValueRange{k.ci32(0)},
                        [&](Value j, ValueRange acc) -> SmallVector<Value> {
                          Value key = k.load(k.i32, keys, j, 4);
                          return {k.add(acc[0], asI32(u32(pred, key, x)))};
                        })[0];
    Value buf = k.at(countBuf, k.i32, k.mul(parity, k.ci64(kWarps)));
    return blockCount(k.warpSum(mine), buf).first;
  };
  // Rank of this thread's `flag` among the set flags of lower threads (its
  // exclusive block-wide prefix), and the block's count of set flags.
  Value lt = k.laneMaskLt();
  auto blockRank = [&](Value flag, Value buf) -> std::pair<Value, Value> {
    Value votes = k.ballot(asI32(flag));
    auto [total, below] = blockCount(k.popc(votes), buf);
    return {k.add(below, k.popc(k.andI(votes, lt))), total};
  };
  // Radix select: the largest T with count(key >= T) >= K.
  Value T = k.loop(k.ci32(0), k.ci32(32), k.ci32(1), ValueRange{k.ci32(0)},
                   [&](Value i, ValueRange prefix) -> SmallVector<Value> {
                     Value bit = arith::ShLIOp::create(b, loc, k.ci32(1),
                                                       k.sub(k.ci32(31), i));
                     Value cand = arith::OrIOp::create(b, loc, prefix[0], bit);
                     Value parity = k.toI64(k.andI(i, k.ci32(1)));
                     Value n = countKeys(P::uge, cand, parity);
                     return {k.select(k.cmp(P::sge, n, K32), cand, prefix[0])};
                   })[0];
  // 32 counts used buffers 0,1,...,1: the next one is buffer 0.
  Value above = countKeys(P::ugt, T, k.ci64(0));
  Value need = k.sub(K32, above); // ties at T to take, lowest ids first
  // Ascending rounds of kTopkThreads ids: rank the ties, select, rank the
  // selected ids, write each at its rank. A round's tie (selection) counts
  // are read before the round's second (the next round's first) barrier,
  // which every writer of the next round's counts has passed.
  k.loop(k.ci64(0), nkv, step, ValueRange{k.ci32(0), k.ci32(0)},
         [&](Value base, ValueRange bases) -> SmallVector<Value> {
           Value j = k.add(base, tid);
           Value valid = k.cmp(P::slt, j, nkv);
           Value key = k.ifElse(
               valid, k.i32, [&] { return k.load(k.i32, keys, j, 4); },
               [&] { return k.ci32(0); });
           Value eq = k.andI(valid, k.cmp(P::eq, key, T));
           Value gt = k.andI(valid, u32(P::ugt, key, T));
           auto [eqRank, eqTotal] = blockRank(eq, tieBuf);
           Value tieOk = k.cmp(P::slt, k.add(bases[0], eqRank), need);
           Value sel = arith::OrIOp::create(b, loc, gt, k.andI(eq, tieOk));
           auto [selRank, selTotal] = blockRank(sel, selBuf);
           Value pos = k.toI64(k.add(bases[1], selRank));
           k.ifThen(k.andI(sel, k.cmp(P::slt, pos, K)), [&] {
             Value jj = arith::TruncIOp::create(b, loc, k.i32, j);
             k.store(jj, indices, k.add(k.mul(row, K), pos), 4);
           });
           return {k.add(bases[0], eqTotal), k.add(bases[1], selTotal)};
         });
  k.ifThen(k.cmp(P::eq, tid, k.ci64(0)), [&] { k.store(K32, counts, row, 4); });
  k.finish();
  return k.func();
}
