//===- attnrt.cpp - attnrt's C API: load, query, device memory ------------===//
//
// Self-contained C++17 (no CUDA headers, no LLVM). The pieces: Driver (the
// CUDA driver entry points, DriverSymbols.def), Plan (plan.txt parsed and
// validated), Execute.cpp (attnrt_run, checked mode, attnrt_free).
//
//===----------------------------------------------------------------------===//

#include "attnrt/attnrt.h"

#include "Artifact.h"
#include "Error.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace attnrt;

extern "C" int attnrt_load(const char *dir, attnrt_artifact **out) {
  clearError();
  if (!out)
    return fail("attnrt_load: null output pointer");
  *out = nullptr;
  if (!dir)
    return fail("attnrt_load: null directory");
  auto *a = new attnrt_artifact();
  std::string why;
  if (!loadPlan(dir, a->plan, why)) {
    delete a;
    return fail(std::string("attnrt_load: ") + dir + "/plan.txt: " + why);
  }
  a->functions.assign(a->plan.launches.size(), nullptr);
  a->smemOpened.assign(a->plan.launches.size(), 0);
  for (const Launch &l : a->plan.launches) {
    a->mapBase.push_back(a->mapCount);
    for (const Param &p : l.params)
      a->mapCount += p.tensorMap;
  }
  const char *env = std::getenv("ATTNRT_CHECKED");
  a->checked = env && std::strcmp(env, "1") == 0;
  *out = a;
  return 0;
}

static int info(const std::vector<Tensor> &v, int i, const char **dtype, int64_t *dims,
                int maxDims) {
  clearError();
  if (i < 0 || i >= int(v.size())) {
    fail("attnrt_arg_info/attnrt_result_info: index " + std::to_string(i) + " is outside [0, " +
         std::to_string(v.size()) + ")");
    return -1;
  }
  *dtype = v[i].dtype.c_str();
  for (int k = 0; k < int(v[i].shape.size()) && k < maxDims; ++k)
    dims[k] = v[i].shape[k];
  return int(v[i].shape.size());
}

extern "C" int attnrt_num_args(const attnrt_artifact *a) { return int(a->plan.args.size()); }
extern "C" int attnrt_num_results(const attnrt_artifact *a) {
  return int(a->plan.results.size());
}
extern "C" int attnrt_arg_info(const attnrt_artifact *a, int i, const char **d, int64_t *dims,
                               int n) {
  return info(a->plan.args, i, d, dims, n);
}
extern "C" int attnrt_result_info(const attnrt_artifact *a, int i, const char **d,
                                  int64_t *dims, int n) {
  return info(a->plan.results, i, d, dims, n);
}

extern "C" int attnrt_scratch_bytes(const attnrt_artifact *a, uint64_t *bytes) {
  clearError();
  if (!a || !bytes)
    return fail("attnrt_scratch_bytes: null artifact or output pointer");
  std::lock_guard<std::mutex> lock(a->mu);
  // Run-time sizes: the latest run's (none before the first).
  const Sized &sized = a->plan.dynamic() ? a->resolved : a->plan.fixed;
  uint64_t total = 0;
  for (uint64_t b : sized.scratchBytes)
    total += b;
  *bytes = total;
  return 0;
}

extern "C" int attnrt_is_dynamic(const attnrt_artifact *a) {
  return a && a->plan.dynamic() ? 1 : 0;
}

extern "C" int attnrt_num_scratch_sets(const attnrt_artifact *a) {
  std::lock_guard<std::mutex> lock(a->mu);
  return int(a->streams.size());
}

extern "C" int attnrt_set_max_scratch_sets(attnrt_artifact *a, int max) {
  clearError();
  if (!a || max < 0)
    return fail("attnrt_set_max_scratch_sets: null artifact or a negative limit");
  std::lock_guard<std::mutex> lock(a->mu);
  a->maxStreamSets = max;
  return 0;
}

extern "C" int attnrt_set_checked(attnrt_artifact *a, int on) {
  clearError();
  if (!a)
    return fail("attnrt_set_checked: null artifact");
  std::lock_guard<std::mutex> lock(a->mu);
  a->checked = on != 0;
  return 0;
}

extern "C" int attnrt_num_launches(const attnrt_artifact *a) {
  std::lock_guard<std::mutex> lock(a->mu);
  int n = 0;
  for (const Launch &l : a->plan.launches)
    n += !l.isMarker() && (!l.isCheck || a->checked);
  return n;
}

extern "C" int attnrt_device_alloc(uint64_t bytes, uint64_t *ptr) {
  clearError();
  const Driver *d = ready("attnrt_device_alloc");
  CUdeviceptr p = 0;
  if (!d || !check(d, d->cuMemAlloc(&p, bytes ? bytes : 1), "cuMemAlloc"))
    return 1;
  *ptr = p;
  return 0;
}
extern "C" int attnrt_device_free(uint64_t ptr) {
  clearError();
  const Driver *d = ready("attnrt_device_free");
  return d && check(d, d->cuMemFree(ptr), "cuMemFree") ? 0 : 1;
}
extern "C" int attnrt_copy_to_device(uint64_t dst, const void *src, uint64_t bytes) {
  clearError();
  const Driver *d = ready("attnrt_copy_to_device");
  return d && check(d, d->cuMemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD") ? 0 : 1;
}
extern "C" int attnrt_copy_from_device(void *dst, uint64_t src, uint64_t bytes) {
  clearError();
  const Driver *d = ready("attnrt_copy_from_device");
  return d && check(d, d->cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH") ? 0 : 1;
}
extern "C" int attnrt_synchronize(void) {
  clearError();
  const Driver *d = ready("attnrt_synchronize");
  return d && check(d, d->cuCtxSynchronize(), "cuCtxSynchronize") ? 0 : 1;
}
