//===- AttnOps.td - attn dialect operations ----------------*- tablegen -*-===//
//
// Operand types are constrained only to ranked tensors here; the C++ verifiers
// check ranks, element types and shapes so that every diagnostic can name the
// operand or attribute at fault and the value it expected.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

// A run-time count (VSA's topk, STA's text length): an index or i64 scalar.
def Attn_ScalarCount : AnyTypeOf<[Index, I64], "index or i64 scalar">;

//===----------------------------------------------------------------------===//
// Video tiling
//===----------------------------------------------------------------------===//

def Attn_TileOp : Attn_Op<"tile", [Pure, InferTypeOpAdaptor]> {
  let summary = "reorder raster video tokens into zero-padded tile-major order";
  let description = [{
    Permutes the sequence dimension of a BHSD tensor from raster order over a
    video token grid `grid = (T, H, W)` into tile-major order over tiles of
    `tile = (a, b, c)` tokens. With `n = (ceil(T/a), ceil(H/b), ceil(W/c))`,
    `N = n_t*n_h*n_w` tiles and `P = a*b*c` slots per tile, the result has
    `N*P` tokens. Raster token `r(t,h,w) = (t*H+h)*W+w` goes to tile
    `j = (floor(t/a)*n_h + floor(h/b))*n_w + floor(w/c)`, at its row-major
    position inside the tile's *clipped* extents, so a partial edge tile holds
    its `vbs[j]` valid tokens in its first slots; the remaining slots are 0.

    Example: grid (1,3,5), tile (1,2,2) gives 6 tiles with
    `vbs = [4,4,2,2,2,1]`, padded length 24; the filled slots hold raster
    tokens `0,1,5,6 | 2,3,7,8 | 4,9 | 10,11 | 12,13 | 14`.

    ```mlir
    %t = attn.tile %x grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x15x8xf32>
    // %t : tensor<1x2x24x8xf32>
    ```

    The result type is inferred from `grid` and `tile`.

    Grid sizes known only at run time are `index` operands in the list
    (`grid [%t, 30, 52]`, as in `tensor.extract_slice`): the token count is
    then dynamic (`?` in the result type), the sequence lengths are checked
    at run time, and every grid size must be >= 1 there.
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<Index>:$grid_values,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$tile);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `grid` custom<DynamicIndexList>($grid_values, $grid) `tile` $tile
    attr-dict `:` type($input)
  }];
  // A static grid.
  let builders = [OpBuilder<(ins "Value":$input, "ArrayRef<int64_t>":$grid,
                                 "ArrayRef<int64_t>":$tile), [{
    build($_builder, $_state, input, ValueRange{}, grid, tile);
  }]>];
  // Constant grid operands become static sizes (the result cast back).
  let hasCanonicalizer = 1;
}

def Attn_UntileOp : Attn_Op<"untile", [Pure, InferTypeOpAdaptor]> {
  let summary = "gather tile-major tokens back into raster order";
  let description = [{
    The exact inverse of `attn.tile` on the filled slots: one gather from the
    `N*P` tile-major slots back to the `T*H*W` raster tokens; pad slots are
    dropped. `attn.untile(attn.tile(x))` with the same `grid` and `tile` is
    `x`, bit-exactly, and folds to it.

    ```mlir
    %y = attn.untile %t grid [1, 3, 5] tile [1, 2, 2] : tensor<1x2x24x8xf32>
    // %y : tensor<1x2x15x8xf32>
    ```

    The result type is inferred from `grid` and `tile`. Grid sizes may be
    `index` operands as for `attn.tile` (the raster length is then `?`);
    untile(tile(x)) folds when both have the same grid operands.
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<Index>:$grid_values,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$tile);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `grid` custom<DynamicIndexList>($grid_values, $grid) `tile` $tile
    attr-dict `:` type($input)
  }];
  // A static grid.
  let builders = [OpBuilder<(ins "Value":$input, "ArrayRef<int64_t>":$grid,
                                 "ArrayRef<int64_t>":$tile), [{
    build($_builder, $_state, input, ValueRange{}, grid, tile);
  }]>];
  let hasFolder = 1;
  // Constant grid operands become static sizes (the result cast back).
  let hasCanonicalizer = 1;
}

def Attn_TileBlockSizesOp : Attn_Op<"tile_block_sizes", [Pure, InferTypeOpAdaptor]> {
  let summary = "valid tokens of each tile of a video grid";
  let description = [{
    The `[N]` i32 count of raster tokens in each of the `N` tiles that
    `attn.tile` with the same `grid` and `tile` makes (tile-major order;
    a partial edge tile holds fewer than `P = a*b*c`): the `q_block_sizes` /
    `kv_block_sizes` of `attn.vsa` (and `block_sizes` of `attn.block_mean`)
    on that tiled layout. With run-time grid sizes (`index` operands in the
    list, as for `attn.tile`) `N` is dynamic and the counts are computed per
    call, so one tile -> attn.vsa -> untile module serves every grid.

    ```mlir
    %vbs = attn.tile_block_sizes grid [1, 3, 5] tile [1, 2, 2]
    // %vbs : tensor<6xi32> = [4, 4, 2, 2, 2, 1]
    %sizes = attn.tile_block_sizes grid [%t, 30, 52] tile [4, 4, 4]
    // %sizes : tensor<?xi32>
    ```
  }];
  let arguments = (ins Variadic<Index>:$grid_values, DenseI64ArrayAttr:$grid,
                       DenseI64ArrayAttr:$tile);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    `grid` custom<DynamicIndexList>($grid_values, $grid) `tile` $tile attr-dict
  }];
  // A static grid folds to its constant counts; constant grid operands
  // become static sizes.
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Dense attention and masks
//===----------------------------------------------------------------------===//

def Attn_SdpaOp : Attn_Op<"sdpa", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "scaled dot-product attention with an optional key mask";
  let description = [{
    Dense attention: q `[B,Hq,Sq,D]`, k and v `[B,Hkv,Skv,D]` with
    `Hq % Hkv == 0`, optional `key_mask : tensor<B x Skv x i1>`:

    `out[b,h,i] = sum_j softmax_j(scale * q[b,h,i].k[b,g,j]) v[b,g,j]`
    over the keys `j` with `key_mask[b,j]`, where `g = h / (Hq/Hkv)` and
    `scale` defaults to `1/sqrt(D)`. A row with no valid key gives 0.
    Softmax and accumulation are in f32.

    ```mlir
    %o = attn.sdpa %q, %k, %v key_mask %m scale 0.125
        : (tensor<2x8x64x64xbf16>, tensor<2x2x80x64xbf16>,
           tensor<2x2x80x64xbf16>, tensor<2x80xi1>) -> tensor<2x8x64x64xbf16>
    ```

    An optional second result `lse : tensor<B x Hq x Sq x f32>` is each
    query row's log-sum-exp, `lse = max_j s_j + log(sum_j exp(s_j - max_j
    s_j))` over the row's valid scaled scores `s_j` (natural log; `-inf` for
    a row with no valid key): what a backward pass, ring attention or a
    log-sum-exp merge of partial attentions needs from the forward. With it
    the op is written `%o, %lse = ... -> (type(result), type(lse))`.
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, Optional<AnyRankedTensor>:$key_mask,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result,
                      Optional<AnyRankedTensor>:$lse);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`key_mask` $key_mask^)? (`scale` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  // Without the lse result (its type from q).
  let builders = [OpBuilder<(ins "Value":$q, "Value":$k, "Value":$v,
                                 "Value":$key_mask, "FloatAttr":$scale), [{
    build($_builder, $_state, q.getType(), /*lse=*/Type(), q, k, v, key_mask,
          scale);
  }]>];
  let hasVerifier = 1;
}

def Attn_LseMergeOp : Attn_Op<"lse_merge", [Pure, AttrSizedOperandSegments]> {
  let summary = "merge partial attention outputs by their log-sum-exp";
  let description = [{
    Attention of a query row over a key set split into parts is the
    log-sum-exp weighted mean of the parts' attentions. Given `n >= 2`
    partial outputs `outs[i] : [B, H, S, D]` (one element type) and their
    rows' log-sum-exps `lses[i] : [B, H, S]` (f32, natural log, `-inf` for a
    row whose part had no valid key, as the `lse` result of `attn.sdpa`,
    `attn.block_sparse` and `attn.sliding_tile` gives them):

    `m = max_i lse_i`, `w_i = exp(lse_i - m)`, `L = sum_i w_i`,
    `out = sum_i w_i outs[i] / L`, `lse = m + log(L)`

    computed in f32 (the result converted to the outputs' element type).
    A row whose parts all have `lse = -inf` gives 0 and `lse = -inf`. The
    merge of attentions over disjoint key sets is the attention over their
    union (ring attention, sequence parallelism, V-MoBA's own-chunk plus
    selected-chunk attention); merging is associative, so a chain of
    two-way merges equals one n-way merge up to rounding.

    ```mlir
    %o, %lse = attn.lse_merge %o1, %o2 lse %l1, %l2
        : (tensor<1x8x256x64xbf16>, tensor<1x8x256x64xbf16>,
           tensor<1x8x256xf32>, tensor<1x8x256xf32>)
        -> (tensor<1x8x256x64xbf16>, tensor<1x8x256xf32>)
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$outs,
                       Variadic<AnyRankedTensor>:$lses);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$lse);
  let assemblyFormat = [{
    $outs `lse` $lses attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_MaskFromLengthsOp : Attn_Op<"mask_from_lengths", [Pure, InferTypeOpAdaptor]> {
  let summary = "key-validity mask from per-batch lengths";
  let description = [{
    `mask[b, j] = j < lengths[b]` for `j` in `[0, size)`: the key mask of
    text-encoder padding. The op is pure, so a mask built from the same lengths
    is the same value wherever it is built; `attn-hoist-masks` moves it out of
    layer and step loops and merges duplicates.

    ```mlir
    %m = attn.mask_from_lengths %len size 77 : tensor<2xi32>
    // %m : tensor<2x77xi1>
    ```

    The result type is inferred from `size` and the batch of `lengths`.
  }];
  let arguments = (ins AnyRankedTensor:$lengths, I64Attr:$size);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lengths `size` $size attr-dict `:` type($lengths)
  }];
}

//===----------------------------------------------------------------------===//
// Block-sparse attention
//===----------------------------------------------------------------------===//

def Attn_BlockSparseOp : Attn_Op<"block_sparse", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "attention over a per-query-block list of kv blocks";
  let description = [{
    q `[B,Hq,Sq,D]` with `Sq % block_q == 0`; k, v `[B,Hkv,Skv,D]` with
    `Skv % block_kv == 0`; `Nq = Sq/block_q`, `Nkv = Skv/block_kv`.
    `kv_indices : tensor<B x Hq x Nq x K x i32>` (`K <= Nkv`) lists for each
    query block the distinct kv block ids it attends to; only the first
    `kv_counts[b,h,J]` entries of a row count (`kv_counts : tensor<B x Hq x Nq
    x i32>`, `0 <= count <= K`); the order within a row does not matter.
    Optional `kv_block_sizes : tensor<Nkv x i32>` (default all `block_kv`):
    only the first `kv_block_sizes[j]` tokens of kv block `j` are valid keys.

    Each query token attends, with softmax in f32, to the valid keys of the
    selected blocks of its query block; a row with count 0 gives 0.
    Out-of-range ids or counts are bad input, reported by the CPU path and by
    the GPU path's checked mode. `scale` defaults to `1/sqrt(D)`.

    ```mlir
    %o = attn.block_sparse %q, %k, %v, %idx, %cnt, %vbs block_q 64 block_kv 64
        : (tensor<1x12x4096x128xbf16>, tensor<1x12x4096x128xbf16>,
           tensor<1x12x4096x128xbf16>, tensor<1x12x64x8xi32>,
           tensor<1x12x64xi32>, tensor<64xi32>) -> tensor<1x12x4096x128xbf16>
    ```

    An optional second result `lse : tensor<B x Hq x Sq x f32>` is each
    query row's log-sum-exp, `lse = max_j s_j + log(sum_j exp(s_j - max_j
    s_j))` over the row's valid scaled scores `s_j` (natural log; `-inf` for
    a row with no valid key): what a backward pass, ring attention or a
    log-sum-exp merge of partial attentions needs from the forward. With it
    the op is written `%o, %lse = ... -> (type(result), type(lse))`.
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$kv_indices,
                       AnyRankedTensor:$kv_counts,
                       Optional<AnyRankedTensor>:$kv_block_sizes,
                       I64Attr:$block_q, I64Attr:$block_kv,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result,
                      Optional<AnyRankedTensor>:$lse);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $kv_indices `,` $kv_counts (`,` $kv_block_sizes^)?
    `block_q` $block_q `block_kv` $block_kv (`scale` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  // Without the lse result (its type from q).
  let builders = [OpBuilder<(ins "Value":$q, "Value":$k, "Value":$v,
                                 "Value":$kv_indices, "Value":$kv_counts,
                                 "Value":$kv_block_sizes, "int64_t":$block_q,
                                 "int64_t":$block_kv, "FloatAttr":$scale), [{
    build($_builder, $_state, q.getType(), /*lse=*/Type(), q, k, v, kv_indices,
          kv_counts, kv_block_sizes, $_builder.getI64IntegerAttr(block_q),
          $_builder.getI64IntegerAttr(block_kv), scale);
  }]>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients (training)
//===----------------------------------------------------------------------===//

def Attn_SdpaGradOp : Attn_Op<"sdpa_grad", [Pure,
    AllTypesMatch<["q", "dout", "dq"]>, AllTypesMatch<["k", "dk"]>,
    AllTypesMatch<["v", "dv"]>]> {
  let summary = "gradients of attn.sdpa with respect to q, k and v";
  let description = [{
    The backward of `attn.sdpa %q, %k, %v [key_mask %m] [scale s]`: given
    `dout`, the gradient of a loss with respect to that op's result, returns
    `dq`, `dk`, `dv`, the loss's gradients with respect to q, k and v. With
    `P` the forward's softmax (0 at masked keys; a row with no valid key is
    all 0), recomputed in f32 from q and k:

    `dP = dout . v^T`, `Di = sum_j P[i,j] dP[i,j]`, `dS = P * (dP - Di)`,
    `dq = scale * dS . k`, `dk = scale * dS^T . q`, `dv = P^T . dout`,

    where `dk` and `dv` of kv head `g` sum over the `Hq / Hkv` query heads
    that read it (GQA). Accumulation in f32; results in the operands' types.
    Operands as for `attn.sdpa`, plus `dout` shaped like q.

    ```mlir
    %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do
        : (tensor<1x8x64x64xf32>, tensor<1x2x80x64xf32>, tensor<1x2x80x64xf32>,
           tensor<1x8x64x64xf32>)
        -> (tensor<1x8x64x64xf32>, tensor<1x2x80x64xf32>, tensor<1x2x80x64xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$dout,
                       Optional<AnyRankedTensor>:$key_mask,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$dq, AnyRankedTensor:$dk,
                      AnyRankedTensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout (`key_mask` $key_mask^)? (`scale` $scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_BlockSparseGradOp : Attn_Op<"block_sparse_grad", [Pure,
    AllTypesMatch<["q", "dout", "dq"]>, AllTypesMatch<["k", "dk"]>,
    AllTypesMatch<["v", "dv"]>]> {
  let summary = "gradients of attn.block_sparse with respect to q, k and v";
  let description = [{
    The backward of `attn.block_sparse` with the same operands and
    attributes (plus `dout`, the loss's gradient with respect to its
    result): `dq`, `dk`, `dv` as for `attn.sdpa_grad`, with `P` the forward's
    softmax over the valid keys of the listed kv blocks of each query block
    (the first `kv_counts` ids of its `kv_indices` row, the first
    `kv_block_sizes[j]` tokens of block `j`). A kv token's `dk`/`dv` sums
    over every query block that selected its block: the transposed block
    pattern, derived from the tables at run time. The listed ids of a row
    must be distinct (as for the forward).

    ```mlir
    %dq, %dk, %dv = attn.block_sparse_grad %q, %k, %v, %do, %idx, %cnt
        block_q 64 block_kv 64
        : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>,
           tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>,
           tensor<1x2x4x2xi32>, tensor<1x2x4xi32>)
        -> (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>,
            tensor<1x2x256x64xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$dout,
                       AnyRankedTensor:$kv_indices, AnyRankedTensor:$kv_counts,
                       Optional<AnyRankedTensor>:$kv_block_sizes,
                       I64Attr:$block_q, I64Attr:$block_kv,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$dq, AnyRankedTensor:$dk,
                      AnyRankedTensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout `,` $kv_indices `,` $kv_counts
    (`,` $kv_block_sizes^)? `block_q` $block_q `block_kv` $block_kv
    (`scale` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Video Sparse Attention
//===----------------------------------------------------------------------===//

def Attn_BlockMeanOp : Attn_Op<"block_mean", [Pure, InferTypeOpAdaptor]> {
  let summary = "mean of the valid tokens of each block";
  let description = [{
    `[B,H,N*P,D] -> [B,H,N,D]` with `P = block`: row `j` of the result is the
    mean of the first `block_sizes[j]` tokens of block `j` (all `P` when
    `block_sizes : tensor<N x i32>` is absent), accumulated in f32 and divided
    by the valid count, then converted to the input's element type. A block
    with no valid token has mean 0.

    ```mlir
    %qc = attn.block_mean %q, %vbs block 64 : tensor<1x12x39936x128xbf16>, tensor<624xi32>
    // %qc : tensor<1x12x624x128xbf16>
    ```

    The result type is inferred from `block`.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$block_sizes, I64Attr:$block);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`,` $block_sizes^)? `block` $block attr-dict `:` type($input)
    (`,` type($block_sizes)^)?
  }];
}

def Attn_BlockTopkOp : Attn_Op<"block_topk", [Pure, InferTypeOpAdaptor]> {
  let summary = "exact top-k kv blocks per query block, lowest id wins ties";
  let description = [{
    `scores : tensor<B x H x Nq x Nkv x f32>` to `kv_indices : tensor<B x H x
    Nq x min(k,Nkv) x i32>` and `kv_counts : tensor<B x H x Nq x i32>`. Each
    row selects exactly `min(k, Nkv)` block ids, listed in ascending order;
    among equal scores at the threshold the lowest ids are selected (so a row
    `[10, 0.0196533203125 x5, -10]` with `k = 3` selects `[0, 1, 2]`).
    `kv_counts` is `min(k, Nkv)` everywhere. The results feed
    `attn.block_sparse` directly.

    Special values are ordered as `torch.topk` orders them (what FastVideo's
    selection uses): every NaN, of either sign, ranks above `+inf`; `+inf`
    above every finite score; `-inf` below. NaNs tie with each other and
    `-0.0` ties with `+0.0`, so the lowest ids win those ties too (a row
    `[-inf, NaN, 3, +inf]` with `k = 2` selects `[1, 3]`). The CPU lowering,
    the GPU kernel and the NumPy reference follow this one order.

    ```mlir
    %idx, %cnt = attn.block_topk %s k 63 : tensor<1x12x624x624xf32>
    // %idx : tensor<1x12x624x63xi32>, %cnt : tensor<1x12x624xi32>
    ```

    The result types are inferred from `k`.

    `k` is either the `k` attribute (`k 63`, the static case) or the
    `k_value` operand, an `index` or `i64` scalar known only at run time
    (`k %k : tensor<...>, index`), exactly one of the two; with the operand
    the number of ids per row, `min(k, Nkv)`, is a dynamic dimension. This is
    what `attn-decompose-vsa` makes of a run-time VSA `topk`. The operand
    must be positive at run time (the CPU lowering checks it).
  }];
  let arguments = (ins AnyRankedTensor:$scores,
                       Optional<Attn_ScalarCount>:$k_value,
                       OptionalAttr<I64Attr>:$k);
  let results = (outs AnyRankedTensor:$kv_indices, AnyRankedTensor:$kv_counts);
  let assemblyFormat = [{
    $scores `k` custom<CountAttrOrValue>($k, $k_value) attr-dict `:`
    type($scores) (`,` type($k_value)^)?
  }];
}

def Attn_VsaOp : Attn_Op<"vsa", [Pure, AttrSizedOperandSegments,
                      AllTypesMatch<["q", "result"]>]> {
  let summary = "Video Sparse Attention on tiled tokens (composite)";
  let description = [{
    Video Sparse Attention over tile-major tokens (`Sq = Nq*P`,
    `Skv = Nkv*P`, `P = block`), with `scale = 1/sqrt(D)`:

    ```
    qc, kc, vc = block_mean(q, q_block_sizes), block_mean(k, kv_block_sizes),
                 block_mean(v, kv_block_sizes)
    S  = qc . kc^T * scale                  // coarse scores [B,H,Nq,Nkv]
    Oc = softmax(S) . vc, broadcast to every slot of its query block
    idx, cnt = block_topk(S, topk)          // on pre-softmax scores
    Os = block_sparse(q, k, v, idx, cnt, kv_block_sizes), block_q = block_kv = P
    out = Oc * gate + Os                    // without gate: Oc + Os
    ```

    The gate has no sigmoid. `q_block_sizes` and `kv_block_sizes` (valid
    tokens per tile, as `attn.tile` makes them) are given together or not at
    all. `topk` from a sparsity `s` is `clamp(ceil((1-s)*Nkv), 1, Nkv)`;
    a `topk` above `Nkv` selects all blocks. `attn-decompose-vsa` rewrites the
    op into the ops above.

    `topk` is either the `topk` attribute (`topk 63`, the static case) or the
    `topk_value` operand, an `index` or `i64` scalar known only at run time
    (`topk %k`, its type listed in the functional type), so that one artifact
    serves every resolution (the number of tiles, hence the topk of a
    sparsity, changes with it); exactly one of the two is given. The operand
    must be positive at run time (as the attribute must be statically);
    `attn-decompose-vsa` passes it to `attn.block_topk` as its run-time `k`.

    ```mlir
    %o = attn.vsa %q, %k, %v gate %g q_block_sizes %vbs kv_block_sizes %vbs
        block 64 topk 63
        : (tensor<1x12x39936x128xbf16>, tensor<1x12x39936x128xbf16>,
           tensor<1x12x39936x128xbf16>, tensor<1x12x39936x128xbf16>,
           tensor<624xi32>, tensor<624xi32>) -> tensor<1x12x39936x128xbf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, Optional<AnyRankedTensor>:$gate,
                       Optional<AnyRankedTensor>:$q_block_sizes,
                       Optional<AnyRankedTensor>:$kv_block_sizes,
                       Optional<Attn_ScalarCount>:$topk_value,
                       I64Attr:$block, OptionalAttr<I64Attr>:$topk);
  let results = (outs AnyRankedTensor:$result);
  // `topk 63` or `topk %k` (the operand's type in the functional type).
  let assemblyFormat = [{
    $q `,` $k `,` $v (`gate` $gate^)? (`q_block_sizes` $q_block_sizes^)?
    (`kv_block_sizes` $kv_block_sizes^)? `block` $block
    `topk` custom<CountAttrOrValue>($topk, $topk_value) attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_VsaGradOp : Attn_Op<"vsa_grad", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["q", "dout", "dq"]>, AllTypesMatch<["k", "dk"]>,
    AllTypesMatch<["v", "dv"]>]> {
  let summary = "gradients of attn.vsa with respect to q, k, v and the gate";
  let description = [{
    The backward of `attn.vsa` with the same operands and attributes, plus
    `dout`, the loss's gradient with respect to its result. Returns `dq`,
    `dk`, `dv` and, when the forward has a gate, `dgate`. The top-k
    selection is a constant of the backward (as upstream treats it): the
    kv blocks are the ones the forward picked, recomputed from the same
    coarse scores. With `Oc`, `Os` and `idx` as in `attn.vsa`:

    ```
    dq, dk, dv  = block_sparse_grad(q, k, v, dout, idx, ...)      // fine branch
                + mean_adjoint(sdpa_grad(qc, kc, vc, dOc))         // coarse branch
    dOc[b,h,J]  = sum over the P slots s of query block J of dout[s] * gate[s]
    dgate[s]    = Oc[b,h,s/P] * dout[s]
    ```

    where `mean_adjoint` gives token `t` of block `j` the gradient of its
    block mean divided by the block's valid count (0 at padding slots and in
    blocks with no valid token). The coarse branch is computed in f32 (the
    block means are exact in f32); results in the operands' types.

    ```mlir
    %dq, %dk, %dv, %dg = attn.vsa_grad %q, %k, %v, %do gate %g block 64 topk 2
        : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>,
           tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>)
        -> (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>,
            tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$dout,
                       Optional<AnyRankedTensor>:$gate,
                       Optional<AnyRankedTensor>:$q_block_sizes,
                       Optional<AnyRankedTensor>:$kv_block_sizes,
                       Optional<Attn_ScalarCount>:$topk_value,
                       I64Attr:$block, OptionalAttr<I64Attr>:$topk);
  let results = (outs AnyRankedTensor:$dq, AnyRankedTensor:$dk,
                      AnyRankedTensor:$dv, Optional<AnyRankedTensor>:$dgate);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout (`gate` $gate^)?
    (`q_block_sizes` $q_block_sizes^)? (`kv_block_sizes` $kv_block_sizes^)?
    `block` $block `topk` custom<CountAttrOrValue>($topk, $topk_value)
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Sliding Tile Attention
//===----------------------------------------------------------------------===//

def Attn_SlidingTileOp : Attn_Op<"sliding_tile", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["q", "result"]>]> {
  let summary = "Sliding Tile Attention over tile-major video tokens plus text";
  let description = [{
    The sequence is `n_t*n_h*n_w*P` image tokens in tile-major order
    (`tile_grid = (n_t, n_h, n_w)` tiles of `tile = (a, b, c)` tokens,
    `P = a*b*c`, every tile full), then `S_text >= text_length` text tokens of
    which the first `text_length` are valid. With `r = floor(k/2)` per
    dimension, an image query in tile `q` attends to the image tiles `x` with
    `|c - x| <= r` in every dimension, where `c = clamp(q, r, n-1-r)`: the
    window shifts to stay inside the grid, an even `k` covers `k+1` tiles and
    `k >= n` covers the whole dimension. Image queries also see text tokens
    `0..text_length-1`; text queries see every image token and those text
    tokens. `window` gives one `(k_t, k_h, k_w)` for all heads; `windows`
    gives 3 values per query head instead (from a mask strategy file); exactly
    one of the two is present. `scale` defaults to `1/sqrt(D)`.

    Windows are static: `attn-plan-sparsity` turns the op into
    `attn.block_sparse` with constant tables, so nothing is computed per call.

    `text_length` is either the `text_length` attribute (`text_length 256`,
    default 0: the static case) or the `text_length_value` operand, an `index`
    or `i64` scalar known only at run time (`text_length %n`, its type listed
    in the functional type), for one artifact that serves every prompt length;
    never both. The operand must be
    in `[0, S_text]` at run time (the attribute is checked statically).
    `attn-plan-sparsity` plans both forms, and a dynamic sequence (the
    number of text tokens known only at run time) too.

    `tile_grid` may give run-time sizes as `index` operands, mixed with
    static ones as in `tensor.extract_slice` (`tile_grid [%nt, %nh, 10]`,
    the operands' types listed in the functional type after v's): one
    module for every video grid. Each must be >= 1 at run time and the
    image tokens `n_t*n_h*n_w*P` must fit the sequence (checked by the
    lowered code); the windows are then computed per call from the grid
    (the clamp above is arithmetic), so nothing is planned per canvas.
    Constant operands (>= 1) become static sizes under `-canonicalize`.

    ```mlir
    %o = attn.sliding_tile %q, %k, %v tile_grid [%nt, %nh, %nw] tile [6, 8, 8]
        window [3, 3, 3] text_length %n
        : (tensor<1x24x?x128xbf16>, tensor<1x24x?x128xbf16>,
           tensor<1x24x?x128xbf16>, index, index, index, i64)
        -> tensor<1x24x?x128xbf16>
    ```

    ```mlir
    %o = attn.sliding_tile %q, %k, %v tile_grid [5, 6, 10] tile [6, 8, 8]
        window [3, 3, 3] text_length 256
        : (tensor<1x24x115456x128xbf16>, tensor<1x24x115456x128xbf16>,
           tensor<1x24x115456x128xbf16>) -> tensor<1x24x115456x128xbf16>
    ```

    An optional second result `lse : tensor<B x Hq x Sq x f32>` is each
    query row's log-sum-exp, `lse = max_j s_j + log(sum_j exp(s_j - max_j
    s_j))` over the row's valid scaled scores `s_j` (natural log; `-inf` for
    a row with no valid key): what a backward pass, ring attention or a
    log-sum-exp merge of partial attentions needs from the forward. With it
    the op is written `%o, %lse = ... -> (type(result), type(lse))`.
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v,
                       Variadic<Index>:$tile_grid_values,
                       Optional<Attn_ScalarCount>:$text_length_value,
                       DenseI64ArrayAttr:$tile_grid,
                       DenseI64ArrayAttr:$tile,
                       OptionalAttr<DenseI64ArrayAttr>:$window,
                       OptionalAttr<DenseI64ArrayAttr>:$windows,
                       OptionalAttr<I64Attr>:$text_length,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result,
                      Optional<AnyRankedTensor>:$lse);
  // `window [..]` or `windows [..]`, then `text_length N` or
  // `text_length %n` (absent: 0). One directive, so that an absent text
  // length leaves no stray space in the printed form.
  let assemblyFormat = [{
    $q `,` $k `,` $v `tile_grid`
    custom<DynamicIndexList>($tile_grid_values, $tile_grid) `tile` $tile
    custom<WindowsAndTextLength>($window, $windows, $text_length,
                                 $text_length_value)
    (`scale` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Attn_SlidingTileGradOp : Attn_Op<"sliding_tile_grad", [Pure,
    AllTypesMatch<["q", "dout", "dq"]>, AllTypesMatch<["k", "dk"]>,
    AllTypesMatch<["v", "dv"]>]> {
  let summary = "gradients of attn.sliding_tile with respect to q, k and v";
  let description = [{
    The backward of `attn.sliding_tile` with the same operands and
    attributes, plus `dout` (the loss's gradient with respect to its result,
    shaped like q): `dq`, `dk`, `dv` as for `attn.sdpa_grad` with `P` the
    forward's softmax over the keys its windows and text length allow.
    `attn-plan-sparsity` turns it into `attn.block_sparse_grad` on the same
    constant tables as the forward (the static text-length case).

    ```mlir
    %dq, %dk, %dv = attn.sliding_tile_grad %q, %k, %v, %do tile_grid [2, 2, 2]
        tile [2, 2, 2] window [1, 1, 1] text_length 5
        : (tensor<1x2x72x16xf32>, tensor<1x2x72x16xf32>, tensor<1x2x72x16xf32>,
           tensor<1x2x72x16xf32>)
        -> (tensor<1x2x72x16xf32>, tensor<1x2x72x16xf32>, tensor<1x2x72x16xf32>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$dout,
                       Optional<Attn_ScalarCount>:$text_length_value,
                       DenseI64ArrayAttr:$tile_grid,
                       DenseI64ArrayAttr:$tile,
                       OptionalAttr<DenseI64ArrayAttr>:$window,
                       OptionalAttr<DenseI64ArrayAttr>:$windows,
                       OptionalAttr<I64Attr>:$text_length,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$dq, AnyRankedTensor:$dk,
                      AnyRankedTensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $dout `tile_grid` $tile_grid `tile` $tile
    custom<WindowsAndTextLength>($window, $windows, $text_length,
                                 $text_length_value)
    (`scale` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// V-MoBA: chunked mixture of block attention
//===----------------------------------------------------------------------===//

def Attn_ChunkMeanOp : Attn_Op<"chunk_mean", [Pure, InferTypeOpAdaptor]> {
  let summary = "mean key of each V-MoBA chunk of a video token grid";
  let description = [{
    `k : [B, H, S, D]` with `S = T*Hh*W` tokens in raster order of `grid =
    [T, Hh, W]`, split into chunks of `chunk = [ct, ch, cw]` tokens (V-MoBA's
    temporal chunks are `[c, Hh, W]`, spatial ones `[T, ch, cw]`,
    spatiotemporal ones `[ct, ch, cw]`). Chunk ids are row-major over the
    chunk grid `(ceil(T/ct), ceil(Hh/ch), ceil(W/cw))`, `C` chunks in all;
    a chunk at the far edge of a grid it does not divide holds fewer tokens.

    `result[b, h, c] = sum_{s in chunk c} k[b, h, s] / |chunk c|`,
    accumulated and returned in f32 (the router's keys: FastVideo's
    `key_gate_weight`).

    ```mlir
    %km = attn.chunk_mean %k grid [8, 30, 52] chunk [2, 30, 52]
        : tensor<1x12x12480x128xbf16>
    // %km : tensor<1x12x4x128xf32>
    ```

    The result type is inferred from `grid` and `chunk`.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$grid,
                       DenseI64ArrayAttr:$chunk);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `grid` $grid `chunk` $chunk attr-dict `:` type($input)
  }];
}

def Attn_ChunkSelectOp : Attn_Op<"chunk_select", [Pure, InferTypeOpAdaptor]> {
  let summary = "V-MoBA's router: the chunks each query token attends to";
  let description = [{
    For every query token `s` of `q : [B, H, S, D]` (raster order of `grid`,
    chunked as in `attn.chunk_mean`) and head `h`, the gate of chunk `c` is
    `g[c] = q[b,h,s] . key_means[b,h,c]` in f32, unscaled (`key_means :
    [B, H, C, D]` f32, from `attn.chunk_mean`). The result `sel : [B, H, S,
    C] i1` marks the chunks the row attends to. Its own chunk (the one
    holding `s`) is always selected; the others, as FastVideo's
    `moba_attn_varlen` with `threshold_type = 'query_head'` selects them:

    * `topk k`: the `k - 1` other chunks with the largest gates (ties: the
      lower id; every NaN ranks above `+inf`, as `torch.topk`). `k >= C`
      selects every chunk.
    * `threshold t`: the gates are min-max normalized over the row's chunks,
      `n[c] = (g[c] - min g) / d` with `d = max g - min g` (`d = 1` when
      `d <= 1e-6`; non-finite gates count as the minimum), `total = sum n`,
      `remain = max(0, t - n[own] / (total + 1e-6))`. The other chunks'
      `n` (the own one's set to 0) are ranked in descending order (ties:
      the lower id) and taken while the mass ranked before them, divided by
      `total + 1e-6`, is below `remain`; the first-ranked entry always.
      The own chunk's 0 takes part in that ranking, so a row whose other
      chunks all normalize to 0 may take no other chunk. When even the
      whole list does not reach `remain`, the first two entries are taken
      (FastVideo's fallback). Where the list's whole mass equals `remain`
      up to f32 rounding (`t = 1` makes them differ by about `1e-6 /
      total`), the fallback decision depends on the summation order; this
      op sums in chunk-id order, FastVideo in sorted order.

    ```mlir
    %sel = attn.chunk_select %q, %km grid [8, 30, 52] chunk [2, 30, 52] threshold 0.25
        : tensor<1x12x12480x128xbf16>, tensor<1x12x4x128xf32>
    // %sel : tensor<1x12x12480x4xi1>
    ```

    Exactly one of `topk` (>= 1) and `threshold` (finite) is given. The
    result type is inferred.
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$key_means,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$chunk,
                       OptionalAttr<I64Attr>:$topk,
                       OptionalAttr<F32Attr>:$threshold);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q `,` $key_means `grid` $grid `chunk` $chunk (`topk` $topk^)?
    (`threshold` $threshold^)? attr-dict `:` type($q) `,` type($key_means)
  }];
}

def Attn_ChunkAttentionOp : Attn_Op<"chunk_attention", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "attention of each query token over the keys of its selected chunks";
  let description = [{
    V-MoBA's compute: q, k, v `[B, H, S, D]` (k and v may have fewer heads,
    `Hq % Hkv == 0`: grouped-query attention) with `S = T*Hh*W` tokens in
    raster order of `grid`, chunked as in `attn.chunk_mean`, and `selection
    : [B, Hq, S, C] i1` (from `attn.chunk_select`):

    `out[b,h,i] = sum_j softmax_j(scale * q[b,h,i].k[b,g,j]) v[b,g,j]` over
    the keys `j` whose chunk is selected for row `i`
    (`selection[b,h,i,chunk(j)]`), `g = h / (Hq/Hkv)`, `scale` defaulting
    to `1/sqrt(D)`, in f32. This equals FastVideo's own-chunk attention
    plus per-chunk attention of the gathered queries merged by log-sum-exp
    (attn.lse_merge), without materializing the gathered queries. A row
    with no selected chunk gives 0.

    ```mlir
    %o = attn.chunk_attention %q, %k, %v, %sel grid [8, 30, 52] chunk [2, 30, 52]
        : (tensor<1x12x12480x128xbf16>, tensor<1x12x12480x128xbf16>,
           tensor<1x12x12480x128xbf16>, tensor<1x12x12480x4xi1>)
        -> tensor<1x12x12480x128xbf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$selection,
                       DenseI64ArrayAttr:$grid, DenseI64ArrayAttr:$chunk,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $selection `grid` $grid `chunk` $chunk
    (`scale` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// SVG2: k-means clusters and variable block-sparse attention
//===----------------------------------------------------------------------===//

def Attn_KmeansOp : Attn_Op<"kmeans", [Pure, InferTypeOpAdaptor]> {
  let summary = "Lloyd's k-means of each head's tokens from given centroids";
  let description = [{
    `input : [B, H, S, D]` (f32, f16 or bf16) and `init : [B, H, K, D]` f32
    starting centroids; `iterations >= 1` rounds of, per (b, h):

    1. assign: `labels[s] = argmin_k |x[s] - c[k]|^2` (squared Euclidean
       distance in f32, ties to the lower k);
    2. update: `c[k]` = the f32 mean of the tokens labelled `k`; a cluster
       without tokens keeps its centroid.

    Results: the last round's `labels : [B, H, S] i32`, its `centroids :
    [B, H, K, D] f32` (the means of those labels) and `sizes : [B, H, K]
    i32` (tokens per cluster). SVG2 (Sparse VideoGen 2) clusters q and k
    this way per head, the first time from random tokens and later from the
    previous step's centroids (a warm start); the caller supplies `init`.

    ```mlir
    %labels, %cent, %sizes = attn.kmeans %q, %init iterations 2
        : tensor<1x12x32760x128xbf16>, tensor<1x12x300x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$init,
                       I64Attr:$iterations);
  let results = (outs AnyRankedTensor:$labels, AnyRankedTensor:$centroids,
                      AnyRankedTensor:$sizes);
  let assemblyFormat = [{
    $input `,` $init `iterations` $iterations attr-dict `:` type($input) `,`
    type($init)
  }];
}

def Attn_ClusterSelectOp : Attn_Op<"cluster_select", [Pure, InferTypeOpAdaptor]> {
  let summary = "SVG2's top-p selection of key clusters per query cluster";
  let description = [{
    From query centroids `[B, H, QC, D]`, key centroids `[B, H, KC, D]`
    (f32) and key cluster sizes `[B, H, KC]` (i32): the centroid scores
    `s = qc . kc * scale` (`scale` defaults to `1/sqrt(D)`) and, per query
    cluster, the size-weighted softmax over key clusters
    `P[b] = size[b] exp(s[b] - max s) / sum_b' size[b'] exp(s[b'] - max s)`
    (f32; an empty key cluster has P = 0). Key clusters are ranked by
    descending P (ties: the lower id); the result `sel : [B, H, QC, KC] i1`
    keeps the first one, every one whose predecessors' mass is `<= top_p`
    (the cluster that crosses `top_p` is kept), and the first
    `floor(min_kc_ratio * KC)` regardless (`min_kc_ratio` is f64 so that the
    count is Python's `int(min_kc_ratio * KC)`): SVG2's `identify_dynamic_map`.

    ```mlir
    %sel = attn.cluster_select %qc, %kc, %ks top_p 0.9 min_kc_ratio 0.1
        : tensor<1x12x300x128xf32>, tensor<1x12x1000x128xf32>, tensor<1x12x1000xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q_centroids,
                       AnyRankedTensor:$k_centroids, AnyRankedTensor:$k_sizes,
                       F32Attr:$top_p, DefaultValuedAttr<F64Attr, "0.0">:$min_kc_ratio,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q_centroids `,` $k_centroids `,` $k_sizes `top_p` $top_p
    (`min_kc_ratio` $min_kc_ratio^)? (`scale` $scale^)? attr-dict `:`
    type($q_centroids) `,` type($k_centroids) `,` type($k_sizes)
  }];
}

def Attn_ClusterAttentionOp : Attn_Op<"cluster_attention", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "attention over the keys of the clusters each query's cluster selected";
  let description = [{
    q `[B, Hq, Sq, D]`, k and v `[B, Hkv, Skv, D]` (`Hq % Hkv == 0`), each
    query token's cluster `q_labels : [B, Hq, Sq] i32`, each key token's
    `k_labels : [B, Hq, Skv] i32` and `selection : [B, Hq, QC, KC] i1`:

    `out[b,h,i] = sum_j softmax_j(scale * q[b,h,i].k[b,g,j]) v[b,g,j]` over
    the keys with `selection[b, h, q_labels[b,h,i], k_labels[b,h,j]]`
    (`g = h / (Hq/Hkv)`, scale `1/sqrt(D)` by default, f32). This is SVG2's
    variable block-sparse attention (tokens permuted by cluster, blocks of
    the clusters' sizes, some empty) in the original token order: the
    permutation and its inverse cancel. A row without a selected key gives
    0. Labels must lie in `[0, QC)` / `[0, KC)` (attn-run checks labels it
    is given; a label outside selects nothing).

    ```mlir
    %o = attn.cluster_attention %q, %k, %v, %ql, %kl, %sel
        : (tensor<1x12x32760x128xbf16>, tensor<1x12x32760x128xbf16>,
           tensor<1x12x32760x128xbf16>, tensor<1x12x32760xi32>,
           tensor<1x12x32760xi32>, tensor<1x12x300x1000xi1>)
        -> tensor<1x12x32760x128xbf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$q_labels,
                       AnyRankedTensor:$k_labels, AnyRankedTensor:$selection,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $q_labels `,` $k_labels `,` $selection
    (`scale` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized attention (SageAttention)
//===----------------------------------------------------------------------===//

def Attn_SageSdpaOp : Attn_Op<"sage_sdpa", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "dense attention with SageAttention2's INT8 Q.K and FP8 P.V numerics";
  let description = [{
    Attention as `attn.sdpa` (q `[B,Hq,Sq,D]`, k/v `[B,Hkv,Skv,D]`, GQA,
    `scale` defaulting to `1/sqrt(D)`), computed with the numerics of
    SageAttention2's default Hopper kernel (`sageattn` ->
    `sageattn_qk_int8_pv_fp8_cuda_sm90`; docs/Sage.md):

    1. k minus its mean over the sequence (per batch, kv head, channel),
       each step rounded to the element type;
    2. q and k in INT8, one scale `amax / 127 + 1e-7` per group (q: rows
       `{16a + t, 16a + t + 8}`; k: in each 128-key block, the 32 rows with
       the same `(n mod 8) / 2`), rounded half away from zero;
    3. scores `(sum q8 k8) * q_scale * k_scale * scale * log2(e)`;
    4. over 128-key blocks in order, `P' = exp2(s - m + 8.807)` with `m`
       the running row maximum up to that block, rounded to FP8 e4m3
       (nearest even, saturating at 448), times V in FP8 (`e4m3(v * 448 /
       amax_c)` per channel, 0 for an all-zero channel) accumulated in f32;
       the denominator sums the unrounded P'; earlier blocks rescaled by
       `exp2(m_old - m_new)`;
    5. `out = acc / den * amax_c / 448`, rounded to the element type.

    The rows' grouping is part of the numerics: layout passes do not fold
    tiles into this op (it is not `attn.sdpa`).

    ```mlir
    %o = attn.sage_sdpa %q, %k, %v : (tensor<1x12x32760x128xbf16>,
        tensor<1x12x32760x128xbf16>, tensor<1x12x32760x128xbf16>)
        -> tensor<1x12x32760x128xbf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`scale` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_SageBlockSparseOp : Attn_Op<"sage_block_sparse", [Pure, AllTypesMatch<["q", "result"]>]> {
  let summary = "block-sparse attention with SageAttention2's INT8 Q.K and FP8 P.V numerics";
  let description = [{
    `attn.block_sparse`'s attention (the same operands, tables and
    `kv_block_sizes`), computed with `attn.sage_sdpa`'s numerics: k smoothed
    over the whole sequence, q and k quantized to INT8 in the same groups
    (k's by token index, independent of the tables), V to FP8 per channel
    over the whole sequence. The online softmax steps through each query
    block's kv list in order, one kv block (`block_kv` keys) per step: P'
    is rounded to FP8 against the running row maximum of the blocks visited
    so far. Sparse and quantized at once: what no peer combines
    automatically. A row without a valid key gives 0.

    ```mlir
    %o = attn.sage_block_sparse %q, %k, %v, %idx, %cnt block_q 64 block_kv 64
        : (tensor<1x12x32768x128xbf16>, tensor<1x12x32768x128xbf16>,
           tensor<1x12x32768x128xbf16>, tensor<1x12x512x64xi32>,
           tensor<1x12x512xi32>) -> tensor<1x12x32768x128xbf16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$q, AnyRankedTensor:$k,
                       AnyRankedTensor:$v, AnyRankedTensor:$kv_indices,
                       AnyRankedTensor:$kv_counts,
                       Optional<AnyRankedTensor>:$kv_block_sizes,
                       I64Attr:$block_q, I64Attr:$block_kv,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $kv_indices `,` $kv_counts (`,` $kv_block_sizes^)?
    `block_q` $block_q `block_kv` $block_kv (`scale` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // ATTN_OPS_TD
