//===- attn-compile.cpp - compile an attn module to a GPU artifact --------===//
//
// attn-compile FILE.mlir -o DIR [--entry NAME] [--chip sm_90a|sm_90|sm_80]
//
//===----------------------------------------------------------------------===//

#include "attn/Compile/ArtifactCompiler.h"
#include "attn/InitAttn.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required);
static cl::opt<std::string> outDir("o", cl::desc("Artifact directory"),
                                   cl::Required);
static cl::opt<std::string> entryName("entry", cl::desc("Function to compile"),
                                      cl::init("main"));
static cl::opt<std::string> chip("chip",
                                 cl::desc("GPU target: sm_80, sm_90 or sm_90a"),
                                 cl::init(attn::GpuCompileOptions().chip));
static cl::opt<int64_t> blockQ("block-q",
                               cl::desc("Query rows per CTA of the tensor-core "
                                        "kernel (64 or 128)"),
                               cl::init(64));
static cl::opt<bool> wgmma("wgmma",
                           cl::desc("On sm_90a, the wgmma/TMA attention kernel "
                                    "where shapes allow (--wgmma=false: mma.sync)"),
                           cl::init(true));
static cl::opt<bool> tensorCores(
    "tensor-cores",
    cl::desc("The tensor-core (mma.sync, wgmma) attention and backward "
             "kernels where shapes allow (--tensor-cores=false: SIMT "
             "kernels everywhere)"),
    cl::init(attn::GpuCompileOptions().tensorCores));
static cl::opt<bool> gradTensorCores(
    "grad-tensor-cores",
    cl::desc("The backward ops on the mma.sync backward kernels where shapes "
             "allow (false: the SIMT backward everywhere; docs/Training.md)"),
    cl::init(attn::GpuCompileOptions().gradTensorCores));
static cl::opt<bool> foldLayout(
    "fold-layout",
    cl::desc("On sm_90a, fold tile/untile around block-sparse attention into "
             "the raster-tile kernel's TMA boxes (--fold-layout=false: "
             "gathers into tiled copies)"),
    cl::init(true));
static cl::opt<bool> report(
    "report", cl::desc("Print the passes' and the launch planner's decisions "
                       "(layout folded or why not, plans) as remarks"),
    cl::init(false));
static cl::opt<bool> overlap(
    "overlap", cl::desc("The wgmma kernels overlap each block's softmax with "
                        "the previous block's P.V (kernel suffix _ov; "
                        "--overlap=false: serial)"),
    cl::init(attn::GpuCompileOptions().overlap));
static cl::opt<bool> qRegs(
    "q-regs", cl::desc("The wgmma kernels keep Q in registers: S = Q.K^T in "
                       "the register-A form (kernel suffix _qr)"),
    cl::init(attn::GpuCompileOptions().qInRegs));
static cl::opt<bool> fmaSoftmax(
    "fma-softmax", cl::desc("The wgmma kernels' softmax: raw row maxima, one "
                            "fma per exponent (kernel suffix _fm)"),
    cl::init(attn::GpuCompileOptions().fmaSoftmax));
static cl::opt<bool> topkSharedFallback(
    "topk-shared-fallback",
    cl::desc("block_topk over a run-time number of kv blocks: registers up to "
             "1024, shared memory sized per run above (attn_block_topk_r32_s)"),
    cl::init(attn::GpuCompileOptions().topkSharedFallback));
static cl::opt<bool> longFirst(
    "long-first", cl::desc("STA's raster-tile kernel with text: text query "
                           "blocks first, padding-only blocks skipped (kernel "
                           "suffix _lf)"),
    cl::init(attn::GpuCompileOptions().longFirst));
static cl::opt<bool> foldSlabs(
    "fold-slabs", cl::desc("Fold raster tokens that are the first rows of a "
                           "larger tensor (Python's one-tensor STA layout) "
                           "into the raster-tile kernel's maps (slab strides)"),
    cl::init(attn::GpuCompileOptions().foldSlabs));
static cl::opt<std::string> ptxas("ptxas", cl::desc("ptxas for the cubin (empty: PTX only)"),
                                  cl::init("/usr/local/cuda/bin/ptxas"));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "compile an attn module for the GPU\n");
  auto fail = [](const llvm::Twine &msg) {
    llvm::errs() << msg << "\n";
    return 1;
  };
  std::optional<attn::ArtifactOptions> options =
      attn::ArtifactOptions::forChip(chip);
  if (!options)
    return fail("attn-compile: --chip must be one of " + attn::gpuChipList() +
                "; got '" + chip + "'");
  DialectRegistry registry;
  attn::registerAttnDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string err;
  OwningOpRef<ModuleOp> module =
      attn::parseModuleFile(inputFile, context, sourceMgr, err);
  if (!module)
    return fail("attn-compile: " + err);
  options->ptxas = ptxas;
  options->blockQ = blockQ;
  options->wgmma = wgmma;
  options->tensorCores = tensorCores;
  options->gradTensorCores = gradTensorCores;
  options->foldLayout = foldLayout;
  options->report = report;
  options->overlap = overlap;
  options->qInRegs = qRegs;
  options->fmaSoftmax = fmaSoftmax;
  options->foldSlabs = foldSlabs;
  options->longFirst = longFirst;
  options->topkSharedFallback = topkSharedFallback;
  if (llvm::Error e = attn::compileArtifact(*module, entryName, outDir, *options))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
