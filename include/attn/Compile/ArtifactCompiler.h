//===- ArtifactCompiler.h - attn module -> GPU artifact ---------*- C++ -*-===//
//
// The engine behind `attn-compile FILE -o DIR`: runs attn-optimize, plans the
// kernels an entry function needs, emits and lowers them to PTX (and cubin
// through ptxas when available), and writes the artifact the runtime
// (attnrt) executes. Format: docs/ARTIFACT.md.
//
// This version compiles entry functions that return attention ops
// (attn.sdpa without key_mask, attn.block_sparse, attn.sliding_tile after
// planning) applied to arguments and constant tables.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_COMPILE_ARTIFACTCOMPILER_H
#define ATTN_COMPILE_ARTIFACTCOMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <string>

namespace mlir {
namespace attn {

struct ArtifactOptions {
  std::string chip = "sm_90a";
  std::string features = "+ptx80";
  /// ptxas to assemble a cubin with; empty or missing: PTX only.
  std::string ptxas = "/usr/local/cuda/bin/ptxas";
};

llvm::Error compileArtifact(ModuleOp module, StringRef entry, StringRef outDir,
                            const ArtifactOptions &options);

} // namespace attn
} // namespace mlir

#endif // ATTN_COMPILE_ARTIFACTCOMPILER_H
