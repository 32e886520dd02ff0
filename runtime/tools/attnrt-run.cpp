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

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Npy {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string data;
};

int die(const std::string &msg) {
  std::fprintf(stderr, "attnrt-run: error: %s\n", msg.c_str());
  return 1;
}

std::string shapeText(const std::vector<int64_t> &s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i)
    t += (i ? ", " : "") + std::to_string(s[i]);
  return t + (s.size() == 1 ? ",)" : ")");
}

uint64_t elementCount(const std::vector<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= uint64_t(d);
  return n;
}

bool readNpy(const std::string &path, Npy &out, std::string &why) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return why = "cannot read file", false;
  std::string buf;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
    buf.append(chunk, n);
  std::fclose(f);
  if (buf.size() < 10 || buf.compare(0, 6, "\x93NUMPY") != 0)
    return why = "not a .npy file (bad magic)", false;
  size_t hlen, hstart;
  if (buf[6] == 1) {
    hlen = uint8_t(buf[8]) | (uint8_t(buf[9]) << 8);
    hstart = 10;
  } else if ((buf[6] == 2 || buf[6] == 3) && buf.size() >= 12) {
    hlen = uint32_t(uint8_t(buf[8])) | (uint32_t(uint8_t(buf[9])) << 8) |
           (uint32_t(uint8_t(buf[10])) << 16) | (uint32_t(uint8_t(buf[11])) << 24);
    hstart = 12;
  } else {
    return why = "unsupported .npy version", false;
  }
  if (hstart + hlen > buf.size())
    return why = "truncated header", false;
  std::string h = buf.substr(hstart, hlen);
  auto value = [&](const char *key) -> std::string {
    size_t at = h.find(key);
    if (at == std::string::npos)
      return "";
    at = h.find(':', at);
    return at == std::string::npos ? "" : h.substr(at + 1);
  };
  std::string descr = value("'descr'"), fortran = value("'fortran_order'"),
              shape = value("'shape'");
  size_t q0 = descr.find('\''), q1 = descr.find('\'', q0 + 1);
  if (q0 == std::string::npos || q1 == std::string::npos)
    return why = "header has no 'descr'", false;
  out.dtype = descr.substr(q0 + 1, q1 - q0 - 1);
  if (fortran.find("True") < fortran.find(','))
    return why = "Fortran-order arrays are not supported", false;
  size_t p0 = shape.find('('), p1 = shape.find(')');
  if (p0 == std::string::npos || p1 == std::string::npos)
    return why = "header has no 'shape'", false;
  out.shape.clear();
  std::string dims = shape.substr(p0 + 1, p1 - p0 - 1);
  size_t start = 0;
  while (start < dims.size()) {
    size_t comma = dims.find(',', start);
    std::string item = dims.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start);
    start = comma == std::string::npos ? dims.size() : comma + 1;
    if (item.find_first_not_of(' ') == std::string::npos)
      continue;
    char *end = nullptr;
    long long d = std::strtoll(item.c_str(), &end, 10);
    if (d < 0 || (*end && *end != ' '))
      return why = "malformed 'shape'", false;
    out.shape.push_back(d);
  }
  size_t esize = out.dtype.size() >= 3 ? std::strtoul(out.dtype.c_str() + 2, nullptr, 10) : 0;
  if (!esize)
    return why = "unsupported dtype '" + out.dtype + "'", false;
  uint64_t count = elementCount(out.shape);
  size_t dataStart = hstart + hlen;
  if (buf.size() - dataStart != count * esize)
    return why = "data size does not match dtype and shape (truncated or corrupt file)", false;
  out.data = buf.substr(dataStart);
  return true;
}

bool writeNpy(const std::string &path, const Npy &a) {
  std::string header = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " +
                       shapeText(a.shape) + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           (unsigned char)(header.size() & 0xff),
                           (unsigned char)(header.size() >> 8)};
  bool ok = std::fwrite(pre, 1, 10, f) == 10 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(a.data.data(), 1, a.data.size(), f) == a.data.size();
  return std::fclose(f) == 0 && ok;
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
  std::vector<std::string> deviceData;
  for (int i = 0; i < nArgs; ++i) {
    const char *dt;
    int64_t dims[8];
    int r = attnrt_arg_info(art, i, &dt, dims, 8);
    std::vector<int64_t> shape(dims, dims + r);
    std::string want;
    size_t bytes;
    if (!carrier(dt, want, bytes))
      return die("argument #" + std::to_string(i) + " has unsupported dtype " + dt);
    Npy a;
    std::string why;
    if (!readNpy(inputs[i], a, why))
      return die("input '" + inputs[i] + "': " + why);
    if (!accepts(dt, want, a.dtype) || a.shape != shape)
      return die("argument #" + std::to_string(i) + " expects " + dt + " " + shapeText(shape) +
                 " (.npy dtype " + (std::string(dt) == "i1" ? "|b1, |i1 or |u1" : want) +
                 "), got dtype " + a.dtype + " with shape " + shapeText(a.shape));
    std::string dev = a.data;
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
  for (const std::string &dev : deviceData) {
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
    Npy o;
    size_t bytes;
    carrier(dt, o.dtype, bytes);
    o.shape = resInfo[i].second;
    uint64_t count = elementCount(o.shape);
    std::string dev(count * bytes, '\0');
    if (attnrt_copy_from_device(&dev[0], resPtrs[i], dev.size()))
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
    if (!writeNpy(temps.back(), o)) {
      for (const std::string &t : temps)
        std::remove(t.c_str());
      return die("cannot write '" + outputs[i] + "'");
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
