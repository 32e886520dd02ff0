/* Preloaded after libasan into the uninstrumented python3 of the sanitizer
 * build's lit suite (test/lit.cfg.py): ASan's runtime must be the first
 * library of a process that loads instrumented code (the native module,
 * libattnrt.so), so python3 and the python3 processes it starts (the Python
 * tests run sys.executable) keep the preload. In any other process that
 * inherits it, this constructor (before main) drops LD_PRELOAD from the
 * environment its own children get and, unless the program is one of the
 * build's instrumented tools (under ATTN_BUILD_DIR), turns LeakSanitizer off
 * for it: leaks of cc, FileCheck or ptxas are not ours.
 * Built by test/CMakeLists.txt only when ATTN_SANITIZE is on. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void __lsan_disable(void) __attribute__((weak));

__attribute__((constructor)) static void attn_unset_preload(void) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return;
  exe[n] = 0;
  const char *base = strrchr(exe, '/');
  base = base ? base + 1 : exe;
  if (strncmp(base, "python", 6) == 0)
    return;
  unsetenv("LD_PRELOAD");
  if (strncmp(exe, ATTN_BUILD_DIR "/", strlen(ATTN_BUILD_DIR) + 1) != 0 && __lsan_disable)
    __lsan_disable();
}
