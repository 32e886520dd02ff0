//===- ArtifactCompiler.h - attn module -> GPU artifact ---------*- C++ -*-===//
//
// The engine behind `attn-compile FILE -o DIR`: runs the attn-to-nvvm
// pipeline (attn-optimize, the GPU launch plan, kernels to PTX), assembles a
// cubin with ptxas when available, and writes the host launch plan as the
// artifact the runtime (attnrt) executes. Format: docs/ARTIFACT.md.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_COMPILE_ARTIFACTCOMPILER_H
#define ATTN_COMPILE_ARTIFACTCOMPILER_H

#include "attn/Kernels/GpuTarget.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>

namespace mlir {
namespace attn {

/// The GPU compile options plus what only the artifact writer needs.
struct ArtifactOptions : GpuCompileOptions {
  /// ptxas to assemble a cubin with; empty or missing: PTX only.
  std::string ptxas = "/usr/local/cuda/bin/ptxas";

  /// The options for a chip of gpuChips() with its PTX features (sm_80: PTX
  /// 7.0, sm_90/sm_90a: PTX 8.0), or std::nullopt for any other.
  static std::optional<ArtifactOptions> forChip(StringRef chip);
};

llvm::Error compileArtifact(ModuleOp module, StringRef entry, StringRef outDir,
                            const ArtifactOptions &options);

} // namespace attn
} // namespace mlir

#endif // ATTN_COMPILE_ARTIFACTCOMPILER_H
