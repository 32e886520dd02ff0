//===- RasterFold.cpp - tile/untile folded into the raster-tile kernel ----===//
//
// On sm_90a, attn.block_sparse over the tiles of raster video tensors runs
// as the raster-tile wgmma kernel (HopperAttentionKernel.h): its TMA boxes
// read q, k, v straight from raster order and write the output back in
// raster order, so neither the tiled copies nor the gathers exist. What
// folds is STA as attn-plan-sparsity leaves it:
//
//   q = pad(concat(tile(q_raster), q_text))          (k, v the same)
//   o = block_sparse(q, k, v, constant tables)        block_q = block_kv = P
//   out = untile(slice(o, image rows)); out_text = slice(o, text rows)
//
// checked on the planner's row views (RowView.cpp): rows [0, N*P) of q, k
// and v must be exactly attn.tile's slots of one raster buffer over the
// geometry of the untile (pad slots zero), the next S_text rows one text
// buffer in order, the rest zero padding; the output must be read only
// through whole-row extract_slices into that untile and into the text rows.
// Keys: a partial image tile's kv_block_sizes must be its in-grid count
// (the kernel masks pad slots by coordinate, the same keys); text tiles'
// sizes must describe one text length L (clamp(L - t * P, 0, P)).
//
// VSA's fine stage folds too: its output is read by the gated combine
// (linalg.generic out = coarse[row / P] * gate + fine, as attn-decompose-vsa
// builds it, the gate a tile view of a raster tensor; without a gate
// coarse[row / P] + fine) whose result is
// untiled. The raster-tile kernel writes the fine output in raster order
// into the untile's buffer; with a gate and 64-row tiles the combine is the
// kernel's epilogue (`_cg`, reading the raster gate by TMA), otherwise a
// raster-order kernel (VsaCombineKernel.cpp) updates the output in place.
// The block means read the raster tensors through row tables
// (KernelChoice.cpp), so no tiled copy is left. Run-time kv tables get the
// checked-mode launch.
//
// Anything else keeps the gathers; with `report` a remark says why.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Dialect/Attn/Utils/TileGeometry.h"
#include "attn/Kernels/HopperAttentionKernel.h"
#include "attnrt/abi.h"

#include "attn/Kernels/UtilityKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

namespace {

/// Where the rows of one attention operand come from, when they are the
/// folded layout: the raster buffer and the text buffer (-1: none).
struct FoldedOperand {
  int raster = -1, text = -1;
  int64_t textRows = 0;
  /// The raster rows are the first of a larger tensor (Python's q with the
  /// text after the image): its rows per slab (0: the raster tensor itself),
  /// and where the text starts in the text buffer.
  int64_t slabRows = 0, textSlabRows = 0, textRowOffset = 0;
};

/// `view` as [tile slots of a raster buffer | text rows | zero rows], or
/// std::nullopt with `why`.
std::optional<FoldedOperand> matchOperand(const RowView &view,
                                          ArrayRef<int64_t> slotToRaster,
                                          int64_t rasterRows, bool allowSlabs,
                                          std::string &why) {
  const int64_t image = slotToRaster.size();
  const int64_t rows = view.src.size();
  if (rows < image) {
    why = "it has fewer rows than the tiles";
    return std::nullopt;
  }
  int rasterSrc = -1, textSrc = -1;
  for (int64_t i = 0; i < image; ++i) {
    int s = view.src[i];
    if (slotToRaster[i] < 0) {
      if (s >= 0) {
        why = "a pad slot of a tile is not zero";
        return std::nullopt;
      }
      continue;
    }
    if (s < 0 || (rasterSrc >= 0 && s != rasterSrc) ||
        view.row[i] != slotToRaster[i]) {
      why = "its image rows are not attn.tile of one raster tensor with the "
            "untile's geometry";
      return std::nullopt;
    }
    rasterSrc = s;
  }
  if (rasterSrc < 0 || view.sourceRows[rasterSrc] < rasterRows) {
    why = "its image rows are not read from a raster tensor of the grid";
    return std::nullopt;
  }
  if (!allowSlabs && view.sourceRows[rasterSrc] != rasterRows) {
    why = "its raster rows are the first rows of a larger tensor (folded "
          "with fold-slabs, off until checked on the GPU)";
    return std::nullopt;
  }
  // The raster tokens may be the first rows of a larger tensor, the text
  // the rows after them (one [B, H, S_img + S_text, D] tensor).
  const int64_t sourceRows = view.sourceRows[rasterSrc];
  int64_t i = image;
  for (; i < rows && view.src[i] >= 0; ++i) {
    int s = view.src[i];
    // (The same buffer may be more than one source of the view.)
    const bool sameBuffer = view.sources[s] == view.sources[rasterSrc];
    int64_t first = sameBuffer ? rasterRows : 0;
    if ((textSrc >= 0 && s != textSrc) || view.row[i] != first + i - image) {
      why = "the rows after the tiles are not one text tensor in order";
      return std::nullopt;
    }
    textSrc = s;
  }
  FoldedOperand out;
  out.raster = view.sources[rasterSrc];
  if (sourceRows != rasterRows)
    out.slabRows = sourceRows;
  if (textSrc >= 0) {
    out.text = view.sources[textSrc];
    const bool shared = view.sources[textSrc] == view.sources[rasterSrc];
    out.textRows = view.sourceRows[textSrc] - (shared ? rasterRows : 0);
    if (out.textRows != i - image) {
      why = "only part of the text tensor follows the tiles";
      return std::nullopt;
    }
    if (shared) {
      out.textSlabRows = sourceRows;
      out.textRowOffset = rasterRows;
    }
  }
  for (; i < rows; ++i)
    if (view.src[i] >= 0) {
      why = "rows after the text are not zero padding";
      return std::nullopt;
    }
  return out;
}

} // namespace

std::optional<std::pair<Value, Value>>
plan::matchVsaCombine(linalg::GenericOp g, Value fine, int64_t P) {
  const bool gated = g.getNumDpsInputs() == 3;
  if (!(gated || g.getNumDpsInputs() == 2) || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != 4 || g.getNumReductionLoops() != 0)
    return std::nullopt;
  MLIRContext *ctx = g.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineExpr d2 = getAffineDimExpr(2, ctx);
  AffineMap perTile = AffineMap::get(
      4, 0,
      {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx), d2.floorDiv(P),
       getAffineDimExpr(3, ctx)},
      ctx);
  if (g.getIndexingMapsArray().back() != id)
    return std::nullopt;
  int fineArg = -1, coarseArg = -1, gateArg = -1;
  for (auto [i, in] : llvm::enumerate(g.getDpsInputs())) {
    AffineMap m = g.getIndexingMapsArray()[i];
    if (in == fine && m == id && fineArg < 0)
      fineArg = i;
    else if (m == perTile && coarseArg < 0)
      coarseArg = i;
    else if (m == id && gateArg < 0)
      gateArg = i;
  }
  if (fineArg < 0 || coarseArg < 0 || (gated != (gateArg >= 0)))
    return std::nullopt;
  Block &body = g.getRegion().front();
  auto extOf = [&](Value v) -> int {
    auto e = v.getDefiningOp<arith::ExtFOp>();
    auto a = e ? dyn_cast<BlockArgument>(e.getIn()) : BlockArgument();
    return a && a.getOwner() == &body ? int(a.getArgNumber()) : -1;
  };
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto trunc = yield.getOperand(0).getDefiningOp<arith::TruncFOp>();
  auto add = trunc ? trunc.getIn().getDefiningOp<arith::AddFOp>() : nullptr;
  if (!add)
    return std::nullopt;
  for (auto [x, y] : {std::pair(add.getLhs(), add.getRhs()),
                      std::pair(add.getRhs(), add.getLhs())}) {
    if (!gated) {
      if (extOf(x) == coarseArg && extOf(y) == fineArg)
        return std::make_pair(g.getDpsInputs()[coarseArg], Value());
      continue;
    }
    auto mul = x.getDefiningOp<arith::MulFOp>();
    if (!mul || extOf(y) != fineArg)
      continue;
    int a = extOf(mul.getLhs()), b = extOf(mul.getRhs());
    if ((a == coarseArg && b == gateArg) || (a == gateArg && b == coarseArg))
      return std::make_pair(g.getDpsInputs()[coarseArg],
                            g.getDpsInputs()[gateArg]);
  }
  return std::nullopt;
}

HopperKernelConfig Planner::rasterKernelConfig(BlockSparseOp op, int64_t rows,
                                               ArrayRef<int64_t> tile) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  const int64_t D = qt.getDimSize(3);
  FlashKernelConfig flash;
  flash.headDim = D;
  flash.blockQ = flash.blockKv = rows;
  flash.indexed = true;
  flash.hasBlockSizes = flash.hasKeyMask = false;
  flash.scale = softmaxScale(op.getScale(), D);
  flash.elementType = qt.getElementType().isBF16() ? FlashElementType::BF16
                                                    : FlashElementType::F16;
  HopperKernelConfig cfg =
      withRasterTile(hopperConfigFor(flash), {tile[0], tile[1], tile[2]});
  cfg.overlap = opts.overlap;
  cfg.fmaSoftmax = opts.fmaSoftmax;
  return cfg;
}

std::vector<Param> Planner::rasterParams(const HopperKernelConfig &cfg, Type elt,
                                         int64_t D, ArrayRef<int64_t> tile,
                                         const RasterOperands &r) {
  std::vector<Param> ps(cfg.rasterText     ? ATTNRT_ATTN_RASTER_TEXT_NUM_PARAMS
                        : cfg.gatedCombine ? ATTNRT_ATTN_RASTER_COMBINE_NUM_PARAMS
                                           : ATTNRT_ATTN_RASTER_NUM_PARAMS);
  ps[ATTNRT_ATTN_Q] = p(r.q);
  ps[ATTNRT_ATTN_K] = p(r.k);
  ps[ATTNRT_ATTN_V] = p(r.v);
  ps[ATTNRT_ATTN_OUT] = p(r.out);
  ps[ATTNRT_ATTN_KV_INDICES] = r.idx;
  ps[ATTNRT_ATTN_KV_COUNTS] = r.cnt;
  ps[ATTNRT_ATTN_KV_BLOCK_SIZES] = null();
  ps[ATTNRT_ATTN_KEY_MASK] = null();
  ps[ATTNRT_ATTN_SQ] = i32(r.Sq);
  ps[ATTNRT_ATTN_SKV] = i32(r.Skv);
  ps[ATTNRT_ATTN_HQ] = i32(r.Hq);
  ps[ATTNRT_ATTN_HKV] = i32(r.Hkv);
  ps[ATTNRT_ATTN_TABLE_K] = i32(r.K);
  const int64_t qRows = hopperTensorMapBoxRows(cfg, /*query=*/true);
  const int64_t kvRows = hopperTensorMapBoxRows(cfg, /*query=*/false);
  auto slab = [&](Param map, int i) {
    return slabbed(map, elt, D, r.slabRows[i], 0);
  };
  ps[ATTNRT_ATTN_Q_MAP] = slab(rasterMap(r.q, elt, D, r.grid, r.BHq, tile, qRows), 0);
  ps[ATTNRT_ATTN_K_MAP] = slab(rasterMap(r.k, elt, D, r.grid, r.BHkv, tile, kvRows), 1);
  ps[ATTNRT_ATTN_V_MAP] = slab(rasterMap(r.v, elt, D, r.grid, r.BHkv, tile, kvRows), 2);
  ps[ATTNRT_ATTN_O_MAP] = slab(rasterMap(r.out, elt, D, r.grid, r.BHq, tile, qRows), 3);
  ps[ATTNRT_ATTN_GRID_T] = i32(r.grid[0]);
  ps[ATTNRT_ATTN_GRID_H] = i32(r.grid[1]);
  ps[ATTNRT_ATTN_GRID_W] = i32(r.grid[2]);
  return ps;
}

std::optional<std::string> Planner::rasterKernelRefusal(BlockSparseOp op) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  Type elt = qt.getElementType();
  const int64_t D = qt.getDimSize(3);
  if (!opts.foldLayout || !opts.tensorCores || !opts.wgmma ||
      opts.chip != "sm_90a")
    return std::string("the raster-tile kernel is sm_90a's wgmma kernel "
                       "(fold-layout, wgmma, chip sm_90a)");
  if (!(elt.isBF16() || elt.isF16()) || !(D == 64 || D == 128))
    return std::string("the raster-tile kernel takes bf16/f16 with head dim 64 "
                       "or 128");
  if (op.getLse())
    return std::string("the op's 'lse' result is written by the plain kernel "
                       "form only");
  return std::nullopt;
}

FailureOr<bool> Planner::planRasterAttention(BlockSparseOp op) {
  std::string why;
  auto notFolded = [&]() -> FailureOr<bool> {
    if (opts.report)
      op->emitRemark() << "attn-to-gpu: tile/untile not folded into the "
                          "attention kernel: "
                       << why;
    return false;
  };
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  Type elt = qt.getElementType();
  const int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1),
                Sq = qt.getDimSize(2), D = qt.getDimSize(3),
                Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2);
  const int64_t P = op.getBlockQAttr().getInt();
  if (auto no = rasterKernelRefusal(op)) {
    why = *no;
    return notFolded();
  }
  // VSA: the fine output feeds the gated combine, which is untiled.
  SmallVector<Operation *> folded;
  Value outVal = op.getResult();
  std::optional<std::pair<Value, Value>> combine;
  if (outVal.hasOneUse())
    if (auto g = dyn_cast<linalg::GenericOp>(*outVal.getUsers().begin())) {
      combine = matchVsaCombine(g, outVal, P);
      if (!combine) {
        why = "its output is read by a linalg op that is not VSA's gated "
              "combine";
        return notFolded();
      }
      folded.push_back(g);
      outVal = g->getResult(0);
    }
  // The output: whole-row slices into one untile and the text rows.
  UntileOp untile;
  SmallVector<std::tuple<Value, int64_t, int64_t>> terminals; // value, at, rows
  SmallVector<std::pair<Value, int64_t>> work = {{outVal, 0}};
  while (!work.empty()) {
    auto [val, at] = work.pop_back_val();
    bool terminal = false;
    for (Operation *user : val.getUsers()) {
      if (auto s = dyn_cast<tensor::ExtractSliceOp>(user)) {
        auto rs = rowSlice(s);
        if (!rs) {
          why = "its output is read by a slice that is not whole rows";
          return notFolded();
        }
        folded.push_back(s);
        work.push_back({s.getResult(), at + rs->first});
      } else if (auto u = dyn_cast<UntileOp>(user)) {
        if (untile || at != 0) {
          why = "its output is untiled more than once or not from row 0";
          return notFolded();
        }
        untile = u;
        folded.push_back(u);
      } else {
        terminal = true;
      }
    }
    if (terminal)
      terminals.push_back(
          {val, at, cast<RankedTensorType>(val.getType()).getDimSize(2)});
  }
  if (!untile) {
    why = "its output is not untiled (attn.untile) to a raster tensor";
    return notFolded();
  }
  auto geo = TileGeometry::get(untile.getGrid(), untile.getTile());
  if (!geo || geo->slotsPerTile() != P ||
      op.getBlockKvAttr().getInt() != P) {
    why = "its blocks are not the untile's tiles (block_q = block_kv = P)";
    return notFolded();
  }
  ArrayRef<int64_t> grid = untile.getGrid(), tile = untile.getTile();
  const int64_t rows = P % 128 == 0 ? 128 : 64;
  if (!rasterBoxesFit(tile, P, rows)) {
    why = "a TMA box is whole t-slices of the tile: h * w must divide 64 and "
          "64 divide P";
    return notFolded();
  }
  // The inputs.
  SmallVector<int64_t> slots = geo->slotToRaster();
  FoldedOperand in[3];
  const char *names[3] = {"q", "k", "v"};
  for (int i = 0; i < 3; ++i) {
    const RowView *view = lazyView(op->getOperand(i));
    if (!view) {
      why = std::string(names[i]) + " is not a tiled view (tile, concat, pad)";
      return notFolded();
    }
    auto m = matchOperand(*view, slots, geo->numTokens(), opts.foldSlabs, why);
    if (!m) {
      why = std::string(names[i]) + ": " + why;
      return notFolded();
    }
    in[i] = *m;
  }
  const int64_t St = in[0].textRows;
  const int64_t image = geo->paddedLength();
  if (in[1].textRows != St || in[2].textRows != St || Sq != Skv ||
      Sq != image + ceilDiv(St, P) * P) {
    why = "q, k and v do not have the same text rows padded to whole tiles";
    return notFolded();
  }
  for (auto [val, at, n] : terminals)
    if (at != image || n != St || (St && val != std::get<0>(terminals[0]))) {
      why = "its output is read other than through the untile and the text "
            "rows";
      return notFolded();
    }
  // The combine's gate in raster order, its coarse output per tile.
  FoldedOperand gate;
  if (combine) {
    auto ct = cast<RankedTensorType>(combine->first.getType());
    if (St || ct.getDimSize(2) != geo->numTiles()) {
      why = "the combine's coarse output is not per tile";
      return notFolded();
    }
  }
  if (combine && combine->second) {
    const RowView *view = lazyView(combine->second);
    if (!view) {
      why = "the combine's gate is not a tiled view";
      return notFolded();
    }
    auto m = matchOperand(*view, slots, geo->numTokens(), opts.foldSlabs, why);
    if (!m || m->text >= 0) {
      why = "the combine's gate: " + why;
      return notFolded();
    }
    gate = *m;
  }
  // Key sizes the kernel's masks reproduce (the tables themselves are
  // validated once, below, when the op folds; run-time ones are checked in
  // checked mode).
  const int64_t N = geo->numTiles();
  int64_t textLength = St;
  std::string textLengthText; // a run-time text length (size argument)
  SmallVector<int64_t> inGrid = geo->validBlockSizes();
  auto vbs = constInts(op.getKvBlockSizes());
  if (Value vbsV = op.getKvBlockSizes(); vbsV && !vbs) {
    // STA with a run-time text_length: sizes computed from it per call,
    // which the kernel's TEXT_LENGTH parameter reproduces.
    auto L = St ? runTimeTextLength(vbsV, inGrid, P, St) : std::nullopt;
    if (!L) {
      why = "its kv_block_sizes are computed at run time";
      return notFolded();
    }
    textLengthText = *L;
    assertSizes(*L, ">=", "0", "attn.sliding_tile: text_length must be >= 0");
    assertSizes(*L, "<=", std::to_string(St),
                "attn.sliding_tile: text_length must be at most the text tokens");
  } else if (Value vbsV = op.getKvBlockSizes()) {
    (void)vbsV;
    for (int64_t t = 0; t < N; ++t)
      if ((*vbs)[t] != inGrid[t]) {
        why = "kv_block_sizes of image tile " + std::to_string(t) +
              " is not its in-grid token count";
        return notFolded();
      }
    textLength = 0;
    for (size_t t = N; t < vbs->size(); ++t)
      textLength += (*vbs)[t];
    for (size_t t = N; t < vbs->size(); ++t)
      if ((*vbs)[t] != std::clamp<int64_t>(textLength - (t - N) * P, 0, P)) {
        why = "the text tiles' kv_block_sizes are not one text length";
        return notFolded();
      }
    if (textLength > St) {
      why = "the text length exceeds the text rows";
      return notFolded();
    }
  } else if (!geo->isExact() || Sq != image + St) {
    why = "without kv_block_sizes, pad slots and pad rows are keys";
    return notFolded();
  }

  // The kernel.
  if (failed(validateConstTablesOf(op)))
    return failure();
  HopperKernelConfig cfg = rasterKernelConfig(op, rows, tile);
  cfg.rasterText = St > 0;
  cfg.longFirst = opts.longFirst;
  // The gated combine in the kernel's epilogue (one consumer, a tile of
  // whole 64-row blocks); otherwise a raster-order pass after it.
  const bool epilogue = combine && gate.raster >= 0 && rows == 64;
  cfg.gatedCombine = epilogue;
  // Q in registers: measured slower with the combine epilogue, and the text
  // segment's kernel spills 4 bytes with it (GpuTarget.h).
  cfg.qInRegs = opts.qInRegs && opts.overlap && !epilogue && !cfg.rasterText;
  auto kernel = hopperKernel(op, cfg, {B, Hq, Sq});
  if (failed(kernel))
    return failure();
  auto &[name, contract] = *kernel;

  // Its parameters: raster and text buffers, the output written in place.
  LogicalResult ok = success();
  Param idxP = optionalBuf(op.getKvIndices(), op, ok);
  Param cntP = optionalBuf(op.getKvCounts(), op, ok);
  if (failed(ok))
    return failure();
  const int64_t K =
      cast<RankedTensorType>(op.getKvIndices().getType()).getDimSize(3);
  if (opts.checks && (!constInts(op.getKvIndices()) ||
                      !constInts(op.getKvCounts())))
    checkKvLaunch(op, idxP, cntP, K, Skv / P, {B, Hq, Sq / P});
  // The output: the untile's buffer and the text rows', or, where both are
  // concatenated (image then text, Python's layout), one buffer of which
  // they are the two parts (the untile and the concat fold too).
  int out = -1, textOut = -1;
  int64_t outSlab = 0;
  auto concat = untile.getResult().hasOneUse()
                    ? dyn_cast<tensor::ConcatOp>(*untile.getResult().getUsers().begin())
                    : tensor::ConcatOp();
  if (opts.foldSlabs && concat && St && !terminals.empty() && concat.getDim() == 2 &&
      concat.getInputs().size() == 2 && concat.getInputs()[0] == untile.getResult() &&
      concat.getInputs()[1] == std::get<0>(terminals[0]) &&
      std::get<0>(terminals[0]).hasOneUse() && concat.getResultType().hasStaticShape()) {
    out = textOut = outputFor(concat.getResult());
    outSlab = geo->numTokens() + St;
    folded.push_back(concat);
  } else {
    out = outputFor(untile.getResult());
    if (St)
      textOut = terminals.empty()
                    ? scratch(B * Hq * St * D * elementBytes(elt))
                    : outputFor(std::get<0>(terminals[0]));
  }
  auto num = [](int64_t x) { return std::to_string(x); };
  RasterOperands r{in[0].raster, in[1].raster, in[2].raster, out,
                   idxP, cntP, num(Sq), num(Skv), num(Hq), num(Hkv), num(K),
                   num(B * Hq), num(B * Hkv),
                   {num(grid[0]), num(grid[1]), num(grid[2])},
                   {in[0].slabRows, in[1].slabRows, in[2].slabRows, outSlab}};
  std::vector<Param> ps = rasterParams(cfg, elt, D, tile, r);
  const int64_t qRows = hopperTensorMapBoxRows(cfg, /*query=*/true);
  const int64_t kvRows = hopperTensorMapBoxRows(cfg, /*query=*/false);
  if (cfg.rasterText) {
    auto text = [&](const FoldedOperand &f, int64_t BH, int64_t rows) {
      return tensorMap(f.text, elt, D, St, BH, rows, f.textSlabRows, f.textRowOffset);
    };
    ps[ATTNRT_ATTN_TEXT_Q_MAP] = text(in[0], B * Hq, qRows);
    ps[ATTNRT_ATTN_TEXT_K_MAP] = text(in[1], B * Hkv, kvRows);
    ps[ATTNRT_ATTN_TEXT_V_MAP] = text(in[2], B * Hkv, kvRows);
    ps[ATTNRT_ATTN_TEXT_O_MAP] = tensorMap(textOut, elt, D, St, B * Hq, qRows, outSlab,
                                           outSlab ? geo->numTokens() : 0);
    ps[ATTNRT_ATTN_TEXT_TOKENS] = i32(St);
    ps[ATTNRT_ATTN_TEXT_LENGTH] =
        textLengthText.empty() ? i32(textLength) : i32(textLengthText);
  }
  FailureOr<int> coarse = failure();
  if (combine) {
    coarse = materialize(combine->first, op);
    if (failed(coarse))
      return failure();
  }
  if (epilogue) {
    ps[ATTNRT_ATTN_COMBINE_GATE_MAP] =
        rasterMap(gate.raster, elt, D, grid, B * Hq, tile, qRows);
    ps[ATTNRT_ATTN_COMBINE_COARSE] = p(*coarse);
  }
  launches.push_back(launchOf(name, contract, std::move(ps)));
  if (combine && !epilogue) {
    const bool gated = gate.raster >= 0;
    std::string kernel = "attn_vsa_combine_raster_";
    llvm::raw_string_ostream(kernel) << elt << (gated ? "" : "_nogate");
    ensureKernel(kernel, [&](gpu::GPUModuleOp m) {
      emitVsaCombineRasterKernel(b, op->getLoc(), m, elt, gated, kernel);
    });
    launches.push_back(launchOf(
        kernel, vsaCombineRasterContract(geo->numTokens(), D, B * Hq),
        {p(out), gated ? p(gate.raster) : null(), p(*coarse), i32(grid[0]),
         i32(grid[1]),
         i32(grid[2]), i32(tile[0]), i32(tile[1]), i32(tile[2]), i32(D)}));
  }
  foldedOps.insert(folded.begin(), folded.end());
  if (opts.report)
    op->emitRemark() << "attn-to-gpu: folded into " << name
                     << ": the tiles of q, k, v and the untile of the output "
                        "are its TMA boxes over the raster tensors"
                     << (St ? " (text rows: 3-D boxes of the text tensors)" : "")
                     << (!combine ? ""
                         : epilogue ? "; the gated combine is its epilogue"
                         : gate.raster >= 0
                             ? "; the gated combine runs in raster order on "
                               "its output"
                             : "; the combine runs in raster order on its "
                               "output")
                     << "; no tiled copies";
  return true;
}
