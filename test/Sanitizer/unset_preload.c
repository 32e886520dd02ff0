/* Preloaded after libasan into the non-instrumented interpreters that load
 * instrumented libraries in the sanitizer build (python3 loading the native
 * module or libattnrt.so): ASan's runtime must be the first library of such a
 * process (LD_PRELOAD), but the programs it starts (cc, FileCheck, ptxas, or
 * an instrumented tool that links libasan itself) must not inherit the
 * preload. This constructor runs before main, so the interpreter's copy of
 * the environment, which its children get, no longer has LD_PRELOAD.
 * Built by test/CMakeLists.txt only when ATTN_SANITIZE is on. */
#include <stdlib.h>

__attribute__((constructor)) static void attn_unset_preload(void) { unsetenv("LD_PRELOAD"); }
