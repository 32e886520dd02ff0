//===- Passes.td - passes of the attn kernel library -------*- tablegen -*-===//
//
// Test and inspection passes that emit one kernel of the library on its own;
// the GPU path (convert-attn-to-gpu-launches) emits the kernels it needs.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_PASSES
#define ATTN_KERNELS_PASSES

include "mlir/Pass/PassBase.td"

def AttnEmitFlashKernel : Pass<"attn-emit-flash-kernel", "ModuleOp"> {
  let summary = "Emit one block-sparse flash-attention kernel into a gpu.module";
  let description = [{
    Appends to the module a `gpu.module @attn_kernels` targeting NVVM (`chip`,
    `features`) holding the flash-attention kernel for the given
    configuration: one CTA per (query block, head, batch), 4 warps of 16 query
    rows, S = Q.K^T and P.V on tensor cores (`nvvm.mma.sync` m16n8k16, bf16
    or f16 operands, f32 accumulators), online softmax with running max and
    sum in f32 and `exp2` on log2(e)-scaled scores, the kv-validity mask from
    `kv_block_sizes`, an optional key mask, any sequence lengths (partial
    last query and kv blocks), GQA, rows without a valid key written as 0.
    Parameters: q, k, v, out, kv_indices, kv_counts, kv_block_sizes,
    key_mask, i32 Sq, Skv, Hq, Hkv, K; grid (ceil(Sq / 64), Hq, B). Used to
    build, inspect and test the kernels on their own; `attn-to-nvvm` will
    emit the kernels each attn op needs.

    ```sh
    attn-opt empty.mlir --pass-pipeline="builtin.module(
        attn-emit-flash-kernel{head-dim=128 dtype=bf16},
        gpu.module(convert-scf-to-cf, convert-arith-to-llvm),
        convert-cf-to-llvm, reconcile-unrealized-casts,
        gpu-module-to-binary{format=isa})"
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"", "NVVM target chip">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx80\"", "PTX features">,
    Option<"dtype", "dtype", "std::string", /*default=*/"\"bf16\"", "bf16 or f16">,
    Option<"headDim", "head-dim", "int64_t", /*default=*/"128", "64 or 128">,
    Option<"blockQ", "block-q", "int64_t", /*default=*/"64", "Query rows per CTA">,
    Option<"blockKv", "block-kv", "int64_t", /*default=*/"64", "Keys per kv block">,
    Option<"indexed", "indexed", "bool", /*default=*/"true", "kv_indices/kv_counts (false: dense)">,
    Option<"blockSizes", "block-sizes", "bool", /*default=*/"true", "Mask partial kv blocks by kv_block_sizes">,
    Option<"keyMask", "key-mask", "bool", /*default=*/"false", "Take a key_mask (i8 [B, Skv], 0 = masked key)">,
    Option<"lse", "lse", "bool", /*default=*/"false", "Also write each row's log-sum-exp (f32 [B, Hq, Sq], -inf without a valid key) through a pointer after all other parameters">,
    Option<"subBlocks", "sub-blocks", "int64_t", /*default=*/"1", "kv blocks per listed tile (STA's big tiles)">,
    Option<"qSubBlocks", "q-sub-blocks", "int64_t", /*default=*/"0", "Query blocks per table row (0: sub-blocks)">,
    Option<"gradPass", "grad-pass", "std::string", /*default=*/"\"\"", "Emit a backward kernel instead (FlashAttentionGradKernel.h): dq (dQ, lse2, delta) or dkdv (dK, dV)">,
    Option<"scale", "scale", "double", /*default=*/"0.0", "Softmax scale (0: 1/sqrt(head-dim))">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def AttnEmitHopperKernel : Pass<"attn-emit-hopper-kernel", "ModuleOp"> {
  let summary = "Emit one wgmma/TMA flash-attention kernel (sm_90a) into a gpu.module";
  let description = [{
    Appends to the module a `gpu.module @attn_kernels` (sm_90a) holding the
    Hopper member of the flash-attention family
    (include/attn/Kernels/HopperAttentionKernel.h): a producer warpgroup
    issuing TMA box loads of Q, K and V (128-byte swizzle) into a ring of
    `stages` K/V stages guarded by mbarriers, and block_q / 64 consumer
    warpgroups computing S = Q.K^T by wgmma (shared-memory operands) and
    O += P.V by wgmma with P in registers, online softmax in exp2, register
    budgets set by setmaxnreg. Same semantics as attn-emit-flash-kernel;
    parameters: the 13 attention parameters, then the CUtensorMaps of q, k
    and v (`__grid_constant__`). `overlap=true` issues S_j = Q.K_j^T with
    the previous block's P.V and runs softmax_j under the P.V wgmmas;
    `ping-pong=true` (block-q 128) makes the two consumers take turns
    issuing wgmmas; both are off by default until checked on a GPU
    (docs/GPU.md), e.g.
    `attn-emit-hopper-kernel{indexed=false block-sizes=false overlap=true ping-pong=true}`
    emits `attn_wgmma_bf16_d128_q128_kv128_dense_s3_ov_pp`.

    `raster-tile=T,H,W` emits the raster-tile form (docs/GPU.md): q, k, v
    and out stay raster video tensors [B, H, T * Hh * W, D]; 5-D tensor
    maps {D, W, Hh, T, B * H} bring each (sub-)tile of tokens into shared
    memory with one box load, keys outside the video grid (partial tiles)
    are masked by coordinate, and out is written back by a TMA store of the
    same box. The kernel takes out's map and i32 T, Hh, W after the three
    maps; kv_indices name tiles. It needs `block-sizes=false`, e.g.
    `attn-emit-hopper-kernel{block-q=128 block-kv=128 block-sizes=false raster-tile=6,8,8}`
    emits `attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_s3` (STA's 384-token
    tiles as 3 query blocks and 3 kv blocks of 2 x 8 x 8 tokens).
    `raster-text=true` adds STA's text segment: text tiles after the image
    tiles, read and written through 3-D maps of separate [B, H, S_text, D]
    tensors, keys at or past the text length masked (name suffix `_txt`;
    four more maps and i32 S_text, text length).
    `gated-combine=true` (block-q 64, no text) puts VSA's gated combine in
    the epilogue: out = O + coarse[tile] * gate, the gate's box TMA-loaded
    into the freed Q tile (name suffix `_cg`; the gate's map and the coarse
    pointer after the grid), e.g.
    `attn-emit-hopper-kernel{block-q=64 block-kv=64 block-sizes=false raster-tile=4,4,4 gated-combine=true}`
    emits `attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_cg_s3`.

    ```sh
    attn-opt empty.mlir --pass-pipeline="builtin.module(
        attn-emit-hopper-kernel{head-dim=128 block-q=128 block-kv=128},
        gpu.module(convert-scf-to-cf, convert-arith-to-llvm),
        convert-cf-to-llvm, reconcile-unrealized-casts,
        gpu-module-to-binary{format=isa})"
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"", "NVVM target chip (sm_90a)">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx80\"", "PTX features">,
    Option<"dtype", "dtype", "std::string", /*default=*/"\"bf16\"", "bf16 or f16">,
    Option<"headDim", "head-dim", "int64_t", /*default=*/"128", "64 or 128">,
    Option<"blockQ", "block-q", "int64_t", /*default=*/"128", "Query rows per CTA (64: one consumer, 128: two)">,
    Option<"blockKv", "block-kv", "int64_t", /*default=*/"128", "Keys per kv block (64 or 128; dense: also a multiple of 16 up to 256, e.g. 176)">,
    Option<"indexed", "indexed", "bool", /*default=*/"true", "kv_indices/kv_counts (false: dense)">,
    Option<"blockSizes", "block-sizes", "bool", /*default=*/"true", "Mask partial kv blocks by kv_block_sizes">,
    Option<"keyMask", "key-mask", "bool", /*default=*/"false", "Take a key_mask (i8 [B, Skv], 0 = masked key)">,
    Option<"lse", "lse", "bool", /*default=*/"false", "Also write each row's log-sum-exp (f32 [B, Hq, Sq], -inf without a valid key) through a pointer after all other parameters">,
    Option<"subBlocks", "sub-blocks", "int64_t", /*default=*/"1", "kv blocks per listed tile (STA)">,
    Option<"qSubBlocks", "q-sub-blocks", "int64_t", /*default=*/"0", "Query blocks per table row (0: sub-blocks)">,
    Option<"stages", "stages", "int64_t", /*default=*/"0", "K/V ring stages (0: the deepest that fits)">,
    Option<"overlap", "overlap", "bool", /*default=*/"false", "Overlap softmax_j with the P_{j-1}.V_{j-1} wgmmas (name suffix _ov; checked on an H100, 4% faster on dense; off until the planner's kernels are measured with it)">,
    Option<"pingPong", "ping-pong", "bool", /*default=*/"false", "Two consumer warpgroups take turns issuing wgmmas (block-q 128; name suffix _pp; checked on an H100, slower than without at boost clock)">,
    Option<"qRegs", "q-regs", "bool", /*default=*/"false", "Q as the register A operand of S = Q.K^T, read from the swizzled tile once (name suffix _qr): the S wgmmas read only K from shared memory; with block-q 128 it needs overlap=true">,
    Option<"fmaSoftmax", "fma-softmax", "bool", /*default=*/"false", "Row maxima of the raw scores and exp2(s * c - m) by one fma per score (name suffix _fm)">,
    ListOption<"rasterTile", "raster-tile", "int64_t", "Video tile T,H,W: raster q/k/v/out through 5-D TMA boxes, keys masked by grid coordinate (name suffix _rt<T>x<H>x<W>; needs block-sizes=false; checked on an H100, 2026-12-06)">,
    Option<"rasterText", "raster-text", "bool", /*default=*/"false", "Raster-tile form: text tiles after the image tiles, through 3-D maps of separate text tensors (name suffix _txt)">,
    Option<"gatedCombine", "gated-combine", "bool", /*default=*/"false", "Raster-tile form, block-q 64, no text: VSA's gated combine out = O + coarse[tile] * gate in the epilogue (name suffix _cg; the gate's map and the coarse pointer after the grid)">,
    Option<"scale", "scale", "double", /*default=*/"0.0", "Softmax scale (0: 1/sqrt(head-dim))">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def AttnEmitSimtKernel : Pass<"attn-emit-simt-kernel", "ModuleOp"> {
  let summary = "Emit one SIMT (no tensor core) attention kernel into a gpu.module";
  let description = [{
    Appends to the module a `gpu.module @attn_kernels` targeting NVVM (`chip`,
    `features`) holding the SIMT fallback attention kernel for the given
    configuration, for what the flash kernel does not take (f32 inputs, head
    dims other than 64/128, other block sizes). Same parameters and
    semantics as the flash kernel (q, k, v, out, kv_indices, kv_counts,
    kv_block_sizes, key_mask, i32 Sq, Skv, Hq, Hkv, K); grid
    (ceil(Sq / 4), Hq, B), 128 threads, one warp per query row, no shared
    memory. Each lane keeps head dims lane, lane + 32, ... in registers;
    scores are warp-reduced dot products, online softmax and accumulation
    in f32.

    ```sh
    attn-opt empty.mlir --pass-pipeline="builtin.module(
        attn-emit-simt-kernel{head-dim=32 dtype=f32 block-q=8 block-kv=8},
        gpu.module(convert-scf-to-cf, convert-arith-to-llvm),
        convert-cf-to-llvm, reconcile-unrealized-casts,
        gpu-module-to-binary{format=isa})"
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"", "NVVM target chip">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx80\"", "PTX features">,
    Option<"dtype", "dtype", "std::string", /*default=*/"\"f32\"", "f32, bf16 or f16">,
    Option<"headDim", "head-dim", "int64_t", /*default=*/"64", "1 to 256">,
    Option<"blockQ", "block-q", "int64_t", /*default=*/"64", "Query rows per query block (indexed)">,
    Option<"blockKv", "block-kv", "int64_t", /*default=*/"64", "Keys per kv block">,
    Option<"indexed", "indexed", "bool", /*default=*/"true", "kv_indices/kv_counts (false: dense)">,
    Option<"blockSizes", "block-sizes", "bool", /*default=*/"true", "Mask partial kv blocks by kv_block_sizes">,
    Option<"keyMask", "key-mask", "bool", /*default=*/"false", "Take a key_mask (i8 [B, Skv], 0 = masked key)">,
    Option<"lse", "lse", "bool", /*default=*/"false", "Also write each row's log-sum-exp (f32 [B, Hq, Sq], -inf without a valid key) through a pointer after all other parameters">,
    Option<"scale", "scale", "double", /*default=*/"0.0", "Softmax scale (0: 1/sqrt(head-dim))">,
    Option<"gradPass", "grad-pass", "std::string", /*default=*/"\"\"", "Emit a backward kernel instead (SimtAttentionGradKernel.h): dq (dQ, lse2, delta) or dkdv (dK, dV)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // ATTN_KERNELS_PASSES
