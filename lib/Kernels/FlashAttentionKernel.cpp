//===- FlashAttentionKernel.cpp - block-sparse flash attention on mma.sync ===//
//
// One CTA per (query block, head, batch), 4 warps of 16 query rows each for
// block_q = 64. Per kv block of the row's list: S = Q.K^T on tensor cores
// (nvvm.mma.sync m16n8k16, bf16/f16 operands, f32 accumulators), online
// softmax with running max and sum in f32 and exp2 on log2(e)-scaled scores,
// then P.V on tensor cores. Fragment layouts follow the PTX ISA for
// mma.m16n8k16: lane = 4*g + t; A holds rows g and g+8, columns 2t, 2t+1
// (+8); B holds k rows 2t, 2t+1 (+8) of column g; C holds rows g and g+8,
// columns 2t, 2t+1.
//
// Each kv block's K and V tiles are staged in shared memory with 16-byte
// cp.async copies (zero-filled for keys past the block's valid size, so pad
// slots never reach the tensor cores) and read into fragments with ldmatrix
// (.trans for V). Rows are padded by 16 bytes to avoid bank conflicts. Two
// stages: the copy of block j+1 is in flight while block j is computed.
// Dynamic shared memory: flashKernelSharedBytes(cfg).
//
// Ragged lengths: query rows past Sq load Q as 0 and are not stored; the
// last kv block's size is cut to Skv - j * BKV (like kv_block_sizes), and
// only blocks with fewer than BKV valid keys take the masking branch. With a
// key mask, the copy loop reads key_mask for each row it stages, zero-fills
// masked V rows and writes one valid byte per key next to the tiles; the
// scores are masked from those bytes.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/FlashAttentionKernel.h"
#include "AttentionEmitter.h"
#include "KvBlockList.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Emits the kernel body; all register "arrays" are unrolled SSA values.
class Emitter : public AttentionEmitter {
public:
  Emitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module, StringRef name,
          const FlashKernelConfig &cfg)
      : AttentionEmitter(b, loc, module, name, flashKernelContract(cfg),
                      (name + "_smem").str()),
        cfg(cfg),
        elt(cfg.elementType == FlashElementType::BF16 ? Type(b.getBF16Type())
                                                      : Type(b.getF16Type())) {}

  void emit();

private:
  /// Two consecutive 16-bit elements as one 32-bit register.
  Value loadPair(Value base, Value index) {
    return loadFrom(i32, at(base, elt, index), 4);
  }
  /// d = a*b + c on tensor cores; c and d are 4 f32 values.
  SmallVector<Value> mma(ArrayRef<Value> a, ArrayRef<Value> bb,
                         ArrayRef<Value> c) {
    return mma16816(cfg.elementType == FlashElementType::BF16, a, bb, c);
  }
  /// Four 32-bit fragments from shared memory (ldmatrix.x4); lane L gives
  /// the address of row L % 8 of matrix L / 8.
  SmallVector<Value> ldmatrix(Value smemAddr, bool trans) {
    auto st = LLVM::LLVMStructType::getLiteral(b.getContext(), {i32, i32, i32, i32});
    auto op = NVVM::LdMatrixOp::create(
        b, loc, st, smemAddr, 4,
        trans ? NVVM::MMALayout::col : NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
        NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> r;
    for (int i = 0; i < 4; ++i)
      r.push_back(LLVM::ExtractValueOp::create(b, loc, op.getResult(),
                                               ArrayRef<int64_t>{i}));
    return r;
  }

  const FlashKernelConfig &cfg;
  Type elt;
};

void Emitter::emit() {
  const int64_t D = cfg.headDim, BQ = cfg.blockQ, BKV = cfg.blockKv;
  const int64_t nS = BKV / 8;  // S tiles (16 x 8) per kv block
  const int64_t nDk = D / 16;  // k-steps over the head dim
  const int64_t nO = D / 8;    // O tiles (16 x 8)
  const int64_t nPk = BKV / 16; // k-steps over keys for P.V
  Value tid = tidX();
  Value J = bidX();
  Value h = bidY();
  Value bb = bidZ();
  Value warp = arith::ShRUIOp::create(b, loc, tid, ci32(5));
  Value lane = arith::AndIOp::create(b, loc, tid, ci32(31));
  Value g = arith::ShRUIOp::create(b, loc, lane, ci32(2));
  Value t = arith::AndIOp::create(b, loc, lane, ci32(3));
  Value t2 = mul(t, ci32(2));
  Value groups = arith::DivUIOp::create(b, loc, Hq, Hkv);
  Value hk = arith::DivUIOp::create(b, loc, h, groups);

  // Element offsets (i64) of this thread's two query rows and of the kv head.
  Value row0 = add(mul(J, ci32(BQ)), add(mul(warp, ci32(16)), g));
  Value row1 = add(row0, ci32(8));
  Value rowIn[2] = {
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row0, Sq),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row1, Sq)};
  // Rows past Sq read row Sq - 1 (their values are replaced by 0) and are
  // never stored.
  Value lastRow = arith::SubIOp::create(b, loc, Sq, ci32(1));
  Value qHead = mul(toI64(add(mul(bb, Hq), h)), toI64(Sq));
  Value qRow0 = mul(add(qHead, toI64(row0)), ci64(D));
  Value qRow1 = mul(add(qHead, toI64(row1)), ci64(D));
  Value qLoad0 = mul(add(qHead, toI64(arith::MinSIOp::create(b, loc, row0, lastRow))), ci64(D));
  Value qLoad1 = mul(add(qHead, toI64(arith::MinSIOp::create(b, loc, row1, lastRow))), ci64(D));
  Value kvHead = mul(mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv)), ci64(D));

  // Shared tiles [BKV][D + 8] of 16-bit elements; lane roles for ldmatrix.
  const int64_t SD = D + 8;
  Value smem = shared();
  const int64_t tileElems = BKV * SD; // stage s: K at 2s, V at 2s+1 tiles
  auto sat = [&](Value base, Value elemIndex) { return at(base, elt, elemIndex); };
  Value mi = arith::ShRUIOp::create(b, loc, lane, ci32(3));
  Value r8 = arith::AndIOp::create(b, loc, lane, ci32(7));
  Value miLo = arith::AndIOp::create(b, loc, mi, ci32(1));
  Value miHi = arith::ShRUIOp::create(b, loc, mi, ci32(1));
  const int64_t threads = flashKernelContract(cfg).threads;
  const int64_t chunksPerRow = D / 8; // 16-byte chunks

  // Q fragments, resident for the whole row block (0 for rows past Sq).
  SmallVector<SmallVector<Value>> qa(nDk);
  auto qPair = [&](int r, Value col) {
    return arith::SelectOp::create(b, loc, rowIn[r],
                                   loadPair(q, add(r == 0 ? qLoad0 : qLoad1, col)),
                                   ci32(0))
        .getResult();
  };
  for (int64_t ks = 0; ks < nDk; ++ks) {
    Value c0 = toI64(add(ci32(ks * 16), t2)), c8 = toI64(add(ci32(ks * 16 + 8), t2));
    qa[ks] = {qPair(0, c0), qPair(1, c0), qPair(0, c8), qPair(1, c8)};
  }

  // This query block's list: its row in kv_indices/kv_counts (indexed), or
  // all kv blocks (dense) (KvBlockList.h).
  KvBlockList list(*this, cfg, J, h, bb);
  Value count = list.count();
  auto blockAt = [&](Value pos) { return list.blockAt(pos); };
  Fragments frag{*this, elt};
  auto pack = [&](Value lo, Value hi) { return frag.pack(lo, hi); };
  auto quadReduce = [&](Value v, bool isMax) { return frag.quadReduce(v, isMax); };
  auto tile = [&](Value stage, int which) {
    Value t = add(mul(stage, ci32(2)), ci32(which));
    return sat(smem, toI64(mul(t, ci32(tileElems))));
  };
  // Key-mask bytes of a stage ([2][BKV] i8 after the tiles): 1 = the key
  // is valid (inside the block's size and key_mask != 0), in the order the
  // score fragments read them (see the store below).
  auto maskAt = [&](Value stage, Value key) {
    Value base = sat(smem, ci64(4 * tileElems));
    return at(base, i8, toI64(add(mul(stage, ci32(BKV)), key)));
  };
  Value maskRow = mul(toI64(bb), toI64(Skv)); // key_mask[b, 0]
  Value lastKey = arith::SubIOp::create(b, loc, Skv, ci32(1));
  // Issues the 16-byte copies of block `pos`'s K and V into `stage` and
  // commits them as one group. Rows past the block's size are zero-filled
  // (and read from row 0 of the block, so nothing past Skv is addressed);
  // with a key mask, masked keys' V rows are zero-filled too (so Inf/NaN in
  // them never meets p = 0) and the stage's mask bytes are written.
  auto issueLoads = [&](Value pos, Value stage) {
    auto [id, size] = blockAt(pos);
    Value kbase = mul(id, ci32(BKV));
    Value kTile = tile(stage, 0), vTile = tile(stage, 1);
    for (int64_t c0 = 0; c0 < BKV * chunksPerRow; c0 += threads) {
      Value c = add(tid, ci32(c0));
      Value row = arith::DivUIOp::create(b, loc, c, ci32(chunksPerRow));
      Value col = mul(arith::RemUIOp::create(b, loc, c, ci32(chunksPerRow)), ci32(8));
      Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row, size);
      Value bytes = arith::SelectOp::create(b, loc, valid, ci32(16), ci32(0));
      Value srcRow = arith::SelectOp::create(b, loc, valid, row, ci32(0));
      Value src = add(add(kvHead, mul(toI64(add(kbase, srcRow)), ci64(D))), toI64(col));
      Value dst = toI64(add(mul(row, ci32(SD)), col));
      NVVM::CpAsyncOp::create(b, loc, sat(kTile, dst), at(k, elt, src), 16,
                              NVVM::LoadCacheModifierKind::CG, bytes);
      Value vBytes = bytes;
      if (cfg.hasKeyMask) {
        Value key = arith::MinSIOp::create(b, loc, add(kbase, row), lastKey);
        Value m = load(i8, keyMask, add(maskRow, toI64(key)), 1);
        Value keep = arith::AndIOp::create(
            b, loc, valid,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, m,
                                  arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0)));
        vBytes = arith::SelectOp::create(b, loc, keep, ci32(16), ci32(0));
        // Every thread copying a chunk of this row writes the same byte.
        // Stored where the score fragment's owner reads it: key 8nt + 2t + e
        // at byte t * 2nS + 2nt + e.
        Value slot = add(mul(arith::ShRUIOp::create(b, loc, arith::AndIOp::create(b, loc, row, ci32(7)), ci32(1)),
                             ci32(2 * nS)),
                         add(mul(arith::ShRUIOp::create(b, loc, row, ci32(3)), ci32(2)),
                             arith::AndIOp::create(b, loc, row, ci32(1))));
        LLVM::StoreOp::create(b, loc, arith::ExtUIOp::create(b, loc, b.getI8Type(), keep),
                              maskAt(stage, slot), 1);
      }
      NVVM::CpAsyncOp::create(b, loc, sat(vTile, dst), at(v, elt, src), 16,
                              NVVM::LoadCacheModifierKind::CG, vBytes);
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  };
  issueLoads(ci32(0), ci32(0)); // prologue: block 0 into stage 0

  const float negInf = -std::numeric_limits<float>::infinity();
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  SmallVector<Value> init;
  for (int64_t i = 0; i < nO * 4; ++i)
    init.push_back(cf32(0));
  init.append({cf32(negInf), cf32(negInf), cf32(0), cf32(0)}); // m0 m1 l0 l1
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  Value countIdx = arith::IndexCastOp::create(b, loc, b.getIndexType(), count);

  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, countIdx, oneIdx, init,
      [&](OpBuilder &nb, Location, Value jIdx, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        Value j = arith::IndexCastOp::create(b, loc, i32, jIdx);
        Value stage = arith::AndIOp::create(b, loc, j, ci32(1));
        // Every warp is done with stage (j+1)%2 (read in iteration j-1):
        // prefetch block j+1 into it, then wait for block j's group only.
        // The block needs masking when it is partial; with a key mask, when
        // any thread staged an invalid key (OR-reduced by the barrier).
        NVVM::Barrier0Op::create(b, loc);
        issueLoads(add(j, ci32(1)), arith::XOrIOp::create(b, loc, stage, ci32(1)));
        NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(1));
        NVVM::Barrier0Op::create(b, loc);
        Value size;
        if (!cfg.hasKeyMask)
          size = blockAt(j).second;
        Value smemK = tile(stage, 0), smemV = tile(stage, 1);

        // S = Q.K^T, one 16x8 tile per 8 keys; ldmatrix.x4 yields the B
        // fragments of two k-steps.
        SmallVector<SmallVector<Value>> s(nS);
        for (int64_t nt = 0; nt < nS; ++nt) {
          SmallVector<Value> acc = {cf32(0), cf32(0), cf32(0), cf32(0)};
          for (int64_t ks = 0; ks < nDk; ks += 2) {
            Value row = add(ci32(nt * 8), r8);
            Value col = add(ci32(ks * 16), add(mul(miLo, ci32(8)), mul(miHi, ci32(16))));
            SmallVector<Value> f = ldmatrix(sat(smemK, toI64(add(mul(row, ci32(SD)), col))), false);
            acc = mma(qa[ks], {f[0], f[1]}, acc);
            acc = mma(qa[ks + 1], {f[2], f[3]}, acc);
          }
          s[nt] = acc;
        }
        // Scale into log2 units and, only on blocks that need it (full
        // blocks take the branch without selects), mask invalid keys to
        // -inf: keys past the block's valid size, or with a key mask the
        // keys whose mask byte is 0. Then the running max over the thread's
        // and then the quad's values.
        Value mOld[2] = {carried[nO * 4], carried[nO * 4 + 1]};
        Value lOld[2] = {carried[nO * 4 + 2], carried[nO * 4 + 3]};
        Value rowMax[2] = {cf32(negInf), cf32(negInf)};
        for (int64_t nt = 0; nt < nS; ++nt)
          for (int i = 0; i < 4; ++i)
            s[nt][i] = arith::MulFOp::create(b, loc, s[nt][i], cf32(scaleLog2));
        auto maskScores = [&](function_ref<Value(int64_t, int)> validOf) {
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int e = 0; e < 2; ++e) {
              Value valid = validOf(nt, e);
              for (int r = 0; r < 2; ++r)
                s[nt][2 * r + e] = arith::SelectOp::create(
                    b, loc, valid, s[nt][2 * r + e], cf32(negInf));
            }
        };
        // This thread's keys' mask bytes (2 * nS, contiguous) are all 1 in
        // a block without masked keys: AND of the words == 0x01010101.
        auto maskWord = [&](int64_t w) {
          return loadFrom(i32, maskAt(stage, add(mul(t, ci32(2 * nS)), ci32(4 * w))), 4);
        };
        Value partial;
        if (cfg.hasKeyMask) {
          Value all = maskWord(0);
          for (int64_t w = 1; w < nS / 2; ++w)
            all = arith::AndIOp::create(b, loc, all, maskWord(w));
          partial = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, all,
                                          ci32(0x01010101));
        } else {
          partial = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, size, ci32(BKV));
        }
        SmallVector<Type> types(nS * 4, f32);
        auto ifOp = scf::IfOp::create(b, loc, types, partial, /*withElse=*/true);
        SmallVector<Value> flat;
        for (int64_t nt = 0; nt < nS; ++nt)
          flat.append(s[nt].begin(), s[nt].end());
        {
          OpBuilder::InsertionGuard g2(b);
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, loc, flat);
          b.setInsertionPointToStart(ifOp.thenBlock());
          if (cfg.hasKeyMask) {
            maskScores([&](int64_t nt, int e) -> Value {
              Value m = loadFrom(i8, maskAt(stage, add(mul(t, ci32(2 * nS)), ci32(nt * 2 + e))), 1);
              return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, m,
                                           arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0));
            });
          } else {
            maskScores([&](int64_t nt, int e) -> Value {
              return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           add(ci32(nt * 8 + e), t2), size);
            });
          }
          flat.clear();
          for (int64_t nt = 0; nt < nS; ++nt)
            flat.append(s[nt].begin(), s[nt].end());
          scf::YieldOp::create(b, loc, flat);
        }
        for (int64_t nt = 0; nt < nS; ++nt)
          for (int i = 0; i < 4; ++i)
            s[nt][i] = ifOp.getResult(nt * 4 + i);
        for (int64_t nt = 0; nt < nS; ++nt)
          for (int i = 0; i < 4; ++i)
            rowMax[i / 2] = arith::MaximumFOp::create(b, loc, rowMax[i / 2], s[nt][i]);
        Value mNew[2], alpha[2], rowSum[2];
        for (int r = 0; r < 2; ++r) {
          mNew[r] = arith::MaximumFOp::create(b, loc, mOld[r],
                                              quadReduce(rowMax[r], true));
          // Until a row has seen a valid key its max is -inf: use 0 so that
          // exp2(-inf - 0) = 0 instead of NaN.
          Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                              mNew[r], cf32(negInf));
          Value mUse = arith::SelectOp::create(b, loc, isInf, cf32(0), mNew[r]);
          alpha[r] = exp2Ftz(arith::SubFOp::create(b, loc, mOld[r], mUse));
          rowSum[r] = cf32(0);
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int e = 0; e < 2; ++e) {
              Value p = exp2Ftz(arith::SubFOp::create(b, loc, s[nt][2 * r + e], mUse));
              s[nt][2 * r + e] = p;
              rowSum[r] = arith::AddFOp::create(b, loc, rowSum[r], p);
            }
        }
        SmallVector<Value> next;
        for (int64_t nt = 0; nt < nO; ++nt)
          for (int i = 0; i < 4; ++i)
            next.push_back(arith::MulFOp::create(b, loc, carried[nt * 4 + i],
                                                 alpha[i / 2]));
        // O += P.V: P's accumulator tiles (2kk, 2kk+1) are exactly the A
        // fragment of k-step kk.
        for (int64_t kk = 0; kk < nPk; ++kk) {
          SmallVector<Value> pa = {pack(s[2 * kk][0], s[2 * kk][1]),
                                   pack(s[2 * kk][2], s[2 * kk][3]),
                                   pack(s[2 * kk + 1][0], s[2 * kk + 1][1]),
                                   pack(s[2 * kk + 1][2], s[2 * kk + 1][3])};
          for (int64_t nt = 0; nt < nO; nt += 2) {
            Value row = add(ci32(kk * 16), add(mul(miLo, ci32(8)), r8));
            Value col = mul(add(ci32(nt), miHi), ci32(8));
            SmallVector<Value> f =
                ldmatrix(sat(smemV, toI64(add(mul(row, ci32(SD)), col))), true);
            for (int64_t half = 0; half < 2; ++half) {
              int64_t n = nt + half;
              SmallVector<Value> c(next.begin() + n * 4, next.begin() + n * 4 + 4);
              SmallVector<Value> d = mma(pa, {f[2 * half], f[2 * half + 1]}, c);
              std::copy(d.begin(), d.end(), next.begin() + n * 4);
            }
          }
        }
        for (int r = 0; r < 2; ++r)
          next.push_back(mNew[r]);
        for (int r = 0; r < 2; ++r)
          next.push_back(arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, lOld[r], alpha[r]),
              rowSum[r]));
        scf::YieldOp::create(b, loc, next);
      });

  // Normalize (a row without a valid key has l == 0 and writes 0) and store
  // each pair of columns with one 32-bit store.
  ValueRange res = loop.getResults();
  Value inv[2], lTotal[2];
  for (int r = 0; r < 2; ++r) {
    Value l = quadReduce(res[nO * 4 + 2 + r], false);
    lTotal[r] = l;
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0));
    inv[r] = arith::SelectOp::create(
        b, loc, pos, arith::DivFOp::create(b, loc, cf32(1), l), cf32(0));
  }
  // Rows past Sq are not stored.
  for (int r = 0; r < 2; ++r) {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, rowIn[r], /*withElse=*/false);
    OpBuilder::InsertionGuard g2(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t nt = 0; nt < nO; ++nt) {
      Value col = toI64(add(ci32(nt * 8), t2));
      Value x0 = arith::MulFOp::create(b, loc, res[nt * 4 + 2 * r], inv[r]);
      Value x1 = arith::MulFOp::create(b, loc, res[nt * 4 + 2 * r + 1], inv[r]);
      Value addr = at(o, elt, add(r == 0 ? qRow0 : qRow1, col));
      LLVM::StoreOp::create(b, loc, pack(x0, x1), addr, 4);
    }
    // The row's log-sum-exp, from the quad's first lane (m is the same in
    // all four after the quad max, l is the quad sum).
    if (cfg.hasLse) {
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, t, ci32(0));
      auto lseIf = scf::IfOp::create(b, loc, TypeRange{}, first, /*withElse=*/false);
      b.setInsertionPointToStart(lseIf.thenBlock());
      Value lse = rowLse(res[nO * 4 + r], lTotal[r]);
      LLVM::StoreOp::create(b, loc, lse,
                            at(lseArg(), f32, add(qHead, toI64(r == 0 ? row0 : row1))), 4);
    }
  }
}

} // namespace

int64_t mlir::attn::flashKernelSharedBytes(const FlashKernelConfig &cfg) {
  return 2 /*stages*/ * 2 /*K, V*/ * cfg.blockKv * (cfg.headDim + 8) * 2 +
         (cfg.hasKeyMask ? 2 /*stages*/ * cfg.blockKv : 0);
}

std::string mlir::attn::flashKernelName(const FlashKernelConfig &cfg) {
  return std::string("attn_flash_") +
         (cfg.elementType == FlashElementType::BF16 ? "bf16" : "f16") + "_d" +
         std::to_string(cfg.headDim) + "_q" + std::to_string(cfg.blockQ) +
         "_kv" + std::to_string(cfg.blockKv) + (cfg.indexed ? "_idx" : "_dense") +
         (cfg.hasBlockSizes ? "_vbs" : "") + (cfg.hasKeyMask ? "_km" : "") +
         (cfg.hasLse ? "_lse" : "") +
         (cfg.subBlocks > 1 ? "_t" + std::to_string(cfg.subBlocks) : "") +
         (cfg.qSubBlocks > 0 && cfg.qSubBlocks != cfg.subBlocks
              ? "_r" + std::to_string(cfg.qSubBlocks)
              : "");
}

LogicalResult mlir::attn::verifyFlashKernelConfig(
    const FlashKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError) {
  if (cfg.headDim != 64 && cfg.headDim != 128)
    return emitError() << "flash kernel: head_dim must be 64 or 128, got "
                       << cfg.headDim;
  if (cfg.subBlocks < 1 || cfg.subBlocks > 64 || (cfg.subBlocks > 1 && !cfg.indexed))
    return emitError() << "flash kernel: sub_blocks must be 1, or 2..64 with "
                          "kv_indices, got "
                       << cfg.subBlocks;
  if (cfg.qSubBlocks < 0 || cfg.qSubBlocks > 64 ||
      (cfg.qSubBlocks > 0 && !cfg.indexed))
    return emitError() << "flash kernel: q_sub_blocks must be 0, or 1..64 "
                          "with kv_indices, got "
                       << cfg.qSubBlocks;
  if (cfg.blockQ != 64 && cfg.blockQ != 128)
    return emitError() << "flash kernel: block_q must be 64 or 128 (4 or 8 "
                          "warps of 16 rows), got "
                       << cfg.blockQ;
  if (cfg.blockKv % 16 != 0 || cfg.blockKv <= 0 || cfg.blockKv > 128)
    return emitError() << "flash kernel: block_kv must be a multiple of 16 "
                          "in [16, 128], got "
                       << cfg.blockKv;
  if (!(cfg.scale > 0) || !std::isfinite(cfg.scale))
    return emitError() << "flash kernel: scale must be positive and finite";
  return success();
}

KernelContract mlir::attn::flashKernelContract(const FlashKernelConfig &cfg,
                                              AttentionShape shape) {
  // A warp per 16 query rows.
  KernelContract c = attentionContract(cfg.blockQ, cfg.blockQ / 16 * 32,
                                       flashKernelSharedBytes(cfg), shape);
  if (cfg.hasLse)
    c.params.push_back(ParamKind::Ptr);
  return c;
}

LLVM::LLVMFuncOp mlir::attn::emitFlashAttentionKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module,
    const FlashKernelConfig &cfg, StringRef kernelName) {
  std::string name = kernelName.empty() ? flashKernelName(cfg) : kernelName.str();
  // The dynamic shared memory (2 stages x K, V tiles) is sized at launch.
  Emitter e(b, loc, module, name, cfg);
  // With a key mask, ptxas (CUDA 13) tends to trade a few spills for
  // occupancy; one CTA per SM as the floor makes it keep everything in
  // registers.
  if (cfg.hasKeyMask)
    e.func()->setAttr("nvvm.minctasm", b.getI32IntegerAttr(1));
  e.emit();
  e.finish();
  return e.func();
}
