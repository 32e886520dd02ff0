//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// The tools' view of .npy files (the dtypes they accept: <f4 <f2 <i4 <i8 |b1,
// C order) and llvm::Error reporting, over the project's one .npy reader and
// writer (include/attnrt/npy.h, shared with attnrt-run). No LLVM/MLIR
// dependency beyond Support.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNNER_NPY_H
#define ATTN_RUNNER_NPY_H

#include "attnrt/npy.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
namespace attn {

/// dtype is "<f4", "<f2", "<i4", "<i8" or "|b1" for the tools; shape and
/// C-order element bytes as read.
struct NpyArray : attnrt::npy::Array {
  int64_t numElements() const;
  static size_t elementSize(const std::string &dtype); ///< 0 if unsupported.
  std::string shapeString() const;                     ///< "(1, 2, 3)".
};

/// A shape as NumPy prints it: "(1, 2, 3)", "(4,)".
std::string npyShapeString(const std::vector<int64_t> &shape);

/// Parses `path`; errors name the file and what is wrong with it. Any simple
/// dtype is read (so that callers can report a mismatch against what they
/// expected); elementSize() says which ones the tools can use.
llvm::Expected<NpyArray> readNpy(const std::string &path);

/// Checks output paths before anything runs: no path given twice, none a
/// directory, every parent directory present.
llvm::Error checkOutputPaths(const std::vector<std::string> &paths);

/// Writes all arrays or none: each goes to a temporary file first, and the
/// temporaries are renamed into place only once every one was written.
llvm::Error writeNpyFiles(const std::vector<std::string> &paths,
                          const std::vector<NpyArray> &arrays);

} // namespace attn
} // namespace mlir

#endif // ATTN_RUNNER_NPY_H
