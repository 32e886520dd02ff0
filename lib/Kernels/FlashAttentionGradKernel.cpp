//===- FlashAttentionGradKernel.cpp - attention backward on mma.sync ------===//
//
// The two passes of FlashAttentionGradKernel.h. Every product is one of
// MmaTiles' two patterns: the dQ pass reuses the forward's steps
// (FlashForward.h: staging, masked scores, the online-softmax step) for a
// first walk that gives each row's lse and delta, and for S in its second
// walk; dP = dO V^T by rows of the staged V tile, dQ += dS K through the
// staged K tile; the
// dK/dV pass holds this warp's 16 keys' dK and dV accumulators (f32, D / 8
// tiles each) and reads K and V fragments from their tiles per query block.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/FlashAttentionGradKernel.h"
#include "FlashForward.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

using P = arith::CmpIPredicate;
constexpr int64_t kTile = 64;     // query rows and keys per CTA
constexpr int64_t kThreads = 128; // 4 warps of 16 rows
constexpr int64_t kChunk = 128;   // candidates scanned per round (a thread each)
constexpr int64_t kScanUnroll = 8; // table entries a scanning thread loads at once

AttentionParamPositions gradPositions() {
  AttentionParamPositions at;
  at.q = kGradQ;
  at.k = kGradK;
  at.v = kGradV;
  at.o = kGradDq;
  at.idx = kGradKvIndices;
  at.cnt = kGradKvCounts;
  at.vbs = kGradBlockSizes;
  at.keyMask = kGradKeyMask;
  at.Sq = kGradSq;
  at.Skv = kGradSkv;
  at.Hq = kGradHq;
  at.Hkv = kGradHkv;
  at.Kmax = kGradTableK;
  return at;
}

/// Stores a warp's 16 x D f32 accumulator (nO tiles, flat) times `scale`
/// as rows `rowOff[r]` (element offsets; stored where `rowOk[r]`) of `base`.
void storeRows(KernelBuilder &e, Fragments &frag, Type elt, Value base,
               ArrayRef<Value> acc, int64_t nO, Value t2, const Value rowOff[2],
               const Value rowOk[2], float scale) {
  for (int r = 0; r < 2; ++r)
    e.ifThen(rowOk[r], [&] {
      for (int64_t nt = 0; nt < nO; ++nt) {
        Value col = e.toI64(e.add(e.ci32(nt * 8), t2));
        Value x0 = e.fmul(acc[nt * 4 + 2 * r], e.cf32(scale));
        Value x1 = e.fmul(acc[nt * 4 + 2 * r + 1], e.cf32(scale));
        LLVM::StoreOp::create(e.b, e.loc, frag.pack(x0, x1),
                              e.at(base, elt, e.add(rowOff[r], col)), 4);
      }
    });
}

class DqPass : public FlashForward {
public:
  DqPass(OpBuilder &b, Location loc, gpu::GPUModuleOp module, StringRef name,
         const FlashGradKernelConfig &cfg)
      : FlashForward(b, loc, module, name, cfg, flashGradKernelContract(cfg),
                     gradPositions()) {
    zeroMaskedKeys = true;
  }
  void emit();
};

void DqPass::emit() {
  setup();
  mt->constOffsets = true;
  SmallVector<SmallVector<Value>> doa = rowOperand(arg(kGradDout));
  // First walk: each row's lse and delta = sum_j P_j dP_j with dP = dO V^T,
  // online like the forward's l (u is rescaled by the same alpha). delta
  // from these f32 P, the ones dS uses, keeps sum_j dS_j = 0; delta as
  // dO . O from a forward whose P.V rounds P to bf16/f16 does not (its error
  // ~ u |dP| swamps dS = P (dP - delta) on rows where one key dominates:
  // docs/Training.md). And no O accumulators are live.
  const float inf = std::numeric_limits<float>::infinity();
  issueLoads(ci32(0), ci32(0)); // prologue: block 0 into stage 0
  SmallVector<Value> init = {cf32(-inf), cf32(-inf), cf32(0), cf32(0), cf32(0),
                             cf32(0)}; // m0 m1 l0 l1 u0 u1
  SmallVector<Value> st = loop(
      ci32(0), list->count(), ci32(1), init, [&](Value j, ValueRange carried) {
        Value stage = nextStage(j);
        SmallVector<SmallVector<Value>> s = maskedScores(stage, j);
        SmallVector<SmallVector<Value>> dp = mt->mulByRows(doa, tile(stage, 1), nS);
        Value mOld[2] = {carried[0], carried[1]};
        Value mNew[2], alpha[2], rowSum[2];
        softmaxStep(s, mOld, mNew, alpha, rowSum);
        SmallVector<Value> next = {mNew[0], mNew[1]};
        for (int r = 0; r < 2; ++r)
          next.push_back(fadd(fmul(carried[2 + r], alpha[r]), rowSum[r]));
        for (int r = 0; r < 2; ++r) {
          Value u = fmul(carried[4 + r], alpha[r]);
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int e = 0; e < 2; ++e)
              u = LLVM::FMAOp::create(b, loc, s[nt][2 * r + e], dp[nt][2 * r + e], u);
          next.push_back(u);
        }
        return next;
      });
  Value lse2[2], delta[2];
  for (int r = 0; r < 2; ++r) {
    Value l = mt->frag.quadReduce(st[2 + r], false);
    Value any = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0));
    Value inv = select(any, arith::DivFOp::create(b, loc, cf32(1), l), cf32(0));
    delta[r] = fmul(mt->frag.quadReduce(st[4 + r], false), inv);
    // +inf for a row without a valid key: exp2(s - lse2) = 0 there.
    lse2[r] = select(any, fadd(st[r], log2Approx(l)), cf32(inf));
  }
  Value first = cmp(P::eq, t, ci32(0));
  for (int r = 0; r < 2; ++r)
    ifThen(andI(rowIn[r], first), [&] {
      Value row = add(qHead, toI64(r == 0 ? row0 : row1));
      store(lse2[r], arg(kGradLse2), row, 4);
      store(delta[r], arg(kGradDelta), row, 4);
    });

  // The list again: dQ += dS K with dS = P (dO V^T - delta). The first
  // walk's last prefetch (zero-fill past the list) may still be writing a
  // stage, and other warps may still read one: drain and sync before reusing
  // them.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
  barrier();
  issueLoads(ci32(0), ci32(0));
  SmallVector<Value> dqInit(nO * 4, cf32(0));
  SmallVector<Value> dq = loop(
      ci32(0), list->count(), ci32(1), dqInit, [&](Value j, ValueRange carried) {
        Value stage = nextStage(j);
        SmallVector<SmallVector<Value>> s = maskedScores(stage, j);
        SmallVector<SmallVector<Value>> dp = mt->mulByRows(doa, tile(stage, 1), nS);
        for (int64_t nt = 0; nt < nS; ++nt)
          for (int i = 0; i < 4; ++i) {
            Value p = exp2Ftz(arith::SubFOp::create(b, loc, s[nt][i], lse2[i / 2]));
            s[nt][i] = fmul(p, arith::SubFOp::create(b, loc, dp[nt][i], delta[i / 2]));
          }
        SmallVector<Value> acc(carried.begin(), carried.end());
        mt->accumulate(acc, s, tile(stage, 0), nO);
        return acc;
      });
  NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
  Value rowOff[2] = {qRow0, qRow1};
  storeRows(*this, mt->frag, elt, arg(kGradDq), dq, nO, t2, rowOff, rowIn,
            cfg.scale);
}

class DkDvPass : public AttentionEmitter {
public:
  DkDvPass(OpBuilder &b, Location loc, gpu::GPUModuleOp module, StringRef name,
           const FlashGradKernelConfig &cfg)
      : AttentionEmitter(b, loc, module, name, flashGradKernelContract(cfg),
                         (name + "_smem").str(), 16, gradPositions()),
        cfg(cfg),
        elt(cfg.elementType == FlashElementType::BF16 ? Type(b.getBF16Type())
                                                      : Type(b.getF16Type())),
        D(cfg.headDim), SD(D + 8), tileElems(kTile * SD), nS(kTile / 8),
        nDk(D / 16), nO(D / 8) {}
  void emit();

private:
  /// Shared tiles: 0 K, 1 V, then stage s's Q at 2 + 2s and dO at 3 + 2s.
  Value tileAt(Value index) {
    return at(smem, elt, toI64(mul(index, ci32(tileElems))));
  }
  /// f32 arrays after the tiles: lse2 [2][64], delta [2][64].
  Value rowStat(int which, Value stage, Value row) {
    Value base = at(smem, elt, ci64(6 * tileElems));
    return at(base, f32, toI64(add(mul(add(mul(ci32(which), ci32(2)), stage),
                                       ci32(kTile)),
                                   row)));
  }
  /// i32 arrays after those: the round's hit list [kChunk], warp counts [4].
  Value listAt(Value i) {
    Value base = at(smem, elt, ci64(6 * tileElems));
    return at(base, i32, toI64(add(ci32(4 * kTile), i)));
  }
  Value warpCountAt(Value w) { return listAt(add(ci32(kChunk), w)); }
  /// Copies item `it` of the round's list (query block of a listed
  /// candidate) into `stage`: Q and dO rows (zero past Sq or past the
  /// list), their lse2 and delta; commits one group.
  void issueItem(Value it, Value items, Value stage);

  const FlashGradKernelConfig &cfg;
  Type elt;
  int64_t D, SD, tileElems, nS, nDk, nO;
  Value smem, tid, hk, bb, groups, nQT;
};

void DkDvPass::issueItem(Value it, Value items, Value stage) {
  const int64_t RQ = cfg.qSubBlocks > 0 ? cfg.qSubBlocks : cfg.subBlocks;
  const int64_t chunksPerRow = D / 8;
  Value live = cmp(P::slt, it, items);
  Value itc = minS(it, maxS(sub(items, ci32(1)), ci32(0)));
  // Past the list (a prefetch after the last item, or an empty round) the
  // slot may hold anything: use candidate 0 so every address stays valid.
  Value c = select(live, loadFrom(i32, listAt(div(itc, ci32(RQ))), 4), ci32(0));
  Value h = add(mul(hk, groups), div(c, nQT));
  Value qb = add(mul(rem(c, nQT), ci32(RQ)), rem(itc, ci32(RQ)));
  Value q0 = mul(qb, ci32(kTile));
  Value slab = mul(toI64(add(mul(bb, Hq), h)), toI64(Sq)); // row 0 of (b, h)
  Value qTile = tileAt(add(ci32(2), mul(stage, ci32(2))));
  Value dTile = tileAt(add(ci32(3), mul(stage, ci32(2))));
  for (int64_t c0 = 0; c0 < kTile * chunksPerRow; c0 += kThreads) {
    Value ch = add(tid, ci32(c0));
    Value row = div(ch, ci32(chunksPerRow));
    Value col = mul(rem(ch, ci32(chunksPerRow)), ci32(8));
    Value ok = andI(live, cmp(P::slt, add(q0, row), Sq));
    Value bytes = select(ok, ci32(16), ci32(0));
    Value src = add(mul(add(slab, toI64(select(ok, add(q0, row), ci32(0)))), ci64(D)),
                    toI64(col));
    Value dst = toI64(add(mul(row, ci32(SD)), col));
    NVVM::CpAsyncOp::create(b, loc, at(qTile, elt, dst), at(q, elt, src), 16,
                            NVVM::LoadCacheModifierKind::CG, bytes);
    NVVM::CpAsyncOp::create(b, loc, at(dTile, elt, dst), at(arg(kGradDout), elt, src),
                            16, NVVM::LoadCacheModifierKind::CG, bytes);
  }
  // Threads 0..63 copy lse2, 64..127 delta (4 bytes each; 0 past Sq: those
  // rows' Q and dO are 0, so they add nothing).
  Value which = div(tid, ci32(kTile));
  Value row = rem(tid, ci32(kTile));
  Value ok = andI(live, cmp(P::slt, add(q0, row), Sq));
  Value src = add(slab, toI64(select(ok, add(q0, row), ci32(0))));
  Value lseSrc = at(arg(kGradLse2), f32, src), deltaSrc = at(arg(kGradDelta), f32, src);
  Value fromLse = cmp(P::eq, which, ci32(0));
  Value gsrc = LLVM::SelectOp::create(b, loc, fromLse, lseSrc, deltaSrc);
  Value dst = LLVM::SelectOp::create(b, loc, fromLse, rowStat(0, stage, row),
                                     rowStat(1, stage, row));
  NVVM::CpAsyncOp::create(b, loc, dst, gsrc, 4, NVVM::LoadCacheModifierKind::CA,
                          select(ok, ci32(4), ci32(0)));
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
}

void DkDvPass::emit() {
  const int64_t R = cfg.subBlocks;
  const int64_t RQ = cfg.qSubBlocks > 0 ? cfg.qSubBlocks : R;
  const int64_t chunksPerRow = D / 8;
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  smem = shared();
  tid = tidX();
  Value jb = bidX();
  hk = bidY();
  bb = bidZ();
  Value warp = arith::ShRUIOp::create(b, loc, tid, ci32(5));
  Value lane = andI(tid, ci32(31));
  Value g = arith::ShRUIOp::create(b, loc, lane, ci32(2));
  Value t2 = mul(andI(lane, ci32(3)), ci32(2));
  groups = div(Hq, Hkv);
  nQT = ceilDivPos(Sq, kTile * RQ);
  MmaTiles mt(*this, lane, elt, SD);
  mt.constOffsets = true;

  // This block's valid keys, as the forward's list reads them (KvBlockList):
  // kv_block_sizes of its tile past this sub-block's start, at most 64, cut
  // at Skv.
  Value jt = R == 1 ? jb : div(jb, ci32(R));
  Value k0 = mul(jb, ci32(kTile));
  Value size = ci32(kTile);
  if (cfg.hasBlockSizes) {
    Value ts = load(i32, vbs, toI64(jt), 4);
    if (R > 1)
      ts = sub(ts, mul(rem(jb, ci32(R)), ci32(kTile)));
    size = minS(maxS(ts, ci32(0)), ci32(kTile));
  }
  size = minS(size, sub(Skv, k0));
  Value kvSlab = mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv));
  Value maskRow = mul(toI64(bb), toI64(Skv));
  auto keyOk = [&](Value row) {
    Value ok = cmp(P::slt, row, size);
    if (cfg.hasKeyMask) {
      Value key = minS(add(k0, row), sub(Skv, ci32(1)));
      Value m = load(i8, keyMask, add(maskRow, toI64(key)), 1);
      ok = andI(ok, cmp(P::ne, m, arith::ConstantIntOp::create(b, loc, i8, 0)));
    }
    return ok;
  };
  // K and V, staged once (invalid keys zero-filled): their own group.
  for (int64_t c0 = 0; c0 < kTile * chunksPerRow; c0 += kThreads) {
    Value ch = add(tid, ci32(c0));
    Value row = div(ch, ci32(chunksPerRow));
    Value col = mul(rem(ch, ci32(chunksPerRow)), ci32(8));
    Value ok = keyOk(row);
    Value src = add(mul(add(kvSlab, toI64(select(ok, add(k0, row), ci32(0)))), ci64(D)),
                    toI64(col));
    Value dst = toI64(add(mul(row, ci32(SD)), col));
    Value bytes = select(ok, ci32(16), ci32(0));
    NVVM::CpAsyncOp::create(b, loc, at(tileAt(ci32(0)), elt, dst), at(k, elt, src), 16,
                            NVVM::LoadCacheModifierKind::CG, bytes);
    NVVM::CpAsyncOp::create(b, loc, at(tileAt(ci32(1)), elt, dst), at(v, elt, src), 16,
                            NVVM::LoadCacheModifierKind::CG, bytes);
  }
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
  // This thread's two key rows.
  Value krow[2] = {add(mul(warp, ci32(16)), g), add(add(mul(warp, ci32(16)), g), ci32(8))};
  Value kOk[2] = {keyOk(krow[0]), keyOk(krow[1])};

  // Candidates: (query head of the group, table row) pairs, kChunk a round;
  // none for a block without a valid key (its gradients are 0).
  Value candidates = select(cmp(P::sgt, size, ci32(0)), mul(groups, nQT), ci32(0));
  SmallVector<Value> init(2 * nO * 4, cf32(0)); // dV then dK
  SmallVector<Value> acc = loop(
      ci32(0), candidates, ci32(kChunk), init, [&](Value c0, ValueRange carried) {
        Value c = add(c0, tid);
        Value hit = cmp(P::slt, c, candidates);
        if (cfg.indexed) {
          Value h = add(mul(hk, groups), div(minS(c, sub(candidates, ci32(1))), nQT));
          Value I = rem(c, nQT);
          Value listRow = toI64(add(mul(add(mul(bb, Hq), h), nQT), I));
          Value n = minS(maxS(load(i32, cnt, listRow, 4), ci32(0)), Kmax);
          n = select(hit, n, ci32(0));
          // kScanUnroll independent loads an iteration (entries past n read
          // entry n - 1 and do not count).
          Value rowBase = mul(listRow, toI64(Kmax));
          Value lastE = sub(n, ci32(1));
          SmallVector<Value> found = loop(
              ci32(0), n, ci32(kScanUnroll), ValueRange{ci32(0)},
              [&](Value e0, ValueRange f) {
                Value acc = f[0];
                for (int64_t u = 0; u < kScanUnroll; ++u) {
                  Value e = add(e0, ci32(u));
                  Value id = load(i32, idx, add(rowBase, toI64(minS(e, lastE))), 4);
                  Value m = andI(cmp(P::slt, e, n), cmp(P::eq, id, jt));
                  acc = arith::OrIOp::create(b, loc, acc,
                                             arith::ExtUIOp::create(b, loc, i32, m));
                }
                return SmallVector<Value>{acc};
              });
          hit = cmp(P::ne, found[0], ci32(0));
        }
        // Ordered compaction: warp ballots, then the warps' prefix.
        Value votes = ballot(arith::ExtUIOp::create(b, loc, i32, hit));
        // The previous round's list and stages are no longer read, and its
        // last prefetch (zero-fill past the list) has landed.
        NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
        barrier();
        ifThen(cmp(P::eq, lane, ci32(0)), [&] {
          LLVM::StoreOp::create(b, loc, popc(votes), warpCountAt(warp), 4);
        });
        barrier();
        Value before = ci32(0), total = ci32(0);
        for (int w = 0; w < kThreads / 32; ++w) {
          Value n = loadFrom(i32, warpCountAt(ci32(w)), 4);
          before = add(before, select(cmp(P::slt, ci32(w), warp), n, ci32(0)));
          total = add(total, n);
        }
        ifThen(hit, [&] {
          Value slot = add(before, popc(andI(votes, laneMaskLt())));
          LLVM::StoreOp::create(b, loc, c, listAt(slot), 4);
        });
        barrier();
        Value items = mul(total, ci32(RQ));
        issueItem(ci32(0), items, ci32(0));
        return loop(ci32(0), items, ci32(1), carried, [&](Value it, ValueRange st) {
          Value stage = andI(it, ci32(1));
          barrier();
          issueItem(add(it, ci32(1)), items, arith::XOrIOp::create(b, loc, stage, ci32(1)));
          NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(1));
          barrier();
          Value qT = tileAt(add(ci32(2), mul(stage, ci32(2))));
          Value dT = tileAt(add(ci32(3), mul(stage, ci32(2))));
          SmallVector<Value> dv(st.begin(), st.begin() + nO * 4);
          SmallVector<Value> dk(st.begin() + nO * 4, st.end());
          // S^T = K Q^T (16 keys x 64 queries); P^T = exp2(S^T - lse2),
          // 0 for an invalid key.
          SmallVector<SmallVector<Value>> p =
              mt.mulRowsByRows(tileAt(ci32(0)), mul(warp, ci32(16)), nDk, qT, nS);
          // This thread's queries' lse2 / delta: columns 8nt + 2t + e.
          Value statBase[2] = {rowStat(0, stage, t2), rowStat(1, stage, t2)};
          auto stat = [&](int which, int64_t nt, int e) {
            return loadFrom(f32, at(statBase[which], f32, ci64(nt * 8 + e)), 4);
          };
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int e = 0; e < 2; ++e) {
              Value l2 = stat(0, nt, e);
              for (int r = 0; r < 2; ++r) {
                Value &x = p[nt][2 * r + e];
                x = exp2Ftz(arith::SubFOp::create(b, loc, fmul(x, cf32(scaleLog2)), l2));
                x = select(kOk[r], x, cf32(0));
              }
            }
          mt.accumulate(dv, p, dT, nO);
          // dP^T = V dO^T; dS^T = P^T (dP^T - delta).
          SmallVector<SmallVector<Value>> dp =
              mt.mulRowsByRows(tileAt(ci32(1)), mul(warp, ci32(16)), nDk, dT, nS);
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int e = 0; e < 2; ++e) {
              Value dl = stat(1, nt, e);
              for (int r = 0; r < 2; ++r)
                p[nt][2 * r + e] = fmul(
                    p[nt][2 * r + e],
                    arith::SubFOp::create(b, loc, dp[nt][2 * r + e], dl));
            }
          mt.accumulate(dk, p, qT, nO);
          SmallVector<Value> next = dv;
          next.append(dk.begin(), dk.end());
          return next;
        });
      });
  // The last prefetch (past the list) is drained before the CTA exits.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
  // Rows past Skv are not stored; invalid keys store 0.
  Value rowOff[2], rowOk[2];
  for (int r = 0; r < 2; ++r) {
    Value key = add(k0, krow[r]);
    rowOk[r] = cmp(P::slt, key, Skv);
    rowOff[r] = mul(add(kvSlab, toI64(key)), ci64(D));
  }
  ArrayRef<Value> all(acc);
  storeRows(*this, mt.frag, elt, arg(kGradDv), all.take_front(nO * 4), nO, t2,
            rowOff, rowOk, 1.0f);
  storeRows(*this, mt.frag, elt, arg(kGradDk), all.drop_front(nO * 4), nO, t2,
            rowOff, rowOk, cfg.scale);
}

} // namespace

LogicalResult mlir::attn::verifyFlashGradKernelConfig(
    const FlashGradKernelConfig &cfg,
    function_ref<InFlightDiagnostic()> emitError) {
  if (failed(verifyFlashKernelConfig(cfg, emitError)))
    return failure();
  if (cfg.blockQ != kTile || cfg.blockKv != kTile)
    return emitError() << "flash backward kernel: block_q and block_kv must "
                          "be 64 (larger tiles through sub-blocks), got "
                       << cfg.blockQ << " x " << cfg.blockKv;
  if (cfg.hasLse)
    return emitError() << "flash backward kernel: no lse output (the dQ pass "
                          "writes its own log2 lse scratch)";
  return success();
}

std::string mlir::attn::flashGradKernelName(const FlashGradKernelConfig &cfg) {
  std::string fwd = flashKernelName(cfg); // attn_flash_<elt>_...
  return std::string("attn_flash_bwd_") +
         (cfg.pass == GradPass::DQ ? "dq_" : "dkdv_") +
         fwd.substr(std::string("attn_flash_").size());
}

int64_t mlir::attn::flashGradKernelSharedBytes(const FlashGradKernelConfig &cfg) {
  if (cfg.pass == GradPass::DQ)
    return flashKernelSharedBytes(cfg);
  // K, V and two stages of Q and dO; lse2 and delta of two stages; the
  // round's list and the warp counts.
  return 6 * kTile * (cfg.headDim + 8) * 2 + 4 * kTile * 4 + (kChunk + 4) * 4;
}

KernelContract mlir::attn::flashGradKernelContract(
    const FlashGradKernelConfig &cfg, AttentionShape shape, int64_t kvHeads,
    int64_t keys) {
  std::array<int64_t, 3> grid =
      cfg.pass == GradPass::DQ
          ? std::array<int64_t, 3>{ceilDiv(shape.queryRows, kTile), shape.heads,
                                   shape.batch}
          : std::array<int64_t, 3>{ceilDiv(keys, kTile), kvHeads, shape.batch};
  return KernelContract::make(kGradNumPtrs, kGradNumParams - kGradNumPtrs, grid,
                              kThreads, flashGradKernelSharedBytes(cfg));
}

LLVM::LLVMFuncOp mlir::attn::emitFlashGradKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module,
    const FlashGradKernelConfig &cfg, StringRef kernelName) {
  std::string name =
      kernelName.empty() ? flashGradKernelName(cfg) : kernelName.str();
  if (cfg.pass == GradPass::DQ) {
    DqPass e(b, loc, module, name, cfg);
    e.emit();
    e.finish();
    return e.func();
  }
  DkDvPass e(b, loc, module, name, cfg);
  e.emit();
  e.finish();
  return e.func();
}
