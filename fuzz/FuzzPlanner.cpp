//===- FuzzPlanner.cpp - attn-fuzz-planner: attn-to-nvvm, serialize off ----===//
//
// Each "// -----" chunk of the input is parsed and, when it holds a function
// (`main`, else the first one), compiled with the attn-to-nvvm pipeline up to
// the NVVM/LLVM dialects (serialize=false: no PTX): attn-optimize, the GPU
// planner (kernel choice, row views, buffer packing, the host plan) and the
// kernel lowering, for sm_90a and for sm_80 with the SIMT kernels. The
// result must verify and round-trip through the printer.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"
#include "FuzzTarget.h"

#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

using namespace attn::fuzz;

namespace {

bool compile(const std::string &text, const std::string &entry, bool sm80) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(text);
  if (!module)
    return false;
  mlir::attn::AttnToNVVMOptions options;
  options.entry = entry;
  options.serialize = false;
  if (sm80) {
    options.chip = "sm_80";
    options.features = "+ptx70";
    options.tensorCores = false;
  }
  mlir::PassManager pm(&context());
  mlir::attn::buildAttnToNVVMPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return false;
  if (mlir::failed(mlir::verify(*module))) {
    std::fprintf(stderr, "attn-fuzz: attn-to-nvvm succeeded but left IR that does not verify\n");
    std::abort();
  }
  roundTrip(*module, "after attn-to-nvvm");
  return true;
}

Outcome runPlanner(const uint8_t *data, size_t size) {
  mlir::MLIRContext &ctx = context();
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  bool any = false;
  for (const std::string &chunk : chunks(std::string(reinterpret_cast<const char *>(data), size))) {
    std::string entry;
    {
      mlir::OwningOpRef<mlir::ModuleOp> module = parse(chunk);
      if (!module)
        continue;
      for (auto f : module->getOps<mlir::func::FuncOp>())
        if (entry.empty() || f.getName() == "main")
          entry = f.getName().str();
      if (entry.empty())
        continue;
    }
    any |= compile(chunk, entry, false);
    any |= compile(chunk, entry, true);
  }
  return any ? Outcome::Accepted : Outcome::Rejected;
}

} // namespace

const Target &attn::fuzz::target() {
  static const Target t{
      "attn-fuzz-planner",
      runPlanner,
      {"attn.sdpa ", "attn.block_sparse ", "attn.vsa ", "attn.sliding_tile ", "attn.tile ",
       "attn.untile ", "attn.block_topk ", "attn.block_mean ", "attn.mask_from_lengths ",
       " block_q ", " block_kv ", " scale ", " topk ", " block ", "array<i64: ", "tensor<",
       "xf32>", "xbf16>", "xf16>", "xi32>", "xi1>", "x", "64", "128", "48", "96", "1",
       "scf.for ", "%arg0", "%0", "func.func @main(", "return "},
      false};
  return t;
}
