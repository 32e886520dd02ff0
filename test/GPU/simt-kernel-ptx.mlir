// The SIMT fallback attention kernel (attn-emit-simt-kernel): no tensor
// cores, one warp per query row, head dims in registers, warp-shuffle dot
// products, online softmax with exp2 in f32. Same parameters as the flash
// kernel: q, k, v, out, kv_indices, kv_counts, kv_block_sizes, key_mask,
// i32 Sq, Skv, Hq, Hkv, K.

// Before lowering: f32, D 32, 8-row query blocks, 8-key kv blocks, indexed
// with block sizes and a key mask.
// RUN: attn-opt %s --attn-emit-simt-kernel="head-dim=32 dtype=f32 block-q=8 block-kv=8 key-mask=true" | FileCheck %s --check-prefix=IR
// IR: llvm.func @attn_simt_f32_d32_q8_kv8_idx_vbs_km(%{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[KM:.*]]: !llvm.ptr<1>, %[[SQ:.*]]: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32)
// IR-SAME: nvvm.kernel
// IR-SAME: nvvm.maxntid = array<i32: 128, 1, 1>
// IR-NOT: llvm.mlir.global
// IR: nvvm.read.ptx.sreg.tid.x
// Warps past the last row do nothing.
// IR: %[[ROWIN:.*]] = arith.cmpi slt, %{{.*}}, %[[SQ]] : i32
// IR-NEXT: scf.if %[[ROWIN]] {
// IR: scf.for {{.*}} : i32 {
// IR: scf.for {{.*}} : i32 {
// IR: llvm.getelementptr %[[KM]][%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
// IR: nvvm.shfl.sync bfly
// IR: llvm.intr.exp2
// IR-NOT: nvvm.mma.sync

// PTX, assembled for sm_90a and sm_80 with no spills and no stack frame.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=32 dtype=f32 block-q=8 block-kv=8 key-mask=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.f32.ptx
// RUN: FileCheck %s --check-prefix=F32 < %t.f32.ptx
// F32: .visible .entry attn_simt_f32_d32_q8_kv8_idx_vbs_km(
// F32-COUNT-8: .param .u64 .ptr .global .align 1 attn_simt_f32_d32_q8_kv8_idx_vbs_km_param_{{[0-7]}},
// F32-COUNT-4: .param .u32 attn_simt_f32_d32_q8_kv8_idx_vbs_km_param_{{[0-9]+}},
// F32-NEXT: .param .u32 attn_simt_f32_d32_q8_kv8_idx_vbs_km_param_12
// F32-NEXT: )
// F32-NOT: .shared
// F32-NOT: mma
// F32-DAG: shfl.sync.bfly
// F32-DAG: ex2.approx
// F32-DAG: ld.global.b8
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.f32.ptx -o %t.f32.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=32 dtype=f32 block-q=8 block-kv=8 key-mask=true chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.f32.80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.f32.80.ptx -o %t.f32.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// bf16, D 128 (4 dims per lane), indexed with block sizes.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=128 dtype=bf16 block-q=64 block-kv=64}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.bf16.ptx
// RUN: FileCheck %s --check-prefix=BF16 < %t.bf16.ptx
// BF16: .visible .entry attn_simt_bf16_d128_q64_kv64_idx_vbs(
// BF16-NOT: mma
// BF16: shfl.sync.bfly
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.bf16.ptx -o %t.bf16.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=128 dtype=bf16 block-q=64 block-kv=64 chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.bf16.80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.bf16.80.ptx -o %t.bf16.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// f16, D 64, dense without block sizes (one range of all keys).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=64 dtype=f16 indexed=false block-sizes=false}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.f16.ptx
// RUN: FileCheck %s --check-prefix=F16 < %t.f16.ptx
// F16: .visible .entry attn_simt_f16_d64_q64_kv64_dense(
// F16-NOT: mma
// F16: shfl.sync.bfly
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.f16.ptx -o %t.f16.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=64 dtype=f16 indexed=false block-sizes=false chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.f16.80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.f16.80.ptx -o %t.f16.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// Odd shapes: D 96 (a partial last chunk of dims), blocks of 3 and 5, and
// the largest head dim, 256, with a key mask.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=96 dtype=f32 block-q=3 block-kv=5}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.d96.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.d96.ptx -o %t.d96.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=256 dtype=bf16 key-mask=true chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.d256.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.d256.ptx -o %t.d256.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
module {}
