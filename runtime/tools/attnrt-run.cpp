//===- attnrt-run.cpp - run an artifact on .npy files (runtime only) ------===//
//
// attnrt-run ARTIFACT_DIR --input a.npy ... [--output o.npy ...] [--repeat N]
//            [--checked]
//
// For the GPU machine, which has the CUDA driver but no LLVM/MLIR: arguments
// are read from .npy files (bf16 arguments take <f4 data, rounded to nearest
// even; bf16 results are written as <f4; i1 takes |b1, |i1/<i1 or |u1 data,
// nonzero meaning true, and is written as |b1), results written
// all-or-nothing. Buffers are allocated once: --repeat N runs the plan N
// times on them (the runtime reuses its scratch buffers). --checked turns on
// the runtime's checked mode (kv_indices/kv_counts validated on the device).
// Bad input (count, dtype, shape, corrupt file) exits 1 with a message naming
// the argument. Plain C++17 with stdio (no iostreams, no LLVM).
//
//===----------------------------------------------------------------------===//

#include "attnrt/attnrt.h"
#include "attnrt/npy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using attnrt::npy::elementCount;
using attnrt::npy::shapeText;

int die(const std::string &msg) {
  std::fprintf(stderr, "attnrt-run: error: %s\n", msg.c_str());
  return 1;
}

/// An argument or result of the artifact: its plan dtype and shape, the
/// .npy dtype that carries it, and its bytes per element on the device.
struct Slot {
  std::string dtype, npy;
  std::vector<int64_t> shape;
  size_t deviceBytes = 0;
  uint64_t bytes() const { return elementCount(shape) * deviceBytes; }
};

/// Argument (or result) i; false when its dtype has no .npy carrier.
bool slot(const attnrt_artifact *art, bool result, int i, Slot &s) {
  const char *dt;
  int64_t dims[ATTNRT_MAX_DIMS];
  int r = result ? attnrt_result_info(art, i, &dt, dims, ATTNRT_MAX_DIMS)
                  : attnrt_arg_info(art, i, &dt, dims, ATTNRT_MAX_DIMS);
  s.dtype = dt;
  s.shape.assign(dims, dims + r);
  if (s.dtype == "bf16") { s.npy = "<f4"; s.deviceBytes = 2; }
  else if (s.dtype == "f16") { s.npy = "<f2"; s.deviceBytes = 2; }
  else if (s.dtype == "f32") { s.npy = "<f4"; s.deviceBytes = 4; }
  else if (s.dtype == "i32") { s.npy = "<i4"; s.deviceBytes = 4; }
  else if (s.dtype == "i1") { s.npy = "|b1"; s.deviceBytes = 1; }
  else if (s.dtype == "size") { s.npy = "<i8"; s.deviceBytes = 0; }
  else return false;
  return true;
}

/// Whether a .npy dtype is accepted for a slot (i1 takes any 1-byte boolean
/// or integer .npy).
bool accepts(const Slot &s, const std::string &npy) {
  if (s.dtype == "i1")
    return npy == "|b1" || npy == "|i1" || npy == "<i1" || npy == "|u1" || npy == "<u1";
  return npy == s.npy;
}

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return uint16_t((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

/// Host .npy data to the device's bytes (bf16 rounded from <f4, i1 as 0/1).
std::vector<char> toDevice(const Slot &s, const std::vector<char> &host) {
  std::vector<char> dev = host;
  if (s.dtype == "i1")
    for (char &c : dev)
      c = c ? 1 : 0;
  if (s.dtype == "bf16") {
    size_t n = host.size() / 4;
    dev.resize(n * 2);
    for (size_t j = 0; j < n; ++j) {
      float f;
      std::memcpy(&f, host.data() + 4 * j, 4);
      uint16_t h = toBf16(f);
      std::memcpy(&dev[2 * j], &h, 2);
    }
  }
  return dev;
}

/// The device's bytes to .npy data (bf16 widened to <f4, i1 as 0/1).
std::vector<char> fromDevice(const Slot &s, const std::vector<char> &dev) {
  if (s.dtype != "bf16") {
    std::vector<char> host = dev;
    if (s.dtype == "i1")
      for (char &c : host)
        c = c ? 1 : 0;
    return host;
  }
  std::vector<char> host(dev.size() * 2);
  for (size_t j = 0; j < dev.size() / 2; ++j) {
    uint16_t h;
    std::memcpy(&h, &dev[2 * j], 2);
    uint32_t u = uint32_t(h) << 16;
    std::memcpy(&host[4 * j], &u, 4);
  }
  return host;
}

} // namespace

int main(int argc, char **argv) {
  std::string dir;
  std::vector<std::string> inputs, outputs;
  int repeat = 1;
  bool checked = false;
  const char *usage = "usage: attnrt-run ARTIFACT_DIR --input a.npy ... [--output o.npy ...] "
                      "[--repeat N] [--checked]";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--input" || a == "--output" || a == "--repeat") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--input") inputs.push_back(v);
      else if (a == "--output") outputs.push_back(v);
      else {
        char *end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end || n < 1 || n > 1000000)
          return die("--repeat takes a positive count, got '" + v + "'");
        repeat = int(n);
      }
    } else if (a == "--checked") {
      checked = true;
    } else if (a.rfind("--", 0) == 0 || !dir.empty()) {
      return die(usage);
    } else {
      dir = a;
    }
  }
  if (dir.empty())
    return die(usage);
  attnrt_artifact *art = nullptr;
  if (attnrt_load(dir.c_str(), &art))
    return die(attnrt_last_error());
  // Freed on every exit, error paths included (LeakSanitizer in the
  // sanitizer build, scripts/sanitize.sh).
  std::unique_ptr<attnrt_artifact, void (*)(attnrt_artifact *)> owner(art, attnrt_free);
  if (checked)
    attnrt_set_checked(art, 1);
  int nArgs = attnrt_num_args(art), nRes = attnrt_num_results(art);
  if (int(inputs.size()) != nArgs)
    return die("the artifact takes " + std::to_string(nArgs) + " argument(s) but " +
               std::to_string(inputs.size()) + " --input file(s) were given");
  if (!outputs.empty() && int(outputs.size()) != nRes)
    return die("the artifact returns " + std::to_string(nRes) + " result(s) but " +
               std::to_string(outputs.size()) + " --output file(s) were given");

  // Every input is read and checked before the device is touched.
  std::vector<std::vector<char>> deviceData;
  std::vector<int64_t> argDims; // every argument's shape, concatenated
  for (int i = 0; i < nArgs; ++i) {
    Slot s;
    if (!slot(art, false, i, s))
      return die("argument #" + std::to_string(i) + " has unsupported dtype " + s.dtype);
    attnrt::npy::Array a;
    std::string why;
    if (!attnrt::npy::read(inputs[i], a, why))
      return die("input '" + inputs[i] + "': " + why);
    if (s.dtype == "size") {
      // A size argument (a grid extent, a top-k): a 0-d integer .npy whose
      // value goes to the runtime with the shapes; no device buffer.
      int64_t v = 0;
      if (!a.shape.empty() || !(a.dtype == "<i8" || a.dtype == "<i4"))
        return die("argument #" + std::to_string(i) +
                   " is a size: expects a 0-d .npy of dtype <i8 or <i4, got dtype " + a.dtype +
                   " with shape " + shapeText(a.shape));
      if (a.dtype == "<i8")
        std::memcpy(&v, a.data.data(), 8);
      else {
        int32_t v32;
        std::memcpy(&v32, a.data.data(), 4);
        v = v32;
      }
      deviceData.emplace_back();
      argDims.push_back(v);
      continue;
    }
    // A run-time size (-1) takes the input's; the runtime checks what the
    // sizes must satisfy.
    bool fits = a.shape.size() == s.shape.size();
    for (size_t d = 0; fits && d < a.shape.size(); ++d)
      fits = s.shape[d] < 0 || s.shape[d] == a.shape[d];
    if (!accepts(s, a.dtype) || !fits)
      return die("argument #" + std::to_string(i) + " expects " + s.dtype + " " +
                 shapeText(s.shape) + " (.npy dtype " +
                 (s.dtype == "i1" ? "|b1, |i1 or |u1" : s.npy) + "), got dtype " + a.dtype +
                 " with shape " + shapeText(a.shape));
    deviceData.push_back(toDevice(s, a.data));
    argDims.insert(argDims.end(), a.shape.begin(), a.shape.end());
  }
  std::vector<uint64_t> argPtrs, resPtrs;
  for (const std::vector<char> &dev : deviceData) {
    uint64_t p = 0;
    if (dev.empty()) { // a size argument
      argPtrs.push_back(0);
      continue;
    }
    if (attnrt_device_alloc(dev.size(), &p) || attnrt_copy_to_device(p, dev.data(), dev.size()))
      return die(attnrt_last_error());
    argPtrs.push_back(p);
  }
  std::vector<Slot> resSlots(nRes);
  for (int i = 0; i < nRes; ++i) {
    if (!slot(art, true, i, resSlots[i]))
      return die("result #" + std::to_string(i) + " has unsupported dtype " + resSlots[i].dtype);
    if (attnrt_is_dynamic(art)) {
      int64_t dims[ATTNRT_MAX_DIMS];
      int rank = attnrt_result_shape(art, i, argDims.data(), dims, ATTNRT_MAX_DIMS);
      if (rank < 0)
        return die(attnrt_last_error());
      resSlots[i].shape.assign(dims, dims + rank);
    }
    uint64_t p;
    if (attnrt_device_alloc(resSlots[i].bytes(), &p))
      return die(attnrt_last_error());
    resPtrs.push_back(p);
  }
  std::vector<double> ms;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    if (attnrt_run_shaped(art, nullptr, argPtrs.data(), argDims.data(), resPtrs.data()) ||
        attnrt_synchronize())
      return die(attnrt_last_error());
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::vector<std::string> temps;
  for (int i = 0; i < int(outputs.size()); ++i) {
    const Slot &r = resSlots[i];
    std::vector<char> dev(r.bytes());
    if (attnrt_copy_from_device(dev.data(), resPtrs[i], dev.size()))
      return die(attnrt_last_error());
    attnrt::npy::Array o;
    o.dtype = r.npy;
    o.shape = r.shape;
    o.data = fromDevice(r, dev);
    temps.push_back(outputs[i] + ".partial");
    std::string why;
    if (!attnrt::npy::write(temps.back(), o, why)) {
      for (const std::string &t : temps)
        std::remove(t.c_str());
      return die("cannot write '" + outputs[i] + "': " + why);
    }
  }
  for (size_t i = 0; i < temps.size(); ++i)
    if (std::rename(temps[i].c_str(), outputs[i].c_str()))
      return die("cannot move '" + outputs[i] + "' into place");
  std::sort(ms.begin(), ms.end());
  uint64_t scratch = 0;
  attnrt_scratch_bytes(art, &scratch);
  std::fprintf(stderr,
               "attnrt-run: %d run(s)%s, median %.3f ms (host wall clock, includes launch); "
               "scratch %llu bytes\n",
               repeat, checked ? " in checked mode" : "", ms[ms.size() / 2],
               (unsigned long long)scratch);
  for (uint64_t p : argPtrs)
    if (p)
      attnrt_device_free(p);
  for (uint64_t p : resPtrs) attnrt_device_free(p);
  return 0;
}
