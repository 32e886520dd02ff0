//===- Driver.cpp - the CUDA driver API, opened at first use --------------===//

#include "Driver.h"

#include "Error.h"

#include <dlfcn.h>

#include <mutex>

namespace attnrt {

namespace {

/// What the first use found; written once under std::call_once, read-only
/// afterwards.
struct Loaded {
  Driver driver;
  bool ok = false;
  std::string error;
};

void openDriver(Loaded &l) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    l.error = std::string("cannot load the CUDA driver (libcuda.so.1)") + (e ? ": " : "") +
              (e ? e : "");
    return;
  }
#define ATTNRT_DRIVER_SYMBOL(field, name, params)                                    \
  *reinterpret_cast<void **>(&l.driver.field) = dlsym(lib, name);                    \
  if (!l.driver.field) {                                                             \
    l.error = "cannot load the CUDA driver (libcuda.so.1 has no " name ")";          \
    return;                                                                          \
  }
#include "DriverSymbols.def"
#undef ATTNRT_DRIVER_SYMBOL
  l.ok = true;
}

} // namespace

const Driver *driver(std::string *why) {
  static Loaded loaded;
  static std::once_flag once;
  std::call_once(once, openDriver, loaded);
  if (!loaded.ok && why)
    *why = loaded.error;
  return loaded.ok ? &loaded.driver : nullptr;
}

bool check(const Driver *d, CUresult r, const std::string &call) {
  if (r == 0)
    return true;
  const char *s = nullptr;
  d->cuGetErrorString(r, &s);
  fail(call + " failed: " + (s ? s : "unknown error") + " (CUresult " + std::to_string(r) +
       ")");
  return false;
}

const Driver *ready(const char *who, CUcontext *current) {
  std::string why;
  const Driver *d = driver(&why);
  if (!d) {
    fail(std::string(who) + ": " + why);
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
  if (current)
    *current = ctx;
  return d;
}

} // namespace attnrt
