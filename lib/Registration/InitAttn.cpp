//===- InitAttn.cpp - register the attn dialect, passes, pipelines --------===//

#include "attn/InitAttn.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Kernels/Passes.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/SourceMgr.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::attn::registerAttnDialects(DialectRegistry &registry) {
  registry.insert<AttnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // LLVM IR translation and the NVVM target (PTX serialization) for the GPU
  // pipelines and attn-run's JIT.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

void mlir::attn::registerAttnPasses() {
  mlir::registerAllPasses();
  registerAttnTransformsPasses();
  registerAttnConversionPasses();
  registerAttnKernelsPasses();
  registerAttnPipelines();
}

mlir::OwningOpRef<mlir::ModuleOp>
mlir::attn::parseModuleFile(StringRef path, MLIRContext &context,
                            llvm::SourceMgr &sourceMgr, std::string &error) {
  auto file = openInputFile(path, &error);
  if (!file)
    return nullptr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    error = "could not parse '" + path.str() + "'";
  return module;
}
