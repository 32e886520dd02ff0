// The SIMT backward kernels (SimtAttentionGradKernel.h): the dQ pass
// (forward again, lg2 for the row's log2 lse, warp sums by shfl.bfly) and
// the dK/dV pass (the transposed pattern found with vote.ballot over a
// table row); 18 parameters each; ptxas assembles both with no spills.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=128 dtype=bf16 grad-pass=dq}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dq.ptx
// RUN: FileCheck %s --check-prefix=DQ < %t.dq.ptx
// DQ: .visible .entry attn_simt_bwd_dq_bf16_d128_q64_kv64_idx_vbs(
// DQ: _param_17
// DQ-NEXT: )
// DQ-DAG: lg2.approx.f32
// DQ-DAG: shfl.sync.bfly.b32
// DQ-DAG: ex2.approx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.dq.ptx -o %t.dq.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=80 dtype=f32 grad-pass=dkdv key-mask=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dkdv.ptx
// RUN: FileCheck %s --check-prefix=DKDV < %t.dkdv.ptx
// DKDV: .visible .entry attn_simt_bwd_dkdv_f32_d80_q64_kv64_idx_vbs_km(
// DKDV-DAG: vote.sync.ballot.b32
// DKDV-DAG: shfl.sync.bfly.b32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.dkdv.ptx -o %t.dkdv.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// RUN: not attn-opt %s --attn-emit-simt-kernel="grad-pass=dx" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn-emit-simt-kernel: grad-pass must be dq or dkdv, got 'dx'
module {}
