// An out-of-tree embedder, built against the installed AttnMLIR package:
// registers the attn dialect, parses a module, runs attn-optimize and prints
// the result; with a second argument, also compiles the module to a GPU
// artifact there (PTX only). Bad input: the diagnostic and exit code 1.
#include "attn/Compile/ArtifactCompiler.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAttn.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    llvm::errs() << "usage: consumer FILE.mlir [ARTIFACT_DIR]\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  mlir::attn::registerAttnDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadDialect<mlir::attn::AttnDialect>();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  auto module = mlir::attn::parseModuleFile(argv[1], context, sourceMgr, error);
  if (!module) {
    llvm::errs() << "consumer: " << error << "\n";
    return 1;
  }
  mlir::PassManager pm(&context);
  mlir::attn::buildAttnOptimizePipeline(pm, mlir::attn::AttnOptimizeOptions());
  if (mlir::failed(pm.run(*module))) {
    llvm::errs() << "consumer: attn-optimize failed\n";
    return 1;
  }
  module->print(llvm::outs());
  llvm::outs() << "\n";
  if (argc > 2) {
    auto options = mlir::attn::ArtifactOptions::forChip("sm_80");
    options->ptxas = "";
    if (llvm::Error e = mlir::attn::compileArtifact(*module, "main", argv[2], *options)) {
      llvm::errs() << "consumer: " << llvm::toString(std::move(e)) << "\n";
      return 1;
    }
    llvm::outs() << "consumer: artifact written\n";
  }
  return 0;
}
