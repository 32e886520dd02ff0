// --device cuda end to end without a GPU: attn-run compiles the module (PTX
// only: --ptxas '') and runs it with attnrt-run on a fake CUDA driver
// (test/Runtime/Inputs/fake_cuda.c, which reads the kernels' parameter lists
// from the PTX and logs every launch): exit 0, the output file is written,
// and the launch sequence is the planned one (block means through row
// tables, the coarse contraction, top-k, tile gathers, the checked-mode
// check, the fine kernel, combine, untile into the result).
// RUN: rm -rf %t && mkdir -p %t/fake
// RUN: cc -shared -fPIC %S/../../Runtime/Inputs/fake_cuda.c -o %t/fake/libcuda.so.1
// RUN: %npy rand %t/x.npy --shape 1,1,40,16
// RUN: env LD_LIBRARY_PATH=%t/fake FAKE_CUDA_LOG=%t/log attn-run %s --device cuda --ptxas "" --checked \
// RUN:   --input %t/x.npy --input %t/x.npy --input %t/x.npy --output %t/o.npy
// RUN: test -f %t/o.npy
// RUN: grep cuLaunchKernel %t/log | FileCheck %s
// CHECK: cuLaunchKernel attn_block_mean_f32 {{.*}} i32:4 i32:16 i32:16 i32:1 i32:40
// CHECK: cuLaunchKernel attn_linalg_{{[0-9]+}}_contract
// CHECK: cuLaunchKernel attn_block_topk
// CHECK-NEXT: cuLaunchKernel attn_gather_rows_c16 {{.*}} params #{{[0-9]+}}+0 #{{[0-9]+}}+0 #{{[0-9]+}}+0 i32:64 i32:40 i32:64 i32:0 i32:4
// CHECK: cuLaunchKernel attn_check_kv
// CHECK-NEXT: cuLaunchKernel attn_simt_f32_d16_q16_kv16_idx_vbs_s
// CHECK: cuLaunchKernel attn_gather_rows_c16 {{.*}} i32:40 i32:64 i32:40 i32:0 i32:4
// CHECK-NOT: cuLaunchKernel
func.func @main(%q: tensor<1x1x40x16xf32>, %k: tensor<1x1x40x16xf32>, %v: tensor<1x1x40x16xf32>) -> tensor<1x1x40x16xf32> {
  %qt = attn.tile %q grid [1, 5, 8] tile [1, 4, 4] : tensor<1x1x40x16xf32>
  %kt = attn.tile %k grid [1, 5, 8] tile [1, 4, 4] : tensor<1x1x40x16xf32>
  %vt = attn.tile %v grid [1, 5, 8] tile [1, 4, 4] : tensor<1x1x40x16xf32>
  %vbs = arith.constant dense<[16, 16, 4, 4]> : tensor<4xi32>
  %o = attn.vsa %qt, %kt, %vt q_block_sizes %vbs kv_block_sizes %vbs block 16 topk 2
      : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<4xi32>, tensor<4xi32>) -> tensor<1x1x64x16xf32>
  %u = attn.untile %o grid [1, 5, 8] tile [1, 4, 4] : tensor<1x1x64x16xf32>
  return %u : tensor<1x1x40x16xf32>
}
