//===- Artifact.h - a loaded artifact: its plan and device state -*- C++ -*-===//

#ifndef ATTNRT_ARTIFACT_H
#define ATTNRT_ARTIFACT_H

#include "Driver.h"
#include "Plan.h"

#include <vector>

namespace attnrt {
/// A `tmap:` launch parameter's CUtensorMap (128 bytes, 64-byte aligned, as
/// the driver and cuLaunchKernel want it) and the address it was encoded for:
/// re-encoded only when that address changes.
struct TensorMapSlot {
  alignas(64) unsigned char bytes[128] = {};
  CUdeviceptr encodedFor = 0;
  bool valid = false;
};
} // namespace attnrt

struct attnrt_artifact {
  attnrt::Plan plan;
  bool checked = false;
  // Device state, made on the first run (each step resumes where a failed
  // first run stopped) and released by attnrt_free.
  attnrt::CUmodule module = nullptr;
  std::vector<attnrt::CUfunction> functions; // per plan launch (null: not needed yet)
  std::vector<attnrt::CUdeviceptr> constDev, scratchDev;
  attnrt::CUdeviceptr errDev = 0; // checked mode's error buffer (attnrt/abi.h)
  // One slot per `tmap:` parameter, in plan order; mapBase[i] is launch i's
  // first.
  std::vector<attnrt::TensorMapSlot> maps;
  std::vector<size_t> mapBase;
};

#endif // ATTNRT_ARTIFACT_H
