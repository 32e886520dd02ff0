//===- Plan.h - the launch planner's buffers, launches and views -*- C++ -*-===//
//
// Internal to lib/Conversion/AttnToGPU. The planner (LaunchPlan.h) is one
// class whose jobs live in one file each:
//  - LaunchPlanner.cpp: the walk over the entry function (ops in order,
//    loops, results), buffers for values;
//  - RowView.cpp: the row-view algebra of layout ops (tile, untile, concat,
//    slice, pad) and the gathers that write a view;
//  - KernelChoice.cpp: the kernel and launch each compute op gets (flash or
//    SIMT attention, sub-blocks, checks, utility kernels);
//  - RasterFold.cpp: on sm_90a, tile/untile around block-sparse attention
//    folded into the raster-tile kernel's TMA boxes;
//  - BufferPacking.cpp: scratch buffers packed into slots by lifetime;
//  - HostIR.cpp: the host function (allocs, tables, launches, loops).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_PLAN_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_PLAN_H

#include "attn/Conversion/AttnToGPU/LaunchPlan.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Kernels/HopperAttentionKernel.h"
#include "attn/Kernels/KernelContract.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FormatVariadic.h"

#include <cctype>
#include <cmath>

#include <map>
#include <set>
#include <vector>

namespace mlir {
namespace attn {
namespace plan {

inline int64_t elementBytes(Type t) {
  if (t.isInteger(1) || t.isInteger(8))
    return 1;
  return (t.getIntOrFloatBitWidth() + 7) / 8;
}

inline std::optional<std::vector<int32_t>> constInts(Value v) {
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::vector<int32_t> out;
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(int32_t(x.getSExtValue()));
  return out;
}

/// Layout ops move whole rows along dim 2 of [B, H, S, D] tensors, and of
/// [B, H, S] ones (an attention op's lse: rows of one element).
inline bool isRowTensorRank(int64_t rank) { return rank == 3 || rank == 4; }
/// Elements of one row along dim 2.
inline int64_t rowElems(RankedTensorType t) {
  return t.getRank() == 4 ? t.getDimSize(3) : 1;
}

/// The rows [offset, offset + size) of dim 2 that `s` takes, when it takes
/// whole rows of a static [B, H, S, D] or [B, H, S] tensor (unit strides,
/// all of every other dim).
inline std::optional<std::pair<int64_t, int64_t>>
rowSlice(tensor::ExtractSliceOp s) {
  auto st = s.getSourceType();
  const int64_t rank = st.getRank();
  if (!s.hasUnitStride() || !st.hasStaticShape() || !isRowTensorRank(rank) ||
      int64_t(s.getStaticOffsets().size()) != rank)
    return std::nullopt;
  for (int64_t d = 0; d < rank; ++d)
    if (d != 2 && (s.getStaticOffsets()[d] != 0 ||
                   s.getStaticSizes()[d] != st.getDimSize(d)))
      return std::nullopt;
  if (ShapedType::isDynamic(s.getStaticOffsets()[2]) ||
      ShapedType::isDynamic(s.getStaticSizes()[2]) ||
      s.getResultType().getRank() != rank)
    return std::nullopt;
  return std::make_pair(s.getStaticOffsets()[2], s.getStaticSizes()[2]);
}

/// Sizes as text (run-time sizes, docs/DynamicShapes.md): a number, or an
/// expression in the artifact's syntax over the names a<i>_<d>.
inline std::optional<int64_t> sizeValue(const std::string &text) {
  int64_t v = 0;
  if (StringRef(text).getAsInteger(10, v))
    return std::nullopt;
  return v;
}
/// ceil(n / d) of a size text (folded for a number).
inline std::string sizeCeilDiv(const std::string &n, int64_t d) {
  if (auto x = sizeValue(n))
    return std::to_string((*x + d - 1) / d);
  return d == 1 ? n : "(" + n + "+" + std::to_string(d - 1) + ")/" + std::to_string(d);
}
/// A size text as one operand: parenthesized unless a number or a name.
inline std::string sizeParen(const std::string &t) {
  for (char c : t)
    if (!(std::isalnum((unsigned char)c) || c == '_'))
      return "(" + t + ")";
  return t;
}
/// a * b of size texts (folded for numbers).
inline std::string sizeMul(const std::string &a, const std::string &b) {
  auto x = sizeValue(a), y = sizeValue(b);
  if (x && y)
    return std::to_string(*x * *y);
  if (x && *x == 1)
    return b;
  if (y && *y == 1)
    return a;
  // A product of products needs no parentheses; anything else does (a
  // quotient's floor, a sum).
  auto factor = [](const std::string &t) {
    bool product = true;
    int depth = 0;
    for (char c : t) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      if (depth == 0 && (c == '+' || c == '-' || c == '/' || c == '%'))
        product = false;
    }
    return product ? t : "(" + t + ")";
  };
  return factor(a) + "*" + factor(b);
}

/// Whether P-slot tiles of `tile` (t, h, w) are read in boxes of `rows`
/// rows of whole t-slices: h * w divides 64, 64 divides P, box sizes in
/// TMA's range.
inline bool rasterBoxesFit(ArrayRef<int64_t> tile, int64_t P, int64_t rows) {
  return P % 64 == 0 && 64 % (tile[1] * tile[2]) == 0 && P / rows <= 64 &&
         tile[0] <= 256 && tile[1] <= 256 && tile[2] <= 256;
}

/// The (coarse, gate) inputs of `g` when it is VSA's combine of the fine
/// output `fine` with P-row tiles (RasterFold.cpp): identity maps except
/// coarse's (d0, d1, d2 floordiv P, d3), payload round(ext(c) * ext(g) +
/// ext(f)), or without a gate (null) round(ext(c) + ext(f)).
std::optional<std::pair<Value, Value>>
matchVsaCombine(linalg::GenericOp g, Value fine, int64_t P);

/// The softmax scale of an attention op: its attribute, else 1 / sqrt(D).
inline float softmaxScale(std::optional<APFloat> attr, int64_t D) {
  return attr ? attr->convertToFloat() : 1.0f / std::sqrt(float(D));
}
/// The kernel-name suffix of a scale (its bits: kernels differ by scale).
inline std::string scaleSuffix(float scale) {
  return llvm::formatv("_s{0:x}", llvm::bit_cast<uint32_t>(scale)).str();
}

/// Whether the tiled contraction `op` is planned as the mma contraction
/// kernel, its zero-filled init folded (CoarseScores.cpp).
bool foldsIntoMmaContraction(linalg::LinalgOp op);
/// Whether `op` is the zero fill of such a contraction's init (no launch).
bool isFillOfMmaContraction(linalg::LinalgOp op);

/// Checks the constant tables of a block-sparse op (or its gradient) `op`
/// over keys `k` (kv_counts in [0, K], listed kv_indices in [0, nkv) and
/// distinct within a row, kv_block_sizes in [0, block_kv]); tables that are
/// not constants pass.
LogicalResult validateConstTables(Operation *op, Value k, Value kvIndices,
                                  Value kvCounts, Value kvBlockSizes,
                                  int64_t bkv);
/// The same for attn.block_sparse or attn.block_sparse_grad.
template <typename BlockSparseLike>
LogicalResult validateConstTablesOf(BlockSparseLike op) {
  return validateConstTables(op, op.getK(), op.getKvIndices(),
                             op.getKvCounts(), op.getKvBlockSizes(),
                             op.getBlockKvAttr().getInt());
}

struct Buf {
  enum Kind { Arg, Result, Scratch, Const, Err } kind;
  int index = 0;             // argument/result number
  int64_t bytes = 0;         // scratch
  std::string bytesExpr;     // scratch sized at run time: its expression
  std::vector<int32_t> data; // const
};

struct Param {
  int buf = -1; // -1: an i32 (or null when isNull)
  int64_t value = 0;
  bool isNull = false;
  /// Non-empty: a TMA tensor map over `buf` (ParamKind::TensorMap), written
  /// "DTYPE:D,S,N:ROWS" as the artifact's `tmap:` parameter has it.
  std::string tensorMap;
  /// Non-empty: an i32 given by this expression over run-time sizes.
  std::string expr;
};

struct Launch {
  std::string kernel;
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<std::string, 3> gridExpr; // non-empty: a run-time size
  int64_t block = 128;
  int64_t smem = 0;
  std::string smemExpr; // non-empty: dynamic shared bytes at run time
  std::vector<Param> params;
  SmallVector<int64_t> checkDims; // non-empty: a checked-mode launch
  std::array<std::string, 3> checkDimsExpr; // non-empty: run-time sizes
  int64_t loopTrips = 0;          // > 0: begins a loop of that many trips
  bool loopEnd = false;           // ends the innermost loop
};

/// attn.tile of a raster tensor over a video grid given at run time (the
/// grid as size texts), or attn.tile_block_sizes of such a grid (`raster`
/// null): no rows exist; the kernels that read it take the grid
/// (DynamicLayout.cpp).
struct SymTile {
  Value raster;
  std::array<std::string, 3> grid;
  std::array<int64_t, 3> tile = {0, 0, 0};
  /// Tiles (n_t * n_h * n_w) and slots per tile, as text.
  std::string tiles() const;
  int64_t slots() const { return tile[0] * tile[1] * tile[2]; }
  bool sameGrid(const SymTile &o) const {
    return grid == o.grid && tile == o.tile;
  }
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
  /// Scratch of `bytes` as a size text (a number or a run-time expression).
  int scratch(const std::string &bytes) {
    if (auto v = sizeValue(bytes))
      return scratch(*v);
    Buf s{Buf::Scratch};
    s.bytes = 16;
    s.bytesExpr = bytes;
    return newBuf(s);
  }
  /// Scratch for value `v` (sized at run time where its type is dynamic).
  int scratchFor(Value v);
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
  /// The row view `v` is while no kernel has needed it as a buffer (a
  /// layout chain not yet gathered), else null.
  const RowView *lazyView(Value v) const {
    auto it = views.find(v);
    return it == views.end() || bufOf.count(v) ? nullptr : &it->second;
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
      assert((kind == ParamKind::Ptr) ==
                 ((pr.buf >= 0 || pr.isNull) && pr.tensorMap.empty()) &&
             (kind == ParamKind::TensorMap) == !pr.tensorMap.empty() &&
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
  /// Sets `l`'s grid from size texts: numbers, or expressions evaluated at
  /// run time (then the plan's grid line gives them).
  static void setGrid(Launch &l, const std::array<std::string, 3> &grid) {
    for (int d = 0; d < 3; ++d) {
      if (auto v = sizeValue(grid[d]))
        l.grid[d] = *v;
      else
        l.gridExpr[d] = grid[d];
    }
  }
  Param i32(int64_t v) { return Param{-1, v}; }
  /// An i32 from a size text (a number, or an expression over run-time
  /// sizes).
  Param i32(const std::string &text) {
    if (auto v = sizeValue(text))
      return i32(*v);
    Param pr{-1, 0};
    pr.expr = text;
    return pr;
  }
  /// A tensor map over buffer `buf`, a [N, S, D] `elt` tensor read in boxes
  /// of 64 x `rows`; with `slabRows` > 0, each of the N slabs is `slabRows`
  /// rows apart and the map starts `rowOffset` rows into the buffer (the
  /// text rows after the image in one [N, S_img + S_text, D] tensor).
  Param tensorMap(int buf, Type elt, int64_t D, int64_t S, int64_t N,
                  int64_t rows, int64_t slabRows = 0, int64_t rowOffset = 0) {
    Param pr = tensorMap(buf, elt, std::to_string(D), std::to_string(S),
                         std::to_string(N), rows);
    return slabbed(pr, elt, D, slabRows, rowOffset);
  }
  /// `map` over a slab of `slabRows` rows of D elements each, `rowOffset`
  /// rows into its buffer (no change for slabRows 0).
  static Param slabbed(Param map, Type elt, int64_t D, int64_t slabRows,
                       int64_t rowOffset) {
    if (slabRows <= 0)
      return map;
    map.tensorMap += ":slab=" + std::to_string(slabRows * D);
    if (rowOffset)
      map.tensorMap = "+" + std::to_string(rowOffset * D * elementBytes(elt)) +
                      ":" + map.tensorMap;
    return map;
  }
  /// The same with sizes as text (expressions over run-time sizes).
  Param tensorMap(int buf, Type elt, const std::string &D, const std::string &S,
                  const std::string &N, int64_t rows) {
    Param pr{buf};
    pr.tensorMap = llvm::formatv("{0}:{1},{2},{3}:{4}",
                                 elt.isBF16() ? "bf16" : "f16", D, S, N, rows)
                       .str();
    return pr;
  }
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
  /// VSA's coarse scores on tensor cores, a following scale folded.
  LogicalResult planMmaContraction(linalg::LinalgOp op);
  LogicalResult planAttention(Operation *op);
  /// attn.sdpa_grad / attn.block_sparse_grad: the SIMT backward kernels'
  /// dQ and dK/dV passes (GradChoice.cpp).
  LogicalResult planAttentionGrad(Operation *op);
  /// tensor.expand_shape / collapse_shape: the source's buffer, no launch.
  LogicalResult planReshape(Operation *op);
  /// Fails with a diagnostic on `op` when `contract` needs more shared
  /// memory than the chip has (`kind`: the kernel family, for the message).
  LogicalResult checkShared(Operation *op, const KernelContract &contract,
                            StringRef kind);
  /// The wgmma kernel `cfg` for `op`: verified, emitted once under its name
  /// (with the scale suffix), and its launch contract over `shape`.
  FailureOr<std::pair<std::string, KernelContract>>
  hopperKernel(Operation *op, const HopperKernelConfig &cfg,
               AttentionShape shape);
  /// The checked-mode launch that validates run-time kv tables (B * H * N
  /// kv_counts rows of `dims` = (B, H, N), up to K ids each in [0, nkv))
  /// before the kernel reads them; `dims` name a bad row's (b, h, block) in
  /// the error. Sizes as text: numbers, or expressions over run-time sizes.
  void checkKvLaunch(Operation *op, Param idx, Param cnt, const std::string &K,
                     const std::string &nkv, std::array<std::string, 3> dims);
  void checkKvLaunch(Operation *op, Param idx, Param cnt, int64_t K,
                     int64_t nkv, std::array<int64_t, 3> dims) {
    checkKvLaunch(op, idx, cnt, std::to_string(K), std::to_string(nkv),
                  {std::to_string(dims[0]), std::to_string(dims[1]),
                   std::to_string(dims[2])});
  }
  /// On sm_90a: `op` as the raster-tile kernel, its tile/untile (and STA's
  /// text concat/slices) folded into TMA boxes (RasterFold.cpp). false: not
  /// folded (why: a remark with opts.report), the caller plans the gathers.
  FailureOr<bool> planRasterAttention(BlockSparseOp op);
  /// Why `op` cannot be the raster-tile kernel whatever its layout (chip,
  /// options, element type, head dim, lse), or std::nullopt.
  std::optional<std::string> rasterKernelRefusal(BlockSparseOp op);
  /// The raster-tile kernel's configuration for `op` (rows-row blocks of
  /// `tile`, the planner's overlap and softmax options).
  HopperKernelConfig rasterKernelConfig(BlockSparseOp op, int64_t rows,
                                        ArrayRef<int64_t> tile);
  /// The buffers and sizes (as text) of a raster-tile launch.
  struct RasterOperands {
    int q, k, v, out;
    Param idx, cnt;
    std::string Sq, Skv, Hq, Hkv, K, BHq, BHkv;
    std::array<std::string, 3> grid;
    /// Rows per slab of each of q, k, v, out when the raster tokens are the
    /// first rows of a larger tensor (0: the buffer is the raster tensor).
    std::array<int64_t, 4> slabRows = {0, 0, 0, 0};
  };
  /// Its parameters up to the grid (the text and combine ones are the
  /// caller's).
  std::vector<Param> rasterParams(const HopperKernelConfig &cfg, Type elt,
                                  int64_t D, ArrayRef<int64_t> tile,
                                  const RasterOperands &r);
  /// A 5-D tensor map over raster buffer `buf` ([B * H, T * Hh * W, D]),
  /// read in boxes of `rows` tokens of `tile` (whole t-slices).
  Param rasterMap(int buf, Type elt, int64_t D, ArrayRef<int64_t> grid,
                  int64_t BH, ArrayRef<int64_t> tile, int64_t rows,
                  int64_t slabRows = 0) {
    return slabbed(rasterMap(buf, elt, D,
                             {std::to_string(grid[0]), std::to_string(grid[1]),
                              std::to_string(grid[2])},
                             std::to_string(BH), tile, rows),
                   elt, D, slabRows, 0);
  }
  Param rasterMap(int buf, Type elt, int64_t D,
                  const std::array<std::string, 3> &grid, const std::string &BH,
                  ArrayRef<int64_t> tile, int64_t rows) {
    Param pr{buf};
    pr.tensorMap =
        llvm::formatv("{0}:{1},{2},{3},{4},{5}:box=64,{6},{7},{8},1",
                      elt.isBF16() ? "bf16" : "f16", D, grid[2], grid[1],
                      grid[0], BH, tile[2], tile[1], rows / (tile[1] * tile[2]))
            .str();
    return pr;
  }
  LogicalResult planReturn(func::ReturnOp ret);
  /// Size texts of `v`'s dims: numbers, or for dynamic ones an expression
  /// over the run-time sizes (entry arguments: their names a<i>_<d>),
  /// derived from the op that defines `v` (DynamicLayout.cpp).
  SmallVector<std::string> sizesOf(Value v);
  /// An index or integer scalar as a size text (constants, size arguments,
  /// tensor.dim, casts, arithmetic), or std::nullopt.
  std::optional<std::string> scalarText(Value v);
  /// A video grid (static entries and run-time operands) as size texts.
  std::optional<std::array<std::string, 3>> gridTexts(ArrayRef<int64_t> grid,
                                                      ValueRange values);
  /// The entry has a dynamic shape or size arguments: the ops with a
  /// lowering for run-time sizes are planned (dynamicPlanSupported).
  bool dynamicEntry = false;
  LogicalResult dynamicPlanSupported(Block &block);
  DenseMap<Value, SmallVector<std::string>> sizeTexts;
  /// Entry arguments that are sizes (0-d integer tensors read only by
  /// tensor.extract): `arg N size aN` in the artifact, no buffer.
  std::set<unsigned> sizeArgs;
  /// Run-time-grid tiles and tile sizes (DynamicLayout.cpp).
  DenseMap<Value, SymTile> symTiles, symBlockSizes;
  /// linalg ops computing tables from run-time sizes only, planned when a
  /// kernel first reads them (planLinalg, materialize).
  DenseSet<Operation *> deferredLinalg;
  /// attn.tile / tile_block_sizes / untile with a run-time grid: recorded,
  /// no launch (the kernels that read them fold them).
  LogicalResult planDynamicLayout(Operation *op);
  /// The row and size tables of a run-time grid, computed once by the
  /// tile-tables kernel: (rows buffer, sizes buffer).
  std::pair<int, int> tileTables(const SymTile &t, Operation *user);
  std::map<std::string, std::pair<int, int>> tileTableBufs;
  /// A cf.assert over run-time sizes (comparisons joined by arith.andi)
  /// as the plan's asserts, its message theirs.
  LogicalResult planAssert(cf::AssertOp op);
  /// The run-time text length L (as text) when `vbs` is a linalg.generic
  /// that computes, for every L in [0, St] (checked by evaluating its
  /// payload), `inGrid` for the N image tiles and clamp(L - (t - N) * P, 0,
  /// P) for the text tiles after them: STA's kv_block_sizes with a run-time
  /// text_length.
  std::optional<std::string> runTimeTextLength(Value vbs,
                                               ArrayRef<int64_t> inGrid,
                                               int64_t P, int64_t St);
  /// planRasterAttention for run-time grids: VSA's fine stage over
  /// SymTiles, its combine and untile, as the raster-tile kernel.
  FailureOr<bool> planRasterAttentionDynamic(BlockSparseOp op);
  /// Relations the run-time sizes must satisfy: [lhs, op, rhs, message].
  std::vector<std::array<std::string, 4>> shapeAsserts;
  void assertSizes(const std::string &lhs, StringRef op, const std::string &rhs,
                   const Twine &message) {
    if (lhs == rhs && (op == "==" || op == "<=" || op == ">="))
      return;
    auto named = [](const std::string &t) {
      return llvm::any_of(t, [](char c) { return std::isalpha((unsigned char)c); });
    };
    if (!named(lhs) && !named(rhs))
      return; // both static: the verifier checked it
    // A relation is checked once (the first message names it).
    for (const auto &a : shapeAsserts)
      if (a[0] == lhs && a[1] == op && a[2] == rhs)
        return;
    shapeAsserts.push_back({lhs, op.str(), rhs, message.str()});
  }
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
  /// Layout ops a kernel's loads or stores took over (not planned).
  DenseSet<Operation *> foldedOps;
};

/// Scratch buffers packed into physical slots: a buffer's lifetime is the
/// launches from its first to its last use (a buffer used inside a loop but
/// defined before it lives to the loop's end; one defined inside a loop and
/// used after it lives from the loop's start); buffers whose lifetimes do
/// not overlap share a slot (in order of first use, each buffer into the
/// smallest free slot that holds it, else the largest free one), and a
/// slot is as large as its largest buffer.
struct ScratchPacking {
  std::vector<int> slotOf;          ///< per buffer; -1: not scratch or unused
  std::vector<int64_t> slotBytes;   ///< per slot
  /// Per slot: non-empty for a buffer sized at run time (its own slot).
  std::vector<std::string> slotExpr;
};
ScratchPacking packScratch(ArrayRef<Buf> bufs, ArrayRef<Launch> launches,
                           ArrayRef<std::pair<size_t, size_t>> loops);

} // namespace plan
} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_PLAN_H
