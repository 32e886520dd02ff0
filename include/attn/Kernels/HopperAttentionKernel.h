//===- HopperAttentionKernel.h - flash attention on wgmma/TMA ---*- C++ -*-===//
//
// The sm_90a member of the block-sparse flash-attention family: the same
// semantics as FlashAttentionKernel.h (dense or indexed lists, sub-block
// tiles, kv_block_sizes, ragged lengths, key masks, GQA, empty rows -> 0),
// built from what Hopper has:
//  - TMA: Q, K and V tiles arrive by cp.async.bulk.tensor (128-byte swizzle)
//    through three tensor maps passed as __grid_constant__ parameters, into
//    a ring of `stages` K/V stages guarded by mbarriers (full: expect_tx by
//    the producer, empty: an arrival per consumer thread);
//  - wgmma: S = Q.K^T with both operands in shared memory, O += P.V with P
//    from registers (the register-A form, inline PTX), f32 accumulators;
//  - warp specialization: warpgroup 0 is the producer (one thread walks the
//    kv block list and issues the loads; setmaxnreg lowers its registers),
//    warpgroups 1..C are consumers of 64 query rows each (setmaxnreg raises
//    theirs) that share every K/V stage.
//
// Parameters: the 13 attention parameters of attnrt/abi.h, then the tensor
// maps of q, k and v (ATTNRT_ATTN_Q_MAP..V_MAP): 3-D maps over the BHSD
// tensors, dims (D, S, B * H) innermost first, boxes (64, rows, 1) with rows
// hopperTensorMapBoxRows(); 128-byte swizzle, out-of-bounds rows read as 0.
// Launch (hopperKernelContract): grid (ceil(Sq / block_q), Hq, B),
// (block_q / 64 + 1) * 128 threads, hopperKernelSharedBytes(cfg).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_HOPPERATTENTIONKERNEL_H
#define ATTN_KERNELS_HOPPERATTENTIONKERNEL_H

#include "attn/Kernels/FlashAttentionKernel.h"

namespace mlir {
namespace attn {

struct HopperKernelConfig : FlashKernelConfig {
  /// K/V stages of the TMA ring.
  int64_t stages = 2;
  /// Intra-warpgroup overlap: S_j = Q.K_j^T and O += P_{j-1}.V_{j-1} are
  /// issued together and softmax_j runs while the P.V wgmmas do (false:
  /// every wgmma group is waited for before the next step). Off by default
  /// until checked on a GPU (docs/GPU.md).
  bool overlap = false;
  /// With two consumer warpgroups, they take turns issuing their wgmmas
  /// (named barriers), so one's softmax overlaps the other's matrix work.
  /// Off by default until checked on a GPU.
  bool pingPong = false;
};

/// The flash configuration on the wgmma kernel (same tables and semantics),
/// with the ring depth that fits shared memory.
HopperKernelConfig hopperConfigFor(const FlashKernelConfig &cfg);

LogicalResult verifyHopperKernelConfig(
    const HopperKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError);

/// Whether the wgmma kernel takes `cfg` (head dim 64/128, block_q 64/128,
/// block_kv 64/128); the planner keeps mma.sync otherwise.
bool hopperKernelSupports(const FlashKernelConfig &cfg);

/// Dynamic shared memory at launch: Q tiles, the K/V ring, key-mask bytes,
/// the mbarriers and 1 KiB to align the swizzled tiles.
int64_t hopperKernelSharedBytes(const HopperKernelConfig &cfg);

/// Rows of a tensor map's box: block_q / consumers (64) for q, block_kv for
/// k and v. The box's inner size is 64 elements (128 bytes).
int64_t hopperTensorMapBoxRows(const HopperKernelConfig &cfg, bool query);

/// attentionSignature() plus the three tensor maps, grid
/// (ceil(Sq / block_q), Hq, B), (block_q / 64 + 1) * 128 threads.
KernelContract hopperKernelContract(const HopperKernelConfig &cfg,
                                    AttentionShape shape = {});

/// attn_wgmma_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km][_t<R>]
/// [_r<RQ>]_s<stages>[_ov][_pp] (the suffixes: overlap, ping-pong on).
std::string hopperKernelName(const HopperKernelConfig &cfg);

/// Appends the kernel to `module` (an sm_90a gpu.module).
LLVM::LLVMFuncOp emitHopperAttentionKernel(OpBuilder &b, Location loc,
                                           gpu::GPUModuleOp module,
                                           const HopperKernelConfig &cfg,
                                           StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_HOPPERATTENTIONKERNEL_H
