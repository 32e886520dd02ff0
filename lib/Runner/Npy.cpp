//===- Npy.cpp - NumPy .npy files for the tools (over attnrt/npy.h) -------===//

#include "attn/Runner/Npy.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir::attn;
using llvm::StringRef;

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t NpyArray::elementSize(const std::string &dtype) {
  if (dtype == "<f4" || dtype == "<i4")
    return 4;
  if (dtype == "<f2")
    return 2;
  if (dtype == "<i8")
    return 8;
  if (dtype == "|b1")
    return 1;
  return 0;
}

std::string NpyArray::shapeString() const { return npyShapeString(shape); }

std::string mlir::attn::npyShapeString(const std::vector<int64_t> &shape) {
  return attnrt::npy::shapeText(shape);
}

namespace {
llvm::Error fail(const std::string &path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + path + "': " + msg);
}
} // namespace

llvm::Expected<NpyArray> mlir::attn::readNpy(const std::string &path) {
  NpyArray arr;
  std::string why;
  if (!attnrt::npy::read(path, arr, why))
    return fail(path, why);
  return arr;
}

llvm::Error mlir::attn::checkOutputPaths(const std::vector<std::string> &paths) {
  llvm::StringSet<> seen;
  for (const std::string &p : paths) {
    llvm::SmallString<256> abs(p);
    llvm::sys::fs::make_absolute(abs);
    llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
    if (!seen.insert(abs).second)
      return fail(p, "given twice as --output");
    if (llvm::sys::fs::is_directory(p))
      return fail(p, "is a directory");
    StringRef parent = llvm::sys::path::parent_path(abs);
    if (!parent.empty() && !llvm::sys::fs::is_directory(parent))
      return fail(p, "cannot write: directory '" + parent + "' does not exist");
  }
  return llvm::Error::success();
}

llvm::Error mlir::attn::writeNpyFiles(const std::vector<std::string> &paths,
                                      const std::vector<NpyArray> &arrays) {
  if (llvm::Error e = checkOutputPaths(paths))
    return e;
  std::vector<std::string> temps;
  auto removeAll = [](const std::vector<std::string> &files) {
    for (const std::string &f : files)
      llvm::sys::fs::remove(f);
  };
  for (size_t i = 0; i < paths.size(); ++i) {
    temps.push_back(paths[i] + ".partial");
    std::string why;
    if (!attnrt::npy::write(temps.back(), arrays[i], why)) {
      removeAll(temps);
      return fail(paths[i], why);
    }
  }
  std::vector<std::string> moved;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (std::error_code ec = llvm::sys::fs::rename(temps[i], paths[i])) {
      // Leave no mix of new and old results: new files go, the rest stays.
      removeAll(moved);
      removeAll(std::vector<std::string>(temps.begin() + i, temps.end()));
      return fail(paths[i], "cannot move into place: " + ec.message());
    }
    moved.push_back(paths[i]);
  }
  return llvm::Error::success();
}
