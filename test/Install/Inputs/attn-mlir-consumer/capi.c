/* The installed C API: AttnMLIR::AttnMLIRCAPI from C, the dialect through its
   handle. */
#include "attn-c/Dialects.h"
#include <stdio.h>

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialect d = mlirDialectHandleLoadDialect(mlirGetDialectHandle__attn__(), ctx);
  MlirStringRef ns = mlirDialectGetNamespace(d);
  printf("c-consumer loaded: %.*s\n", (int)ns.length, ns.data);
  mlirContextDestroy(ctx);
  return 0;
}
