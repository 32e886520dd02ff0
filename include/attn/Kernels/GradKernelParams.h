//===- GradKernelParams.h - the backward kernels' launch contract -*- C++ -*-===//
//
// Both families of backward kernels (SIMT: SimtAttentionGradKernel.h,
// tensor cores: FlashAttentionGradKernel.h) run attn.sdpa_grad and
// attn.block_sparse_grad as two launches, the dQ pass then the dK/dV pass,
// with the same parameters in the same positions, so the planner fills one
// parameter list for either family.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_GRADKERNELPARAMS_H
#define ATTN_KERNELS_GRADKERNELPARAMS_H

namespace mlir {
namespace attn {

/// Parameter positions of every backward kernel: pointers, then i32s.
enum GradParam {
  kGradQ = 0,
  kGradK,
  kGradV,
  kGradDout,
  kGradDq,
  kGradDk,
  kGradDv,
  kGradKvIndices,   ///< i32 [B, Hq, ceil(Sq / block_q), K] (null: dense)
  kGradKvCounts,    ///< i32 [B, Hq, ceil(Sq / block_q)]
  kGradBlockSizes,  ///< i32 [ceil(Skv / block_kv)] (null: full blocks)
  kGradKeyMask,     ///< i8 [B, Skv] (null: none)
  kGradLse2,        ///< f32 [B, Hq, Sq]: written by dQ, read by dK/dV
  kGradDelta,       ///< f32 [B, Hq, Sq]: likewise
  kGradNumPtrs,
  kGradSq = kGradNumPtrs,
  kGradSkv,
  kGradHq,
  kGradHkv,
  kGradTableK,
  kGradNumParams
};

/// The dQ pass (also writes each row's log2 lse and delta = dO . O into
/// the two scratch buffers) or the dK/dV pass (reads them).
enum class GradPass { DQ, DKDV };

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_GRADKERNELPARAMS_H
