// attnrt from several host threads.
//
// usage: attnrt_threads ARTIFACT_DIR THREADS
//   Several threads load an artifact and make their first driver use at the
//   same moment (attnrt's first use opens libcuda.so.1 and resolves its
//   symbols); each then allocates its buffers, runs the artifact twice and
//   frees it. Prints the distinct outcomes with how many threads saw each: a
//   thread-safe first use gives one outcome for every thread.
// usage: attnrt_threads ARTIFACT_DIR THREADS streams|per-thread RUNS
//   One artifact, loaded once, run RUNS times by each thread at the same
//   moment: on a stream of its own (made-up handles 0x1000, 0x2000, ...: the
//   fake driver never uses them), or with `per-thread` on
//   CU_STREAM_PER_THREAD, which names a different stream in each thread.
//   Prints the distinct outcomes, then the number of scratch sets the
//   artifact made (the fake driver's log tells which buffers each launch got).
// Built by the lit test: c++ -std=c++17 -pthread ... -lattnrt
#include "attnrt/attnrt.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string step(const char *what, int rc) {
  return std::string(what) + " rc " + std::to_string(rc) +
         (rc ? std::string(" (") + attnrt_last_error() + ")" : std::string());
}

/// Blocks until every thread has called it.
void startTogether(std::atomic<int> &waiting) {
  --waiting;
  while (waiting.load() > 0)
    std::this_thread::yield();
}

/// Allocates a buffer for each argument and result of `a` (4 bytes an
/// element: enough for every dtype); on failure returns the story so far.
std::string allocate(attnrt_artifact *a, std::vector<uint64_t> &args,
                     std::vector<uint64_t> &results) {
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
      int rc = attnrt_device_alloc(bytes, &p);
      if (rc) {
        // A failed open reports the same error on every later call too.
        std::string first = attnrt_last_error();
        int again = attnrt_device_alloc(bytes, &p);
        return step("alloc", rc) +
               (again && first == attnrt_last_error() ? ", again the same" : ", again different");
      }
      (kind ? results : args).push_back(p);
    }
  }
  return "";
}

void release(std::vector<uint64_t> &args, std::vector<uint64_t> &results) {
  for (uint64_t p : args)
    attnrt_device_free(p);
  for (uint64_t p : results)
    attnrt_device_free(p);
}

/// One thread's whole story, as text: its own load, two runs on stream 0.
std::string loadAndRun(const char *dir, std::atomic<int> &waiting) {
  startTogether(waiting);
  attnrt_artifact *a = nullptr;
  int rc = attnrt_load(dir, &a);
  std::string out = step("load", rc);
  if (rc)
    return out;
  std::vector<uint64_t> args, results;
  std::string failed = allocate(a, args, results);
  if (!failed.empty()) {
    attnrt_free(a);
    return out + ", " + failed;
  }
  out += ", alloc rc 0";
  for (int r = 0; r < 2; ++r)
    out += ", " + step("run", attnrt_run(a, nullptr, args.data(), results.data()));
  attnrt_free(a);
  release(args, results);
  return out;
}

/// One thread's runs of the shared artifact `a` on `stream`: how many runs
/// in a row had each outcome.
std::string runShared(attnrt_artifact *a, void *stream, int runs, std::atomic<int> &waiting) {
  std::vector<uint64_t> args, results;
  std::string out = allocate(a, args, results);
  startTogether(waiting); // even after a failure, or the others wait forever
  if (!out.empty())
    return out;
  std::vector<std::string> steps;
  for (int r = 0; r < runs; ++r)
    steps.push_back(step("run", attnrt_run(a, stream, args.data(), results.data())));
  out = "alloc rc 0";
  for (size_t i = 0, j; i < steps.size(); i = j) { // "20 x run rc 0"
    for (j = i; j < steps.size() && steps[j] == steps[i];)
      ++j;
    out += ", " + std::to_string(j - i) + " x " + steps[i];
  }
  release(args, results);
  return out;
}

} // namespace

int main(int argc, char **argv) {
  bool shared = argc == 5 && (!std::strcmp(argv[3], "streams") ||
                              !std::strcmp(argv[3], "per-thread"));
  if ((argc != 3 && !shared) || std::atoi(argv[2]) < 1 || (shared && std::atoi(argv[4]) < 1)) {
    std::fprintf(stderr, "usage: attnrt_threads ARTIFACT_DIR THREADS [streams|per-thread RUNS]\n");
    return 2;
  }
  int n = std::atoi(argv[2]);
  attnrt_artifact *a = nullptr;
  if (shared && attnrt_load(argv[1], &a)) {
    std::printf("load rc 1 (%s)\n", attnrt_last_error());
    return 1;
  }
  bool perThread = shared && !std::strcmp(argv[3], "per-thread");
  std::atomic<int> waiting(n);
  std::vector<std::string> outcomes(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      // CU_STREAM_PER_THREAD is (CUstream)0x2 (cuda.h).
      void *stream = reinterpret_cast<void *>(perThread ? uintptr_t(2) : uintptr_t(i + 1) << 12);
      outcomes[i] = shared ? runShared(a, stream, std::atoi(argv[4]), waiting)
                           : loadAndRun(argv[1], waiting);
    });
  for (std::thread &t : threads)
    t.join();
  std::map<std::string, int> seen;
  for (const std::string &o : outcomes)
    ++seen[o];
  for (const auto &[outcome, count] : seen)
    std::printf("%d of %d threads: %s\n", count, n, outcome.c_str());
  if (shared) {
    std::printf("scratch sets %d\n", attnrt_num_scratch_sets(a));
    attnrt_free(a);
  }
  return 0;
}
