//===- Artifact.h - a loaded artifact: its plan and device state -*- C++ -*-===//

#ifndef ATTNRT_ARTIFACT_H
#define ATTNRT_ARTIFACT_H

#include "Driver.h"
#include "Plan.h"

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace attnrt {
/// A `tmap:` launch parameter's CUtensorMap (128 bytes, 64-byte aligned, as
/// the driver and cuLaunchKernel want it) and the address it was encoded for:
/// re-encoded only when that address changes.
struct TensorMapSlot {
  alignas(64) unsigned char bytes[128] = {};
  CUdeviceptr encodedFor = 0;
  int64_t encodedDims[5] = {0, 0, 0, 0, 0}; // and the sizes (run-time ones may change)
  int64_t encodedSlab = 0;                   // and the slab stride
  bool valid = false;
};

/// What the runs issued on one stream own: the scratch buffers (so that runs
/// on two streams, which may overlap on the device, never share one),
/// checked mode's error buffer, and the tensor maps (a map over scratch binds
/// this set's buffer; keeping every map per stream also keeps each stream's
/// cache of encoded addresses from being thrashed by another's). Made empty
/// on the first run on the stream, filled by that run (resumed by the next
/// one after a failure), released by attnrt_free.
struct StreamSet {
  CUstream stream = nullptr;
  // CU_STREAM_PER_THREAD names a different stream in each host thread: the
  // thread that ran on it (a default id for every other stream).
  std::thread::id thread;
  std::vector<CUdeviceptr> scratch;
  std::vector<uint64_t> scratchSize; // bytes of each (run-time sizes: the largest so far)
  CUdeviceptr errDev = 0; // checked mode's error buffer (attnrt/abi.h)
  std::vector<TensorMapSlot> maps; // one per `tmap:` parameter, in plan order
};
} // namespace attnrt

struct attnrt_artifact {
  attnrt::Plan plan;
  // Held by attnrt_run for the whole run and by the calls that read or
  // change the state below: runs from several host threads are issued one
  // at a time (each on its own stream, with its own scratch set).
  mutable std::mutex mu;
  bool checked = false;
  int maxStreamSets = 0; // attnrt_set_max_scratch_sets; 0: no cap
  // Device state, made on the first run (each step resumes where a failed
  // first run stopped) and released by attnrt_free.
  attnrt::CUcontext chipChecked = nullptr; // the context whose device passed the chip check
  attnrt::CUmodule module = nullptr;
  std::vector<attnrt::CUfunction> functions; // per plan launch (null: not needed yet)
  // Per plan launch: the dynamic shared memory its function was opened to
  // (cuFuncSetAttribute; raised when run-time sizes ask for more).
  std::vector<unsigned> smemOpened;
  std::vector<attnrt::CUdeviceptr> constDev;
  // mapBase[i]: launch i's first slot in StreamSet::maps; mapCount slots in
  // all (set at load).
  std::vector<size_t> mapBase;
  size_t mapCount = 0;
  // In the order of the streams' first runs.
  std::vector<std::unique_ptr<attnrt::StreamSet>> streams;
  // Run-time sizes: the plan resolved for the latest shapes a run or
  // attnrt_result_shape saw (reused while they stay the same; a cache, so
  // mutable under mu).
  mutable attnrt::Sized resolved;
  mutable bool haveResolved = false;
};

#endif // ATTNRT_ARTIFACT_H
