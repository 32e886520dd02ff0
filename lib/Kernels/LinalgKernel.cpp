//===- LinalgKernel.cpp - static linalg ops as one-thread-per-element
//------===//
//
// The VSA decomposition leaves small linalg ops between the attn ops (the
// coarse score matmul and its scale, the gated combine Oc*gate + Os, fills).
// Each becomes one kernel: a thread per point of the parallel iteration
// space (row-major, so neighbouring threads touch neighbouring output
// elements), an scf.for nest over the reduction dims carrying the
// accumulator, the payload cloned inline, operand offsets from the indexing
// maps with static strides. i1 tensors live as one byte per element.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

int64_t mlir::attn::linalgKernelThreads(linalg::LinalgOp op) {
  int64_t p = 1;
  auto ranges = op.getStaticLoopRanges();
  for (auto [r, it] : llvm::zip(ranges, op.getIteratorTypesArray()))
    if (it == utils::IteratorType::parallel)
      p *= r;
  return p;
}

bool mlir::attn::linalgKernelReadsInit(linalg::LinalgOp op) {
  return op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
}

/// Buffers of the kernel: the shaped inputs, the init if the payload reads
/// it, the result.
static unsigned linalgKernelNumPtrs(linalg::LinalgOp op) {
  unsigned n = 0;
  for (OpOperand *o : op.getDpsInputOperands())
    if (isa<ShapedType>(o->get().getType()))
      ++n;
  return n + (linalgKernelReadsInit(op) ? 1 : 0) + 1;
}

/// Values the payload uses from outside its region.
static SetVector<Value> capturedValues(linalg::LinalgOp op) {
  SetVector<Value> out;
  Region &region = op->getRegion(0);
  region.walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (!region.isAncestor(v.getParentRegion()))
        out.insert(v);
  });
  return out;
}

SmallVector<Value> mlir::attn::linalgKernelSizeOperands(linalg::LinalgOp op) {
  SmallVector<Value> out;
  for (Value v : capturedValues(op))
    if (!matchPattern(v, m_Constant()) && v.getType().isIntOrIndex())
      out.push_back(v);
  return out;
}

KernelContract mlir::attn::linalgKernelContract(linalg::LinalgOp op) {
  return KernelContract::make(
      linalgKernelNumPtrs(op), linalgKernelSizeOperands(op).size(),
      {ceilDiv(linalgKernelThreads(op), kLinalgThreads), 1, 1}, kLinalgThreads);
}

/// Bytes of the contraction's shared a tile (kContractionTile rows of
/// kContractionChunk + 1 elements, padded to 16 bytes); the b tile follows.
static int64_t contractionATileBytes(linalg::LinalgOp op) {
  auto bytes = [&](unsigned i) {
    return int64_t(cast<ShapedType>(op.getDpsInputOperand(i)->get().getType())
                       .getElementTypeBitWidth() /
                   8);
  };
  return (kContractionTile * (kContractionChunk + 1) * bytes(0) + 15) / 16 *
         16;
}

std::optional<KernelContract>
mlir::attn::contractionKernelContract(linalg::LinalgOp op) {
  auto sizes = matchTiledContraction(op);
  if (!sizes)
    return std::nullopt;
  auto [P, I, J, R] = *sizes;
  (void)R;
  int64_t bBytes =
      cast<ShapedType>(op.getDpsInputOperand(1)->get().getType())
          .getElementTypeBitWidth() /
      8;
  return KernelContract::make(
      linalgKernelNumPtrs(op), 0,
      {ceilDiv(J, kContractionTile), ceilDiv(I, kContractionTile), P},
      kContractionThreads,
      contractionATileBytes(op) +
          kContractionTile * (kContractionChunk + 1) * bBytes);
}

static Type memoryType(Type t, OpBuilder &b) {
  return t.isInteger(1) ? b.getI8Type() : t;
}


FailureOr<LLVM::LLVMFuncOp>
mlir::attn::emitLinalgKernel(OpBuilder &b, Location loc,
                             gpu::GPUModuleOp module, linalg::LinalgOp op,
                             StringRef name) {
  // What the kernel can express is checked before anything is built.
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1)
    return op->emitError("attn-to-gpu: linalg ops need exactly one result");
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return op->emitError("attn-to-gpu: linalg op without a payload");
  if (!op.hasPureTensorSemantics())
    return op->emitError("attn-to-gpu: linalg ops must be on tensors");
  for (OpOperand &o : op->getOpOperands()) {
    auto st = dyn_cast<ShapedType>(o.get().getType());
    if (st && !st.hasStaticShape())
      return op->emitError("attn-to-gpu: linalg ops need static shapes");
    if (!st && !matchPattern(o.get(), m_Constant()))
      return op->emitError(
          "attn-to-gpu: scalar linalg inputs must be constants");
    Type e = st ? st.getElementType() : o.get().getType();
    if (!(e.isF32() || e.isBF16() || e.isF16() || e.isInteger(32) ||
          e.isInteger(1) || e.isInteger(64)))
      return op->emitError() << "attn-to-gpu: unsupported element type " << e;
  }
  for (AffineMap m : op.getIndexingMapsArray())
    if (m.getNumSymbols())
      return op->emitError("attn-to-gpu: indexing maps with symbols");
  for (Value v : capturedValues(op))
    if (!matchPattern(v, m_Constant()) && !v.getType().isIntOrIndex())
      return op->emitError("attn-to-gpu: the payload uses a value that is "
                           "neither a constant nor an integer size from "
                           "outside the op");
  {
    // Every output element is written exactly once: the output map is a
    // permutation of the parallel dims, each ranging over its output dim.
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    auto outType = cast<ShapedType>(op.getDpsInitOperand(0)->get().getType());
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    auto iters = op.getIteratorTypesArray();
    unsigned numParallel = llvm::count(iters, utils::IteratorType::parallel);
    bool covers = out.isProjectedPermutation() &&
                  out.getNumResults() == numParallel &&
                  int64_t(out.getNumResults()) == outType.getRank();
    for (unsigned r = 0; covers && r < out.getNumResults(); ++r) {
      unsigned d = cast<AffineDimExpr>(out.getResult(r)).getPosition();
      covers = iters[d] == utils::IteratorType::parallel &&
               ranges[d] == outType.getDimSize(r);
    }
    if (!covers)
      return op->emitError("attn-to-gpu: the output map must reach every "
                           "output element once (a permutation of the "
                           "parallel dims)");
  }
  int64_t threads = linalgKernelThreads(op);
  if (threads <= 0 || threads >= (int64_t(1) << 40))
    return op->emitError("attn-to-gpu: iteration space too large");

  bool readsInit = linalgKernelReadsInit(op);
  SmallVector<OpOperand *> shapedInputs;
  for (OpOperand *o : op.getDpsInputOperands())
    if (isa<ShapedType>(o->get().getType()))
      shapedInputs.push_back(o);
  KernelContract contract = linalgKernelContract(op);
  unsigned numPtrs = linalgKernelNumPtrs(op);
  KernelBuilder k(b, loc, module, name, contract);

  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iters = op.getIteratorTypesArray();
  SmallVector<unsigned> par, red;
  for (unsigned d = 0; d < ranges.size(); ++d)
    (iters[d] == utils::IteratorType::parallel ? par : red).push_back(d);

  Value t = k.globalX(kLinalgThreads);
  k.ifThen(k.cmp(P::ult, t, k.ci64(threads)), [&] {
    SmallVector<Value> dims(ranges.size());
    Value rest = t;
    for (unsigned pi = par.size(); pi-- > 0;) {
      unsigned d = par[pi];
      dims[d] = k.rem(rest, k.ci64(ranges[d]));
      rest = k.div(rest, k.ci64(ranges[d]));
    }
    // Linear offset of `operand` at the current point.
    std::function<Value(AffineExpr)> eval = [&](AffineExpr e) -> Value {
      if (auto d = dyn_cast<AffineDimExpr>(e))
        return dims[d.getPosition()];
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        return k.ci64(c.getValue());
      auto bin = cast<AffineBinaryOpExpr>(e);
      Value l = eval(bin.getLHS()), r = eval(bin.getRHS());
      switch (e.getKind()) {
      case AffineExprKind::Add:
        return k.add(l, r);
      case AffineExprKind::Mul:
        return k.mul(l, r);
      case AffineExprKind::Mod:
        return arith::RemSIOp::create(b, loc, l, r);
      case AffineExprKind::FloorDiv:
        return arith::FloorDivSIOp::create(b, loc, l, r);
      default:
        return arith::CeilDivSIOp::create(b, loc, l, r);
      }
    };
    auto offset = [&](OpOperand &o) {
      auto st = cast<ShapedType>(o.get().getType());
      AffineMap m = op.getMatchingIndexingMap(&o);
      Value off = k.ci64(0);
      for (unsigned r = 0; r < m.getNumResults(); ++r)
        off = k.add(k.mul(off, k.ci64(st.getDimSize(r))), eval(m.getResult(r)));
      return off;
    };
    auto loadOperand = [&](OpOperand &o, Value base) -> Value {
      Type e = cast<ShapedType>(o.get().getType()).getElementType();
      Value v = k.load(memoryType(e, b), base, offset(o));
      if (e.isInteger(1))
        v = arith::TruncIOp::create(b, loc, e, v);
      return v;
    };

    OpOperand &init = *op.getDpsInitOperand(0);
    Type outElt = cast<ShapedType>(init.get().getType()).getElementType();
    Value acc = readsInit
                    ? loadOperand(init, k.arg(shapedInputs.size()))
                    : arith::ConstantOp::create(b, loc, b.getZeroAttr(outElt))
                          .getResult();
    Block &payload = op->getRegion(0).front();
    // The payload at the current point, given the accumulator.
    SmallVector<Value> sizes = linalgKernelSizeOperands(op);
    auto body = [&](Value accIn) -> Value {
      IRMapping map;
      for (Value v : capturedValues(op)) {
        auto at = llvm::find(sizes, v);
        if (at == sizes.end()) {
          map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
          continue;
        }
        // A run-time size: an i32 parameter after the buffers.
        Value x = k.arg(numPtrs + (at - sizes.begin()));
        if (v.getType().isIndex())
          x = arith::IndexCastOp::create(b, loc, v.getType(), x);
        else if (v.getType().getIntOrFloatBitWidth() > 32)
          x = arith::ExtSIOp::create(b, loc, v.getType(), x);
        else if (v.getType().getIntOrFloatBitWidth() < 32)
          x = arith::TruncIOp::create(b, loc, v.getType(), x);
        map.map(v, x);
      }
      unsigned ptrIdx = 0;
      for (OpOperand *o : op.getDpsInputOperands()) {
        BlockArgument arg = payload.getArgument(o->getOperandNumber());
        if (isa<ShapedType>(o->get().getType()))
          map.map(arg, loadOperand(*o, k.arg(ptrIdx++)));
        else
          map.map(arg, b.clone(*o->get().getDefiningOp())->getResult(0));
      }
      map.map(payload.getArgument(init.getOperandNumber()), accIn);
      for (Operation &inner : payload.without_terminator()) {
        if (auto idx = dyn_cast<linalg::IndexOp>(inner)) {
          map.map(idx.getResult(),
                  arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                             dims[idx.getDim()]));
          continue;
        }
        // NVPTX has no llvm.log2 lowering: f32 log2 as lg2.approx.
        if (auto lg = dyn_cast<math::Log2Op>(inner);
            lg && lg.getType().isF32()) {
          map.map(lg.getResult(), k.log2Approx(map.lookup(lg.getOperand())));
          continue;
        }
        b.clone(inner, map);
      }
      return map.lookup(payload.getTerminator()->getOperand(0));
    };
    // Reduction dims as a loop nest around the payload.
    std::function<Value(unsigned, Value)> nest = [&](unsigned ri,
                                                     Value accIn) -> Value {
      if (ri == red.size())
        return body(accIn);
      unsigned d = red[ri];
      return k.loop(k.ci64(0), k.ci64(ranges[d]), k.ci64(1), ValueRange{accIn},
                    [&](Value iv, ValueRange carried) -> SmallVector<Value> {
                      dims[d] = iv;
                      return {nest(ri + 1, carried[0])};
                    })[0];
    };
    Value result = nest(0, acc);
    if (outElt.isInteger(1))
      result = arith::ExtUIOp::create(b, loc, k.i8, result);
    k.store(result, k.arg(numPtrs - 1), offset(init));
  });
  k.finish();
  return k.func();
}

std::optional<std::array<int64_t, 4>>
mlir::attn::matchTiledContraction(linalg::LinalgOp op, bool allowDynamic) {
  if (!isa<linalg::GenericOp>(op) || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      !op.hasPureTensorSemantics())
    return std::nullopt;
  unsigned n = op.getNumLoops();
  if (n < 3)
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < n; ++d)
    if ((iters[d] == utils::IteratorType::reduction) != (d == n - 1))
      return std::nullopt;
  MLIRContext *ctx = op->getContext();
  auto map = [&](unsigned x, unsigned y) {
    SmallVector<AffineExpr> e;
    for (unsigned d = 0; d + 3 < n; ++d)
      e.push_back(getAffineDimExpr(d, ctx));
    e.push_back(getAffineDimExpr(x, ctx));
    e.push_back(getAffineDimExpr(y, ctx));
    return AffineMap::get(n, 0, e, ctx);
  };
  auto maps = op.getIndexingMapsArray();
  if (maps[0] != map(n - 3, n - 1) || maps[1] != map(n - 2, n - 1) ||
      maps[2] != map(n - 3, n - 2))
    return std::nullopt;
  for (OpOperand &o : op->getOpOperands()) {
    auto st = dyn_cast<ShapedType>(o.get().getType());
    if (!st || (!allowDynamic && !st.hasStaticShape()))
      return std::nullopt;
    Type e = st.getElementType();
    if (!(e.isF32() || e.isBF16() || e.isF16()))
      return std::nullopt;
  }
  bool hasIndex = false;
  op->getRegion(0).walk([&](linalg::IndexOp) { hasIndex = true; });
  if (hasIndex)
    return std::nullopt;
  for (Value v : capturedValues(op))
    if (!matchPattern(v, m_Constant()))
      return std::nullopt;
  SmallVector<int64_t> r = op.getStaticLoopRanges();
  int64_t P = 1;
  for (unsigned d = 0; d + 3 < n; ++d)
    P = ShapedType::isDynamic(r[d]) || ShapedType::isDynamic(P)
            ? ShapedType::kDynamic
            : P * r[d];
  if (!ShapedType::isDynamic(P) && P > 65535)
    return std::nullopt; // grid.z
  return std::array<int64_t, 4>{P, r[n - 3], r[n - 2], r[n - 1]};
}

FailureOr<LLVM::LLVMFuncOp>
mlir::attn::emitContractionKernel(OpBuilder &b, Location loc,
                                  gpu::GPUModuleOp module, linalg::LinalgOp op,
                                  StringRef name) {
  auto sizes = matchTiledContraction(op);
  auto contract = contractionKernelContract(op);
  if (!sizes || !contract)
    return op->emitError("attn-to-gpu: not a tiled contraction");
  auto [Pn, I, J, R] = *sizes;
  (void)Pn;
  constexpr int64_t T = kContractionTile, C = kContractionChunk, W = C + 1;
  bool readsInit = linalgKernelReadsInit(op);
  OpOperand *aOp = op.getDpsInputOperand(0), *bOp = op.getDpsInputOperand(1);
  OpOperand &init = *op.getDpsInitOperand(0);
  Type aT = cast<ShapedType>(aOp->get().getType()).getElementType();
  Type bT = cast<ShapedType>(bOp->get().getType()).getElementType();
  Type oT = cast<ShapedType>(init.get().getType()).getElementType();
  KernelBuilder k(b, loc, module, name, *contract, (name + "_smem").str());
  Value A = k.arg(0), Bm = k.arg(1), out = k.arg(readsInit ? 3 : 2);
  Value tid = k.toI64(k.tidX());
  Value tx = k.rem(tid, k.ci64(T)), ty = k.div(tid, k.ci64(T));
  Value j0 = k.mul(k.toI64(k.bidX()), k.ci64(T));
  Value i0 = k.mul(k.toI64(k.bidY()), k.ci64(T));
  Value p = k.toI64(k.bidZ());
  Value smem = k.shared();
  int64_t aBytes = contractionATileBytes(op);
  Value As = smem;
  Value Bs = LLVM::GEPOp::create(b, loc, k.sptr, k.i8, smem,
                                 ValueRange{k.ci64(aBytes)});
  const int rowsPerThread = T / (kContractionThreads / T); // 4
  SmallVector<Value> iRows, acc;
  Value j = k.add(j0, tx);
  Value jIn = k.cmp(arith::CmpIPredicate::slt, j, k.ci64(J));
  for (int m = 0; m < rowsPerThread; ++m) {
    Value i = k.add(i0, k.add(k.mul(ty, k.ci64(rowsPerThread)), k.ci64(m)));
    iRows.push_back(i);
    Value in = k.andI(k.cmp(arith::CmpIPredicate::slt, i, k.ci64(I)), jIn);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(oT));
    Value off = k.add(k.mul(k.add(k.mul(p, k.ci64(I)), i), k.ci64(J)), j);
    acc.push_back(readsInit
                      ? k.ifElse(
                            in, oT, [&] { return k.load(oT, k.arg(2), off); },
                            [&] { return zero; })
                      : zero);
  }
  Block &payload = op->getRegion(0).front();
  auto apply = [&](Value av, Value bv, Value accIn) -> Value {
    IRMapping map;
    for (Value v : capturedValues(op))
      map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
    map.map(payload.getArgument(0), av);
    map.map(payload.getArgument(1), bv);
    map.map(payload.getArgument(2), accIn);
    for (Operation &inner : payload.without_terminator())
      b.clone(inner, map);
    return map.lookup(payload.getTerminator()->getOperand(0));
  };
  auto stage = [&](Value src, Type t, Value dst, Value rowBase, int64_t rows,
                   Value r0) {
    for (int64_t e0 = 0; e0 < T * C; e0 += kContractionThreads) {
      Value e = k.add(tid, k.ci64(e0));
      Value row = k.div(e, k.ci64(C)), col = k.rem(e, k.ci64(C));
      Value gr = k.add(rowBase, row), r = k.add(r0, col);
      Value in = k.andI(k.cmp(arith::CmpIPredicate::slt, gr, k.ci64(rows)),
                        k.cmp(arith::CmpIPredicate::slt, r, k.ci64(R)));
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
      Value v = k.ifElse(
          in, t,
          [&] {
            Value off =
                k.add(k.mul(k.add(k.mul(p, k.ci64(rows)), gr), k.ci64(R)), r);
            return k.load(t, src, off);
          },
          [&] { return zero; });
      k.store(v, dst, k.add(k.mul(row, k.ci64(W)), col));
    }
  };
  acc = k.loop(
      k.ci64(0), k.ci64(R), k.ci64(C), acc,
      [&](Value r0, ValueRange carried) -> SmallVector<Value> {
        stage(A, aT, As, i0, I, r0);
        stage(Bm, bT, Bs, j0, J, r0);
        k.barrier();
        Value n = k.minS(k.ci64(C), k.sub(k.ci64(R), r0));
        SmallVector<Value> res = k.loop(
            k.ci64(0), n, k.ci64(1), carried,
            [&](Value c, ValueRange a) -> SmallVector<Value> {
              Value bv = k.load(bT, Bs, k.add(k.mul(tx, k.ci64(W)), c));
              SmallVector<Value> next;
              for (int m = 0; m < rowsPerThread; ++m) {
                Value row = k.add(k.mul(ty, k.ci64(rowsPerThread)), k.ci64(m));
                Value av = k.load(aT, As, k.add(k.mul(row, k.ci64(W)), c));
                next.push_back(apply(av, bv, a[m]));
              }
              return next;
            });
        k.barrier();
        return res;
      });
  for (int m = 0; m < rowsPerThread; ++m) {
    Value in =
        k.andI(k.cmp(arith::CmpIPredicate::slt, iRows[m], k.ci64(I)), jIn);
    k.ifThen(in, [&] {
      Value off =
          k.add(k.mul(k.add(k.mul(p, k.ci64(I)), iRows[m]), k.ci64(J)), j);
      k.store(acc[m], out, off);
    });
  }
  k.finish();
  return k.func();
}
