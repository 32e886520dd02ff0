//===- FlashAttentionGradKernel.h - attention backward on mma.sync -*- C++ -*-===//
//
// The tensor-core backward of attn.sdpa_grad / attn.block_sparse_grad: two
// mma.sync kernels with the parameters of GradKernelParams.h (the SIMT
// kernels' too), deterministic (no atomics: every gradient element is summed
// by one thread in a fixed order).
//
//  - The dQ pass, one CTA per 64 query rows of a head (4 warps of 16 rows,
//    like the forward kernel, FlashAttentionKernel.h): the forward over the
//    block's kv list (the forward kernel's own steps: K/V staged by cp.async
//    in two stages, S = Q K^T, online softmax, O += P V) gives m, l and O;
//    then lse2 = m + log2 l (+inf for a row without a valid key) and
//    delta = dO . O / l are written for the second pass, and the list is
//    walked again: P = exp2(S - lse2), dP = dO V^T, dS = P (dP - delta),
//    dQ += dS K; dQ = scale * dQ.
//  - The dK/dV pass, one CTA per 64 keys of a kv head (4 warps of 16 keys):
//    K and V are staged once; the query blocks whose table row lists the
//    key block (all, when dense; for every query head of the kv head's
//    group) are collected 128 candidates at a time, in table order, by a
//    ballot scan; for each, Q, dO and the rows' lse2/delta are staged (two
//    stages) and S^T = K Q^T, P^T = exp2(S^T - lse2), dV += P^T dO,
//    dP^T = V dO^T, dS^T = P^T (dP^T - delta), dK += dS^T Q; dK = scale * dK.
//    Keys past the block's valid size, past Skv or masked get 0.
//
// The kernels' tiles are 64 x 64; tables describing larger tiles (STA's
// 384-token tiles) are read as the forward reads them: `subBlocks` kv
// blocks per listed tile, `qSubBlocks` query blocks per table row.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_FLASHATTENTIONGRADKERNEL_H
#define ATTN_KERNELS_FLASHATTENTIONGRADKERNEL_H

#include "attn/Kernels/FlashAttentionKernel.h"
#include "attn/Kernels/GradKernelParams.h"

namespace mlir {
namespace attn {

struct FlashGradKernelConfig : FlashKernelConfig {
  GradPass pass = GradPass::DQ;
};

/// head_dim 64 or 128, block_q = block_kv = 64, sub-blocks as the forward
/// kernel takes them, no lse output.
LogicalResult verifyFlashGradKernelConfig(
    const FlashGradKernelConfig &cfg,
    function_ref<InFlightDiagnostic()> emitError);

/// attn_flash_bwd_{dq,dkdv}_<elt>_d<D>_q64_kv64_{idx,dense}[_vbs][_km][_t<R>][_r<RQ>].
std::string flashGradKernelName(const FlashGradKernelConfig &cfg);

/// Dynamic shared memory of a launch (above 48 KiB at D 128: the launcher
/// raises the function's limit).
int64_t flashGradKernelSharedBytes(const FlashGradKernelConfig &cfg);

/// Grids (ceil(Sq / 64), Hq, B) for the dQ pass and (ceil(Skv / 64),
/// kvHeads, B) for the dK/dV pass; 128 threads.
KernelContract flashGradKernelContract(const FlashGradKernelConfig &cfg,
                                       AttentionShape shape = {},
                                       int64_t kvHeads = 1, int64_t keys = 1);

LLVM::LLVMFuncOp emitFlashGradKernel(OpBuilder &b, Location loc,
                                     gpu::GPUModuleOp module,
                                     const FlashGradKernelConfig &cfg,
                                     StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_FLASHATTENTIONGRADKERNEL_H
