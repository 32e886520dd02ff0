// On sm_90a the launch planner folds the layout around STA's block-sparse
// attention into the raster-tile wgmma kernel (RasterFold.cpp): q, k, v =
// concat(tile(raster), text) (padded to whole tiles) are read by 5-D TMA
// boxes of the raster tensors and 3-D boxes of the text tensors, and the
// output's untile and text slice are its TMA stores. Where something else
// reads a tiled value, or the keys would differ, the gathers stay and a
// remark (report=true) says why. VSA's fine stage folds with its gated
// combine (last cases).
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="report=true" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="fold-layout=false" | FileCheck %s --check-prefix=GATHER
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="chip=sm_80 features=+ptx70" | FileCheck %s --check-prefix=GATHER

// Folded: one launch, nothing else. 2x2x2 tiles of 384 and one text tile
// (100 rows, 77 valid keys): grid 9 tiles x 3 query blocks. The kernel takes
// the raster buffers (q, k, v and the result), the 5-D maps {D, W, Hh, T,
// B*H} (query boxes one 8x8 t-slice, kv boxes two), the grid, the 3-D text
// maps and S_text = 100, text length = 77; no scratch, no gather.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: memref.alloc
// CHECK-NOT: attn_gather
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_txt_s3_ov_fm_s{{[0-9a-fx]+}} blocks in (%c27, %c2, %c1) threads in (%c384, %c1, %c1)
// CHECK-SAME: args(%arg0 : memref<1x2x3072x128xbf16>, %arg1 : memref<1x2x3072x128xbf16>, %arg2 : memref<1x2x3072x128xbf16>, %arg6 : memref<1x2x3072x128xbf16>,
// CHECK-SAME: %c12_i32 : i32, %c16_i32 : i32, %c16_i32 : i32, %arg3 : memref<1x2x100x128xbf16>, %arg4 : memref<1x2x100x128xbf16>, %arg5 : memref<1x2x100x128xbf16>, %arg7 : memref<1x2x100x128xbf16>, %c100_i32 : i32, %c77_i32 : i32)
// CHECK-SAME: "bf16:128,16,16,12,2:box=64,8,8,1,1", "bf16:128,16,16,12,2:box=64,8,8,2,1", "bf16:128,16,16,12,2:box=64,8,8,2,1", "bf16:128,16,16,12,2:box=64,8,8,1,1", "", "", "", "bf16:128,100,2:64", "bf16:128,100,2:128", "bf16:128,100,2:128", "bf16:128,100,2:64", "", ""]
// CHECK-NOT: gpu.launch_func
// CHECK: return
// GATHER-LABEL: func.func @main(
// GATHER: memref.alloc
// GATHER: attn_gather_rows
// GATHER-NOT: _rt6x8x8
func.func @main(%qi: tensor<1x2x3072x128xbf16>, %ki: tensor<1x2x3072x128xbf16>, %vi: tensor<1x2x3072x128xbf16>, %qt: tensor<1x2x100x128xbf16>, %kt: tensor<1x2x100x128xbf16>, %vt: tensor<1x2x100x128xbf16>)
    -> (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) {
  %qa = attn.tile %qi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %va = attn.tile %vi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  // expected-remark @+1 {{folded into attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_txt_s3_ov_fm_s0x3db504f3}}
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [6, 8, 8]
      window [1, 3, 3] text_length 77 : (tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 3072, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x3072x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 3072, 0] [1, 2, 100, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x100x128xbf16>
  %out = attn.untile %oi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  return %out, %ot : tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>
}

// -----

// Partial tiles (grid 10x12x20): sliding_tile's pad slots are zero keys that
// take part (kv_block_sizes 384), the kernel would mask them by coordinate.
// CHECK-LABEL: func.func @main(
// CHECK: attn_gather_rows
// CHECK: @attn_wgmma_bf16_d128_q128_kv128_idx_vbs_t3_s3_ov_
func.func @main(%qi: tensor<1x2x2400x128xbf16>, %ki: tensor<1x2x2400x128xbf16>, %vi: tensor<1x2x2400x128xbf16>, %qt: tensor<1x2x100x128xbf16>, %kt: tensor<1x2x100x128xbf16>, %vt: tensor<1x2x100x128xbf16>)
    -> (tensor<1x2x2400x128xbf16>, tensor<1x2x100x128xbf16>) {
  %qa = attn.tile %qi grid [10, 12, 20] tile [6, 8, 8] : tensor<1x2x2400x128xbf16>
  %ka = attn.tile %ki grid [10, 12, 20] tile [6, 8, 8] : tensor<1x2x2400x128xbf16>
  %va = attn.tile %vi grid [10, 12, 20] tile [6, 8, 8] : tensor<1x2x2400x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x4608x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x4708x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x4608x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x4708x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x4608x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x4708x128xbf16>
  // expected-remark @+1 {{not folded into the attention kernel: kv_block_sizes of image tile 2 is not its in-grid token count}}
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [6, 8, 8]
      window [1, 3, 3] text_length 77 : (tensor<1x2x4708x128xbf16>, tensor<1x2x4708x128xbf16>, tensor<1x2x4708x128xbf16>) -> tensor<1x2x4708x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 4608, 128] [1, 1, 1, 1] : tensor<1x2x4708x128xbf16> to tensor<1x2x4608x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 4608, 0] [1, 2, 100, 128] [1, 1, 1, 1] : tensor<1x2x4708x128xbf16> to tensor<1x2x100x128xbf16>
  %out = attn.untile %oi grid [10, 12, 20] tile [6, 8, 8] : tensor<1x2x4608x128xbf16>
  return %out, %ot : tensor<1x2x2400x128xbf16>, tensor<1x2x100x128xbf16>
}

// -----

// A second reader of the tiled output (it is returned too): not folded.
// CHECK-LABEL: func.func @main(
// CHECK: @attn_wgmma_bf16_d128_q128_kv128_idx_vbs_t3_s3_ov_
// CHECK: attn_gather_rows
func.func @main(%qi: tensor<1x2x3072x128xbf16>, %ki: tensor<1x2x3072x128xbf16>, %vi: tensor<1x2x3072x128xbf16>, %qt: tensor<1x2x100x128xbf16>, %kt: tensor<1x2x100x128xbf16>, %vt: tensor<1x2x100x128xbf16>)
    -> (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3072x128xbf16>) {
  %qa = attn.tile %qi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %va = attn.tile %vi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  // expected-remark @+1 {{not folded into the attention kernel: its output is read other than through the untile and the text rows}}
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [6, 8, 8]
      window [1, 3, 3] text_length 77 : (tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 3072, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x3072x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 3072, 0] [1, 2, 100, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x100x128xbf16>
  %out = attn.untile %oi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  return %out, %ot, %oi : tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3072x128xbf16>
}

// -----

// A second reader of a tiled input (tiled q is returned too): the attention
// still reads the raster q through its boxes; one gather writes the
// returned tiled copy (partially folded).
// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_txt_s3_
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows
// CHECK-NOT: gpu.launch_func
func.func @main(%qi: tensor<1x2x3072x128xbf16>, %ki: tensor<1x2x3072x128xbf16>, %vi: tensor<1x2x3072x128xbf16>, %qt: tensor<1x2x100x128xbf16>, %kt: tensor<1x2x100x128xbf16>, %vt: tensor<1x2x100x128xbf16>)
    -> (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3072x128xbf16>) {
  %qa = attn.tile %qi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %va = attn.tile %vi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  // expected-remark @+1 {{folded into attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_txt_s3_ov_fm_s0x3db504f3}}
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [6, 8, 8]
      window [1, 3, 3] text_length 77 : (tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 3072, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x3072x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 3072, 0] [1, 2, 100, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x100x128xbf16>
  %out = attn.untile %oi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  return %out, %ot, %qa : tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3072x128xbf16>
}

// -----

// No tiles at all (STA on an already tiled sequence): nothing to fold.
// CHECK-LABEL: func.func @main(
// CHECK: @attn_wgmma_bf16_d128_q128_kv128_idx_vbs_t3_s3_ov_
func.func @main(%q: tensor<1x2x3456x128xbf16>) -> tensor<1x2x3456x128xbf16> {
  // expected-remark @+1 {{not folded into the attention kernel: its output is not untiled (attn.untile) to a raster tensor}}
  %o = attn.sliding_tile %q, %q, %q tile_grid [2, 2, 2] tile [6, 8, 8] window [1, 1, 1] text_length 200
      : (tensor<1x2x3456x128xbf16>, tensor<1x2x3456x128xbf16>, tensor<1x2x3456x128xbf16>) -> tensor<1x2x3456x128xbf16>
  return %o : tensor<1x2x3456x128xbf16>
}

// -----

// VSA (after attn-decompose-vsa): the block means read the raster q, k, v
// through row tables, the fine stage is the raster-tile kernel (4x4x4
// boxes, 64-row blocks; the top-k tables are checked first in checked
// mode) with the gated combine in its epilogue (_cg: the raster gate's map
// and the per-tile coarse output after the grid), writing the result in
// raster order. No gather, no combine kernel, and the only scratch is the
// coarse stage's.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: attn_gather
// CHECK-COUNT-3: gpu.launch_func @attn_kernels::@attn_block_mean_bf16 {{.*}} args(%arg{{[0-2]}} :
// CHECK: gpu.launch_func @attn_kernels::@attn_block_topk
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_cg_s3_ov_fm_s{{[0-9a-fx]+}} blocks in (%c24, %c2, %c1)
// CHECK-SAME: args(%arg0 : memref<1x2x840x128xbf16>, %arg1 : memref<1x2x840x128xbf16>, %arg2 : memref<1x2x840x128xbf16>, %arg4 : memref<1x2x840x128xbf16>,
// CHECK-SAME: %c6_i32 : i32, %c10_i32 : i32, %c14_i32 : i32, %arg3 : memref<1x2x840x128xbf16>, %alloc{{.*}} : memref<12288xi8>)
// CHECK-SAME: "bf16:128,14,10,6,2:box=64,4,4,4,1", "bf16:128,14,10,6,2:box=64,4,4,4,1", "bf16:128,14,10,6,2:box=64,4,4,4,1", "bf16:128,14,10,6,2:box=64,4,4,4,1", "", "", "", "bf16:128,14,10,6,2:box=64,4,4,4,1", ""]
// CHECK-NOT: gpu.launch_func
// CHECK: return
func.func @main(%q: tensor<1x2x840x128xbf16>, %k: tensor<1x2x840x128xbf16>, %v: tensor<1x2x840x128xbf16>, %gate: tensor<1x2x840x128xbf16>) -> tensor<1x2x840x128xbf16> {
  %qt = attn.tile %q grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %kt = attn.tile %k grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vt = attn.tile %v grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %gt = attn.tile %gate grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vbs = arith.constant dense<[64, 64, 64, 32, 64, 64, 64, 32, 32, 32, 32, 16, 32, 32, 32, 16, 32, 32, 32, 16, 16, 16, 16, 8]> : tensor<24xi32>
  // expected-remark @+1 {{folded into attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_cg_s3_ov_fm_s0x3db504f3: the tiles of q, k, v and the untile of the output are its TMA boxes over the raster tensors; the gated combine is its epilogue}}
  %o = attn.vsa %qt, %kt, %vt gate %gt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 6
      : (tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<24xi32>, tensor<24xi32>) -> tensor<1x2x1536x128xbf16>
  %out = attn.untile %o grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x1536x128xbf16>
  return %out : tensor<1x2x840x128xbf16>
}

// -----

// VSA whose combined output is also returned in tiled order: not folded,
// the gathers stay.
// CHECK-LABEL: func.func @main(
// CHECK: attn_gather_rows
// CHECK: @attn_wgmma_bf16_d128_q64_kv64_idx_vbs_s3_ov_
func.func @main(%q: tensor<1x2x840x128xbf16>) -> (tensor<1x2x840x128xbf16>, tensor<1x2x1536x128xbf16>) {
  %qt = attn.tile %q grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vbs = arith.constant dense<[64, 64, 64, 32, 64, 64, 64, 32, 32, 32, 32, 16, 32, 32, 32, 16, 32, 32, 32, 16, 16, 16, 16, 8]> : tensor<24xi32>
  // expected-remark @+1 {{not folded into the attention kernel: its output is read other than through the untile and the text rows}}
  %o = attn.vsa %qt, %qt, %qt gate %qt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 6
      : (tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<24xi32>, tensor<24xi32>) -> tensor<1x2x1536x128xbf16>
  %out = attn.untile %o grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x1536x128xbf16>
  return %out, %o : tensor<1x2x840x128xbf16>, tensor<1x2x1536x128xbf16>
}

// -----

// VSA without a gate: the combine is coarse + fine, folded the same way
// (the _nogate combine kernel takes no gate).
// CHECK-LABEL: func.func @main(
// CHECK-NOT: attn_gather
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3_ov_
// CHECK: gpu.launch_func @attn_kernels::@attn_vsa_combine_raster_bf16_nogate {{.*}} args(%arg1 : memref<1x2x840x128xbf16>, %{{[0-9]+}} : !llvm.ptr,
func.func @main(%q: tensor<1x2x840x128xbf16>) -> tensor<1x2x840x128xbf16> {
  %qt = attn.tile %q grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x840x128xbf16>
  %vbs = arith.constant dense<[64, 64, 64, 32, 64, 64, 64, 32, 32, 32, 32, 16, 32, 32, 32, 16, 32, 32, 32, 16, 16, 16, 16, 8]> : tensor<24xi32>
  // expected-remark @+1 {{; the combine runs in raster order on its output; no tiled copies}}
  %o = attn.vsa %qt, %qt, %qt q_block_sizes %vbs kv_block_sizes %vbs block 64 topk 6
      : (tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<1x2x1536x128xbf16>, tensor<24xi32>, tensor<24xi32>) -> tensor<1x2x1536x128xbf16>
  %out = attn.untile %o grid [6, 10, 14] tile [4, 4, 4] : tensor<1x2x1536x128xbf16>
  return %out : tensor<1x2x840x128xbf16>
}
