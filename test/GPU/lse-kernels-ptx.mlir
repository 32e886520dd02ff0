// The attention kernels' _lse variants write each row's log-sum-exp, (m +
// lg2 l) * ln 2 or -inf, through one more pointer after all of their other
// parameters: the mma.sync, wgmma and SIMT kernels, assembled by ptxas with
// no spills. The raster-tile form does not take it.
// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-flash-kernel{head-dim=128 dtype=bf16 lse=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.flash.ptx
// RUN: FileCheck %s --check-prefix=FLASH < %t.flash.ptx
// FLASH: .visible .entry attn_flash_bf16_d128_q64_kv64_idx_vbs_lse(
// FLASH: .param .u32 attn_flash_bf16_d128_q64_kv64_idx_vbs_lse_param_12,
// FLASH-NEXT: .param .u64 {{.*}}attn_flash_bf16_d128_q64_kv64_idx_vbs_lse_param_13
// FLASH-NEXT: )
// FLASH: lg2.approx.f32
// FLASH: st.global.b32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.flash.ptx -o %t.flash.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-hopper-kernel{head-dim=128 dtype=bf16 lse=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm, convert-nvvm-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.wgmma.ptx
// RUN: FileCheck %s --check-prefix=WGMMA < %t.wgmma.ptx
// WGMMA: .visible .entry attn_wgmma_bf16_d128_q128_kv128_idx_vbs_lse_s{{[0-9]}}(
// WGMMA: _param_15[128],
// WGMMA-NEXT: .param .u64 {{.*}}_lse_s{{[0-9]}}_param_16
// WGMMA-NEXT: )
// WGMMA: lg2.approx.f32
// WGMMA: st.global.b32
// RUN: %if ptxas %{ ptxas -arch=sm_90a -v %t.wgmma.ptx -o %t.wgmma.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}

// RUN: attn-opt %s --pass-pipeline="builtin.module(attn-emit-simt-kernel{head-dim=80 dtype=f32 lse=true}, gpu.module(convert-scf-to-cf, convert-arith-to-llvm), convert-cf-to-llvm, reconcile-unrealized-casts, gpu-module-to-binary{format=isa})" \
// RUN:   | %python %S/Inputs/extract_ptx.py > %t.simt.ptx
// RUN: FileCheck %s --check-prefix=SIMT < %t.simt.ptx
// SIMT: .visible .entry attn_simt_f32_d80_q64_kv64_idx_vbs_lse(
// SIMT: _param_12,
// SIMT-NEXT: .param .u64 {{.*}}_lse_param_13
// SIMT-NEXT: )
// SIMT: lg2.approx.f32

// RUN: not attn-opt %s --attn-emit-hopper-kernel="head-dim=128 dtype=bf16 block-q=128 block-kv=128 indexed=true block-sizes=false raster-tile=6,8,8 lse=true" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: wgmma kernel: the lse output is written by the plain form only, not the raster-tile form
module {}
