//===- LaunchPlanner.cpp - tensor-level attn functions -> GPU launches ----===//
//
// See LaunchPlan.h. Planning walks the entry block once, in order:
//  - layout ops become lazy row views (which source buffer and row each
//    destination row reads, or a zero row), composed through chains;
//  - every other op materializes its operands (one gather per run of rows
//    from the same source) and appends its kernel launch;
//  - values returned by the function are written straight into the result
//    buffers where possible.
// Then scratch buffers are packed by lifetime and the host IR is written.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToGPU/LaunchPlan.h"
#include "attn/Kernels/FlashAttentionKernel.h"
#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/SimtAttentionKernel.h"
#include "attn/Kernels/UtilityKernels.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/TileGeometry.h"
#include "attn/Kernels/KernelContract.h"
#include "attnrt/abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <map>
#include <set>

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

int64_t elementBytes(Type t) {
  if (t.isInteger(1) || t.isInteger(8))
    return 1;
  return (t.getIntOrFloatBitWidth() + 7) / 8;
}

std::optional<std::vector<int32_t>> constInts(Value v) {
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::vector<int32_t> out;
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(int32_t(x.getSExtValue()));
  return out;
}

struct Buf {
  enum Kind { Arg, Result, Scratch, Const, Err } kind;
  int index = 0;             // argument/result number
  int64_t bytes = 0;         // scratch
  std::vector<int32_t> data; // const
};

struct Param {
  int buf = -1; // -1: an i32 (or null when isNull)
  int64_t value = 0;
  bool isNull = false;
};

struct Launch {
  std::string kernel;
  std::array<int64_t, 3> grid = {1, 1, 1};
  int64_t block = 128;
  int64_t smem = 0;
  std::vector<Param> params;
  SmallVector<int64_t> checkDims; // non-empty: a checked-mode launch
  int64_t loopTrips = 0;          // > 0: begins a loop of that many trips
  bool loopEnd = false;           // ends the innermost loop
};

/// Rows of a [B, H, S, D] value taken from other buffers: row i of every
/// (b, h) slab is row[i] of source src[i], or zero when src[i] < 0.
struct RowView {
  SmallVector<int> sources;        // buffer ids
  SmallVector<int64_t> sourceRows; // S of each source
  std::vector<int32_t> src, row;
};

class Planner {
public:
  Planner(ModuleOp module, func::FuncOp entry, const GpuCompileOptions &opts)
      : module(module), entry(entry), opts(opts), b(module.getContext()) {}
  LogicalResult run();

private:
  // Buffers and values.
  int newBuf(Buf buf) {
    bufs.push_back(std::move(buf));
    return bufs.size() - 1;
  }
  int scratch(int64_t bytes) {
    Buf s{Buf::Scratch};
    s.bytes = std::max<int64_t>(bytes, 16);
    return newBuf(s);
  }
  static int64_t tensorBytes(Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getNumElements() * elementBytes(t.getElementType());
  }
  /// The buffer an op writes its result `v` into: the function result it
  /// is returned as (first time), else fresh scratch.
  int outputFor(Value v);
  /// `v` as a buffer, writing it if it is a view or a constant.
  FailureOr<int> materialize(Value v, Operation *user);
  /// Writes `view` (rows of a [B, H, S, D] value of type `t`) into `dst`:
  /// one gather per run of rows from the same source.
  void writeView(const RowView &view, RankedTensorType t, int dst);
  static RowView identityView(int buf, int64_t rows);
  int constTable(std::vector<int32_t> data) {
    Buf c{Buf::Const};
    c.data = std::move(data);
    return newBuf(std::move(c));
  }
  /// `v` as a row view (identity for buffers).
  FailureOr<RowView> viewOf(Value v, Operation *user);
  Param p(int buf) { return Param{buf}; }
  /// A launch of `kernel` as its contract describes it, with `params` in
  /// the contract's order.
  static Launch launchOf(std::string kernel, const KernelContract &contract,
                         std::vector<Param> params) {
    assert(params.size() == contract.params.size() &&
           "launch parameters do not match the kernel's contract");
    for (auto [pr, kind] : llvm::zip(params, contract.params)) {
      (void)pr;
      (void)kind;
      assert((kind == ParamKind::Ptr) == (pr.buf >= 0 || pr.isNull) &&
             "launch parameter kind does not match the kernel's contract");
    }
    Launch l;
    l.kernel = std::move(kernel);
    l.grid = contract.grid;
    l.block = contract.threads;
    l.smem = contract.sharedBytes;
    l.params = std::move(params);
    return l;
  }
  Param i32(int64_t v) { return Param{-1, v}; }
  Param null() { return Param{-1, 0, true}; }
  Param optionalBuf(Value v, Operation *user, LogicalResult &ok) {
    if (!v)
      return null();
    auto r = materialize(v, user);
    if (failed(r)) {
      ok = failure();
      return null();
    }
    return p(*r);
  }

  // Kernels.
  gpu::GPUModuleOp kernels();
  /// Emits kernel `name` with `emit` unless it is already in the module.
  void ensureKernel(const std::string &name,
                    function_ref<void(gpu::GPUModuleOp)> emit) {
    if (emitted.insert(name).second)
      emit(kernels());
  }

  // Ops.
  LogicalResult planLayout(Operation *op);
  LogicalResult planBlockMean(BlockMeanOp op);
  LogicalResult planTopk(BlockTopkOp op);
  LogicalResult planMask(MaskFromLengthsOp op);
  LogicalResult planLinalg(linalg::LinalgOp op);
  LogicalResult planAttention(Operation *op);
  LogicalResult planReturn(func::ReturnOp ret);
  LogicalResult planFor(scf::ForOp loop);
  LogicalResult planBlock(Block &block);
  /// Copies buffer `src` (a [B, H, S, D] value like `v`) into `dst`.
  void copy(int src, int dst, Value v);

  LogicalResult writeHost();

  ModuleOp module;
  func::FuncOp entry;
  const GpuCompileOptions &opts;
  OpBuilder b;
  gpu::GPUModuleOp gm;
  std::set<std::string> emitted;
  unsigned linalgCount = 0;

  std::vector<Buf> bufs;
  std::vector<Launch> launches;
  DenseMap<Value, int> bufOf;
  DenseMap<Value, RowView> views;
  DenseMap<Value, int> returnSlot; // first result index of a returned value
  DenseSet<int> resultWritten;
  int errBuf = -1;
  std::vector<std::pair<size_t, size_t>> loops; // [begin, end] launch indices
};

gpu::GPUModuleOp Planner::kernels() {
  if (!gm)
    gm = createKernelModule(module, opts.chip, opts.features);
  return gm;
}

int Planner::outputFor(Value v) {
  auto it = returnSlot.find(v);
  if (it != returnSlot.end() && !resultWritten.count(it->second)) {
    resultWritten.insert(it->second);
    Buf r{Buf::Result};
    r.index = it->second;
    int id = newBuf(r);
    bufOf[v] = id;
    return id;
  }
  int id = scratch(tensorBytes(v));
  bufOf[v] = id;
  return id;
}

FailureOr<RowView> Planner::viewOf(Value v, Operation *user) {
  auto it = views.find(v);
  if (it != views.end())
    return it->second;
  auto buf = materialize(v, user);
  if (failed(buf))
    return failure();
  return identityView(*buf, cast<RankedTensorType>(v.getType()).getDimSize(2));
}

RowView Planner::identityView(int buf, int64_t rows) {
  RowView view;
  view.sources = {buf};
  view.sourceRows = {rows};
  view.src.assign(rows, 0);
  view.row.resize(rows);
  for (int64_t i = 0; i < rows; ++i)
    view.row[i] = int32_t(i);
  return view;
}

FailureOr<int> Planner::materialize(Value v, Operation *user) {
  // Arguments, loop-carried values and kernel outputs are in bufOf.
  auto it = bufOf.find(v);
  if (it != bufOf.end())
    return it->second;
  auto vit = views.find(v);
  if (vit != views.end()) {
    RowView view = vit->second;
    int dst = outputFor(v); // also records v -> dst
    writeView(view, cast<RankedTensorType>(v.getType()), dst);
    return dst;
  }
  auto type = cast<ShapedType>(v.getType());
  if (auto data = constInts(v);
      data && type.getElementType().isSignlessInteger(32)) {
    int id = constTable(std::move(*data));
    bufOf[v] = id;
    return id;
  }
  if (v.getDefiningOp<tensor::EmptyOp>()) {
    int id = scratch(tensorBytes(v));
    bufOf[v] = id;
    return id;
  }
  Operation *def = v.getDefiningOp();
  return user->emitError()
         << "attn-to-gpu: operand produced by '"
         << (def ? def->getName().getStringRef() : StringRef("?"))
         << "' has no GPU buffer (only i32 constant tables, layout ops and "
            "kernels produce them)";
}

void Planner::writeView(const RowView &view, RankedTensorType t, int dst) {
  int64_t BH = t.getDimSize(0) * t.getDimSize(1), S = t.getDimSize(2);
  int64_t rowBytes = t.getDimSize(3) * elementBytes(t.getElementType());
  int chunk = 1;
  for (int c : {16, 8, 4, 2})
    if (rowBytes % c == 0) {
      chunk = c;
      break;
    }
  std::string kernel = "attn_gather_rows_c" + std::to_string(chunk);
  ensureKernel(kernel, [&](gpu::GPUModuleOp m) {
    emitGatherRowsKernel(b, module.getLoc(), m, chunk, kernel);
  });
  // Runs of rows that read the same source (zero rows join any run).
  int64_t start = 0;
  while (start < S) {
    int source = -1;
    int64_t end = start;
    for (; end < S; ++end) {
      int s = view.src[end];
      if (s < 0)
        continue;
      if (source < 0)
        source = s;
      else if (s != source)
        break;
    }
    std::vector<int32_t> table;
    for (int64_t i = start; i < end; ++i)
      table.push_back(view.src[i] < 0 ? -1 : view.row[i]);
    int tableId = constTable(std::move(table));
    int64_t n = end - start;
    launches.push_back(
        launchOf(kernel, gatherRowsContract(n, rowBytes / chunk, BH),
                 {source < 0 ? null() : p(view.sources[source]), p(dst),
                  p(tableId), i32(n),
                  i32(source < 0 ? 0 : view.sourceRows[source]), i32(S),
                  i32(start), i32(rowBytes / chunk)}));
    start = end;
  }
}

LogicalResult Planner::planLayout(Operation *op) {
  Value result = op->getResult(0);
  auto rt = cast<RankedTensorType>(result.getType());
  if (rt.getRank() != 4 || !rt.hasStaticShape())
    return op->emitError("attn-to-gpu: layout ops need static [B, H, S, D] "
                         "tensors");
  int64_t S = rt.getDimSize(2);
  RowView out;
  auto pick = [&](const RowView &in, ArrayRef<int64_t> rows) {
    out.sources = in.sources;
    out.sourceRows = in.sourceRows;
    out.src.resize(rows.size());
    out.row.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      int64_t r = rows[i];
      out.src[i] = r < 0 ? -1 : in.src[r];
      out.row[i] = r < 0 ? 0 : in.row[r];
    }
  };
  if (isa<TileOp, UntileOp>(op)) {
    auto in = viewOf(op->getOperand(0), op);
    if (failed(in))
      return failure();
    ArrayRef<int64_t> grid, tile;
    if (auto t = dyn_cast<TileOp>(op)) {
      grid = t.getGrid();
      tile = t.getTile();
    } else {
      auto u = cast<UntileOp>(op);
      grid = u.getGrid();
      tile = u.getTile();
    }
    auto geo = TileGeometry::get(grid, tile);
    if (!geo)
      return op->emitError("attn-to-gpu: invalid tiling");
    SmallVector<int64_t> rows =
        isa<TileOp>(op) ? geo->slotToRaster() : geo->rasterToSlot();
    pick(*in, rows);
  } else if (auto c = dyn_cast<tensor::ConcatOp>(op)) {
    if (c.getDim() != 2)
      return op->emitError("attn-to-gpu: tensor.concat only along the "
                           "sequence dimension (2)");
    for (Value x : c.getInputs()) {
      auto in = viewOf(x, op);
      if (failed(in))
        return failure();
      int base = out.sources.size();
      out.sources.append(in->sources);
      out.sourceRows.append(in->sourceRows);
      for (size_t i = 0; i < in->src.size(); ++i) {
        out.src.push_back(in->src[i] < 0 ? -1 : in->src[i] + base);
        out.row.push_back(in->row[i]);
      }
    }
  } else if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto st = s.getSourceType();
    bool ok = s.hasUnitStride() && st.hasStaticShape() &&
              s.getStaticOffsets().size() == 4;
    for (int d : {0, 1, 3})
      ok = ok && s.getStaticOffsets()[d] == 0 &&
           s.getStaticSizes()[d] == st.getDimSize(d);
    if (!ok || ShapedType::isDynamic(s.getStaticOffsets()[2]) ||
        rt.getRank() != 4)
      return op->emitError("attn-to-gpu: tensor.extract_slice only of whole "
                           "rows (static offset/size along dim 2, unit "
                           "strides)");
    auto in = viewOf(s.getSource(), op);
    if (failed(in))
      return failure();
    SmallVector<int64_t> rows;
    for (int64_t i = 0; i < S; ++i)
      rows.push_back(s.getStaticOffsets()[2] + i);
    pick(*in, rows);
  } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    Value cst = pad.getConstantPaddingValue();
    bool zero = cst && (matchPattern(cst, m_AnyZeroFloat()) ||
                        matchPattern(cst, m_Zero()));
    bool ok = zero && pad.getSourceType().hasStaticShape();
    for (int d : {0, 1, 3})
      ok = ok && pad.getStaticLow()[d] == 0 && pad.getStaticHigh()[d] == 0;
    if (!ok || ShapedType::isDynamic(pad.getStaticLow()[2]))
      return op->emitError("attn-to-gpu: tensor.pad only with zeros along "
                           "the sequence dimension (2)");
    auto in = viewOf(pad.getSource(), op);
    if (failed(in))
      return failure();
    int64_t low = pad.getStaticLow()[2],
            inS = pad.getSourceType().getDimSize(2);
    SmallVector<int64_t> rows;
    for (int64_t i = 0; i < S; ++i)
      rows.push_back(i < low || i >= low + inS ? -1 : i - low);
    pick(*in, rows);
  }
  views[result] = std::move(out);
  return success();
}

LogicalResult Planner::planBlockMean(BlockMeanOp op) {
  auto x = materialize(op.getInput(), op);
  if (failed(x))
    return failure();
  LogicalResult ok = success();
  Param sizes = optionalBuf(op.getBlockSizes(), op, ok);
  if (failed(ok))
    return failure();
  auto rt = cast<RankedTensorType>(op.getType());
  Type elt = rt.getElementType();
  if (!(elt.isF32() || elt.isBF16() || elt.isF16()))
    return op->emitError() << "attn-to-gpu: block_mean of " << elt;
  int64_t BH = rt.getDimSize(0) * rt.getDimSize(1), N = rt.getDimSize(2),
          D = rt.getDimSize(3), P = op.getBlockAttr().getInt();
  std::string name = "attn_block_mean_";
  llvm::raw_string_ostream(name) << elt;
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitBlockMeanKernel(b, op->getLoc(), m, elt, name);
  });
  int out = outputFor(op.getResult());
  launches.push_back(launchOf(name, blockMeanContract(N, D, BH),
                              {p(*x), sizes, p(out), i32(N), i32(P), i32(D),
                               i32(sizes.isNull ? 0 : 1)}));
  return success();
}

LogicalResult Planner::planTopk(BlockTopkOp op) {
  auto scores = materialize(op.getScores(), op);
  if (failed(scores))
    return failure();
  auto st = cast<RankedTensorType>(op.getScores().getType());
  if (!st.getElementType().isF32())
    return op->emitError("attn-to-gpu: block_topk takes f32 scores");
  int64_t rows = st.getDimSize(0) * st.getDimSize(1) * st.getDimSize(2);
  int64_t nkv = st.getDimSize(3);
  int64_t K = cast<RankedTensorType>(op.getResult(0).getType()).getDimSize(3);
  KernelContract topk = blockTopkContract(rows, nkv);
  if (topk.sharedBytes > opts.target()->maxSharedBytes)
    return op->emitError() << "attn-to-gpu: block_topk over " << nkv
                           << " blocks needs " << topk.sharedBytes
                           << " bytes of shared memory, more than " << opts.chip
                           << "'s " << opts.target()->maxSharedBytes;
  std::string name = "attn_block_topk";
  ensureKernel(name, [&](gpu::GPUModuleOp m) {
    emitBlockTopkKernel(b, op->getLoc(), m, name);
  });
  int idx = outputFor(op.getResult(0)), cnt = outputFor(op.getResult(1));
  launches.push_back(launchOf(name, topk,
                              {p(*scores), p(idx), p(cnt), i32(nkv), i32(K)}));
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
  launches.push_back(launchOf(name, contract, std::move(params)));
  return success();
}

LogicalResult Planner::planAttention(Operation *op) {
  Value q = op->getOperand(0), k = op->getOperand(1), v = op->getOperand(2);
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  Type elt = qt.getElementType();
  int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
          D = qt.getDimSize(3), Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2);
  if (!(elt.isF32() || elt.isBF16() || elt.isF16()))
    return op->emitError() << "attn-to-gpu: attention on " << elt
                           << " (f32, bf16 or f16)";
  if (D > 256)
    return op->emitError() << "attn-to-gpu: head dim " << D << " > 256";
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
  int64_t qSubBlocks = 0;
  Param idxP = null(), cntP = null(), vbsP = null(), kmP = null();
  int64_t subBlocks = 1;
  bool tc = opts.tensorCores && (elt.isBF16() || elt.isF16()) &&
            (D == 64 || D == 128);
  LogicalResult ok = success();
  if (auto sdpa = dyn_cast<SdpaOp>(op)) {
    scaleAttr = sdpa.getScale();
    if (Value m = sdpa.getKeyMask()) {
      kmP = optionalBuf(m, op, ok);
      keyMask = true;
    }
    if (!tc)
      bkv = 64;
    K = ceilDiv(Skv, bkv);
  } else {
    auto bs = cast<BlockSparseOp>(op);
    scaleAttr = bs.getScale();
    indexed = true;
    bq = bs.getBlockQAttr().getInt();
    bkv = bs.getBlockKvAttr().getInt();
    K = cast<RankedTensorType>(bs.getKvIndices().getType()).getDimSize(3);
    int64_t nq = Sq / bq;
    nkv = Skv / bkv;
    auto idx = constInts(bs.getKvIndices()), cnt = constInts(bs.getKvCounts());
    auto vbs = constInts(bs.getKvBlockSizes());
    hasSizes = bool(bs.getKvBlockSizes());
    // Constant tables are validated here, once.
    if (cnt)
      for (size_t r = 0; r < cnt->size(); ++r)
        if ((*cnt)[r] < 0 || (*cnt)[r] > K)
          return op->emitError()
                 << "attn-to-gpu: kv_counts entry " << r << " = " << (*cnt)[r]
                 << " is outside [0, " << K << "]";
    if (idx && cnt)
      for (size_t r = 0; r < cnt->size(); ++r)
        for (int64_t e = 0; e < (*cnt)[r]; ++e) {
          int32_t x = (*idx)[r * K + e];
          if (x < 0 || x >= nkv)
            return op->emitError()
                   << "attn-to-gpu: kv_indices row " << r << " entry " << e
                   << " = " << x << " is outside [0, " << nkv << ")";
        }
    if (vbs)
      for (size_t j = 0; j < vbs->size(); ++j)
        if ((*vbs)[j] < 0 || (*vbs)[j] > bkv)
          return op->emitError()
                 << "attn-to-gpu: kv_block_sizes[" << j << "] = " << (*vbs)[j]
                 << " is outside [0, " << bkv << "]";
    bool direct = tc && bq == 64 && bkv % 16 == 0 && bkv <= 128;
    bool split = tc && !direct && bq == bkv && bq % 64 == 0 && bq / 64 <= 64;
    if (split) {
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
    }
    idxP = optionalBuf(bs.getKvIndices(), op, ok);
    cntP = optionalBuf(bs.getKvCounts(), op, ok);
    vbsP = optionalBuf(bs.getKvBlockSizes(), op, ok);
    if (failed(ok))
      return failure();
    if (opts.checks && (!idx || !cnt)) {
      if (errBuf < 0)
        errBuf = newBuf(Buf{Buf::Err});
      std::string name = "attn_check_kv";
      ensureKernel(name, [&](gpu::GPUModuleOp m) {
        emitCheckKvKernel(b, op->getLoc(), m, name);
      });
      int64_t rows = B * Hq * nq;
      std::vector<Param> ps(ATTNRT_CHECK_KV_NUM_PARAMS);
      ps[ATTNRT_CHECK_KV_INDICES] = idxP;
      ps[ATTNRT_CHECK_KV_COUNTS] = cntP;
      ps[ATTNRT_CHECK_KV_ERR] = p(errBuf);
      ps[ATTNRT_CHECK_KV_ROWS] = i32(rows);
      ps[ATTNRT_CHECK_KV_K] = i32(K);
      ps[ATTNRT_CHECK_KV_NKV] = i32(nkv);
      Launch c = launchOf(name, checkKvContract(rows), std::move(ps));
      c.checkDims = {B, Hq, nq};
      launches.push_back(std::move(c));
    }
    if (split) {
      bkv = 64;
      bq = bq / qSubBlocks;
    }
  }
  if (failed(ok))
    return failure();
  float scale =
      scaleAttr ? scaleAttr->convertToFloat() : 1.0f / std::sqrt(float(D));
  std::string scaleSuffix =
      llvm::formatv("_s{0:x}", llvm::bit_cast<uint32_t>(scale)).str();
  AttentionShape shape{B, Hq, Sq};
  KernelContract contract;
  std::string name;
  auto diag = [&] { return op->emitError(); };
  if (tc) {
    FlashKernelConfig cfg;
    cfg.elementType =
        elt.isBF16() ? FlashElementType::BF16 : FlashElementType::F16;
    cfg.headDim = D;
    cfg.blockQ = bq;
    cfg.blockKv = bkv;
    cfg.indexed = indexed;
    cfg.hasBlockSizes = hasSizes;
    cfg.hasKeyMask = keyMask;
    cfg.subBlocks = subBlocks;
    cfg.qSubBlocks = qSubBlocks == subBlocks ? 0 : qSubBlocks;
    cfg.scale = scale;
    if (failed(verifyFlashKernelConfig(cfg, diag)))
      return failure();
    name = flashKernelName(cfg) + scaleSuffix;
    ensureKernel(name, [&](gpu::GPUModuleOp m) {
      emitFlashAttentionKernel(b, op->getLoc(), m, cfg, name);
    });
    contract = flashKernelContract(cfg, shape);
    if (contract.sharedBytes > opts.target()->maxSharedBytes)
      return op->emitError()
             << "attn-to-gpu: the flash kernel needs " << contract.sharedBytes
             << " bytes of shared memory, more than " << opts.chip << "'s "
             << opts.target()->maxSharedBytes;
  } else {
    SimtKernelConfig cfg;
    cfg.elementType = elt.isF32()    ? SimtElementType::F32
                      : elt.isBF16() ? SimtElementType::BF16
                                     : SimtElementType::F16;
    cfg.headDim = D;
    cfg.blockQ = bq;
    cfg.blockKv = bkv;
    cfg.indexed = indexed;
    cfg.hasBlockSizes = hasSizes;
    cfg.hasKeyMask = keyMask;
    cfg.scale = scale;
    if (failed(verifySimtKernelConfig(cfg, diag)))
      return failure();
    name = simtKernelName(cfg) + scaleSuffix;
    ensureKernel(name, [&](gpu::GPUModuleOp m) {
      emitSimtAttentionKernel(b, op->getLoc(), m, cfg, name);
    });
    contract = simtKernelContract(cfg, shape);
  }
  std::vector<Param> ps(ATTNRT_ATTN_NUM_PARAMS);
  ps[ATTNRT_ATTN_Q] = params[0];
  ps[ATTNRT_ATTN_K] = params[1];
  ps[ATTNRT_ATTN_V] = params[2];
  ps[ATTNRT_ATTN_OUT] = p(outputFor(op->getResult(0)));
  ps[ATTNRT_ATTN_KV_INDICES] = idxP;
  ps[ATTNRT_ATTN_KV_COUNTS] = cntP;
  ps[ATTNRT_ATTN_KV_BLOCK_SIZES] = vbsP;
  ps[ATTNRT_ATTN_KEY_MASK] = kmP;
  ps[ATTNRT_ATTN_SQ] = i32(Sq);
  ps[ATTNRT_ATTN_SKV] = i32(Skv);
  ps[ATTNRT_ATTN_HQ] = i32(Hq);
  ps[ATTNRT_ATTN_HKV] = i32(Hkv);
  ps[ATTNRT_ATTN_TABLE_K] = i32(K);
  launches.push_back(launchOf(name, contract, std::move(ps)));
  return success();
}

LogicalResult Planner::planReturn(func::ReturnOp ret) {
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto vit = views.find(v);
    auto bit = bufOf.find(v);
    bool inResult = bit != bufOf.end() &&
                    bufs[bit->second].kind == Buf::Result &&
                    bufs[bit->second].index == int(i);
    if (inResult)
      continue;
    Buf r{Buf::Result};
    r.index = i;
    int dst = newBuf(r);
    RowView view;
    if (vit != views.end()) {
      view = vit->second;
    } else {
      auto idv = viewOf(v, ret);
      if (failed(idv))
        return failure();
      view = *idv;
    }
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 4)
      return ret.emitError() << "attn-to-gpu: result #" << i
                             << " must be a [B, H, S, D] tensor computed by a "
                                "kernel when it is not returned directly";
    writeView(view, t, dst);
  }
  return success();
}

} // namespace

namespace {

LogicalResult Planner::run() {
  for (BlockArgument a : entry.getArguments()) {
    auto t = dyn_cast<RankedTensorType>(a.getType());
    if (!t || !t.hasStaticShape())
      return entry.emitError() << "attn-to-gpu: argument #" << a.getArgNumber()
                               << " must be a statically shaped tensor";
    Buf arg{Buf::Arg};
    arg.index = a.getArgNumber();
    bufOf[a] = newBuf(arg);
  }
  if (!entry.getBody().hasOneBlock())
    return entry.emitError("attn-to-gpu: the entry function must be one block");
  auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || !t.hasStaticShape())
      return ret.emitError() << "attn-to-gpu: result #" << i
                             << " must be a statically shaped tensor";
    returnSlot.try_emplace(v, i);
  }
  if (failed(planBlock(entry.getBody().front())))
    return failure();
  return writeHost();
}

LogicalResult Planner::planBlock(Block &block) {
  for (Operation &op : block) {
    LogicalResult r =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<TileOp, UntileOp, tensor::ConcatOp, tensor::ExtractSliceOp,
                  tensor::PadOp>([&](Operation *o) { return planLayout(o); })
            .Case<BlockMeanOp>([&](auto o) { return planBlockMean(o); })
            .Case<BlockTopkOp>([&](auto o) { return planTopk(o); })
            .Case<MaskFromLengthsOp>([&](auto o) { return planMask(o); })
            .Case<SdpaOp, BlockSparseOp>(
                [&](Operation *o) { return planAttention(o); })
            .Case<linalg::LinalgOp>([&](auto o) { return planLinalg(o); })
            .Case<scf::ForOp>([&](auto o) { return planFor(o); })
            .Case<arith::ConstantOp, tensor::EmptyOp, scf::YieldOp>(
                [&](Operation *) { return success(); })
            .Case<func::ReturnOp>([&](auto o) { return planReturn(o); })
            .Default([&](Operation *o) {
              return o->emitError()
                     << "attn-to-gpu: '" << o->getName()
                     << "' has no GPU lowering (attn-optimize first: "
                        "sliding_tile and vsa are planned/decomposed there)";
            });
    if (failed(r))
      return failure();
  }
  return success();
}

void Planner::copy(int src, int dst, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  writeView(identityView(src, t.getDimSize(2)), t, dst);
}

/// A loop with static trip count over [B, H, S, D] tensors: each iter_arg
/// lives in its own buffer (initialized before the loop, overwritten by the
/// yielded value at the end of each trip) and is the loop's result after it.
LogicalResult Planner::planFor(scf::ForOp loop) {
  auto lb = getConstantIntValue(loop.getLowerBound());
  auto ub = getConstantIntValue(loop.getUpperBound());
  auto st = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !st || *st <= 0)
    return loop.emitError("attn-to-gpu: loops need constant bounds and a "
                          "positive step");
  int64_t trips = *ub > *lb ? (*ub - *lb + *st - 1) / *st : 0;
  for (Value a : loop.getRegionIterArgs()) {
    auto t = dyn_cast<RankedTensorType>(a.getType());
    if (!t || t.getRank() != 4 || !t.hasStaticShape())
      return loop.emitError("attn-to-gpu: loop-carried values must be static "
                            "[B, H, S, D] tensors");
  }
  if (trips == 0) {
    for (auto [res, init] : llvm::zip(loop.getResults(), loop.getInitArgs())) {
      auto r = materialize(init, loop);
      if (failed(r))
        return failure();
      bufOf[res] = *r;
    }
    return success();
  }
  SmallVector<int> carried;
  for (auto [arg, init, res] : llvm::zip(
           loop.getRegionIterArgs(), loop.getInitArgs(), loop.getResults())) {
    int buf = scratch(tensorBytes(arg));
    auto in = materialize(init, loop);
    if (failed(in))
      return failure();
    copy(*in, buf, arg);
    bufOf[arg] = buf;
    bufOf[res] = buf;
    carried.push_back(buf);
  }
  size_t begin = launches.size();
  Launch open;
  open.loopTrips = trips;
  launches.push_back(open);
  Block &body = *loop.getBody();
  if (llvm::any_of(loop.getInductionVar().getUsers(),
                   [](Operation *) { return true; }))
    return loop.emitError("attn-to-gpu: the loop body may not use the "
                          "induction variable");
  if (failed(planBlock(body)))
    return failure();
  // The yield is a parallel assignment of the carried buffers: a value may
  // read another carried buffer (`yield %new, %a` keeps the previous value)
  // or its own through a layout chain. Phase 1 puts every value that reads a
  // carried buffer into its own buffer; phase 2 writes the carried buffers.
  auto yield = cast<scf::YieldOp>(body.getTerminator());
  SmallVector<int> from;    // buffer to copy from, or -1
  SmallVector<bool> direct; // view written straight into its target
  for (auto [k, v] : llvm::enumerate(yield.getOperands())) {
    auto bit = bufOf.find(v);
    auto vit = views.find(v);
    if (bit == bufOf.end() && vit != views.end()) {
      bool readsCarried = llvm::any_of(vit->second.sources, [&](int s) {
        return llvm::is_contained(carried, s);
      });
      if (!readsCarried) {
        from.push_back(-1);
        direct.push_back(true);
        continue;
      }
    }
    auto y = materialize(v, yield); // a view: into fresh scratch
    if (failed(y))
      return failure();
    int src = *y;
    if (llvm::is_contained(carried, src) && src != carried[k]) {
      int tmp = scratch(tensorBytes(v));
      copy(src, tmp, v);
      src = tmp;
    }
    from.push_back(src);
    direct.push_back(false);
  }
  for (auto [i, v] : llvm::enumerate(yield.getOperands())) {
    int buf = carried[i];
    if (direct[i]) {
      writeView(views.find(v)->second, cast<RankedTensorType>(v.getType()),
                buf);
    } else if (from[i] != buf) {
      copy(from[i], buf, v);
    }
  }
  Launch close;
  close.loopEnd = true;
  launches.push_back(close);
  loops.push_back({begin, launches.size() - 1});
  return success();
}

LogicalResult Planner::writeHost() {
  MLIRContext *ctx = module.getContext();
  Location loc = entry.getLoc();
  // Scratch lifetimes (launch indices) -> physical slots, first fit.
  std::vector<int64_t> first(bufs.size(), -1), last(bufs.size(), -1);
  for (auto [li, l] : llvm::enumerate(launches))
    for (const Param &pr : l.params)
      if (pr.buf >= 0) {
        if (first[pr.buf] < 0)
          first[pr.buf] = li;
        last[pr.buf] = li;
      }
  // A buffer used inside a loop but defined before it must survive every
  // trip: it lives to the loop's end (and is live from its start).
  for (auto [lbeg, lend] : loops)
    for (size_t i = 0; i < bufs.size(); ++i)
      if (first[i] >= 0 && first[i] < int64_t(lbeg) &&
          last[i] >= int64_t(lbeg) && last[i] < int64_t(lend))
        last[i] = lend;
  for (auto [lbeg, lend] : loops)
    for (size_t i = 0; i < bufs.size(); ++i)
      if (first[i] > int64_t(lbeg) && first[i] < int64_t(lend) &&
          last[i] > int64_t(lend))
        first[i] = lbeg;
  std::vector<int> slotOf(bufs.size(), -1);
  std::vector<int64_t> slotBytes, slotFree; // free after this launch index
  SmallVector<int> order;
  for (auto [i, buf] : llvm::enumerate(bufs))
    if (buf.kind == Buf::Scratch && first[i] >= 0)
      order.push_back(i);
  llvm::stable_sort(order, [&](int x, int y) { return first[x] < first[y]; });
  for (int id : order) {
    int slot = -1;
    for (size_t s = 0; s < slotBytes.size() && slot < 0; ++s)
      if (slotFree[s] < first[id])
        slot = s;
    if (slot < 0) {
      slot = slotBytes.size();
      slotBytes.push_back(0);
      slotFree.push_back(0);
    }
    slotBytes[slot] = std::max(slotBytes[slot], bufs[id].bytes);
    slotFree[slot] = last[id];
    slotOf[id] = slot;
  }

  // The host function replaces the entry.
  SmallVector<Type> argTypes;
  auto memrefOf = [](Type t) {
    auto rt = cast<RankedTensorType>(t);
    return MemRefType::get(rt.getShape(), rt.getElementType());
  };
  for (Type t : entry.getArgumentTypes())
    argTypes.push_back(memrefOf(t));
  unsigned numArgs = argTypes.size();
  for (Type t : entry.getResultTypes())
    argTypes.push_back(memrefOf(t));
  OpBuilder hb(ctx);
  hb.setInsertionPoint(entry);
  std::string name = entry.getSymName().str();
  entry.setSymName(name + "__attn_tensor_form");
  auto host =
      func::FuncOp::create(hb, loc, name, FunctionType::get(ctx, argTypes, {}));
  host->setAttr(kNumArgsAttr, hb.getI64IntegerAttr(numArgs));
  Block *body = host.addEntryBlock();
  hb.setInsertionPointToStart(body);

  std::vector<Value> slotValues;
  for (auto [s, bytes] : llvm::enumerate(slotBytes)) {
    auto alloc = memref::AllocOp::create(
        hb, loc, MemRefType::get({bytes}, hb.getI8Type()));
    alloc->setAttr(kScratchAttr, hb.getI64IntegerAttr(s));
    slotValues.push_back(alloc);
  }
  Value err;
  if (errBuf >= 0) {
    auto alloc =
        memref::AllocOp::create(hb, loc, MemRefType::get({2}, hb.getI32Type()));
    alloc->setAttr(kErrorBufferAttr, hb.getUnitAttr());
    err = alloc;
  }
  // Constant tables: one private global per distinct table.
  std::map<std::vector<int32_t>, Value> tables;
  OpBuilder gb(ctx);
  gb.setInsertionPoint(host);
  auto valueOf = [&](int id) -> Value {
    Buf &buf = bufs[id];
    switch (buf.kind) {
    case Buf::Arg:
      return body->getArgument(buf.index);
    case Buf::Result:
      return body->getArgument(numArgs + buf.index);
    case Buf::Scratch:
      return slotValues[slotOf[id]];
    case Buf::Err:
      return err;
    case Buf::Const: {
      auto it = tables.find(buf.data);
      if (it != tables.end())
        return it->second;
      auto type = MemRefType::get({int64_t(buf.data.size())}, gb.getI32Type());
      std::string sym = "attn_table_" + std::to_string(tables.size());
      auto attr = DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), gb.getI32Type()),
          ArrayRef<int32_t>(buf.data));
      memref::GlobalOp::create(gb, loc, sym, gb.getStringAttr("private"), type,
                               attr, /*constant=*/true, IntegerAttr());
      OpBuilder::InsertionGuard g(hb);
      hb.setInsertionPointToStart(body);
      Value v = memref::GetGlobalOp::create(hb, loc, type, sym);
      tables[buf.data] = v;
      return v;
    }
    }
    return Value();
  };
  // Scalars are created once, at the top of the host function.
  std::map<std::pair<int, int64_t>, Value> scalars; // (0 index|1 i32|2 null)
  auto scalar = [&](int kind, int64_t v) {
    Value &slot = scalars[{kind, v}];
    if (!slot) {
      OpBuilder::InsertionGuard g(hb);
      hb.setInsertionPointToStart(body);
      if (kind == 0)
        slot = arith::ConstantIndexOp::create(hb, loc, v);
      else if (kind == 1)
        slot = arith::ConstantIntOp::create(hb, loc, hb.getI32Type(), v);
      else
        slot = LLVM::ZeroOp::create(hb, loc, LLVM::LLVMPointerType::get(ctx));
    }
    return slot;
  };
  auto index = [&](int64_t v) { return scalar(0, v); };
  SmallVector<scf::ForOp> open;
  for (Launch &l : launches) {
    if (l.loopTrips > 0) {
      auto loop =
          scf::ForOp::create(hb, loc, index(0), index(l.loopTrips), index(1));
      open.push_back(loop);
      hb.setInsertionPoint(loop.getBody()->getTerminator());
      continue;
    }
    if (l.loopEnd) {
      hb.setInsertionPointAfter(open.pop_back_val());
      continue;
    }
    SmallVector<Value> operands;
    for (const Param &pr : l.params) {
      if (pr.buf >= 0)
        operands.push_back(valueOf(pr.buf));
      else if (pr.isNull)
        operands.push_back(scalar(2, 0));
      else
        operands.push_back(scalar(1, pr.value));
    }
    for (auto [d, g] : llvm::enumerate(l.grid))
      if (g < 1 || g > (d == 0 ? (int64_t(1) << 31) - 1 : 65535))
        return entry.emitError() << "attn-to-gpu: grid of '" << l.kernel
                                 << "' out of range (" << g << ")";
    Value smem = scalar(1, l.smem);
    auto kernel = SymbolRefAttr::get(
        hb.getStringAttr(kKernelModuleName),
        {FlatSymbolRefAttr::get(hb.getStringAttr(l.kernel))});
    auto launch = gpu::LaunchFuncOp::create(
        hb, loc, kernel,
        gpu::KernelDim3{index(l.grid[0]), index(l.grid[1]), index(l.grid[2])},
        gpu::KernelDim3{index(l.block), index(1), index(1)}, smem, operands);
    if (!l.checkDims.empty())
      launch->setAttr(kCheckDimsAttr, hb.getDenseI64ArrayAttr(l.checkDims));
  }
  for (Value s : slotValues)
    memref::DeallocOp::create(hb, loc, s);
  if (err)
    memref::DeallocOp::create(hb, loc, err);
  func::ReturnOp::create(hb, loc);
  entry.erase();
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  UnitAttr::get(ctx));
  return success();
}

} // namespace

LogicalResult mlir::attn::planGpuLaunches(ModuleOp module, func::FuncOp entry,
                                          const GpuCompileOptions &options) {
  if (failed(options.verify([&] {
        InFlightDiagnostic d = module.emitError();
        d << "attn-to-gpu: ";
        return d;
      })))
    return failure();
  return Planner(module, entry, options).run();
}
