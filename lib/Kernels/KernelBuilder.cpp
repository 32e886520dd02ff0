//===- KernelBuilder.cpp - helpers for hand-built NVVM kernels ------------===//

#include "attn/Kernels/KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

gpu::GPUModuleOp mlir::attn::createKernelModule(ModuleOp module, StringRef chip,
                                                StringRef features) {
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  auto target =
      NVVM::NVVMTargetAttr::get(module.getContext(), /*optLevel=*/3,
                                "nvptx64-nvidia-cuda", chip, features);
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName,
                                  b.getArrayAttr({target}));
}

void mlir::attn::markKernel(LLVM::LLVMFuncOp fn, int maxThreads) {
  Builder b(fn.getContext());
  fn->setAttr("nvvm.kernel", b.getUnitAttr());
  fn->setAttr("gpu.kernel", b.getUnitAttr());
  fn->setAttr("nvvm.maxntid", b.getDenseI32ArrayAttr({maxThreads, 1, 1}));
}

KernelBuilder::KernelBuilder(OpBuilder &b, Location loc,
                             gpu::GPUModuleOp module, StringRef name,
                             const KernelContract &contract,
                             StringRef sharedSymbol, int64_t sharedAlign)
    : b(b), loc(loc), i8(b.getI8Type()), i32(b.getI32Type()),
      i64(b.getI64Type()), f32(b.getF32Type()),
      ptr(LLVM::LLVMPointerType::get(b.getContext(), 1)),
      sptr(LLVM::LLVMPointerType::get(b.getContext(), 3)),
      sharedName(sharedSymbol.str()), saved(b.saveInsertionPoint()) {
  MLIRContext *ctx = b.getContext();
  b.setInsertionPointToEnd(module.getBody());
  if (!sharedName.empty())
    LLVM::GlobalOp::create(b, loc, LLVM::LLVMArrayType::get(i8, 0),
                           /*isConstant=*/false, LLVM::Linkage::External,
                           sharedName, Attribute(), sharedAlign,
                           /*addrSpace=*/3);
  SmallVector<Type> params;
  auto generic = LLVM::LLVMPointerType::get(ctx);
  for (ParamKind kind : contract.params)
    params.push_back(kind == ParamKind::Ptr         ? ptr
                     : kind == ParamKind::TensorMap ? generic
                                                    : i32);
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), params);
  fn = LLVM::LLVMFuncOp::create(b, loc, name, type);
  // A tensor map is a 128-byte, 64-byte aligned parameter that the kernel
  // reads in place (cp.async.bulk.tensor takes its address).
  for (auto [i, kind] : llvm::enumerate(contract.params)) {
    if (kind != ParamKind::TensorMap)
      continue;
    fn.setArgAttr(i, "llvm.byval",
                  TypeAttr::get(LLVM::LLVMArrayType::get(i8, 128)));
    fn.setArgAttr(i, "llvm.align", b.getI64IntegerAttr(64));
    fn.setArgAttr(i, "nvvm.grid_constant", b.getUnitAttr());
  }
  markKernel(fn, int(contract.threads));
  b.setInsertionPointToStart(fn.addEntryBlock(b));
}

void KernelBuilder::finish() {
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  b.restoreInsertionPoint(saved);
}

Value KernelBuilder::ci32(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, i32, v);
}
Value KernelBuilder::ci64(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, i64, v);
}
Value KernelBuilder::cf32(float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value KernelBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value KernelBuilder::sub(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}
Value KernelBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value KernelBuilder::div(Value x, Value y) {
  return arith::DivUIOp::create(b, loc, x, y);
}
Value KernelBuilder::rem(Value x, Value y) {
  return arith::RemUIOp::create(b, loc, x, y);
}
Value KernelBuilder::minS(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}
Value KernelBuilder::maxS(Value x, Value y) {
  return arith::MaxSIOp::create(b, loc, x, y);
}
Value KernelBuilder::cmp(arith::CmpIPredicate p, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}
Value KernelBuilder::select(Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}
Value KernelBuilder::andI(Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value KernelBuilder::toI64(Value x) {
  return arith::ExtSIOp::create(b, loc, i64, x);
}

Value KernelBuilder::ceilDivPos(Value x, int64_t d) {
  Type t = x.getType();
  auto c = [&](int64_t v) { return arith::ConstantIntOp::create(b, loc, t, v); };
  return add(div(sub(x, c(1)), c(d)), c(1));
}
Value KernelBuilder::fadd(Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value KernelBuilder::fmul(Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value KernelBuilder::exp2(Value x) { return LLVM::Exp2Op::create(b, loc, x); }
Value KernelBuilder::exp2Ftz(Value x) {
  return inlinePure("ex2.approx.ftz.f32 $0, $1;", "=f,f", {x}, b.getF32Type());
}
Value KernelBuilder::log2Approx(Value x) {
  return inlinePure("lg2.approx.f32 $0, $1;", "=f,f", {x}, b.getF32Type());
}
Value KernelBuilder::rowLse(Value m, Value l) {
  Type f32 = b.getF32Type();
  Value lse = fmul(fadd(m, log2Approx(l)), cf32(0.6931471805599453f));
  Value any = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0));
  return select(any, lse, cf32(-std::numeric_limits<float>::infinity()));
}
Value KernelBuilder::inlineAsm(StringRef text, StringRef constraints,
                               ValueRange operands, Type res, bool sideEffects) {
  auto op = LLVM::InlineAsmOp::create(
      b, loc, res ? TypeRange(res) : TypeRange(), operands,
      b.getStringAttr(text), b.getStringAttr(constraints),
      /*has_side_effects=*/sideEffects ? b.getUnitAttr() : UnitAttr(),
      /*is_align_stack=*/UnitAttr(),
      LLVM::TailCallKindAttr::get(b.getContext(), LLVM::tailcallkind::TailCallKind::None),
      LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT), ArrayAttr());
  return res ? op.getRes() : Value();
}

Value KernelBuilder::warpSum(Value x) {
  return inlineAsm("redux.sync.add.u32 $0, $1, 0xffffffff;", "=r,r", {x}, i32,
                   /*sideEffects=*/true);
}
Value KernelBuilder::warpSumF32(Value v) {
  for (int off : {16, 8, 4, 2, 1}) {
    Value o = NVVM::ShflOp::create(b, loc, b.getF32Type(), ci32(-1), v,
                                   ci32(off), ci32(0x1f), NVVM::ShflKind::bfly,
                                   UnitAttr());
    v = fadd(v, o);
  }
  return v;
}
Value KernelBuilder::ballot(Value flag) {
  return inlineAsm("{ .reg .pred p; setp.ne.u32 p, $1, 0; "
                   "vote.sync.ballot.b32 $0, p, 0xffffffff; }",
                   "=r,r", {flag}, i32, /*sideEffects=*/true);
}
Value KernelBuilder::laneMaskLt() {
  return inlinePure("mov.u32 $0, %lanemask_lt;", "=r", {}, i32);
}
Value KernelBuilder::popc(Value x) { return LLVM::CtPopOp::create(b, loc, x); }

Value KernelBuilder::at(Value base, Type type, Value index) {
  return LLVM::GEPOp::create(b, loc, base.getType(), type, base,
                             ValueRange{index});
}
SmallVector<Value> KernelBuilder::mma16816(bool bf16, ArrayRef<Value> a,
                                           ArrayRef<Value> bm,
                                           ArrayRef<Value> c) {
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                             {f32, f32, f32, f32});
  NVVM::MMATypes t = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  // bf16 operands are packed i32 registers; f16 ones are vector<2xf16>.
  auto operand = [&](ArrayRef<Value> regs) {
    SmallVector<Value> out;
    for (Value r : regs)
      out.push_back(bf16 ? r
                         : LLVM::BitcastOp::create(
                               b, loc, VectorType::get({2}, b.getF16Type()), r)
                               .getResult());
    return out;
  };
  auto op = NVVM::MmaOp::create(
      b, loc, st, operand(a), operand(bm), c, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{t, t},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> d;
  for (int i = 0; i < 4; ++i)
    d.push_back(LLVM::ExtractValueOp::create(b, loc, op.getResult(),
                                             ArrayRef<int64_t>{i}));
  return d;
}

Value KernelBuilder::load(Type type, Value base, Value index, unsigned align) {
  return loadFrom(type, at(base, type, index), align);
}
Value KernelBuilder::loadFrom(Type type, Value addr, unsigned align) {
  return LLVM::LoadOp::create(b, loc, type, addr, align);
}
void KernelBuilder::store(Value v, Value base, Value index, unsigned align) {
  LLVM::StoreOp::create(b, loc, v, at(base, v.getType(), index), align);
}
Value KernelBuilder::shared() {
  return LLVM::AddressOfOp::create(b, loc, sptr, sharedName);
}

Value KernelBuilder::tidX() { return NVVM::ThreadIdXOp::create(b, loc, i32); }
Value KernelBuilder::bidX() { return NVVM::BlockIdXOp::create(b, loc, i32); }
Value KernelBuilder::bidY() { return NVVM::BlockIdYOp::create(b, loc, i32); }
Value KernelBuilder::bidZ() { return NVVM::BlockIdZOp::create(b, loc, i32); }
Value KernelBuilder::globalX(int threads) {
  return add(mul(toI64(bidX()), ci64(threads)), toI64(tidX()));
}
void KernelBuilder::barrier() { NVVM::Barrier0Op::create(b, loc); }

void KernelBuilder::ifThen(Value cond, const std::function<void()> &then) {
  auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&op.getThenRegion().front());
  then();
}

void KernelBuilder::ifThenElse(Value cond, const std::function<void()> &then,
                               const std::function<void()> &otherwise) {
  auto op = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&op.getThenRegion().front());
  then();
  b.setInsertionPointToStart(&op.getElseRegion().front());
  otherwise();
}

Value KernelBuilder::ifElse(Value cond, Type type,
                            const std::function<Value()> &then,
                            const std::function<Value()> &otherwise) {
  return ifElse(
      cond, TypeRange{type}, [&] { return SmallVector<Value>{then()}; },
      [&] { return SmallVector<Value>{otherwise()}; })[0];
}

SmallVector<Value>
KernelBuilder::ifElse(Value cond, TypeRange types,
                      const std::function<SmallVector<Value>()> &then,
                      const std::function<SmallVector<Value>()> &otherwise) {
  auto op = scf::IfOp::create(b, loc, types, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&op.getThenRegion().front());
  scf::YieldOp::create(b, loc, then());
  b.setInsertionPointToStart(&op.getElseRegion().front());
  scf::YieldOp::create(b, loc, otherwise());
  return SmallVector<Value>(op.getResults());
}

SmallVector<Value> KernelBuilder::loop(
    Value lb, Value ub, Value step, ValueRange init,
    const std::function<SmallVector<Value>(Value, ValueRange)> &body) {
  auto op = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nb, Location, Value iv, ValueRange carried) {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        scf::YieldOp::create(b, loc, body(iv, carried));
      });
  return SmallVector<Value>(op.getResults());
}
