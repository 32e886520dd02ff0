/*===- attn-c/Dialects.h - the attn dialect and passes in MLIR's C API ----===*\
|*                                                                            *|
|* For other MLIR-based compilers and their bindings: the dialect handle     *|
|* (load it with mlirDialectHandleLoadDialect / insert it into a registry),  *|
|* the dialects the attn pipelines use, and pass registration (then          *|
|* mlirParsePassPipeline understands attn-optimize, attn-to-cpu, ...).       *|
|* Library: libAttnMLIRCAPI.so, which also exports MLIR's core C API         *|
|* (mlir-c/IR.h, Pass.h, Diagnostics.h, Support.h). docs/Embedding.md.        *|
\*===----------------------------------------------------------------------===*/

#ifndef ATTN_C_DIALECTS_H
#define ATTN_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MlirDialectHandle mlirGetDialectHandle__attn__(void); */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/* Inserts the attn dialect and every upstream dialect, extension and LLVM IR
   translation the attn pipelines produce or consume (func, arith, tensor,
   linalg, scf, gpu, nvvm, llvm, ...), as attn-opt registers them. */
MLIR_CAPI_EXPORTED void attnMlirRegisterDialects(MlirDialectRegistry registry);

/* Registers the attn passes and pipelines (and MLIR's upstream passes) with
   the global pass registry. Idempotent. */
MLIR_CAPI_EXPORTED void attnMlirRegisterPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_DIALECTS_H */
