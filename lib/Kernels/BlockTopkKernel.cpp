//===- BlockTopkKernel.cpp - exact attn.block_topk on the GPU -------------===//
//
// One warp per row, up to kTopkWarps rows a CTA. A warp stages its row's
// scores in its slice of shared memory as order-preserving unsigned keys
// (-0.0 as +0.0, every NaN as the largest key: torch.topk's order, which
// SPEC and the CPU path follow). A radix select, two key bits a pass, finds
// T, the K-th largest key: per pass the three candidates prefix|01, |10,
// |11 are counted over the row (each lane its ids j = lane + 32i, then a
// redux.sync warp sum) and the largest candidate with at least K keys >= it
// extends the prefix. Every key above T is selected; of the keys equal to
// T, the lowest ids fill the remaining places, so exactly K ids are chosen
// and ties at the threshold go to the lowest ids, as SPEC requires. A last
// pass over the ids in ascending rounds of 32 ranks the ties and the
// selected ids with ballots and popc and writes each selected id at its
// rank. No block barriers: warps only sync with themselves.
//
// Two refinements: where Nkv <= 32 * kTopkMaxRegisterKeys (the planner
// knows Nkv) a lane keeps its keys in registers and every key loop is
// unrolled (the shared-memory loops were issue-bound: ~5000 instructions a
// warp, 58 us for the Wan 1.3B rows on an H100); and the passes stop once
// count(key >= T) is exactly K (random scores separate the K-th key from
// the next after ~9 of the 16 passes).
//
// A run-time Nkv (a shape-polymorphic artifact) takes the variant with
// both: the widest register form for Nkv <= 1024, the shared-memory form
// above, chosen per launch by a uniform branch (attn_block_topk_r32_s; its
// dynamic shared memory is sized by the plan, 0 up to 1024 kv blocks).
//
// (The former kernel, one 128-thread CTA a row with a barrier per key bit,
// took 91 us for the Wan 1.3B layer's 7488 rows of 624 on an H200.)
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

int64_t mlir::attn::blockTopkWarps(int64_t nkv, int64_t maxSharedBytes) {
  return std::max<int64_t>(
      1, std::min<int64_t>(kTopkWarps, maxSharedBytes / (4 * nkv)));
}

KernelContract mlir::attn::blockTopkContract(int64_t rows, int64_t nkv,
                                             int64_t warps, int64_t regKeys) {
  return KernelContract::make(3, 3, {ceilDiv(rows, warps), 1, 1}, 32 * warps,
                              regKeys ? 0 : 4 * warps * nkv);
}

int64_t mlir::attn::blockTopkRegisterKeys(int64_t nkv) {
  int64_t perLane = ceilDiv(nkv, 32);
  return perLane <= kTopkMaxRegisterKeys ? perLane : 0;
}

LLVM::LLVMFuncOp mlir::attn::emitBlockTopkKernel(OpBuilder &b, Location loc,
                                                 gpu::GPUModuleOp module,
                                                 StringRef name,
                                                 int64_t regKeys,
                                                 bool sharedFallback) {
  KernelContract contract = blockTopkContract(1, 1, kTopkWarps, regKeys);
  KernelBuilder k(b, loc, module, name, contract, (name + "_smem").str());
  Value scores = k.arg(0), indices = k.arg(1), counts = k.arg(2);
  Value nkv = k.toI64(k.arg(3)), K = k.toI64(k.arg(4));
  Value rows = k.toI64(k.arg(5));
  Value K32 = k.arg(4);
  Value tid = k.toI64(k.tidX());
  Value warp = k.div(tid, k.ci64(32)), lane = k.rem(tid, k.ci64(32));
  Value warps =
      k.div(k.toI64(NVVM::BlockDimXOp::create(b, loc, k.i32)), k.ci64(32));
  Value row = k.add(k.mul(k.toI64(k.bidX()), warps), warp);
  Value step = k.ci64(32);
  auto asI32 = [&](Value flag) {
    return arith::ExtUIOp::create(b, loc, k.i32, flag).getResult();
  };
  // Order-preserving keys: x >= 0 -> bits | 2^31, x < 0 -> ~bits; -0.0
  // ties with +0.0; every NaN (any sign or payload) takes the largest key
  // 0xFFFFFFFF, above +inf's 0xFF800000, and NaNs tie. Every real key is
  // >= 0x007FFFFF (-inf), so 0 (what a lane holds past Nkv) is never
  // counted: each candidate below is > 0.
  auto keyOf = [&](Value s) {
    Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, s, s);
    Value bits = arith::BitcastOp::create(b, loc, k.i32, s);
    bits = k.select(k.cmp(P::eq, bits, k.ci32(INT32_MIN)), k.ci32(0), bits);
    Value neg = k.cmp(P::slt, bits, k.ci32(0));
    Value key = k.select(neg, arith::XOrIOp::create(b, loc, bits, k.ci32(-1)),
                         arith::OrIOp::create(b, loc, bits, k.ci32(INT32_MIN)));
    return k.select(isNan, k.ci32(-1), key);
  };
  // The row's selection, its keys in `regKeys` registers a lane or (0) in
  // the warp's slice of shared memory.
  auto selectRow = [&](int64_t regKeys) {
    // The lane's keys: ids j = lane + 32 r. In registers (regKeys of them,
    // every loop below unrolled; 0 past Nkv) or in the warp's slice of
    // shared memory. Either way a lane only reads back the keys it staged,
    // so the warp needs no sync of its own.
    SmallVector<Value> regs;
    Value keys;
    if (regKeys) {
      SmallVector<Value> raw;
      for (int64_t r = 0; r < regKeys; ++r) {
        Value j = k.add(lane, k.ci64(32 * r));
        Value in = k.cmp(P::slt, j, nkv);
        raw.push_back(k.ifElse(
            in, k.f32,
            [&] { return k.load(k.f32, scores, k.add(k.mul(row, nkv), j), 4); },
            [&] { return k.cf32(0); }));
        regs.push_back(in);
      }
      for (int64_t r = 0; r < regKeys; ++r)
        regs[r] = k.select(regs[r], keyOf(raw[r]), k.ci32(0));
    } else {
      keys = k.at(k.shared(), k.i32, k.mul(warp, nkv));
      k.loop(lane, nkv, step, {}, [&](Value j, ValueRange) -> SmallVector<Value> {
        Value s = k.load(k.f32, scores, k.add(k.mul(row, nkv), j), 4);
        k.store(keyOf(s), keys, j, 4);
        return {};
      });
    }
    // acc folded over the lane's keys by fn(key, acc).
    auto foldKeys = [&](ValueRange init,
                        const std::function<SmallVector<Value>(Value, ValueRange)> &fn) {
      if (!regKeys)
        return k.loop(lane, nkv, step, init,
                      [&](Value j, ValueRange acc) -> SmallVector<Value> {
                        return fn(k.load(k.i32, keys, j, 4), acc);
                      });
      SmallVector<Value> acc(init.begin(), init.end());
      for (Value key : regs)
        acc = fn(key, acc);
      return acc;
    };
    // Radix select, two bits a pass: the largest T with count(key >= T) >=
    // K. `atT` = count(key >= T) once a pass has raised T (else -1); when
    // it is exactly K the keys >= T are the selection and the passes left
    // are skipped (a uniform branch: every lane holds the same counts).
    SmallVector<Value> sel = k.loop(
        k.ci32(0), k.ci32(32), k.ci32(2), ValueRange{k.ci32(0), k.ci32(-1)},
        [&](Value i, ValueRange st) -> SmallVector<Value> {
          return k.ifElse(
              k.cmp(P::eq, st[1], K32), TypeRange{k.i32, k.i32},
              [&] { return SmallVector<Value>(st.begin(), st.end()); },
              [&] {
                Value shift = k.sub(k.ci32(30), i);
                SmallVector<Value> cand;
                for (int64_t d = 1; d <= 3; ++d)
                  cand.push_back(arith::OrIOp::create(
                      b, loc, st[0],
                      arith::ShLIOp::create(b, loc, k.ci32(d), shift)));
                SmallVector<Value> zero(3, k.ci32(0));
                SmallVector<Value> n =
                    foldKeys(zero, [&](Value key, ValueRange acc) {
                      SmallVector<Value> next;
                      for (int64_t d = 0; d < 3; ++d)
                        next.push_back(
                            k.add(acc[d], asI32(k.cmp(P::uge, key, cand[d]))));
                      return next;
                    });
                Value t = st[0], at = st[1];
                for (int64_t d = 0; d < 3; ++d) { // candidates ascend: the last wins
                  Value total = k.warpSum(n[d]);
                  Value ok = k.cmp(P::sge, total, K32);
                  t = k.select(ok, cand[d], t);
                  at = k.select(ok, total, at);
                }
                return SmallVector<Value>{t, at};
              });
        });
    Value T = sel[0];
    Value mineAbove = foldKeys(ValueRange{k.ci32(0)}, [&](Value key, ValueRange acc) {
      return SmallVector<Value>{k.add(acc[0], asI32(k.cmp(P::ugt, key, T)))};
    })[0];
    Value need = k.sub(K32, k.warpSum(mineAbove)); // ties at T, lowest first
    // Ascending rounds of 32 ids: rank the ties, select, rank the selected
    // ids, write each at its rank.
    Value lt = k.laneMaskLt();
    auto round = [&](Value base, Value key, ValueRange bases) {
      Value j = k.add(base, lane);
      Value valid = k.cmp(P::slt, j, nkv);
      Value eq = k.andI(valid, k.cmp(P::eq, key, T));
      Value gt = k.andI(valid, k.cmp(P::ugt, key, T));
      Value eqVotes = k.ballot(asI32(eq));
      Value eqRank = k.popc(k.andI(eqVotes, lt));
      Value tieOk = k.cmp(P::slt, k.add(bases[0], eqRank), need);
      Value pick = arith::OrIOp::create(b, loc, gt, k.andI(eq, tieOk));
      Value selVotes = k.ballot(asI32(pick));
      Value pos = k.toI64(k.add(bases[1], k.popc(k.andI(selVotes, lt))));
      k.ifThen(k.andI(pick, k.cmp(P::slt, pos, K)), [&] {
        Value jj = arith::TruncIOp::create(b, loc, k.i32, j);
        k.store(jj, indices, k.add(k.mul(row, K), pos), 4);
      });
      return SmallVector<Value>{k.add(bases[0], k.popc(eqVotes)),
                                k.add(bases[1], k.popc(selVotes))};
    };
    if (regKeys) {
      SmallVector<Value> bases = {k.ci32(0), k.ci32(0)};
      for (int64_t r = 0; r < regKeys; ++r)
        bases = round(k.ci64(32 * r), regs[r], bases);
    } else {
      k.loop(k.ci64(0), nkv, step, ValueRange{k.ci32(0), k.ci32(0)},
             [&](Value base, ValueRange bases) -> SmallVector<Value> {
               Value j = k.add(base, lane);
               Value key = k.ifElse(
                   k.cmp(P::slt, j, nkv), k.i32,
                   [&] { return k.load(k.i32, keys, j, 4); },
                   [&] { return k.ci32(0); });
               return round(base, key, bases);
             });
    }
    k.ifThen(k.cmp(P::eq, lane, k.ci64(0)),
             [&] { k.store(K32, counts, row, 4); });
  };
  // The whole warp takes a row or none (warp collectives inside).
  k.ifThen(k.cmp(P::slt, row, rows), [&] {
    if (!sharedFallback) {
      selectRow(regKeys);
      return;
    }
    // A uniform branch on the run-time Nkv: registers where the keys fit.
    k.ifThenElse(k.cmp(P::sle, nkv, k.ci64(32 * regKeys)),
                 [&] { selectRow(regKeys); }, [&] { selectRow(0); });
  });
  k.finish();
  return k.func();
}
