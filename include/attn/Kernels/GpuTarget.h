//===- GpuTarget.h - the chips and the options of the GPU path --*- C++ -*-===//
//
// One list of the chips the GPU path compiles for (with each chip's default
// PTX features and its limit of dynamic shared memory per block) and one
// options struct for the GPU compile: the convert-attn-to-gpu-launches pass,
// the attn-to-nvvm pipeline, attn-compile, attn-run and the Python package
// all read and validate their options through these.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_GPUTARGET_H
#define ATTN_KERNELS_GPUTARGET_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
namespace attn {

struct GpuChip {
  llvm::StringLiteral name;
  /// The PTX features the tools use for the chip (ptxas of CUDA 12 and 13
  /// takes them).
  llvm::StringLiteral features;
  /// The most dynamic shared memory one block may use (opt-in maximum).
  int64_t maxSharedBytes;
};

/// The chips, in order: sm_80, sm_90, sm_90a. (sm_86/sm_89 are left out:
/// their 99 KiB of shared memory per block is less than the larger flash
/// kernels take.)
ArrayRef<GpuChip> gpuChips();
/// The chip called `name`, or null.
const GpuChip *lookupGpuChip(StringRef name);
/// "sm_80, sm_90, sm_90a", for messages and option descriptions.
std::string gpuChipList();

struct GpuCompileOptions {
  std::string chip = "sm_90a";
  std::string features = "+ptx80";
  /// Keys per kv block of the dense (attn.sdpa) tensor-core kernel: 64|128.
  int64_t denseBlockKv = 64;
  /// Query rows per CTA of the tensor-core kernel: 64 (4 warps) or 128 (8
  /// warps, K/V tiles shared by twice the rows). Used for dense attention and
  /// for big tiles (STA) that are a multiple of it; VSA's 64-row blocks stay
  /// 64.
  int64_t blockQ = 64;
  /// Tensor-core (mma.sync) attention where the shapes allow it; otherwise
  /// (and always when false) the SIMT attention kernel.
  bool tensorCores = true;
  /// The backward ops on the tensor-core (mma.sync) backward kernels where
  /// tensorCores is on and the shapes allow it; false: the SIMT backward
  /// (docs/Training.md, "Status").
  bool gradTensorCores = true;
  /// On sm_90a, the wgmma/TMA kernel (HopperAttentionKernel.h) where the
  /// shapes allow it; false keeps mma.sync there too.
  bool wgmma = true;
  /// Emit checked-mode launches that validate dynamic kv tables.
  bool checks = true;
  /// On sm_90a with the wgmma kernel: attn.tile / attn.untile (and STA's
  /// text concat and slices) around block-sparse attention become the
  /// raster-tile kernel's TMA boxes instead of gathers into tiled copies.
  bool foldLayout = true;
  /// The planner's layout decisions (folded, or why not) as remarks.
  bool report = false;
  /// The wgmma kernels overlap softmax_j with the previous block's P.V
  /// (HopperKernelConfig::overlap, name suffix _ov). On: faster in every
  /// layer measured on an H100 (dense 4%, STA layer 2%, VSA layer 1.4%;
  /// bench/RESULTS.md).
  bool overlap = true;
  /// The wgmma kernels read Q into registers once and run S = Q.K^T in the
  /// register-A form (HopperKernelConfig::qInRegs, name suffix _qr), where
  /// overlap is on and the kernel has no gated combine and no text segment
  /// (measured on an H100, 2026-12-07: dense +1%, the VSA fine kernel +3.4%,
  /// the Wan layer's combine kernel -0.6%; the STA text kernel +1.2% but with
  /// 4 bytes of spills, which the examples' ptxas check refuses;
  /// bench/RESULTS.md).
  bool qInRegs = true;
  /// The wgmma kernels' softmax: raw row maxima and one fma per exponent
  /// (HopperKernelConfig::fmaSoftmax, name suffix _fm). On: faster in every
  /// kernel measured (dense +3.6%, STA layer +4.8%, Wan layer +1.5%).
  bool fmaSoftmax = true;
  /// The raster-tile fold also takes raster tokens that are the first rows
  /// of a larger tensor, the text rows after them (Python's one-tensor STA
  /// q/k/v/out): TMA maps over slabs of it (`tmap:...:slab=`) and maps that
  /// start into their buffer. Off until checked on the GPU (planned and
  /// checked on the fake driver only: test/Compile/
  /// attn-compile-sta-one-tensor-fold.test); off, such a layout keeps the
  /// gathers.
  bool foldSlabs = false;
  /// STA's raster-tile kernel with text takes the text query blocks first
  /// and skips the padding-only ones (HopperKernelConfig::longFirst, name
  /// suffix _lf). Off until measured and checked on the GPU.
  bool longFirst = false;
  /// block_topk over a run-time number of kv blocks: the kernel with a
  /// shared-memory fallback above 1024 blocks (attn_block_topk_r32_s, its
  /// shared memory sized per run) instead of the register kernel limited to
  /// 1024 (asserted). Off until it has run on the GPU.
  bool topkSharedFallback = false;

  /// The defaults for `chip` with the chip's PTX features, or std::nullopt
  /// for a chip not in gpuChips().
  static std::optional<GpuCompileOptions> forChip(StringRef chip);
  /// The chip of these options (null when not in gpuChips()).
  const GpuChip *target() const { return lookupGpuChip(chip); }
  /// Checks chip, block-q and dense-block-kv; the message names the option.
  LogicalResult verify(function_ref<InFlightDiagnostic()> emitError) const;
};

/// The GPU options of an options struct with the same field names (the
/// pass's generated options or the pass itself, the pipeline's options).
template <typename Options>
GpuCompileOptions gpuCompileOptionsOf(const Options &o) {
  GpuCompileOptions g;
  g.chip = o.chip;
  g.features = o.features;
  g.denseBlockKv = o.denseBlockKv;
  g.blockQ = o.blockQ;
  g.tensorCores = o.tensorCores;
  g.gradTensorCores = o.gradTensorCores;
  g.wgmma = o.wgmma;
  g.checks = o.checks;
  g.foldLayout = o.foldLayout;
  g.report = o.report;
  g.overlap = o.overlap;
  g.qInRegs = o.qInRegs;
  g.fmaSoftmax = o.fmaSoftmax;
  g.foldSlabs = o.foldSlabs;
  g.longFirst = o.longFirst;
  g.topkSharedFallback = o.topkSharedFallback;
  return g;
}
/// Sets the GPU fields of such a struct from `g`.
template <typename Options>
void setGpuCompileOptions(Options &o, const GpuCompileOptions &g) {
  o.chip = g.chip;
  o.features = g.features;
  o.denseBlockKv = g.denseBlockKv;
  o.blockQ = g.blockQ;
  o.tensorCores = g.tensorCores;
  o.gradTensorCores = g.gradTensorCores;
  o.wgmma = g.wgmma;
  o.checks = g.checks;
  o.foldLayout = g.foldLayout;
  o.report = g.report;
  o.overlap = g.overlap;
  o.qInRegs = g.qInRegs;
  o.fmaSoftmax = g.fmaSoftmax;
  o.foldSlabs = g.foldSlabs;
  o.longFirst = g.longFirst;
  o.topkSharedFallback = g.topkSharedFallback;
}

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_GPUTARGET_H
