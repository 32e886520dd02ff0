//===- Plan.cpp - an artifact's launch plan, parsed and validated ---------===//
//
// Files are read with stdio (no iostreams: the library is loaded into
// processes whose own C++ runtime's locale state clashes with them).
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include "Error.h"
#include "attnrt/abi.h"
#include "attnrt/attnrt.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace attnrt;

/// Bytes per element of a plan dtype; 0 for an unknown one.
uint64_t attnrt::elementBytes(const std::string &dtype) {
  if (dtype == "bf16" || dtype == "f16")
    return 2;
  if (dtype == "f32" || dtype == "i32")
    return 4;
  if (dtype == "i1")
    return 1;
  return 0;
}

uint64_t Tensor::bytes() const {
  uint64_t n = elementBytes(dtype);
  for (int64_t d : shape)
    n *= uint64_t(d);
  return n;
}

namespace {

bool readFile(const std::string &path, std::string &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  out.clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos)
      end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// Whitespace-separated words of a line.
std::vector<std::string> words(const std::string &line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r') {
      if (!cur.empty())
        out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty())
    out.push_back(cur);
  return out;
}

/// A decimal integer (optional leading '-'), whole string, no overflow.
bool parseInt(const std::string &s, int64_t &v) {
  size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() - i > 18)
    return false;
  for (size_t k = i; k < s.size(); ++k)
    if (s[k] < '0' || s[k] > '9')
      return false;
  v = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

/// A non-negative decimal integer (digits only).
bool parseCount(const std::string &s, int64_t &v) {
  return !s.empty() && s[0] != '-' && parseInt(s, v);
}

bool parseList(const std::string &s, std::vector<int64_t> &out) {
  out.clear();
  for (const std::string &item : split(s, ',')) {
    int64_t v;
    if (!parseCount(item, v))
      return false;
    out.push_back(v);
  }
  return !out.empty();
}

/// A comma-separated list of sizes: numbers or expressions over `names`.
bool parseExprList(const std::string &s, const std::vector<std::string> &names,
                   std::vector<Expr> &out, std::string &why) {
  out.clear();
  for (const std::string &item : split(s, ',')) {
    Expr e;
    if (!Expr::parse(item, names, e, why))
      return false;
    out.push_back(e);
  }
  return !out.empty();
}

bool parseParam(const std::string &p, const std::vector<std::string> &names, Param &out,
                std::string &why);

/// The sizes of a tensor map (evaluated) against what TMA takes with
/// 128-byte swizzle; "" when they fit.
std::string mapProblem(const Param &p) {
  const std::string shape = [&] {
    std::string t;
    for (int i = 0; i < p.mapRank; ++i)
      t += (i ? "," : "") + p.mapDimExprs[i].text;
    return t;
  }();
  const int64_t *dims = p.mapDims;
  if (p.hasSlab) {
    // The outermost stride must hold one slab of the inner dimensions.
    uint64_t inner = 1;
    for (int i = 0; i + 1 < p.mapRank; ++i)
      inner *= uint64_t(dims[i]);
    const uint64_t bytes = uint64_t(p.mapSlab) * elementBytes(p.mapDtype);
    if (p.mapSlab < 0 || uint64_t(p.mapSlab) < inner || bytes % 16 ||
        bytes >= (uint64_t(1) << 40))
      return "tensor map slab stride " + std::to_string(p.mapSlab) + " of '" + shape +
             "': it must hold the inner dimensions (" + std::to_string(inner) +
             " elements) and be a multiple of 16 bytes below 2^40";
  }
  if (!p.explicitBox) {
    if (dims[0] % 64 || dims[0] < 64 || dims[1] < 1 || dims[2] < 1 || dims[0] > (int64_t(1) << 20) ||
        dims[1] > (int64_t(1) << 31) || dims[2] > (int64_t(1) << 31))
      return "tensor map shape '" + shape +
             "': D must be a positive multiple of 64, S and N in [1, 2^31]";
    return "";
  }
  for (int i = 0; i < p.mapRank; ++i)
    if (dims[i] < 1 || dims[i] > (int64_t(1) << 32))
      return "tensor map shape '" + shape + "': sizes must be in [1, 2^32]";
  // Global strides (contiguous: each the product of the sizes inside it)
  // must be multiples of 16 bytes and below 2^40.
  uint64_t stride = elementBytes(p.mapDtype);
  for (int i = 1; i < p.mapRank; ++i) {
    bool overflow = __builtin_mul_overflow(stride, uint64_t(dims[i - 1]), &stride);
    if (overflow || stride % 16 || stride >= (uint64_t(1) << 40))
      return "tensor map shape '" + shape + "': stride " + std::to_string(i) + " is " +
             (overflow ? std::string("over 2^64") : std::to_string(stride)) +
             " bytes; TMA strides must be multiples of 16 below 2^40";
  }
  return "";
}

/// The box and shape of `tmap:BUF:DTYPE:D0,...,Dr-1:box=B0,...,Br-1` (after
/// `box=`): what cuTensorMapEncodeTiled takes with 128-byte swizzle, checked
/// here so that a bad map fails the load instead of the first run.
bool parseExplicitMap(const std::string &shape, const std::string &boxText,
                      const std::vector<std::string> &names, Param &out, std::string &why) {
  std::vector<Expr> dims;
  std::vector<int64_t> box;
  std::string problem;
  if (!parseExprList(shape, names, dims, problem) || dims.empty() || dims.size() > 5)
    return why = "tensor map shape '" + shape + "' is not a list of 1 to 5 sizes" +
                 (problem.empty() ? "" : " (" + problem + ")"), false;
  if (!parseList(boxText, box) || box.size() != dims.size())
    return why = "tensor map box '" + boxText + "' is not " + std::to_string(dims.size()) +
                 " sizes, one per dimension of '" + shape + "'", false;
  for (int64_t b : box)
    if (b < 1 || b > 256)
      return why = "tensor map box '" + boxText + "': sizes must be in [1, 256]", false;
  const uint64_t e = elementBytes(out.mapDtype);
  if ((uint64_t(box[0]) * e) % 16 || uint64_t(box[0]) * e > 128)
    return why = "tensor map box '" + boxText + "': the inner size is " +
                 std::to_string(uint64_t(box[0]) * e) +
                 " bytes; with 128-byte swizzle it must be a multiple of 16, at most 128",
           false;
  out.explicitBox = true;
  out.mapRank = int(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    out.mapDimExprs[i] = dims[i];
    out.mapBox[i] = box[i];
  }
  return true;
}

/// A `tmap:` parameter (docs/ARTIFACT.md): BUF itself one of the buffer
/// kinds, then the old 3-D form `D,S,N:ROWS` or an explicit box.
bool parseTensorMap(const std::string &p, const std::vector<std::string> &names, Param &out,
                    std::string &why) {
  std::vector<std::string> w = split(p.substr(5), ':');
  if (w.size() == 6) {
    // A slab of a larger tensor: the outermost stride, in elements.
    std::string problem;
    if (w[5].compare(0, 5, "slab=") != 0 ||
        !Expr::parse(w[5].substr(5), names, out.mapSlabExpr, problem))
      return why = "tensor map slab '" + w[5] + "' is not slab=ELEMENTS" +
                   (problem.empty() ? "" : " (" + problem + ")"), false;
    w.pop_back();
    Expr slab = out.mapSlabExpr;
    bool ok = parseTensorMap("tmap:" + w[0] + ":" + w[1] + ":" + w[2] + ":" + w[3] + ":" + w[4],
                             names, out, why);
    out.text = p;
    out.hasSlab = true;
    out.mapSlabExpr = slab;
    out.mapSlab = slab.isConstant() ? slab.constant() : 0;
    return ok;
  }
  if (w.size() != 5)
    return why = "expected tmap:BUF:DTYPE:D,S,N:ROWS or tmap:BUF:DTYPE:D0,...:box=B0,... "
                 "(then optionally :slab=ELEMENTS)",
           false;
  std::vector<Expr> dims;
  int64_t rows = 0;
  if (!parseParam(w[0] + ":" + w[1], names, out, why))
    return why = "tensor map buffer: " + why, false;
  out.text = p;
  if (!out.isBuffer())
    return why = "a tensor map needs an arg, result, const or scratch buffer", false;
  if (w[2] != "bf16" && w[2] != "f16")
    return why = "tensor map dtype '" + w[2] + "' is not bf16 or f16", false;
  out.tensorMap = true;
  out.mapDtype = w[2];
  if (w[4].compare(0, 4, "box=") == 0)
    return parseExplicitMap(w[3], w[4].substr(4), names, out, why);
  std::string problem;
  if (!parseExprList(w[3], names, dims, problem) || dims.size() != 3)
    return why = "tensor map shape '" + w[3] +
                 "' is not D,S,N (other ranks give their box: D0,...:box=B0,...)" +
                 (problem.empty() ? "" : " (" + problem + ")"), false;
  if (!parseCount(w[4], rows) || rows < 1 || rows > 256)
    return why = "tensor map box rows '" + w[4] + "' is not in [1, 256]", false;
  out.mapRank = 3;
  for (int i = 0; i < 3; ++i)
    out.mapDimExprs[i] = dims[i];
  out.mapBox[0] = 64;
  out.mapBox[1] = rows;
  out.mapBox[2] = 1;
  return true;
}

/// One launch parameter as written (docs/ARTIFACT.md); `why` says what is
/// wrong with a malformed one.
bool parseParam(const std::string &p, const std::vector<std::string> &names, Param &out,
                std::string &why) {
  out = Param();
  out.text = p;
  if (p.compare(0, 5, "tmap:") == 0)
    return parseTensorMap(p, names, out, why);
  if (p == "null") {
    out.kind = Param::Null;
    return true;
  }
  if (p == "err") {
    out.kind = Param::Err;
    return true;
  }
  size_t colon = p.find(':');
  std::string kind = p.substr(0, colon), rest;
  if (colon != std::string::npos)
    rest = p.substr(colon + 1);
  if (kind == "i32" && colon != std::string::npos) {
    out.kind = Param::I32;
    if (parseInt(rest, out.value)) {
      if (out.value < INT32_MIN || out.value > INT32_MAX)
        return why = "'" + rest + "' is not a 32-bit integer", false;
      out.valueExpr = Expr(out.value);
      return true;
    }
    std::string problem;
    if (!Expr::parse(rest, names, out.valueExpr, problem))
      return why = "'" + rest + "' is not a 32-bit integer or a size expression (" + problem +
                   ")", false;
    return true;
  }
  if (kind == "f32" && colon != std::string::npos) {
    out.kind = Param::F32;
    char *end = nullptr;
    out.f = std::strtof(rest.c_str(), &end);
    if (rest.empty() || *end)
      return why = "'" + rest + "' is not a decimal number", false;
    return true;
  }
  if (kind == "arg")
    out.kind = Param::Arg;
  else if (kind == "result")
    out.kind = Param::Result;
  else if (kind == "const")
    out.kind = Param::Const;
  else if (kind == "scratch")
    out.kind = Param::Scratch;
  else if (colon == std::string::npos && p.find('+') != std::string::npos &&
           (p.compare(0, 3, "err") == 0 || p.compare(0, 4, "null") == 0))
    return why = "only arg, result, const and scratch take a byte offset", false;
  else
    return why = "unknown parameter kind", false;
  if (colon == std::string::npos)
    return why = "expected " + kind + ":N", false;
  size_t plus = rest.find('+');
  std::string index = rest.substr(0, plus);
  if (!parseCount(index, out.value))
    return why = "index '" + index + "' is not a number", false;
  if (plus != std::string::npos) {
    std::string off = rest.substr(plus + 1);
    int64_t o = 0;
    if (!parseCount(off, o))
      return why = "offset '" + off + "' is not a byte count", false;
    out.offset = uint64_t(o);
  }
  return true;
}

/// `sm_<X><Y>` or `sm_<X><Y>a` (X one or two digits, Y one digit).
bool parseChip(const std::string &s, Chip &out) {
  size_t n = s.size();
  bool a = n > 0 && s[n - 1] == 'a';
  std::string digits = s.compare(0, 3, "sm_") == 0 ? s.substr(3, n - 3 - a) : "";
  if (digits.size() < 2 || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out.name = s;
  out.major = std::atoi(digits.substr(0, digits.size() - 1).c_str());
  out.minor = digits.back() - '0';
  out.archSpecific = a;
  return true;
}

/// Little-endian fields of an ELF file (the host is little-endian too, as
/// the cubin's EI_DATA is checked to be).
uint64_t field(const std::string &s, uint64_t at, int bytes) {
  uint64_t v = 0;
  std::memcpy(&v, s.data() + at, bytes);
  return v;
}

/// Why `img` is not a complete 64-bit CUDA ELF (cubin), or "". The driver
/// reads a cubin's length from its own headers, so a truncated one would be
/// read past the end of our buffer: every header table, section and segment
/// must lie inside the file.
std::string cubinProblem(const std::string &img) {
  const uint64_t size = img.size();
  const std::string has = ", the file has " + std::to_string(size) + " bytes";
  if (size < 64)
    return "shorter than an ELF header (" + std::to_string(size) + " bytes)";
  if (img.compare(0, 4, "\x7f" "ELF") != 0)
    return "not an ELF file (bad magic)";
  if (img[4] != 2 || img[5] != 1)
    return "not a 64-bit little-endian ELF file";
  if (uint64_t machine = field(img, 18, 2); machine != 190)
    return "ELF machine " + std::to_string(machine) + " is not CUDA (190)";
  // A table of `num` entries of `entSize` bytes at `off`, each naming a
  // range (offset at +offAt, size at +sizeAt) that must lie in the file.
  auto table = [&](const char *what, uint64_t off, uint64_t num, uint64_t entSize,
                   uint64_t wantSize, int offAt, int sizeAt, bool sections) -> std::string {
    if (num == 0)
      return "";
    if (entSize != wantSize)
      return std::string(what) + " entries of " + std::to_string(entSize) + " bytes (expected " +
             std::to_string(wantSize) + ")";
    if (off > size || num * entSize > size - off)
      return std::string(what) + " table ends at byte " + std::to_string(off + num * entSize) +
             has;
    for (uint64_t i = 0; i < num; ++i) {
      uint64_t e = off + i * entSize;
      // Sections of type NULL (0) and NOBITS (8) occupy no file bytes.
      uint64_t type = field(img, e, 4);
      if (sections && (type == 0 || type == 8))
        continue;
      uint64_t at = field(img, e + offAt, 8), len = field(img, e + sizeAt, 8);
      if (at > size || len > size - at)
        return std::string(what) + " " + std::to_string(i) + " ends at byte " +
               std::to_string(at + len) + has;
    }
    return "";
  };
  if (field(img, 60, 2) == 0)
    return "no section headers";
  std::string p = table("section", field(img, 40, 8), field(img, 60, 2), field(img, 58, 2), 64,
                        24, 32, true);
  if (p.empty())
    p = table("segment", field(img, 32, 8), field(img, 56, 2), field(img, 54, 2), 56, 8, 32,
              false);
  return p;
}

/// Why `img` cannot be whole PTX text, or "": PTX is handed to the driver as
/// a C string, so a NUL byte would cut it silently; a file cut short ends
/// inside a `{` block. Comments (// and /* */) and "strings" are skipped.
/// (The test fixtures' fake images are not PTX but pass these checks.)
std::string ptxProblem(const std::string &img) {
  if (img.empty())
    return "the file is empty";
  size_t nul = img.find('\0');
  if (nul != std::string::npos)
    return "a NUL byte at offset " + std::to_string(nul) + " (not PTX text)";
  std::vector<int> open; // the line of each unclosed '{'
  int line = 1;
  for (size_t i = 0; i < img.size(); ++i) {
    char c = img[i];
    if (c == '\n') {
      ++line;
    } else if (c == '/' && i + 1 < img.size() && img[i + 1] == '/') {
      i = img.find('\n', i);
      if (i == std::string::npos)
        break;
      --i;
    } else if (c == '/' && i + 1 < img.size() && img[i + 1] == '*') {
      size_t end = img.find("*/", i + 2);
      if (end == std::string::npos)
        return "a /* comment of line " + std::to_string(line) + " is never closed";
      for (size_t k = i; k < end; ++k)
        line += img[k] == '\n';
      i = end + 1;
    } else if (c == '"') {
      size_t end = img.find_first_of("\"\n", i + 1);
      if (end == std::string::npos || img[end] != '"')
        return "a string of line " + std::to_string(line) + " is never closed";
      i = end;
    } else if (c == '{') {
      open.push_back(line);
    } else if (c == '}') {
      if (open.empty())
        return "a '}' on line " + std::to_string(line) + " closes nothing";
      open.pop_back();
    }
  }
  if (!open.empty())
    return "the '{' of line " + std::to_string(open.back()) + " is never closed";
  return "";
}

/// Checks what the plan's lines bind once every line is read; returns the
/// problem, or "" when the plan is consistent.
std::string validate(const Plan &plan, const Sized &a, const Launch &l, bool sized = true) {
  std::string where = "line " + std::to_string(l.line) + ": " +
                      (l.isCheck ? "check '" : "launch '") + l.kernel + "' ";
  for (const Param &p : l.params) {
    if (p.tensorMap && sized) {
      std::string problem = mapProblem(p);
      if (!problem.empty())
        return "line " + std::to_string(l.line) + ": malformed parameter '" + p.text + "': " +
               problem;
    }
    const char *what = nullptr;
    size_t count = 0;
    uint64_t bytes = 0;
    if (p.kind == Param::Arg && p.value < int64_t(a.args.size()) &&
        a.args[p.value].dtype == "size")
      return where + "parameter '" + p.text + "' refers to arg " + std::to_string(p.value) +
             ", a size argument (a value, not a buffer)";
    switch (p.kind) {
    case Param::Arg: what = "arg"; count = a.args.size(); break;
    case Param::Result: what = "result"; count = a.results.size(); break;
    case Param::Const: what = "const"; count = plan.constData.size(); break;
    case Param::Scratch: what = "scratch"; count = a.scratchBytes.size(); break;
    case Param::Err:
      if (!l.isCheck)
        return where + "binds 'err', which only a check line may use";
      continue;
    default: continue;
    }
    if (p.value >= int64_t(count))
      return where + "parameter '" + p.text + "' refers to " + what + " " +
             std::to_string(p.value) + " but the plan declares " +
             (count == 0 ? std::string("none")
              : count == 1 ? std::string("only ") + what + " 0"
                           : std::string("only ") + what + " 0.." + std::to_string(count - 1));
    if (!sized)
      continue;
    switch (p.kind) {
    case Param::Arg: bytes = a.args[p.value].bytes(); break;
    case Param::Result: bytes = a.results[p.value].bytes(); break;
    case Param::Const: bytes = plan.constData[p.value].size(); break;
    default: bytes = a.scratchBytes[p.value]; break;
    }
    if (p.offset >= bytes && p.offset > 0)
      return where + "parameter '" + p.text + "': offset " + std::to_string(p.offset) +
             " is not inside " + what + " " + std::to_string(p.value) + " (" +
             std::to_string(bytes) + " bytes)";
    if (p.tensorMap) {
      // The map lets the kernel read all of its dims: they must fit.
      uint64_t need = elementBytes(p.mapDtype);
      bool overflow = false;
      if (p.hasSlab) {
        // (outer - 1) whole slabs, then one slab's inner dimensions.
        uint64_t inner = 1;
        for (int i = 0; i + 1 < p.mapRank; ++i)
          overflow |= __builtin_mul_overflow(inner, uint64_t(p.mapDims[i]), &inner);
        uint64_t slabs = 0;
        overflow |= __builtin_mul_overflow(uint64_t(p.mapSlab),
                                           uint64_t(p.mapDims[p.mapRank - 1] - 1), &slabs);
        overflow |= __builtin_add_overflow(slabs, inner, &slabs);
        overflow |= __builtin_mul_overflow(need, slabs, &need);
      } else {
        for (int i = 0; i < p.mapRank; ++i)
          overflow |= __builtin_mul_overflow(need, uint64_t(p.mapDims[i]), &need);
      }
      if (overflow || need > bytes - p.offset)
        return where + "tensor map '" + p.text + "' covers " + std::to_string(need) +
               " bytes but " + what + " " + std::to_string(p.value) + " has " +
               std::to_string(bytes - p.offset) + " from its offset";
    }
  }
  if (!l.isCheck || !sized)
    return "";
  // The check kernel's contract (attnrt/abi.h): IDX CNT err i32:ROWS i32:K
  // i32:NKV.
  const std::vector<Param> &ps = l.params;
  if (ps.size() != ATTNRT_CHECK_KV_NUM_PARAMS || !ps[ATTNRT_CHECK_KV_INDICES].isBuffer() ||
      !ps[ATTNRT_CHECK_KV_COUNTS].isBuffer() || ps[ATTNRT_CHECK_KV_ERR].kind != Param::Err ||
      ps[ATTNRT_CHECK_KV_ROWS].kind != Param::I32 || ps[ATTNRT_CHECK_KV_K].kind != Param::I32 ||
      ps[ATTNRT_CHECK_KV_NKV].kind != Param::I32)
    return where + "parameters must be 'IDX CNT err i32:ROWS i32:K i32:NKV' (IDX and CNT "
                   "buffers), got " + plural(ps.size(), "parameter");
  int64_t rows = l.dims[0] * l.dims[1] * l.dims[2];
  if (ps[ATTNRT_CHECK_KV_ROWS].value != rows)
    return where + "has ROWS " + std::to_string(ps[ATTNRT_CHECK_KV_ROWS].value) + " but dims " +
           std::to_string(l.dims[0]) + "," + std::to_string(l.dims[1]) + "," +
           std::to_string(l.dims[2]) + " make " + std::to_string(rows) + " rows";
  if (ps[ATTNRT_CHECK_KV_K].value < 0 || ps[ATTNRT_CHECK_KV_NKV].value < 0)
    return where + "has a negative K or NKV";
  return "";
}

} // namespace

namespace attnrt {

std::string chipMismatch(const Chip &chip, bool cubin, int major, int minor) {
  std::string want = std::to_string(chip.major) + "." + std::to_string(chip.minor);
  if (chip.archSpecific)
    return major == chip.major && minor == chip.minor
               ? ""
               : chip.name + " code runs only on compute capability " + want;
  // SASS runs on later minor versions of its major only; PTX is compiled by
  // the driver for any later chip.
  if (cubin)
    return major == chip.major && minor >= chip.minor
               ? ""
               : "a cubin for " + chip.name + " runs only on compute capability " + want +
                     " through " + std::to_string(chip.major) + ".9";
  return major > chip.major || (major == chip.major && minor >= chip.minor)
             ? ""
             : chip.name + " PTX needs compute capability " + want + " or newer";
}

bool loadPlan(const std::string &dir, Plan &out, std::string &why) {
  out = Plan();
  Plan *a = &out;
  std::string plan;
  auto bad = [&](const std::string &msg) {
    why = msg;
    return false;
  };
  if (!readFile(dir + "/plan.txt", plan))
    return bad("cannot read the file");
  std::string ptxFile, cubinFile;
  int lineNo = 0;
  bool header = false;
  std::vector<size_t> openLoops; // indices of the loop lines not yet closed
  for (const std::string &line : split(plan, '\n')) {
    ++lineNo;
    std::vector<std::string> w = words(line);
    std::string where = "line " + std::to_string(lineNo) + ": ";
    if (w.empty())
      continue;
    const std::string &key = w[0];
    int64_t n = 0;
    // `arg N`, `result N`, `const N`, `scratch N` are numbered in order.
    std::string problem;
    auto numbered = [&](size_t have) {
      if (!parseCount(w[1], n))
        return problem = where + key + ": index '" + w[1] + "' is not a number", false;
      if (n != int64_t(have))
        return problem = where + key + " " + w[1] + " is out of order (expected " + key +
                         " " + std::to_string(have) + ")",
               false;
      return true;
    };
    if (!header) {
      if (key != "attn-artifact" || w.size() != 2)
        return bad(where + "expected the header 'attn-artifact 3'");
      if (w[1] != "3")
        return bad(where + "artifact format version " + w[1] +
                   " is not supported: this runtime reads version 3 (recompile the "
                   "module with attn-compile)");
      header = true;
    } else if (key == "chip" && w.size() == 2) {
      if (!parseChip(w[1], a->chip))
        return bad(where + "chip '" + w[1] + "' is not sm_XY or sm_XYa (e.g. sm_80, sm_90a)");
    } else if (key == "ptx" && w.size() == 2) {
      ptxFile = w[1];
    } else if (key == "cubin" && w.size() == 2) {
      cubinFile = w[1];
    } else if (key == "arg" || key == "result") {
      std::vector<Tensor> &list = key == "arg" ? a->args : a->results;
      Tensor t;
      if (w.size() != 4)
        return bad(where + "malformed " + key + " (expected '" + key + " N DTYPE SHAPE')");
      if (!numbered(list.size()))
        return bad(problem);
      t.dtype = w[2];
      // `arg N size NAME`: a size given by value (a video grid's extent, a
      // top-k), not a buffer: its one "dimension" is the value.
      const bool isSize = key == "arg" && t.dtype == "size";
      if (!isSize && !elementBytes(t.dtype))
        return bad(where + key + " " + w[1] + " has unknown dtype '" + t.dtype +
                   "' (expected bf16, f16, f32, i32 or i1" +
                   (key == "arg" ? ", or size" : "") + ")");
      if (isSize && !isSizeName(w[3]))
        return bad(where + "arg " + w[1] + ": a size argument is one name, got '" + w[3] + "'");
      if (key == "arg") {
        // Numbers, or names: the first use of a name binds it to that
        // dimension's size at run time.
        std::vector<std::string> items = split(w[3], ',');
        for (size_t d = 0; d < items.size(); ++d) {
          int64_t v = 0;
          if (parseCount(items[d], v)) {
            t.dims.push_back(Expr(v));
            continue;
          }
          if (!isSizeName(items[d]))
            return bad(where + key + " " + w[1] + " has a malformed shape '" + w[3] + "'");
          size_t at = 0;
          while (at < a->names.size() && a->names[at] != items[d])
            ++at;
          if (at == a->names.size()) {
            a->names.push_back(items[d]);
            a->nameAt.push_back({int(list.size()), int(d)});
          }
          Expr e;
          Expr::parse(items[d], a->names, e, problem);
          t.dims.push_back(e);
        }
      } else if (!parseExprList(w[3], a->names, t.dims, problem)) {
        return bad(where + key + " " + w[1] + " has a malformed shape '" + w[3] + "'" +
                   (problem.empty() ? "" : ": " + problem));
      }
      if (t.dims.size() > ATTNRT_MAX_DIMS)
        return bad(where + key + " " + w[1] + " has rank " + std::to_string(t.dims.size()) +
                   " (at most " + std::to_string(ATTNRT_MAX_DIMS) + ")");
      for (const Expr &e : t.dims)
        t.shape.push_back(e.isConstant() ? e.constant() : -1);
      list.push_back(t);
    } else if (key == "const") {
      std::vector<int64_t> dims;
      std::string data;
      if (w.size() != 5 || w[3] != "i32" || !parseList(w[4], dims) ||
          w[2].find('/') != std::string::npos)
        return bad(where + "malformed const (expected 'const N FILE i32 SHAPE')");
      if (!numbered(a->constData.size()))
        return bad(problem);
      int64_t count = 1;
      for (int64_t d : dims)
        count *= d;
      if (!readFile(dir + "/" + w[2], data))
        return bad(where + "table '" + w[2] + "' is missing or not " +
                   std::to_string(count * 4) + " bytes");
      if (int64_t(data.size()) != count * 4)
        return bad(where + "table '" + w[2] + "' has " + std::to_string(data.size()) +
                   " bytes, expected " + std::to_string(count * 4) +
                   " (truncated or corrupt file)");
      a->constData.push_back(data);
    } else if (key == "scratch") {
      Expr bytes;
      if (w.size() != 3)
        return bad(where + "malformed scratch (expected 'scratch N BYTES')");
      if (!numbered(a->scratchBytes.size()))
        return bad(problem);
      if (!Expr::parse(w[2], a->names, bytes, problem) ||
          (bytes.isConstant() && (bytes.constant() <= 0 || bytes.constant() > (int64_t(1) << 44))))
        return bad(where + "scratch " + w[1] + ": size '" + w[2] +
                   "' is not a positive byte count" + (problem.empty() ? "" : " (" + problem + ")"));
      a->scratchBytes.push_back(bytes);
    } else if (key == "loop" || key == "end") {
      Launch l;
      l.line = lineNo;
      int64_t trips = 0;
      if (key == "loop") {
        if (w.size() != 2 || !parseCount(w[1], trips) || trips < 0 || trips > INT32_MAX)
          return bad(where + "malformed loop (expected 'loop TRIPS')");
        l.loopTrips = trips;
        l.kernel = "loop";
        openLoops.push_back(a->launches.size());
      } else {
        if (w.size() != 1)
          return bad(where + "malformed end (expected 'end')");
        if (openLoops.empty())
          return bad(where + "'end' without a 'loop'");
        l.loopEnd = true;
        l.kernel = "end";
        l.match = openLoops.back();
        a->launches[openLoops.back()].match = a->launches.size();
        openLoops.pop_back();
      }
      a->launches.push_back(l);
    } else if (key == "launch" || key == "check") {
      // KEY NAME grid X,Y,Z block X,Y,Z smem N params P... [dims B,H,N]
      Launch l;
      l.isCheck = key == "check";
      l.line = lineNo;
      std::vector<Expr> g;
      std::vector<int64_t> b;
      if (w.size() < 9 || w[2] != "grid" || !parseExprList(w[3], a->names, g, problem) ||
          g.size() != 3 ||
          w[4] != "block" || !parseList(w[5], b) || b.size() != 3 || w[6] != "smem" ||
          !Expr::parse(w[7], a->names, l.smemExpr, problem) ||
          (l.smemExpr.isConstant() &&
           (l.smemExpr.constant() < 0 || l.smemExpr.constant() > INT32_MAX)) ||
          w[8] != "params")
        return bad(where + "malformed " + key + " (expected '" + key +
                   " KERNEL grid X,Y,Z block X,Y,Z smem BYTES params P..." +
                   (l.isCheck ? " dims B,H,N" : "") + "')" +
                   (problem.empty() ? "" : ": " + problem));
      l.kernel = w[1];
      l.smem = l.smemExpr.isConstant() ? unsigned(l.smemExpr.constant()) : 0;
      for (int k = 0; k < 3; ++k) {
        if ((g[k].isConstant() && (g[k].constant() < 1 || g[k].constant() > UINT32_MAX)) ||
            b[k] < 1 || b[k] > 1024)
          return bad(where + key + " '" + l.kernel + "' has an empty or oversized grid or block");
        l.gridExprs[k] = g[k];
        l.block[k] = unsigned(b[k]);
      }
      size_t end = w.size();
      if (l.isCheck) {
        size_t at = 9;
        while (at < w.size() && w[at] != "dims")
          ++at;
        std::vector<Expr> dims;
        if (at == w.size())
          return bad(where + "check '" + l.kernel + "' has no 'dims B,H,N' after its parameters");
        if (at + 2 != w.size() || !parseExprList(w[at + 1], a->names, dims, problem) ||
            dims.size() != 3)
          return bad(where + "check '" + l.kernel + "': malformed dims (expected 'dims B,H,N' "
                     "at the end of the line)");
        for (int k = 0; k < 3; ++k)
          l.dimExprs[k] = dims[k];
        end = at;
      }
      for (size_t i = 9; i < end; ++i) {
        Param param;
        if (!parseParam(w[i], a->names, param, problem))
          return bad(where + "malformed parameter '" + w[i] + "': " + problem);
        l.params.push_back(param);
      }
      a->launches.push_back(l);
    } else if (key == "assert") {
      // assert LHS OP RHS TEXT...
      Assertion as;
      as.line = lineNo;
      if (w.size() < 5 || (w[2] != "==" && w[2] != "!=" && w[2] != "<=" && w[2] != "<" &&
                           w[2] != ">=" && w[2] != ">"))
        return bad(where + "malformed assert (expected 'assert LHS OP RHS TEXT...' with OP "
                   "one of == != <= < >= >)");
      if (!Expr::parse(w[1], a->names, as.lhs, problem) ||
          !Expr::parse(w[3], a->names, as.rhs, problem))
        return bad(where + "malformed assert: " + problem);
      as.op = w[2];
      for (size_t i = 4; i < w.size(); ++i)
        as.text += (i > 4 ? " " : "") + w[i];
      a->assertions.push_back(as);
    } else {
      return bad(where + "unknown or malformed key '" + key + "'");
    }
  }
  if (!header)
    return bad("empty plan");
  if (!openLoops.empty())
    return bad("line " + std::to_string(a->launches[openLoops.back()].line) +
               ": 'loop' without an 'end'");
  if (a->dynamic()) {
    // What does not depend on the sizes is checked now; the rest when a
    // run's shapes are known (resolvePlan).
    Sized counts;
    counts.args = a->args;
    counts.results = a->results;
    counts.scratchBytes.assign(a->scratchBytes.size(), 0);
    for (const Launch &l : a->launches) {
      if (l.isMarker())
        continue;
      std::string problem = validate(*a, counts, l, /*sized=*/false);
      if (!problem.empty())
        return bad(problem);
    }
  } else {
    std::string problem;
    if (!resolvePlan(*a, nullptr, a->fixed, problem))
      return bad(problem);
  }
  std::string file = cubinFile.empty() ? ptxFile : cubinFile;
  if (file.empty())
    return bad("no kernel image (expected a 'ptx FILE' line)");
  if (file.find('/') != std::string::npos || !readFile(dir + "/" + file, a->image))
    return bad("kernel image '" + file + "' is missing");
  a->imageFile = file;
  a->imageIsCubin = !cubinFile.empty();
  std::string problem = a->imageIsCubin ? cubinProblem(a->image) : ptxProblem(a->image);
  if (!problem.empty())
    return bad("kernel image '" + file + "' is truncated or corrupt: " + problem);
  if (!a->imageIsCubin)
    a->image.push_back('\0'); // PTX is loaded as a C string
  return true;
}

bool resolvePlan(const Plan &plan, const int64_t *argDims, Sized &out, std::string &why) {
  out = Sized();
  out.values.assign(plan.names.size(), -1);
  auto dimText = [](size_t i, size_t d) {
    return "argument " + std::to_string(i) + " dimension " + std::to_string(d);
  };
  // Arguments: their shapes bind the names; static sizes and repeated
  // names must agree.
  size_t at = 0;
  for (size_t i = 0; i < plan.args.size(); ++i) {
    Tensor t = plan.args[i];
    for (size_t d = 0; d < t.dims.size(); ++d, ++at) {
      const Expr &e = t.dims[d];
      if (!argDims) {
        t.shape[d] = e.constant();
        continue;
      }
      const int64_t v = argDims[at];
      if (v < 0)
        return why = dimText(i, d) + " is " + std::to_string(v) + " (sizes are >= 0)", false;
      int n = e.nameIndex();
      if (n < 0 && v != e.constant())
        return why = dimText(i, d) + " is " + std::to_string(v) +
                     "; the artifact was compiled for " + std::to_string(e.constant()),
               false;
      if (n >= 0 && out.values[n] >= 0 && out.values[n] != v) {
        auto [i0, d0] = plan.nameAt[n];
        return why = dimText(i, d) + " is " + std::to_string(v) + " but '" + plan.names[n] +
                     "' is " + std::to_string(out.values[n]) + " (" + dimText(i0, d0) + ")",
               false;
      }
      if (n >= 0)
        out.values[n] = v;
      t.shape[d] = v;
    }
    out.args.push_back(t);
  }
  auto eval = [&](const Expr &e, int64_t &v) { return e.eval(out.values, v, why); };
  for (const Assertion &as : plan.assertions) {
    int64_t l = 0, r = 0;
    if (!eval(as.lhs, l) || !eval(as.rhs, r))
      return why = "line " + std::to_string(as.line) + ": " + why, false;
    const std::string &op = as.op;
    bool ok = op == "==" ? l == r : op == "!=" ? l != r : op == "<=" ? l <= r
              : op == "<" ? l < r : op == ">=" ? l >= r : l > r;
    if (!ok)
      return why = "shape check failed: " + as.text + " (" + as.lhs.text + " is " +
                   std::to_string(l) +
                   (as.rhs.isConstant() ? "" : ", " + as.rhs.text + " is " + std::to_string(r)) +
                   "; expected " + as.lhs.text + " " + op + " " + as.rhs.text + ")",
             false;
  }
  for (const Tensor &declared : plan.results) {
    Tensor t = declared;
    for (size_t d = 0; d < t.dims.size(); ++d) {
      if (!eval(t.dims[d], t.shape[d]))
        return false;
      if (t.shape[d] < 0)
        return why = "result dimension " + t.dims[d].text + " is " +
                     std::to_string(t.shape[d]) + " (sizes are >= 0)", false;
    }
    out.results.push_back(t);
  }
  for (size_t i = 0; i < plan.scratchBytes.size(); ++i) {
    int64_t v = 0;
    if (!eval(plan.scratchBytes[i], v))
      return false;
    if (v <= 0 || v > (int64_t(1) << 44))
      return why = "scratch " + std::to_string(i) + ": size '" + plan.scratchBytes[i].text +
                   "' is " + std::to_string(v) + ", not a positive byte count",
             false;
    out.scratchBytes.push_back(uint64_t(v));
  }
  out.launches = plan.launches;
  for (Launch &l : out.launches) {
    if (l.isMarker())
      continue;
    std::string where = "line " + std::to_string(l.line) + ": ";
    for (int k = 0; k < 3; ++k) {
      int64_t g = 0;
      if (!eval(l.gridExprs[k], g))
        return why = where + why, false;
      if (g < 1 || g > UINT32_MAX)
        return why = where + (l.isCheck ? "check '" : "launch '") + l.kernel + "' grid size '" +
                     l.gridExprs[k].text + "' is " + std::to_string(g) +
                     " (an empty or oversized grid)",
               false;
      l.grid[k] = unsigned(g);
      if (l.isCheck && !eval(l.dimExprs[k], l.dims[k]))
        return why = where + why, false;
    }
    if (!l.smemExpr.isConstant()) {
      int64_t bytes = 0;
      if (!eval(l.smemExpr, bytes))
        return why = where + why, false;
      if (bytes < 0 || bytes > INT32_MAX)
        return why = where + "launch '" + l.kernel + "' shared memory '" + l.smemExpr.text +
                     "' is " + std::to_string(bytes) + " bytes (not a valid size)",
               false;
      l.smem = unsigned(bytes);
    }
    for (Param &p : l.params) {
      if (p.kind == Param::I32) {
        if (!eval(p.valueExpr, p.value))
          return why = where + why, false;
        if (p.value < INT32_MIN || p.value > INT32_MAX)
          return why = where + "parameter '" + p.text + "' is " + std::to_string(p.value) +
                       ", not a 32-bit integer",
                 false;
      }
      if (p.tensorMap) {
        for (int i = 0; i < p.mapRank; ++i)
          if (!eval(p.mapDimExprs[i], p.mapDims[i]))
            return why = where + why, false;
        if (p.hasSlab && !eval(p.mapSlabExpr, p.mapSlab))
          return why = where + why, false;
      }
    }
    std::string problem = validate(plan, out, l);
    if (!problem.empty())
      return why = problem, false;
  }
  return true;
}

} // namespace attnrt
