//===- Artifact.h - a loaded artifact: its plan and device state -*- C++ -*-===//

#ifndef ATTNRT_ARTIFACT_H
#define ATTNRT_ARTIFACT_H

#include "Driver.h"
#include "Plan.h"

#include <vector>

struct attnrt_artifact {
  attnrt::Plan plan;
  bool checked = false;
  // Device state, made on the first run (each step resumes where a failed
  // first run stopped) and released by attnrt_free.
  attnrt::CUmodule module = nullptr;
  std::vector<attnrt::CUfunction> functions; // per plan launch (null: not needed yet)
  std::vector<attnrt::CUdeviceptr> constDev, scratchDev;
  attnrt::CUdeviceptr errDev = 0; // checked mode's error buffer (attnrt/abi.h)
};

#endif // ATTNRT_ARTIFACT_H
