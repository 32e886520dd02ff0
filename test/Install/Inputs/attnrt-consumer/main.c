/* Links the installed libattnrt through AttnRT::attnrt and calls it: loading a
   missing artifact must fail with a message (no GPU needed). */
#include <attnrt/attnrt.h>
#include <stdio.h>

int main(int argc, char **argv) {
  attnrt_artifact *a = NULL;
  int rc = attnrt_load(argc > 1 ? argv[1] : "/nonexistent", &a);
  printf("attnrt_load rc=%d: %s\n", rc, rc ? attnrt_last_error() : "ok");
  return rc == 0 ? 1 : 0;
}
