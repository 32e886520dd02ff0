//===- SimtAttentionGradKernel.cpp - attention backward on CUDA cores -----===//
//
// The two passes of SimtAttentionGradKernel.h. Lane L keeps head dims L,
// L + 32, ... (< D) of every row it holds, as unrolled SSA values; dot
// products are summed over the warp with shfl.bfly. Keys are walked as the
// forward SIMT kernel walks them: the row's kv blocks (ids outside [0, nkv)
// dropped, counts clamped to [0, K]), each cut to its valid size
// (kv_block_sizes, Skv) and masked by key_mask.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/SimtAttentionGradKernel.h"
#include "attn/Kernels/KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

using P = arith::CmpIPredicate;

class GradEmitter : public KernelBuilder {
public:
  GradEmitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
              StringRef name, const SimtGradKernelConfig &cfg)
      : KernelBuilder(b, loc, module, name, simtGradKernelContract(cfg)),
        cfg(cfg), elt(simtElementType(b, cfg.elementType)),
        nR((cfg.headDim + 31) / 32) {}

  void emit();

private:
  /// This lane's dims of row `rowBase` (element offset) of `base`, as f32
  /// (0 past D).
  SmallVector<Value> loadRow(Value base, Value rowBase) {
    SmallVector<Value> r(nR);
    for (int64_t i = 0; i < nR; ++i) {
      Value x = load(elt, base, add(rowBase, dim[i]), elt.getIntOrFloatBitWidth() / 8);
      if (elt != f32)
        x = arith::ExtFOp::create(b, loc, f32, x);
      r[i] = dimIn[i] ? select(dimIn[i], x, cf32(0)) : x;
    }
    return r;
  }
  void storeRow(ArrayRef<Value> xs, Value base, Value rowBase) {
    for (int64_t i = 0; i < nR; ++i) {
      Value x = xs[i];
      if (elt != f32)
        x = arith::TruncFOp::create(b, loc, elt, x);
      auto st = [&] {
        LLVM::StoreOp::create(b, loc, x, at(base, elt, add(rowBase, dim[i])),
                              elt.getIntOrFloatBitWidth() / 8);
      };
      if (dimIn[i])
        ifThen(dimIn[i], st);
      else
        st();
    }
  }
  /// The warp's dot product of two rows held as this lane's dims.
  Value dot(ArrayRef<Value> x, ArrayRef<Value> y) {
    Value d = cf32(0);
    for (int64_t i = 0; i < nR; ++i)
      d = LLVM::FMAOp::create(b, loc, x[i], y[i], d);
    return warpSumF32(d);
  }
  /// The row this warp handles: kSimtRowsPerCta rows a CTA, a warp each.
  Value warpRow() {
    return add(mul(bidX(), ci32(kSimtRowsPerCta)),
               arith::ShRUIOp::create(b, loc, tidX(), ci32(5)));
  }
  /// Whether key `key` (< Skv) of batch `bb` is not masked by key_mask.
  Value keyKept(Value bb, Value key) {
    if (!cfg.hasKeyMask)
      return cTrue();
    Value m = load(i8, arg(kGradKeyMask), add(mul(toI64(bb), toI64(Skv)), toI64(key)), 1);
    return cmp(P::ne, m, arith::ConstantIntOp::create(b, loc, i8, 0));
  }
  /// The keys of query row block `listRow` (its kv_indices row; the block
  /// index when dense): body(key, valid, carried) -> next, in list order.
  SmallVector<Value> forEachKey(
      Value bb, Value listRow, ValueRange init,
      const std::function<SmallVector<Value>(Value, Value, ValueRange)> &body);
  void emitDq();
  void emitDkDv();

  const SimtGradKernelConfig &cfg;
  Type elt;
  const int64_t nR;
  SmallVector<Value> dim, dimIn;
  Value Sq, Skv, Hq, Hkv, Kmax, nkv;
};

SmallVector<Value> GradEmitter::forEachKey(
    Value bb, Value listRow, ValueRange init,
    const std::function<SmallVector<Value>(Value, Value, ValueRange)> &body) {
  const int64_t BKV = cfg.blockKv;
  Value count = nkv;
  if (cfg.indexed)
    count = minS(maxS(load(i32, arg(kGradKvCounts), listRow, 4), ci32(0)), Kmax);
  auto blocks = scf::ForOp::create(
      b, loc, ci32(0), count, ci32(1), init,
      [&](OpBuilder &nb, Location, Value e, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        Value id = e;
        if (cfg.indexed)
          id = load(i32, arg(kGradKvIndices), add(mul(listRow, toI64(Kmax)), toI64(e)), 4);
        Value inRange = arith::AndIOp::create(b, loc, cmp(P::sge, id, ci32(0)),
                                              cmp(P::slt, id, nkv));
        id = select(inRange, id, ci32(0));
        Value kbase = mul(id, ci32(BKV));
        Value size = ci32(BKV);
        if (cfg.hasBlockSizes)
          size = load(i32, arg(kGradBlockSizes), toI64(id), 4);
        // Capped at the block (as the dK/dV pass reads a key only inside
        // its own block).
        size = select(inRange, minS(minS(size, ci32(BKV)), sub(Skv, kbase)), ci32(0));
        auto keys = scf::ForOp::create(
            b, loc, ci32(0), maxS(size, ci32(0)), ci32(1), carried,
            [&](OpBuilder &kb, Location, Value t, ValueRange st) {
              OpBuilder::InsertionGuard g2(b);
              b.setInsertionPointToStart(kb.getInsertionBlock());
              Value key = add(kbase, t);
              scf::YieldOp::create(b, loc, body(key, keyKept(bb, key), st));
            });
        scf::YieldOp::create(b, loc, keys.getResults());
      });
  return SmallVector<Value>(blocks.getResults());
}

void GradEmitter::emit() {
  Sq = arg(kGradSq);
  Skv = arg(kGradSkv);
  Hq = arg(kGradHq);
  Hkv = arg(kGradHkv);
  Kmax = arg(kGradTableK);
  nkv = ceilDivPos(Skv, cfg.blockKv);
  Value lane = andI(tidX(), ci32(31));
  // This lane's dims; in a partial last chunk, lanes past D read dim 0 (a
  // valid address) and use 0.
  for (int64_t i = 0; i < nR; ++i) {
    Value d = add(lane, ci32(32 * i));
    Value in;
    if (32 * (i + 1) > cfg.headDim) {
      in = cmp(P::slt, d, ci32(cfg.headDim));
      d = select(in, d, ci32(0));
    }
    dim.push_back(toI64(d));
    dimIn.push_back(in);
  }
  if (cfg.pass == GradPass::DQ)
    emitDq();
  else
    emitDkDv();
}

void GradEmitter::emitDq() {
  const int64_t D = cfg.headDim;
  const float negInf = -std::numeric_limits<float>::infinity();
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  Value lane = andI(tidX(), ci32(31));
  Value h = bidY(), bb = bidZ();
  Value row = warpRow();
  ifThen(cmp(P::slt, row, Sq), [&] {
    Value hk = div(h, div(Hq, Hkv));
    Value rowId = add(mul(toI64(add(mul(bb, Hq), h)), toI64(Sq)), toI64(row));
    Value qRow = mul(rowId, ci64(D));
    Value kvHead = mul(mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv)), ci64(D));
    Value listRow = toI64(add(mul(add(mul(bb, Hq), h), ceilDivPos(Sq, cfg.blockQ)),
                              div(row, ci32(cfg.blockQ))));
    SmallVector<Value> qv = loadRow(arg(kGradQ), qRow);
    SmallVector<Value> dov = loadRow(arg(kGradDout), qRow);
    auto keyRow = [&](Value key) { return add(kvHead, mul(toI64(key), ci64(D))); };

    // The forward: m, l (log2 units) and the unnormalized O.
    SmallVector<Value> init = {cf32(negInf), cf32(0)};
    init.append(nR, cf32(0));
    SmallVector<Value> fwd = forEachKey(
        bb, listRow, init, [&](Value key, Value valid, ValueRange st) {
          Value kr = keyRow(key);
          SmallVector<Value> kv = loadRow(arg(kGradK), kr);
          for (Value &x : kv)
            x = select(valid, x, cf32(0));
          Value s = select(valid, fmul(dot(qv, kv), cf32(scaleLog2)), cf32(negInf));
          Value mNew = arith::MaximumFOp::create(b, loc, st[0], s);
          Value mUse = select(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                                    mNew, cf32(negInf)),
                              cf32(0), mNew);
          Value alpha = exp2(arith::SubFOp::create(b, loc, st[0], mUse));
          Value p = exp2(arith::SubFOp::create(b, loc, s, mUse));
          SmallVector<Value> next = {mNew, fadd(fmul(st[1], alpha), p)};
          SmallVector<Value> vv = loadRow(arg(kGradV), kr);
          for (int64_t i = 0; i < nR; ++i)
            next.push_back(LLVM::FMAOp::create(b, loc, p, select(valid, vv[i], cf32(0)),
                                               fmul(st[2 + i], alpha)));
          return next;
        });
    Value l = fwd[1];
    Value any = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0));
    Value inv = select(any, arith::DivFOp::create(b, loc, cf32(1), l), cf32(0));
    Value delta = cf32(0);
    for (int64_t i = 0; i < nR; ++i)
      delta = LLVM::FMAOp::create(b, loc, dov[i], fmul(fwd[2 + i], inv), delta);
    delta = warpSumF32(delta);
    // +inf for a row without a valid key: exp2(s - lse2) = 0 there.
    Value lse2 = select(any, fadd(fwd[0], log2Approx(l)),
                        cf32(std::numeric_limits<float>::infinity()));

    // dq = scale * sum_j p_j (dp_j - delta) k_j.
    SmallVector<Value> zeros(nR, cf32(0));
    SmallVector<Value> dq = forEachKey(
        bb, listRow, zeros, [&](Value key, Value valid, ValueRange st) {
          // A masked key's k and v are never read into a product (Inf/NaN
          // in masked or pad rows must not reach dq).
          Value kr = keyRow(key);
          SmallVector<Value> kv = loadRow(arg(kGradK), kr);
          SmallVector<Value> vv = loadRow(arg(kGradV), kr);
          for (int64_t i = 0; i < nR; ++i) {
            kv[i] = select(valid, kv[i], cf32(0));
            vv[i] = select(valid, vv[i], cf32(0));
          }
          Value s = fmul(dot(qv, kv), cf32(scaleLog2));
          Value p = select(valid, exp2(arith::SubFOp::create(b, loc, s, lse2)), cf32(0));
          Value dp = dot(dov, vv);
          Value ds = fmul(p, arith::SubFOp::create(b, loc, dp, delta));
          SmallVector<Value> next;
          for (int64_t i = 0; i < nR; ++i)
            next.push_back(LLVM::FMAOp::create(b, loc, ds, kv[i], st[i]));
          return next;
        });
    for (Value &x : dq)
      x = fmul(x, cf32(cfg.scale));
    storeRow(dq, arg(kGradDq), qRow);
    ifThen(cmp(P::eq, lane, ci32(0)), [&] {
      LLVM::StoreOp::create(b, loc, lse2, at(arg(kGradLse2), f32, rowId), 4);
      LLVM::StoreOp::create(b, loc, delta, at(arg(kGradDelta), f32, rowId), 4);
    });
  });
}

void GradEmitter::emitDkDv() {
  const int64_t D = cfg.headDim, BQ = cfg.blockQ, BKV = cfg.blockKv;
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  Value lane = andI(tidX(), ci32(31));
  Value hk = bidY(), bb = bidZ();
  Value key = warpRow();
  ifThen(cmp(P::slt, key, Skv), [&] {
    Value groups = div(Hq, Hkv);
    Value kvRow = mul(add(mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv)), toI64(key)),
                      ci64(D));
    Value jb = div(key, ci32(BKV));
    Value valid = keyKept(bb, key);
    if (cfg.hasBlockSizes)
      valid = arith::AndIOp::create(
          b, loc, valid,
          cmp(P::slt, sub(key, mul(jb, ci32(BKV))),
              load(i32, arg(kGradBlockSizes), toI64(jb), 4)));
    SmallVector<Value> kv = loadRow(arg(kGradK), kvRow);
    SmallVector<Value> vv = loadRow(arg(kGradV), kvRow);
    Value nq = ceilDivPos(Sq, BQ);
    SmallVector<Value> zeros(2 * nR, cf32(0));
    // A masked key gets no gradient: no query block is walked.
    Value blocks = select(valid, mul(groups, nq), ci32(0));
    auto loop = scf::ForOp::create(
        b, loc, ci32(0), blocks, ci32(1), zeros,
        [&](OpBuilder &nb, Location, Value gq, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          Value h = add(mul(hk, groups), div(gq, nq));
          Value qb = rem(gq, nq);
          Value slab = add(mul(bb, Hq), h);
          // Does query block qb's list hold block jb? The warp scans its
          // table row 32 entries at a time.
          Value member = cTrue();
          if (cfg.indexed) {
            Value listRow = toI64(add(mul(slab, nq), qb));
            Value cnt = minS(maxS(load(i32, arg(kGradKvCounts), listRow, 4), ci32(0)), Kmax);
            auto scan = scf::ForOp::create(
                b, loc, ci32(0), cnt, ci32(32), ValueRange{ci32(0)},
                [&](OpBuilder &sb, Location, Value e0, ValueRange hit) {
                  OpBuilder::InsertionGuard g2(b);
                  b.setInsertionPointToStart(sb.getInsertionBlock());
                  Value e = add(e0, lane);
                  Value in = cmp(P::slt, e, cnt);
                  Value id = load(i32, arg(kGradKvIndices),
                                  add(mul(listRow, toI64(Kmax)),
                                      toI64(minS(e, sub(cnt, ci32(1))))),
                                  4);
                  Value match = arith::AndIOp::create(b, loc, in, cmp(P::eq, id, jb));
                  Value votes = ballot(arith::ExtUIOp::create(b, loc, i32, match));
                  scf::YieldOp::create(b, loc, ValueRange{arith::OrIOp::create(b, loc, hit[0], votes).getResult()});
                });
            member = cmp(P::ne, scan.getResult(0), ci32(0));
          }
          SmallVector<Type> types(2 * nR, f32);
          SmallVector<Value> next = ifElse(
              member, types,
              [&] {
                Value r0 = mul(qb, ci32(BQ));
                Value r1 = minS(add(r0, ci32(BQ)), Sq);
                auto rows = scf::ForOp::create(
                    b, loc, r0, r1, ci32(1), carried,
                    [&](OpBuilder &rb, Location, Value i, ValueRange st) {
                      OpBuilder::InsertionGuard g3(b);
                      b.setInsertionPointToStart(rb.getInsertionBlock());
                      Value rowId = add(mul(toI64(slab), toI64(Sq)), toI64(i));
                      Value qRow = mul(rowId, ci64(D));
                      SmallVector<Value> qv = loadRow(arg(kGradQ), qRow);
                      SmallVector<Value> dov = loadRow(arg(kGradDout), qRow);
                      Value lse2 = load(f32, arg(kGradLse2), rowId, 4);
                      Value delta = load(f32, arg(kGradDelta), rowId, 4);
                      Value s = fmul(dot(qv, kv), cf32(scaleLog2));
                      Value p = exp2(arith::SubFOp::create(b, loc, s, lse2));
                      Value ds = fmul(p, arith::SubFOp::create(b, loc, dot(dov, vv), delta));
                      SmallVector<Value> out;
                      for (int64_t r = 0; r < nR; ++r)
                        out.push_back(LLVM::FMAOp::create(b, loc, p, dov[r], st[r]));
                      for (int64_t r = 0; r < nR; ++r)
                        out.push_back(LLVM::FMAOp::create(b, loc, ds, qv[r], st[nR + r]));
                      scf::YieldOp::create(b, loc, out);
                    });
                return SmallVector<Value>(rows.getResults());
              },
              [&] { return SmallVector<Value>(carried); });
          scf::YieldOp::create(b, loc, next);
        });
    SmallVector<Value> dv(loop.getResults().take_front(nR));
    SmallVector<Value> dk;
    for (Value x : loop.getResults().drop_front(nR))
      dk.push_back(fmul(x, cf32(cfg.scale)));
    storeRow(dk, arg(kGradDk), kvRow);
    storeRow(dv, arg(kGradDv), kvRow);
  });
}

} // namespace

LogicalResult mlir::attn::verifySimtGradKernelConfig(
    const SimtGradKernelConfig &cfg,
    function_ref<InFlightDiagnostic()> emitError) {
  if (failed(verifySimtKernelConfig(cfg, emitError)))
    return failure();
  if (cfg.hasLse)
    return emitError() << "simt backward kernel: no lse output (the dQ pass "
                          "writes its own log2 lse scratch)";
  return success();
}

std::string mlir::attn::simtGradKernelName(const SimtGradKernelConfig &cfg) {
  std::string fwd = simtKernelName(cfg); // attn_simt_<elt>_...
  return std::string("attn_simt_bwd_") +
         (cfg.pass == GradPass::DQ ? "dq_" : "dkdv_") +
         fwd.substr(std::string("attn_simt_").size());
}

KernelContract mlir::attn::simtGradKernelContract(
    const SimtGradKernelConfig &cfg, AttentionShape shape, int64_t kvHeads,
    int64_t keys) {
  KernelContract c = KernelContract::make(
      kGradNumPtrs, kGradNumParams - kGradNumPtrs, {1, 1, 1}, kSimtThreads);
  if (cfg.pass == GradPass::DQ)
    c.grid = {ceilDiv(shape.queryRows, kSimtRowsPerCta), shape.heads, shape.batch};
  else
    c.grid = {ceilDiv(keys, kSimtRowsPerCta), kvHeads, shape.batch};
  return c;
}

LLVM::LLVMFuncOp mlir::attn::emitSimtGradKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module,
    const SimtGradKernelConfig &cfg, StringRef kernelName) {
  std::string name =
      kernelName.empty() ? simtGradKernelName(cfg) : kernelName.str();
  GradEmitter e(b, loc, module, name, cfg);
  e.emit();
  e.finish();
  return e.func();
}
