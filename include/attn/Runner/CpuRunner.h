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

#include <memory>

namespace mlir {
class ExecutionEngine;
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

/// The passes lowerForCpu runs: attn-to-cpu, optionally after attn-optimize
/// and optionally without attn-reuse-buffers (to check the optimized code
/// against the reference, pass by pass).
struct CpuPipelineOptions {
  bool optimize = false;    ///< Run attn-optimize before attn-to-cpu.
  bool reuseBuffers = true; ///< attn-to-cpu's reuse-buffers option.
};

struct CpuRunOptions {
  unsigned repeat = 1; ///< Runs of the compiled function (timing).
  CpuPipelineOptions pipeline;
};

struct CpuRunResult {
  std::vector<NpyArray> outputs;
  double compileSeconds = 0;
  std::vector<double> runSeconds;
};

/// Lowers `entry` of (a clone of) `module` through attn-to-cpu, with a
/// memref-level C-interface wrapper around it, to an LLVM-dialect module that
/// CpuExecutable::create JIT-compiles. The lowered module can be printed and
/// parsed back (the Python package caches it on disk).
llvm::Expected<OwningOpRef<ModuleOp>>
lowerForCpu(ModuleOp module, StringRef entry,
            const CpuPipelineOptions &pipeline = CpuPipelineOptions());

/// A JIT-compiled entry function: compile once, run many times.
class CpuExecutable {
public:
  /// JIT-compiles `lowered` (from lowerForCpu) for the signature of `entry`
  /// (the function of the original module that was lowered).
  static llvm::Expected<std::unique_ptr<CpuExecutable>>
  create(ModuleOp lowered, func::FuncOp entry);
  ~CpuExecutable();

  /// Runs once on `inputs`, which must already pass checkInputs and
  /// checkIndexInputs for the entry. `seconds`, if given, receives the time.
  llvm::Expected<std::vector<NpyArray>> run(ArrayRef<NpyArray> inputs,
                                            double *seconds = nullptr);

  struct Slot {
    std::vector<int64_t> shape; ///< ShapedType::kDynamic for a dynamic dim.
    unsigned bytes = 0; ///< Element bytes in memory (bf16: 2).
    bool bf16 = false;  ///< Carried as f32 outside (rounded to nearest even).
    std::string npyDtype;
  };

private:
  CpuExecutable() = default;
  std::unique_ptr<ExecutionEngine> engine;
  std::vector<Slot> args, results;
  /// Some result has a dynamic dim: the entry wrapper returns the results as
  /// memrefs that the JIT code allocated (their shapes are known only after
  /// the run) instead of writing them into buffers sized here.
  bool returnsResults = false;
};

/// Compiles `entry` of (a clone of) `module` through attn-to-cpu and runs it.
llvm::Expected<CpuRunResult> runOnCpu(ModuleOp module, StringRef entry,
                                      ArrayRef<NpyArray> inputs,
                                      const CpuRunOptions &options);

} // namespace attn
} // namespace mlir

#endif // ATTN_RUNNER_CPURUNNER_H
