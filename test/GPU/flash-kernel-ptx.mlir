// The flash-attention kernel emitter: tensor cores (mma.sync bf16, f32
// accumulate) for both Q.K^T and P.V, K/V staged by cp.async and read with
// ldmatrix (.trans for V), online softmax with exp2 and quad shuffles, and ptxas assembles it for sm_90a with no spills or stack.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.ptx
// RUN: FileCheck %s < %t.ptx
// CHECK: .visible .entry attn_flash_bf16_d128_q64_kv64_idx_vbs(
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-DAG: ex2.approx
// CHECK-DAG: shfl.sync.bfly
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// The same kernel for sm_80 (A100).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.80.ptx -o %t.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// f16 and head dim 64, dense (all kv blocks), no block sizes.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=64 dtype=f16 indexed=false block-sizes=false}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py | FileCheck %s --check-prefix=F16
// F16: .visible .entry attn_flash_f16_d64_q64_kv64_dense(
// F16: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

// Bad configurations are rejected with a message.
// RUN: not attn-opt %s --attn-emit-flash-kernel="head-dim=96" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: flash kernel: head_dim must be 64 or 128, got 96
module {}
