//===- KernelBuilder.h - helpers for hand-built NVVM kernels ----*- C++ -*-===//
//
// The one IR builder of the kernel library. Every kernel (flash and SIMT
// attention, gathers, block means, top-k, checks, linalg payloads) is built
// directly as an NVVM-targeted llvm.func whose signature comes from the
// kernel's launch contract (KernelContract.h) and whose body uses arith/scf
// plus LLVM/NVVM ops; the gpu.module the kernels live in is then lowered by
// the attn-to-nvvm pipeline (scf -> cf -> LLVM). This class keeps those
// bodies short: typed constants, integer and f32 arithmetic, 64-bit address
// arithmetic, loads/stores through global or shared pointers, thread/block
// ids, guarded regions and loops.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_KERNELBUILDER_H
#define ATTN_KERNELS_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "attn/Kernels/KernelContract.h"

#include <functional>

namespace mlir {
namespace attn {

/// The gpu.module that holds the kernels (host launches refer to it).
constexpr llvm::StringLiteral kKernelModuleName = "attn_kernels";

/// Appends `gpu.module @attn_kernels` targeting `chip`/`features` (NVVM,
/// opt level 3) to `module` and marks `module` as a GPU container.
gpu::GPUModuleOp createKernelModule(ModuleOp module, StringRef chip,
                                    StringRef features);

/// Marks `fn` as a kernel for NVVM (nvvm.kernel, nvvm.maxntid) and for host
/// gpu.launch_func ops (gpu.kernel). Every emitter of this directory uses it.
void markKernel(LLVM::LLVMFuncOp fn, int maxThreads);

class KernelBuilder {
public:
  /// Creates `name` with the signature of `contract` (global pointers and
  /// i32s) in `module` as an NVVM kernel (and a gpu.kernel, so host
  /// gpu.launch_func ops verify against it) with at most `contract.threads`
  /// threads per block, and positions the builder in its entry block.
  /// `sharedSymbol` (if not empty) first declares an external dynamic
  /// shared-memory array of that name, aligned to `sharedAlign` bytes.
  KernelBuilder(OpBuilder &b, Location loc, gpu::GPUModuleOp module,
                StringRef name, const KernelContract &contract,
                StringRef sharedSymbol = "", int64_t sharedAlign = 16);
  /// Adds the terminator; the builder's insertion point is restored.
  void finish();

  LLVM::LLVMFuncOp func() { return fn; }
  Value arg(unsigned i) { return fn.getArgument(i); }

  // Constants and arithmetic (i32 or i64 operands of matching types).
  Value ci32(int64_t v);
  Value ci64(int64_t v);
  Value cf32(float v);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y); ///< Unsigned: operands are non-negative.
  Value rem(Value x, Value y);
  Value minS(Value x, Value y);
  Value maxS(Value x, Value y);
  Value cmp(arith::CmpIPredicate p, Value x, Value y);
  Value select(Value c, Value x, Value y);
  Value andI(Value x, Value y);
  Value toI64(Value x); ///< Sign-extends an i32.
  /// ceil(x / d) as (x - 1) / d + 1 for x >= 1 of x's type: no overflow near
  /// the type's maximum.
  Value ceilDivPos(Value x, int64_t d);
  // f32 arithmetic.
  Value fadd(Value x, Value y);
  Value fmul(Value x, Value y);
  Value exp2(Value x);
  /// ex2.approx.ftz.f32: one MUFU.EX2. exp2() (llvm.exp2, ex2.approx.f32
  /// without ftz) costs a compare, two predicated multiplies and the MUFU
  /// per element; the tensor-core kernels' softmax, issue-bound, uses this
  /// (results below 2^-126 flush to 0, as in FlashAttention).
  Value exp2Ftz(Value x);
  /// lg2.approx.f32 (relative error < 2^-22; llvm.log2 has no NVPTX
  /// lowering without fast-math flags).
  Value log2Approx(Value x);
  /// A softmax row's natural log-sum-exp from its running max `m` (in
  /// log2 units: scale * log2(e) * q.k) and its sum `l` of exp2(s - m):
  /// (m + log2 l) * ln 2, and -inf where l == 0 (no valid key). log2 is
  /// lg2.approx.f32 (relative error < 2^-22).
  Value rowLse(Value m, Value l);
  /// Inline PTX with a `res`-typed result (null: none); `sideEffects` keeps
  /// it in program order and alive without uses.
  Value inlineAsm(StringRef text, StringRef constraints, ValueRange operands,
                  Type res, bool sideEffects);
  /// Inline PTX without side effects (CSE'd, dropped when unused).
  Value inlinePure(StringRef text, StringRef constraints, ValueRange operands,
                   Type res) {
    return inlineAsm(text, constraints, operands, res, /*sideEffects=*/false);
  }
  Type i1() { return b.getI1Type(); }
  /// The i1 constant true.
  Value cTrue() { return arith::ConstantIntOp::create(b, loc, i1(), 1); }

  // Warp collectives (every lane of the warp must execute them; sm_80+).
  /// redux.sync.add.u32: the sum of an i32 over the 32 lanes.
  Value warpSum(Value x);
  /// The sum of an f32 over the 32 lanes by shfl.bfly; every lane gets the
  /// same value (each step adds the same two operands on both partners).
  Value warpSumF32(Value x);
  /// vote.sync.ballot.b32 of `flag != 0` (an i32): bit l is lane l's vote.
  Value ballot(Value flag);
  /// %lanemask_lt: the bits of the lanes below this one.
  Value laneMaskLt();
  /// Number of set bits of an i32.
  Value popc(Value x);

  /// d = a*b + c on tensor cores: mma.sync m16n8k16 row.col, bf16 (`bf16`)
  /// or f16 operands as packed 32-bit registers (4 of A, 2 of B), f32
  /// accumulators (4 of c and d). Fragments as the PTX ISA gives them:
  /// lane = 4*g + t; A holds rows g, g+8 and columns 2t, 2t+1 (+8); B holds
  /// k rows 2t, 2t+1 (+8) of column g; C rows g, g+8, columns 2t, 2t+1.
  SmallVector<Value> mma16816(bool bf16, ArrayRef<Value> a, ArrayRef<Value> bm,
                              ArrayRef<Value> c);

  // Memory: element `index` (i64) of `type` from a global/shared pointer.
  Value at(Value base, Type type, Value index);
  Value load(Type type, Value base, Value index, unsigned align = 0);
  /// A load from an address made by at().
  Value loadFrom(Type type, Value addr, unsigned align = 0);
  void store(Value v, Value base, Value index, unsigned align = 0);
  /// The dynamic shared-memory array declared at construction.
  Value shared();

  // Thread geometry.
  Value tidX();
  Value bidX();
  Value bidY();
  Value bidZ();
  /// blockIdx.x * threads + threadIdx.x.
  Value globalX(int threads);
  void barrier();

  /// `then()` runs when `cond` holds.
  void ifThen(Value cond, const std::function<void()> &then);
  /// `then()` runs when `cond` holds, else `otherwise()`.
  void ifThenElse(Value cond, const std::function<void()> &then,
                  const std::function<void()> &otherwise);
  /// A value computed by one of two branches.
  Value ifElse(Value cond, Type type, const std::function<Value()> &then,
               const std::function<Value()> &otherwise);
  /// Values of `types` computed by one of two branches.
  SmallVector<Value>
  ifElse(Value cond, TypeRange types,
         const std::function<SmallVector<Value>()> &then,
         const std::function<SmallVector<Value>()> &otherwise);
  /// for (i = lb; i < ub; i += step) with loop-carried values.
  SmallVector<Value>
  loop(Value lb, Value ub, Value step, ValueRange init,
       const std::function<SmallVector<Value>(Value, ValueRange)> &body);

  OpBuilder &b;
  Location loc;
  Type i8, i32, i64, f32, ptr, sptr;

private:
  LLVM::LLVMFuncOp fn;
  std::string sharedName;
  OpBuilder::InsertPoint saved;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_KERNELBUILDER_H
