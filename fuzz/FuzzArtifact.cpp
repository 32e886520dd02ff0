//===- FuzzArtifact.cpp - attn-fuzz-artifact: attnrt's plan loader and run -===//
//
// The input is an artifact directory as text: sections that start with a
// line "=== FILE" (plan.txt, kernels.ptx, const0.bin, ...), each written to
// a fresh directory. attnrt_load must load it or say why; a loaded artifact
// is queried (arguments, results, scratch bytes, launches) and, on the fake
// CUDA driver of the runtime tests (test/Runtime/Inputs/fake_cuda.c, found
// as libcuda.so.1 on LD_LIBRARY_PATH), run with zeroed buffers unchecked,
// checked, and unchecked again (a failed run must leave it usable), then
// freed. Every error must name what failed.
//
// The fake driver cannot know how many parameters the runtime passes (nor
// can a real one: cuLaunchKernel reads as many as the kernel takes), so a
// plan whose launch binds another number of parameters than its fake kernel
// (".fake_kernel NAME SIG") declares is loaded and queried but not run.
// Plans whose buffers need more than 16 MiB are not run either.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "attnrt/attnrt.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace attn::fuzz;

namespace {

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attn-fuzz: artifact: %s\n", what.c_str());
  std::abort();
}

/// Writes the "=== FILE" sections; false when the input has none or names a
/// file with a character other than [A-Za-z0-9._-].
bool unpack(const std::string &in, std::string &plan, std::string &image) {
  clearWorkDir();
  size_t at = 0;
  int files = 0;
  while (at < in.size() && files < 16) {
    if (in.compare(at, 4, "=== ") != 0)
      return files > 0;
    size_t nl = in.find('\n', at);
    if (nl == std::string::npos)
      return files > 0;
    std::string name = in.substr(at + 4, nl - at - 4);
    if (name.empty() || name.size() > 64 || name[0] == '.')
      return false;
    for (char c : name)
      if (!std::isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
        return false;
    size_t end = in.find("\n=== ", nl);
    std::string body = in.substr(nl + 1, end == std::string::npos ? std::string::npos
                                                                  : end + 1 - (nl + 1));
    at = end == std::string::npos ? in.size() : end + 1;
    FILE *f = std::fopen((workDir() + "/" + name).c_str(), "wb");
    if (!f)
      return false;
    std::fwrite(body.data(), 1, body.size(), f);
    std::fclose(f);
    if (name == "plan.txt")
      plan = body;
    else
      image += body; // whichever the plan names; signatures are looked up by name
    ++files;
  }
  return files > 0;
}

/// NAME -> parameter count of the fake kernels in the image.
std::map<std::string, size_t> fakeKernels(const std::string &image) {
  std::map<std::string, size_t> out;
  for (size_t at = 0; (at = image.find(".fake_kernel ", at)) != std::string::npos;) {
    at += 13;
    char name[128] = {}, sig[32] = {};
    if (std::sscanf(image.c_str() + at, "%127s %31s", name, sig) == 2)
      out[name] = std::strcmp(sig, "check") ? std::strlen(sig) : 6;
  }
  return out;
}

/// Whether every launch/check line binds as many parameters as its fake
/// kernel takes (the words after `params`, up to `dims`).
bool signaturesMatch(const std::string &plan, const std::map<std::string, size_t> &kernels) {
  size_t start = 0;
  while (start < plan.size()) {
    size_t nl = plan.find('\n', start);
    std::string line = plan.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? plan.size() : nl + 1;
    std::vector<std::string> w;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace((unsigned char)line[i]))
        ++i;
      size_t j = i;
      while (j < line.size() && !std::isspace((unsigned char)line[j]))
        ++j;
      if (j > i)
        w.push_back(line.substr(i, j - i));
      i = j;
    }
    if (w.size() < 2 || (w[0] != "launch" && w[0] != "check"))
      continue;
    size_t n = 0;
    bool inParams = false;
    for (const std::string &x : w) {
      if (x == "dims")
        break;
      if (inParams)
        ++n;
      inParams |= x == "params";
    }
    auto k = kernels.find(w[1]);
    if (k == kernels.end() || k->second != n)
      return false;
  }
  return true;
}

std::string lastError(const char *call) {
  const char *e = attnrt_last_error();
  if (!e || !*e)
    bug(std::string(call) + " failed without an error message");
  return e;
}

Outcome runArtifact(const uint8_t *data, size_t size) {
  std::string plan, image;
  if (!unpack(std::string(reinterpret_cast<const char *>(data), size), plan, image))
    return Outcome::Rejected;
  attnrt_artifact *a = nullptr;
  if (attnrt_load(workDir().c_str(), &a)) {
    lastError("attnrt_load");
    if (a)
      bug("attnrt_load failed but returned an artifact");
    return Outcome::Rejected;
  }
  // Queries: every index the artifact declares, and one past the end. A
  // run-time size (-1) is given 64 here (argDims); results of a dynamic
  // artifact are sized by attnrt_result_shape for those shapes.
  const bool dynamic = attnrt_is_dynamic(a) != 0;
  std::vector<int64_t> argDims;
  bool shaped = true; // every result's shape is known
  std::vector<uint64_t> bytes[2];
  uint64_t total = 0;
  for (int kind = 0; kind < 2; ++kind) {
    int n = kind ? attnrt_num_results(a) : attnrt_num_args(a);
    for (int i = 0; i <= n; ++i) {
      const char *dtype = nullptr;
      int64_t dims[ATTNRT_MAX_DIMS];
      int rank = kind ? attnrt_result_info(a, i, &dtype, dims, ATTNRT_MAX_DIMS)
                      : attnrt_arg_info(a, i, &dtype, dims, ATTNRT_MAX_DIMS);
      if (i == n) {
        if (rank >= 0)
          bug("an info query past the last index succeeded");
        lastError("attnrt_arg_info");
        continue;
      }
      if (rank < 0 || rank > ATTNRT_MAX_DIMS || !dtype)
        bug("an info query of a declared index failed");
      for (int d = 0; d < rank; ++d) {
        if (dims[d] < 0 && !dynamic)
          bug("a static artifact reports a run-time size");
        if (dims[d] < 0 && !kind)
          dims[d] = 64;
        if (!kind)
          argDims.push_back(dims[d]);
      }
      if (kind && dynamic) {
        int r = attnrt_result_shape(a, i, argDims.empty() ? dims : argDims.data(), dims,
                                    ATTNRT_MAX_DIMS);
        if (r < 0) {
          lastError("attnrt_result_shape");
          shaped = false;
          r = 0;
        } else if (r != rank) {
          bug("attnrt_result_shape gave another rank than attnrt_result_info");
        }
      }
      uint64_t b = std::strcmp(dtype, "bf16") == 0 || std::strcmp(dtype, "f16") == 0 ? 2
                   : std::strcmp(dtype, "i1") == 0                                   ? 1
                                                                                     : 4;
      for (int d = 0; d < rank; ++d)
        b = dims[d] && b > (uint64_t(1) << 40) / uint64_t(dims[d]) ? uint64_t(1) << 40
                                                                   : b * uint64_t(dims[d]);
      bytes[kind].push_back(b);
      total += b;
    }
  }
  uint64_t scratch = 0;
  if (attnrt_scratch_bytes(a, &scratch))
    bug("attnrt_scratch_bytes failed on a loaded artifact");
  if (attnrt_num_launches(a) < 0)
    bug("a negative launch count");
  if (!shaped || total + scratch > (16u << 20) || !signaturesMatch(plan, fakeKernels(image))) {
    attnrt_free(a);
    return Outcome::Accepted;
  }
  std::vector<uint64_t> ptrs[2];
  bool ok = true;
  for (int kind = 0; kind < 2 && ok; ++kind)
    for (uint64_t b : bytes[kind]) {
      uint64_t p = 0;
      if (attnrt_device_alloc(b, &p)) {
        lastError("attnrt_device_alloc");
        ok = false;
        break;
      }
      std::vector<char> zeros(b ? b : 1, 0);
      attnrt_copy_to_device(p, zeros.data(), b);
      ptrs[kind].push_back(p);
    }
  if (ok) {
    for (int checked : {0, 1, 0}) {
      attnrt_set_checked(a, checked);
      if (dynamic ? attnrt_run_shaped(a, nullptr, ptrs[0].data(),
                                      argDims.empty() ? nullptr : argDims.data(),
                                      ptrs[1].data())
                  : attnrt_run(a, nullptr, ptrs[0].data(), ptrs[1].data()))
        lastError(dynamic ? "attnrt_run_shaped" : "attnrt_run");
    }
  }
  attnrt_free(a);
  for (auto &list : ptrs)
    for (uint64_t p : list)
      attnrt_device_free(p);
  return Outcome::Accepted;
}

} // namespace

const Target &attn::fuzz::target() {
  static const Target t{
      "attn-fuzz-artifact",
      runArtifact,
      {"attn-artifact 3\n", "chip sm_90a\n", "ptx kernels.ptx\n", "cubin k.cubin\n",
       "arg ", "result ", "const ", "scratch ", "launch ", "check ", "loop 3\n", "loop 0\n",
       "end\n", " grid ", " block ", " smem ", " params ", " dims ", "arg:0", "arg:1",
       "result:0", "const:0", "scratch:0", "scratch:1+40", "+4096", "err", "null", "i32:",
       "f32:", " bf16 ", " f16 ", " f32 ", " i32 ", " i1 ", ",", "1,1,1", "=== plan.txt\n",
       "=== const0.bin\n", ".fake_kernel ", "a0_2", "a0_0", "(", ")", "+", "*", "/", "%",
       "assert ", " == ", " <= ", "i32:a0_2", "tmap:arg:0:bf16:64,a0_2,a0_0*2:64"},
      true};
  return t;
}
