// Scratch buffers packed by lifetime (attn.scratch slots).
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches="wgmma=false" | FileCheck %s

// Dynamic tables (arguments) get a checked-mode launch before the kernel
// that reads them; a chain of attention ops shares scratch buffers whose
// lifetimes do not overlap (three intermediates, two buffers).
// CHECK-LABEL: func.func @main(
// CHECK-COUNT-2: memref.alloc() {attn.scratch
// CHECK-NOT: memref.alloc() {attn.scratch
// CHECK: %[[ERR:.*]] = memref.alloc() {attn.error_buffer} : memref<2xi32>
// CHECK: gpu.launch_func @attn_kernels::@attn_check_kv blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) {{.*}} args(%arg3 : memref<1x2x2x2xi32>, %arg4 : memref<1x2x2xi32>, %[[ERR]] : memref<2xi32>, %c4_i32 : i32, %c2_i32 : i32, %c2_i32 : i32) {attn.check_dims = array<i64: 1, 2, 2>}
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_idx_s
// CHECK-COUNT-3: gpu.launch_func @attn_kernels::@attn_flash_bf16_d128_q64_kv64_dense_s
func.func @main(%q: tensor<1x2x128x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>,
                %idx: tensor<1x2x2x2xi32>, %cnt: tensor<1x2x2xi32>) -> tensor<1x2x128x128xbf16> {
  %a = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 64 block_kv 64
      : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x2x2xi32>, tensor<1x2x2xi32>) -> tensor<1x2x128x128xbf16>
  %b = attn.sdpa %a, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  %c = attn.sdpa %b, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  %d = attn.sdpa %c, %k, %v : (tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16>
  return %d : tensor<1x2x128x128xbf16>
}

// -----

// Two values live at the same launch never share a slot.
// CHECK-LABEL: func.func @main(
// CHECK: %[[A:.*]] = memref.alloc() {attn.scratch = 0 : i64} : memref<8192xi8>
// CHECK: %[[B:.*]] = memref.alloc() {attn.scratch = 1 : i64} : memref<8192xi8>
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func {{.*}} args(%arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %[[A]] :
// CHECK: gpu.launch_func {{.*}} args(%arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %arg0 : {{[^,]*}}, %[[B]] :
// CHECK: gpu.launch_func {{.*}} args(%[[A]] : {{[^,]*}}, %[[B]] : {{[^,]*}}, %[[B]] : {{[^,]*}}, %arg1 :
func.func @main(%q: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %a = attn.sdpa %q, %q, %q : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  %b = attn.sdpa %q, %q, %q : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  %c = attn.sdpa %a, %b, %b : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  return %c : tensor<1x1x64x64xf16>
}

// -----

// A buffer defined before a loop and read inside it (%w) lives to the
// loop's end: %t, computed after %w's last read in launch order, may not
// reuse its slot (the next trip reads %w again). Four slots: %w, the carried
// value, %o, %t.
// CHECK-LABEL: func.func @main(
// CHECK: %[[W:.*]] = memref.alloc() {attn.scratch = 0 : i64}
// CHECK: %[[C:.*]] = memref.alloc() {attn.scratch = 1 : i64}
// CHECK: %[[O:.*]] = memref.alloc() {attn.scratch = 2 : i64}
// CHECK: %[[T:.*]] = memref.alloc() {attn.scratch = 3 : i64}
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK-NEXT: gpu.launch_func {{.*}} args(%[[C]] : {{[^,]*}}, %[[W]] : {{[^,]*}}, %[[W]] : {{[^,]*}}, %[[O]] :
// CHECK-NEXT: gpu.launch_func {{.*}} args(%[[O]] : {{[^,]*}}, %[[O]] : {{[^,]*}}, %[[O]] : {{[^,]*}}, %[[T]] :
// CHECK-NEXT: gpu.launch_func @attn_kernels::@attn_gather_rows_c16 {{.*}} args(%[[T]] : {{[^,]*}}, %[[C]] :
func.func @main(%x: tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %w = attn.sdpa %x, %x, %x : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %x) -> tensor<1x1x64x64xf16> {
    %o = attn.sdpa %a, %w, %w : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
    %t = attn.sdpa %o, %o, %o : (tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>, tensor<1x1x64x64xf16>) -> tensor<1x1x64x64xf16>
    scf.yield %t : tensor<1x1x64x64xf16>
  }
  return %r : tensor<1x1x64x64xf16>
}
