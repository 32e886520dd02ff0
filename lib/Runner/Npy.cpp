//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "attn/Runner/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

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
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

namespace {
llvm::Error fail(const std::string &path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + path + "': " + msg);
}

/// Finds `'key': value` in the header dict and returns the raw value text.
std::optional<StringRef> dictValue(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}
} // namespace

llvm::Expected<NpyArray> mlir::attn::readNpy(const std::string &path) {
  auto bufOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!bufOr)
    return fail(path, "cannot read file: " + bufOr.getError().message());
  StringRef buf = (*bufOr)->getBuffer();
  if (buf.size() < 10 || !buf.starts_with("\x93NUMPY"))
    return fail(path, "not a .npy file (bad magic)");
  uint8_t major = buf[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(buf[8]) | (uint8_t(buf[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (buf.size() < 12)
      return fail(path, "truncated header");
    headerLen = uint32_t(uint8_t(buf[8])) | (uint32_t(uint8_t(buf[9])) << 8) |
                (uint32_t(uint8_t(buf[10])) << 16) |
                (uint32_t(uint8_t(buf[11])) << 24);
    headerStart = 12;
  } else {
    return fail(path, "unsupported .npy version " + llvm::Twine(int(major)));
  }
  if (headerStart + headerLen > buf.size())
    return fail(path, "truncated header");
  StringRef header = buf.substr(headerStart, headerLen);

  NpyArray arr;
  auto descr = dictValue(header, "descr");
  if (!descr || descr->size() < 2 || (*descr)[0] != '\'')
    return fail(path, "header has no 'descr'");
  arr.dtype = descr->drop_front().split('\'').first.str();
  // Any simple dtype (byte order, kind, size) is read, so that a mismatch
  // can be reported against the argument that expected another one.
  size_t elementBytes = NpyArray::elementSize(arr.dtype);
  StringRef d = arr.dtype;
  if (!elementBytes && d.size() >= 3 && StringRef("<>|=").contains(d[0]) &&
      llvm::isAlpha(d[1]))
    if (d.drop_front(2).getAsInteger(10, elementBytes) || elementBytes > 64)
      elementBytes = 0;
  if (!elementBytes)
    return fail(path, "unsupported dtype '" + arr.dtype +
                          "' (supported: <f4 <f2 <i4 <i8 |b1)");
  auto fortran = dictValue(header, "fortran_order");
  if (!fortran)
    return fail(path, "header has no 'fortran_order'");
  if (fortran->starts_with("True"))
    return fail(path, "Fortran-order arrays are not supported");
  auto shape = dictValue(header, "shape");
  if (!shape || !shape->starts_with("("))
    return fail(path, "header has no 'shape'");
  StringRef dims = shape->drop_front().split(')').first;
  if (shape->find(')') == StringRef::npos)
    return fail(path, "malformed 'shape'");
  while (!dims.trim().empty()) {
    auto [dim, rest] = dims.split(',');
    dim = dim.trim();
    int64_t d;
    if (dim.getAsInteger(10, d) || d < 0 || d > (int64_t(1) << 40))
      return fail(path, "malformed 'shape' entry '" + dim + "'");
    arr.shape.push_back(d);
    dims = rest;
  }
  // Guard the byte count against overflow before comparing with the file.
  __int128 bytes = elementBytes;
  for (int64_t d : arr.shape) {
    bytes *= d;
    if (bytes > (__int128(1) << 44))
      return fail(path, "array too large");
  }
  size_t dataStart = headerStart + headerLen;
  if (buf.size() - dataStart != size_t(bytes))
    return fail(path, "expected " + llvm::Twine(int64_t(bytes)) +
                          " data bytes for dtype " + arr.dtype + " and shape " +
                          arr.shapeString() + ", found " +
                          llvm::Twine(buf.size() - dataStart) +
                          " (truncated or corrupt file)");
  arr.data.assign(buf.begin() + dataStart, buf.end());
  if (arr.dtype == "|b1")
    for (char c : arr.data)
      if (c != 0 && c != 1)
        return fail(path, "boolean array holds a byte other than 0 or 1");
  return arr;
}

static llvm::Error writeOne(const std::string &path, const std::string &shown,
                            const NpyArray &arr) {
  std::string header = "{'descr': '" + arr.dtype +
                       "', 'fortran_order': False, 'shape': " +
                       arr.shapeString() + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return fail(shown, "cannot write: " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(arr.data.data(), arr.data.size());
  os.close();
  if (os.has_error())
    return fail(shown, "write failed: " + os.error().message());
  return llvm::Error::success();
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
    if (llvm::Error e = writeOne(temps.back(), paths[i], arrays[i])) {
      removeAll(temps);
      return e;
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
