/* A C embedder of libAttnMLIRCAPI (compiled as C, includes only C headers):
 *
 *   attn-capi-test handle                 the dialect through its handle alone
 *   attn-capi-test optimize FILE          parse FILE, run attn-optimize through
 *                                         mlirParsePassPipeline, print the module
 *   attn-capi-test compile FILE DIR [FLAG...]
 *                                         the compile API: FILE -> artifact DIR;
 *                                         diagnostics printed by the callback
 * Exit code: 0 on success, 1 when a step fails. */
#include "attn-c/Compiler.h"
#include "attn-c/Dialects.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *readFile(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  buf[n] = 0;
  fclose(f);
  *length = (size_t)n;
  return buf;
}

static void printToStdout(MlirStringRef s, void *userData) {
  (void)userData;
  fwrite(s.data, 1, s.length, stdout);
}

static void printToStderr(MlirStringRef s, void *userData) {
  (void)userData;
  fwrite(s.data, 1, s.length, stderr);
}

static int handleOnly(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectHandle handle = mlirGetDialectHandle__attn__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(handle);
  printf("handle namespace: %.*s\n", (int)ns.length, ns.data);
  MlirDialect before = mlirContextGetOrLoadDialect(ctx, ns);
  printf("loaded before: %s\n", mlirDialectIsNull(before) ? "no" : "yes");
  MlirDialect d = mlirDialectHandleLoadDialect(handle, ctx);
  MlirStringRef dns = mlirDialectGetNamespace(d);
  printf("loaded: %.*s\n", (int)dns.length, dns.data);
  mlirContextDestroy(ctx);
  return 0;
}

static int optimize(const char *path) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  attnMlirRegisterDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  attnMlirRegisterPasses();
  size_t length;
  char *text = readFile(path, &length);
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreate(text, length));
  free(text);
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "optimize: cannot parse %s\n", path);
    mlirContextDestroy(ctx);
    return 1;
  }
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("builtin.module(attn-optimize)"),
      printToStderr, NULL);
  int rc = 1;
  if (mlirLogicalResultIsFailure(parsed))
    fprintf(stderr, "optimize: attn-optimize is not a registered pipeline\n");
  else if (mlirLogicalResultIsFailure(
               mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module))))
    fprintf(stderr, "optimize: attn-optimize failed\n");
  else {
    mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
    printf("\n");
    rc = 0;
  }
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return rc;
}

static void onDiagnostic(attnDiagnosticSeverity severity, const char *location,
                         const char *message, void *userData) {
  static const char *names[] = {"error", "warning", "note", "remark"};
  ++*(int *)userData;
  printf("diagnostic %s at '%s': %s\n", names[severity], location, message);
}

static int compile(const char *path, const char *outDir, int nflags,
                   const char *const *flags) {
  printf("version: %s\n", attnCompilerGetVersion());
  attnCompilerSession *session = attnCompilerSessionCreate();
  int diagnostics = 0;
  attnCompilerSessionSetDiagnosticCallback(session, onDiagnostic, &diagnostics);
  int rc = attnCompilerSessionSetFlags(session, nflags, flags);
  if (rc == 0) {
    size_t length;
    char *text = readFile(path, &length);
    rc = attnCompilerCompileArtifact(session, text, length, path, outDir);
    free(text);
  }
  printf("compile rc=%d diagnostics=%d\n", rc, diagnostics);
  attnCompilerSessionDestroy(session);
  return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "handle"))
    return handleOnly();
  if (argc == 3 && !strcmp(argv[1], "optimize"))
    return optimize(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "compile"))
    return compile(argv[2], argv[3], argc - 4, (const char *const *)argv + 4);
  fprintf(stderr, "usage: attn-capi-test handle | optimize FILE | compile FILE DIR [FLAG...]\n");
  return 2;
}
