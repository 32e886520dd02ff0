//===- InitAttn.h - register the attn dialect, passes, pipelines -*- C++ -*-===//

#ifndef ATTN_INITATTN_H
#define ATTN_INITATTN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class MLIRContext;
namespace attn {

/// Adds the attn dialect and every upstream dialect and extension its
/// pipelines produce or consume.
void registerAttnDialects(DialectRegistry &registry);

/// Registers the attn passes and named pipelines, plus the upstream passes,
/// with the global pass registry (for attn-opt and embedding drivers).
void registerAttnPasses();

/// Reads and parses `path` into a module for the tools; parse diagnostics go
/// to whatever handler the caller installed on `context` (with `sourceMgr`
/// for source locations). Returns null with `error` set on failure.
OwningOpRef<ModuleOp> parseModuleFile(StringRef path, MLIRContext &context,
                                      llvm::SourceMgr &sourceMgr,
                                      std::string &error);

} // namespace attn
} // namespace mlir

#endif // ATTN_INITATTN_H
