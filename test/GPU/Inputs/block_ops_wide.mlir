// The coarse stage's utility kernels at shapes that take every path of
// their GPU kernels, compared on the GPU against the CPU path
// (gpu-check.sh, "small examples vs the CPU path"; inputs from
// scripts/gpu/make_cpu_cases.py: scores quantized to a few levels, so many
// ties at the threshold, with NaN of both signs, +-inf and -0.0 mixed in):
//  - block_topk (a warp a row, 4 rows a CTA; keys in registers up to 1024
//    kv blocks) over 700 kv blocks (22 keys a lane, the last round
//    partial), K 37, 15 rows (the last CTA with an idle warp); over 300
//    blocks with K = Nkv (every id); over 33 blocks with K 1 (a second
//    round of one id), 6 rows; over 1500 blocks, K 100 (above 1024: the
//    keys in shared memory); over 624 untied random scores, K 63 (Wan's
//    shape: the radix passes stop early once exactly K keys are >= T);
//  - block_mean of f32 with D 10 (not a multiple of the 4-element chunk: the
//    scalar path; 3 chunks a row, 42 row groups, two idle threads) and
//    block sizes including 0; with D 520 (130 chunks a row, more than the
//    128 threads: one row group, a thread takes two chunks), block 4.
func.func @main(%s1: tensor<1x3x5x700xf32>, %s2: tensor<1x1x4x300xf32>,
                %s3: tensor<1x2x3x33xf32>, %x1: tensor<1x2x96x10xf32>,
                %bs: tensor<6xi32>, %x2: tensor<1x1x12x520xf32>,
                %s4: tensor<1x1x6x1500xf32>, %s5: tensor<1x2x7x624xf32>)
    -> (tensor<1x3x5x37xi32>, tensor<1x3x5xi32>, tensor<1x1x4x300xi32>,
        tensor<1x2x3x1xi32>, tensor<1x2x6x10xf32>, tensor<1x1x3x520xf32>,
        tensor<1x1x6x100xi32>, tensor<1x2x7x63xi32>) {
  %i1, %c1 = attn.block_topk %s1 k 37 : tensor<1x3x5x700xf32>
  %i2, %c2 = attn.block_topk %s2 k 300 : tensor<1x1x4x300xf32>
  %i3, %c3 = attn.block_topk %s3 k 1 : tensor<1x2x3x33xf32>
  %m1 = attn.block_mean %x1, %bs block 16 : tensor<1x2x96x10xf32>, tensor<6xi32>
  %m2 = attn.block_mean %x2 block 4 : tensor<1x1x12x520xf32>
  %i4, %c4 = attn.block_topk %s4 k 100 : tensor<1x1x6x1500xf32>
  %i5, %c5 = attn.block_topk %s5 k 63 : tensor<1x2x7x624xf32>
  return %i1, %c1, %i2, %i3, %m1, %m2, %i4, %i5
      : tensor<1x3x5x37xi32>, tensor<1x3x5xi32>, tensor<1x1x4x300xi32>,
        tensor<1x2x3x1xi32>, tensor<1x2x6x10xf32>, tensor<1x1x3x520xf32>,
        tensor<1x1x6x100xi32>, tensor<1x2x7x63xi32>
}
