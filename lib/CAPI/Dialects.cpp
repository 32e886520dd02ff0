//===- Dialects.cpp - the attn dialect handle and pass registration -------===//

#include "attn-c/Dialects.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAttn.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

#include <mutex>

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, mlir::attn::AttnDialect)

void attnMlirRegisterDialects(MlirDialectRegistry registry) {
  mlir::attn::registerAttnDialects(*unwrap(registry));
}

void attnMlirRegisterPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { mlir::attn::registerAttnPasses(); });
}
