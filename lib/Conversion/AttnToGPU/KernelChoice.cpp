//===- KernelChoice.cpp - the kernel and launch of each compute op -------===//
//
// attn.sdpa / attn.block_sparse get the tensor-core flash kernel where the
// element type, head dim and block sizes allow (big tiles split into 64-row
// sub-blocks), else the SIMT kernel; constant kv tables are validated here
// and dynamic ones get a checked-mode launch. block_mean, block_topk,
// mask_from_lengths and static linalg ops get their utility kernels. Every
// launch is filled from the kernel's contract (attn/Kernels/).
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/FlashAttentionKernel.h"
#include "attn/Kernels/HopperAttentionKernel.h"
#include "attn/Kernels/SimtAttentionKernel.h"
#include "attn/Kernels/UtilityKernels.h"
#include "attnrt/abi.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

LogicalResult Planner::planBlockMean(BlockMeanOp op) {
  // Sizes as text (numbers, or expressions over run-time sizes). The input
  // is read in place where it is a layout of one buffer: a static row view
  // (VSA's means of attn.tile'd q/k/v) or a tile of a run-time grid, both
  // through a table of rows; otherwise it is materialized.
  Value in = op.getInput();
  auto rt = cast<RankedTensorType>(op.getType());
  Type elt = rt.getElementType();
  if (!(elt.isF32() || elt.isBF16() || elt.isF16()))
    return op->emitError() << "attn-to-gpu: block_mean of " << elt;
  const int64_t P = op.getBlockAttr().getInt(), D = rt.getDimSize(3);
  if (ShapedType::isDynamic(D))
    return op->emitError("attn-to-gpu: block_mean needs a static head dim");
  SmallVector<std::string> rs = sizesOf(op.getResult());
  const std::string BH = sizeMul(rs[0], rs[1]), N = rs[2];
  std::string srcRows = sizesOf(in)[2];
  Param rowsP = null(), sizes = null();
  FailureOr<int> x = failure();
  const RowView *lazy = lazyView(in);
  auto st = symTiles.find(in);
  if (st != symTiles.end()) {
    if (st->second.slots() != P)
      return op->emitError("attn-to-gpu: block_mean of a run-time-grid tile "
                           "needs block = the tile's slots");
    auto [rowsB, sizesB] = tileTables(st->second, op);
    rowsP = p(rowsB);
    x = materialize(st->second.raster, op);
    const auto &g = st->second.grid;
    srcRows = sizeMul(sizeMul(g[0], g[1]), g[2]);
    auto vbs = symBlockSizes.find(op.getBlockSizes());
    if (vbs != symBlockSizes.end() && vbs->second.sameGrid(st->second))
      sizes = p(sizesB);
  } else if (lazy && lazy->sources.size() == 1) {
    const RowView &view = *lazy;
    std::vector<int32_t> table(view.src.size());
    for (size_t i = 0; i < table.size(); ++i)
      table[i] = view.src[i] < 0 ? -1 : view.row[i];
    rowsP = p(constTable(std::move(table)));
    x = view.sources[0];
    srcRows = std::to_string(view.sourceRows[0]);
  } else {
    if (dynamicEntry)
      assertSizes(sizeParen(srcRows) + "%" + std::to_string(P), "==", "0",
                  "attn.block_mean: the length must be a multiple of block");
    x = materialize(in, op);
  }
  if (failed(x))
    return failure();
  LogicalResult ok = success();
  if (sizes.isNull)
    sizes = optionalBuf(op.getBlockSizes(), op, ok);
  if (failed(ok))
    return failure();
  std::string name = "attn_block_mean_";
  llvm::raw_string_ostream(name) << elt;
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitBlockMeanKernel(b, op->getLoc(), m, elt, name);
  });
  int out = outputFor(op.getResult());
  Launch l = launchOf(name, blockMeanContract(1, 1, blockMeanSharedBytes(elt)),
                      {p(*x), sizes, p(out), rowsP, i32(N), i32(P), i32(D),
                       i32(sizes.isNull ? 0 : 1), i32(srcRows)});
  setGrid(l, {N, BH, "1"});
  launches.push_back(std::move(l));
  return success();
}

LogicalResult Planner::planTopk(BlockTopkOp op) {
  auto scores = materialize(op.getScores(), op);
  if (failed(scores))
    return failure();
  auto st = cast<RankedTensorType>(op.getScores().getType());
  if (!st.getElementType().isF32())
    return op->emitError("attn-to-gpu: block_topk takes f32 scores");
  // Sizes as text: K = min(k, Nkv).
  SmallVector<std::string> ss = sizesOf(op.getScores());
  const std::string rows = sizeMul(sizeMul(ss[0], ss[1]), ss[2]);
  const std::string nkvText = ss[3], K = sizesOf(op.getResult(0))[3];
  if (K == "?")
    return op->emitError("attn-to-gpu: block_topk's k is not a size the plan "
                         "can compute");
  // Keys in registers where they fit (the variant's name says how many). A
  // run-time Nkv takes the widest register variant (asserted <= 1024), or
  // with topkSharedFallback the one with the shared-memory form above 32 *
  // kTopkMaxRegisterKeys kv blocks (`_s`): its shared memory is an
  // expression, 0 where the registers hold the keys, and bounded by the
  // chip's (asserted).
  const std::optional<int64_t> nkv = sizeValue(nkvText);
  int64_t regKeys = nkv ? blockTopkRegisterKeys(*nkv) : kTopkMaxRegisterKeys;
  int64_t maxShared = opts.target()->maxSharedBytes;
  std::string smemExpr;
  if (!nkv && !opts.topkSharedFallback)
    assertSizes(nkvText, "<=", std::to_string(32 * kTopkMaxRegisterKeys),
                "attn.block_topk: at most " +
                    std::to_string(32 * kTopkMaxRegisterKeys) +
                    " kv blocks with run-time sizes");
  if (!nkv && opts.topkSharedFallback) {
    const int64_t perKey = 4 * kTopkWarps, maxKeys = maxShared / perKey;
    assertSizes(nkvText, "<=", std::to_string(maxKeys),
                "attn.block_topk: at most " + std::to_string(maxKeys) +
                    " kv blocks with run-time sizes (" + opts.chip +
                    "'s shared memory)");
    // perKey * Nkv * min(1, max(0, Nkv - 32 * regKeys)): 0 or the keys.
    const std::string n = sizeParen(nkvText);
    smemExpr = std::to_string(perKey) + "*" + n + "*min(1,max(0," + n + "-" +
               std::to_string(32 * regKeys) + "))";
  }
  if (Value kv = op.getKValue())
    assertSizes(*scalarText(kv), ">=", "1", "attn.block_topk: k must be >= 1");
  const int64_t warps = regKeys ? kTopkWarps : blockTopkWarps(*nkv, maxShared);
  KernelContract topk =
      blockTopkContract(1, regKeys ? 1 : *nkv, warps, regKeys);
  if (topk.sharedBytes > maxShared)
    return op->emitError() << "attn-to-gpu: block_topk over " << *nkv
                           << " blocks needs " << topk.sharedBytes
                           << " bytes of shared memory, more than " << opts.chip
                           << "'s " << maxShared;
  std::string name = "attn_block_topk";
  if (regKeys)
    name += "_r" + std::to_string(regKeys);
  if (!smemExpr.empty())
    name += "_s";
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitBlockTopkKernel(b, op->getLoc(), m, name, regKeys, !smemExpr.empty());
  });
  int idx = outputFor(op.getResult(0)), cnt = outputFor(op.getResult(1));
  Launch l = launchOf(name, topk,
                      {p(*scores), p(idx), p(cnt), i32(nkvText), i32(K), i32(rows)});
  l.smemExpr = smemExpr;
  setGrid(l, {sizeCeilDiv(rows, warps), "1", "1"});
  launches.push_back(std::move(l));
  return success();
}

LogicalResult Planner::planMask(MaskFromLengthsOp op) {
  auto lengths = materialize(op.getLengths(), op);
  if (failed(lengths))
    return failure();
  auto rt = cast<RankedTensorType>(op.getType());
  int64_t total = rt.getNumElements(), S = rt.getDimSize(1);
  std::string name = "attn_mask_from_lengths";
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitMaskFromLengthsKernel(b, op->getLoc(), m, name);
  });
  int out = outputFor(op.getResult());
  launches.push_back(launchOf(name, maskFromLengthsContract(total),
                              {p(*lengths), p(out), i32(S), i32(total)}));
  return success();
}

LogicalResult Planner::planLinalg(linalg::LinalgOp op) {
  if (dynamicEntry && op->getNumResults() == 1 && op.getNumDpsInputs() == 0 &&
      !linalgKernelSizeOperands(op).empty() && !deferredLinalg.count(op)) {
    // A table computed from run-time sizes only (STA's kv_block_sizes from a
    // run-time text_length): planned when a kernel asks for it as a buffer
    // (materialize); the raster-tile kernel takes the size itself instead.
    deferredLinalg.insert(op);
    return success();
  }
  if (isFillOfMmaContraction(op))
    return success(); // the mma contraction starts from zero itself
  if (foldsIntoMmaContraction(op))
    return planMmaContraction(op);
  std::string name = "attn_linalg_" + std::to_string(linalgCount++);
  KernelContract contract;
  if (auto c = contractionKernelContract(op)) {
    // VSA's coarse scores: a tiled contraction, not a thread per element.
    name += "_contract";
    if (failed(emitContractionKernel(b, op.getLoc(), kernels(), op, name)))
      return failure();
    contract = *c;
  } else {
    if (failed(emitLinalgKernel(b, op.getLoc(), kernels(), op, name)))
      return failure();
    contract = linalgKernelContract(op);
  }
  std::vector<Param> params;
  for (OpOperand *o : op.getDpsInputOperands()) {
    if (!isa<ShapedType>(o->get().getType()))
      continue;
    auto in = materialize(o->get(), op);
    if (failed(in))
      return failure();
    params.push_back(p(*in));
  }
  if (linalgKernelReadsInit(op)) {
    auto init = materialize(op.getDpsInitOperand(0)->get(), op);
    if (failed(init))
      return failure();
    params.push_back(p(*init));
  }
  params.push_back(p(outputFor(op->getResult(0))));
  for (Value v : linalgKernelSizeOperands(op)) {
    auto t = scalarText(v);
    if (!t)
      return op->emitError("attn-to-gpu: the payload reads an integer that is "
                           "neither a constant nor a size the plan can compute");
    params.push_back(i32(*t));
  }
  launches.push_back(launchOf(name, contract, std::move(params)));
  return success();
}

LogicalResult plan::validateConstTables(Operation *bs, Value k, Value kvIndices,
                                       Value kvCounts, Value kvBlockSizes,
                                       int64_t bkv) {
  auto kt = cast<RankedTensorType>(k.getType());
  int64_t K = cast<RankedTensorType>(kvIndices.getType()).getDimSize(3);
  int64_t nkv = kt.getDimSize(2) / bkv;
  auto idx = constInts(kvIndices), cnt = constInts(kvCounts);
  auto vbs = constInts(kvBlockSizes);
  if (cnt)
    for (size_t r = 0; r < cnt->size(); ++r)
      if ((*cnt)[r] < 0 || (*cnt)[r] > K)
        return bs->emitError()
               << "attn-to-gpu: kv_counts entry " << r << " = " << (*cnt)[r]
               << " is outside [0, " << K << "]";
  if (idx && cnt)
    for (size_t r = 0; r < cnt->size(); ++r) {
      llvm::SmallDenseMap<int32_t, int64_t> seen;
      for (int64_t e = 0; e < (*cnt)[r]; ++e) {
        int32_t x = (*idx)[r * K + e];
        if (x < 0 || x >= nkv)
          return bs->emitError()
                 << "attn-to-gpu: kv_indices row " << r << " entry " << e
                 << " = " << x << " is outside [0, " << nkv << ")";
        // The ids of a row are distinct (SPEC): a repeated block would be
        // counted twice by the forward kernels and once by the backward.
        auto [it, fresh] = seen.try_emplace(x, e);
        if (!fresh)
          return bs->emitError()
                 << "attn-to-gpu: kv_indices row " << r << " lists block " << x
                 << " twice (entries " << it->second << " and " << e << ")";
      }
    }
  if (vbs)
    for (size_t j = 0; j < vbs->size(); ++j)
      if ((*vbs)[j] < 0 || (*vbs)[j] > bkv)
        return bs->emitError()
               << "attn-to-gpu: kv_block_sizes[" << j << "] = " << (*vbs)[j]
               << " is outside [0, " << bkv << "]";
  return success();
}

LogicalResult Planner::checkShared(Operation *op,
                                  const KernelContract &contract,
                                  StringRef kind) {
  if (contract.sharedBytes <= opts.target()->maxSharedBytes)
    return success();
  return op->emitError() << "attn-to-gpu: the " << kind << " kernel needs "
                         << contract.sharedBytes
                         << " bytes of shared memory, more than " << opts.chip
                         << "'s " << opts.target()->maxSharedBytes;
}

FailureOr<std::pair<std::string, KernelContract>>
Planner::hopperKernel(Operation *op, const HopperKernelConfig &cfg,
                      AttentionShape shape) {
  if (failed(verifyHopperKernelConfig(cfg, [&] { return op->emitError(); })))
    return failure();
  std::string name = hopperKernelName(cfg) + scaleSuffix(cfg.scale);
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitHopperAttentionKernel(b, op->getLoc(), m, cfg, name);
  });
  KernelContract contract = hopperKernelContract(cfg, shape);
  if (failed(checkShared(op, contract, "wgmma")))
    return failure();
  return std::make_pair(std::move(name), std::move(contract));
}

void Planner::checkKvLaunch(Operation *op, Param idx, Param cnt,
                            const std::string &K, const std::string &nkv,
                            std::array<std::string, 3> dims) {
  if (errBuf < 0)
    errBuf = newBuf(Buf{Buf::Err});
  std::string name = "attn_check_kv";
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitCheckKvKernel(b, op->getLoc(), m, name);
  });
  // Static sizes are numbers (the launch as always); with run-time sizes
  // the rows, the grid and the dims are expressions.
  SmallVector<int64_t> staticDims;
  for (const std::string &d : dims)
    if (auto v = sizeValue(d))
      staticDims.push_back(*v);
  const bool known = staticDims.size() == 3;
  const int64_t rows =
      known ? staticDims[0] * staticDims[1] * staticDims[2] : 1;
  const std::string rowsText =
      known ? std::to_string(rows)
            : "(" + dims[0] + ")*(" + dims[1] + ")*(" + dims[2] + ")";
  std::vector<Param> ps(ATTNRT_CHECK_KV_NUM_PARAMS);
  ps[ATTNRT_CHECK_KV_INDICES] = idx;
  ps[ATTNRT_CHECK_KV_COUNTS] = cnt;
  ps[ATTNRT_CHECK_KV_ERR] = p(errBuf);
  ps[ATTNRT_CHECK_KV_ROWS] = i32(rowsText);
  ps[ATTNRT_CHECK_KV_K] = i32(K);
  ps[ATTNRT_CHECK_KV_NKV] = i32(nkv);
  Launch c = launchOf(name, checkKvContract(rows), std::move(ps));
  c.checkDims = known ? staticDims : SmallVector<int64_t>{1, 1, 1};
  if (!known) {
    c.gridExpr = {sizeCeilDiv(rowsText, kCheckThreads), "1", "1"};
    c.checkDimsExpr = dims;
  }
  launches.push_back(std::move(c));
}

LogicalResult Planner::planAttention(Operation *op) {
  // The optional second result, the rows' log-sum-exp, is written by the
  // _lse variant of whichever kernel is chosen.
  const bool hasLse = op->getNumResults() > 1;
  if (auto bs = dyn_cast<BlockSparseOp>(op)) {
    FailureOr<bool> folded = symTiles.count(bs.getQ())
                                 ? planRasterAttentionDynamic(bs)
                                 : planRasterAttention(bs);
    if (failed(folded) || *folded)
      return failure(failed(folded));
  }
  Value q = op->getOperand(0), k = op->getOperand(1), v = op->getOperand(2);
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  Type elt = qt.getElementType();
  int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
          D = qt.getDimSize(3), Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2);
  if (!(elt.isF32() || elt.isBF16() || elt.isF16()))
    return op->emitError() << "attn-to-gpu: attention on " << elt
                           << " (f32, bf16 or f16)";
  if (ShapedType::isDynamic(D) ||
      ShapedType::isDynamic(cast<RankedTensorType>(v.getType()).getDimSize(3)))
    return op->emitError() << "attn-to-gpu: the head dim must be static (the "
                              "kernels are built for one)";
  if (D > 256)
    return op->emitError() << "attn-to-gpu: head dim " << D << " > 256";
  // Sizes as text: numbers, or expressions over run-time sizes; the
  // relations the verifier could not check become the plan's asserts.
  const SmallVector<std::string> qs = sizesOf(q), ks = sizesOf(k), vs = sizesOf(v);
  const std::string &tB = qs[0], &tHq = qs[1], &tSq = qs[2], &tHkv = ks[1], &tSkv = ks[2];
  std::string opName = op->getName().getStringRef().str();
  if (dynamicEntry) {
    assertSizes(ks[0], "==", tB, opName + ": batch of 'k' must match 'q'");
    assertSizes(vs[0], "==", tB, opName + ": batch of 'v' must match 'q'");
    assertSizes(vs[1], "==", tHkv, opName + ": heads of 'v' must match 'k'");
    assertSizes(vs[2], "==", tSkv, opName + ": length of 'v' must match 'k'");
    if (ShapedType::isDynamic(Hq) || ShapedType::isDynamic(Hkv))
      assertSizes(tHq + "%" + tHkv, "==", "0",
                  opName + ": heads of 'q' must be a multiple of the heads of 'k'");
    assertSizes(tB, ">", "0", opName + ": the batch must not be empty");
    assertSizes(tSq, ">", "0", opName + ": 'q' must have rows");
    assertSizes(tSkv, ">", "0", opName + ": 'k' must have keys");
  }
  SmallVector<Param> params;
  for (Value x : {q, k, v}) {
    auto r = materialize(x, op);
    if (failed(r))
      return failure();
    params.push_back(p(*r));
  }
  std::optional<APFloat> scaleAttr;
  bool indexed = false, hasSizes = false, keyMask = false;
  int64_t bq = opts.blockQ, bkv = opts.denseBlockKv, K = 0, nkv = 0;
  std::string tK;
  int64_t qSubBlocks = 0;
  Param idxP = null(), cntP = null(), vbsP = null(), kmP = null();
  int64_t subBlocks = 1;
  bool tc = opts.tensorCores && (elt.isBF16() || elt.isF16()) &&
            (D == 64 || D == 128);
  // On sm_90a the wgmma/TMA member of the family (HopperAttentionKernel.h)
  // takes what it supports: dense with 128 x 128 blocks, 64/128-key blocks
  // of 64 query rows (VSA), and big tiles that are multiples of 128 (STA).
  const bool hopper = tc && opts.wgmma && opts.chip == "sm_90a";
  bool useWgmma = false;
  LogicalResult ok = success();
  if (auto sdpa = dyn_cast<SdpaOp>(op)) {
    scaleAttr = sdpa.getScale();
    if (Value m = sdpa.getKeyMask()) {
      kmP = optionalBuf(m, op, ok);
      keyMask = true;
      if (dynamicEntry) {
        SmallVector<std::string> ms = sizesOf(m);
        assertSizes(ms[0], "==", tB, opName + ": batch of 'key_mask' must match 'q'");
        assertSizes(ms[1], "==", tSkv, opName + ": length of 'key_mask' must match 'k'");
      }
    }
    if (!tc)
      bkv = 64;
    if (hopper) {
      useWgmma = true;
      bq = bkv = 128;
    }
    K = ceilDiv(Skv, bkv);
    tK = sizeCeilDiv(tSkv, bkv);
  } else {
    auto bs = cast<BlockSparseOp>(op);
    scaleAttr = bs.getScale();
    indexed = true;
    bq = bs.getBlockQAttr().getInt();
    bkv = bs.getBlockKvAttr().getInt();
    K = cast<RankedTensorType>(bs.getKvIndices().getType()).getDimSize(3);
    int64_t nq = Sq / bq;
    nkv = Skv / bkv;
    tK = sizesOf(bs.getKvIndices())[3];
    if (dynamicEntry) {
      SmallVector<std::string> is = sizesOf(bs.getKvIndices()),
                               cs = sizesOf(bs.getKvCounts());
      const std::string nqT = sizeCeilDiv(tSq, bq), nkvT = sizeCeilDiv(tSkv, bkv);
      assertSizes(tSq + "%" + std::to_string(bq), "==", "0",
                  opName + ": query length must be a multiple of block_q");
      assertSizes(tSkv + "%" + std::to_string(bkv), "==", "0",
                  opName + ": key length must be a multiple of block_kv");
      for (auto [what, s] : {std::pair<const char *, SmallVector<std::string> *>{
                                 "kv_indices", &is},
                             {"kv_counts", &cs}}) {
        assertSizes((*s)[0], "==", tB, opName + ": batch of '" + what + "' must match 'q'");
        assertSizes((*s)[1], "==", tHq, opName + ": heads of '" + what + "' must match 'q'");
        assertSizes((*s)[2], "==", nqT,
                    opName + ": '" + what + "' must have a row per query block");
      }
      assertSizes(tK, "<=", nkvT, opName + ": 'kv_indices' lists more blocks than 'k' has");
      if (Value sizes = bs.getKvBlockSizes())
        assertSizes(sizesOf(sizes)[0], "==", nkvT,
                    opName + ": 'kv_block_sizes' must have an entry per kv block");
    }
    auto idx = constInts(bs.getKvIndices()), cnt = constInts(bs.getKvCounts());
    hasSizes = bool(bs.getKvBlockSizes());
    if (failed(validateConstTablesOf(bs)))
      return failure();
    bool direct = tc && bq == 64 && bkv % 16 == 0 && bkv <= 128;
    bool split = tc && !direct && bq == bkv && bq % 64 == 0 && bq / 64 <= 64;
    if (split && hopper && bq % 128 == 0) {
      // The same on the wgmma kernel, in 128-row and 128-key pieces.
      useWgmma = true;
      subBlocks = qSubBlocks = bq / 128;
    } else if (split) {
      // Large tiles (STA's 6x8x8 = 384 tokens) on the 64-row kernel: each
      // table row serves bq/64 query blocks and each listed tile is walked
      // as bkv/64 kv blocks (the way FastVideo re-indexes big tiles for its
      // 64-wide kernels, without expanding the tables).
      subBlocks = bq / 64;
      if (bq % opts.blockQ == 0)
        qSubBlocks = bq / opts.blockQ;
      else
        qSubBlocks = subBlocks;
    } else if (!direct) {
      tc = false;
    } else {
      useWgmma = hopper && (bkv == 64 || bkv == 128);
    }
    idxP = optionalBuf(bs.getKvIndices(), op, ok);
    cntP = optionalBuf(bs.getKvCounts(), op, ok);
    vbsP = optionalBuf(bs.getKvBlockSizes(), op, ok);
    if (failed(ok))
      return failure();
    if (opts.checks && (!idx || !cnt) && !dynamicEntry)
      checkKvLaunch(op, idxP, cntP, K, nkv, {B, Hq, nq});
    if (opts.checks && dynamicEntry)
      checkKvLaunch(op, idxP, cntP, tK, sizeCeilDiv(tSkv, bkv),
                    {tB, tHq, sizeCeilDiv(tSq, bq)});
    if (split) {
      bkv = useWgmma ? 128 : 64;
      bq = bq / qSubBlocks;
    }
  }
  if (failed(ok))
    return failure();
  float scale = softmaxScale(scaleAttr, D);
  const std::string suffix = scaleSuffix(scale);
  // (Run-time sizes: the grid is set from expressions below.)
  AttentionShape shape = dynamicEntry ? AttentionShape{1, 1, 1} : AttentionShape{B, Hq, Sq};
  KernelContract contract;
  std::string name;
  auto diag = [&] { return op->emitError(); };
  AttentionKernelConfig common{D,        bq,      bkv,   indexed,
                               hasSizes, keyMask, scale, hasLse};
  FlashKernelConfig flash;
  static_cast<AttentionKernelConfig &>(flash) = common;
  flash.elementType =
      elt.isBF16() ? FlashElementType::BF16 : FlashElementType::F16;
  flash.subBlocks = subBlocks;
  flash.qSubBlocks = qSubBlocks == subBlocks ? 0 : qSubBlocks;
  HopperKernelConfig hcfg = hopperConfigFor(flash);
  hcfg.overlap = opts.overlap;
  hcfg.qInRegs = opts.qInRegs && opts.overlap;
  hcfg.fmaSoftmax = opts.fmaSoftmax;
  if (useWgmma) {
    auto kernel = hopperKernel(op, hcfg, shape);
    if (failed(kernel))
      return failure();
    std::tie(name, contract) = *kernel;
  } else if (tc) {
    FlashKernelConfig &cfg = flash;
    if (failed(verifyFlashKernelConfig(cfg, diag)))
      return failure();
    name = flashKernelName(cfg) + suffix;
    ensureKernel(name, [&](gpu::GPUModuleOp m) {
      emitFlashAttentionKernel(b, op->getLoc(), m, cfg, name);
    });
    contract = flashKernelContract(cfg, shape);
    if (failed(checkShared(op, contract, "flash")))
      return failure();
  } else {
    SimtKernelConfig cfg;
    static_cast<AttentionKernelConfig &>(cfg) = common;
    cfg.elementType = elt.isF32()    ? SimtElementType::F32
                      : elt.isBF16() ? SimtElementType::BF16
                                     : SimtElementType::F16;
    if (failed(verifySimtKernelConfig(cfg, diag)))
      return failure();
    name = simtKernelName(cfg) + suffix;
    ensureKernel(name, [&](gpu::GPUModuleOp m) {
      emitSimtAttentionKernel(b, op->getLoc(), m, cfg, name);
    });
    contract = simtKernelContract(cfg, shape);
  }
  std::vector<Param> ps(useWgmma ? ATTNRT_ATTN_TMA_NUM_PARAMS
                                 : ATTNRT_ATTN_NUM_PARAMS);
  if (useWgmma) {
    ps[ATTNRT_ATTN_Q_MAP] =
        tensorMap(params[0].buf, elt, std::to_string(D), tSq, sizeMul(tB, tHq),
                  hopperTensorMapBoxRows(hcfg, /*query=*/true));
    for (auto [i, at] : {std::pair<int, int>{1, ATTNRT_ATTN_K_MAP},
                         std::pair<int, int>{2, ATTNRT_ATTN_V_MAP}})
      ps[at] = tensorMap(params[i].buf, elt, std::to_string(D), tSkv, sizeMul(tB, tHkv),
                         hopperTensorMapBoxRows(hcfg, /*query=*/false));
  }
  ps[ATTNRT_ATTN_Q] = params[0];
  ps[ATTNRT_ATTN_K] = params[1];
  ps[ATTNRT_ATTN_V] = params[2];
  ps[ATTNRT_ATTN_OUT] = p(outputFor(op->getResult(0)));
  ps[ATTNRT_ATTN_KV_INDICES] = idxP;
  ps[ATTNRT_ATTN_KV_COUNTS] = cntP;
  ps[ATTNRT_ATTN_KV_BLOCK_SIZES] = vbsP;
  ps[ATTNRT_ATTN_KEY_MASK] = kmP;
  ps[ATTNRT_ATTN_SQ] = i32(tSq);
  ps[ATTNRT_ATTN_SKV] = i32(tSkv);
  ps[ATTNRT_ATTN_HQ] = i32(tHq);
  ps[ATTNRT_ATTN_HKV] = i32(tHkv);
  ps[ATTNRT_ATTN_TABLE_K] = i32(tK);
  if (hasLse)
    ps.push_back(p(outputFor(op->getResult(1))));
  Launch l = launchOf(name, contract, std::move(ps));
  if (dynamicEntry) {
    // The contract's grid, (ceil(Sq / block_q), Hq, B), over run-time sizes.
    l.gridExpr = {sizeCeilDiv(tSq, bq), tHq, tB};
    sizeTexts[op->getResult(0)] = {tB, tHq, tSq, vs[3]};
    if (hasLse)
      sizeTexts[op->getResult(1)] = {tB, tHq, tSq};
  }
  launches.push_back(std::move(l));
  return success();
}

