//===- DynamicLayout.cpp - run-time sizes: sizes as text, run-time grids --===//
//
// Entries with dynamic shapes or size arguments (docs/DynamicShapes.md,
// "GPU path") are planned with every size as text: a number, or an
// expression over the names the artifact binds at run time (a<i>_<d>: a
// dimension of argument i; a<i>: size argument i, a 0-d integer tensor
// read by tensor.extract). sizesOf derives a value's sizes from the op that
// defines it, scalarText an index value's from its arithmetic.
//
// A video grid given at run time (attn.tile / attn.untile /
// attn.tile_block_sizes with grid operands) has no row views: a tile is a
// SymTile (raster tensor + grid texts) that only kernels taking the grid
// read. VSA's layer as attn-decompose-vsa leaves it plans as
//   - the tile-tables kernel (per grid: each slot's raster row, each tile's
//     valid count), then the block means reading the raster tensors through
//     those rows;
//   - the coarse scores, the coarse attention and the top-k over run-time
//     tile counts;
//   - the raster-tile kernel for the fine stage, its q/k/v boxes over the
//     raster tensors, the gated combine in its epilogue, the output written
//     in raster order into the untile's buffer (RasterFold.cpp's fold, with
//     the grid as kernel parameters).
// Anything else that reads a run-time-grid tile is refused, naming it.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/HopperAttentionKernel.h"
#include "attn/Kernels/UtilityKernels.h"
#include "attnrt/abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

std::string SymTile::tiles() const {
  return sizeMul(sizeMul(sizeCeilDiv(grid[0], tile[0]),
                         sizeCeilDiv(grid[1], tile[1])),
                 sizeCeilDiv(grid[2], tile[2]));
}

/// x / d of size texts (floor; folded for numbers).
static std::string sizeDiv(const std::string &x, const std::string &d) {
  auto a = sizeValue(x), b = sizeValue(d);
  if (a && b && *b > 0)
    return std::to_string(*a / *b);
  if (b && *b == 1)
    return x;
  // (n * d) / d: a product ending in the divisor (a tile count times its
  // slots, divided by the block) drops it.
  const std::string tail = "*" + d;
  if (x.size() > tail.size() && x.compare(x.size() - tail.size(), tail.size(), tail) == 0) {
    std::string head = x.substr(0, x.size() - tail.size());
    int depth = 0;
    bool product = true;
    for (char c : head) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      if (depth == 0 && (c == '+' || c == '-' || c == '/' || c == '%'))
        product = false;
    }
    if (product && depth == 0)
      return head;
  }
  return sizeParen(x) + "/" + sizeParen(d);
}

std::optional<std::string> Planner::scalarText(Value v) {
  if (auto c = getConstantIntValue(v))
    return std::to_string(*c);
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto two = [&](auto op, auto join) -> std::optional<std::string> {
    auto l = scalarText(op.getLhs()), r = scalarText(op.getRhs());
    if (!l || !r)
      return std::nullopt;
    return join(*l, *r);
  };
  return llvm::TypeSwitch<Operation *, std::optional<std::string>>(def)
      .Case<tensor::ExtractOp>([&](auto e) -> std::optional<std::string> {
        auto a = dyn_cast<BlockArgument>(e.getTensor());
        if (!a || !sizeArgs.count(a.getArgNumber()))
          return std::nullopt;
        return "a" + std::to_string(a.getArgNumber());
      })
      .Case<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
            arith::ExtUIOp, arith::TruncIOp>(
          [&](Operation *c) { return scalarText(c->getOperand(0)); })
      .Case<tensor::DimOp>([&](auto d) -> std::optional<std::string> {
        auto i = getConstantIntValue(d.getIndex());
        auto t = dyn_cast<RankedTensorType>(d.getSource().getType());
        if (!i || !t || *i < 0 || *i >= t.getRank())
          return std::nullopt;
        return sizesOf(d.getSource())[*i];
      })
      .Case<arith::DivUIOp, arith::DivSIOp, arith::FloorDivSIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return sizeDiv(l, r); });
      })
      .Case<arith::CeilDivUIOp, arith::CeilDivSIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) {
          if (auto d = sizeValue(r); d && *d > 0)
            return sizeCeilDiv(l, *d);
          return "(" + l + "+" + sizeParen(r) + "-1)/" + sizeParen(r);
        });
      })
      .Case<arith::MulIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return sizeMul(l, r); });
      })
      .Case<arith::AddIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return l + "+" + r; });
      })
      .Case<arith::SubIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return l + "-" + sizeParen(r); });
      })
      .Case<arith::RemUIOp, arith::RemSIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) {
          return sizeParen(l) + "%" + sizeParen(r);
        });
      })
      .Case<arith::MinSIOp, arith::MinUIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return "min(" + l + "," + r + ")"; });
      })
      .Case<arith::MaxSIOp, arith::MaxUIOp>([&](auto o) {
        return two(o, [](auto &l, auto &r) { return "max(" + l + "," + r + ")"; });
      })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<std::array<std::string, 3>>
Planner::gridTexts(ArrayRef<int64_t> grid, ValueRange values) {
  std::array<std::string, 3> out;
  size_t next = 0;
  for (int i = 0; i < 3; ++i) {
    if (!ShapedType::isDynamic(grid[i])) {
      out[i] = std::to_string(grid[i]);
      continue;
    }
    auto t = next < values.size() ? scalarText(values[next++]) : std::nullopt;
    if (!t)
      return std::nullopt;
    out[i] = *t;
  }
  return out;
}

SmallVector<std::string> Planner::sizesOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<std::string> out;
  for (int64_t d = 0; d < t.getRank(); ++d)
    out.push_back(t.isDynamicDim(d) ? "?" : std::to_string(t.getDimSize(d)));
  if (t.hasStaticShape())
    return out;
  if (auto it = sizeTexts.find(v); it != sizeTexts.end())
    return it->second;
  // Dynamic dims from the op that defines v (static ones stay numbers).
  SmallVector<std::string> derived(out);
  auto from = [&](ArrayRef<std::string> texts) {
    for (size_t d = 0; d < texts.size() && d < derived.size(); ++d)
      derived[d] = texts[d];
  };
  Operation *def = v.getDefiningOp();
  auto gridOf = [&](auto op) {
    return gridTexts(op.getGrid(), op.getGridValues());
  };
  if (def)
    llvm::TypeSwitch<Operation *>(def)
        .Case<TileOp>([&](TileOp op) {
          auto g = gridOf(op);
          if (!g)
            return;
          SymTile st{Value(), *g, {op.getTile()[0], op.getTile()[1], op.getTile()[2]}};
          SmallVector<std::string> in = sizesOf(op.getInput());
          from(in);
          derived[2] = sizeMul(st.tiles(), std::to_string(st.slots()));
        })
        .Case<UntileOp>([&](UntileOp op) {
          auto g = gridOf(op);
          if (!g)
            return;
          from(sizesOf(op.getInput()));
          derived[2] = sizeMul(sizeMul((*g)[0], (*g)[1]), (*g)[2]);
        })
        .Case<TileBlockSizesOp>([&](TileBlockSizesOp op) {
          auto g = gridOf(op);
          if (!g)
            return;
          SymTile st{Value(), *g, {op.getTile()[0], op.getTile()[1], op.getTile()[2]}};
          derived[0] = st.tiles();
        })
        .Case<BlockMeanOp>([&](BlockMeanOp op) {
          SmallVector<std::string> in = sizesOf(op.getInput());
          from(in);
          derived[2] = sizeDiv(in[2], std::to_string(op.getBlockAttr().getInt()));
        })
        .Case<tensor::EmptyOp>([&](tensor::EmptyOp op) {
          size_t next = 0;
          for (int64_t d = 0; d < t.getRank(); ++d)
            if (t.isDynamicDim(d)) {
              auto s = scalarText(op.getDynamicSizes()[next++]);
              derived[d] = s ? *s : "?";
            }
        })
        .Case<linalg::LinalgOp>([&](linalg::LinalgOp op) {
          unsigned i = cast<OpResult>(v).getResultNumber();
          from(sizesOf(op.getDpsInitOperand(i)->get()));
        })
        .Case<tensor::CastOp>([&](auto op) { from(sizesOf(op.getSource())); })
        .Case<SdpaOp, BlockSparseOp>([&](Operation *op) {
          SmallVector<std::string> q = sizesOf(op->getOperand(0));
          from(ArrayRef<std::string>(q).take_front(3));
          if (cast<OpResult>(v).getResultNumber() == 0)
            derived[3] = sizesOf(op->getOperand(2))[3];
        })
        .Case<BlockTopkOp>([&](BlockTopkOp op) {
          SmallVector<std::string> s = sizesOf(op.getScores());
          from(ArrayRef<std::string>(s).take_front(3));
          if (cast<OpResult>(v).getResultNumber() == 0) {
            std::optional<std::string> k =
                op.getKValue() ? scalarText(op.getKValue())
                               : std::optional<std::string>(
                                     std::to_string(*op.getK()));
            if (!k)
              derived[3] = "?";
            else if (sizeValue(*k) && sizeValue(s[3]))
              derived[3] = std::to_string(std::min(*sizeValue(*k), *sizeValue(s[3])));
            else
              derived[3] = "min(" + *k + "," + s[3] + ")";
          }
        });
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (!t.isDynamicDim(d))
      derived[d] = out[d];
  sizeTexts[v] = derived;
  return derived;
}

int Planner::scratchFor(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.hasStaticShape())
    return scratch(tensorBytes(v));
  std::string bytes = std::to_string(elementBytes(t.getElementType()));
  for (const std::string &s : sizesOf(v))
    bytes = sizeMul(bytes, s);
  return scratch(bytes);
}

LogicalResult Planner::planDynamicLayout(Operation *op) {
  auto tileOf = [](ArrayRef<int64_t> t) {
    return std::array<int64_t, 3>{t[0], t[1], t[2]};
  };
  auto gridFail = [&] {
    return op->emitError() << "attn-to-gpu: the grid of '" << op->getName()
                           << "' is not a size the plan can compute (constants, "
                              "size arguments, tensor.dim and index arithmetic)";
  };
  if (auto tile = dyn_cast<TileOp>(op)) {
    auto g = gridTexts(tile.getGrid(), tile.getGridValues());
    if (!g)
      return gridFail();
    SymTile st{tile.getInput(), *g, tileOf(tile.getTile())};
    const std::string name = op->getName().getStringRef().str();
    for (int i = 0; i < 3; ++i)
      assertSizes((*g)[i], ">=", "1", name + ": grid sizes must be >= 1");
    assertSizes(sizesOf(tile.getInput())[2], "==",
                sizeMul(sizeMul((*g)[0], (*g)[1]), (*g)[2]),
                name + ": sequence length must equal the grid's T*H*W");
    symTiles[tile.getResult()] = st;
    return success();
  }
  if (auto sizes = dyn_cast<TileBlockSizesOp>(op)) {
    auto g = gridTexts(sizes.getGrid(), sizes.getGridValues());
    if (!g)
      return gridFail();
    symBlockSizes[sizes.getResult()] = {Value(), *g, tileOf(sizes.getTile())};
    return success();
  }
  // An untile that no kernel folded.
  return op->emitError()
         << "attn-to-gpu: '" << op->getName()
         << "' with run-time sizes is planned only as the output of VSA's fine "
            "stage folded into the raster-tile kernel (sm_90a; "
            "docs/DynamicShapes.md)";
}

std::pair<int, int> Planner::tileTables(const SymTile &t, Operation *user) {
  std::string key = t.grid[0] + "|" + t.grid[1] + "|" + t.grid[2];
  for (int64_t x : t.tile)
    key += "|" + std::to_string(x);
  auto it = tileTableBufs.find(key);
  if (it != tileTableBufs.end())
    return it->second;
  const std::string tiles = t.tiles();
  const std::string slots = sizeMul(tiles, std::to_string(t.slots()));
  int rows = scratch(sizeMul(slots, "4")), sizes = scratch(sizeMul(tiles, "4"));
  std::string name = "attn_tile_tables";
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitTileTablesKernel(b, user->getLoc(), m, name);
  });
  Launch l = launchOf(name, tileTablesContract(),
                      {p(rows), p(sizes), i32(t.grid[0]), i32(t.grid[1]),
                       i32(t.grid[2]), i32(t.tile[0]), i32(t.tile[1]),
                       i32(t.tile[2]), i32(slots)});
  l.gridExpr = {sizeCeilDiv(slots, kTileTablesThreads), "1", "1"};
  launches.push_back(std::move(l));
  return tileTableBufs[key] = {rows, sizes};
}

FailureOr<bool> Planner::planRasterAttentionDynamic(BlockSparseOp op) {
  std::string why;
  auto notFolded = [&]() -> FailureOr<bool> {
    return op->emitError() << "attn-to-gpu: attn.block_sparse over tiles of a "
                              "run-time grid is planned only as the raster-tile "
                              "kernel, and this one does not fold: "
                           << why;
  };
  auto qi = symTiles.find(op.getQ());
  if (qi == symTiles.end())
    return false; // not over run-time-grid tiles: the plain kernel
  const SymTile &tq = qi->second;
  if (auto no = rasterKernelRefusal(op)) {
    why = *no;
    return notFolded();
  }
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  Type elt = qt.getElementType();
  const int64_t D = qt.getDimSize(3);
  const SymTile *in[3] = {&tq, nullptr, nullptr};
  for (int i = 1; i < 3; ++i) {
    auto it = symTiles.find(op->getOperand(i));
    if (it == symTiles.end() || !it->second.sameGrid(tq)) {
      why = "q, k and v are not tiles of one run-time grid";
      return notFolded();
    }
    in[i] = &it->second;
  }
  const int64_t P = tq.slots();
  const auto &tile = tq.tile;
  if (op.getBlockQAttr().getInt() != P || op.getBlockKvAttr().getInt() != P) {
    why = "its blocks are not the tiles (block_q = block_kv = P)";
    return notFolded();
  }
  const int64_t rows = P % 128 == 0 ? 128 : 64;
  if (!rasterBoxesFit(tile, P, rows)) {
    why = "a TMA box is whole t-slices of the tile: h * w must divide 64 and "
          "64 divide P";
    return notFolded();
  }
  auto vbs = symBlockSizes.find(op.getKvBlockSizes());
  if (!op.getKvBlockSizes() || vbs == symBlockSizes.end() ||
      !vbs->second.sameGrid(tq)) {
    why = "its kv_block_sizes are not attn.tile_block_sizes of the grid (the "
          "kernel masks pad slots by coordinate)";
    return notFolded();
  }
  // The output: VSA's combine (coarse per tile, the gate a tile of the
  // grid), then the untile of the same grid.
  Value outVal = op.getResult();
  std::optional<std::pair<Value, Value>> combine;
  SmallVector<Operation *> folded;
  const SymTile *gate = nullptr;
  if (outVal.hasOneUse())
    if (auto g = dyn_cast<linalg::GenericOp>(*outVal.getUsers().begin())) {
      combine = matchVsaCombine(g, outVal, P);
      if (!combine) {
        why = "its output is read by a linalg op that is not VSA's combine";
        return notFolded();
      }
      if (combine->second) {
        auto gi = symTiles.find(combine->second);
        if (gi == symTiles.end() || !gi->second.sameGrid(tq)) {
          why = "the combine's gate is not a tile of the grid";
          return notFolded();
        }
        gate = &gi->second;
      }
      folded.push_back(g);
      outVal = g->getResult(0);
    }
  UntileOp untile = outVal.hasOneUse()
                        ? dyn_cast<UntileOp>(*outVal.getUsers().begin())
                        : UntileOp();
  auto ug = untile ? gridTexts(untile.getGrid(), untile.getGridValues())
                   : std::nullopt;
  if (!untile || !ug || *ug != tq.grid ||
      ArrayRef<int64_t>(untile.getTile()) != ArrayRef<int64_t>(tile)) {
    why = "its output is not read only by attn.untile of the same grid";
    return notFolded();
  }
  folded.push_back(untile);

  // The kernel, as RasterFold.cpp builds it.
  HopperKernelConfig cfg = rasterKernelConfig(op, rows, tile);
  const bool epilogue = combine && gate && rows == 64;
  cfg.gatedCombine = epilogue;
  cfg.qInRegs = opts.qInRegs && opts.overlap && !epilogue;
  auto kernel = hopperKernel(op, cfg, {1, 1, 1});
  if (failed(kernel))
    return failure();
  auto &[name, contract] = *kernel;

  const SmallVector<std::string> qs = sizesOf(op.getQ()), ks = sizesOf(op.getK());
  const std::string &tB = qs[0], &tHq = qs[1], &tHkv = ks[1];
  const std::string N = tq.tiles(), S = sizeMul(N, std::to_string(P));
  const std::string opName = op->getName().getStringRef().str();
  assertSizes(ks[0], "==", tB, opName + ": batch of 'k' must match 'q'");
  assertSizes(sizesOf(op.getV())[0], "==", tB,
              opName + ": batch of 'v' must match 'q'");
  assertSizes(tB, ">", "0", opName + ": the batch must not be empty");
  LogicalResult ok = success();
  Param idxP = optionalBuf(op.getKvIndices(), op, ok);
  Param cntP = optionalBuf(op.getKvCounts(), op, ok);
  if (failed(ok))
    return failure();
  const std::string K = sizesOf(op.getKvIndices())[3];
  if (opts.checks)
    checkKvLaunch(op, idxP, cntP, K, N, {tB, tHq, N});
  auto raster = [&](const SymTile *t) { return materialize(t->raster, op); };
  FailureOr<int> qb = raster(in[0]), kb = raster(in[1]), vb = raster(in[2]);
  if (failed(qb) || failed(kb) || failed(vb))
    return failure();
  int out = outputFor(untile.getResult());
  const std::string BHq = sizeMul(tB, tHq), BHkv = sizeMul(tB, tHkv);
  RasterOperands r{*qb, *kb, *vb, out, idxP, cntP, S, S, tHq, tHkv, K, BHq, BHkv,
                   tq.grid};
  std::vector<Param> ps = rasterParams(cfg, elt, D, tile, r);
  const int64_t qRows = hopperTensorMapBoxRows(cfg, /*query=*/true);
  FailureOr<int> coarse = failure();
  if (combine) {
    coarse = materialize(combine->first, op);
    if (failed(coarse))
      return failure();
  }
  FailureOr<int> gateBuf = gate ? raster(gate) : FailureOr<int>(-1);
  if (failed(gateBuf))
    return failure();
  if (epilogue) {
    ps[ATTNRT_ATTN_COMBINE_GATE_MAP] =
        rasterMap(*gateBuf, elt, D, tq.grid, BHq, tile, qRows);
    ps[ATTNRT_ATTN_COMBINE_COARSE] = p(*coarse);
  }
  Launch l = launchOf(name, contract, std::move(ps));
  l.gridExpr = {sizeCeilDiv(S, cfg.blockQ), tHq, tB};
  launches.push_back(std::move(l));
  if (combine && !epilogue) {
    std::string kname = "attn_vsa_combine_raster_";
    llvm::raw_string_ostream(kname) << elt << (gate ? "" : "_nogate");
    ensureKernel(kname, [&](gpu::GPUModuleOp m) {
      emitVsaCombineRasterKernel(b, op->getLoc(), m, elt, gate != nullptr, kname);
    });
    const std::string tokens =
        sizeMul(sizeMul(tq.grid[0], tq.grid[1]), tq.grid[2]);
    Launch c = launchOf(
        kname, vsaCombineRasterContract(),
        {p(out), gate ? p(*gateBuf) : null(), p(*coarse), i32(tq.grid[0]),
         i32(tq.grid[1]), i32(tq.grid[2]), i32(tile[0]), i32(tile[1]),
         i32(tile[2]), i32(D)});
    c.gridExpr = {sizeCeilDiv(sizeMul(tokens, std::to_string(D / kVsaCombineVector)),
                              kVsaCombineThreads),
                  BHq, "1"};
    launches.push_back(std::move(c));
  }
  foldedOps.insert(folded.begin(), folded.end());
  if (opts.report)
    op->emitRemark() << "attn-to-gpu: folded into " << name
                     << " with the video grid as run-time parameters: the tiles "
                        "of q, k, v and the untile of the output are its TMA "
                        "boxes over the raster tensors"
                     << (epilogue ? "; the gated combine is its epilogue" : "");
  return true;
}

LogicalResult Planner::planAssert(cf::AssertOp op) {
  SmallVector<Value> work = {op.getArg()};
  while (!work.empty()) {
    Value c = work.pop_back_val();
    if (auto a = c.getDefiningOp<arith::AndIOp>()) {
      work.push_back(a.getLhs());
      work.push_back(a.getRhs());
      continue;
    }
    if (matchPattern(c, m_One()))
      continue;
    auto cmp = c.getDefiningOp<arith::CmpIOp>();
    auto l = cmp ? scalarText(cmp.getLhs()) : std::nullopt;
    auto r = cmp ? scalarText(cmp.getRhs()) : std::nullopt;
    if (!l || !r)
      return op.emitError("attn-to-gpu: this cf.assert's condition is not a "
                          "relation of run-time sizes the plan can check");
    using P = arith::CmpIPredicate;
    StringRef rel;
    switch (cmp.getPredicate()) {
    case P::eq: rel = "=="; break;
    case P::ne: rel = "!="; break;
    case P::slt: case P::ult: rel = "<"; break;
    case P::sle: case P::ule: rel = "<="; break;
    case P::sgt: case P::ugt: rel = ">"; break;
    case P::sge: case P::uge: rel = ">="; break;
    }
    assertSizes(*l, rel, *r, op.getMsg());
  }
  return success();
}

std::optional<std::string>
Planner::runTimeTextLength(Value vbs, ArrayRef<int64_t> inGrid, int64_t P,
                           int64_t St) {
  auto g = vbs.getDefiningOp<linalg::GenericOp>();
  auto t = dyn_cast<RankedTensorType>(vbs.getType());
  if (!g || !t || t.getRank() != 1 || !t.hasStaticShape() ||
      g.getNumDpsInputs() != 0 || g.getNumLoops() != 1)
    return std::nullopt;
  const int64_t N = inGrid.size(), rows = t.getDimSize(0);
  if (rows != N + (St + P - 1) / P)
    return std::nullopt;
  // The one run-time value the payload reads: L.
  Block &body = g.getRegion().front();
  std::optional<std::string> L;
  DenseMap<Value, int64_t> fixed;
  Value lValue;
  for (Operation &op : body)
    for (Value x : op.getOperands()) {
      if (x.getParentBlock() == &body || fixed.count(x) || x == lValue)
        continue;
      if (auto c = getConstantIntValue(x)) {
        fixed[x] = *c;
        continue;
      }
      auto text = scalarText(x);
      if (!text || lValue)
        return std::nullopt;
      lValue = x;
      L = text;
    }
  if (!lValue)
    return std::nullopt;
  // Evaluate the payload for every (L, t) the plan's asserts allow.
  using Pred = arith::CmpIPredicate;
  auto eval = [&](int64_t lv, int64_t tv) -> std::optional<int64_t> {
    DenseMap<Value, int64_t> v(fixed);
    v[lValue] = lv;
    for (Operation &op : body) {
      auto in = [&](unsigned i) { return v.lookup(op.getOperand(i)); };
      std::optional<int64_t> r;
      if (isa<linalg::IndexOp>(op))
        r = tv;
      else if (auto c = getConstantIntValue(op.getNumResults() ? op.getResult(0) : Value()))
        r = *c;
      else if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
                   arith::TruncIOp>(op))
        r = in(0);
      else if (isa<arith::AddIOp>(op)) r = in(0) + in(1);
      else if (isa<arith::SubIOp>(op)) r = in(0) - in(1);
      else if (isa<arith::MulIOp>(op)) r = in(0) * in(1);
      else if (isa<arith::MaxSIOp>(op)) r = std::max(in(0), in(1));
      else if (isa<arith::MinSIOp>(op)) r = std::min(in(0), in(1));
      else if (isa<arith::SelectOp>(op)) r = in(0) ? in(1) : in(2);
      else if (auto c = dyn_cast<arith::CmpIOp>(op)) {
        int64_t a = in(0), b = in(1);
        switch (c.getPredicate()) {
        case Pred::eq: r = a == b; break;
        case Pred::ne: r = a != b; break;
        case Pred::slt: r = a < b; break;
        case Pred::sle: r = a <= b; break;
        case Pred::sgt: r = a > b; break;
        case Pred::sge: r = a >= b; break;
        default: return std::nullopt; // unsigned: not needed by the planner
        }
      } else if (auto y = dyn_cast<linalg::YieldOp>(op))
        return v.lookup(y.getOperand(0));
      if (!r)
        return std::nullopt;
      v[op.getResult(0)] = *r;
    }
    return std::nullopt;
  };
  for (int64_t lv = 0; lv <= St; ++lv)
    for (int64_t tv = 0; tv < rows; ++tv) {
      int64_t want = tv < N ? inGrid[tv]
                            : std::clamp<int64_t>(lv - (tv - N) * P, 0, P);
      if (eval(lv, tv) != std::optional<int64_t>(want))
        return std::nullopt;
    }
  return L;
}
