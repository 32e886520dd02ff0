//===- HostIR.cpp - the plan as a host function ---------------------------===//
//
// The planned launches become the host function that replaces the entry:
// memref arguments (entry arguments, then one out-parameter per result,
// attn.num_args), one memref.alloc per scratch slot (attn.scratch = N) and
// the error buffer (attn.error_buffer), a private memref.global per distinct
// constant table, i32/index constants at the top, gpu.launch_func per launch
// (attn.check_dims on checked-mode launches) and scf.for per host loop.
// attn-compile transcribes this function into the artifact's plan.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "attn/Kernels/KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <map>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

LogicalResult Planner::writeHost() {
  MLIRContext *ctx = module.getContext();
  Location loc = entry.getLoc();
  ScratchPacking packing = packScratch(bufs, launches, loops);
  const std::vector<int> &slotOf = packing.slotOf;
  const std::vector<int64_t> &slotBytes = packing.slotBytes;

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
  auto strings = [&](ArrayRef<std::string> list) {
    SmallVector<Attribute> out;
    for (const std::string &s : list)
      out.push_back(hb.getStringAttr(s));
    return hb.getArrayAttr(out);
  };
  if (dynamicEntry) {
    // Run-time sizes: each result's dims and the relations to check.
    SmallVector<Attribute> results, asserts;
    auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
    for (Value v : ret.getOperands())
      results.push_back(strings(sizesOf(v)));
    for (const auto &a : shapeAsserts)
      asserts.push_back(strings(a));
    host->setAttr(kResultDimsAttr, hb.getArrayAttr(results));
    host->setAttr(kShapeAssertsAttr, hb.getArrayAttr(asserts));
    if (!sizeArgs.empty()) {
      SmallVector<int64_t> list(sizeArgs.begin(), sizeArgs.end());
      host->setAttr(kSizeArgsAttr, hb.getDenseI64ArrayAttr(list));
    }
  }
  Block *body = host.addEntryBlock();
  hb.setInsertionPointToStart(body);

  std::vector<Value> slotValues;
  for (auto [s, bytes] : llvm::enumerate(slotBytes)) {
    const std::string &expr = packing.slotExpr[s];
    auto alloc = memref::AllocOp::create(
        hb, loc, MemRefType::get({expr.empty() ? bytes : 16}, hb.getI8Type()));
    alloc->setAttr(kScratchAttr, hb.getI64IntegerAttr(s));
    if (!expr.empty()) // sized at run time
      alloc->setAttr(kSizeExprsAttr, strings({expr}));
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
    SmallVector<Attribute> maps;
    bool anyMap = false;
    // Run-time sizes: the grid's and each operand's expression ("" where the
    // operand itself is the value; such an operand is a 0 placeholder).
    SmallVector<std::string> exprs(l.gridExpr.begin(), l.gridExpr.end());
    bool anyExpr = llvm::any_of(exprs, [](auto &e) { return !e.empty(); });
    for (const Param &pr : l.params) {
      exprs.push_back(pr.expr);
      anyExpr |= !pr.expr.empty();
      maps.push_back(hb.getStringAttr(pr.tensorMap));
      anyMap |= !pr.tensorMap.empty();
      if (pr.buf >= 0)
        operands.push_back(valueOf(pr.buf));
      else if (pr.isNull)
        operands.push_back(scalar(2, 0));
      else
        operands.push_back(scalar(1, pr.value));
    }
    // A check launch's dims (B, H, N of its table) after the operands'.
    if (!l.checkDims.empty() && !l.checkDimsExpr[0].empty()) {
      exprs.append(l.checkDimsExpr.begin(), l.checkDimsExpr.end());
      anyExpr = true;
    }
    for (auto [d, g] : llvm::enumerate(l.grid))
      if (l.gridExpr[d].empty() && (g < 1 || g > (d == 0 ? (int64_t(1) << 31) - 1 : 65535)))
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
    if (anyMap)
      launch->setAttr(kTensorMapsAttr, hb.getArrayAttr(maps));
    if (anyExpr)
      launch->setAttr(kSizeExprsAttr, strings(exprs));
    if (!l.smemExpr.empty())
      launch->setAttr(kSmemExprAttr, hb.getStringAttr(l.smemExpr));
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
