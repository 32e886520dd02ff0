//===- Execute.cpp - attnrt_run: first-run setup, launches, checked mode --===//
//
// The device side of an artifact: the chip check, the module, functions and
// constant tables made on the first run (resumed after a failed one), one
// scratch set per stream made on the first run on that stream, the plan's
// launches bound to the caller's pointers on the caller's stream, and
// checked mode's kv-table validation (the check kernel's parameters and the
// error buffer as attnrt/abi.h lays them out). A run holds the artifact's
// mutex from setup to its last launch.
//
//===----------------------------------------------------------------------===//

#include "attnrt/abi.h"
#include "attnrt/attnrt.h"

#include "Artifact.h"
#include "Error.h"

#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace attnrt;

namespace {

/// Word ATTNRT_CHECK_ERR_POSITION of the error buffer when no entry is bad.
constexpr uint32_t kNoError = uint32_t(ATTNRT_CHECK_ERR_NONE);

/// Fails unless the device of context `ctx` can run kernels built for the
/// plan's `chip`, before the module is loaded: the driver's own error for an
/// image of another chip (no binary for the GPU, or a PTX JIT failure) does
/// not say which chips. Checked once per context (again after a failure).
bool checkChip(const Driver *d, attnrt_artifact *a, CUcontext ctx) {
  const Chip &chip = a->plan.chip;
  if (chip.name.empty() || a->chipChecked == ctx)
    return true;
  CUdevice dev = 0;
  int major = 0, minor = 0;
  if (!check(d, d->cuCtxGetDevice(&dev), "cuCtxGetDevice") ||
      !check(d, d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
             "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)") ||
      !check(d, d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
             "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)"))
    return false;
  std::string why = chipMismatch(chip, a->plan.imageIsCubin, major, minor);
  if (!why.empty()) {
    fail("attnrt_run: artifact built for " + chip.name + "; device " + std::to_string(dev) +
         " is compute capability " + std::to_string(major) + "." + std::to_string(minor) +
         " (" + why + ")");
    return false;
  }
  a->chipChecked = ctx;
  return true;
}

/// Opens launch `i`'s function to `l.smem` bytes of dynamic shared memory
/// where that is above the default 48 KiB and above what it was opened to
/// (at setup for a fixed size; per new maximum for one sized at run time).
bool openSharedMemory(const Driver *d, attnrt_artifact *a, size_t i, const Launch &l) {
  if (l.smem <= 48 * 1024 || l.smem <= a->smemOpened[i])
    return true;
  if (!check(d, d->cuFuncSetAttribute(a->functions[i],
                                      CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                      int(l.smem)),
             "cuFuncSetAttribute(" + l.kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " +
                 std::to_string(l.smem) + ")"))
    return false;
  a->smemOpened[i] = l.smem;
  return true;
}

/// The device state every stream shares, made once: the module, the
/// functions of the launches this run makes, the constant tables. Resumes
/// after a failed attempt.
bool prepareShared(const Driver *d, attnrt_artifact *a) {
  const Plan &plan = a->plan;
  if (!a->module && !check(d, d->cuModuleLoadData(&a->module, plan.image.data()),
                           "cuModuleLoadData(" + plan.imageFile + ")"))
    return false;
  for (size_t i = 0; i < plan.launches.size(); ++i) {
    const Launch &l = plan.launches[i];
    if (a->functions[i] || l.isMarker() || (l.isCheck && !a->checked))
      continue;
    CUfunction fn = nullptr;
    if (!check(d, d->cuModuleGetFunction(&fn, a->module, l.kernel.c_str()),
               "cuModuleGetFunction(" + l.kernel + ")"))
      return false;
    a->functions[i] = fn;
    if (!openSharedMemory(d, a, i, l))
      return false;
  }
  while (a->constDev.size() < plan.constData.size()) {
    const std::string &data = plan.constData[a->constDev.size()];
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
  return true;
}

/// How a stream is named in messages.
std::string streamText(CUstream s) {
  if (!s)
    return "0 (the legacy default stream)";
  if (s == CU_STREAM_PER_THREAD)
    return "CU_STREAM_PER_THREAD of this thread";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", s);
  return buf;
}

/// The scratch set of `stream` (of this thread's, for CU_STREAM_PER_THREAD),
/// made empty on its first run unless the artifact already has as many as
/// attnrt_set_max_scratch_sets allows; null after failing.
StreamSet *streamSet(attnrt_artifact *a, const Sized &sized, CUstream stream) {
  if (stream == CU_STREAM_LEGACY)
    stream = nullptr; // both name the legacy default stream
  std::thread::id thread;
  if (stream == CU_STREAM_PER_THREAD)
    thread = std::this_thread::get_id();
  for (const std::unique_ptr<StreamSet> &s : a->streams)
    if (s->stream == stream && s->thread == thread)
      return s.get();
  if (a->maxStreamSets > 0 && a->streams.size() >= size_t(a->maxStreamSets)) {
    uint64_t bytes = 0; // (attnrt_scratch_bytes takes the lock this run holds)
    for (uint64_t b : sized.scratchBytes)
      bytes += b;
    fail("attnrt_run: stream " + streamText(stream) + " would need a new scratch set (" +
         std::to_string(bytes) + " bytes) but the artifact has " +
         plural(a->streams.size(), "set") +
         ", its limit (attnrt_set_max_scratch_sets): run it on a stream that has one");
    return nullptr;
  }
  auto s = std::make_unique<StreamSet>();
  s->stream = stream;
  s->thread = thread;
  s->maps.assign(a->mapCount, TensorMapSlot());
  a->streams.push_back(std::move(s));
  return a->streams.back().get();
}

/// This thread's stream-capture mode, relaxed while the object lives. A
/// stream's first run allocates its scratch set with cuMemAlloc, which the
/// default (global) mode forbids while any stream is being captured into a
/// CUDA graph, and the first run on a stream may well be captured: a
/// warm-up run on the current stream, then the capture on a side stream
/// (torch.cuda.graph captures on a stream of its own). Relaxed mode allows
/// it (PyTorch's allocator does the same); the allocation is not part of
/// the graph, whose launches keep the pointers, valid until attnrt_free.
class RelaxedCapture {
  const Driver *d;
  int mode = CU_STREAM_CAPTURE_MODE_RELAXED; // swapped with the thread's mode

public:
  const bool ok; // after `mode`, which its initializer swaps

  explicit RelaxedCapture(const Driver *d)
      : d(d), ok(check(d, d->cuThreadExchangeStreamCaptureMode(&mode),
                       "cuThreadExchangeStreamCaptureMode")) {}
  ~RelaxedCapture() {
    if (ok)
      d->cuThreadExchangeStreamCaptureMode(&mode); // back to the caller's mode
  }
  RelaxedCapture(const RelaxedCapture &) = delete;
  RelaxedCapture &operator=(const RelaxedCapture &) = delete;
};

/// Allocates what `set` still lacks: the scratch buffers (of the sizes of
/// `sized`; a buffer too small for run-time sizes is replaced, after the
/// stream's earlier work is done with it) and, in checked mode, the error
/// buffer. Resumes after a failed attempt.
bool prepareStream(const Driver *d, const attnrt_artifact *a, const Sized &sized,
                   StreamSet &set) {
  const std::vector<uint64_t> &need = sized.scratchBytes;
  bool needErr = a->checked && !set.errDev;
  bool grow = false;
  for (size_t i = 0; i < set.scratch.size(); ++i)
    grow |= set.scratchSize[i] < need[i];
  if (set.scratch.size() == need.size() && !needErr && !grow)
    return true;
  RelaxedCapture relaxed(d);
  if (!relaxed.ok)
    return false;
  if (grow) {
    if (!check(d, d->cuStreamSynchronize(set.stream),
               "cuStreamSynchronize(before growing the scratch set)"))
      return false;
    for (size_t i = 0; i < set.scratch.size(); ++i) {
      if (set.scratchSize[i] >= need[i])
        continue;
      CUdeviceptr p = 0;
      if (!check(d, d->cuMemAlloc(&p, need[i]),
                 "cuMemAlloc(scratch " + std::to_string(i) + ", " + std::to_string(need[i]) +
                     " bytes)"))
        return false;
      d->cuMemFree(set.scratch[i]);
      set.scratch[i] = p;
      set.scratchSize[i] = need[i];
    }
  }
  while (set.scratch.size() < need.size()) {
    size_t i = set.scratch.size();
    CUdeviceptr p = 0;
    if (!check(d, d->cuMemAlloc(&p, need[i]),
               "cuMemAlloc(scratch " + std::to_string(i) + ", " + std::to_string(need[i]) +
                   " bytes)"))
      return false;
    set.scratch.push_back(p);
    set.scratchSize.push_back(need[i]);
  }
  if (needErr && !check(d, d->cuMemAlloc(&set.errDev, ATTNRT_CHECK_ERR_WORDS * sizeof(uint32_t)),
                        "cuMemAlloc(check error buffer)"))
    return false;
  return true;
}

/// The device address a buffer parameter binds.
CUdeviceptr bind(const attnrt_artifact *a, const StreamSet &set, const Param &p,
                 const uint64_t *args, const uint64_t *results) {
  switch (p.kind) {
  case Param::Arg: return args[p.value] + p.offset;
  case Param::Result: return results[p.value] + p.offset;
  case Param::Const: return a->constDev[p.value] + p.offset;
  case Param::Scratch: return set.scratch[p.value] + p.offset;
  case Param::Err: return set.errDev;
  default: return 0;
  }
}

/// Encodes `slot` for `p` (a `tmap:` parameter) over device address `addr`
/// unless it already is: a contiguous tensor of p.mapRank dims (innermost
/// first; the 3-D form is a [N, S, D] tensor as {D, S, N}) with 128-byte
/// swizzle and zero fill, boxes of p.mapBox.
bool encodeTensorMap(const Driver *d, const Param &p, CUdeviceptr addr, TensorMapSlot &slot) {
  if (slot.valid && slot.encodedFor == addr &&
      std::equal(p.mapDims, p.mapDims + 5, slot.encodedDims) && slot.encodedSlab == p.mapSlab)
    return true;
  const int rank = p.mapRank;
  unsigned long long dims[5] = {}, strides[4] = {};
  unsigned box[5] = {}, step[5] = {};
  unsigned long long stride = elementBytes(p.mapDtype);
  for (int i = 0; i < rank; ++i) {
    dims[i] = (unsigned long long)p.mapDims[i];
    box[i] = unsigned(p.mapBox[i]);
    step[i] = 1;
    if (i > 0)
      strides[i - 1] = stride;
    stride *= dims[i];
  }
  if (p.hasSlab && rank > 1) // a slab of a larger tensor
    strides[rank - 2] = (unsigned long long)p.mapSlab * elementBytes(p.mapDtype);
  const int dtype = p.mapDtype == "bf16" ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                                         : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  slot.valid = false;
  if (!check(d, d->cuTensorMapEncodeTiled(slot.bytes, dtype, unsigned(rank),
                                          reinterpret_cast<void *>(addr),
                                          dims, strides, box, step,
                                          CU_TENSOR_MAP_INTERLEAVE_NONE,
                                          CU_TENSOR_MAP_SWIZZLE_128B,
                                          CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                                          CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
             "cuTensorMapEncodeTiled(" + p.text + ")"))
    return false;
  slot.valid = true;
  slot.encodedFor = addr;
  std::copy(p.mapDims, p.mapDims + 5, slot.encodedDims);
  slot.encodedSlab = p.mapSlab;
  return true;
}

std::string indexText(const int64_t *v, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

/// Turns the position a check kernel reported into the message naming the
/// bad table entry (its value read back from the device).
std::string checkFailure(const Driver *d, const attnrt_artifact *a, const Sized &sized,
                         const StreamSet &set, size_t at, uint32_t pos, CUstream stream,
                         const uint64_t *args, const uint64_t *results) {
  const std::vector<Launch> &launches = sized.launches;
  const Launch &l = launches[at];
  const int64_t B = l.dims[0], H = l.dims[1], N = l.dims[2];
  const int64_t rows = B * H * N, K = l.params[ATTNRT_CHECK_KV_K].value,
                nkv = l.params[ATTNRT_CHECK_KV_NKV].value;
  std::string next = "the end of the plan";
  for (size_t j = at + 1; j < launches.size(); ++j)
    if (!launches[j].isCheck && !launches[j].isMarker()) {
      next = "'" + launches[j].kernel + "'";
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
      return std::string("? (") + lastError() + ")";
    return std::to_string(v);
  };
  int64_t ix[4];
  if (int64_t(pos) < rows) {
    unflatten(pos, ix);
    CUdeviceptr cnt = bind(a, set, l.params[ATTNRT_CHECK_KV_COUNTS], args, results);
    return "kv_counts" + indexText(ix, 3) + " = " + value(cnt + 4 * uint64_t(pos)) +
           " is outside [0, " + std::to_string(K) + "]" + context;
  }
  int64_t q = int64_t(pos) - rows;
  if (K > 0 && q < rows * K) {
    unflatten(q / K, ix);
    ix[3] = q % K;
    CUdeviceptr idx = bind(a, set, l.params[ATTNRT_CHECK_KV_INDICES], args, results);
    return "kv_indices" + indexText(ix, 4) + " = " + value(idx + 4 * uint64_t(q)) +
           " is outside [0, " + std::to_string(nkv) + ")" + context;
  }
  return "the check kernel reported position " + std::to_string(pos) + ", past its " +
         std::to_string(rows) + " + " + std::to_string(rows * K) + " table entries" + context;
}

/// The sizes a run of `a` with arguments of the shapes `argDims` (null:
/// attnrt_run, the static sizes) uses, resolved once per new shapes (the
/// caller holds a->mu); null after failing, with `caller` in the message.
const Sized *sizesFor(const attnrt_artifact *a, const int64_t *argDims,
                      const std::string &caller) {
  const Plan &plan = a->plan;
  if (!plan.dynamic()) {
    if (!argDims)
      return &plan.fixed;
    size_t at = 0;
    for (size_t i = 0; i < plan.args.size(); ++i)
      for (size_t dim = 0; dim < plan.args[i].shape.size(); ++dim, ++at)
        if (argDims[at] != plan.args[i].shape[dim]) {
          fail(caller + ": argument " + std::to_string(i) + " dimension " +
               std::to_string(dim) + " is " + std::to_string(argDims[at]) +
               "; the artifact was compiled for " + std::to_string(plan.args[i].shape[dim]));
          return nullptr;
        }
    return &plan.fixed;
  }
  if (!argDims) {
    const auto [i, dim] = plan.nameAt[0];
    fail("attnrt_run: the artifact's sizes are given at run time (argument " +
         std::to_string(i) + " dimension " + std::to_string(dim) + " is '" + plan.names[0] +
         "'): run it with attnrt_run_shaped and the arguments' shapes");
    return nullptr;
  }
  if (a->haveResolved) {
    bool same = true;
    size_t at = 0;
    for (const Tensor &t : a->resolved.args)
      for (int64_t v : t.shape)
        same &= argDims[at++] == v;
    if (same)
      return &a->resolved;
  }
  a->haveResolved = false;
  std::string why;
  if (!resolvePlan(plan, argDims, a->resolved, why)) {
    fail(caller + ": " + why);
    return nullptr;
  }
  a->haveResolved = true;
  return &a->resolved;
}

int run(attnrt_artifact *a, void *stream, const uint64_t *args, const int64_t *argDims,
        const uint64_t *results) {
  if (!a)
    return fail("attnrt_run: null artifact");
  const Plan &plan = a->plan;
  if ((!args && !plan.args.empty()) || (!results && !plan.results.empty()))
    return fail("attnrt_run: the artifact takes " + plural(plan.args.size(), "argument") +
                " and " + plural(plan.results.size(), "result") +
                " but args or results is null");
  // Kernels move rows in 16-byte pieces (gathers, cp.async): a framework
  // view with an odd storage offset must be copied by the caller first.
  for (size_t i = 0; i < plan.args.size(); ++i)
    if (args[i] % 16)
      return fail("attnrt_run: argument " + std::to_string(i) +
                  " is not 16-byte aligned (pass a contiguous tensor that "
                  "starts its own allocation, or copy it)");
  for (size_t i = 0; i < plan.results.size(); ++i)
    if (results[i] % 16)
      return fail("attnrt_run: result " + std::to_string(i) +
                  " is not 16-byte aligned (pass a freshly allocated buffer)");
  CUcontext ctx = nullptr;
  const Driver *d = ready("attnrt_run", &ctx);
  if (!d)
    return 1;
  CUstream s = static_cast<CUstream>(stream);
  // Serializes runs from several host threads: the setup and the host-side
  // tensor maps are shared state; each run still goes to its own stream.
  std::lock_guard<std::mutex> lock(a->mu);
  const Sized *sized = sizesFor(a, argDims, "attnrt_run_shaped");
  if (!sized || !checkChip(d, a, ctx) || !prepareShared(d, a))
    return 1;
  StreamSet *set = streamSet(a, *sized, s);
  if (!set || !prepareStream(d, a, *sized, *set))
    return 1;
  std::vector<CUdeviceptr> ptrs;
  std::vector<int32_t> ints;
  std::vector<float> floats;
  std::vector<void *> kernelParams;
  std::vector<int64_t> tripsLeft; // of the open loops, innermost last
  for (size_t at = 0; at < sized->launches.size(); ++at) {
    const Launch &l = sized->launches[at];
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
    size_t mapSlot = a->mapBase[at]; // this launch's tensor maps, in order
    for (size_t i = 0; i < n; ++i) {
      const Param &p = l.params[i];
      if (p.kind == Param::I32) {
        ints[i] = int32_t(p.value);
        kernelParams[i] = &ints[i];
      } else if (p.kind == Param::F32) {
        floats[i] = p.f;
        kernelParams[i] = &floats[i];
      } else if (p.tensorMap) {
        TensorMapSlot &slot = set->maps[mapSlot++];
        if (!encodeTensorMap(d, p, bind(a, *set, p, args, results), slot))
          return 1;
        kernelParams[i] = slot.bytes;
      } else {
        ptrs[i] = bind(a, *set, p, args, results);
        kernelParams[i] = &ptrs[i];
      }
    }
    if (l.isCheck) {
      // The position word starts at "none", the reserved words at 0.
      const CUdeviceptr pos = set->errDev + sizeof(uint32_t) * ATTNRT_CHECK_ERR_POSITION;
      if (!check(d, d->cuMemsetD32Async(pos, kNoError, 1, s),
                 "cuMemsetD32Async(check error buffer)") ||
          !check(d, d->cuMemsetD32Async(pos + sizeof(uint32_t), 0, ATTNRT_CHECK_ERR_WORDS - 1, s),
                 "cuMemsetD32Async(check error buffer)"))
        return 1;
    }
    // Shared memory sized at run time may ask for more than at setup.
    if (!openSharedMemory(d, a, at, l))
      return 1;
    // The message is built only on failure (a heap string per launch else).
    CUresult r = d->cuLaunchKernel(a->functions[at], l.grid[0], l.grid[1], l.grid[2],
                                   l.block[0], l.block[1], l.block[2], l.smem, s,
                                   kernelParams.data(), nullptr);
    if (r != 0 && !check(d, r, "cuLaunchKernel(" + l.kernel + ")"))
      return 1;
    if (l.isCheck) {
      uint32_t err[ATTNRT_CHECK_ERR_WORDS] = {};
      if (!check(d, d->cuMemcpyDtoHAsync(err, set->errDev, sizeof err, s),
                 "cuMemcpyDtoHAsync(check error buffer)") ||
          !check(d, d->cuStreamSynchronize(s), "cuStreamSynchronize(after check '" +
                                                    l.kernel + "')"))
        return 1;
      if (err[ATTNRT_CHECK_ERR_POSITION] != kNoError)
        return fail("attnrt_run: checked mode: " +
                    checkFailure(d, a, *sized, *set, at, err[ATTNRT_CHECK_ERR_POSITION], s,
                                 args, results));
    }
  }
  return 0;
}

} // namespace

extern "C" int attnrt_run(attnrt_artifact *a, void *stream, const uint64_t *args,
                          const uint64_t *results) {
  clearError();
  return run(a, stream, args, nullptr, results);
}

extern "C" int attnrt_run_shaped(attnrt_artifact *a, void *stream, const uint64_t *args,
                                 const int64_t *arg_dims, const uint64_t *results) {
  clearError();
  if (a && !arg_dims && !a->plan.args.empty())
    return fail("attnrt_run_shaped: null arg_dims");
  return run(a, stream, args, arg_dims, results);
}

extern "C" void attnrt_free(attnrt_artifact *a) {
  if (!a)
    return;
  if (const Driver *d = driver()) {
    for (CUdeviceptr p : a->constDev)
      d->cuMemFree(p);
    for (const std::unique_ptr<StreamSet> &set : a->streams) {
      for (CUdeviceptr p : set->scratch)
        d->cuMemFree(p);
      if (set->errDev)
        d->cuMemFree(set->errDev);
    }
    if (a->module)
      d->cuModuleUnload(a->module);
  }
  delete a;
}

extern "C" int attnrt_result_shape(const attnrt_artifact *a, int i, const int64_t *arg_dims,
                                   int64_t *dims, int max_dims) {
  clearError();
  if (!a || !arg_dims || !dims)
    return fail("attnrt_result_shape: null artifact, arg_dims or dims"), -1;
  if (i < 0 || i >= int(a->plan.results.size()))
    return fail("attnrt_result_shape: index " + std::to_string(i) + " is outside [0, " +
                std::to_string(a->plan.results.size()) + ")"),
           -1;
  // The sizes the next run with these shapes uses (resolved once, not per
  // call: frameworks ask before every run to allocate the results).
  std::lock_guard<std::mutex> lock(a->mu);
  const Sized *sized = sizesFor(a, arg_dims, "attnrt_result_shape");
  if (!sized)
    return -1;
  const std::vector<int64_t> &shape = sized->results[i].shape;
  for (int k = 0; k < int(shape.size()) && k < max_dims; ++k)
    dims[k] = shape[k];
  return int(shape.size());
}
