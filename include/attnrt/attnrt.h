/*===- attnrt.h - thin runtime for attn-mlir GPU artifacts --------*- C -*-===*
 *
 * Loads an artifact written by attn-compile (docs/ARTIFACT.md) and launches
 * its kernels with the CUDA driver API, which is opened with
 * dlopen("libcuda.so.1") so that the library builds and loads on machines
 * without a GPU. No LLVM or MLIR dependency.
 *
 * Arguments and results are device pointers owned by the caller (zero-copy
 * for frameworks); launches go to the caller's CUstream (0: the legacy
 * default stream). Constant tables are uploaded once per loaded artifact on
 * its first run. Scratch buffers (the plan's intermediates) come in sets,
 * one per stream: a stream's set is allocated on the first run on that
 * stream and reused by every later run on it (no device allocation in
 * steady state), so runs on different streams may overlap on the device;
 * runs on one stream are ordered by the stream. The cost is one scratch set
 * (attnrt_scratch_bytes) per distinct stream until attnrt_free
 * (attnrt_num_scratch_sets, attnrt_set_max_scratch_sets). Streams are told
 * apart by handle: 0 and CU_STREAM_LEGACY share one set, CU_STREAM_PER_THREAD
 * gets one per host thread, and a handle reused by a new stream after
 * cuStreamDestroy reuses the old stream's set (order the two streams' work).
 * A CUDA graph that captured a run keeps the capturing stream's scratch:
 * order its replays with later runs on that stream. A stream's first run
 * may be captured (its set is allocated in relaxed capture mode); the
 * artifact's first run (module, tables) may not. Scratch contents are
 * undefined at the start of a run.
 *
 * Threads: any number of host threads may call attnrt_run on one artifact
 * at once (on different streams, or ordered ones); the runs are issued one
 * at a time (the artifact has a mutex). attnrt_free must not overlap any
 * other call on the artifact. The current context must stay the same for an
 * artifact (its module is loaded in the context of its first run).
 *
 * Functions that return int return 0 on success unless said otherwise; on
 * failure attnrt_last_error() (per thread) names the failing call and the
 * driver's error string. A failed run leaves the artifact usable: the next
 * run resumes the setup where it stopped.
 *===----------------------------------------------------------------------===*/

#ifndef ATTNRT_H
#define ATTNRT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attnrt_artifact attnrt_artifact;

/* Parses DIR/plan.txt (format version 3) and reads the kernels and tables
 * (no GPU needed), rejecting a truncated or corrupt one with its name.
 * Checked mode starts on when the environment has ATTNRT_CHECKED=1. */
int attnrt_load(const char *dir, attnrt_artifact **out);

/* The largest rank of an argument or result (attnrt_load rejects more). */
#define ATTNRT_MAX_DIMS 8

/* Number of arguments/results, and the dtype ("bf16", ...) and shape of
 * each (shape written to dims, up to max_dims entries; returns the rank).
 * A size given at run time (docs/ARTIFACT.md, "Run-time sizes") is -1. */
int attnrt_num_args(const attnrt_artifact *a);
int attnrt_num_results(const attnrt_artifact *a);
int attnrt_arg_info(const attnrt_artifact *a, int i, const char **dtype,
                    int64_t *dims, int max_dims);
int attnrt_result_info(const attnrt_artifact *a, int i, const char **dtype,
                       int64_t *dims, int max_dims);

/* Total bytes of the plan's scratch buffers: the size of one scratch set
 * (one is allocated per stream the artifact runs on, on its first run). */
int attnrt_scratch_bytes(const attnrt_artifact *a, uint64_t *bytes);

/* Number of scratch sets allocated so far (or being allocated): one per
 * distinct stream the artifact has run on. Device memory held by scratch is
 * this times attnrt_scratch_bytes. */
int attnrt_num_scratch_sets(const attnrt_artifact *a);

/* Caps the number of scratch sets at `max` (0, the default: no cap). A run
 * on a stream without a set once the cap is reached fails, naming the
 * stream, instead of allocating; sets already made are kept. */
int attnrt_set_max_scratch_sets(attnrt_artifact *a, int max);

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
 * (checked: kernels move rows in 16-byte pieces). The first run in a context
 * checks that its device can run the plan's `chip` (e.g. sm_90a needs
 * compute capability 9.0 exactly) and fails naming both otherwise. */
int attnrt_run(attnrt_artifact *a, void *stream, const uint64_t *args,
               const uint64_t *results);

/* 1 when some of the artifact's sizes are given at run time (its argument
 * shapes name them): it runs with attnrt_run_shaped only. */
int attnrt_is_dynamic(const attnrt_artifact *a);

/* The shape of result i for arguments of the shapes arg_dims (every
 * argument's dims in order, concatenated; ranks as attnrt_arg_info gives;
 * a size argument, dtype "size" and rank 1, gives its value there and its
 * pointer in args is not read):
 * written to dims (up to max_dims); returns the rank, or -1 when the shapes
 * do not fit the artifact (attnrt_last_error says how). */
int attnrt_result_shape(const attnrt_artifact *a, int i, const int64_t *arg_dims,
                        int64_t *dims, int max_dims);

/* attnrt_run for arguments of the shapes arg_dims (as for
 * attnrt_result_shape): the names of the plan are bound from them, every
 * static size and every `assert` line checked (a mismatch fails the run
 * before any launch, naming the argument or the relation), grids, integer
 * parameters, tensor maps and scratch sizes evaluated. A stream's scratch
 * set grows when a run needs more (the stream is synchronized first); the
 * sizes resolved for the latest shapes are reused while they stay the
 * same. Works for static artifacts too (then the shapes must be theirs). */
int attnrt_run_shaped(attnrt_artifact *a, void *stream, const uint64_t *args,
                      const int64_t *arg_dims, const uint64_t *results);

void attnrt_free(attnrt_artifact *a);

/* Device memory helpers for callers without a framework (attnrt-run):
 * allocate, copy in and out, wait for the device. */
int attnrt_device_alloc(uint64_t bytes, uint64_t *ptr);
int attnrt_device_free(uint64_t ptr);
int attnrt_copy_to_device(uint64_t dst, const void *src, uint64_t bytes);
int attnrt_copy_from_device(void *dst, uint64_t src, uint64_t bytes);
int attnrt_synchronize(void);

/* The error of this thread's latest call that can fail (every function that
 * returns a status clears it first): "" after a call that succeeded. */
const char *attnrt_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_H */
