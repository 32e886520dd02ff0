//===- Passes.td - attn conversion passes ------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_PASSES
#define ATTN_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg", "ModuleOp"> {
  let summary = "Lower attn ops to linalg/tensor/arith/math on tensors";
  let description = [{
    The CPU reference lowering of every non-composite `attn` op (run
    `attn-decompose-vsa` and `attn-plan-sparsity` first; the `attn-to-cpu`
    pipeline does). Shapes must be static.

    - `attn.tile` / `attn.untile`: one `linalg.generic` gather over the result
      with a constant slot table from the tile geometry; pad slots are 0.
    - `attn.sdpa` / `attn.block_sparse`: a key-row table (`-1` = invalid key)
      drives four generics: scores `q.k` (f32), row max, `exp(s*scale - max)`
      and its sum, then the weighted sum of values divided by the sum; a row
      with no valid key gives 0. Block-sparse keys are gathered through
      `kv_indices` (ids clamped for memory safety; `attn-run` rejects
      out-of-range ids before running).
    - `attn.mask_from_lengths`: `j < lengths[b]`.
    - `attn.block_mean`: masked f32 sum over the first `block_sizes[j]` slots
      divided by the count.
    - `attn.block_topk`: rank of each score (ties to the lower id), selection
      `rank < k`, then compaction to ascending ids.

    With `fold-gathers` (default), a tile or untile gather feeding another
    op's loads is folded into them: a `tensor.extract` from the gather reads
    the raster source through the slot table, and a `linalg.generic` reading
    the gather through an indexing map absorbs it (elementwise fusion). So
    `attn.tile` feeding attention materializes no tiled copy: the kernel reads
    raster order through the index.

    Example:

    ```mlir
    %m = attn.mask_from_lengths %len size 4 : tensor<2xi32>
    // becomes
    %e = tensor.empty() : tensor<2x4xi1>
    %m = linalg.generic {indexing_maps = [(b, j) -> (b), (b, j) -> (b, j)], ...}
           ins(%len : tensor<2xi32>) outs(%e : tensor<2x4xi1>) { j < len }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"foldGathers", "fold-gathers", "bool", /*default=*/"true",
           "Fold tile/untile gathers into the loads of their consumers">
  ];
}

def ConvertAttnToGPULaunches : Pass<"convert-attn-to-gpu-launches", "ModuleOp"> {
  let summary = "Plan an attn function as GPU kernel launches over buffers";
  let description = [{
    Rewrites the entry function (tensors; run `attn-optimize` first) into a
    host function over memrefs: its arguments, then one out-parameter per
    result. The body allocates scratch (`memref.alloc {attn.scratch = N}`,
    packed by lifetime so buffers whose uses do not overlap share memory),
    reads constant tables (`memref.get_global`), and launches kernels
    (`gpu.launch_func`) that are appended to `gpu.module @attn_kernels`:

    - `attn.tile`/`attn.untile`, `tensor.concat`/`extract_slice`/`pad` along
      the sequence are composed into row tables and applied by one gather
      (16-byte accesses where rows allow) per destination; chains that
      cancel cost nothing;
    - `attn.sdpa` and `attn.block_sparse`: the tensor-core flash kernel
      (bf16/f16, head dim 64/128; blocks of 64 query rows; tiles of 128..384
      tokens with constant tables are split into 64-token blocks at compile
      time) or, for everything else (f32, other head dims or block sizes),
      the SIMT attention kernel; constant tables are validated here;
    - dynamic kv tables (arguments, `attn.block_topk` results) get a
      checked-mode launch (`attn.check_dims`) that the runtime runs when
      asked to;
    - `attn.block_mean`, `attn.block_topk`, `attn.mask_from_lengths` and
      static linalg ops (the gated combine of the VSA decomposition) get
      their own kernels; VSA's coarse scores (zero fill, bf16/f16
      contraction into f32, scale) become one tensor-core kernel;
    - `attn.lse_merge` is first rewritten into its linalg form (two
      `linalg.generic` ops, as on the CPU path), which become two such
      kernels.

    Example:
    ```mlir
    func.func @main(%q: tensor<1x2x128x64xbf16>, ...) -> tensor<1x2x128x64xbf16>
    // becomes
    func.func @main(%arg0: memref<1x2x128x64xbf16>, ..., %arg3: memref<1x2x128x64xbf16>)
        attributes {attn.num_args = 3 : i64} {
      gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_... blocks in (%c2, %c2, %c1)
          threads in (%c128, %c1, %c1) dynamic_shared_memory_size %smem args(...)
    ```
  }];
  let dependentDialects = [
    "mlir::gpu::GPUDialect", "mlir::memref::MemRefDialect",
    "mlir::LLVM::LLVMDialect", "mlir::NVVM::NVVMDialect",
    "mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
    "mlir::func::FuncDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"", "The function to plan">,
    Option<"chip", "chip", "std::string", /*default=*/"::mlir::attn::GpuCompileOptions().chip", "NVVM target chip (sm_80, sm_90, sm_90a)">,
    Option<"features", "features", "std::string", /*default=*/"::mlir::attn::GpuCompileOptions().features", "PTX features (sm_90a needs +ptx80 or newer)">,
    Option<"denseBlockKv", "dense-block-kv", "int64_t", /*default=*/"::mlir::attn::GpuCompileOptions().denseBlockKv", "Keys per kv block of the dense tensor-core kernel (64 or 128)">,
    Option<"blockQ", "block-q", "int64_t", /*default=*/"::mlir::attn::GpuCompileOptions().blockQ", "Query rows per CTA of the tensor-core kernel (64: 4 warps, 128: 8 warps) for dense attention and big tiles">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().tensorCores", "Use the mma.sync kernel where shapes allow (false: SIMT kernel everywhere)">,
    Option<"gradTensorCores", "grad-tensor-cores", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().gradTensorCores", "The backward ops on the mma.sync backward kernels where shapes allow and tensor-cores is on (false: the SIMT backward everywhere; docs/Training.md)">,
    Option<"wgmma", "wgmma", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().wgmma", "On sm_90a, use the wgmma/TMA kernel where shapes allow (false: mma.sync)">,
    Option<"checks", "checks", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().checks", "Emit checked-mode launches that validate dynamic kv tables">,
    Option<"foldLayout", "fold-layout", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().foldLayout", "On sm_90a with the wgmma kernel, fold attn.tile/attn.untile (and STA's text concat/slices) around block-sparse attention into the raster-tile kernel's TMA boxes (false: gathers into tiled copies)">,
    Option<"report", "report", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().report", "Emit the layout decisions (folded into the kernel, or why not) as remarks">,
    Option<"overlap", "overlap", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().overlap", "The wgmma kernels overlap each block's softmax with the previous block's P.V wgmmas (kernel suffix _ov)">,
    Option<"qInRegs", "q-regs", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().qInRegs", "The wgmma kernels keep Q in registers: S = Q.K^T in the register-A form (kernel suffix _qr)">,
    Option<"fmaSoftmax", "fma-softmax", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().fmaSoftmax", "The wgmma kernels' softmax: raw row maxima, one fma per exponent (kernel suffix _fm)">,
    Option<"topkSharedFallback", "topk-shared-fallback", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().topkSharedFallback", "block_topk over a run-time number of kv blocks: registers up to 1024, shared memory sized per run above (attn_block_topk_r32_s)">,
    Option<"longFirst", "long-first", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().longFirst", "STA's raster-tile kernel with text: text query blocks first, padding-only blocks skipped (kernel suffix _lf)">,
    Option<"foldSlabs", "fold-slabs", "bool", /*default=*/"::mlir::attn::GpuCompileOptions().foldSlabs", "Fold raster tokens that are the first rows of a larger tensor (Python's one-tensor STA layout) into the raster-tile kernel's maps (slab strides)">
  ];
}

#endif // ATTN_CONVERSION_PASSES
