//===- attnrt/npy.h - NumPy .npy files, C++17 standard library only -*- C++ -*-===//
//
// The one .npy reader and writer of the project: attnrt-run (runtime only,
// no LLVM) and the compiler's runner (lib/Runner/Npy.cpp, which keeps its
// llvm::Error API on top) both use it. Reads format versions 1/2/3, C order,
// any simple dtype ("<f4", "|b1", ...: byte order, kind, size), so that a
// caller can report a mismatch against the dtype it expected. Writes
// version 1. Files are read and written with stdio (no iostreams: attnrt-run
// shares the runtime's rule).
//
//===----------------------------------------------------------------------===//

#ifndef ATTNRT_NPY_H
#define ATTNRT_NPY_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnrt {
namespace npy {

struct Array {
  std::string dtype;          ///< the header's 'descr', e.g. "<f4", "|b1".
  std::vector<int64_t> shape; ///< C order.
  std::vector<char> data;     ///< element bytes.
};

/// Bytes per element of a simple dtype ("<f4" -> 4); 0 if it is not one.
size_t dtypeBytes(const std::string &dtype);

/// A shape as NumPy prints it: "(1, 2, 3)", "(4,)", "()".
std::string shapeText(const std::vector<int64_t> &shape);

/// Product of the dimensions.
uint64_t elementCount(const std::vector<int64_t> &shape);

/// Parses the bytes of a .npy file. On failure returns false and sets `why`
/// (what is wrong, without the file name).
bool parse(const std::vector<char> &bytes, Array &out, std::string &why);

/// Reads and parses `path`; `why` as for parse (plus "cannot read file: ...").
bool read(const std::string &path, Array &out, std::string &why);

/// Writes `a` to `path` (format version 1); `why` says what failed.
bool write(const std::string &path, const Array &a, std::string &why);

} // namespace npy
} // namespace attnrt

#endif // ATTNRT_NPY_H
