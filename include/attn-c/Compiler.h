/*===- attn-c/Compiler.h - compile attn modules to GPU artifacts ----------===*\
|*                                                                            *|
|* A small C compile API, modelled on IREE's embedding API                   *|
|* (ireeCompilerSessionCreate / SetFlags / callback diagnostics): a session  *|
|* holds options (attn-compile's flags) and a diagnostic callback; each      *|
|* compile takes module text and writes an artifact directory              *|
|* (docs/ARTIFACT.md) that attnrt runs. Library: libAttnMLIRCAPI.so.          *|
|* A session is used by one thread at a time; sessions are independent.      *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_COMPILER_H
#define ATTN_C_COMPILER_H

#include "mlir-c/Support.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum attnDiagnosticSeverity {
  ATTN_DIAGNOSTIC_ERROR = 0,
  ATTN_DIAGNOSTIC_WARNING = 1,
  ATTN_DIAGNOSTIC_NOTE = 2,
  ATTN_DIAGNOSTIC_REMARK = 3
} attnDiagnosticSeverity;

/* One diagnostic: `location` is "BUFFER:LINE:COL" for source positions, ""
   for errors without one (e.g. a failed ptxas); strings live for the call. */
typedef void (*attnDiagnosticCallback)(attnDiagnosticSeverity severity,
                                       const char *location,
                                       const char *message, void *userData);

typedef struct attnCompilerSession attnCompilerSession;

/* The compiler's version string (static storage). */
MLIR_CAPI_EXPORTED const char *attnCompilerGetVersion(void);

MLIR_CAPI_EXPORTED attnCompilerSession *attnCompilerSessionCreate(void);
MLIR_CAPI_EXPORTED void attnCompilerSessionDestroy(attnCompilerSession *session);

/* Diagnostics of later calls go to `callback` (NULL: to stderr). */
MLIR_CAPI_EXPORTED void
attnCompilerSessionSetDiagnosticCallback(attnCompilerSession *session,
                                         attnDiagnosticCallback callback,
                                         void *userData);

/* attn-compile's options as flags: --chip=sm_80|sm_90|sm_90a, --entry=NAME,
   --ptxas=PATH (empty: PTX only), --block-q=64|128. Returns 0, or non-zero
   with an error diagnostic naming the first bad flag (nothing is changed). */
MLIR_CAPI_EXPORTED int attnCompilerSessionSetFlags(attnCompilerSession *session,
                                                   int argc,
                                                   const char *const *argv);

/* Parses `source` (`length` bytes of MLIR text; `bufferName` names it in
   diagnostics), runs attn-to-nvvm and writes the artifact to `outDir`
   (created). Returns 0, or non-zero after reporting every diagnostic. */
MLIR_CAPI_EXPORTED int attnCompilerCompileArtifact(attnCompilerSession *session,
                                                   const char *source,
                                                   size_t length,
                                                   const char *bufferName,
                                                   const char *outDir);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_COMPILER_H */
