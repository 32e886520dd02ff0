/* A stand-in for libcuda.so.1 so that the runtime's run path (first-run
 * setup, scratch reuse, parameter binding, checked mode) is tested on
 * machines without a GPU. Device memory is host memory; every call that
 * matters is logged, one line each, to $FAKE_CUDA_LOG (else stderr), with
 * pointers named by allocation ("#3+512").
 *
 * The "kernel image" is not PTX but lines `.fake_kernel NAME SIG` where SIG
 * gives each parameter's kind (p: pointer, i: i32, f: f32, t: a CUtensorMap by
 * value, which must come from cuTensorMapEncodeTiled below), or is `check`
 * for a kernel that follows the runtime's check contract
 * (IDX CNT err i32:ROWS i32:K i32:NKV, docs/ARTIFACT.md), run on the host.
 * $FAKE_CUDA_FAIL_ALLOC=N makes the N-th cuMemAlloc fail (out of memory).
 * $FAKE_CUDA_FAIL=NAME:N[:CODE][,NAME:N[:CODE]...] makes the N-th call of
 * entry point NAME (cuMemAlloc, not cuMemAlloc_v2) fail with CUresult CODE
 * (default 2, out of memory, for cuMemAlloc; 999, unknown error, otherwise),
 * counting the calls made since the variable took its current value (a
 * test may set it between runs). The failure is logged.
 * $FAKE_CUDA_CC=XY makes the device report compute capability X.Y (default
 * 90, the 9.0 of the fixtures' sm_90a).
 * $FAKE_CUDA_CAPTURING=1 acts as if another stream were being captured into
 * a CUDA graph in the default (global) mode: cuMemAlloc then fails with
 * CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED unless the calling thread's capture
 * mode is relaxed (cuThreadExchangeStreamCaptureMode).
 * $FAKE_CUDA_LOAD_DELAY_MS=N makes loading the library take N ms longer (a
 * wide window for threads that race on the runtime's first use);
 * $FAKE_CUDA_MODULE_DELAY_MS=N makes each cuModuleLoadData take N ms (one
 * for threads that race on an artifact's first-run setup).
 * A launch on a stream other than 0 is logged with " stream 0x..." at the
 * end of its line (the tests pass made-up handles; the fake never uses them);
 * on CU_STREAM_PER_THREAD (0x2), " stream 0x2.T" with T numbering the
 * calling threads in the order of their first such launch.
 * Calls are serialized by one mutex, so threads may share the fake device.
 * Built by the lit tests: cc -shared -fPIC fake_cuda.c -o DIR/libcuda.so.1
 * (-DFAKE_CUDA_NO_LAUNCH leaves cuLaunchKernel out: a driver missing a
 * symbol). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#define LOCKED(body)                                                           \
  do {                                                                         \
    pthread_mutex_lock(&mu);                                                   \
    body;                                                                      \
    pthread_mutex_unlock(&mu);                                                 \
  } while (0)

typedef unsigned long long ptr_t;

static void sleep_ms(const char *ms) {
  if (ms) {
    struct timespec t = {atoi(ms) / 1000, (long)(atoi(ms) % 1000) * 1000000L};
    nanosleep(&t, 0);
  }
}

__attribute__((constructor)) static void slow_load(void) {
  sleep_ms(getenv("FAKE_CUDA_LOAD_DELAY_MS"));
}

static void say(const char *fmt, const char *a, const char *b) {
  const char *path = getenv("FAKE_CUDA_LOG");
  FILE *f = path ? fopen(path, "a") : stderr;
  if (!f)
    return;
  fprintf(f, fmt, a, b);
  if (path)
    fclose(f);
}

/* $FAKE_CUDA_FAIL: whether this call of `call` is the one to fail; returns
 * the CUresult to fail with, or 0. Its own lock: callers may hold `mu`. */
static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static int fault(const char *call) {
  static char spec[256];
  static struct { char name[64]; int calls; } seen[32];
  static int nseen;
  const char *env = getenv("FAKE_CUDA_FAIL");
  int code = 0;
  pthread_mutex_lock(&fault_mu);
  if (!env || strcmp(env, spec)) { /* a new value: count afresh */
    snprintf(spec, sizeof spec, "%s", env ? env : "");
    nseen = 0;
  }
  int i = 0;
  while (i < nseen && strcmp(seen[i].name, call))
    ++i;
  if (i == nseen && nseen < 32) {
    snprintf(seen[i].name, sizeof seen[i].name, "%s", call);
    seen[nseen++].calls = 0;
  }
  int calls = i < 32 ? ++seen[i].calls : 0;
  for (const char *e = spec; *e; e += strcspn(e, ","), e += *e == ',') {
    char name[64] = "";
    int n = 0, c = 0;
    int got = sscanf(e, "%63[^:,]:%d:%d", name, &n, &c);
    if (got >= 2 && !strcmp(name, call) && n == calls)
      code = got == 3 ? c : !strcmp(call, "cuMemAlloc") ? 2 : 999;
  }
  pthread_mutex_unlock(&fault_mu);
  if (code) {
    char t[32];
    sprintf(t, "%d", code);
    say("%s: failing on purpose (CUresult %s)\n", call, t);
  }
  return code;
}
#define FAULT(call)                                                            \
  do {                                                                         \
    int fault_code = fault(call);                                              \
    if (fault_code)                                                            \
      return fault_code;                                                       \
  } while (0)

struct block { char *p; size_t n; int id; };
static struct block blocks[256];
static int nblocks, allocs;

static void name(ptr_t p, char *out) {
  if (!p) {
    strcpy(out, "null");
    return;
  }
  for (int i = 0; i < nblocks; ++i)
    if (blocks[i].p && p >= (ptr_t)blocks[i].p && p <= (ptr_t)blocks[i].p + blocks[i].n) {
      sprintf(out, "#%d+%llu", blocks[i].id, p - (ptr_t)blocks[i].p);
      return;
    }
  strcpy(out, "unknown-pointer");
}

struct kernel { char name[128]; char sig[32]; };
struct module { struct kernel k[64]; int n; };
static int primary_ctx;
static __thread void *ctx_current;

int cuInit(unsigned flags) { (void)flags; return 0; }
int cuGetErrorString(int r, const char **s) {
  /* The real driver's strings for the codes the tests use. */
  *s = r == 1     ? "invalid argument"
       : r == 2   ? "out of memory"
       : r == 200 ? "device kernel image is invalid"
       : r == 218 ? "a PTX JIT compilation failed"
       : r == 500 ? "named symbol not found"
       : r == 701 ? "too many resources requested for launch"
       : r == 900 ? "operation not permitted when stream is capturing"
       : r == 999 ? "unknown error"
                  : "fake error";
  return 0;
}
/* One (primary) context; which context is current is per thread, as in
 * the real driver. */
int cuCtxGetCurrent(void **c) { *c = ctx_current; return 0; }
int cuCtxSetCurrent(void *c) { ctx_current = c; return 0; }
int cuDeviceGet(int *d, int i) { *d = i; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = &primary_ctx; return 0; }
int cuCtxGetDevice(int *d) {
  FAULT("cuCtxGetDevice");
  *d = 0;
  return 0;
}
int cuDeviceGetAttribute(int *v, int attr, int dev) {
  const char *cc = getenv("FAKE_CUDA_CC");
  int xy = cc ? atoi(cc) : 90;
  FAULT("cuDeviceGetAttribute");
  if (dev != 0 || (attr != 75 && attr != 76))
    return 1; /* CUDA_ERROR_INVALID_VALUE: only the compute capability */
  *v = attr == 75 ? xy / 10 : xy % 10;
  return 0;
}

/* cuThreadExchangeStreamCaptureMode: the calling thread's mode (0 global,
 * the default; 2 relaxed), which $FAKE_CUDA_CAPTURING makes matter. */
static __thread int capture_mode;
int cuThreadExchangeStreamCaptureMode(int *mode) {
  int old = capture_mode;
  FAULT("cuThreadExchangeStreamCaptureMode");
  if (*mode < 0 || *mode > 2)
    return 1;
  capture_mode = *mode;
  *mode = old;
  return 0;
}

/* A cubin (ELF) is not a C string: its length is in its headers. The fake
 * reads the ".fake_kernel" lines of its bytes. */
static char *image_text(const void *image) {
  const unsigned char *e = image;
  if (memcmp(e, "\x7f" "ELF", 4))
    return strdup(image);
  uint64_t shoff, phoff;
  uint16_t shnum, phnum;
  memcpy(&phoff, e + 32, 8), memcpy(&shoff, e + 40, 8);
  memcpy(&phnum, e + 56, 2), memcpy(&shnum, e + 60, 2);
  size_t n = shoff + shnum * 64u > phoff + phnum * 56u ? shoff + shnum * 64u : phoff + phnum * 56u;
  char *t = malloc(n + 1);
  for (size_t i = 0; i < n; ++i)
    t[i] = e[i] ? (char)e[i] : '\n';
  t[n] = 0;
  return t;
}

int cuModuleLoadData(void **m, const void *image) {
  FAULT("cuModuleLoadData");
  sleep_ms(getenv("FAKE_CUDA_MODULE_DELAY_MS"));
  struct module *mod = calloc(1, sizeof *mod);
  char *text = image_text(image);
  const char *s = text;
  while ((s = strstr(s, ".fake_kernel ")) && mod->n < 64) {
    s += strlen(".fake_kernel ");
    sscanf(s, "%127s %31s", mod->k[mod->n].name, mod->k[mod->n].sig);
    mod->n++;
  }
  /* Real PTX (attn-compile's kernels.ptx): each `.entry NAME(` with its
   * parameter list, .u64 -> pointer, .u32/.b32/.s32 -> int, .f32 -> float. */
  for (s = text; (s = strstr(s, ".entry ")) && mod->n < 64;) {
    s += strlen(".entry ");
    const char *open = strchr(s, '('), *close = open ? strchr(open, ')') : 0;
    if (!open || !close || open - s > 127)
      break;
    struct kernel *k = &mod->k[mod->n++];
    memcpy(k->name, s, open - s);
    k->name[open - s] = 0;
    int n = 0;
    for (const char *q = open; (q = strstr(q, ".param ")) && q < close && n < 31; q += 7) {
      const char *t = q + 7;
      k->sig[n++] = !strncmp(t, ".u64", 4) ? 'p' : !strncmp(t, ".f32", 4) ? 'f' : 'i';
    }
    k->sig[n] = 0;
    s = close;
  }
  free(text);
  *m = mod;
  say("cuModuleLoadData%s%s\n", "", "");
  return 0;
}
int cuModuleUnload(void *m) { free(m); say("cuModuleUnload%s%s\n", "", ""); return 0; }
int cuModuleGetFunction(void **f, void *m, const char *n) {
  struct module *mod = m;
  FAULT("cuModuleGetFunction");
  for (int i = 0; i < mod->n; ++i)
    if (!strcmp(mod->k[i].name, n)) {
      *f = &mod->k[i];
      return 0;
    }
  return 500;
}
int cuFuncSetAttribute(void *f, int attr, int v) {
  char t[64];
  sprintf(t, "%d %d", attr, v);
  say("cuFuncSetAttribute %s %s\n", ((struct kernel *)f)->name, t);
  return 0;
}

static int mem_alloc(ptr_t *p, size_t n) {
  char t[64];
  if (++allocs == atoi(getenv("FAKE_CUDA_FAIL_ALLOC") ? getenv("FAKE_CUDA_FAIL_ALLOC") : "0")) {
    say("cuMemAlloc %s bytes: failing on purpose%s\n", (sprintf(t, "%zu", n), t), "");
    return 2;
  }
  if (getenv("FAKE_CUDA_CAPTURING") && capture_mode != 2) {
    say("cuMemAlloc %s bytes: not permitted while a stream is capturing%s\n",
        (sprintf(t, "%zu", n), t), "");
    return 900; /* CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED */
  }
  if (nblocks == 256)
    return 2;
  blocks[nblocks].p = malloc(n);
  memset(blocks[nblocks].p, 0xAB, n); /* contents undefined */
  blocks[nblocks].n = n;
  blocks[nblocks].id = nblocks + 1;
  *p = (ptr_t)blocks[nblocks].p;
  sprintf(t, "#%d %zu", nblocks + 1, n);
  nblocks++;
  say("cuMemAlloc %s bytes%s\n", t, "");
  return 0;
}
static int mem_free(ptr_t p) {
  char t[64];
  name(p, t);
  for (int i = 0; i < nblocks; ++i)
    if ((ptr_t)blocks[i].p == p) {
      free(blocks[i].p);
      blocks[i].p = 0;
    }
  say("cuMemFree %s%s\n", t, "");
  return 0;
}
int cuMemcpyHtoD_v2(ptr_t d, const void *s, size_t n) {
  FAULT("cuMemcpyHtoD");
  memcpy((void *)d, s, n);
  return 0;
}
int cuMemcpyDtoH_v2(void *d, ptr_t s, size_t n) { memcpy(d, (void *)s, n); return 0; }
int cuMemcpyDtoHAsync_v2(void *d, ptr_t s, size_t n, void *st) {
  (void)st;
  memcpy(d, (void *)s, n);
  return 0;
}
static int memset_d32(ptr_t d, unsigned v, size_t n, void *st) {
  char t[64], u[32];
  (void)st;
  for (size_t i = 0; i < n; ++i)
    ((uint32_t *)d)[i] = v;
  name(d, t);
  sprintf(u, "0x%x x%zu", v, n);
  say("cuMemsetD32Async %s %s\n", t, u);
  return 0;
}
int cuStreamSynchronize(void *s) {
  (void)s;
  FAULT("cuStreamSynchronize");
  say("cuStreamSynchronize%s%s\n", "", "");
  return 0;
}
int cuCtxSynchronize(void) { return 0; }

static void check_kernel(void **params) {
  const int32_t *idx = *(int32_t **)params[0], *cnt = *(int32_t **)params[1];
  uint32_t *err = *(uint32_t **)params[2];
  int32_t rows = *(int32_t *)params[3], k = *(int32_t *)params[4], nkv = *(int32_t *)params[5];
  for (int32_t r = 0; r < rows; ++r) {
    uint32_t bad = 0xFFFFFFFFu;
    if (cnt[r] < 0 || cnt[r] > k)
      bad = (uint32_t)r;
    else
      for (int32_t e = 0; e < cnt[r]; ++e)
        if (idx[r * k + e] < 0 || idx[r * k + e] >= nkv) {
          bad = (uint32_t)(rows + r * k + e);
          break;
        }
    if (bad < err[0])
      err[0] = bad;
  }
}

/* A "tensor map": 128 bytes the launch below reads back (the real one is
 * opaque): tag, address, dtype, rank, dims[5], box[5]. Like the driver, the
 * encoding fails (CUDA_ERROR_INVALID_VALUE) for a map that is not 64-byte
 * aligned, a rank outside [1, 5], a stride that is not a multiple of 16
 * bytes, a box size outside [1, 256] or an inner box over the 128-byte
 * swizzle span. The log line lists rank many dims and box sizes, rank - 1
 * strides. */
static int encode(uint64_t *m, int dtype, unsigned rank, void *addr,
                  const unsigned long long *dims, const unsigned long long *strides,
                  const unsigned *box, int swizzle) {
  char t[64], d[320];
  unsigned esize = dtype == 9 || dtype == 6 ? 2 : 4;
  if ((uintptr_t)m % 64 || rank < 1 || rank > 5 || box[0] * esize > 128)
    return 1; /* CUDA_ERROR_INVALID_VALUE */
  for (unsigned i = 0; i < rank; ++i)
    if (box[i] < 1 || box[i] > 256 || (i + 1 < rank && strides[i] % 16))
      return 1;
  memset(m, 0, 128);
  m[0] = 0x70616d74; /* "tmap" */
  m[1] = (uint64_t)(uintptr_t)addr;
  m[2] = (uint64_t)dtype;
  m[3] = rank;
  for (unsigned i = 0; i < rank; ++i)
    m[4 + i] = dims[i], m[9 + i] = box[i];
  name((ptr_t)(uintptr_t)addr, t);
  int n = sprintf(d, "dtype %d dims ", dtype);
  for (unsigned i = 0; i < rank; ++i)
    n += sprintf(d + n, "%s%llu", i ? "," : "", dims[i]);
  n += sprintf(d + n, " strides ");
  for (unsigned i = 0; i + 1 < rank; ++i)
    n += sprintf(d + n, "%s%llu", i ? "," : "", strides[i]);
  n += sprintf(d + n, " box ");
  for (unsigned i = 0; i < rank; ++i)
    n += sprintf(d + n, "%s%u", i ? "," : "", box[i]);
  sprintf(d + n, " swizzle %d", swizzle);
  say("cuTensorMapEncodeTiled %s %s\n", t, d);
  return 0;
}

/* The map as the plan writes it: tmap:BUF:DTYPE:D,S,N:ROWS for a 3-D map
 * with box {64, ROWS, 1}, else tmap:BUF:DTYPE:D0,..:box=B0,... */
static void map_text(const void *p, char *t) {
  const uint64_t *m = p;
  char a[64];
  if ((uintptr_t)p % 64 || m[0] != 0x70616d74) {
    strcpy(t, "tmap:INVALID");
    return;
  }
  name((ptr_t)m[1], a);
  int n = sprintf(t, "tmap:%s:%s:", a, m[2] == 9 ? "bf16" : m[2] == 6 ? "f16" : "?");
  for (unsigned i = 0; i < m[3]; ++i)
    n += sprintf(t + n, "%s%llu", i ? "," : "", (unsigned long long)m[4 + i]);
  if (m[3] == 3 && m[9] == 64 && m[11] == 1) {
    sprintf(t + n, ":%llu", (unsigned long long)m[10]);
    return;
  }
  n += sprintf(t + n, ":box=");
  for (unsigned i = 0; i < m[3]; ++i)
    n += sprintf(t + n, "%s%llu", i ? "," : "", (unsigned long long)m[9 + i]);
}

__attribute__((unused)) static int launch(void *f, unsigned gx, unsigned gy, unsigned gz,
                                          unsigned bx, unsigned by, unsigned bz, unsigned smem,
                                          void *stream, void **params, void **extra) {
  struct kernel *k = f;
  char line[2048], t[160];
  (void)extra;
  sprintf(line, "grid %u,%u,%u block %u,%u,%u smem %u params", gx, gy, gz, bx, by, bz, smem);
  const char *sig = strcmp(k->sig, "check") ? k->sig : "pppiii";
  for (int i = 0; sig[i]; ++i) {
    if (sig[i] == 'p')
      name(*(ptr_t *)params[i], t);
    else if (sig[i] == 'i')
      sprintf(t, "i32:%d", *(int32_t *)params[i]);
    else if (sig[i] == 't')
      map_text(params[i], t);
    else
      sprintf(t, "f32:%g", *(float *)params[i]);
    strcat(line, " ");
    strcat(line, t);
  }
  if (stream) {
    sprintf(t, " stream 0x%llx", (unsigned long long)(uintptr_t)stream);
    strcat(line, t);
  }
  if (stream == (void *)2) { /* CU_STREAM_PER_THREAD: the calling thread's */
    static int threads;
    static __thread int thread;
    if (!thread)
      thread = ++threads;
    sprintf(t, ".%d", thread);
    strcat(line, t);
  }
  say("cuLaunchKernel %s %s\n", k->name, line);
  if (!strcmp(k->sig, "check"))
    check_kernel(params);
  return 0;
}

/* The entry points that touch the block table, one thread at a time. */
int cuMemAlloc_v2(ptr_t *p, size_t n) {
  int r;
  FAULT("cuMemAlloc");
  LOCKED(r = mem_alloc(p, n));
  return r;
}
int cuMemFree_v2(ptr_t p) {
  int r;
  LOCKED(r = mem_free(p));
  return r;
}
int cuMemsetD32Async(ptr_t d, unsigned v, size_t n, void *st) {
  int r;
  FAULT("cuMemsetD32Async");
  LOCKED(r = memset_d32(d, v, n, st));
  return r;
}
int cuTensorMapEncodeTiled(void *map, int dtype, unsigned rank, void *addr,
                           const unsigned long long *dims, const unsigned long long *strides,
                           const unsigned *box, const unsigned *step, int interleave,
                           int swizzle, int l2, int oob) {
  int r;
  (void)step, (void)interleave, (void)l2, (void)oob;
  FAULT("cuTensorMapEncodeTiled");
  LOCKED(r = encode(map, dtype, rank, addr, dims, strides, box, swizzle));
  return r;
}
#ifndef FAKE_CUDA_NO_LAUNCH
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned smem, void *stream, void **params, void **extra) {
  int r;
  FAULT("cuLaunchKernel");
  LOCKED(r = launch(f, gx, gy, gz, bx, by, bz, smem, stream, params, extra));
  return r;
}
#endif
