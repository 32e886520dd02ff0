//===- SimtAttentionKernel.cpp - SIMT fallback attention kernel -----------===//
//
// One warp per query row, 4 rows per CTA. Lane L keeps head dims L, L + 32,
// ... (< D) of the row's Q and of its output accumulator in registers (D is
// static, so these are unrolled SSA values, never a local array). Keys are
// visited U at a time (U = min(4, block_kv), U independent reductions in
// flight): each lane loads its dims of the U keys' K rows (consecutive lanes
// read consecutive elements), the partial dot products are summed over the
// warp with shfl.bfly (every lane ends with the same sum), scaled into log2
// units, and invalid keys (past the block's size, or masked) get -inf. The
// online softmax keeps the running max m and sum l in f32; a row whose max
// is still -inf uses 0 as the reference so exp2(-inf - 0) = 0, not NaN.
// Invalid keys' V values are replaced by 0 before they are weighted, so
// Inf/NaN in pad or masked slots never reach the output. A row whose sum is
// 0 (no valid key) is written as 0.
//
// The dense variant without kv_block_sizes visits keys 0..Skv-1 as one
// range; the others walk the row's kv blocks (all of them when dense).
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/SimtAttentionKernel.h"
#include "AttentionEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr int64_t kMaxBlock = int64_t(1) << 30;

class SimtEmitter : public AttentionEmitter {
public:
  SimtEmitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
              StringRef name, const SimtKernelConfig &cfg)
      : AttentionEmitter(b, loc, module, name, simtKernelContract(cfg)),
        cfg(cfg), elt(simtElementType(b, cfg.elementType)) {}

  void emit();

private:
  /// Element `index` of a tensor, as f32.
  Value loadElt(Value base, Value index) {
    Value x = load(elt, base, index, elt.getIntOrFloatBitWidth() / 8);
    return elt == f32 ? x : arith::ExtFOp::create(b, loc, f32, x).getResult();
  }

  const SimtKernelConfig &cfg;
  Type elt;
};

void SimtEmitter::emit() {
  const int64_t D = cfg.headDim, BQ = cfg.blockQ, BKV = cfg.blockKv;
  const int64_t nR = (D + 31) / 32; // dims per lane (the last chunk may be partial)
  const bool wholeRange = !cfg.indexed && !cfg.hasBlockSizes;
  const int64_t U = wholeRange ? 4 : std::min<int64_t>(4, BKV);
  const float negInf = -std::numeric_limits<float>::infinity();
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;

  Value tid = tidX();
  Value bx = bidX();
  Value h = bidY();
  Value bb = bidZ();
  Value warp = arith::ShRUIOp::create(b, loc, tid, ci32(5));
  Value lane = arith::AndIOp::create(b, loc, tid, ci32(31));
  Value row = add(mul(bx, ci32(kSimtRowsPerCta)), warp);

  // Warps past the last row have nothing to do (no barrier follows).
  auto rowIf = scf::IfOp::create(b, loc, TypeRange{},
                                 cmp(arith::CmpIPredicate::slt, row, Sq),
                                 /*withElse=*/false);
  b.setInsertionPointToStart(rowIf.thenBlock());

  Value groups = arith::DivUIOp::create(b, loc, Hq, Hkv);
  Value hk = arith::DivUIOp::create(b, loc, h, groups);
  Value nkv = ceilDivPos(Skv, BKV);
  Value qRow = mul(add(mul(toI64(add(mul(bb, Hq), h)), toI64(Sq)), toI64(row)), ci64(D));
  Value kvHead = mul(mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv)), ci64(D));
  Value maskRow = mul(toI64(bb), toI64(Skv));

  // This lane's dims: d_r = lane + 32 r; in the partial last chunk, lanes
  // past D load dim 0 (a valid address) and use 0.
  SmallVector<Value> dimIdx(nR), dimIn(nR);
  for (int64_t r = 0; r < nR; ++r) {
    Value d = add(lane, ci32(32 * r));
    if (32 * (r + 1) > D) {
      dimIn[r] = cmp(arith::CmpIPredicate::slt, d, ci32(D));
      d = select(dimIn[r], d, ci32(0));
    }
    dimIdx[r] = toI64(d);
  }
  auto masked = [&](int64_t r, Value x) {
    return dimIn[r] ? select(dimIn[r], x, cf32(0)) : x;
  };
  SmallVector<Value> qv(nR);
  for (int64_t r = 0; r < nR; ++r)
    qv[r] = masked(r, loadElt(q, add(qRow, dimIdx[r])));

  // The row's list of kv blocks (a single range of all keys when dense
  // without block sizes).
  Value listRow, count;
  if (cfg.indexed) {
    Value nq = ceilDivPos(Sq, BQ);
    Value J = arith::DivUIOp::create(b, loc, row, ci32(BQ));
    listRow = add(mul(toI64(add(mul(bb, Hq), h)), toI64(nq)), toI64(J));
    Value c = load(i32, cnt, listRow, 4);
    count = minS(maxS(c, ci32(0)), Kmax);
  } else {
    count = wholeRange ? ci32(1) : nkv;
  }

  // Carried: m, l, acc[nR].
  SmallVector<Value> init = {cf32(negInf), cf32(0)};
  for (int64_t r = 0; r < nR; ++r)
    init.push_back(cf32(0));

  auto blocks = scf::ForOp::create(
      b, loc, ci32(0), count, ci32(1), init,
      [&](OpBuilder &nb, Location, Value e, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        // First key and number of valid keys of this block.
        Value kbase = ci32(0), size = Skv;
        if (!wholeRange) {
          Value id = e;
          if (cfg.indexed)
            id = load(i32, idx, add(mul(listRow, toI64(Kmax)), toI64(e)), 4);
          Value inRange = arith::AndIOp::create(
              b, loc, cmp(arith::CmpIPredicate::sge, id, ci32(0)),
              cmp(arith::CmpIPredicate::slt, id, nkv));
          id = select(inRange, id, ci32(0));
          kbase = mul(id, ci32(BKV));
          size = ci32(BKV);
          if (cfg.hasBlockSizes)
            size = load(i32, vbs, toI64(id), 4);
          size = minS(size, sub(Skv, kbase));
          size = select(inRange, size, ci32(0));
        }
        Value lastKey = add(kbase, sub(size, ci32(1))); // read only if size > 0

        auto keys = scf::ForOp::create(
            b, loc, ci32(0), size, ci32(U), carried,
            [&](OpBuilder &kb, Location, Value t, ValueRange st) {
              OpBuilder::InsertionGuard g2(b);
              b.setInsertionPointToStart(kb.getInsertionBlock());
              SmallVector<Value> valid(U), keyRow(U), score(U);
              for (int64_t u = 0; u < U; ++u) {
                Value tu = add(t, ci32(u));
                valid[u] = cmp(arith::CmpIPredicate::slt, tu, size);
                Value key = minS(add(kbase, tu), lastKey);
                if (cfg.hasKeyMask) {
                  Value mk = load(i8, keyMask, add(maskRow, toI64(key)), 1);
                  valid[u] = arith::AndIOp::create(
                      b, loc, valid[u],
                      cmp(arith::CmpIPredicate::ne, mk,
                          arith::ConstantIntOp::create(b, loc, i8, 0)));
                }
                keyRow[u] = add(kvHead, mul(toI64(key), ci64(D)));
                Value dot = cf32(0);
                for (int64_t r = 0; r < nR; ++r)
                  dot = LLVM::FMAOp::create(
                      b, loc, qv[r], masked(r, loadElt(k, add(keyRow[u], dimIdx[r]))),
                      dot);
                score[u] = dot;
              }
              Value mOld = st[0], lOld = st[1];
              Value mNew = mOld;
              for (int64_t u = 0; u < U; ++u) {
                score[u] = select(valid[u], fmul(warpSumF32(score[u]), cf32(scaleLog2)),
                                  cf32(negInf));
                mNew = arith::MaximumFOp::create(b, loc, mNew, score[u]);
              }
              Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                                  mNew, cf32(negInf));
              Value mUse = select(isInf, cf32(0), mNew);
              Value alpha = exp2(arith::SubFOp::create(b, loc, mOld, mUse));
              SmallVector<Value> p(U);
              Value l = fmul(lOld, alpha);
              for (int64_t u = 0; u < U; ++u) {
                p[u] = exp2(arith::SubFOp::create(b, loc, score[u], mUse));
                l = fadd(l, p[u]);
              }
              SmallVector<Value> next = {mNew, l};
              for (int64_t r = 0; r < nR; ++r) {
                Value acc = fmul(st[2 + r], alpha);
                for (int64_t u = 0; u < U; ++u) {
                  Value vv = select(valid[u], loadElt(v, add(keyRow[u], dimIdx[r])),
                                    cf32(0));
                  acc = LLVM::FMAOp::create(b, loc, p[u], vv, acc);
                }
                next.push_back(acc);
              }
              scf::YieldOp::create(b, loc, next);
            });
        scf::YieldOp::create(b, loc, keys.getResults());
      });

  // Normalize (l == 0: no valid key, write 0) and store this lane's dims.
  ValueRange res = blocks.getResults();
  Value l = res[1];
  Value inv = select(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0)),
                     arith::DivFOp::create(b, loc, cf32(1), l), cf32(0));
  for (int64_t r = 0; r < nR; ++r) {
    Value x = fmul(res[2 + r], inv);
    if (elt != f32)
      x = arith::TruncFOp::create(b, loc, elt, x);
    auto store = [&] {
      LLVM::StoreOp::create(b, loc, x, at(o, elt, add(qRow, dimIdx[r])),
                            elt.getIntOrFloatBitWidth() / 8);
    };
    if (!dimIn[r]) {
      store();
      continue;
    }
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, dimIn[r], /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    store();
  }

  // The row's log-sum-exp (m and l are the same in every lane).
  if (cfg.hasLse) {
    auto lseIf = scf::IfOp::create(b, loc, TypeRange{},
                                   cmp(arith::CmpIPredicate::eq, lane, ci32(0)),
                                   /*withElse=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(lseIf.thenBlock());
    Value at0 = add(mul(toI64(add(mul(bb, Hq), h)), toI64(Sq)), toI64(row));
    LLVM::StoreOp::create(b, loc, rowLse(res[0], l), at(lseArg(), f32, at0), 4);
  }

  b.setInsertionPointAfter(rowIf);
}

} // namespace

Type mlir::attn::simtElementType(Builder &b, SimtElementType t) {
  switch (t) {
  case SimtElementType::F32:
    return b.getF32Type();
  case SimtElementType::BF16:
    return b.getBF16Type();
  case SimtElementType::F16:
    return b.getF16Type();
  }
  return b.getF32Type();
}

namespace {

const char *eltName(SimtElementType t) {
  switch (t) {
  case SimtElementType::F32:
    return "f32";
  case SimtElementType::BF16:
    return "bf16";
  case SimtElementType::F16:
    return "f16";
  }
  return "?";
}

} // namespace

std::string mlir::attn::simtKernelName(const SimtKernelConfig &cfg) {
  return std::string("attn_simt_") + eltName(cfg.elementType) + "_d" +
         std::to_string(cfg.headDim) + "_q" + std::to_string(cfg.blockQ) +
         "_kv" + std::to_string(cfg.blockKv) + (cfg.indexed ? "_idx" : "_dense") +
         (cfg.hasBlockSizes ? "_vbs" : "") + (cfg.hasKeyMask ? "_km" : "") +
         (cfg.hasLse ? "_lse" : "");
}

LogicalResult mlir::attn::verifySimtKernelConfig(
    const SimtKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError) {
  if (cfg.headDim < 1 || cfg.headDim > 256)
    return emitError() << "simt kernel: head_dim must be in [1, 256], got "
                       << cfg.headDim;
  if (cfg.blockQ < 1 || cfg.blockQ > kMaxBlock)
    return emitError() << "simt kernel: block_q must be in [1, " << kMaxBlock
                       << "], got " << cfg.blockQ;
  if (cfg.blockKv < 1 || cfg.blockKv > kMaxBlock)
    return emitError() << "simt kernel: block_kv must be in [1, " << kMaxBlock
                       << "], got " << cfg.blockKv;
  if (!(cfg.scale > 0) || !std::isfinite(cfg.scale))
    return emitError() << "simt kernel: scale must be positive and finite";
  return success();
}

KernelContract mlir::attn::simtKernelContract(const SimtKernelConfig &cfg,
                                             AttentionShape shape) {
  KernelContract c = attentionContract(kSimtRowsPerCta, kSimtThreads, 0, shape);
  if (cfg.hasLse)
    c.params.push_back(ParamKind::Ptr);
  return c;
}

LLVM::LLVMFuncOp mlir::attn::emitSimtAttentionKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module,
    const SimtKernelConfig &cfg, StringRef kernelName) {
  std::string name = kernelName.empty() ? simtKernelName(cfg) : kernelName.str();
  SimtEmitter e(b, loc, module, name, cfg);
  e.emit();
  e.finish();
  return e.func();
}
