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
#include <string>
#include <vector>

namespace {

using attnrt::npy::elementCount;
using attnrt::npy::shapeText;

int die(const std::string &msg) {
  std::fprintf(stderr, "attnrt-run: error: %s\n", msg.c_str());
  return 1;
}

/// The .npy dtype carrying a plan dtype, and its bytes on the device.
bool carrier(const std::string &dtype, std::string &npy, size_t &deviceBytes) {
  if (dtype == "bf16") { npy = "<f4"; deviceBytes = 2; }
  else if (dtype == "f16") { npy = "<f2"; deviceBytes = 2; }
  else if (dtype == "f32") { npy = "<f4"; deviceBytes = 4; }
  else if (dtype == "i32") { npy = "<i4"; deviceBytes = 4; }
  else if (dtype == "i1") { npy = "|b1"; deviceBytes = 1; }
  else return false;
  return true;
}

/// Whether a .npy dtype is accepted for a plan dtype (i1 takes any 1-byte
/// boolean or integer .npy).
bool accepts(const std::string &dtype, const std::string &want, const std::string &npy) {
  if (dtype == "i1")
    return npy == "|b1" || npy == "|i1" || npy == "<i1" || npy == "|u1" || npy == "<u1";
  return npy == want;
}

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return uint16_t((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
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
  for (int i = 0; i < nArgs; ++i) {
    const char *dt;
    int64_t dims[8];
    int r = attnrt_arg_info(art, i, &dt, dims, 8);
    std::vector<int64_t> shape(dims, dims + r);
    std::string want;
    size_t bytes;
    if (!carrier(dt, want, bytes))
      return die("argument #" + std::to_string(i) + " has unsupported dtype " + dt);
    attnrt::npy::Array a;
    std::string why;
    if (!attnrt::npy::read(inputs[i], a, why))
      return die("input '" + inputs[i] + "': " + why);
    if (!accepts(dt, want, a.dtype) || a.shape != shape)
      return die("argument #" + std::to_string(i) + " expects " + dt + " " + shapeText(shape) +
                 " (.npy dtype " + (std::string(dt) == "i1" ? "|b1, |i1 or |u1" : want) +
                 "), got dtype " + a.dtype + " with shape " + shapeText(a.shape));
    std::vector<char> dev = a.data;
    if (std::string(dt) == "i1")
      for (char &c : dev)
        c = c ? 1 : 0;
    if (std::string(dt) == "bf16") {
      size_t n = a.data.size() / 4;
      dev.resize(n * 2);
      for (size_t j = 0; j < n; ++j) {
        float f;
        std::memcpy(&f, a.data.data() + 4 * j, 4);
        uint16_t h = toBf16(f);
        std::memcpy(&dev[2 * j], &h, 2);
      }
    }
    deviceData.push_back(std::move(dev));
  }
  std::vector<uint64_t> argPtrs, resPtrs;
  for (const std::vector<char> &dev : deviceData) {
    uint64_t p;
    if (attnrt_device_alloc(dev.size(), &p) || attnrt_copy_to_device(p, dev.data(), dev.size()))
      return die(attnrt_last_error());
    argPtrs.push_back(p);
  }
  std::vector<std::pair<std::string, std::vector<int64_t>>> resInfo;
  for (int i = 0; i < nRes; ++i) {
    const char *dt;
    int64_t dims[8];
    int r = attnrt_result_info(art, i, &dt, dims, 8);
    std::vector<int64_t> shape(dims, dims + r);
    std::string npy;
    size_t bytes;
    if (!carrier(dt, npy, bytes))
      return die("result #" + std::to_string(i) + " has unsupported dtype " + dt);
    uint64_t count = elementCount(shape);
    uint64_t p;
    if (attnrt_device_alloc(count * bytes, &p))
      return die(attnrt_last_error());
    resPtrs.push_back(p);
    resInfo.push_back({dt, shape});
  }
  std::vector<double> ms;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    if (attnrt_run(art, nullptr, argPtrs.data(), resPtrs.data()) || attnrt_synchronize())
      return die(attnrt_last_error());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::vector<std::string> temps;
  for (int i = 0; i < int(outputs.size()); ++i) {
    const std::string &dt = resInfo[i].first;
    attnrt::npy::Array o;
    size_t bytes;
    carrier(dt, o.dtype, bytes);
    o.shape = resInfo[i].second;
    uint64_t count = elementCount(o.shape);
    std::vector<char> dev(count * bytes);
    if (attnrt_copy_from_device(dev.data(), resPtrs[i], dev.size()))
      return die(attnrt_last_error());
    if (dt == "bf16") {
      o.data.resize(count * 4);
      for (uint64_t j = 0; j < count; ++j) {
        uint16_t h;
        std::memcpy(&h, &dev[2 * j], 2);
        uint32_t u = uint32_t(h) << 16;
        std::memcpy(&o.data[4 * j], &u, 4);
      }
    } else if (dt == "i1") {
      o.data = dev;
      for (char &c : o.data)
        c = c ? 1 : 0;
    } else {
      o.data = dev;
    }
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
  for (uint64_t p : argPtrs) attnrt_device_free(p);
  for (uint64_t p : resPtrs) attnrt_device_free(p);
  attnrt_free(art);
  return 0;
}
