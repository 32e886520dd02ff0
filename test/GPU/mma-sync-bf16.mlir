// bf16 tensor-core MMA (m16n8k16, f32 accumulate) through nvvm.mma.sync
// serializes to PTX mma.sync; ptxas assembles it for sm_90a with no spills.
// (nvgpu.mma.sync rejects bf16; the attention kernels use nvvm.mma.sync.)
// RUN: attn-opt %s --gpu-module-to-binary="format=isa" | FileCheck %s
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// RUN: attn-opt %s --gpu-module-to-binary="format=isa" | %python %S/Inputs/extract_ptx.py > %t.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
module attributes {gpu.container_module} {
  gpu.module @k [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    llvm.func @mma(%pa: !llvm.ptr<1>, %pc: !llvm.ptr<1>) attributes {nvvm.kernel} {
      %a0 = llvm.load %pa : !llvm.ptr<1> -> i32
      %z = llvm.mlir.constant(0.0 : f32) : f32
      %d = nvvm.mma.sync A[%a0, %a0, %a0, %a0] B[%a0, %a0] C[%z, %z, %z, %z]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>,
         shape = #nvvm.shape<m = 16, n = 8, k = 16>}
        : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %e = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
      llvm.store %e, %pc : f32, !llvm.ptr<1>
      llvm.return
    }
  }
}
