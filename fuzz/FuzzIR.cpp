//===- FuzzIR.cpp - attn-fuzz-ir: parser, verifiers, attn-optimize ---------===//
//
// Each "// -----" chunk of the input is parsed (with every op verified), must
// round-trip through the printer, runs through attn-optimize (plan sparsity,
// fold layouts, decompose VSA, hoist and merge masks, canonicalize), and the
// result is verified and round-tripped again. Rejection at any step is fine;
// a crash, a sanitizer report or a round-trip mismatch is not.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"
#include "FuzzTarget.h"

#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

using namespace attn::fuzz;

namespace {

Outcome runIR(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx = context();
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  bool any = false;
  for (const std::string &chunk : chunks(std::string(reinterpret_cast<const char *>(data), size))) {
    mlir::OwningOpRef<mlir::ModuleOp> module = parse(chunk);
    if (!module)
      continue;
    roundTrip(*module, "as parsed");
    mlir::PassManager pm(&ctx);
    mlir::attn::buildAttnOptimizePipeline(pm, mlir::attn::AttnOptimizeOptions());
    if (mlir::failed(pm.run(*module)))
      continue;
    if (mlir::failed(mlir::verify(*module))) {
      std::fprintf(stderr, "attn-fuzz: attn-optimize succeeded on an input but left IR that "
                           "does not verify\n");
      std::abort();
    }
    roundTrip(*module, "after attn-optimize");
    any = true;
  }
  return any ? Outcome::Accepted : Outcome::Rejected;
}

} // namespace

const Target &attn::fuzz::target() {
  static const Target t{
      "attn-fuzz-ir",
      runIR,
      {"attn.tile ", "attn.untile ", "attn.sdpa ", "attn.mask_from_lengths ",
       "attn.block_sparse ", "attn.block_mean ", "attn.block_topk ", "attn.vsa ",
       "attn.sliding_tile ", "attn.lse_merge ", " lse ", "attn.tile_block_sizes ",
       "attn.chunk_mean ", "attn.chunk_select ", "attn.chunk_attention ", " chunk ",
       " threshold ", "attn.kmeans ", "attn.cluster_select ", "attn.cluster_attention ",
       " iterations ", " top_p ", " min_kc_ratio ", "attn.sage_sdpa ",
       "attn.sage_block_sparse ",
       "grid [%arg1, ", ": index", " grid ", " tile ", " block ", " topk ", " k ", " key_mask ",
       " scale ", " gate ", " block_q ", " block_kv ", " size ", " q_block_sizes ",
       " kv_block_sizes ", "array<i64: ", "tensor<", "x", "xf32>", "xbf16>", "xf16>", "xi32>",
       "xi1>", "?x", "0x", "func.func @main(", "return ", "scf.for ", "%arg0", "%0", "->",
       "{", "}", "(", ")", ":", ",", "=", "\"", "dense<", "f32", "i64", "#", "loc(",
       "functional-type", "tensor.empty()", "arith.constant "},
      false};
  return t;
}
