//===- Driver.h - the CUDA driver API, opened at first use ------*- C++ -*-===//
//
// The few driver types attnrt needs (no CUDA headers) and the entry points
// of DriverSymbols.def, resolved from dlopen("libcuda.so.1") once per
// process, thread-safely: concurrent first uses wait for the one that opens
// the library, and a failed open gives every later call the same error.
//
//===----------------------------------------------------------------------===//

#ifndef ATTNRT_DRIVER_H
#define ATTNRT_DRIVER_H

#include <cstddef>
#include <string>

namespace attnrt {

using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_STREAM_CAPTURE_MODE_RELAXED = 2;
// Stream handles with a fixed meaning (cuda.h).
inline CUstream const CU_STREAM_LEGACY = reinterpret_cast<CUstream>(0x1);
inline CUstream const CU_STREAM_PER_THREAD = reinterpret_cast<CUstream>(0x2);
// cuTensorMapEncodeTiled's enumerators (cuda.h).
constexpr int CU_TENSOR_MAP_DATA_TYPE_FLOAT16 = 6;
constexpr int CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9;
constexpr int CU_TENSOR_MAP_INTERLEAVE_NONE = 0;
constexpr int CU_TENSOR_MAP_SWIZZLE_128B = 3;
constexpr int CU_TENSOR_MAP_L2_PROMOTION_L2_128B = 2;
constexpr int CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE = 0;

struct Driver {
#define ATTNRT_DRIVER_SYMBOL(field, name, params) CUresult(*field) params = nullptr;
#include "DriverSymbols.def"
#undef ATTNRT_DRIVER_SYMBOL
};

/// The driver with every entry point resolved, or null when libcuda.so.1
/// cannot be opened or lacks one; then `why` (if given) says which.
const Driver *driver(std::string *why = nullptr);

/// The driver, initialized (cuInit), with a current context (the primary
/// context of device 0 when the caller has none), written to `current` if
/// given; null after setting this thread's error, which names `who` when the
/// driver cannot be loaded.
const Driver *ready(const char *who, CUcontext *current = nullptr);

/// Checks a driver call's result; on failure sets this thread's error to
/// "CALL failed: <driver's text> (CUresult N)" and returns false.
bool check(const Driver *d, CUresult r, const std::string &call);

} // namespace attnrt

#endif // ATTNRT_DRIVER_H
