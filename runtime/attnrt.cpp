//===- attnrt.cpp - thin runtime for attn-mlir GPU artifacts --------------===//
//
// Self-contained C++17 (no CUDA headers, no LLVM): the few driver types and
// entry points it needs are declared here and resolved with dlsym. No
// iostreams: the library is loaded into processes (PyTorch) whose own C++
// runtime's locale state clashes with them; files are read with stdio.
//
//===----------------------------------------------------------------------===//

#include "attnrt/attnrt.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

struct Driver {
  void *lib = nullptr;
  CUresult (*cuInit)(unsigned) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char **) = nullptr;
  CUresult (*cuCtxGetCurrent)(CUcontext *) = nullptr;
  CUresult (*cuCtxSetCurrent)(CUcontext) = nullptr;
  CUresult (*cuDeviceGet)(CUdevice *, int) = nullptr;
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice) = nullptr;
  CUresult (*cuModuleLoadData)(CUmodule *, const void *) = nullptr;
  CUresult (*cuModuleUnload)(CUmodule) = nullptr;
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *) = nullptr;
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int) = nullptr;
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t) = nullptr;
  CUresult (*cuMemFree)(CUdeviceptr) = nullptr;
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t) = nullptr;
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream) = nullptr;
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream) = nullptr;
  CUresult (*cuStreamSynchronize)(CUstream) = nullptr;
  CUresult (*cuCtxSynchronize)() = nullptr;
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **) = nullptr;
};

thread_local std::string lastError;

int fail(const std::string &msg) {
  lastError = msg;
  return 1;
}

Driver *driver() {
  static Driver d;
  static bool tried = false;
  if (tried)
    return d.lib ? &d : nullptr;
  tried = true;
  d.lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!d.lib)
    return nullptr;
#define LOAD(name, sym)                                                        \
  *reinterpret_cast<void **>(&d.name) = dlsym(d.lib, sym);                     \
  if (!d.name) {                                                               \
    d.lib = nullptr;                                                           \
    return nullptr;                                                            \
  }
  LOAD(cuInit, "cuInit");
  LOAD(cuGetErrorString, "cuGetErrorString");
  LOAD(cuCtxGetCurrent, "cuCtxGetCurrent");
  LOAD(cuCtxSetCurrent, "cuCtxSetCurrent");
  LOAD(cuDeviceGet, "cuDeviceGet");
  LOAD(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  LOAD(cuModuleLoadData, "cuModuleLoadData");
  LOAD(cuModuleUnload, "cuModuleUnload");
  LOAD(cuModuleGetFunction, "cuModuleGetFunction");
  LOAD(cuFuncSetAttribute, "cuFuncSetAttribute");
  LOAD(cuMemAlloc, "cuMemAlloc_v2");
  LOAD(cuMemFree, "cuMemFree_v2");
  LOAD(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  LOAD(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  LOAD(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  LOAD(cuMemsetD32Async, "cuMemsetD32Async");
  LOAD(cuStreamSynchronize, "cuStreamSynchronize");
  LOAD(cuCtxSynchronize, "cuCtxSynchronize");
  LOAD(cuLaunchKernel, "cuLaunchKernel");
#undef LOAD
  return &d;
}

/// Checks a driver call; the message names the call and the driver's text.
bool check(Driver *d, CUresult r, const std::string &call) {
  if (r == 0)
    return true;
  const char *s = nullptr;
  d->cuGetErrorString(r, &s);
  lastError = call + " failed: " + (s ? s : "unknown error") + " (CUresult " +
              std::to_string(r) + ")";
  return false;
}

/// Bytes per element of a plan dtype; 0 for an unknown one.
uint64_t elementBytes(const std::string &dtype) {
  if (dtype == "bf16" || dtype == "f16")
    return 2;
  if (dtype == "f32" || dtype == "i32")
    return 4;
  if (dtype == "i1")
    return 1;
  return 0;
}

struct Tensor {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t bytes() const {
    uint64_t n = elementBytes(dtype);
    for (int64_t d : shape)
      n *= uint64_t(d);
    return n;
  }
};

struct Param {
  enum Kind { Arg, Result, Const, Scratch, Err, Null, I32, F32 } kind = Null;
  int64_t value = 0;   // buffer index or i32 value
  uint64_t offset = 0; // byte offset added to a buffer pointer
  float f = 0;
  std::string text;    // as written in the plan, for messages
  bool isBuffer() const {
    return kind == Arg || kind == Result || kind == Const || kind == Scratch;
  }
};

/// A `launch` or `check` line of the plan.
struct Launch {
  std::string kernel;
  unsigned grid[3], block[3], smem;
  std::vector<Param> params;
  bool isCheck = false;
  int64_t dims[3] = {0, 0, 0}; // check: B, H, N of the kv_counts table
  int line = 0;
  // `loop N` / `end` lines are markers in the same list: the launches
  // between them run N times in order (loops nest).
  int64_t loopTrips = -1; // >= 0: a `loop` line
  bool loopEnd = false;   // an `end` line
  size_t match = 0;       // the matching end (for loop) / loop (for end)
  bool isMarker() const { return loopTrips >= 0 || loopEnd; }
  CUfunction fn = nullptr;
};

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

/// One launch parameter as written (docs/ARTIFACT.md); `why` says what is
/// wrong with a malformed one.
bool parseParam(const std::string &p, Param &out, std::string &why) {
  out = Param();
  out.text = p;
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
    if (!parseInt(rest, out.value) || out.value < INT32_MIN || out.value > INT32_MAX)
      return why = "'" + rest + "' is not a 32-bit integer", false;
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

std::string plural(size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

struct attnrt_artifact {
  std::string dir, image; // cubin if present, else PTX
  std::vector<Tensor> args, results;
  std::vector<std::string> constData;
  std::vector<uint64_t> scratchBytes;
  std::vector<Launch> launches; // `launch` and `check` lines, in plan order
  bool checked = false;
  // Device state, made on the first run (each step resumes where a failed
  // first run stopped) and released by attnrt_free.
  CUmodule module = nullptr;
  std::vector<CUdeviceptr> constDev, scratchDev;
  CUdeviceptr errDev = 0; // checked mode's error buffer (2 x uint32)
};

extern "C" const char *attnrt_last_error(void) { return lastError.c_str(); }

namespace {

/// Checks what the plan's lines bind once every line is read; returns the
/// problem, or "" when the plan is consistent.
std::string validate(const attnrt_artifact &a, const Launch &l) {
  std::string where = "line " + std::to_string(l.line) + ": " +
                      (l.isCheck ? "check '" : "launch '") + l.kernel + "' ";
  for (const Param &p : l.params) {
    const char *what = nullptr;
    size_t count = 0;
    uint64_t bytes = 0;
    switch (p.kind) {
    case Param::Arg: what = "arg"; count = a.args.size(); break;
    case Param::Result: what = "result"; count = a.results.size(); break;
    case Param::Const: what = "const"; count = a.constData.size(); break;
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
    switch (p.kind) {
    case Param::Arg: bytes = a.args[p.value].bytes(); break;
    case Param::Result: bytes = a.results[p.value].bytes(); break;
    case Param::Const: bytes = a.constData[p.value].size(); break;
    default: bytes = a.scratchBytes[p.value]; break;
    }
    if (p.offset >= bytes && p.offset > 0)
      return where + "parameter '" + p.text + "': offset " + std::to_string(p.offset) +
             " is not inside " + what + " " + std::to_string(p.value) + " (" +
             std::to_string(bytes) + " bytes)";
  }
  if (!l.isCheck)
    return "";
  // The check kernel's contract: IDX CNT err i32:ROWS i32:K i32:NKV.
  const std::vector<Param> &ps = l.params;
  if (ps.size() != 6 || !ps[0].isBuffer() || !ps[1].isBuffer() || ps[2].kind != Param::Err ||
      ps[3].kind != Param::I32 || ps[4].kind != Param::I32 || ps[5].kind != Param::I32)
    return where + "parameters must be 'IDX CNT err i32:ROWS i32:K i32:NKV' (IDX and CNT "
                   "buffers), got " + plural(ps.size(), "parameter");
  int64_t rows = l.dims[0] * l.dims[1] * l.dims[2];
  if (ps[3].value != rows)
    return where + "has ROWS " + std::to_string(ps[3].value) + " but dims " +
           std::to_string(l.dims[0]) + "," + std::to_string(l.dims[1]) + "," +
           std::to_string(l.dims[2]) + " make " + std::to_string(rows) + " rows";
  if (ps[4].value < 0 || ps[5].value < 0)
    return where + "has a negative K or NKV";
  return "";
}

} // namespace

extern "C" int attnrt_load(const char *dir, attnrt_artifact **out) {
  *out = nullptr;
  auto a = new attnrt_artifact();
  a->dir = dir;
  std::string plan;
  auto bad = [&](const std::string &msg) {
    delete a;
    return fail(std::string("attnrt_load: ") + dir + "/plan.txt: " + msg);
  };
  if (!readFile(a->dir + "/plan.txt", plan))
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
    auto numbered = [&](size_t have, std::string &why) {
      if (!parseCount(w[1], n))
        return why = where + key + ": index '" + w[1] + "' is not a number", false;
      if (n != int64_t(have))
        return why = where + key + " " + w[1] + " is out of order (expected " + key + " " +
                     std::to_string(have) + ")",
               false;
      return true;
    };
    std::string why;
    if (!header) {
      if (key != "attn-artifact" || w.size() != 2)
        return bad(where + "expected the header 'attn-artifact 2'");
      if (w[1] != "2")
        return bad(where + "artifact format version " + w[1] +
                   " is not supported: this runtime reads version 2 (recompile the "
                   "module with attn-compile)");
      header = true;
    } else if (key == "chip" && w.size() == 2) {
    } else if (key == "ptx" && w.size() == 2) {
      ptxFile = w[1];
    } else if (key == "cubin" && w.size() == 2) {
      cubinFile = w[1];
    } else if (key == "arg" || key == "result") {
      std::vector<Tensor> &list = key == "arg" ? a->args : a->results;
      Tensor t;
      if (w.size() != 4)
        return bad(where + "malformed " + key + " (expected '" + key + " N DTYPE SHAPE')");
      if (!numbered(list.size(), why))
        return bad(why);
      t.dtype = w[2];
      if (!elementBytes(t.dtype))
        return bad(where + key + " " + w[1] + " has unknown dtype '" + t.dtype +
                   "' (expected bf16, f16, f32, i32 or i1)");
      if (!parseList(w[3], t.shape))
        return bad(where + key + " " + w[1] + " has a malformed shape '" + w[3] + "'");
      list.push_back(t);
    } else if (key == "const") {
      std::vector<int64_t> dims;
      std::string data;
      if (w.size() != 5 || w[3] != "i32" || !parseList(w[4], dims) ||
          w[2].find('/') != std::string::npos)
        return bad(where + "malformed const (expected 'const N FILE i32 SHAPE')");
      if (!numbered(a->constData.size(), why))
        return bad(why);
      int64_t count = 1;
      for (int64_t d : dims)
        count *= d;
      if (!readFile(a->dir + "/" + w[2], data) || int64_t(data.size()) != count * 4)
        return bad(where + "table '" + w[2] + "' is missing or not " +
                   std::to_string(count * 4) + " bytes");
      a->constData.push_back(data);
    } else if (key == "scratch") {
      int64_t bytes = 0;
      if (w.size() != 3)
        return bad(where + "malformed scratch (expected 'scratch N BYTES')");
      if (!numbered(a->scratchBytes.size(), why))
        return bad(why);
      if (!parseCount(w[2], bytes) || bytes <= 0 || bytes > (int64_t(1) << 44))
        return bad(where + "scratch " + w[1] + ": size '" + w[2] +
                   "' is not a positive byte count");
      a->scratchBytes.push_back(uint64_t(bytes));
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
      std::vector<int64_t> g, b;
      int64_t smem = 0;
      if (w.size() < 9 || w[2] != "grid" || !parseList(w[3], g) || g.size() != 3 ||
          w[4] != "block" || !parseList(w[5], b) || b.size() != 3 || w[6] != "smem" ||
          !parseCount(w[7], smem) || smem > INT32_MAX || w[8] != "params")
        return bad(where + "malformed " + key + " (expected '" + key +
                   " KERNEL grid X,Y,Z block X,Y,Z smem BYTES params P..." +
                   (l.isCheck ? " dims B,H,N" : "") + "')");
      l.kernel = w[1];
      l.smem = unsigned(smem);
      for (int k = 0; k < 3; ++k) {
        if (g[k] < 1 || g[k] > UINT32_MAX || b[k] < 1 || b[k] > 1024)
          return bad(where + key + " '" + l.kernel + "' has an empty or oversized grid or block");
        l.grid[k] = unsigned(g[k]);
        l.block[k] = unsigned(b[k]);
      }
      size_t end = w.size();
      if (l.isCheck) {
        size_t at = 9;
        while (at < w.size() && w[at] != "dims")
          ++at;
        std::vector<int64_t> dims;
        if (at == w.size())
          return bad(where + "check '" + l.kernel + "' has no 'dims B,H,N' after its parameters");
        if (at + 2 != w.size() || !parseList(w[at + 1], dims) || dims.size() != 3)
          return bad(where + "check '" + l.kernel + "': malformed dims (expected 'dims B,H,N' "
                     "at the end of the line)");
        for (int k = 0; k < 3; ++k)
          l.dims[k] = dims[k];
        end = at;
      }
      for (size_t i = 9; i < end; ++i) {
        Param param;
        if (!parseParam(w[i], param, why))
          return bad(where + "malformed parameter '" + w[i] + "': " + why);
        l.params.push_back(param);
      }
      a->launches.push_back(l);
    } else {
      return bad(where + "unknown or malformed key '" + key + "'");
    }
  }
  if (!header)
    return bad("empty plan");
  if (!openLoops.empty())
    return bad("line " + std::to_string(a->launches[openLoops.back()].line) +
               ": 'loop' without an 'end'");
  for (const Launch &l : a->launches) {
    if (l.isMarker())
      continue;
    std::string problem = validate(*a, l);
    if (!problem.empty())
      return bad(problem);
  }
  std::string file = cubinFile.empty() ? ptxFile : cubinFile;
  if (file.empty())
    return bad("no kernel image (expected a 'ptx FILE' line)");
  if (file.find('/') != std::string::npos || !readFile(a->dir + "/" + file, a->image))
    return bad("kernel image '" + file + "' is missing");
  if (cubinFile.empty())
    a->image.push_back('\0'); // PTX is loaded as a C string
  const char *env = std::getenv("ATTNRT_CHECKED");
  a->checked = env && std::strcmp(env, "1") == 0;
  *out = a;
  return 0;
}

static int info(const std::vector<Tensor> &v, int i, const char **dtype,
                int64_t *dims, int maxDims) {
  if (i < 0 || i >= int(v.size()))
    return -1;
  *dtype = v[i].dtype.c_str();
  for (int k = 0; k < int(v[i].shape.size()) && k < maxDims; ++k)
    dims[k] = v[i].shape[k];
  return int(v[i].shape.size());
}

extern "C" int attnrt_num_args(const attnrt_artifact *a) { return int(a->args.size()); }
extern "C" int attnrt_num_results(const attnrt_artifact *a) { return int(a->results.size()); }
extern "C" int attnrt_arg_info(const attnrt_artifact *a, int i, const char **d,
                               int64_t *dims, int n) {
  return info(a->args, i, d, dims, n);
}
extern "C" int attnrt_result_info(const attnrt_artifact *a, int i, const char **d,
                                  int64_t *dims, int n) {
  return info(a->results, i, d, dims, n);
}

extern "C" int attnrt_scratch_bytes(const attnrt_artifact *a, uint64_t *bytes) {
  if (!a || !bytes)
    return fail("attnrt_scratch_bytes: null artifact or output pointer");
  uint64_t total = 0;
  for (uint64_t b : a->scratchBytes)
    total += b;
  *bytes = total;
  return 0;
}

extern "C" int attnrt_set_checked(attnrt_artifact *a, int on) {
  if (!a)
    return fail("attnrt_set_checked: null artifact");
  a->checked = on != 0;
  return 0;
}

extern "C" int attnrt_num_launches(const attnrt_artifact *a) {
  int n = 0;
  for (const Launch &l : a->launches)
    n += !l.isMarker() && (!l.isCheck || a->checked);
  return n;
}

/// The driver, initialized, with a current context (the primary context of
/// device 0 when the caller has none); null after setting the error.
static Driver *ready(const char *who) {
  Driver *d = driver();
  if (!d) {
    fail(std::string(who) + ": cannot load the CUDA driver (libcuda.so.1)");
    return nullptr;
  }
  if (!check(d, d->cuInit(0), "cuInit"))
    return nullptr;
  CUcontext ctx = nullptr;
  if (!check(d, d->cuCtxGetCurrent(&ctx), "cuCtxGetCurrent"))
    return nullptr;
  if (!ctx) {
    CUdevice dev;
    if (!check(d, d->cuDeviceGet(&dev, 0), "cuDeviceGet") ||
        !check(d, d->cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain") ||
        !check(d, d->cuCtxSetCurrent(ctx), "cuCtxSetCurrent"))
      return nullptr;
  }
  return d;
}

extern "C" int attnrt_device_alloc(uint64_t bytes, uint64_t *ptr) {
  Driver *d = ready("attnrt_device_alloc");
  CUdeviceptr p = 0;
  if (!d || !check(d, d->cuMemAlloc(&p, bytes ? bytes : 1), "cuMemAlloc"))
    return 1;
  *ptr = p;
  return 0;
}
extern "C" int attnrt_device_free(uint64_t ptr) {
  Driver *d = ready("attnrt_device_free");
  return d && check(d, d->cuMemFree(ptr), "cuMemFree") ? 0 : 1;
}
extern "C" int attnrt_copy_to_device(uint64_t dst, const void *src, uint64_t bytes) {
  Driver *d = ready("attnrt_copy_to_device");
  return d && check(d, d->cuMemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD") ? 0 : 1;
}
extern "C" int attnrt_copy_from_device(void *dst, uint64_t src, uint64_t bytes) {
  Driver *d = ready("attnrt_copy_from_device");
  return d && check(d, d->cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH") ? 0 : 1;
}
extern "C" int attnrt_synchronize(void) {
  Driver *d = ready("attnrt_synchronize");
  return d && check(d, d->cuCtxSynchronize(), "cuCtxSynchronize") ? 0 : 1;
}

namespace {

/// The device state a run needs, made once: the module, the functions of
/// the launches this run makes, the constant tables, the scratch buffers,
/// and in checked mode the error buffer. Resumes after a failed attempt.
bool prepare(Driver *d, attnrt_artifact *a) {
  if (!a->module &&
      !check(d, d->cuModuleLoadData(&a->module, a->image.data()), "cuModuleLoadData"))
    return false;
  for (Launch &l : a->launches) {
    if (l.fn || l.isMarker() || (l.isCheck && !a->checked))
      continue;
    CUfunction fn = nullptr;
    if (!check(d, d->cuModuleGetFunction(&fn, a->module, l.kernel.c_str()),
               "cuModuleGetFunction(" + l.kernel + ")"))
      return false;
    if (l.smem > 48 * 1024 &&
        !check(d, d->cuFuncSetAttribute(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                        int(l.smem)),
               "cuFuncSetAttribute(" + l.kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " +
                   std::to_string(l.smem) + ")"))
      return false;
    l.fn = fn;
  }
  while (a->constDev.size() < a->constData.size()) {
    const std::string &data = a->constData[a->constDev.size()];
    CUdeviceptr p = 0;
    if (!check(d, d->cuMemAlloc(&p, data.size() ? data.size() : 1),
               "cuMemAlloc(const " + std::to_string(a->constDev.size()) + ")"))
      return false;
    if (!check(d, d->cuMemcpyHtoD(p, data.data(), data.size()),
               "cuMemcpyHtoD(const " + std::to_string(a->constDev.size()) + ")")) {
      d->cuMemFree(p);
      return false;
    }
    a->constDev.push_back(p);
  }
  while (a->scratchDev.size() < a->scratchBytes.size()) {
    size_t i = a->scratchDev.size();
    CUdeviceptr p = 0;
    if (!check(d, d->cuMemAlloc(&p, a->scratchBytes[i]),
               "cuMemAlloc(scratch " + std::to_string(i) + ", " +
                   std::to_string(a->scratchBytes[i]) + " bytes)"))
      return false;
    a->scratchDev.push_back(p);
  }
  if (a->checked && !a->errDev &&
      !check(d, d->cuMemAlloc(&a->errDev, 8), "cuMemAlloc(check error buffer)"))
    return false;
  return true;
}

/// The device address a buffer parameter binds.
CUdeviceptr bind(const attnrt_artifact *a, const Param &p, const uint64_t *args,
                 const uint64_t *results) {
  switch (p.kind) {
  case Param::Arg: return args[p.value] + p.offset;
  case Param::Result: return results[p.value] + p.offset;
  case Param::Const: return a->constDev[p.value] + p.offset;
  case Param::Scratch: return a->scratchDev[p.value] + p.offset;
  case Param::Err: return a->errDev;
  default: return 0;
  }
}

std::string indexText(const int64_t *v, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

/// Turns the position a check kernel reported into the message naming the
/// bad table entry (its value read back from the device).
std::string checkFailure(Driver *d, const attnrt_artifact *a, size_t at, uint32_t pos,
                         CUstream stream, const uint64_t *args, const uint64_t *results) {
  const Launch &l = a->launches[at];
  const int64_t B = l.dims[0], H = l.dims[1], N = l.dims[2];
  const int64_t rows = B * H * N, K = l.params[4].value, nkv = l.params[5].value;
  std::string next = "the end of the plan";
  for (size_t j = at + 1; j < a->launches.size(); ++j)
    if (!a->launches[j].isCheck && !a->launches[j].isMarker()) {
      next = "'" + a->launches[j].kernel + "'";
      break;
    }
  std::string context = " (launch '" + l.kernel + "', before " + next + ")";
  auto unflatten = [&](int64_t row, int64_t *out) {
    out[0] = row / (H * N);
    out[1] = row / N % H;
    out[2] = row % N;
  };
  auto value = [&](CUdeviceptr p) {
    int32_t v = 0;
    if (!check(d, d->cuMemcpyDtoHAsync(&v, p, 4, stream), "cuMemcpyDtoHAsync") ||
        !check(d, d->cuStreamSynchronize(stream), "cuStreamSynchronize"))
      return std::string("? (") + lastError + ")";
    return std::to_string(v);
  };
  int64_t ix[4];
  if (int64_t(pos) < rows) {
    unflatten(pos, ix);
    CUdeviceptr cnt = bind(a, l.params[1], args, results);
    return "kv_counts" + indexText(ix, 3) + " = " + value(cnt + 4 * uint64_t(pos)) +
           " is outside [0, " + std::to_string(K) + "]" + context;
  }
  int64_t q = int64_t(pos) - rows;
  if (K > 0 && q < rows * K) {
    unflatten(q / K, ix);
    ix[3] = q % K;
    CUdeviceptr idx = bind(a, l.params[0], args, results);
    return "kv_indices" + indexText(ix, 4) + " = " + value(idx + 4 * uint64_t(q)) +
           " is outside [0, " + std::to_string(nkv) + ")" + context;
  }
  return "the check kernel reported position " + std::to_string(pos) + ", past its " +
         std::to_string(rows) + " + " + std::to_string(rows * K) + " table entries" + context;
}

} // namespace

extern "C" int attnrt_run(attnrt_artifact *a, void *stream, const uint64_t *args,
                          const uint64_t *results) {
  if (!a)
    return fail("attnrt_run: null artifact");
  if ((!args && !a->args.empty()) || (!results && !a->results.empty()))
    return fail("attnrt_run: the artifact takes " + plural(a->args.size(), "argument") +
                " and " + plural(a->results.size(), "result") +
                " but args or results is null");
  // Kernels move rows in 16-byte pieces (gathers, cp.async): a framework
  // view with an odd storage offset must be copied by the caller first.
  for (size_t i = 0; i < a->args.size(); ++i)
    if (args[i] % 16)
      return fail("attnrt_run: argument " + std::to_string(i) +
                  " is not 16-byte aligned (pass a contiguous tensor that "
                  "starts its own allocation, or copy it)");
  for (size_t i = 0; i < a->results.size(); ++i)
    if (results[i] % 16)
      return fail("attnrt_run: result " + std::to_string(i) +
                  " is not 16-byte aligned (pass a freshly allocated buffer)");
  Driver *d = ready("attnrt_run");
  if (!d || !prepare(d, a))
    return 1;
  CUstream s = static_cast<CUstream>(stream);
  std::vector<CUdeviceptr> ptrs;
  std::vector<int32_t> ints;
  std::vector<float> floats;
  std::vector<void *> kernelParams;
  std::vector<int64_t> tripsLeft; // of the open loops, innermost last
  for (size_t at = 0; at < a->launches.size(); ++at) {
    const Launch &l = a->launches[at];
    if (l.loopTrips == 0) {
      at = l.match; // skip the body
      continue;
    }
    if (l.loopTrips > 0) {
      tripsLeft.push_back(l.loopTrips);
      continue;
    }
    if (l.loopEnd) {
      if (--tripsLeft.back() > 0)
        at = l.match; // the next index is the body's first line
      else
        tripsLeft.pop_back();
      continue;
    }
    if (l.isCheck && !a->checked)
      continue;
    size_t n = l.params.size();
    ptrs.assign(n, 0);
    ints.assign(n, 0);
    floats.assign(n, 0.0f);
    kernelParams.assign(n, nullptr);
    for (size_t i = 0; i < n; ++i) {
      const Param &p = l.params[i];
      if (p.kind == Param::I32) {
        ints[i] = int32_t(p.value);
        kernelParams[i] = &ints[i];
      } else if (p.kind == Param::F32) {
        floats[i] = p.f;
        kernelParams[i] = &floats[i];
      } else {
        ptrs[i] = bind(a, p, args, results);
        kernelParams[i] = &ptrs[i];
      }
    }
    if (l.isCheck) {
      if (!check(d, d->cuMemsetD32Async(a->errDev, 0xFFFFFFFFu, 1, s),
                 "cuMemsetD32Async(check error buffer)") ||
          !check(d, d->cuMemsetD32Async(a->errDev + 4, 0, 1, s),
                 "cuMemsetD32Async(check error buffer)"))
        return 1;
    }
    if (!check(d, d->cuLaunchKernel(l.fn, l.grid[0], l.grid[1], l.grid[2], l.block[0],
                                    l.block[1], l.block[2], l.smem, s, kernelParams.data(),
                                    nullptr),
               "cuLaunchKernel(" + l.kernel + ")"))
      return 1;
    if (l.isCheck) {
      uint32_t err[2] = {0, 0};
      if (!check(d, d->cuMemcpyDtoHAsync(err, a->errDev, sizeof err, s),
                 "cuMemcpyDtoHAsync(check error buffer)") ||
          !check(d, d->cuStreamSynchronize(s), "cuStreamSynchronize(after check '" +
                                                    l.kernel + "')"))
        return 1;
      if (err[0] != 0xFFFFFFFFu)
        return fail("attnrt_run: checked mode: " +
                    checkFailure(d, a, at, err[0], s, args, results));
    }
  }
  return 0;
}

extern "C" void attnrt_free(attnrt_artifact *a) {
  if (!a)
    return;
  if (Driver *d = driver()) {
    for (CUdeviceptr p : a->constDev)
      d->cuMemFree(p);
    for (CUdeviceptr p : a->scratchDev)
      d->cuMemFree(p);
    if (a->errDev)
      d->cuMemFree(a->errDev);
    if (a->module)
      d->cuModuleUnload(a->module);
  }
  delete a;
}
