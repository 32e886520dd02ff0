// The flash kernel's key mask and ragged lengths. Parameters: q, k, v, out,
// kv_indices, kv_counts, kv_block_sizes, key_mask (8 pointers), then i32 Sq,
// Skv, Hq, Hkv, K. Every variant takes any Sq, Skv >= 1: query rows past Sq
// read Q as 0 and skip their stores; the kv count and the query-block count
// are ceil divisions; a block's size is cut to Skv - j * block_kv and its
// rows past that size are zero-filled by cp.async (src-size 0).

// The key-mask variant before lowering.
// RUN: attn-opt %s --attn-emit-flash-kernel="head-dim=128 dtype=bf16 key-mask=true" | FileCheck %s --check-prefix=IR
// IR: llvm.mlir.global external @attn_flash_bf16_d128_q64_kv64_idx_vbs_km_smem()
// IR: llvm.func @attn_flash_bf16_d128_q64_kv64_idx_vbs_km(%[[Q:.*]]: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %{{.*}}: !llvm.ptr<1>, %[[KM:.*]]: !llvm.ptr<1>, %[[SQ:.*]]: i32, %[[SKV:.*]]: i32, %{{.*}}: i32, %{{.*}}: i32, %{{.*}}: i32)
// IR-SAME: nvvm.kernel
// IR-SAME: nvvm.maxntid = array<i32: 128, 1, 1>
// IR-SAME: nvvm.minctasm = 1
// Query rows are compared with Sq; the key mask is read as bytes.
// IR: arith.cmpi slt, %{{.*}}, %[[SQ]] : i32
// IR: llvm.getelementptr %[[KM]][%{{.*}}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
// IR: llvm.load %{{.*}} : !llvm.ptr<1> -> i8
// IR: nvvm.cp.async.shared.global
// IR: scf.for
// The masking branch (its else branch passes the scores through).
// IR: scf.if %{{.*}} -> (f32,
// IR: llvm.load %{{.*}} : !llvm.ptr<3> -> i8
// IR: arith.select %{{.*}}, %{{.*}}, %cst{{.*}} : f32
// IR: } else {
// IR-NEXT: scf.yield
// Stores only for rows below Sq.
// IR: scf.if
// IR: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<1>

// Without a key mask, the masking branch is taken on partial blocks only
// (size < block_kv), with size = min(kv_block_sizes[j], Skv - j * 64).
// RUN: attn-opt %s --attn-emit-flash-kernel="head-dim=64 dtype=f16 indexed=false block-sizes=false" | FileCheck %s --check-prefix=RAG
// RAG: llvm.func @attn_flash_f16_d64_q64_kv64_dense(
// RAG-NOT: nvvm.minctasm
// RAG: arith.subi %{{.*}}, %{{.*}} : i32
// RAG: arith.minsi
// RAG: scf.for
// RAG: %[[PARTIAL:.*]] = arith.cmpi slt, %{{.*}}, %c64_i32{{.*}} : i32
// RAG: scf.if %[[PARTIAL]] -> (f32,

// PTX for sm_90a and sm_80, assembled with no spills and no stack frame.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 key-mask=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.km.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.km.ptx
// PTX: .visible .entry attn_flash_bf16_d128_q64_kv64_idx_vbs_km(
// PTX-COUNT-8: .param .u64 .ptr .global .align 1 attn_flash_bf16_d128_q64_kv64_idx_vbs_km_param_{{[0-7]}},
// PTX-COUNT-4: .param .u32 attn_flash_bf16_d128_q64_kv64_idx_vbs_km_param_{{[0-9]+}},
// PTX-NEXT: .param .u32 attn_flash_bf16_d128_q64_kv64_idx_vbs_km_param_12
// PTX-NEXT: )
// PTX: .minnctapersm 1
// PTX-DAG: ld.global.b8
// PTX-DAG: ld.shared.{{.*}}b8
// PTX-DAG: st.shared.b8
// PTX-DAG: cp.async.cg.shared.global
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.km.ptx -o %t.km.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 key-mask=true chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.km80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.km80.ptx -o %t.km80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// block_kv 96, D 128 with a key mask, dense (D 128 with block_kv 112/128 sits
// at the 255-register limit: a few bytes may spill, with or without a mask).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 block-kv=96 indexed=false key-mask=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.kv96.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.kv96.ptx -o %t.kv96.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 block-kv=96 indexed=false key-mask=true chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.kv96.80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.kv96.80.ptx -o %t.kv96.80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// f16, D 64, block_kv 16, key mask, small tiles.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=64 dtype=f16 block-kv=16 key-mask=true chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.f16.ptx
// RUN: FileCheck %s --check-prefix=F16 < %t.f16.ptx
// F16: .visible .entry attn_flash_f16_d64_q64_kv16_idx_vbs_km(
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.f16.ptx -o %t.f16.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// Ragged dense without a key mask (the partial-block branch), both chips.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=f16 block-kv=32 indexed=false block-sizes=false}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.rag.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.rag.ptx -o %t.rag.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=f16 block-kv=32 indexed=false block-sizes=false chip=sm_80 features=+ptx70}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.rag80.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_80 -v %t.rag80.ptx -o %t.rag80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
module {}
