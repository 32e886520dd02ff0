//===- PlanSparsity.cpp - sliding_tile -> block_sparse, static tables -----===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/BlockPatternText.h"
#include "attn/Dialect/Attn/Utils/SlidingTilePlan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"
#include "PassUtils.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNPLANSPARSITY
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

Value i32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<int32_t> data) {
  auto type = RankedTensorType::get(shape, b.getI32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, data));
}

/// The attribute text length (absent: 0).
template <typename OpT> int64_t staticTextLength(OpT op) {
  return op.getTextLengthAttr() ? op.getTextLengthAttr().getInt() : 0;
}

/// Whether `op`'s tile_grid has run-time sizes (then nothing is planned at
/// compile time: planDynamicSequence computes the tables per call).
template <typename OpT> bool hasRunTimeGrid(OpT op) {
  return llvm::any_of(op.getTileGrid(), ShapedType::isDynamic);
}

/// The plan's tables are built at compile time over the image tiles (and,
/// with a static sequence, the text blocks): bounded so that an absurd but
/// valid op (a tile_grid of 2^31) is an error, not an allocation failure.
/// Returns why the op is too big to plan, if it is.
constexpr int64_t kMaxPlanTiles = 1 << 16;
/// The tables a dynamic plan computes per call ([B, H, Nb, Nb] i32,
/// planDynamicSequence) are checked at run time against this many entries
/// (8 GiB).
constexpr int64_t kMaxRunTimeTableEntries = int64_t(1) << 31;
constexpr int64_t kMaxPlanTextBlocks = 1 << 16;

template <typename OpT> std::optional<std::string> planSizeError(OpT op) {
  int64_t tiles = 1, P = 1;
  if (hasRunTimeGrid(op))
    return std::nullopt;
  for (int64_t g : op.getTileGrid())
    if (g <= 0 || llvm::MulOverflow(tiles, g, tiles) || tiles > kMaxPlanTiles)
      return "attn-plan-sparsity: tile_grid has more than " +
             std::to_string(kMaxPlanTiles) +
             " image tiles (its planned tables are compile-time constants)";
  for (int64_t t : op.getTile())
    if (t <= 0 || llvm::MulOverflow(P, t, P))
      return std::string("attn-plan-sparsity: invalid tile");
  int64_t S = cast<RankedTensorType>(op.getQ().getType()).getDimSize(2);
  if (!ShapedType::isDynamic(S) && (S - tiles * P) / P >= kMaxPlanTextBlocks)
    return "attn-plan-sparsity: " + std::to_string(S - tiles * P) +
           " text tokens make more than " + std::to_string(kMaxPlanTextBlocks) +
           " text blocks of " + std::to_string(P) +
           " (its planned tables are compile-time constants)";
  return std::nullopt;
}

/// Dims the plan needs static: the sequence (it fixes the text blocks; a
/// dynamic one is planned by planDynamicSequence), and the query heads when
/// each head has its own window (`windows`; StaticHeadsFromWindows casts
/// dynamic ones to windows / 3 first). The batch, head_dim, kv heads and,
/// with one `window` for all heads, the query heads may be dynamic: the
/// tables are broadcast over them.
template <typename OpT> bool plannable(OpT op) {
  if (hasRunTimeGrid(op))
    return false;
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  auto kt = cast<RankedTensorType>(op.getK().getType());
  if (qt.isDynamicDim(2) || kt.isDynamicDim(2))
    return false;
  return !qt.isDynamicDim(1) || op.getWindow().has_value();
}

/// The op's plan, or std::nullopt where a needed dim is dynamic. With a
/// run-time text length every text block is planned (as for text_length =
/// S_text); only kv_block_sizes then depend on the run (runTimeBlockSizes).
template <typename OpT> std::optional<SlidingTilePlan> planOf(OpT op) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  if (!plannable(op))
    return std::nullopt;
  SmallVector<std::array<int64_t, 3>> windows;
  ArrayRef<int64_t> w = op.getWindow() ? *op.getWindow() : *op.getWindows();
  for (size_t i = 0; i + 2 < w.size(); i += 3)
    windows.push_back({w[i], w[i + 1], w[i + 2]});
  ArrayRef<int64_t> g = op.getTileGrid(), t = op.getTile();
  int64_t textTokens =
      qt.getDimSize(2) - g[0] * g[1] * g[2] * t[0] * t[1] * t[2];
  // Dynamic heads share one window: plan one head, broadcast over them.
  int64_t heads = qt.isDynamicDim(1) ? 1 : qt.getDimSize(1);
  return SlidingTilePlan::build(
      g, t, windows, heads, qt.getDimSize(2),
      op.getTextLengthValue() ? textTokens : staticTextLength(op));
}

/// kv_block_sizes [nb] for the i64 text length `len`: P for the `image`
/// image tiles, clamp(len - t*P, 0, P) for text block t.
Value kvBlockSizes(OpBuilder &b, Location loc, Value len, Value image,
                   int64_t P, OpFoldResult nb) {
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{nb},
                                        b.getI32Type());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, b.getContext())},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb_, Location nl, ValueRange) {
        auto k64 = [&](int64_t v) {
          return arith::ConstantOp::create(nb_, nl, nb_.getI64IntegerAttr(v))
              .getResult();
        };
        Value j = arith::IndexCastOp::create(nb_, nl, nb_.getI64Type(),
                                             linalg::IndexOp::create(nb_, nl, 0));
        // valid = clamp(L - (j - image)*P, 0, P), and P for an image tile.
        // A constant image count stays a constant of the body (RasterFold
        // evaluates the payload).
        std::optional<int64_t> fixed = getConstantIntValue(image);
        Value img = fixed ? k64(*fixed) : image;
        Value start = arith::MulIOp::create(
            nb_, nl, arith::SubIOp::create(nb_, nl, j, img), k64(P));
        Value valid = arith::MinSIOp::create(
            nb_, nl,
            arith::MaxSIOp::create(nb_, nl,
                                   arith::SubIOp::create(nb_, nl, len, start),
                                   k64(0)),
            k64(P));
        Value isImage =
            arith::CmpIOp::create(nb_, nl, arith::CmpIPredicate::slt, j, img);
        Value size = arith::SelectOp::create(nb_, nl, isImage, k64(P), valid);
        linalg::YieldOp::create(
            nb_, nl,
            ValueRange{arith::TruncIOp::create(nb_, nl, nb_.getI32Type(), size)});
      });
  return generic.getResult(0);
}

/// The op's text length as an i64 (the operand, or the attribute as a
/// constant), checked at run time to be in [0, textTokens] (`message`
/// otherwise).
template <typename OpT>
Value checkedTextLength(OpBuilder &b, Location loc, OpT op, Value textTokens,
                        const std::string &message) {
  Type i64 = b.getI64Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value len = op.getTextLengthValue();
  if (!len)
    len = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(staticTextLength(op)));
  else if (len.getType().isIndex())
    len = arith::IndexCastOp::create(b, loc, i64, len);
  // Separate statements: operand evaluation order would make the IR order
  // compiler-dependent.
  Value atLeast0 =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, len, zero);
  Value atMostText = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                           len, textTokens);
  Value inRange = arith::AndIOp::create(b, loc, atLeast0, atMostText);
  cf::AssertOp::create(b, loc, inRange, message);
  return len;
}

/// kv_block_sizes for a run-time text length L: P for image tiles,
/// clamp(L - t*P, 0, P) for text block t; L is checked against S_text first.
template <typename OpT>
Value runTimeBlockSizes(PatternRewriter &b, Location loc, OpT op,
                        const SlidingTilePlan &plan, int64_t textTokens) {
  Value len = checkedTextLength(
      b, loc, op,
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(textTokens)),
      "attn.sliding_tile: text_length must be in [0, S_text = " +
          std::to_string(textTokens) + "]");
  return kvBlockSizes(
      b, loc, len,
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(plan.numImageBlocks)),
      plan.blockSize, b.getIndexAttr(plan.numBlocks));
}

/// report=true: the plan as a remark (docs in Passes.td).
void reportPlan(SlidingTileOp op, const SlidingTilePlan &plan) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto list = [&](ArrayRef<int64_t> xs) {
    os << "[";
    llvm::interleaveComma(xs, os);
    os << "]";
  };
  os << "attn-plan-sparsity: tile_grid ";
  list(op.getTileGrid());
  os << " tile ";
  list(op.getTile());
  os << " window(s) ";
  list(op.getWindow() ? *op.getWindow() : *op.getWindows());
  os << " text_length " << staticTextLength(op) << ": "
     << plan.numBlocks << " blocks of " << plan.blockSize << " tokens ("
     << plan.numImageBlocks << " image tiles, "
     << plan.numBlocks - plan.numImageBlocks
     << " text blocks), at most " << plan.maxCount
     << " kv blocks per query block";
  // Heads with equal rows share one picture.
  std::vector<bool> drawn(plan.numHeads, false);
  for (int64_t h = 0; h < plan.numHeads; ++h) {
    if (drawn[h])
      continue;
    SmallVector<int64_t> group;
    for (int64_t g = h; g < plan.numHeads; ++g)
      if (!drawn[g] && sameHeadPattern(plan, h, g)) {
        drawn[g] = true;
        group.push_back(g);
      }
    bool contiguous = group.back() - group.front() + 1 ==
                      static_cast<int64_t>(group.size());
    os << "\n" << (group.size() == 1 ? "head " : "heads ");
    if (group.size() == 1)
      os << group.front();
    else if (contiguous)
      os << group.front() << "-" << group.back();
    else
      llvm::interleaveComma(group, os);
    std::string picture = renderBlockPattern(plan, h);
    if (!picture.empty() && picture.back() == '\n')
      picture.pop_back();
    os << ": " << picture;
  }
  op.emitRemark() << text;
}

/// Replaces `op` by attn.block_sparse (or _grad) on the planned tables:
/// q, k, v (and dout) zero-padded by `padRows` rows to whole blocks (the
/// pad keys are invalid through kv_block_sizes), each result sliced back to
/// its operand's rows. No pad or slice when padRows is the constant 0.
template <typename OpT>
void replaceWithBlockSparse(OpT op, PatternRewriter &b, Value idx, Value cnt,
                            Value vbs, int64_t P, OpFoldResult padRows) {
  static constexpr bool kGrad = std::is_same_v<OpT, SlidingTileGradOp>;
  Location loc = op.getLoc();
  std::optional<int64_t> staticPad = getConstantIntValue(padRows);
  bool padded = !staticPad || *staticPad != 0;
  auto pad = [&](Value x) -> Value {
    if (!padded)
      return x;
    auto t = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(t.getShape());
    if (!staticPad || ShapedType::isDynamic(shape[2]))
      shape[2] = ShapedType::kDynamic;
    else
      shape[2] += *staticPad;
    Value zero = arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(b.getZeroAttr(t.getElementType())));
    SmallVector<OpFoldResult> lo(4, b.getIndexAttr(0)), hi(4, b.getIndexAttr(0));
    hi[2] = padRows;
    return tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), x, lo, hi, zero);
  };
  // One statement each: argument evaluation order would make the IR order
  // compiler-dependent.
  Value q = pad(op.getQ());
  Value k = pad(op.getK());
  Value v = pad(op.getV());
  SmallVector<Value> outs;
  if constexpr (kGrad) {
    Value dout = pad(op.getDout());
    outs = BlockSparseGradOp::create(b, loc, q, k, v, dout, idx, cnt, vbs, P, P,
                                     op.getScaleAttr())
               .getResults();
  } else {
    // The lse result, when the op has one, has a row per (padded) q row.
    Type lseType;
    if (op.getLse())
      lseType = RankedTensorType::get(
          cast<RankedTensorType>(q.getType()).getShape().take_front(3),
          b.getF32Type());
    outs = BlockSparseOp::create(b, loc, q.getType(), lseType, q, k, v, idx, cnt,
                                 vbs, b.getI64IntegerAttr(P), b.getI64IntegerAttr(P),
                                 op.getScaleAttr())
               ->getResults();
  }
  if (padded) {
    // Each result back to its operand's rows (q for out/dq/lse, k, v).
    Value like[] = {op.getQ(), kGrad ? op.getK() : op.getQ(), op.getV()};
    for (auto [i, out] : llvm::enumerate(outs)) {
      auto want = cast<RankedTensorType>(op->getResult(i).getType());
      unsigned rank = want.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like[i]);
      sizes.resize(rank);
      out = tensor::ExtractSliceOp::create(b, loc, want, out, offsets, sizes,
                                           strides);
    }
  }
  b.replaceOp(op, outs);
}

/// The run-time grid operands of `op` (none for the gradient op, whose
/// tile_grid is static).
template <typename OpT> ValueRange tileGridValues(OpT op) {
  if constexpr (std::is_same_v<OpT, SlidingTileOp>)
    return op.getTileGridValues();
  return {};
}

/// One image query tile's window list, built inside a linalg.generic's
/// body: its count (i64) and its s-th tile (i64, s < count), in
/// SlidingTilePlan's order (t, then h, then w ascending).
struct WindowRow {
  Value count;
  std::function<Value(OpBuilder &, Location, Value)> tile;
};

/// The image tiles' window lists of a plan computed per call: `row(head,
/// row)` for the image query tile `row` of planned head `head` (index
/// values).
struct ImageWindows {
  Value nImg;   ///< image tiles (index)
  Value nImg64; ///< the same, i64
  std::function<WindowRow(OpBuilder &, Location, Value, Value)> row;
};

/// A static grid: the lists are planned at compile time ([H, N_img, W]
/// constants) and read.
ImageWindows constantWindows(PatternRewriter &b, Location loc,
                             const SlidingTilePlan &image) {
  const int64_t heads = image.numHeads, nImg = image.numImageBlocks;
  const int64_t W = image.maxCount;
  Value win = i32Constant(b, loc, {heads, nImg, W}, image.indices);
  Value winCount = i32Constant(b, loc, {heads, nImg}, image.counts);
  ImageWindows w;
  w.nImg = arith::ConstantIndexOp::create(b, loc, nImg);
  w.nImg64 = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(nImg));
  w.row = [=](OpBuilder &nb, Location nl, Value head, Value row) {
    WindowRow r;
    r.count = arith::ExtSIOp::create(
        nb, nl, nb.getI64Type(),
        tensor::ExtractOp::create(nb, nl, winCount, ValueRange{head, row}));
    r.tile = [=](OpBuilder &ib, Location il, Value s) -> Value {
      Value slot = arith::MinUIOp::create(
          ib, il, arith::IndexCastOp::create(ib, il, ib.getIndexType(), s),
          arith::ConstantIndexOp::create(ib, il, W - 1));
      return arith::ExtSIOp::create(
          ib, il, ib.getI64Type(),
          tensor::ExtractOp::create(ib, il, win, ValueRange{head, row, slot}));
    };
    return r;
  };
  return w;
}

/// A run-time grid (n_t, n_h, n_w as i64): each list is arithmetic. Per
/// dimension, with r = floor(k/2): cnt = min(2r+1, n) tiles from start =
/// clamp(q - r, 0, n - cnt), which is SPEC's clamped window (and the whole
/// dimension where 2r+1 >= n). `windows` holds (k_t, k_h, k_w) per planned
/// head.
ImageWindows arithmeticWindows(PatternRewriter &b, Location loc,
                               std::array<Value, 3> n,
                               ArrayRef<std::array<int64_t, 3>> windows) {
  ImageWindows w;
  w.nImg64 = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, n[0], n[1]), n[2]);
  w.nImg = arith::IndexCastOp::create(b, loc, b.getIndexType(), w.nImg64);
  // The windows' radii as an [H, 3] constant (one row for one window).
  SmallVector<int64_t> radii;
  for (const auto &k : windows)
    for (int64_t d = 0; d < 3; ++d)
      radii.push_back(k[d] / 2);
  auto rt = RankedTensorType::get({int64_t(windows.size()), 3}, b.getI64Type());
  Value radius = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(rt, ArrayRef<int64_t>(radii)));
  // Per dimension of `row`'s tile: (cnt, start), and n.
  struct Dim {
    Value cnt, start, n;
  };
  w.row = [=](OpBuilder &nb, Location nl, Value head, Value row) {
    auto c64 = [&](int64_t v) {
      return arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(v)).getResult();
    };
    Value r64 = arith::IndexCastOp::create(nb, nl, nb.getI64Type(), row);
    // row = (q_t * n_h + q_h) * n_w + q_w.
    Value qw = arith::RemUIOp::create(nb, nl, r64, n[2]);
    Value rest = arith::DivUIOp::create(nb, nl, r64, n[2]);
    Value qh = arith::RemUIOp::create(nb, nl, rest, n[1]);
    Value qt = arith::DivUIOp::create(nb, nl, rest, n[1]);
    std::array<Value, 3> q = {qt, qh, qw};
    std::array<Dim, 3> dims;
    for (int64_t d = 0; d < 3; ++d) {
      Value rad = tensor::ExtractOp::create(
          nb, nl, radius,
          ValueRange{head, arith::ConstantIndexOp::create(nb, nl, d)});
      Value span = arith::AddIOp::create(
          nb, nl, arith::MulIOp::create(nb, nl, rad, c64(2)), c64(1));
      Value cnt = arith::MinSIOp::create(nb, nl, span, n[d]);
      Value from = arith::MaxSIOp::create(
          nb, nl, arith::SubIOp::create(nb, nl, q[d], rad), c64(0));
      Value start = arith::MinSIOp::create(
          nb, nl, from, arith::SubIOp::create(nb, nl, n[d], cnt));
      dims[d] = {cnt, start, n[d]};
    }
    WindowRow r;
    r.count = arith::MulIOp::create(
        nb, nl, arith::MulIOp::create(nb, nl, dims[0].cnt, dims[1].cnt),
        dims[2].cnt);
    r.tile = [d = dims](OpBuilder &ib, Location il, Value s) -> Value {
      // s = (x * cnt_h + y) * cnt_w + z.
      Value z = arith::RemUIOp::create(ib, il, s, d[2].cnt);
      Value rest = arith::DivUIOp::create(ib, il, s, d[2].cnt);
      Value y = arith::RemUIOp::create(ib, il, rest, d[1].cnt);
      Value x = arith::DivUIOp::create(ib, il, rest, d[1].cnt);
      Value t = arith::AddIOp::create(ib, il, d[0].start, x);
      Value h = arith::AddIOp::create(ib, il, d[1].start, y);
      Value ww = arith::AddIOp::create(ib, il, d[2].start, z);
      return arith::AddIOp::create(
          ib, il,
          arith::MulIOp::create(
              ib, il,
              arith::AddIOp::create(ib, il, arith::MulIOp::create(ib, il, t, d[1].n), h),
              d[2].n),
          ww);
    };
    return r;
  };
  return w;
}

/// The tables computed per call, for a dynamic sequence (S = N_img*P +
/// S_text with S_text known only at run time) or a run-time grid (N_img
/// too): the number of text blocks Nt = ceil(S_text / P) and the tables'
/// extents (Nb = N_img + Nt blocks, K = Nb entries a row) are run-time
/// values. Image query block i lists its window tiles (planned constants
/// for a static grid, arithmetic for a run-time one: ImageWindows), then
/// every text block; a text query block lists every block. kv_block_sizes
/// give P for image tiles and clamp(L - t*P, 0, P) for text block t. Only
/// the batch (broadcast) and, with one window for all heads, the heads may
/// be dynamic besides the sequence and the grid.
template <typename OpT>
LogicalResult planDynamicSequence(OpT op, PatternRewriter &b) {
  auto qt = cast<RankedTensorType>(op.getQ().getType());
  if (qt.isDynamicDim(1) && !op.getWindow())
    return b.notifyMatchFailure(op, "per-head windows need static heads");
  Location loc = op.getLoc();
  ArrayRef<int64_t> g = op.getTileGrid(), t = op.getTile();
  const int64_t P = t[0] * t[1] * t[2];
  SmallVector<std::array<int64_t, 3>> windows;
  ArrayRef<int64_t> w = op.getWindow() ? *op.getWindow() : *op.getWindows();
  for (size_t i = 0; i + 2 < w.size(); i += 3)
    windows.push_back({w[i], w[i + 1], w[i + 2]});
  const int64_t heads = qt.isDynamicDim(1) ? 1 : qt.getDimSize(1);

  Type i64 = b.getI64Type(), idxT = b.getIndexType();
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v)).getResult();
  };
  auto cIdx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  const std::string name = op->getName().getStringRef().str();
  ImageWindows image;
  std::string imageText;
  if (hasRunTimeGrid(op)) {
    // Each run-time size >= 1 (checked first: the windows divide by them).
    std::array<Value, 3> n;
    ValueRange values = tileGridValues(op);
    for (int64_t d = 0, next = 0; d < 3; ++d) {
      if (!ShapedType::isDynamic(g[d])) {
        n[d] = c64(g[d]);
        continue;
      }
      n[d] = arith::IndexCastOp::create(b, loc, i64, values[next++]);
      Value positive = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                             n[d], c64(1));
      cf::AssertOp::create(b, loc, positive, name + ": tile_grid sizes must be >= 1");
    }
    // Distinct windows per head as planned heads: one row for one window.
    SmallVector<std::array<int64_t, 3>> perHead(windows);
    if (windows.size() == 1 || qt.isDynamicDim(1))
      perHead.resize(1);
    image = arithmeticWindows(b, loc, n, perHead);
    imageText = "the image tokens";
  } else {
    const int64_t nImg = g[0] * g[1] * g[2];
    image = constantWindows(
        b, loc, SlidingTilePlan::build(g, t, windows, heads, nImg * P, 0));
    imageText = "the " + std::to_string(nImg * P) + " image tokens";
  }
  Value imageTokens = arith::MulIOp::create(b, loc, image.nImg64, c64(P));
  // S_text = S - N_img*P >= 0 and 0 <= L <= S_text, checked at run time.
  Value S = tensor::DimOp::create(b, loc, op.getQ(), 2);
  Value S64 = arith::IndexCastOp::create(b, loc, i64, S);
  Value textTokens = arith::SubIOp::create(b, loc, S64, imageTokens);
  Value enough = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                       textTokens, c64(0));
  cf::AssertOp::create(b, loc, enough,
                       name + ": the sequence is shorter than " + imageText);
  for (Value kv : {op.getK(), op.getV()}) {
    Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                       tensor::DimOp::create(b, loc, kv, 2), S);
    cf::AssertOp::create(b, loc, same,
                         name + ": k and v must have q's sequence length");
  }
  Value len = checkedTextLength(b, loc, op, textTokens,
                                name + ": text_length must be in [0, S_text]");
  // Nt = ceil(S_text / P), Nb = N_img + Nt.
  Value nt = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, textTokens, c64(P - 1)), c64(P));
  Value nb64 = arith::AddIOp::create(b, loc, nt, image.nImg64);
  Value nb = arith::IndexCastOp::create(b, loc, idxT, nb64);

  SmallVector<OpFoldResult> bh = tensor::getMixedSizes(b, loc, op.getQ());
  bh.resize(2);
  // The tables are [B, H, Nb, Nb]: bounded (kMaxRunTimeTableEntries) so that
  // a sequence too long for them is an error, not a failed allocation.
  {
    Value batch = arith::IndexCastOp::create(
        b, loc, i64, getValueOrCreateConstantIndexOp(b, loc, bh[0]));
    Value heads = arith::IndexCastOp::create(
        b, loc, i64, getValueOrCreateConstantIndexOp(b, loc, bh[1]));
    // Nb <= 2^15 and B*H <= 2^31 first, so that the product cannot
    // overflow (the operands are clamped for it).
    auto le = [&](Value x, int64_t bound) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, x, c64(bound))
          .getResult();
    };
    auto clamp = [&](Value x, int64_t bound) {
      return arith::MinSIOp::create(b, loc, x, c64(bound)).getResult();
    };
    Value rows = arith::MulIOp::create(b, loc, batch, heads);
    Value n = clamp(nb64, int64_t(1) << 15);
    Value entries = arith::MulIOp::create(
        b, loc, clamp(rows, int64_t(1) << 31),
        arith::MulIOp::create(b, loc, n, n));
    Value fits = arith::AndIOp::create(
        b, loc,
        arith::AndIOp::create(b, loc, le(nb64, int64_t(1) << 15),
                              le(rows, int64_t(1) << 31)),
        le(entries, kMaxRunTimeTableEntries));
    cf::AssertOp::create(
        b, loc, fits,
        name + ": the per-call block tables are too large (they need Nb <= "
               "32768 blocks, image tiles + text blocks, and B*H*Nb*Nb <= " +
            std::to_string(kMaxRunTimeTableEntries) + " entries)");
  }
  auto i32Of = [&](OpBuilder &nb_, Location nl, Value x) {
    return arith::TruncIOp::create(nb_, nl, nb_.getI32Type(), x).getResult();
  };
  // The planned head of query head h (one plan for every head when heads
  // are dynamic or share one window), the image row of query block i
  // (clamped for text rows).
  const bool oneHead = heads == 1 || windows.size() == 1;
  Value lastImage = arith::SubIOp::create(b, loc, image.nImg, cIdx(1));
  auto planRow = [&](OpBuilder &nb_, Location nl, Value h, Value i) {
    Value head = oneHead ? arith::ConstantIndexOp::create(nb_, nl, 0).getResult() : h;
    Value row = arith::MinUIOp::create(nb_, nl, i, lastImage);
    return std::make_pair(head, row);
  };
  auto isImage = [&](OpBuilder &nb_, Location nl, Value i) {
    return arith::CmpIOp::create(nb_, nl, arith::CmpIPredicate::ult, i, image.nImg)
        .getResult();
  };
  auto table = [&](ArrayRef<OpFoldResult> sizes,
                   function_ref<Value(OpBuilder &, Location)> body) {
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getI32Type());
    unsigned rank = sizes.size();
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
               ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
               SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
               [&](OpBuilder &nb_, Location nl, ValueRange) {
                 linalg::YieldOp::create(nb_, nl, ValueRange{body(nb_, nl)});
               })
        .getResult(0);
  };
  // cnt[b,h,i] = (image row: its window count) + Nt, and Nb for a text row
  // (every image tile too).
  Value cnt = table({bh[0], bh[1], nb}, [&](OpBuilder &nb_, Location nl) {
    Value h = linalg::IndexOp::create(nb_, nl, 1), i = linalg::IndexOp::create(nb_, nl, 2);
    auto [head, row] = planRow(nb_, nl, h, i);
    Value c = image.row(nb_, nl, head, row).count;
    Value n = arith::SelectOp::create(nb_, nl, isImage(nb_, nl, i),
                                      arith::AddIOp::create(nb_, nl, c, nt), nb64);
    return i32Of(nb_, nl, n);
  });
  // idx[b,h,i,s]: image row: s < c ? window[s] : N_img + (s - c) (s < c + Nt);
  // text row: s. Entries past the count are never read (0 there).
  Value idx = table({bh[0], bh[1], nb, nb}, [&](OpBuilder &nb_, Location nl) {
    Value h = linalg::IndexOp::create(nb_, nl, 1), i = linalg::IndexOp::create(nb_, nl, 2);
    Value sIdx = linalg::IndexOp::create(nb_, nl, 3);
    auto [head, row] = planRow(nb_, nl, h, i);
    WindowRow window = image.row(nb_, nl, head, row);
    Value c = window.count;
    Value s64 = arith::IndexCastOp::create(nb_, nl, nb_.getI64Type(), sIdx);
    Value inWindow = arith::CmpIOp::create(nb_, nl, arith::CmpIPredicate::slt, s64, c);
    Value tile = window.tile(nb_, nl, s64);
    Value text = arith::AddIOp::create(nb_, nl, image.nImg64,
                                       arith::SubIOp::create(nb_, nl, s64, c));
    Value imageId = arith::SelectOp::create(nb_, nl, inWindow, tile, text);
    Value img = isImage(nb_, nl, i);
    Value inRow = arith::CmpIOp::create(
        nb_, nl, arith::CmpIPredicate::slt, s64,
        arith::SelectOp::create(nb_, nl, img, arith::AddIOp::create(nb_, nl, c, nt),
                                nb64));
    Value id = arith::SelectOp::create(nb_, nl, img, imageId, s64);
    Value zero = arith::ConstantOp::create(nb_, nl, nb_.getI64IntegerAttr(0));
    return i32Of(nb_, nl, arith::SelectOp::create(nb_, nl, inRow, id, zero));
  });
  Value vbs = kvBlockSizes(b, loc, len, image.nImg64, P, nb);

  // q, k, v (and dout) padded to Nb*P rows; results sliced back to S rows.
  Value padRows = arith::SubIOp::create(
      b, loc, arith::MulIOp::create(b, loc, nb, cIdx(P)), S);
  replaceWithBlockSparse(op, b, idx, cnt, vbs, P, padRows);
  return success();
}

/// Per-head `windows` fix the query heads at N = windows / 3: dynamic query
/// heads are checked equal to N at run time and the op is rebuilt on q (and
/// dout) cast to N heads, its results cast back; the static-heads plan then
/// applies. (With one `window` dynamic heads are planned directly: the
/// tables are broadcast over them.)
template <typename OpT>
struct StaticHeadsFromWindows : OpRewritePattern<OpT> {
  StaticHeadsFromWindows(MLIRContext *ctx)
      : OpRewritePattern<OpT>(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    if (!qt.isDynamicDim(1) || !op.getWindows())
      return rewriter.notifyMatchFailure(op, "static heads or one window");
    const int64_t heads = static_cast<int64_t>(op.getWindows()->size()) / 3;
    Location loc = op.getLoc();
    Value h = tensor::DimOp::create(rewriter, loc, op.getQ(), 1);
    Value same = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, h,
        arith::ConstantIndexOp::create(rewriter, loc, heads));
    cf::AssertOp::create(rewriter, loc, same,
                         op->getName().getStringRef().str() + ": 'windows' gives " +
                             std::to_string(heads) +
                             " query heads, q has another number");
    auto withHeads = [&](Type t) {
      auto rt = cast<RankedTensorType>(t);
      SmallVector<int64_t> shape(rt.getShape());
      shape[1] = heads;
      return RankedTensorType::get(shape, rt.getElementType());
    };
    // Operands and results shaped by q's heads: q and dout (the grad op),
    // the forward's out and lse, the gradient's dq.
    auto onQHeads = [&](Value v) {
      if (v == op.getQ())
        return true;
      if constexpr (std::is_same_v<OpT, SlidingTileGradOp>)
        return v == op.getDout();
      return false;
    };
    IRMapping cast;
    for (Value operand : op->getOperands())
      if (onQHeads(operand) && !cast.contains(operand))
        cast.map(operand, tensor::CastOp::create(
                              rewriter, loc, withHeads(operand.getType()), operand)
                              .getResult());
    Operation *clone = rewriter.clone(*op, cast);
    SmallVector<Value> results;
    for (OpResult r : clone->getResults()) {
      bool qShaped = std::is_same_v<OpT, SlidingTileOp> || r.getResultNumber() == 0;
      if (!qShaped) {
        results.push_back(r);
        continue;
      }
      Type original = r.getType();
      r.setType(withHeads(original));
      rewriter.setInsertionPointAfter(clone);
      results.push_back(tensor::CastOp::create(rewriter, loc, original, r));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// attn.sliding_tile -> attn.block_sparse, attn.sliding_tile_grad ->
/// attn.block_sparse_grad: the same tables.
template <typename OpT>
struct PlanSlidingTile : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (planSizeError(op))
      return rewriter.notifyMatchFailure(op, "too big to plan");
    auto qt = cast<RankedTensorType>(op.getQ().getType());
    std::optional<SlidingTilePlan> maybePlan = planOf(op);
    if (!maybePlan)
      return planDynamicSequence(op, rewriter);
    const SlidingTilePlan &plan = *maybePlan;
    Location loc = op.getLoc();
    int64_t B = qt.getDimSize(0), H = plan.numHeads, S = qt.getDimSize(2);
    const int64_t P = plan.blockSize, Nb = plan.numBlocks, K = plan.maxCount;

    // The tables are [B, H, ...]: replicate the per-head plan over batches,
    // as constants for static B and H, broadcast over the dynamic ones
    // (dynamic H: the one planned head's rows, see planOf).
    Value idx, cnt;
    bool dynamicHeads = qt.isDynamicDim(1);
    if (!ShapedType::isDynamic(B) && !dynamicHeads) {
      std::vector<int32_t> indices, counts;
      for (int64_t b = 0; b < B; ++b) {
        indices.insert(indices.end(), plan.indices.begin(), plan.indices.end());
        counts.insert(counts.end(), plan.counts.begin(), plan.counts.end());
      }
      idx = i32Constant(rewriter, loc, {B, H, Nb, K}, indices);
      cnt = i32Constant(rewriter, loc, {B, H, Nb}, counts);
    } else {
      SmallVector<OpFoldResult> bh =
          tensor::getMixedSizes(rewriter, loc, op.getQ());
      bh.resize(2);
      // Constants over the static trailing dims, broadcast over [B] or [B, H].
      SmallVector<int64_t> newDims =
          dynamicHeads ? SmallVector<int64_t>{0, 1} : SmallVector<int64_t>{0};
      auto broadcast = [&](ArrayRef<int64_t> tail, ArrayRef<int32_t> data) {
        SmallVector<int64_t> shape(tail);
        if (!dynamicHeads)
          shape.insert(shape.begin(), H);
        Value table = i32Constant(rewriter, loc, shape, data);
        SmallVector<OpFoldResult> sizes(bh);
        for (int64_t d : tail)
          sizes.push_back(rewriter.getIndexAttr(d));
        Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                             rewriter.getI32Type());
        return linalg::BroadcastOp::create(rewriter, loc, table, init, newDims)
            .getResult()[0];
      };
      idx = broadcast({Nb, K}, plan.indices);
      cnt = broadcast({Nb}, plan.counts);
    }
    int64_t textTokens = S - plan.numImageBlocks * P;
    Value vbs = op.getTextLengthValue()
                    ? runTimeBlockSizes(rewriter, loc, op, plan, textTokens)
                    : i32Constant(rewriter, loc, {Nb}, plan.blockSizes);

    // A ragged text tail is zero-padded to whole blocks.
    replaceWithBlockSparse(op, rewriter, idx, cnt, vbs, P,
                           rewriter.getIndexAttr(Nb * P - S));
    return success();
  }
};

struct AttnPlanSparsityPass
    : attn::impl::AttnPlanSparsityBase<AttnPlanSparsityPass> {
  using AttnPlanSparsityBase::AttnPlanSparsityBase;
  void runOnOperation() override {
    // Ops too big to plan: named here (the patterns leave them alone).
    bool tooBig = false;
    auto check = [&](auto op) {
      if (std::optional<std::string> why = planSizeError(op)) {
        op.emitError() << *why;
        tooBig = true;
      }
    };
    getOperation()->walk([&](SlidingTileOp op) { check(op); });
    getOperation()->walk([&](SlidingTileGradOp op) { check(op); });
    if (tooBig)
      return signalPassFailure();
    if (report)
      getOperation()->walk([](SlidingTileOp op) {
        if (std::optional<SlidingTilePlan> plan = planOf(op))
          reportPlan(op, *plan);
      });
    RewritePatternSet patterns(&getContext());
    populatePlanSparsityPatterns(patterns);
    if (failed(rewriteAllOrReport<SlidingTileOp, SlidingTileGradOp>(getOperation(), std::move(patterns),
                                       "attn-plan-sparsity could not plan this op")))
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populatePlanSparsityPatterns(RewritePatternSet &patterns) {
  patterns.add<StaticHeadsFromWindows<SlidingTileOp>,
               StaticHeadsFromWindows<SlidingTileGradOp>,
               PlanSlidingTile<SlidingTileOp>, PlanSlidingTile<SlidingTileGradOp>>(
      patterns.getContext());
}
