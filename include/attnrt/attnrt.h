/*===- attnrt.h - thin runtime for attn-mlir GPU artifacts --------*- C -*-===*
 *
 * Loads an artifact written by attn-compile (docs/ARTIFACT.md) and launches
 * its kernels with the CUDA driver API, which is opened with
 * dlopen("libcuda.so.1") so that the library builds and loads on machines
 * without a GPU. No LLVM or MLIR dependency.
 *
 * Buffers are device pointers owned by the caller (zero-copy for frameworks);
 * launches go to the caller's CUstream (0: the legacy default stream).
 * Constant tables are uploaded once per artifact, on the first run.
 * Every function returns 0 on success; on failure attnrt_last_error() names
 * the failing call and the driver's error string.
 *===----------------------------------------------------------------------===*/

#ifndef ATTNRT_H
#define ATTNRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attnrt_artifact attnrt_artifact;

/* Parses DIR/plan.txt and reads the kernels and tables (no GPU needed). */
int attnrt_load(const char *dir, attnrt_artifact **out);

/* Number of arguments/results, and the dtype ("bf16", ...) and shape of
 * each (shape written to dims, up to max_dims entries; returns the rank). */
int attnrt_num_args(const attnrt_artifact *a);
int attnrt_num_results(const attnrt_artifact *a);
int attnrt_arg_info(const attnrt_artifact *a, int i, const char **dtype,
                    int64_t *dims, int max_dims);
int attnrt_result_info(const attnrt_artifact *a, int i, const char **dtype,
                       int64_t *dims, int max_dims);

/* Runs the launch plan on `stream` (a CUstream) in the current CUDA context
 * (the primary context of device 0 if there is none). args/results hold
 * device pointers (CUdeviceptr) in the plan's order. */
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
