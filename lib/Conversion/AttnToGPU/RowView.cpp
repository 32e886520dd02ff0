//===- RowView.cpp - layout ops as row views, written by gathers ----------===//
//
// tile, untile, tensor.concat/extract_slice/pad along the sequence move whole
// [.., S, D] rows. Each becomes a RowView (which source buffer and row every
// destination row reads, or a zero row) composed from its operand's view, so
// a chain of layout ops costs nothing until a kernel needs the value; then
// one gather per run of rows from the same source writes it.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Dialect/Attn/Utils/TileGeometry.h"
#include "attn/Kernels/UtilityKernels.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

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


void Planner::writeView(const RowView &view, RankedTensorType t, int dst) {
  int64_t BH = t.getDimSize(0) * t.getDimSize(1), S = t.getDimSize(2);
  int64_t rowBytes = rowElems(t) * elementBytes(t.getElementType());
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
  if (!isRowTensorRank(rt.getRank()) || !rt.hasStaticShape() ||
      (isa<TileOp, UntileOp>(op) && rt.getRank() != 4))
    return op->emitError("attn-to-gpu: layout ops need static [B, H, S, D] "
                         "tensors (slices, pads and concats also [B, H, S])");
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
    auto slice = rowSlice(s);
    if (!slice)
      return op->emitError("attn-to-gpu: tensor.extract_slice only of whole "
                           "rows (static offset/size along dim 2, unit "
                           "strides)");
    auto in = viewOf(s.getSource(), op);
    if (failed(in))
      return failure();
    SmallVector<int64_t> rows;
    for (int64_t i = 0; i < S; ++i)
      rows.push_back(slice->first + i);
    pick(*in, rows);
  } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    Value cst = pad.getConstantPaddingValue();
    bool zero = cst && (matchPattern(cst, m_AnyZeroFloat()) ||
                        matchPattern(cst, m_Zero()));
    bool ok = zero && pad.getSourceType().hasStaticShape();
    for (int64_t d = 0; d < rt.getRank(); ++d)
      ok = ok && (d == 2 || (pad.getStaticLow()[d] == 0 &&
                             pad.getStaticHigh()[d] == 0));
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


void Planner::copy(int src, int dst, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  writeView(identityView(src, t.getDimSize(2)), t, dst);
}

/// A loop with static trip count over [B, H, S, D] tensors: each iter_arg
/// lives in its own buffer (initialized before the loop, overwritten by the
/// yielded value at the end of each trip) and is the loop's result after it.
