//===- SimtAttentionGradKernel.h - attention backward on CUDA cores -*- C++ -*-===//
//
// The GPU backward of attn.sdpa_grad / attn.block_sparse_grad: two SIMT
// kernels (one warp per row, like SimtAttentionKernel.h), deterministic (no
// atomics: every gradient element is summed by one warp in a fixed order).
//
//  - The dQ pass, one warp per query row: the forward again (online softmax
//    over the row's kv blocks) gives m, l and O; delta = dO . O and lse2 =
//    m + log2 l (log2 units; +inf for a row without a valid key, so its p
//    is 0) are written for the second pass; then over the same keys
//    p = exp2(s - lse2), dp = dO . v, ds = p (dp - delta), dq += ds k, and
//    dq = scale * dq.
//  - The dK/dV pass, one warp per key row of a kv head: for each query head
//    of its group and each query block whose list holds the key's block
//    (the transposed pattern, found by scanning the block's table row with
//    the warp; all blocks when dense), for each row of that query block:
//    dv += p dO, dk += ds q; dk = scale * dk. Invalid keys (past the block
//    size, masked) get zero gradients.
//
// Both take the same parameters (GradKernelParams.h); grids (ceil(Sq / 4), Hq,
// B) and (ceil(Skv / 4), Hkv, B), 128 threads.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_SIMTATTENTIONGRADKERNEL_H
#define ATTN_KERNELS_SIMTATTENTIONGRADKERNEL_H

#include "attn/Kernels/GradKernelParams.h"
#include "attn/Kernels/SimtAttentionKernel.h"

namespace mlir {
namespace attn {

struct SimtGradKernelConfig : SimtKernelConfig {
  GradPass pass = GradPass::DQ;
};

LogicalResult verifySimtGradKernelConfig(
    const SimtGradKernelConfig &cfg,
    function_ref<InFlightDiagnostic()> emitError);

/// attn_simt_bwd_{dq,dkdv}_<elt>_d<D>_q<BQ>_kv<BKV>_{idx,dense}[_vbs][_km].
std::string simtGradKernelName(const SimtGradKernelConfig &cfg);

/// A launch over `shape` (batch, query heads, query rows) with `kvHeads`
/// and `keys` for the dK/dV pass's grid.
KernelContract simtGradKernelContract(const SimtGradKernelConfig &cfg,
                                      AttentionShape shape = {},
                                      int64_t kvHeads = 1, int64_t keys = 1);

LLVM::LLVMFuncOp emitSimtGradKernel(OpBuilder &b, Location loc,
                                    gpu::GPUModuleOp module,
                                    const SimtGradKernelConfig &cfg,
                                    StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_SIMTATTENTIONGRADKERNEL_H
