// The raster-tile form of the Hopper kernel (attn-emit-hopper-kernel
// raster-tile=T,H,W, docs/GPU.md): q, k, v and out stay raster video
// tensors; 5-D tensor maps {D, W, Hh, T, B*H} load each (sub-)tile with one
// box, keys outside the video grid are masked by their coordinates, and the
// output goes back through a TMA store of the same box. The video grid is
// three i32 parameters after out's map.

// For VSA, 4x4x4 tiles, 64-row query and kv blocks (one consumer warpgroup).
// RUN: attn-opt %s --attn-emit-hopper-kernel="block-q=64 block-kv=64 block-sizes=false raster-tile=4,4,4" | FileCheck %s --check-prefix=IR
// IR-LABEL: llvm.func @attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3(
// IR-SAME: %arg16: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %arg17: i32, %arg18: i32, %arg19: i32)
// Q, then K and V: one box each per 64 columns of D, at (d, w, h, t, n).
// IR: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %arg13, %{{.*}}, box[%c0_i32{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// IR: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %arg14, %{{.*}}, box[%c0_i32{{.*}}, %[[W:.*]], %[[H:.*]], %[[T:.*]], %[[N:.*]]] : !llvm.ptr<7>, !llvm.ptr
// IR: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %arg15, %{{.*}}, box[%c0_i32{{.*}}, %[[W]], %[[H]], %[[T]], %[[N]]] : !llvm.ptr<7>, !llvm.ptr
// A consumer's kv block: what of its box lies inside the grid (T, Hh, W
// minus the box origin); scores are masked when the box reaches past it...
// IR: %[[LT:.*]] = arith.subi %arg17, %{{.*}} : i32
// IR-NEXT: %[[LH:.*]] = arith.subi %arg18, %{{.*}} : i32
// IR-NEXT: %[[LW:.*]] = arith.subi %arg19, %{{.*}} : i32
// IR: arith.ori %{{.*}}, %{{.*}} : i1
// IR-NEXT: %[[EDGE:.*]] = arith.ori %{{.*}}, %{{.*}} : i1
// IR-NEXT: %[[MASKED:.*]] = arith.ori %{{.*}}, %[[EDGE]] : i1
// ... key col is valid when t = col / 16, h = (col / 4) % 4, w = col % 4
// are inside.
// IR: scf.if %[[MASKED]] -> (f32
// IR: %[[COL:.*]] = arith.addi %c0_i32{{.*}}, %{{.*}} : i32
// IR-NEXT: %[[SIZED:.*]] = arith.cmpi slt, %[[COL]], %{{.*}} : i32
// IR-NEXT: %c16_i32{{.*}} = arith.constant 16 : i32
// IR-NEXT: %[[TS:.*]] = arith.divui %[[COL]], %c16_i32{{.*}} : i32
// IR: %[[HQ:.*]] = arith.divui %[[COL]], %c4_i32{{.*}} : i32
// IR-NEXT: %[[HS:.*]] = arith.remui %[[HQ]], %c4_i32{{.*}} : i32
// IR: %[[WS:.*]] = arith.remui %[[COL]], %c4_i32{{.*}} : i32
// IR-NEXT: %[[WOK:.*]] = arith.cmpi slt, %[[WS]], %[[LW]] : i32
// IR-NEXT: %[[HOK:.*]] = arith.cmpi slt, %[[HS]], %[[LH]] : i32
// IR-NEXT: %[[TOK:.*]] = arith.cmpi slt, %[[TS]], %[[LT]] : i32
// IR-NEXT: %[[TH:.*]] = arith.andi %[[TOK]], %[[HOK]] : i1
// IR-NEXT: %[[IN:.*]] = arith.andi %[[TH]], %[[WOK]] : i1
// IR-NEXT: %[[VALID:.*]] = arith.andi %[[SIZED]], %[[IN]] : i1
// IR: arith.select %[[VALID]], %{{.*}}, %cst{{.*}} : f32
// The output: staged in shared memory (fenced for the async proxy), stored
// by one thread with the box of its Q tile, waited for until read.
// IR: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// IR-NEXT: llvm.inline_asm has_side_effects asm_dialect = att "bar.sync $0, 128;"
// IR: nvvm.cp.async.bulk.tensor.global.shared.cta %arg16, %{{.*}}, box[%c0_i32{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr, <3>
// IR: nvvm.cp.async.bulk.tensor.global.shared.cta %arg16, %{{.*}}, box[%c64_i32{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr, <3>
// IR-NEXT: nvvm.cp.async.bulk.commit.group
// IR-NEXT: nvvm.cp.async.bulk.wait_group 0 {read}

// The same kernel in PTX, and ptxas: no spills or stack, no wgmma
// serialized or fenced by the assembler (C7513, C7519), setmaxnreg kept
// (C7508).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{block-q=64 block-kv=64 block-sizes=false raster-tile=4,4,4}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.vsa.ptx
// No 3-D box and no global store (the plain form's st.global per pair):
// RUN: FileCheck %s --check-prefix=VSA --implicit-check-not=cp.async.bulk.tensor.3d --implicit-check-not=st.global < %t.vsa.ptx
// VSA: .visible .entry attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3(
// VSA: .param .align 64 .b8 attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3_param_16[128],
// VSA: .param .u32 attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3_param_19
// VSA-DAG: .maxntid 256, 1, 1
// VSA-DAG: cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// VSA-DAG: cp.async.bulk.tensor.5d.global.shared::cta.tile.bulk_group
// VSA-DAG: cp.async.bulk.commit_group;
// VSA-DAG: cp.async.bulk.wait_group.read {{[[:space:]]*}}0;
// VSA-DAG: fence.proxy.async.shared::cta;
// VSA-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// VSA-DAG: setmaxnreg.inc.sync.aligned.u32{{[[:space:]]+}}232;
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.vsa.ptx -o %t.vsa.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7508 %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// For STA, 6x8x8 tiles (384 tokens) as 3 query blocks of 128 rows (two
// consumers, one 8x8 t-slice each) and 3 kv blocks of 2x8x8: kv block j of
// the list is sub-block j % 3 of tile j / 3, so its box starts 2 * (j % 3)
// t-slices into the tile.
// RUN: attn-opt %s --attn-emit-hopper-kernel="block-q=128 block-kv=128 block-sizes=false raster-tile=6,8,8" | FileCheck %s --check-prefix=STAIR
// STAIR-LABEL: llvm.func @attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_s3(
// STAIR: nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c65536_i32
// STAIR: %[[SUB:.*]] = arith.remui %{{.*}}, %c3_i32{{.*}} : i32
// STAIR-NEXT: %[[OFF:.*]] = arith.muli %[[SUB]], %c2_i32{{.*}} : i32
// STAIR-NEXT: %[[T:.*]] = arith.addi %{{.*}}, %[[OFF]] : i32
// STAIR: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %arg14, %{{.*}}, box[%c0_i32{{.*}}, %{{.*}}, %{{.*}}, %[[T]], %{{.*}}]
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{block-q=128 block-kv=128 block-sizes=false raster-tile=6,8,8}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.sta.ptx
// RUN: FileCheck %s --check-prefix=STA < %t.sta.ptx
// STA: .visible .entry attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_s3(
// STA-DAG: .maxntid 384, 1, 1
// STA-DAG: cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// STA-DAG: cp.async.bulk.tensor.5d.global.shared::cta.tile.bulk_group
// STA-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// STA-DAG: setmaxnreg.inc.sync.aligned.u32{{[[:space:]]+}}240;
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.sta.ptx -o %t.sta.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7508 %}

// The scheduling options compose with it (STA with overlap and ping-pong,
// dense VSA): same ptxas verdict.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{block-q=128 block-kv=128 block-sizes=false raster-tile=6,8,8 overlap=true ping-pong=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.ov.ptx
// RUN: FileCheck %s --check-prefix=OV < %t.ov.ptx
// OV: .visible .entry attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_s3_ov_pp(
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ov.ptx -o %t.ov.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7508 %}
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{dtype=f16 head-dim=64 block-q=64 block-kv=64 indexed=false block-sizes=false raster-tile=4,4,4}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.dense.ptx
// RUN: FileCheck %s --check-prefix=DENSE < %t.dense.ptx
// DENSE: .visible .entry attn_wgmma_f16_d64_q64_kv64_dense_rt4x4x4_s4(
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.dense.ptx -o %t.dense.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7508 %}

// VSA's gated combine in the epilogue (_cg): the gate's 5-D box is loaded
// into the Q tile on the q mbarrier's second phase, then the staged O is
// O + coarse * gate; the gate's map and the coarse pointer follow the grid.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{block-q=64 block-kv=64 block-sizes=false raster-tile=4,4,4 gated-combine=true overlap=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.cg.ptx
// RUN: FileCheck %s --check-prefix=CG < %t.cg.ptx
// CG: .visible .entry attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_cg_s3_ov(
// CG: .param .align 64 .b8 attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_cg_s3_ov_param_20[128],
// CG-NEXT: .param .u64 {{.*}}_param_21
// CG: mbarrier.try_wait.parity{{.*}}
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.cg.ptx -o %t.cg.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7508 %}
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-sizes=false raster-tile=6,8,8 gated-combine=true" 2>&1 | FileCheck %s --check-prefix=BADCG
// BADCG: wgmma kernel: the gated combine needs the raster-tile form with block_q 64 and no text

// What the form does not take is rejected with a message.
// RUN: not attn-opt %s --attn-emit-hopper-kernel="raster-tile=6,8,8" 2>&1 | FileCheck %s --check-prefix=BADVBS
// BADVBS: wgmma kernel: the raster-tile form masks keys by their grid coordinates and takes no kv_block_sizes or key_mask
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-sizes=false key-mask=true raster-tile=6,8,8" 2>&1 | FileCheck %s --check-prefix=BADVBS
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-sizes=false raster-tile=4,4,4" 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADTILE: wgmma kernel: raster tile 4x4x4 must have sizes in [1, 256], h * w dividing 64 and a size that block_q (128) and block_kv (128) divide
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-q=64 block-kv=64 block-sizes=false raster-tile=1,8,16" 2>&1 | FileCheck %s --check-prefix=BADHW
// BADHW: wgmma kernel: raster tile 1x8x16 must have sizes
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-sizes=false raster-tile=6,8" 2>&1 | FileCheck %s --check-prefix=BADLIST
// BADLIST: attn-emit-hopper-kernel: raster-tile takes three sizes T,H,W and derives sub-blocks and q-sub-blocks from them
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-sizes=false raster-tile=6,8,8 sub-blocks=3" 2>&1 | FileCheck %s --check-prefix=BADLIST
module {}
