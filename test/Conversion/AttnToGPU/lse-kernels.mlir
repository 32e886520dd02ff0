// The attention ops' optional lse result on the GPU path: the planner picks
// the _lse variant of the kernel it would pick anyway (wgmma on sm_90a,
// mma.sync with wgmma=false, SIMT without tensor cores) and passes the lse
// buffer (f32 [B, Hq, Sq]) as the pointer after all other parameters. The
// raster-tile form does not write it, so STA with an lse keeps its gathers.
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="report=true" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="wgmma=false" | FileCheck %s --check-prefix=MMA
// RUN: attn-opt %s -split-input-file --attn-optimize -convert-attn-to-gpu-launches="tensor-cores=false" | FileCheck %s --check-prefix=SIMT

// CHECK-LABEL: func.func @main(
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_f16_d64_q128_kv128_dense_lse_s4_ov_qr_fm_s{{[0-9a-fx]+}}
// CHECK-SAME: args(%arg0 : memref<1x2x200x64xf16>, %arg1 : memref<1x1x300x64xf16>, %arg1 : memref<1x1x300x64xf16>, %arg2 : memref<1x2x200x64xf16>,
// CHECK-SAME: %c2_i32 : i32, %c1_i32 : i32, %c3_i32 : i32, {{.*}}, %arg3 : memref<1x2x200xf32>) {attn.tensor_maps = [{{.*}}, "f16:64,300,1:128", ""]}
// MMA-LABEL: func.func @main(
// MMA: gpu.launch_func @attn_kernels::@attn_flash_f16_d64_q64_kv64_dense_lse_s{{[0-9a-fx]+}}
// MMA-SAME: %c5_i32 : i32, %arg3 : memref<1x2x200xf32>)
// MMA-NOT: attn.tensor_maps
// SIMT-LABEL: func.func @main(
// SIMT: gpu.launch_func @attn_kernels::@attn_simt_f16_d64_q64_kv64_dense_lse_s{{[0-9a-fx]+}}
// SIMT-SAME: %arg3 : memref<1x2x200xf32>)
func.func @main(%q: tensor<1x2x200x64xf16>, %k: tensor<1x1x300x64xf16>) -> (tensor<1x2x200x64xf16>, tensor<1x2x200xf32>) {
  %a, %lse = attn.sdpa %q, %k, %k : (tensor<1x2x200x64xf16>, tensor<1x1x300x64xf16>, tensor<1x1x300x64xf16>) -> (tensor<1x2x200x64xf16>, tensor<1x2x200xf32>)
  return %a, %lse : tensor<1x2x200x64xf16>, tensor<1x2x200xf32>
}

// -----

// STA with an lse over the tiled queries: the layout stays as gathers into
// tiled copies, the plain wgmma kernel writes the lse of the padded
// sequence (3456 rows) and a 4-byte row gather returns its first 3172.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: _rt6x8x8
// CHECK: attn_gather_rows_c16
// CHECK: gpu.launch_func @attn_kernels::@attn_wgmma_bf16_d128_q128_kv128_idx_vbs_lse_t3_s3_ov_qr_fm_s{{[0-9a-fx]+}}
// CHECK-SAME: %[[LSE:[^ ]+]] : memref<27648xi8>)
// CHECK: gpu.launch_func @attn_kernels::@attn_gather_rows_c4 {{.*}} args(%[[LSE]] : memref<27648xi8>, %arg8 : memref<1x2x3172xf32>,
// CHECK-NOT: _rt6x8x8
func.func @main(%qi: tensor<1x2x3072x128xbf16>, %ki: tensor<1x2x3072x128xbf16>, %vi: tensor<1x2x3072x128xbf16>, %qt: tensor<1x2x100x128xbf16>, %kt: tensor<1x2x100x128xbf16>, %vt: tensor<1x2x100x128xbf16>)
    -> (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3172xf32>) {
  %qa = attn.tile %qi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %ka = attn.tile %ki grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %va = attn.tile %vi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  %q = tensor.concat dim(2) %qa, %qt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %k = tensor.concat dim(2) %ka, %kt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  %v = tensor.concat dim(2) %va, %vt : (tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>) -> tensor<1x2x3172x128xbf16>
  // expected-remark @+1 {{not folded into the attention kernel: the op's 'lse' result is written by the plain kernel form only}}
  %o, %lse = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 2] tile [6, 8, 8]
      window [1, 3, 3] text_length 77 : (tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>, tensor<1x2x3172x128xbf16>) -> (tensor<1x2x3172x128xbf16>, tensor<1x2x3172xf32>)
  %oi = tensor.extract_slice %o[0, 0, 0, 0] [1, 2, 3072, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x3072x128xbf16>
  %ot = tensor.extract_slice %o[0, 0, 3072, 0] [1, 2, 100, 128] [1, 1, 1, 1] : tensor<1x2x3172x128xbf16> to tensor<1x2x100x128xbf16>
  %out = attn.untile %oi grid [12, 16, 16] tile [6, 8, 8] : tensor<1x2x3072x128xbf16>
  return %out, %ot, %lse : tensor<1x2x3072x128xbf16>, tensor<1x2x100x128xbf16>, tensor<1x2x3172xf32>
}
