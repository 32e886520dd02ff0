/*===- attnrt.h - thin runtime for attn-mlir GPU artifacts --------*- C -*-===*
 *
 * Loads an artifact written by attn-compile (docs/ARTIFACT.md) and launches
 * its kernels with the CUDA driver API, which is opened with
 * dlopen("libcuda.so.1") so that the library builds and loads on machines
 * without a GPU. No LLVM or MLIR dependency.
 *
 * Arguments and results are device pointers owned by the caller (zero-copy
 * for frameworks); launches go to the caller's CUstream (0: the legacy
 * default stream). Constant tables are uploaded, and scratch buffers (the
 * plan's intermediates) allocated, once per loaded artifact on its first run
 * and reused by every later run (no device allocation in steady state).
 * Scratch contents are undefined at the start of a run. Because scratch is
 * shared, runs of one artifact must not overlap: run it on one stream, or
 * order the streams; load it once per concurrent stream otherwise.
 * Functions that return int return 0 on success unless said otherwise; on
 * failure attnrt_last_error() names the failing call and the driver's error
 * string.
 *===----------------------------------------------------------------------===*/

#ifndef ATTNRT_H
#define ATTNRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attnrt_artifact attnrt_artifact;

/* Parses DIR/plan.txt (format version 2) and reads the kernels and tables
 * (no GPU needed). Checked mode starts on when the environment has
 * ATTNRT_CHECKED=1. */
int attnrt_load(const char *dir, attnrt_artifact **out);

/* The largest rank of an argument or result (attnrt_load rejects more). */
#define ATTNRT_MAX_DIMS 8

/* Number of arguments/results, and the dtype ("bf16", ...) and shape of
 * each (shape written to dims, up to max_dims entries; returns the rank). */
int attnrt_num_args(const attnrt_artifact *a);
int attnrt_num_results(const attnrt_artifact *a);
int attnrt_arg_info(const attnrt_artifact *a, int i, const char **dtype,
                    int64_t *dims, int max_dims);
int attnrt_result_info(const attnrt_artifact *a, int i, const char **dtype,
                       int64_t *dims, int max_dims);

/* Total bytes of the plan's scratch buffers (allocated on the first run). */
int attnrt_scratch_bytes(const attnrt_artifact *a, uint64_t *bytes);

/* Checked mode (on != 0) runs the plan's `check` launches, which validate
 * kv_indices/kv_counts before the launches that use them; a run that finds
 * a bad entry fails (no later launch is made) naming the entry, its value and
 * the allowed range. Each check synchronizes the stream. Off by default. */
int attnrt_set_checked(attnrt_artifact *a, int on);

/* Number of kernel launches a run makes now: the plan's `launch` lines, plus
 * its `check` lines in checked mode. */
int attnrt_num_launches(const attnrt_artifact *a);

/* Runs the launch plan on `stream` (a CUstream) in the current CUDA context
 * (the primary context of device 0 if there is none). args/results hold
 * device pointers (CUdeviceptr) in the plan's order, each 16-byte aligned
 * (checked: kernels move rows in 16-byte pieces). */
int attnrt_run(attnrt_artifact *a, void *stream, const uint64_t *args,
               const uint64_t *results);

void attnrt_free(attnrt_artifact *a);

/* Device memory helpers for callers without a framework (attnrt-run):
 * allocate, copy in and out, wait for the device. */
int attnrt_device_alloc(uint64_t bytes, uint64_t *ptr);
int attnrt_device_free(uint64_t ptr);
int attnrt_copy_to_device(uint64_t dst, const void *src, uint64_t bytes);
int attnrt_copy_from_device(void *dst, uint64_t src, uint64_t bytes);
int attnrt_synchronize(void);

/* The last error of this thread, or "" if none. */
const char *attnrt_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_H */
