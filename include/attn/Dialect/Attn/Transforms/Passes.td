//===- Passes.td - attn dialect passes ---------------------*- tablegen -*-===//

#ifndef ATTN_TRANSFORMS_PASSES
#define ATTN_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def AttnDecomposeVsa : Pass<"attn-decompose-vsa"> {
  let summary = "Rewrite attn.vsa (and attn.vsa_grad) into coarse and fine stages";
  let description = [{
    Replaces each `attn.vsa` by the computation the SPEC defines for it:

    ```
    qc = attn.block_mean(q, q_block_sizes); kc, vc likewise with kv sizes
    S  = linalg.generic: qc . kc^T * (1/sqrt(D))     // f32 [B,H,Nq,Nkv]
    Oc = attn.sdpa(qc, kc, vc)                        // softmax(S) . vc
    idx, cnt = attn.block_topk(S, topk)
    Os = attn.block_sparse(q, k, v, idx, cnt, kv_block_sizes)
           {block_q = block, block_kv = block}
    out = linalg.generic: Oc[b,h,s/block] * gate + Os  (no gate: Oc + Os)
    ```

    Each piece then lowers on its own (CPU or GPU) and the coarse stage can
    be scheduled separately from the fine one. Dynamic shapes decompose into
    the same pieces (sizes from `tensor.dim`, a run-time GQA group and
    `1/sqrt(D)` where those are dynamic); a run-time `topk` (`topk_value`)
    becomes `attn.block_topk`'s run-time `k`.

    `attn.vsa_grad` decomposes the same way (docs/Training.md): the same
    block means, scores and top-k, then `attn.block_sparse_grad` on that
    selection (fine branch), `attn.sdpa_grad` on f32 block means with
    `dOc` = dout (times the gate) summed over each query block's slots
    (coarse branch), the block mean's adjoint added to the fine gradients,
    and `dgate = Oc[s / block] * dout`.

    Example:

    ```mlir
    %o = attn.vsa %q, %k, %v block 64 topk 2 : (...) -> tensor<1x2x256x32xf32>
    // becomes
    %qc = attn.block_mean %q block 64 : tensor<1x2x256x32xf32>
    ...
    %idx, %cnt = attn.block_topk %s k 2 : tensor<1x2x4x4xf32>
    %os = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 64 block_kv 64 : ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnPlanSparsity : Pass<"attn-plan-sparsity"> {
  let summary = "Plan sliding-tile sparsity at compile time (sliding_tile -> block_sparse)";
  let description = [{
    Replaces each `attn.sliding_tile` by an `attn.block_sparse` whose
    `kv_indices`, `kv_counts` and `kv_block_sizes` are compile-time constants
    computed from `tile_grid`, `tile`, the window(s) and `text_length`; no mask
    or table is built per call.

    - Blocks are tiles (`block_q = block_kv = P = a*b*c`). Image tile `q`
      lists the tiles of its shifted window in ascending id order, then the
      text blocks that hold valid text tokens.
    - Text tokens form `ceil(S_text / P)` trailing blocks; text block `t` has
      `clamp(text_length - t*P, 0, P)` valid keys (`kv_block_sizes`), so keys
      at or after `text_length` are never attended.
    - Text query blocks list every image tile and the valid text blocks.
    - Per-head `windows` give per-head rows.
    - When `S_text` is not a multiple of `P`, q/k/v are zero-padded to whole
      blocks and the result is sliced back.
    - A dynamic batch broadcasts the per-head tables (`[H, Nb, K]`
      constants) over the run's batch; dynamic query heads with one
      `window` plan one head and broadcast its `[Nb, K]` rows over `[B, H]`;
      dynamic query heads with per-head `windows` are checked equal to
      `windows / 3` at run time and q (and dout) cast to that many heads,
      the results cast back.
    - A run-time text length (`text_length %n`) plans every text block and
      computes only `kv_block_sizes` per call (a text block with 0 valid
      keys adds nothing), after a run-time check `0 <= n <= S_text`.
    - A dynamic sequence (the image part is the tile grid's, S_text only
      known at run time): the image tiles' window lists are a constant and
      the tables (`[B, H, Nb, Nb]` ids, counts, kv_block_sizes, with `Nb =
      N_img + ceil(S_text / P)` at run time) are computed per call: an
      image query block lists its window tiles then every text block, a
      text query block every block. `S >= N_img * P`, k/v's sequence and
      the text length are checked at run time.

    Example (2x2x2 tiles of 4 tokens, window 1x1x1, no text):

    ```mlir
    %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [1, 2, 2]
           window [1, 1, 1] : (...) -> tensor<1x1x32x8xf32>
    // becomes
    %idx = arith.constant dense<[[[[0], [1], [2], ..., [7]]]]> : tensor<1x1x8x1xi32>
    %cnt = arith.constant dense<1> : tensor<1x1x8xi32>
    %vbs = arith.constant dense<4> : tensor<8xi32>
    %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 4 block_kv 4 : ...
    ```

    `report=true` emits each plan as a remark on its `attn.sliding_tile`:
    the geometry (blocks of P tokens, image tiles, text blocks, the longest
    row), then per distinct head pattern (heads with equal rows share one)
    the attended block count and density and the block pattern drawn as
    text, one line per query block (image tiles in raster order, then text
    blocks), `██` attended and `░░` skipped kv blocks (the first 64 rows and
    columns), as `attn_mlir.viz.render` draws it:

    ```
    remark: attn-plan-sparsity: tile_grid [1, 1, 4] tile [1, 1, 2] window(s) [1, 1, 3] text_length 0: 4 blocks of 2 tokens (4 image tiles, 0 text blocks), at most 3 kv blocks per query block
    head 0: 4x4 blocks, 12 of 16 blocks attended (density 75.00%)
    ██████░░
    ██████░░
    ░░██████
    ░░██████
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit each plan (geometry, density, block pattern as text) as a remark">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnHoistMasks : Pass<"attn-hoist-masks"> {
  let summary = "Hoist mask and index-table producers out of loops and merge duplicates";
  let description = [{
    Masks and index tables are pure functions of their operands, so a layer
    loop or a denoising-step loop that rebuilds them every iteration does
    redundant work (FastVideo's per-layer metadata made a mask cache that
    never hit). The pass hoists level by level, innermost loop first: out of
    each `scf.for` (or `scf.forall`/`scf.while`) loop it moves, to just
    before the loop, every *mask or index producer* that sits directly in
    the loop body and whose operands are defined outside the loop or by ops
    moved with it (other producers, and the scalar `arith`/`index`
    arithmetic they need, e.g. an index cast of the step counter). So a
    producer climbs out of every loop whose values it does not use and stops
    below the first one whose values it does: a text mask of the prompt
    lengths leaves both the layer and the step loop, a mask or table that
    depends only on the step counter is built once per step, between the
    step and layer loops. Then producers that compute the same value from
    the same operands in the same block are merged, keeping the first.

    Mask and index producers: `attn.mask_from_lengths`, `attn.block_topk`,
    constants (tile slot tables, sparsity-plan tables, block sizes), and any
    other side-effect-free, region-free op whose results are all integer or
    `i1` tensors (arithmetic on tables). Never hoisted: an op with an operand
    that changes per iteration (loop-carried values, the induction variable,
    results of ops that stay, e.g. `attn.block_topk` of the layer's scores),
    an op inside a conditional or other non-loop region of the loop body (it
    might never run, so it is not speculated), anything with memory effects.

    Statistics: `hoisted` producers moved out of a loop (one count per loop
    crossed; scalar arithmetic moved with them is not counted), `merged`
    duplicates removed. They are MLIR pass statistics
    (`-mlir-pass-statistics`), which release builds of LLVM such as Debian's
    compile to no-ops; `report=true` also emits them as a remark on the
    anchor op: `attn-hoist-masks: hoisted N, merged M`.

    Example:

    ```mlir
    scf.for %step = %c0 to %c50 step %c1 {
      scf.for %layer = %c0 to %c30 step %c1 {
        %m = attn.mask_from_lengths %len size 77 : tensor<2xi32>
        %si = arith.index_cast %step : index to i32
        %sl = tensor.splat %si : tensor<2xi32>
        %ms = attn.mask_from_lengths %sl size 77 : tensor<2xi32>
        ...
      }
    }
    // becomes
    %m = attn.mask_from_lengths %len size 77 : tensor<2xi32>
    scf.for %step = ... {
      %si = arith.index_cast %step : index to i32
      %sl = tensor.splat %si : tensor<2xi32>
      %ms = attn.mask_from_lengths %sl size 77 : tensor<2xi32>
      scf.for %layer = ... { ... }
    }
    ```
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit the statistics as a remark on the anchor op">
  ];
  let statistics = [
    Statistic<"numHoisted", "hoisted", "Producers moved out of a loop (per loop crossed)">,
    Statistic<"numMerged", "merged", "Duplicate producers merged">
  ];
}

def AttnFoldLayout : Pass<"attn-fold-layout"> {
  let summary = "Cancel tile/untile pairs and fuse token gathers";
  let description = [{
    Removes the token permutations that the Python glue of today's backends
    performs around every attention call.

    - `untile(tile(x))` with the same grid and tile is `x` (the op's fold).
    - `tile(untile(y))` with the same grid and tile is `y` when the pad slots
      of the result provably do not matter (below); otherwise, and for
      different tilings, it becomes **one** gather whose constant index is
      the composition of the two (`slot -> raster -> slot`).
    - `tile(f(...))` for a token-wise `f` (an elementwise `linalg.generic`
      over `[B,H,S,D]` that reads every token-indexed operand at the same
      token and does not use its position; an elementwise arith op; the query
      side of `attn.sdpa`) becomes `f(tile(...))`, so the tile meets the
      previous layer's untile and cancels. Only when `f`'s result has no
      other use and the pads do not matter (`f(0)` need not be 0).
    - An `scf.for` value that each iteration tiles (a layer or step loop) is
      carried tiled: one tile before the loop, one untile after it.
    - A tile that remains in front of an attention op is folded into the
      kernel's loads when the op is lowered (`convert-attn-to-linalg`'s
      `fold-gathers`; the GPU kernels read through the same slot table), so
      no tiled copy is materialized.

    Pads do not matter for a tiled value when every use ignores them or maps
    them only to pads of a value whose pads do not matter: `untile` with the
    same tiling, `attn.block_mean` / `attn.vsa` / `attn.block_sparse` keys
    whose block is the tile and whose block sizes are this tiling's constant
    valid sizes, attention queries, token-wise ops, and loop-carried values
    (checked around the loop). Anything else (a return, an unknown op, a
    token-mixing op, sizes that are not a constant) stops every rewrite that
    would change pads.

    Example (one layer of a layer loop, before and after):

    ```mlir
    %r = scf.for %l = %c0 to %c30 step %c1 iter_args(%x = %x0) -> tensor<1x2x120x32xf32> {
      %t = attn.tile %x grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
      %a = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 3 : ...
      %u = attn.untile %a grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x384x32xf32>
      %y = arith.addf %u, %u : tensor<1x2x120x32xf32>
      scf.yield %y : tensor<1x2x120x32xf32>
    }
    // becomes
    %t0 = attn.tile %x0 grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x120x32xf32>
    %r = scf.for %l = %c0 to %c30 step %c1 iter_args(%t = %t0) -> tensor<1x2x384x32xf32> {
      %a = attn.vsa %t, %t, %t q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 3 : ...
      %y = arith.addf %a, %a : tensor<1x2x384x32xf32>
      scf.yield %y : tensor<1x2x384x32xf32>
    }
    %out = attn.untile %r grid [2, 6, 10] tile [4, 4, 4] : tensor<1x2x384x32xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit the statistics as a remark on the anchor op">
  ];
  let statistics = [
    Statistic<"numLayoutOpsBefore", "layout-ops-before", "tile/untile ops run per call before (static trip counts)">,
    Statistic<"numLayoutOpsAfter", "layout-ops-after", "tile/untile ops run per call after">
  ];
}

def AttnReuseBuffers : Pass<"attn-reuse-buffers", "func::FuncOp"> {
  let summary = "Share buffers with disjoint lifetimes, hoist them and their zero fills out of loops";
  let description = [{
    Runs after one-shot bufferization (before deallocation) on `memref.alloc`
    of static shape. What FastVideo does by hand behind an aliasing contract
    ("the tile buffer is valid only until the next tile() call"), proven
    here from the IR:

    1. **Sharing.** In each block, an allocation whose live range starts
       after the live range of an earlier allocation of the same type has
       ended takes over that buffer. A live range runs from the allocation to
       the last use of the buffer *or of any alias of it* (subviews, reshapes,
       casts, strided-metadata results), so a buffer is never reused while a
       view of its old contents can still be read. Buffers that escape
       (returned, yielded, passed to a call, turned back into a tensor, or
       used by an op the pass does not know) are never shared.
    2. **Hoisting.** An allocation inside an `scf.for` body whose buffer and
       aliases are used only inside that body moves before the loop: one
       buffer for all iterations instead of one per iteration.
    3. **Zero fill once.** When such a hoisted buffer is first zero-filled in
       each iteration (`linalg.fill` of 0, as `tensor.pad` bufferizes) and
       every other write in the loop goes through one subview with constant
       offsets, sizes and strides that is fully written (a `memref.copy` into
       it) before the buffer is read, the pad region is never written again:
       the fill moves before the loop. A write that may touch pad slots (a
       store with a computed index, a write to the whole buffer, a second
       subview) keeps the fill in the loop.

    Statistics: allocated bytes per call before and after (static trip counts;
    a loop with unknown bounds counts once), buffers shared, hoisted, fills
    hoisted. `report=true` emits them as a remark.

    Example:

    ```mlir
    scf.for %l = %c0 to %c30 step %c1 {
      %a = memref.alloc() : memref<1x2x384x32xf32>
      ...                                  // %a not used after this iteration
    }
    // becomes
    %a = memref.alloc() : memref<1x2x384x32xf32>
    scf.for %l = %c0 to %c30 step %c1 { ... }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit the statistics as a remark on the function">
  ];
  let statistics = [
    Statistic<"bytesBefore", "bytes-before", "Bytes allocated per call before">,
    Statistic<"bytesAfter", "bytes-after", "Bytes allocated per call after">,
    Statistic<"numShared", "shared", "Allocations that reuse an earlier buffer">,
    Statistic<"numHoisted", "hoisted", "Allocations moved out of a loop">,
    Statistic<"numFillsHoisted", "fills-hoisted", "Zero fills moved out of a loop">
  ];
}

#endif // ATTN_TRANSFORMS_PASSES
