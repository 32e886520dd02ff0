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
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *) = nullptr;
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int) = nullptr;
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t) = nullptr;
  CUresult (*cuMemFree)(CUdeviceptr) = nullptr;
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t) = nullptr;
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
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
  LOAD(cuModuleGetFunction, "cuModuleGetFunction");
  LOAD(cuFuncSetAttribute, "cuFuncSetAttribute");
  LOAD(cuMemAlloc, "cuMemAlloc_v2");
  LOAD(cuMemFree, "cuMemFree_v2");
  LOAD(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  LOAD(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  LOAD(cuCtxSynchronize, "cuCtxSynchronize");
  LOAD(cuLaunchKernel, "cuLaunchKernel");
#undef LOAD
  return &d;
}

/// Checks a driver call; the message names the call and the driver's text.
bool check(Driver *d, CUresult r, const char *call) {
  if (r == 0)
    return true;
  const char *s = nullptr;
  d->cuGetErrorString(r, &s);
  lastError = std::string(call) + " failed: " + (s ? s : "unknown error") +
              " (CUresult " + std::to_string(r) + ")";
  return false;
}

struct Tensor {
  std::string dtype;
  std::vector<int64_t> shape;
};

struct Param {
  enum Kind { Arg, Result, Const, Null, I32 } kind;
  int64_t value;
};

struct Launch {
  std::string kernel;
  unsigned grid[3], block[3], smem;
  std::vector<Param> params;
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
  for (const std::string &w : split(line, ' '))
    if (!w.empty() && w != "\r")
      out.push_back(w);
  return out;
}

bool parseInt(const std::string &s, int64_t &v) {
  if (s.empty())
    return false;
  char *end = nullptr;
  long long x = std::strtoll(s.c_str(), &end, 10);
  if (*end)
    return false;
  v = x;
  return true;
}

bool parseList(const std::string &s, std::vector<int64_t> &out) {
  out.clear();
  for (const std::string &item : split(s, ',')) {
    int64_t v;
    if (!parseInt(item, v) || v < 0)
      return false;
    out.push_back(v);
  }
  return !out.empty();
}

} // namespace

struct attnrt_artifact {
  std::string dir, image; // cubin if present, else PTX
  std::vector<Tensor> args, results;
  std::vector<std::string> constData;
  std::vector<CUdeviceptr> constDev;
  std::vector<Launch> launches;
  CUmodule module = nullptr;
};

extern "C" const char *attnrt_last_error(void) { return lastError.c_str(); }

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
  for (const std::string &line : split(plan, '\n')) {
    ++lineNo;
    std::vector<std::string> w = words(line);
    std::string where = "line " + std::to_string(lineNo) + ": ";
    if (w.empty())
      continue;
    const std::string &key = w[0];
    int64_t n = 0;
    if (!header) {
      if (key != "attn-artifact" || w.size() != 2 || w[1] != "1")
        return bad(where + "expected 'attn-artifact 1' (format version 1)");
      header = true;
    } else if (key == "chip") {
    } else if (key == "ptx" && w.size() == 2) {
      ptxFile = w[1];
    } else if (key == "cubin" && w.size() == 2) {
      cubinFile = w[1];
    } else if (key == "arg" || key == "result") {
      Tensor t;
      if (w.size() != 4 || !parseInt(w[1], n) || !parseList(w[3], t.shape))
        return bad(where + "malformed " + key);
      t.dtype = w[2];
      (key == "arg" ? a->args : a->results).push_back(t);
    } else if (key == "const") {
      std::vector<int64_t> dims;
      std::string data;
      if (w.size() != 5 || !parseInt(w[1], n) || w[3] != "i32" ||
          !parseList(w[4], dims) || w[2].find('/') != std::string::npos)
        return bad(where + "malformed const");
      int64_t count = 1;
      for (int64_t d : dims)
        count *= d;
      if (!readFile(a->dir + "/" + w[2], data) || int64_t(data.size()) != count * 4)
        return bad(where + "table '" + w[2] + "' is missing or not " +
                   std::to_string(count * 4) + " bytes");
      a->constData.push_back(data);
    } else if (key == "launch") {
      // launch NAME grid X,Y,Z block X,Y,Z smem N params P...
      Launch l;
      std::vector<int64_t> g, b;
      int64_t smem = 0;
      if (w.size() < 9 || w[2] != "grid" || !parseList(w[3], g) || g.size() != 3 ||
          w[4] != "block" || !parseList(w[5], b) || b.size() != 3 ||
          w[6] != "smem" || !parseInt(w[7], smem) || smem < 0 || w[8] != "params")
        return bad(where + "malformed launch");
      l.kernel = w[1];
      l.smem = unsigned(smem);
      for (int k = 0; k < 3; ++k) {
        l.grid[k] = unsigned(g[k]);
        l.block[k] = unsigned(b[k]);
      }
      for (size_t i = 9; i < w.size(); ++i) {
        const std::string &p = w[i];
        size_t colon = p.find(':');
        std::string kind = p.substr(0, colon);
        int64_t v = 0;
        if (colon != std::string::npos && !parseInt(p.substr(colon + 1), v))
          return bad(where + "malformed parameter '" + p + "'");
        Param param{Param::Null, v};
        if (kind == "arg")
          param.kind = Param::Arg;
        else if (kind == "result")
          param.kind = Param::Result;
        else if (kind == "const")
          param.kind = Param::Const;
        else if (kind == "i32")
          param.kind = Param::I32;
        else if (kind != "null")
          return bad(where + "unknown parameter '" + p + "'");
        l.params.push_back(param);
      }
      a->launches.push_back(l);
    } else {
      return bad(where + "unknown or malformed key '" + key + "'");
    }
  }
  if (!header)
    return bad("empty plan");
  for (const Launch &l : a->launches)
    for (const Param &p : l.params)
      if ((p.kind == Param::Arg && p.value >= int64_t(a->args.size())) ||
          (p.kind == Param::Result && p.value >= int64_t(a->results.size())) ||
          (p.kind == Param::Const && p.value >= int64_t(a->constData.size())) ||
          (p.kind != Param::I32 && p.value < 0))
        return bad("launch " + l.kernel + " binds a parameter out of range");
  std::string file = cubinFile.empty() ? ptxFile : cubinFile;
  if (file.empty() || !readFile(a->dir + "/" + file, a->image))
    return bad("kernel image '" + file + "' is missing");
  if (cubinFile.empty())
    a->image.push_back('\0'); // PTX is loaded as a C string
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

extern "C" int attnrt_run(attnrt_artifact *a, void *stream, const uint64_t *args,
                          const uint64_t *results) {
  Driver *d = ready("attnrt_run");
  if (!d)
    return 1;
  if (!a->module) {
    if (!check(d, d->cuModuleLoadData(&a->module, a->image.data()), "cuModuleLoadData"))
      return 1;
    for (Launch &l : a->launches) {
      if (!check(d, d->cuModuleGetFunction(&l.fn, a->module, l.kernel.c_str()),
                 ("cuModuleGetFunction(" + l.kernel + ")").c_str()))
        return 1;
      if (l.smem > 48 * 1024 &&
          !check(d, d->cuFuncSetAttribute(l.fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                          int(l.smem)),
                 "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"))
        return 1;
    }
    for (const std::string &data : a->constData) {
      CUdeviceptr p = 0;
      if (!check(d, d->cuMemAlloc(&p, data.size()), "cuMemAlloc") ||
          !check(d, d->cuMemcpyHtoD(p, data.data(), data.size()), "cuMemcpyHtoD"))
        return 1;
      a->constDev.push_back(p);
    }
  }
  for (Launch &l : a->launches) {
    std::vector<CUdeviceptr> ptrs(l.params.size());
    std::vector<int32_t> ints(l.params.size());
    std::vector<void *> kernelParams(l.params.size());
    for (size_t i = 0; i < l.params.size(); ++i) {
      const Param &p = l.params[i];
      switch (p.kind) {
      case Param::Arg: ptrs[i] = args[p.value]; break;
      case Param::Result: ptrs[i] = results[p.value]; break;
      case Param::Const: ptrs[i] = a->constDev[p.value]; break;
      case Param::Null: ptrs[i] = 0; break;
      case Param::I32: ints[i] = int32_t(p.value); break;
      }
      kernelParams[i] = p.kind == Param::I32 ? static_cast<void *>(&ints[i])
                                             : static_cast<void *>(&ptrs[i]);
    }
    if (!check(d, d->cuLaunchKernel(l.fn, l.grid[0], l.grid[1], l.grid[2], l.block[0],
                                    l.block[1], l.block[2], l.smem,
                                    static_cast<CUstream>(stream),
                                    kernelParams.data(), nullptr),
               ("cuLaunchKernel(" + l.kernel + ")").c_str()))
      return 1;
  }
  return 0;
}

extern "C" void attnrt_free(attnrt_artifact *a) {
  if (!a)
    return;
  if (Driver *d = driver())
    for (CUdeviceptr p : a->constDev)
      d->cuMemFree(p);
  delete a;
}
