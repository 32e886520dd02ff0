//===- Bridge.h - the compiler behind attn_mlir._native --------*- C++ -*-===//
//
// A std-only interface between the pybind11 module (compiled with exceptions
// and RTTI) and the compiler libraries (compiled with LLVM's flags, neither).
// Every function reports failure through its return value and `err`.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PYTHON_BRIDGE_H
#define ATTN_PYTHON_BRIDGE_H

#include <cstdint>
#include <string>
#include <vector>

namespace attnpy {

/// A C-order array: dtype is a .npy descriptor ("<f4", "<f2", "<i4", "<i8",
/// "|b1"); bf16 values travel as "<f4".
struct Array {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<char> data;
};

/// A tensor type of a function signature: element type as MLIR spells it
/// ("f32", "bf16", "i32", ...) and shape (-1 for dynamic dimensions).
struct TensorInfo {
  std::string element;
  std::vector<int64_t> shape;
};

/// Parses and verifies `ir`; on failure `err` holds the diagnostics with
/// line:column positions in the text.
bool verify(const std::string &ir, std::string &err);

/// The argument and result types of function `entry`.
bool signature(const std::string &ir, const std::string &entry,
               std::vector<TensorInfo> &args, std::vector<TensorInfo> &results,
               std::string &err);

/// attn-to-cpu on `entry`: the LLVM-dialect module as text.
bool lowerForCpu(const std::string &ir, const std::string &entry,
                 std::string &lowered, std::string &err);

/// A JIT-compiled function (owns its MLIR context).
class CpuProgram;

/// Compiles `entry` of `ir`; with `lowered` (from lowerForCpu) non-null, the
/// attn-to-cpu pipeline is skipped and only the JIT runs.
CpuProgram *createCpuProgram(const std::string &ir, const std::string &entry,
                             const std::string *lowered, std::string &err);
/// Checks the inputs (count, dtype, shape, index-table values) and runs.
bool runCpuProgram(CpuProgram *p, std::vector<Array> inputs,
                   std::vector<Array> &outputs, std::string &err);
void destroyCpuProgram(CpuProgram *p);

/// The chips the GPU path compiles for (attn::gpuChips()), in order.
std::vector<std::string> gpuChips();

/// attn-compile: writes the GPU artifact of `entry` into `outDir`.
bool compileArtifact(const std::string &ir, const std::string &entry,
                     const std::string &outDir, const std::string &chip,
                     const std::string &ptxas, std::string &err);

} // namespace attnpy

#endif // ATTN_PYTHON_BRIDGE_H
