//===- CpuRunner.h - run an attn function on the CPU ------------*- C++ -*-===//
//
// The engine behind `attn-run --device cpu`: checks the inputs against the
// entry function's signature (and the values of index tables against the
// ops they feed), wraps the entry in a memref-level C interface, runs the
// attn-to-cpu pipeline and JIT-executes it with MLIR's ExecutionEngine.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNNER_CPURUNNER_H
#define ATTN_RUNNER_CPURUNNER_H

#include "attn/Runner/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace mlir {
namespace attn {

/// Finds the entry function; errors list the functions that do exist.
llvm::Expected<func::FuncOp> findEntry(ModuleOp module, StringRef name);

/// Checks count, dtype and shape of `inputs` against the entry's arguments
/// (statically shaped tensors of f32/f16/bf16/i32/i64/i1). Errors name the
/// argument's position and the expected type.
llvm::Error checkInputs(func::FuncOp entry, ArrayRef<NpyArray> inputs);

/// Checks the values of index tables that reach attn ops straight from an
/// argument or a constant: kv_indices ids in [0, Nkv) and distinct within a
/// row's count, kv_counts in [0, K], block sizes in [0, block]. Bad input is
/// an error here, never an out-of-bounds read or a silently wrong answer.
llvm::Error checkIndexInputs(func::FuncOp entry, ArrayRef<NpyArray> inputs);

/// The .npy dtype that carries values of `elementType` ("<f4" for bf16).
std::string npyDtypeFor(Type elementType);

struct CpuRunOptions {
  unsigned repeat = 1; ///< Runs of the compiled function (timing).
};

struct CpuRunResult {
  std::vector<NpyArray> outputs;
  double compileSeconds = 0;
  std::vector<double> runSeconds;
};

/// Compiles `entry` of (a clone of) `module` through attn-to-cpu and runs it.
llvm::Expected<CpuRunResult> runOnCpu(ModuleOp module, StringRef entry,
                                      ArrayRef<NpyArray> inputs,
                                      const CpuRunOptions &options);

} // namespace attn
} // namespace mlir

#endif // ATTN_RUNNER_CPURUNNER_H
