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
#include "FlashForward.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

FlashForward::FlashForward(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
                           StringRef name, const FlashKernelConfig &cfg,
                           const KernelContract &contract,
                           const AttentionParamPositions &at)
    : AttentionEmitter(b, loc, module, name, contract, (name + "_smem").str(),
                       16, at),
      cfg(cfg),
      elt(cfg.elementType == FlashElementType::BF16 ? Type(b.getBF16Type())
                                                    : Type(b.getF16Type())),
      D(cfg.headDim), BQ(cfg.blockQ), BKV(cfg.blockKv),
      nS(BKV / 8),  // S tiles (16 x 8) per kv block
      nDk(D / 16),  // k-steps over the head dim
      nO(D / 8),    // O tiles (16 x 8)
      SD(D + 8),    // shared tiles [BKV][D + 8]: rows padded by 16 bytes
      tileElems(BKV * SD), threads(contract.threads) {}

void FlashForward::setup() {
  tid = tidX();
  J = bidX();
  h = bidY();
  bb = bidZ();
  warp = arith::ShRUIOp::create(b, loc, tid, ci32(5));
  lane = arith::AndIOp::create(b, loc, tid, ci32(31));
  g = arith::ShRUIOp::create(b, loc, lane, ci32(2));
  t = arith::AndIOp::create(b, loc, lane, ci32(3));
  t2 = mul(t, ci32(2));
  Value groups = arith::DivUIOp::create(b, loc, Hq, Hkv);
  hk = arith::DivUIOp::create(b, loc, h, groups);

  // Element offsets (i64) of this thread's two query rows and of the kv head.
  row0 = add(mul(J, ci32(BQ)), add(mul(warp, ci32(16)), g));
  row1 = add(row0, ci32(8));
  rowIn[0] = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row0, Sq);
  rowIn[1] = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, row1, Sq);
  // Rows past Sq read row Sq - 1 (their values are replaced by 0) and are
  // never stored.
  Value lastRow = arith::SubIOp::create(b, loc, Sq, ci32(1));
  qHead = mul(toI64(add(mul(bb, Hq), h)), toI64(Sq));
  qRow0 = mul(add(qHead, toI64(row0)), ci64(D));
  qRow1 = mul(add(qHead, toI64(row1)), ci64(D));
  qLoad0 = mul(add(qHead, toI64(arith::MinSIOp::create(b, loc, row0, lastRow))), ci64(D));
  qLoad1 = mul(add(qHead, toI64(arith::MinSIOp::create(b, loc, row1, lastRow))), ci64(D));
  kvHead = mul(mul(toI64(add(mul(bb, Hkv), hk)), toI64(Skv)), ci64(D));

  smem = shared();
  mt.emplace(*this, lane, elt, SD);

  // Q fragments, resident for the whole row block (0 for rows past Sq).
  qa = rowOperand(q);

  // This query block's list: its row in kv_indices/kv_counts (indexed), or
  // all kv blocks (dense) (KvBlockList.h).
  list.emplace(*this, cfg, J, h, bb);
  maskRow = mul(toI64(bb), toI64(Skv)); // key_mask[b, 0]
  lastKey = arith::SubIOp::create(b, loc, Skv, ci32(1));
}

SmallVector<SmallVector<Value>> FlashForward::rowOperand(Value base) {
  SmallVector<SmallVector<Value>> a(nDk);
  auto pair = [&](int r, Value col) {
    Value x = loadFrom(i32, at(base, elt, add(r == 0 ? qLoad0 : qLoad1, col)), 4);
    return arith::SelectOp::create(b, loc, rowIn[r], x, ci32(0)).getResult();
  };
  for (int64_t ks = 0; ks < nDk; ++ks) {
    Value c0 = toI64(add(ci32(ks * 16), t2)), c8 = toI64(add(ci32(ks * 16 + 8), t2));
    a[ks] = {pair(0, c0), pair(1, c0), pair(0, c8), pair(1, c8)};
  }
  return a;
}

Value FlashForward::tile(Value stage, int which) {
  // Stage s: K at tile 2s, V at tile 2s + 1.
  Value tIdx = add(mul(stage, ci32(2)), ci32(which));
  return at(smem, elt, toI64(mul(tIdx, ci32(tileElems))));
}

// Key-mask bytes of a stage ([2][BKV] i8 after the tiles): 1 = the key is
// valid (inside the block's size and key_mask != 0), in the order the score
// fragments read them (see the store in issueLoads).
static Value maskAt(FlashForward &e, Value smem, Type elt, int64_t tileElems,
                    int64_t BKV, Value stage, Value key) {
  Value base = e.at(smem, elt, e.ci64(4 * tileElems));
  return e.at(base, e.i8, e.toI64(e.add(e.mul(stage, e.ci32(BKV)), key)));
}

void FlashForward::issueLoads(Value pos, Value stage) {
  // Rows past the block's size are zero-filled (and read from row 0 of the
  // block, so nothing past Skv is addressed); with a key mask, masked keys'
  // V rows are zero-filled too (so Inf/NaN in them never meets p = 0) and
  // the stage's mask bytes are written.
  const int64_t chunksPerRow = D / 8; // 16-byte chunks
  auto [id, size] = list->blockAt(pos);
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
    Value vBytes = bytes;
    auto copyK = [&](Value n) {
      NVVM::CpAsyncOp::create(b, loc, at(kTile, elt, dst), at(k, elt, src), 16,
                              NVVM::LoadCacheModifierKind::CG, n);
    };
    if (!zeroMaskedKeys || !cfg.hasKeyMask)
      copyK(bytes);
    if (cfg.hasKeyMask) {
      Value key = arith::MinSIOp::create(b, loc, add(kbase, row), lastKey);
      Value m = load(i8, keyMask, add(maskRow, toI64(key)), 1);
      Value keep = arith::AndIOp::create(
          b, loc, valid,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, m,
                                arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0)));
      vBytes = arith::SelectOp::create(b, loc, keep, ci32(16), ci32(0));
      if (zeroMaskedKeys)
        copyK(vBytes);
      // Every thread copying a chunk of this row writes the same byte.
      // Stored where the score fragment's owner reads it: key 8nt + 2t + e
      // at byte t * 2nS + 2nt + e.
      Value slot = add(mul(arith::ShRUIOp::create(b, loc, arith::AndIOp::create(b, loc, row, ci32(7)), ci32(1)),
                           ci32(2 * nS)),
                       add(mul(arith::ShRUIOp::create(b, loc, row, ci32(3)), ci32(2)),
                           arith::AndIOp::create(b, loc, row, ci32(1))));
      LLVM::StoreOp::create(b, loc, arith::ExtUIOp::create(b, loc, b.getI8Type(), keep),
                            maskAt(*this, smem, elt, tileElems, BKV, stage, slot), 1);
    }
    NVVM::CpAsyncOp::create(b, loc, at(vTile, elt, dst), at(v, elt, src), 16,
                            NVVM::LoadCacheModifierKind::CG, vBytes);
  }
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
}

Value FlashForward::nextStage(Value j) {
  Value stage = arith::AndIOp::create(b, loc, j, ci32(1));
  // Every warp is done with stage (j+1)%2 (read in iteration j-1): prefetch
  // block j+1 into it, then wait for block j's group only.
  NVVM::Barrier0Op::create(b, loc);
  issueLoads(add(j, ci32(1)), arith::XOrIOp::create(b, loc, stage, ci32(1)));
  NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(1));
  NVVM::Barrier0Op::create(b, loc);
  return stage;
}

SmallVector<SmallVector<Value>> FlashForward::maskedScores(Value stage, Value j) {
  const float negInf = -std::numeric_limits<float>::infinity();
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  // The block needs masking when it is partial; with a key mask, when any
  // thread staged an invalid key.
  Value size;
  if (!cfg.hasKeyMask)
    size = list->blockAt(j).second;
  // S = Q.K^T, one 16x8 tile per 8 keys.
  SmallVector<SmallVector<Value>> s = mt->mulByRows(qa, tile(stage, 0), nS);
  // Scale into log2 units and, only on blocks that need it (full blocks
  // take the branch without selects), mask invalid keys to -inf: keys past
  // the block's valid size, or with a key mask the keys whose mask byte is 0.
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
  auto maskByte = [&](Value index) {
    return maskAt(*this, smem, elt, tileElems, BKV, stage, index);
  };
  // This thread's keys' mask bytes (2 * nS, contiguous) are all 1 in a
  // block without masked keys: AND of the words == 0x01010101.
  auto maskWord = [&](int64_t w) {
    return loadFrom(i32, maskByte(add(mul(t, ci32(2 * nS)), ci32(4 * w))), 4);
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
        Value m = loadFrom(i8, maskByte(add(mul(t, ci32(2 * nS)), ci32(nt * 2 + e))), 1);
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
  return s;
}

void FlashForward::softmaxStep(SmallVector<SmallVector<Value>> &s,
                               const Value mOld[2], Value mNew[2],
                               Value alpha[2], Value rowSum[2]) {
  const float negInf = -std::numeric_limits<float>::infinity();
  // The running max over the thread's and then the quad's values.
  Value rowMax[2] = {cf32(negInf), cf32(negInf)};
  for (int64_t nt = 0; nt < nS; ++nt)
    for (int i = 0; i < 4; ++i)
      rowMax[i / 2] = arith::MaximumFOp::create(b, loc, rowMax[i / 2], s[nt][i]);
  for (int r = 0; r < 2; ++r) {
    mNew[r] = arith::MaximumFOp::create(b, loc, mOld[r],
                                        mt->frag.quadReduce(rowMax[r], true));
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
}

SmallVector<Value> FlashForward::forwardLoop() {
  issueLoads(ci32(0), ci32(0)); // prologue: block 0 into stage 0
  const float negInf = -std::numeric_limits<float>::infinity();
  SmallVector<Value> init;
  for (int64_t i = 0; i < nO * 4; ++i)
    init.push_back(cf32(0));
  init.append({cf32(negInf), cf32(negInf), cf32(0), cf32(0)}); // m0 m1 l0 l1
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  Value countIdx = arith::IndexCastOp::create(b, loc, b.getIndexType(), list->count());

  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, countIdx, oneIdx, init,
      [&](OpBuilder &nb, Location, Value jIdx, ValueRange carried) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        Value j = arith::IndexCastOp::create(b, loc, i32, jIdx);
        Value stage = nextStage(j);
        SmallVector<SmallVector<Value>> s = maskedScores(stage, j);
        Value mOld[2] = {carried[nO * 4], carried[nO * 4 + 1]};
        Value lOld[2] = {carried[nO * 4 + 2], carried[nO * 4 + 3]};
        Value mNew[2], alpha[2], rowSum[2];
        softmaxStep(s, mOld, mNew, alpha, rowSum);
        SmallVector<Value> next;
        for (int64_t nt = 0; nt < nO; ++nt)
          for (int i = 0; i < 4; ++i)
            next.push_back(arith::MulFOp::create(b, loc, carried[nt * 4 + i],
                                                 alpha[i / 2]));
        // O += P.V.
        mt->accumulate(next, s, tile(stage, 1), nO);
        for (int r = 0; r < 2; ++r)
          next.push_back(mNew[r]);
        for (int r = 0; r < 2; ++r)
          next.push_back(arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, lOld[r], alpha[r]),
              rowSum[r]));
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void FlashForward::emitForward() {
  setup();
  SmallVector<Value> res = forwardLoop();
  // Normalize (a row without a valid key has l == 0 and writes 0) and store
  // each pair of columns with one 32-bit store.
  Value inv[2], lTotal[2];
  for (int r = 0; r < 2; ++r) {
    Value l = mt->frag.quadReduce(res[nO * 4 + 2 + r], false);
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
      LLVM::StoreOp::create(b, loc, mt->frag.pack(x0, x1), addr, 4);
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
  FlashForward e(b, loc, module, name, cfg, flashKernelContract(cfg));
  // With a key mask, ptxas (CUDA 13) tends to trade a few spills for
  // occupancy; one CTA per SM as the floor makes it keep everything in
  // registers.
  if (cfg.hasKeyMask)
    e.func()->setAttr("nvvm.minctasm", b.getI32IntegerAttr(1));
  e.emitForward();
  e.finish();
  return e.func();
}
