//===- ArtifactCompiler.cpp - attn module -> GPU artifact -----------------===//
//
// Artifact format "attn-artifact 3" (docs/ARTIFACT.md): a directory with
//   plan.txt              the launch plan (line-based)
//   kernels.ptx           every kernel, for the driver's JIT
//   kernels.<chip>.cubin  the same, assembled by ptxas when it is available
//   const<N>.bin          constant tables (little-endian int32, C order)
//
// The plan is a transcription of the host function that attn-to-nvvm
// leaves: its memref arguments (entry arguments, then results), scratch
// allocations, constant globals and gpu.launch_func ops, in order.
//
//===----------------------------------------------------------------------===//

#include "attn/Compile/ArtifactCompiler.h"
#include "attn/Conversion/AttnToGPU/LaunchPlan.h"
#include "attn/Pipelines/Pipelines.h"
#include "attnrt/abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>

using namespace mlir;
using namespace mlir::attn;

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "attn-compile: " + msg);
}

namespace {

std::string dtypeName(Type t) {
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (t.isF32())
    return "f32";
  if (t.isSignlessInteger(32))
    return "i32";
  if (t.isSignlessInteger(1))
    return "i1";
  return "";
}

std::string shapeList(ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s;
}

llvm::Error writeFile(const std::string &path, StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  os << data;
  return llvm::Error::success();
}

std::optional<int64_t> constantInt(Value v) {
  APInt x;
  if (matchPattern(v, m_ConstantInt(&x)))
    return x.getSExtValue();
  return std::nullopt;
}

} // namespace

std::optional<ArtifactOptions> ArtifactOptions::forChip(StringRef chip) {
  std::optional<GpuCompileOptions> gpu = GpuCompileOptions::forChip(chip);
  if (!gpu)
    return std::nullopt;
  ArtifactOptions options;
  static_cast<GpuCompileOptions &>(options) = *gpu;
  return options;
}

llvm::Error mlir::attn::compileArtifact(ModuleOp input, StringRef entryName,
                                        StringRef outDir,
                                        const ArtifactOptions &options) {
  MLIRContext *ctx = input.getContext();
  OwningOpRef<ModuleOp> module = input.clone();
  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    diagOS << d.getLocation() << ": " << d << "\n";
    return success();
  });
  auto fail = [&](const llvm::Twine &msg) {
    return error(msg + (diagnostics.empty() ? "" : ":\n" + diagnostics));
  };
  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    return error("no function '" + entryName + "' with a body");
  // Dynamic dimensions become run-time sizes (docs/ARTIFACT.md); the
  // planner says which ops can take them.
  for (auto [i, t] : llvm::enumerate(entry.getFunctionType().getInputs())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    // A 0-d i64/i32 argument may be a size given by value (the planner
    // decides: one read only by tensor.extract).
    if (rt && rt.getRank() == 0 && (rt.getElementType().isInteger(64) ||
                                    rt.getElementType().isInteger(32)))
      continue;
    if (!rt || dtypeName(rt.getElementType()).empty())
      return error(llvm::formatv("argument #{0} must be a ranked tensor of "
                                 "bf16, f16, f32, i32 or i1",
                                 i));
  }
  for (auto [i, t] : llvm::enumerate(entry.getFunctionType().getResults())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || dtypeName(rt.getElementType()).empty())
      return error(llvm::formatv("result #{0} must be a ranked tensor of "
                                 "bf16, f16, f32, i32 or i1",
                                 i));
  }

  PassManager pm(ctx);
  AttnToNVVMOptions pipeline;
  pipeline.entry = entryName.str();
  setGpuCompileOptions(pipeline, options);
  buildAttnToNVVMPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return fail("attn-to-nvvm failed");

  if (options.report)
    llvm::errs() << diagnostics;
  auto host = module->lookupSymbol<func::FuncOp>(entryName);
  auto numArgsAttr =
      host ? host->getAttrOfType<IntegerAttr>(kNumArgsAttr) : IntegerAttr();
  if (!numArgsAttr)
    return error("attn-to-nvvm left no host function '" + entryName + "'");
  int64_t numArgs = numArgsAttr.getInt();
  std::string ptx;
  module->walk([&](gpu::BinaryOp bin) {
    for (Attribute a : bin.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(a))
        ptx = obj.getObject().str();
  });
  if (ptx.empty())
    return error("no PTX was produced");

  // Transcribe the host function.
  std::string text;
  llvm::raw_string_ostream os(text);
  std::vector<std::vector<int32_t>> consts;
  std::vector<std::string> constShapes;
  DenseMap<Value, std::string> param;
  Block &body = host.getBody().front();
  std::string argLines, scratchLines;
  int64_t scratchBytes = 0, scratchSlots = 0, numLaunches = 0;
  // Run-time sizes (docs/ARTIFACT.md): an argument's dynamic dimension d of
  // argument i is the name a<i>_<d>; results' dims and the shape asserts
  // come from the planner's attributes.
  auto resultDims = host->getAttrOfType<ArrayAttr>(kResultDimsAttr);
  auto joined = [](ArrayAttr list) {
    std::string s;
    for (auto [i, a] : llvm::enumerate(list))
      s += (i ? "," : "") + cast<StringAttr>(a).getValue().str();
    return s;
  };
  auto sizeArgs = host->getAttrOfType<DenseI64ArrayAttr>(kSizeArgsAttr);
  for (BlockArgument a : body.getArguments()) {
    auto mt = cast<MemRefType>(a.getType());
    bool isArg = a.getArgNumber() < numArgs;
    int64_t n = isArg ? a.getArgNumber() : a.getArgNumber() - numArgs;
    if (isArg && sizeArgs && llvm::is_contained(sizeArgs.asArrayRef(), n)) {
      argLines += llvm::formatv("arg {0} size a{0}\n", n).str();
      continue;
    }
    if (isArg && mt.getRank() == 0 && dtypeName(mt.getElementType()).empty())
      return error(llvm::formatv(
          "argument #{0} is a 0-d integer tensor but not a size (a size "
          "argument is read only by tensor.extract)",
          n));
    std::string shape;
    if (!mt.hasStaticShape() && !isArg) {
      if (!resultDims || int64_t(resultDims.size()) <= n)
        return error("result " + llvm::Twine(n) + " has a dynamic shape the plan does not give");
      shape = joined(cast<ArrayAttr>(resultDims[n]));
    } else {
      for (int64_t d = 0; d < mt.getRank(); ++d)
        shape += (d ? "," : "") +
                 (mt.isDynamicDim(d) ? llvm::formatv("a{0}_{1}", n, d).str()
                                     : std::to_string(mt.getDimSize(d)));
    }
    argLines += llvm::formatv("{0} {1} {2} {3}\n", isArg ? "arg" : "result", n,
                              dtypeName(mt.getElementType()), shape)
                    .str();
    param[a] = llvm::formatv("{0}:{1}", isArg ? "arg" : "result", n).str();
  }
  if (auto asserts = host->getAttrOfType<ArrayAttr>(kShapeAssertsAttr))
    for (Attribute a : asserts) {
      auto parts = cast<ArrayAttr>(a);
      argLines += "assert";
      for (Attribute p : parts)
        argLines += " " + cast<StringAttr>(p).getValue().str();
      argLines += "\n";
    }
  std::string launchLines;
  std::function<llvm::Error(Block &, int)> transcribe =
      [&](Block &block, int depth) -> llvm::Error {
    for (Operation &op : block) {
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        auto trips = constantInt(loop.getUpperBound());
        if (!trips || constantInt(loop.getLowerBound()) != 0 ||
            constantInt(loop.getStep()) != 1)
          return error("host loops must run from 0 with step 1 to a constant");
        launchLines += "loop " + std::to_string(*trips) + "\n";
        if (llvm::Error e = transcribe(*loop.getBody(), depth + 1))
          return e;
        launchLines += "end\n";
        continue;
      }
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (alloc->hasAttr(kErrorBufferAttr)) {
          param[alloc] = "err";
          continue;
        }
        auto slot = alloc->getAttrOfType<IntegerAttr>(kScratchAttr);
        if (!slot)
          return error("unexpected allocation in the host function");
        int64_t bytes = alloc.getType().getNumElements();
        ++scratchSlots;
        if (auto expr = alloc->getAttrOfType<ArrayAttr>(kSizeExprsAttr)) {
          // Sized at run time.
          scratchLines += llvm::formatv(
              "scratch {0} {1}\n", slot.getInt(),
              cast<StringAttr>(expr[0]).getValue()).str();
        } else {
          scratchBytes += bytes;
          scratchLines +=
              llvm::formatv("scratch {0} {1}\n", slot.getInt(), bytes).str();
        }
        param[alloc] = "scratch:" + std::to_string(slot.getInt());
      } else if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        auto global = module->lookupSymbol<memref::GlobalOp>(get.getNameAttr());
        auto attr = global ? dyn_cast_or_null<DenseIntElementsAttr>(
                                 global.getInitialValueAttr())
                           : DenseIntElementsAttr();
        if (!attr)
          return error("constant table without an i32 initializer");
        std::vector<int32_t> data;
        for (const APInt &x : attr.getValues<APInt>())
          data.push_back(int32_t(x.getSExtValue()));
        param[get] = "const:" + std::to_string(consts.size());
        constShapes.push_back(shapeList(get.getType().getShape()));
        consts.push_back(std::move(data));
      } else if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
        ++numLaunches;
        auto dim = [&](Value v) { return constantInt(v).value_or(-1); };
        auto g = launch.getGridSizeOperandValues();
        auto t = launch.getBlockSizeOperandValues();
        Value smemV = launch.getDynamicSharedMemorySize();
        std::string smem = std::to_string(smemV ? dim(smemV) : 0);
        if (auto e = launch->getAttrOfType<StringAttr>(kSmemExprAttr))
          smem = e.getValue().str();
        auto checkDims =
            launch->getAttrOfType<DenseI64ArrayAttr>(kCheckDimsAttr);
        // The runtime reads a check launch's parameters by the positions of
        // attnrt/abi.h.
        if (checkDims && launch.getNumKernelOperands() !=
                             unsigned(ATTNRT_CHECK_KV_NUM_PARAMS))
          return error("check launch of '" +
                       launch.getKernelName().getValue() + "' has " +
                       llvm::Twine(launch.getNumKernelOperands()) +
                       " parameters, attnrt/abi.h says " +
                       llvm::Twine(int(ATTNRT_CHECK_KV_NUM_PARAMS)));
        // Run-time sizes: the grid's and the operands' expressions.
        auto exprs = launch->getAttrOfType<ArrayAttr>(kSizeExprsAttr);
        auto exprAt = [&](size_t i) -> std::string {
          if (!exprs || i >= exprs.size())
            return "";
          return cast<StringAttr>(exprs[i]).getValue().str();
        };
        auto gridText = [&](size_t i, Value v) {
          std::string e = exprAt(i);
          return e.empty() ? std::to_string(dim(v)) : e;
        };
        launchLines += llvm::formatv(
            "{0} {1} grid {2},{3},{4} block {5},{6},{7} smem {8} params",
            checkDims ? "check" : "launch", launch.getKernelName().getValue(),
            gridText(0, g.x), gridText(1, g.y), gridText(2, g.z), dim(t.x),
            dim(t.y), dim(t.z), smem);
        auto maps = launch->getAttrOfType<ArrayAttr>(kTensorMapsAttr);
        if (maps && maps.size() != launch.getNumKernelOperands())
          return error("launch of '" + launch.getKernelName().getValue() +
                       "' has " + llvm::Twine(maps.size()) +
                       " tensor-map entries for " +
                       llvm::Twine(launch.getNumKernelOperands()) +
                       " parameters");
        for (auto [i, v] : llvm::enumerate(launch.getKernelOperands())) {
          auto it = param.find(v);
          StringRef map;
          if (maps)
            if (auto s = dyn_cast<StringAttr>(maps[i]))
              map = s.getValue();
          std::string expr = exprAt(3 + i);
          if (!expr.empty()) {
            launchLines += " i32:" + expr;
          } else if (!map.empty()) {
            if (it == param.end())
              return error("a tensor map of '" +
                           launch.getKernelName().getValue() +
                           "' is not over a buffer");
            // A map starting "+BYTES:" begins that far into its buffer.
            launchLines += " tmap:" + it->second +
                           (map.starts_with("+") ? "" : ":") + map.str();
          } else if (it != param.end()) {
            launchLines += " " + it->second;
          } else if (v.getDefiningOp<LLVM::ZeroOp>()) {
            launchLines += " null";
          } else if (auto c = constantInt(v)) {
            launchLines += " i32:" + std::to_string(*c);
          } else {
            return error("a launch parameter of '" +
                         launch.getKernelName().getValue() +
                         "' is neither a buffer nor a constant");
          }
        }
        if (checkDims) {
          // Run-time sizes: the dims' expressions follow the operands'.
          size_t at = 3 + launch.getNumKernelOperands();
          launchLines += " dims " + (exprAt(at).empty()
                                         ? shapeList(checkDims.asArrayRef())
                                         : exprAt(at) + "," + exprAt(at + 1) +
                                               "," + exprAt(at + 2));
        }
        launchLines += "\n";
      }
    }
    return llvm::Error::success();
  };
  if (llvm::Error e = transcribe(body, 0))
    return e;

  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return error("cannot create '" + outDir + "': " + ec.message());
  auto path = [&](StringRef f) {
    llvm::SmallString<256> p(outDir);
    llvm::sys::path::append(p, f);
    return std::string(p);
  };
  if (llvm::Error e = writeFile(path("kernels.ptx"), ptx))
    return e;
  std::string cubin = "kernels." + options.chip + ".cubin";
  bool haveCubin = false;
  if (!options.ptxas.empty() && llvm::sys::fs::can_execute(options.ptxas)) {
    std::string err;
    std::string arch = "-arch=" + options.chip;
    std::string ptxPath = path("kernels.ptx"), cubinPath = path(cubin);
    SmallVector<StringRef> argv = {options.ptxas, arch, ptxPath, "-o",
                                   cubinPath};
    // ptxas's output (informational notes such as C7519 on wgmma kernels)
    // is shown only when it fails.
    llvm::SmallString<128> log;
    int fd = -1;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("attn-ptxas", "log", fd, log))
      return error("cannot create a ptxas log file: " + ec.message());
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                            StringRef(log)};
    int rc = llvm::sys::ExecuteAndWait(options.ptxas, argv, std::nullopt,
                                       redirects, 0, 0, &err);
    auto output = llvm::MemoryBuffer::getFile(log);
    llvm::sys::fs::remove(log);
    if (rc != 0)
      return error("ptxas failed on kernels.ptx" +
                   (err.empty() ? std::string() : ": " + err) +
                   (output ? "\n" + (*output)->getBuffer().str()
                           : std::string()));
    haveCubin = true;
  }
  for (auto [i, c] : llvm::enumerate(consts))
    if (llvm::Error e =
            writeFile(path("const" + std::to_string(i) + ".bin"),
                      StringRef(reinterpret_cast<const char *>(c.data()),
                                c.size() * sizeof(int32_t))))
      return e;

  os << "attn-artifact 3\n";
  os << "chip " << options.chip << "\n";
  os << "ptx kernels.ptx\n";
  if (haveCubin)
    os << "cubin " << cubin << "\n";
  os << argLines;
  for (auto [i, shape] : llvm::enumerate(constShapes))
    os << "const " << i << " const" << i << ".bin i32 " << shape << "\n";
  os << scratchLines << launchLines;
  if (options.report)
    llvm::errs() << llvm::formatv(
        "attn-compile: {0}: {1} launches, scratch {2} bytes ({3:f1} MiB) in "
        "{4} slots\n",
        entryName, numLaunches, scratchBytes, scratchBytes / 1048576.0,
        scratchSlots);
  return writeFile(path("plan.txt"), text);
}
