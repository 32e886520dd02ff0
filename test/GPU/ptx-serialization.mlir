// The toolchain the GPU pipelines build on: attn-opt serializes an NVVM
// kernel to PTX for sm_90a (+ptx80) through LLVM's NVPTX backend. No GPU
// needed.
// RUN: attn-opt %s --convert-gpu-to-nvvm --reconcile-unrealized-casts --gpu-module-to-binary="format=isa" | FileCheck %s
// CHECK: gpu.binary @kernels
// CHECK-SAME: .version 8.0
// CHECK-SAME: .target sm_90a
// CHECK-SAME: .visible .entry scale
// CHECK-SAME: ld.global
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    gpu.func @scale(%a: memref<64xf32>, %b: memref<64xf32>) kernel {
      %i = gpu.thread_id x
      %x = memref.load %a[%i] : memref<64xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %b[%i] : memref<64xf32>
      gpu.return
    }
  }
}
