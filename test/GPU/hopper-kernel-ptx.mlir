// The Hopper flash-attention kernel emitter: a producer warpgroup loads Q,
// K and V with TMA (cp.async.bulk.tensor) into an mbarrier-guarded ring of
// shared-memory stages, consumer warpgroups compute S = Q.K^T with wgmma
// (both operands in shared memory) and O += P.V with wgmma (P in registers),
// registers are moved from producer to consumers with setmaxnreg, and ptxas
// assembles it for sm_90a with no spills or stack.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.ptx
// RUN: FileCheck %s < %t.ptx
// CHECK: .visible .entry attn_wgmma_bf16_d128_q128_kv128_idx_vbs_s3(
// CHECK: .param .align 64 .b8 attn_wgmma_bf16_d128_q128_kv128_idx_vbs_s3_param_13[128]
// CHECK-DAG: .maxntid 384, 1, 1
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// CHECK-DAG: wgmma.fence.sync.aligned
// CHECK-DAG: wgmma.commit_group.sync.aligned
// CHECK-DAG: wgmma.wait_group.sync.aligned{{[[:space:]]+}}0;
// CHECK-DAG: cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK-DAG: mbarrier.arrive.expect_tx
// CHECK-DAG: mbarrier.try_wait.parity
// CHECK-DAG: setmaxnreg.dec.sync.aligned.u32{{[[:space:]]+}}24;
// CHECK-DAG: setmaxnreg.inc.sync.aligned.u32{{[[:space:]]+}}240;
// CHECK-DAG: fence.proxy.async
// The first S step ignores the accumulator, scale-d as a literal (no
// register defined between the wgmmas of a group).
// CHECK-DAG: setp.ne.b32 p, 0, 0;
// ptxas: no spills, and no wgmma serialized or fenced by the assembler
// (C7519: an arrive injected because an operand register was written after
// wgmma.fence; C7513: a wgmma's input register defined while it runs).
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// The softmax's exponentials are ex2.approx.ftz (one MUFU.EX2; without ftz
// each costs a compare and two predicated multiplies more) and P is packed
// two values per cvt.
// RUN: FileCheck %s --check-prefix=FAST --implicit-check-not="ex2.approx.f32" --implicit-check-not="cvt.rn.bf16.f32" < %t.ptx
// FAST: ex2.approx.ftz.f32
// FAST: cvt.rn.bf16x2.f32
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// The intra-warpgroup overlap (S_j and P_{j-1}.V_{j-1} issued together,
// wait_group 1 lets softmax_j run under the P.V wgmmas) with the ping-pong
// of the two consumers (bar.sync on the own turn barrier, bar.arrive on the
// other's): same ptxas verdict.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 indexed=false block-sizes=false overlap=true ping-pong=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.ov.ptx
// RUN: FileCheck %s --check-prefix=OV < %t.ov.ptx
// OV: .visible .entry attn_wgmma_bf16_d128_q128_kv128_dense_s3_ov_pp(
// OV-DAG: wgmma.wait_group.sync.aligned{{[[:space:]]+}}1;
// OV-DAG: bar.arrive {{%r[0-9]+}}, 256;
// OV-DAG: bar.sync {{%r[0-9]+}}, 256;
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ov.ptx -o %t.ov.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// The wait for P_{j-1}.V_{j-1} comes after the softmax of S_j, held there
// by a NaN-guarded fence on the row sums (ptxas otherwise hoists it up to
// wait_group 1), and in the SASS the exponentials of S_j (64 per thread
// for a 64 x 128 tile) lie between the two waits.
// RUN: FileCheck %s --check-prefix=OVWAIT < %t.ov.ptx
// OVWAIT: setp.nan.f32 p, {{%r[0-9]+}}, {{%r[0-9]+}};
// OVWAIT-NEXT: @p membar.cta;
// OVWAIT-NEXT: }
// OVWAIT-NEXT: // end inline asm
// OVWAIT-NEXT: wgmma.wait_group.sync.aligned{{[[:space:]]+}}0;
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.ov.cubin | %python %S/Inputs/check_overlap_sass.py 64 | FileCheck %s --check-prefix=OVSASS %}
// OVSASS: MUFU.EX2 between wait_group 1 and wait_group 0: {{6[4-9]|[7-9][0-9]}}
// Ping-pong without overlap: the P.V turn's bar.sync comes after the
// softmax (ptxas hoisted it above the exponentials before).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 indexed=false block-sizes=false ping-pong=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.pp.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.pp.ptx -o %t.pp.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.pp.cubin | %python %S/Inputs/check_overlap_sass.py 64 --turn | FileCheck %s --check-prefix=PPSASS %}
// PPSASS: MUFU.EX2 before the P.V turn's bar.sync: {{6[4-9]|[7-9][0-9]}}
// The same on the VSA fine-stage shape (64 x 64 tiles: 32 per thread).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 block-q=64 block-kv=64 overlap=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.ov64.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.ov64.ptx -o %t.ov64.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.ov64.cubin | %python %S/Inputs/check_overlap_sass.py 32 | FileCheck %s --check-prefix=OVSASS64 %}
// OVSASS64: MUFU.EX2 between wait_group 1 and wait_group 0: {{3[2-9]}}

// Q in registers (q-regs, _qr): Q's fragments are read from the swizzled
// tile once (32-bit shared loads) and every S wgmma takes A from four
// registers (the register-A form, like P.V), none from a descriptor; the
// overlap's SASS verdict and ptxas's are unchanged.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 block-q=64 block-kv=64 overlap=true q-regs=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.qr.ptx
// RUN: FileCheck %s --check-prefix=QR --implicit-check-not="m64n64k16.f32.bf16.bf16 {{[{][^}]*[}]}}, %rd" < %t.qr.ptx
// QR: .visible .entry attn_wgmma_bf16_d128_q64_kv64_idx_vbs_s3_ov_qr(
// QR: ld.shared.b32
// QR: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{[{][^}]*[}]}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.qr.ptx -o %t.qr.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.qr.cubin | %python %S/Inputs/check_overlap_sass.py 32 | FileCheck %s --check-prefix=OVSASS64 %}
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.qr.cubin | FileCheck %s --check-prefix=QRSASS --implicit-check-not="HGMMA.64x64x16.F32.BF16 R{{[0-9]+}}, gdesc" %}
// QRSASS: HGMMA.64x64x16.F32.BF16 R{{[0-9]+}}, R{{[0-9]+}}, gdesc

// One consumer warpgroup (64-row CTAs, two per SM), f16, head dim 64,
// 64-key blocks, dense, with a key mask.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=64 dtype=f16 block-q=64 block-kv=64 indexed=false block-sizes=false key-mask=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.64.ptx
// RUN: FileCheck %s --check-prefix=Q64 < %t.64.ptx
// Q64: .visible .entry attn_wgmma_f16_d64_q64_kv64_dense_km_s4(
// Q64-DAG: .maxntid 256, 1, 1
// Q64-DAG: .minnctapersm 2
// Q64-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// Q64-DAG: setmaxnreg.inc.sync.aligned.u32{{[[:space:]]+}}232;
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.64.ptx -o %t.64.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}

// The fma softmax (fma-softmax, _fm): the row maxima are taken on the raw
// scores and every exponent's argument is one fma (s * c - m, c = scale *
// log2 e) feeding ex2; the 128 multiplies by c of a 64 x 128 tile's two
// steps (prologue and loop) are gone: 134 f32 multiplies remain (the O
// rescale and the rows' maxima) where the overlapped kernel above has 258.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 indexed=false block-sizes=false overlap=true fma-softmax=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.fm.ptx
// RUN: FileCheck %s --check-prefix=FM < %t.fm.ptx
// FM: .visible .entry attn_wgmma_bf16_d128_q128_kv128_dense_s3_ov_fm(
// FM: fma.rn.f32 [[X:%r[0-9]+]], %r{{[0-9]+}}, 0f3E0293EE, %r{{[0-9]+}};
// FM-NEXT: // begin inline asm
// FM-NEXT: ex2.approx.ftz.f32 %r{{[0-9]+}}, [[X]];
// RUN: grep -c "mul.rn.f32" %t.fm.ptx | FileCheck %s --check-prefix=FMCOUNT
// RUN: grep -c "mul.rn.f32" %t.ov.ptx | FileCheck %s --check-prefix=OVCOUNT
// FMCOUNT: 134
// OVCOUNT: 258
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.fm.ptx -o %t.fm.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 %}
// RUN: %if ptxas && cuobjdump %{ cuobjdump -sass %t.fm.cubin | %python %S/Inputs/check_overlap_sass.py 64 | FileCheck %s --check-prefix=OVSASS %}

// Wider dense kv blocks (FA3 uses 176 keys for D 128): wgmma n176 for S and
// 11 k-steps of P.V; a key mask's rows past the 128 threads are handled by
// a second pass (the kernel is checked on ragged lengths on the GPU).
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=64 dtype=f16 block-kv=176 indexed=false block-sizes=false key-mask=true overlap=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.176.ptx
// RUN: FileCheck %s --check-prefix=KV176 < %t.176.ptx
// KV176: .visible .entry attn_wgmma_f16_d64_q128_kv176_dense_km_s4_ov(
// KV176-DAG: wgmma.mma_async.sync.aligned.m64n176k16.f32.f16.f16
// KV176-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.176.ptx -o %t.176.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS --implicit-check-not=C7519 --implicit-check-not=C7513 --implicit-check-not=C7512 %}
// Indexed lists keep 64 or 128 (the tables' block size).
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-kv=176" 2>&1 | FileCheck %s --check-prefix=BADKV176
// BADKV176: wgmma kernel: head_dim, block_q and block_kv must each be 64 or 128 (block_kv of a dense list: also a multiple of 16 up to 256), got 128, 128, 176

// Bad configurations are rejected with a message.
// RUN: not attn-opt %s --attn-emit-hopper-kernel="block-kv=32" 2>&1 | FileCheck %s --check-prefix=BADKV
// BADKV: wgmma kernel: head_dim, block_q and block_kv must each be 64 or 128 (block_kv of a dense list: also a multiple of 16 up to 256), got 128, 128, 32
// RUN: not attn-opt %s --attn-emit-hopper-kernel="stages=7" 2>&1 | FileCheck %s --check-prefix=BADST
// BADST: wgmma kernel: stages must be in [2, 4], got 7
// RUN: not attn-opt %s --attn-emit-hopper-kernel="dtype=f32" 2>&1 | FileCheck %s --check-prefix=BADTY
// BADTY: attn-emit-hopper-kernel: dtype must be bf16 or
module {}
