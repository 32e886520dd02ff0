//===- AttnDialect.td - attn dialect definition ------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_TD
#define ATTN_DIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Sparse attention for video diffusion (VSA, STA) on tensors";
  let description = [{
    The `attn` dialect expresses the attention of video diffusion transformers
    (Wan2.1, HunyuanVideo) at the level their Python glue works at: video token
    tiling (`attn.tile` / `attn.untile`), dense attention (`attn.sdpa`),
    text-padding masks (`attn.mask_from_lengths`), block-sparse attention over
    an index list (`attn.block_sparse`), the pieces of Video Sparse Attention
    (`attn.block_mean`, `attn.block_topk`, the composite `attn.vsa`) and Sliding
    Tile Attention (`attn.sliding_tile`).

    Attention tensors are rank-4 BHSD (`[batch, heads, seq, head_dim]`) of
    `f32`, `f16` or `bf16`; softmax and accumulation are in f32. Index tensors
    are `i32`, masks `i1` (true = attend). A query row with no valid key
    produces 0. K/V may have fewer heads than Q (GQA): query head `h` reads kv
    head `h / (Hq / Hkv)`.

    Every op is pure: masks, index tables and tiled layouts are values, which
    is what lets the compiler hoist, merge and fold them.
  }];
  // tile/untile canonicalization casts results (tensor.cast); folded
  // constants (tile_block_sizes of a static grid) are arith.constant.
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
  let hasConstantMaterializer = 1;
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTN_DIALECT_TD
