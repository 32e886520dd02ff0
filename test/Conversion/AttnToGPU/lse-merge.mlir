// attn.lse_merge on the GPU path: the pass rewrites it into its linalg form
// (LseMergeToLinalg.cpp), whose two static linalg.generic ops the planner
// makes kernels like any other (a thread per element): the merged lse over
// [1, 4, 128] = 512 rows (2 CTAs of 256), then the output over 32768
// elements (128 CTAs), reading both attention launches' out/lse scratch;
// log2 in a kernel is lg2.approx (NVPTX has no llvm.log2 lowering).
// RUN: attn-opt %s --attn-optimize -convert-attn-to-gpu-launches="wgmma=false" | FileCheck %s
// RUN: attn-opt %s --attn-to-nvvm="chip=sm_80 serialize=false" | FileCheck %s --check-prefix=KERNEL
// CHECK-LABEL: func.func @main(
// CHECK-DAG: %[[O1:.*]] = memref.alloc() {attn.scratch = 0 : i64} : memref<65536xi8>
// CHECK-DAG: %[[L1:.*]] = memref.alloc() {attn.scratch = 1 : i64} : memref<2048xi8>
// CHECK-DAG: %[[O2:.*]] = memref.alloc() {attn.scratch = 2 : i64} : memref<65536xi8>
// CHECK-DAG: %[[L2:.*]] = memref.alloc() {attn.scratch = 3 : i64} : memref<2048xi8>
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q64_kv64_dense_lse
// CHECK: gpu.launch_func @attn_kernels::@attn_flash_bf16_d64_q64_kv64_dense_lse
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_0 blocks in (%c2, %c1, %c1) threads in (%c256, %c1, %c1) {{.*}} args(%[[L1]] : memref<2048xi8>, %[[L2]] : memref<2048xi8>, %arg6 : memref<1x4x128xf32>)
// CHECK: gpu.launch_func @attn_kernels::@attn_linalg_1 blocks in (%c128, %c1, %c1) threads in (%c256, %c1, %c1) {{.*}} args(%[[O1]] : memref<65536xi8>, %[[O2]] : memref<65536xi8>, %[[L1]] : memref<2048xi8>, %[[L2]] : memref<2048xi8>, %arg6 : memref<1x4x128xf32>, %arg5 : memref<1x4x128x64xbf16>)
// CHECK-NOT: attn.lse_merge
// KERNEL-LABEL: llvm.func @attn_linalg_0(
// KERNEL: llvm.intr.exp2
// KERNEL: lg2.approx.f32
// KERNEL-LABEL: llvm.func @attn_linalg_1(
// KERNEL: llvm.intr.exp2
func.func @main(%q: tensor<1x4x128x64xbf16>, %k1: tensor<1x2x128x64xbf16>, %v1: tensor<1x2x128x64xbf16>,
                %k2: tensor<1x2x192x64xbf16>, %v2: tensor<1x2x192x64xbf16>) -> (tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>) {
  %o1, %l1 = attn.sdpa %q, %k1, %v1 : (tensor<1x4x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>) -> (tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>)
  %o2, %l2 = attn.sdpa %q, %k2, %v2 : (tensor<1x4x128x64xbf16>, tensor<1x2x192x64xbf16>, tensor<1x2x192x64xbf16>) -> (tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>)
  %o, %l = attn.lse_merge %o1, %o2 lse %l1, %l2 : (tensor<1x4x128x64xbf16>, tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>, tensor<1x4x128xf32>) -> (tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>)
  return %o, %l : tensor<1x4x128x64xbf16>, tensor<1x4x128xf32>
}
