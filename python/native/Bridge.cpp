//===- Bridge.cpp - the compiler behind attn_mlir._native ---------------===//

#include "Bridge.h"

#include "attn/Compile/ArtifactCompiler.h"
#include "attn/InitAttn.h"
#include "attn/Kernels/GpuTarget.h"
#include "attn/Runner/CpuRunner.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

using namespace mlir;

namespace {
std::unique_ptr<MLIRContext> makeContext() {
  DialectRegistry registry;
  attn::registerAttnDialects(registry);
  // Python may hold many programs; one thread pool each would be wasteful.
  return std::make_unique<MLIRContext>(registry,
                                       MLIRContext::Threading::DISABLED);
}

/// Parses (and verifies) `text`; diagnostics go to `err`.
OwningOpRef<ModuleOp> parse(const std::string &text, MLIRContext &ctx,
                            const char *name, std::string &err) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                               llvm::SMLoc());
  llvm::raw_string_ostream os(err);
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx, os);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!module && err.empty())
    err = "could not parse the attn IR";
  return module;
}

std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

bool fail(std::string &err, llvm::Error e) {
  err = llvm::toString(std::move(e));
  return false;
}

} // namespace

namespace attnpy {

bool verify(const std::string &ir, std::string &err) {
  auto ctx = makeContext();
  return static_cast<bool>(parse(ir, *ctx, "<attn-ir>", err));
}

bool signature(const std::string &ir, const std::string &entryName,
               std::vector<TensorInfo> &args, std::vector<TensorInfo> &results,
               std::string &err) {
  auto ctx = makeContext();
  auto module = parse(ir, *ctx, "<attn-ir>", err);
  if (!module)
    return false;
  auto entry = attn::findEntry(*module, entryName);
  if (!entry)
    return fail(err, entry.takeError());
  auto info = [&](Type t, std::vector<TensorInfo> &out, const char *what,
                  unsigned i) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt) {
      err = std::string(what) + " #" + std::to_string(i) + " has type " +
            typeName(t) + "; expected a ranked tensor";
      return false;
    }
    TensorInfo ti;
    ti.element = typeName(rt.getElementType());
    for (int64_t d : rt.getShape())
      ti.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    out.push_back(std::move(ti));
    return true;
  };
  for (auto [i, t] : llvm::enumerate(entry->getArgumentTypes()))
    if (!info(t, args, "argument", i))
      return false;
  for (auto [i, t] : llvm::enumerate(entry->getResultTypes()))
    if (!info(t, results, "result", i))
      return false;
  return true;
}

bool lowerForCpu(const std::string &ir, const std::string &entry,
                 std::string &lowered, std::string &err) {
  auto ctx = makeContext();
  auto module = parse(ir, *ctx, "<attn-ir>", err);
  if (!module)
    return false;
  auto out = attn::lowerForCpu(*module, entry);
  if (!out)
    return fail(err, out.takeError());
  llvm::raw_string_ostream os(lowered);
  (*out)->print(os, OpPrintingFlags().enableDebugInfo(false));
  return true;
}

class CpuProgram {
public:
  std::unique_ptr<MLIRContext> ctx;
  OwningOpRef<ModuleOp> module;  // the attn module (input checks)
  OwningOpRef<ModuleOp> lowered; // what the JIT compiled
  func::FuncOp entry;
  std::unique_ptr<attn::CpuExecutable> exe;
};

CpuProgram *createCpuProgram(const std::string &ir, const std::string &entry,
                             const std::string *lowered, std::string &err) {
  auto p = std::make_unique<CpuProgram>();
  p->ctx = makeContext();
  p->module = parse(ir, *p->ctx, "<attn-ir>", err);
  if (!p->module)
    return nullptr;
  auto e = attn::findEntry(*p->module, entry);
  if (!e) {
    fail(err, e.takeError());
    return nullptr;
  }
  p->entry = *e;
  if (lowered) {
    p->lowered = parse(*lowered, *p->ctx, "<lowered>", err);
    if (!p->lowered) {
      err = "cannot parse the cached lowered module: " + err;
      return nullptr;
    }
  } else {
    auto l = attn::lowerForCpu(*p->module, entry);
    if (!l) {
      fail(err, l.takeError());
      return nullptr;
    }
    p->lowered = std::move(*l);
  }
  auto exe = attn::CpuExecutable::create(*p->lowered, p->entry);
  if (!exe) {
    fail(err, exe.takeError());
    return nullptr;
  }
  p->exe = std::move(*exe);
  return p.release();
}

bool runCpuProgram(CpuProgram *p, std::vector<Array> inputs,
                   std::vector<Array> &outputs, std::string &err) {
  std::vector<attn::NpyArray> in;
  in.reserve(inputs.size());
  for (Array &a : inputs)
    in.push_back(attn::NpyArray{std::move(a.dtype), std::move(a.shape),
                                std::move(a.data)});
  if (llvm::Error e = attn::checkInputs(p->entry, in))
    return fail(err, std::move(e));
  if (llvm::Error e = attn::checkIndexInputs(p->entry, in))
    return fail(err, std::move(e));
  auto outs = p->exe->run(in);
  if (!outs)
    return fail(err, outs.takeError());
  outputs.clear();
  for (attn::NpyArray &o : *outs)
    outputs.push_back(Array{o.dtype, o.shape, std::move(o.data)});
  return true;
}

void destroyCpuProgram(CpuProgram *p) { delete p; }

std::vector<std::string> gpuChips() {
  std::vector<std::string> chips;
  for (const attn::GpuChip &c : attn::gpuChips())
    chips.push_back(c.name.str());
  return chips;
}

bool compileArtifact(const std::string &ir, const std::string &entry,
                     const std::string &outDir, const std::string &chip,
                     const std::string &ptxas, std::string &err) {
  std::optional<attn::ArtifactOptions> options =
      attn::ArtifactOptions::forChip(chip);
  if (!options) {
    err = "chip must be one of " + attn::gpuChipList() + "; got '" + chip + "'";
    return false;
  }
  auto ctx = makeContext();
  auto module = parse(ir, *ctx, "<attn-ir>", err);
  if (!module)
    return false;
  options->ptxas = ptxas;
  if (llvm::Error e = attn::compileArtifact(*module, entry, outDir, *options))
    return fail(err, std::move(e));
  return true;
}

} // namespace attnpy
