// Several threads load an artifact and make their first driver use at the
// same moment (attnrt's first use opens libcuda.so.1 and resolves its
// symbols); each then allocates its buffers, runs the artifact twice and
// frees it. Prints the distinct outcomes with how many threads saw each: a
// thread-safe first use gives one outcome for every thread.
//
// usage: attnrt_threads ARTIFACT_DIR THREADS
// Built by the lit test: c++ -std=c++17 -pthread ... -lattnrt
#include "attnrt/attnrt.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string step(const char *what, int rc) {
  return std::string(what) + " rc " + std::to_string(rc) +
         (rc ? std::string(" (") + attnrt_last_error() + ")" : std::string());
}

/// One thread's whole story, as text.
std::string work(const char *dir, std::atomic<int> &waiting) {
  --waiting;
  while (waiting.load() > 0) // start together
    std::this_thread::yield();
  attnrt_artifact *a = nullptr;
  int rc = attnrt_load(dir, &a);
  std::string out = step("load", rc);
  if (rc)
    return out;
  std::vector<uint64_t> args, results;
  for (int kind = 0; kind < 2; ++kind) {
    int n = kind ? attnrt_num_results(a) : attnrt_num_args(a);
    for (int i = 0; i < n; ++i) {
      const char *dtype;
      int64_t dims[8];
      int rank = kind ? attnrt_result_info(a, i, &dtype, dims, 8)
                      : attnrt_arg_info(a, i, &dtype, dims, 8);
      uint64_t bytes = 4;
      for (int d = 0; d < rank; ++d)
        bytes *= uint64_t(dims[d]);
      uint64_t p = 0;
      // The first driver use of every thread: opens the driver.
      rc = attnrt_device_alloc(bytes, &p);
      if (rc) {
        // A failed open reports the same error on every later call too.
        std::string first = attnrt_last_error();
        int again = attnrt_device_alloc(bytes, &p);
        out += ", " + step("alloc", rc) +
               (again && first == attnrt_last_error() ? ", again the same" : ", again different");
        attnrt_free(a);
        return out;
      }
      (kind ? results : args).push_back(p);
    }
  }
  out += ", alloc rc 0";
  for (int r = 0; r < 2; ++r)
    out += ", " + step("run", attnrt_run(a, nullptr, args.data(), results.data()));
  attnrt_free(a);
  for (uint64_t p : args)
    attnrt_device_free(p);
  for (uint64_t p : results)
    attnrt_device_free(p);
  return out;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3 || std::atoi(argv[2]) < 1) {
    std::fprintf(stderr, "usage: attnrt_threads ARTIFACT_DIR THREADS\n");
    return 2;
  }
  int n = std::atoi(argv[2]);
  std::atomic<int> waiting(n);
  std::vector<std::string> outcomes(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] { outcomes[i] = work(argv[1], waiting); });
  for (std::thread &t : threads)
    t.join();
  std::map<std::string, int> seen;
  for (const std::string &o : outcomes)
    ++seen[o];
  for (const auto &[outcome, count] : seen)
    std::printf("%d of %d threads: %s\n", count, n, outcome.c_str());
  return 0;
}
