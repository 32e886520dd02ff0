//===- LaunchPlanner.cpp - tensor-level attn functions -> GPU launches ----===//
//
// See LaunchPlan.h and Plan.h. Planning walks the entry block once, in order:
//  - layout ops become lazy row views (RowView.cpp), composed through chains;
//  - every other op materializes its operands (one gather per run of rows
//    from the same source) and appends its kernel launch (KernelChoice.cpp);
//  - values returned by the function are written straight into the result
//    buffers where possible.
// Then scratch buffers are packed by lifetime (BufferPacking.cpp) and the
// host IR is written (HostIR.cpp).
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

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
  int id = scratchFor(v);
  bufOf[v] = id;
  return id;
}

FailureOr<int> Planner::materialize(Value v, Operation *user) {
  // Arguments, loop-carried values and kernel outputs are in bufOf.
  auto it = bufOf.find(v);
  if (it != bufOf.end())
    return it->second;
  if (auto g = v.getDefiningOp<linalg::LinalgOp>(); g && deferredLinalg.count(g)) {
    // A table from run-time sizes, planned where it is first needed.
    if (failed(planLinalg(g)))
      return failure();
    return bufOf.lookup(v);
  }
  if (auto st = symBlockSizes.find(v); st != symBlockSizes.end()) {
    int id = tileTables(st->second, user).second;
    bufOf[v] = id;
    return id;
  }
  if (symTiles.count(v))
    return user->emitError()
           << "attn-to-gpu: '" << user->getName()
           << "' reads a tile of a run-time video grid, which only the block "
              "means and VSA's raster-tile kernel read in place (no tiled copy "
              "is planned for run-time grids yet)";
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
    int id = scratchFor(v);
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
    if (!isRowTensorRank(t.getRank()))
      return ret.emitError() << "attn-to-gpu: result #" << i
                             << " must be a [B, H, S, D] or [B, H, S] tensor "
                                "computed by a kernel when it is not returned "
                                "directly";
    writeView(view, t, dst);
  }
  return success();
}


/// Every tensor `op` reads or writes has a static shape (then it is planned
/// as in a static entry, even where the entry has run-time sizes).
static bool hasStaticTensors(Operation *op) {
  auto isStatic = [](Type t) {
    auto st = dyn_cast<ShapedType>(t);
    return !st || st.hasStaticShape();
  };
  return llvm::all_of(op->getOperandTypes(), isStatic) &&
         llvm::all_of(op->getResultTypes(), isStatic);
}

LogicalResult Planner::dynamicPlanSupported(Block &block) {
  // Run-time sizes (docs/DynamicShapes.md, "GPU path"): attention over
  // any buffers, VSA's layer over run-time grids (DynamicLayout.cpp) and
  // the index arithmetic that computes sizes; loops, reshapes and the
  // other layout ops still plan static shapes only.
  for (Operation &op : block) {
    if (isa<SdpaOp, BlockSparseOp, TileOp, UntileOp, TileBlockSizesOp,
            BlockMeanOp, BlockTopkOp, linalg::LinalgOp, tensor::EmptyOp,
            tensor::DimOp, tensor::ExtractOp, func::ReturnOp, cf::AssertOp>(op) ||
        isa<arith::ArithDialect>(op.getDialect()) || hasStaticTensors(&op))
      continue;
    return op.emitError() << "attn-to-gpu: '" << op.getName()
                          << "' has no GPU lowering for run-time sizes yet "
                             "(the entry has dynamic shapes or size arguments; "
                             "docs/DynamicShapes.md lists the ops that do)";
  }
  return success();
}

/// A 0-d integer tensor argument read only by tensor.extract: a size.
static bool isSizeArgument(BlockArgument a) {
  auto t = dyn_cast<RankedTensorType>(a.getType());
  if (!t || t.getRank() != 0 ||
      !(t.getElementType().isInteger(64) || t.getElementType().isInteger(32)) ||
      a.use_empty())
    return false;
  return llvm::all_of(a.getUsers(),
                      [](Operation *u) { return isa<tensor::ExtractOp>(u); });
}

LogicalResult Planner::run() {
  for (BlockArgument a : entry.getArguments()) {
    auto t = dyn_cast<RankedTensorType>(a.getType());
    if (!t)
      return entry.emitError() << "attn-to-gpu: argument #" << a.getArgNumber()
                               << " must be a ranked tensor";
    if (isSizeArgument(a)) {
      // A size given by value (a grid extent, a top-k): named a<i>.
      dynamicEntry = true;
      sizeArgs.insert(a.getArgNumber());
      continue;
    }
    if (!t.hasStaticShape()) {
      dynamicEntry = true;
      SmallVector<std::string> names;
      for (int64_t d = 0; d < t.getRank(); ++d)
        names.push_back(t.isDynamicDim(d)
                            ? llvm::formatv("a{0}_{1}", a.getArgNumber(), d).str()
                            : std::to_string(t.getDimSize(d)));
      sizeTexts[a] = names;
    }
    Buf arg{Buf::Arg};
    arg.index = a.getArgNumber();
    bufOf[a] = newBuf(arg);
  }
  if (!entry.getBody().hasOneBlock())
    return entry.emitError("attn-to-gpu: the entry function must be one block");
  auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      return ret.emitError() << "attn-to-gpu: result #" << i
                             << " must be a ranked tensor";
    if (!t.hasStaticShape() && !dynamicEntry)
      return ret.emitError() << "attn-to-gpu: result #" << i
                             << " has a dynamic shape but no argument has one";
    returnSlot.try_emplace(v, i);
  }
  if (dynamicEntry && failed(dynamicPlanSupported(entry.getBody().front())))
    return failure();
  if (failed(planBlock(entry.getBody().front())))
    return failure();
  return writeHost();
}

/// The ops that run on the CPU path only so far: the error names the op and
/// its design doc.
static LogicalResult noGpuKernel(Operation *op) {
  StringRef what = "quantized attention",
            rest = "has no GPU kernel yet; it runs on the CPU path as an emulation "
                   "(docs/Sage.md)";
  if (isa<ChunkMeanOp, ChunkSelectOp, ChunkAttentionOp>(op))
    what = "V-MoBA",
    rest = "has no GPU kernels yet; it runs on the CPU path (docs/VMoBA.md)";
  else if (isa<KmeansOp, ClusterSelectOp, ClusterAttentionOp>(op))
    what = "SVG2", rest = "has no GPU kernels yet; it runs on the CPU path (docs/SVG2.md)";
  return op->emitError() << "attn-to-gpu: '" << op->getName() << "' (" << what << ") "
                         << rest;
}

LogicalResult Planner::planBlock(Block &block) {
  for (Operation &op : block) {
    if (foldedOps.contains(&op))
      continue;
    if (dynamicEntry && isa<TileOp, UntileOp, TileBlockSizesOp>(op) &&
        (!hasStaticTensors(&op) || op.getNumOperands() > 1 ||
         isa<TileBlockSizesOp>(op))) {
      // A run-time grid or shape: no row views (DynamicLayout.cpp).
      if (failed(planDynamicLayout(&op)))
        return failure();
      continue;
    }
    if (auto a = dyn_cast<cf::AssertOp>(op)) {
      // A relation of run-time sizes checked by the lowered code (e.g. a
      // run-time text length within the text tokens): a plan assert.
      if (failed(planAssert(a)))
        return failure();
      continue;
    }
    // Index arithmetic: sizes, read as text by the ops that use them.
    if (dynamicEntry &&
        (isa<tensor::DimOp, tensor::ExtractOp>(op) ||
         (isa<arith::ArithDialect>(op.getDialect()) && op.getNumResults() == 1 &&
          op.getResult(0).getType().isIntOrIndex())))
      continue;
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
            .Case<SdpaGradOp, BlockSparseGradOp>(
                [&](Operation *o) { return planAttentionGrad(o); })
            .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
                [&](Operation *o) { return planReshape(o); })
            .Case<ChunkMeanOp, ChunkSelectOp, ChunkAttentionOp, KmeansOp,
                  ClusterSelectOp, ClusterAttentionOp, SageSdpaOp, SageBlockSparseOp>(
                [&](Operation *o) { return noGpuKernel(o); })
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


LogicalResult Planner::planReshape(Operation *op) {
  // A row-major reshape keeps every byte where it is: the result is the
  // source's buffer (which then lives as long as either is read).
  auto t = cast<RankedTensorType>(op->getResult(0).getType());
  if (!t.hasStaticShape())
    return op->emitError("attn-to-gpu: reshapes need static shapes");
  auto src = materialize(op->getOperand(0), op);
  if (failed(src))
    return failure();
  bufOf[op->getResult(0)] = *src;
  return success();
}

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
