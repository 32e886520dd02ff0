//===- Pipelines.h - the named attn pipelines -------------------*- C++ -*-===//
//
// Each pipeline is built by one function, so the whole sequence reads in one
// place and `attn-opt --dump-pass-pipeline` prints it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "attn/Kernels/GpuTarget.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace attn {

struct AttnOptimizeOptions : public PassPipelineOptions<AttnOptimizeOptions> {
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("Each pass emits its statistics as a remark"),
      llvm::cl::init(false)};
};

/// The tensor-level optimizations, in order: plan static sparsity, fold
/// layouts (before VSA is decomposed, while its pads are still visible),
/// decompose VSA, hoist and merge masks and tables, clean up. The result
/// still holds attn ops for either backend.
void buildAttnOptimizePipeline(OpPassManager &pm,
                               const AttnOptimizeOptions &options);

struct AttnToCPUOptions : public PassPipelineOptions<AttnToCPUOptions> {
  PassOptions::Option<bool> reuseBuffers{
      *this, "reuse-buffers",
      llvm::cl::desc("Run attn-reuse-buffers after bufferization"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("attn-reuse-buffers emits its statistics as a remark"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> lowerToLLVM{
      *this, "lower-to-llvm",
      llvm::cl::desc("Lower all the way to the LLVM dialect (off: stop after "
                     "bufferization and loops, for inspection)"),
      llvm::cl::init(true)};
};

/// attn ops -> linalg on tensors -> one-shot bufferization -> loops -> LLVM.
void buildAttnToCPUPipeline(OpPassManager &pm, const AttnToCPUOptions &options);

/// The GPU fields (chip .. checks) are GpuCompileOptions's, with its
/// defaults; gpuCompileOptionsOf / setGpuCompileOptions convert.
struct AttnToNVVMOptions : public PassPipelineOptions<AttnToNVVMOptions> {
  PassOptions::Option<std::string> entry{
      *this, "entry", llvm::cl::desc("The function to compile"),
      llvm::cl::init("main")};
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVVM target chip: sm_80, sm_90, sm_90a"),
      llvm::cl::init(GpuCompileOptions().chip)};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (sm_90a needs +ptx80 or newer)"),
      llvm::cl::init(GpuCompileOptions().features)};
  PassOptions::Option<int64_t> denseBlockKv{
      *this, "dense-block-kv",
      llvm::cl::desc("Keys per kv block of the dense tensor-core kernel "
                     "(64 or 128; the K/V pipeline has 2 cp.async stages)"),
      llvm::cl::init(GpuCompileOptions().denseBlockKv)};
  PassOptions::Option<int64_t> blockQ{
      *this, "block-q",
      llvm::cl::desc("Query rows per CTA of the tensor-core kernel: 64 (4 "
                     "warps) or 128 (8 warps), for dense attention and big "
                     "tiles"),
      llvm::cl::init(GpuCompileOptions().blockQ)};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("mma.sync attention where shapes allow (false: the SIMT "
                     "kernel everywhere)"),
      llvm::cl::init(GpuCompileOptions().tensorCores)};
  PassOptions::Option<bool> gradTensorCores{
      *this, "grad-tensor-cores",
      llvm::cl::desc("The backward ops on the mma.sync backward kernels "
                     "where shapes allow (false: the SIMT backward "
                     "everywhere; docs/Training.md)"),
      llvm::cl::init(GpuCompileOptions().gradTensorCores)};
  PassOptions::Option<bool> wgmma{
      *this, "wgmma",
      llvm::cl::desc("On sm_90a, the wgmma/TMA attention kernel where shapes "
                     "allow (false: mma.sync)"),
      llvm::cl::init(GpuCompileOptions().wgmma)};
  PassOptions::Option<bool> checks{
      *this, "checks",
      llvm::cl::desc("Emit checked-mode launches for dynamic kv tables"),
      llvm::cl::init(GpuCompileOptions().checks)};
  PassOptions::Option<bool> foldLayout{
      *this, "fold-layout",
      llvm::cl::desc("On sm_90a with the wgmma kernel, fold attn.tile / "
                     "attn.untile around block-sparse attention into the "
                     "raster-tile kernel's TMA boxes (false: gathers)"),
      llvm::cl::init(GpuCompileOptions().foldLayout)};
  PassOptions::Option<bool> report{
      *this, "report",
      llvm::cl::desc("The launch planner's layout decisions as remarks"),
      llvm::cl::init(GpuCompileOptions().report)};
  PassOptions::Option<bool> overlap{
      *this, "overlap",
      llvm::cl::desc("The wgmma kernels overlap each block's softmax with the "
                     "previous block's P.V (kernel suffix _ov)"),
      llvm::cl::init(GpuCompileOptions().overlap)};
  PassOptions::Option<bool> qInRegs{
      *this, "q-regs",
      llvm::cl::desc("The wgmma kernels keep Q in registers: S = Q.K^T in "
                     "the register-A form (kernel suffix _qr)"),
      llvm::cl::init(GpuCompileOptions().qInRegs)};
  PassOptions::Option<bool> fmaSoftmax{
      *this, "fma-softmax",
      llvm::cl::desc("The wgmma kernels' softmax: raw row maxima, one fma per "
                     "exponent (kernel suffix _fm)"),
      llvm::cl::init(GpuCompileOptions().fmaSoftmax)};
  PassOptions::Option<bool> topkSharedFallback{
      *this, "topk-shared-fallback",
      llvm::cl::desc("block_topk over a run-time number of kv blocks: "
                     "registers up to 1024, shared memory sized per run above "
                     "(attn_block_topk_r32_s)"),
      llvm::cl::init(GpuCompileOptions().topkSharedFallback)};
  PassOptions::Option<bool> longFirst{
      *this, "long-first",
      llvm::cl::desc("STA's raster-tile kernel with text: text query blocks "
                     "first, padding-only blocks skipped (kernel suffix _lf)"),
      llvm::cl::init(GpuCompileOptions().longFirst)};
  PassOptions::Option<bool> foldSlabs{
      *this, "fold-slabs",
      llvm::cl::desc("Fold raster tokens that are the first rows of a larger "
                     "tensor (Python's one-tensor STA layout) into the "
                     "raster-tile kernel's maps (slab strides)"),
      llvm::cl::init(GpuCompileOptions().foldSlabs)};
  PassOptions::Option<bool> optimize{
      *this, "optimize", llvm::cl::desc("Run attn-optimize first"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> serialize{
      *this, "serialize",
      llvm::cl::desc("Serialize the kernels to PTX (gpu.binary); off: stop "
                     "at the NVVM/LLVM dialect, for inspection"),
      llvm::cl::init(true)};
};

/// attn ops (tensors) -> [attn-optimize] -> host launch plan + gpu.module of
/// kernels (convert-attn-to-gpu-launches) -> kernels lowered to the
/// LLVM/NVVM dialects -> PTX in a gpu.binary. attn-compile writes the result
/// as an artifact and assembles cubins with ptxas.
void buildAttnToNVVMPipeline(OpPassManager &pm,
                             const AttnToNVVMOptions &options);

/// Registers `attn-optimize`, `attn-to-cpu` (and later pipelines).
void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
