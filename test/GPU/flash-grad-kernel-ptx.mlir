// The mma.sync backward kernels (FlashAttentionGradKernel.h): the dQ pass
// (a first staged walk for S and dP = dO V^T giving the row's log2 lse (lg2)
// and delta = sum P dP, then a second for dQ += dS K on tensor cores) and the dK/dV pass (K and V staged
// once, Q / dO / lse2 / delta staged per query block with 4-byte cp.async
// for the row statistics, the transposed pattern compacted in table order by
// vote.ballot + popc); 18 parameters each. ptxas: the dQ pass and the D 64
// dK/dV pass keep everything in registers; the D 128 dK/dV pass (256 f32
// accumulators a warp-row pair) spills a few values (measured in
// bench/RESULTS.md), so only its assembly is checked.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 grad-pass=dq}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dq.ptx
// RUN: FileCheck %s --check-prefix=DQ < %t.dq.ptx
// DQ: .visible .entry attn_flash_bwd_dq_bf16_d128_q64_kv64_idx_vbs(
// DQ: _param_17
// DQ-NEXT: )
// DQ-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// DQ-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// DQ-DAG: cp.async.cg.shared.global
// DQ-DAG: lg2.approx.f32
// DQ-DAG: ex2.approx.ftz.f32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.dq.ptx -o %t.dq.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=64 dtype=f16 grad-pass=dkdv key-mask=true sub-blocks=6 q-sub-blocks=3}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dkdv.ptx
// RUN: FileCheck %s --check-prefix=DKDV < %t.dkdv.ptx
// DKDV: .visible .entry attn_flash_bwd_dkdv_f16_d64_q64_kv64_idx_vbs_km_t6_r3(
// DKDV-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// DKDV-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// DKDV-DAG: cp.async.ca.shared.global [{{.*}}], [{{.*}}], 4
// DKDV-DAG: vote.sync.ballot.b32
// DKDV-DAG: popc.b32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.dkdv.ptx -o %t.dkdv.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 grad-pass=dkdv}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dkdv128.ptx
// RUN: FileCheck %s --check-prefix=DKDV128 < %t.dkdv128.ptx
// DKDV128: .visible .entry attn_flash_bwd_dkdv_bf16_d128_q64_kv64_idx_vbs(
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.dkdv128.ptx -o %t.dkdv128.cubin %}

// Bad options: the backward kernels tile by 64 x 64 and write no lse.
// RUN: not attn-opt %s --attn-emit-flash-kernel="grad-pass=dq block-kv=32" 2>&1 | FileCheck %s --check-prefix=BAD-BLOCK
// BAD-BLOCK: flash backward kernel: block_q and block_kv must be 64 (larger tiles through sub-blocks), got 64 x 32
// RUN: not attn-opt %s --attn-emit-flash-kernel="grad-pass=dkdv lse=true" 2>&1 | FileCheck %s --check-prefix=BAD-LSE
// BAD-LSE: flash backward kernel: no lse output
// RUN: not attn-opt %s --attn-emit-flash-kernel="grad-pass=dx" 2>&1 | FileCheck %s --check-prefix=BAD-PASS
// BAD-PASS: attn-emit-flash-kernel: grad-pass must be dq or dkdv, got 'dx'
module {}
