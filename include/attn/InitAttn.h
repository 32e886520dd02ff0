//===- InitAttn.h - register the attn dialect, passes, pipelines -*- C++ -*-===//

#ifndef ATTN_INITATTN_H
#define ATTN_INITATTN_H

namespace mlir {
class DialectRegistry;
namespace attn {

/// Adds the attn dialect and every upstream dialect and extension its
/// pipelines produce or consume.
void registerAttnDialects(DialectRegistry &registry);

/// Registers the attn passes and named pipelines, plus the upstream passes,
/// with the global pass registry (for attn-opt and embedding drivers).
void registerAttnPasses();

} // namespace attn
} // namespace mlir

#endif // ATTN_INITATTN_H
