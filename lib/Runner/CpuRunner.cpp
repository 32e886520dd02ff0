//===- CpuRunner.cpp - JIT-run an attn function on the CPU ----------------===//

#include "attn/Runner/CpuRunner.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>
#include <csetjmp>
#include <unordered_set>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::attn;

#ifndef ATTN_MLIR_LIB_DIR
#define ATTN_MLIR_LIB_DIR "/usr/lib/llvm-22/lib"
#endif

static constexpr const char *kWrapperName = "__attn_run_entry";

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static bool hasDynamicResult(func::FuncOp entry) {
  return llvm::any_of(entry.getResultTypes(), [](Type t) {
    return !cast<RankedTensorType>(t).hasStaticShape();
  });
}

/// Adds `func @__attn_run_entry(inputs..., outputs...)` taking memrefs, with
/// a C interface, that calls the entry and writes its results in place.
/// When a result has a dynamic dim its size is unknown before the run, so the
/// wrapper is `(inputs...) -> (results...)` instead: one-shot bufferization
/// returns them as fresh buffers (the deallocation pipeline hands their
/// ownership to the caller), which CpuExecutable::run copies and frees.
static void addEntryWrapper(ModuleOp module, func::FuncOp entry) {
  module.getContext()->getOrLoadDialect<bufferization::BufferizationDialect>();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = entry.getLoc();
  SmallVector<Type> argTypes;
  auto toMemref = [](Type t) {
    auto rt = cast<RankedTensorType>(t);
    return MemRefType::get(rt.getShape(), rt.getElementType());
  };
  bool returns = hasDynamicResult(entry);
  for (Type t : entry.getArgumentTypes())
    argTypes.push_back(toMemref(t));
  if (!returns)
    for (Type t : entry.getResultTypes())
      argTypes.push_back(toMemref(t));
  auto wrapper = func::FuncOp::create(
      b, loc, kWrapperName,
      b.getFunctionType(argTypes, returns ? entry.getResultTypes()
                                          : TypeRange()));
  wrapper->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = wrapper.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> tensors;
  unsigned nIn = entry.getNumArguments();
  for (unsigned i = 0; i < nIn; ++i)
    tensors.push_back(bufferization::ToTensorOp::create(
        b, loc, entry.getArgumentTypes()[i], body->getArgument(i),
        /*restrict=*/true, /*writable=*/false));
  auto call = func::CallOp::create(b, loc, entry, tensors);
  if (returns) {
    func::ReturnOp::create(b, loc, call.getResults());
    return;
  }
  for (auto [i, r] : llvm::enumerate(call.getResults())) {
    auto m = bufferization::MaterializeInDestinationOp::create(
        b, loc, Type(), r, body->getArgument(nIn + i));
    m.setRestrict(true);
    m.setWritable(true);
  }
  func::ReturnOp::create(b, loc);
}

namespace {
/// A ranked memref descriptor {allocated, aligned, offset, sizes, strides}.
struct Descriptor {
  std::vector<int64_t> words;
  void *ptr() { return words.data(); }
  Descriptor(void *data, ArrayRef<int64_t> shape) {
    words.assign(3 + 2 * shape.size(), 0);
    std::memcpy(&words[0], &data, sizeof(void *));
    std::memcpy(&words[1], &data, sizeof(void *));
    int64_t stride = 1;
    for (int i = shape.size() - 1; i >= 0; --i) {
      words[3 + i] = shape[i];
      words[3 + shape.size() + i] = stride;
      stride *= shape[i];
    }
  }
};

uint16_t f32ToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) // NaN stays NaN
    return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

float bf16ToF32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// A run-time shape check (cf.assert, lowered to `puts(msg); abort()`) that
/// fails inside the JIT code: the JIT resolves `puts` and `abort` to these,
/// which keep the message and jump back to CpuExecutable::run, so a bad shape
/// is an llvm::Error for the caller (attn-run: a message and exit code 1)
/// rather than a crash. The checks of an op run before it computes anything;
/// the buffers of ops that already ran are freed on that path: the JIT's
/// `malloc` and `free` are attnJitMalloc / attnJitFree, which track what a
/// run holds (LeakSanitizer found them leaked before).
thread_local std::jmp_buf *checkFailedJump = nullptr;
thread_local std::string checkFailedMessage;
thread_local std::unordered_set<void *> *jitLive = nullptr;

extern "C" void *attnJitMalloc(size_t n) {
  void *p = std::malloc(n);
  if (p && jitLive)
    jitLive->insert(p);
  return p;
}

extern "C" void attnJitFree(void *p) {
  if (jitLive)
    jitLive->erase(p);
  std::free(p);
}

extern "C" int attnJitPuts(const char *msg) {
  if (!checkFailedJump)
    return std::puts(msg);
  checkFailedMessage = msg;
  return 0;
}

extern "C" void attnJitAbort() {
  if (!checkFailedJump)
    std::abort();
  std::longjmp(*checkFailedJump, 1);
}

/// The elements of a returned buffer in row-major order. Its strides need
/// not be the identity's: bufferization may return a view (a slice of a
/// padded buffer) through a memref.cast to the identity layout when the
/// strides are dynamic.
std::vector<char> copyStrided(const char *base, ArrayRef<int64_t> shape,
                              ArrayRef<int64_t> strides, unsigned bytes) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  // The usual case, a dense row-major buffer: one copy.
  bool rowMajor = true;
  for (int64_t d = int64_t(shape.size()) - 1, want = 1; d >= 0; --d) {
    rowMajor &= shape[d] == 1 || strides[d] == want;
    want *= shape[d];
  }
  if (rowMajor)
    return std::vector<char>(base, base + n * bytes);
  std::vector<char> out(n * bytes);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      at += index[d] * strides[d];
    std::memcpy(out.data() + i * bytes, base + at * bytes, bytes);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

double seconds(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::attn::lowerForCpu(ModuleOp module, StringRef entryName,
                        const CpuPipelineOptions &pipeline) {
  auto entryOr = findEntry(module, entryName);
  if (!entryOr)
    return entryOr.takeError();
  OwningOpRef<ModuleOp> clone = module.clone();

  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  ctx->appendDialectRegistry(registry);

  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      os << d.getLocation() << ": " << d << "\n";
      return success();
    });
    // attn-optimize works on the module as written (tensors), before the
    // memref-level entry wrapper exists; it keeps the entry's signature.
    if (pipeline.optimize) {
      PassManager opt(ctx);
      buildAttnOptimizePipeline(opt, AttnOptimizeOptions());
      if (failed(opt.run(*clone)))
        return error("compiling '" + entryName +
                     "' with attn-optimize failed:\n" + diagnostics);
    }
    auto entryInClone = findEntry(*clone, entryName);
    if (!entryInClone)
      return entryInClone.takeError();
    addEntryWrapper(*clone, *entryInClone);
    PassManager pm(ctx);
    AttnToCPUOptions cpu;
    cpu.reuseBuffers = pipeline.reuseBuffers;
    buildAttnToCPUPipeline(pm, cpu);
    if (failed(pm.run(*clone)))
      return error("compiling '" + entryName + "' with attn-to-cpu failed:\n" +
                   diagnostics);
  }
  return clone;
}

mlir::attn::CpuExecutable::~CpuExecutable() = default;

llvm::Expected<std::unique_ptr<CpuExecutable>>
mlir::attn::CpuExecutable::create(ModuleOp lowered, func::FuncOp entry) {
  std::unique_ptr<CpuExecutable> exe(new CpuExecutable());
  auto slot = [](Type t) {
    auto rt = cast<RankedTensorType>(t);
    Slot s;
    s.shape.assign(rt.getShape().begin(), rt.getShape().end());
    size_t bits = rt.getElementType().getIntOrFloatBitWidth();
    s.bytes = bits == 1 ? 1 : bits / 8;
    s.bf16 = rt.getElementType().isBF16();
    s.npyDtype = npyDtypeFor(rt.getElementType());
    return s;
  };
  for (Type t : entry.getArgumentTypes())
    exe->args.push_back(slot(t));
  for (Type t : entry.getResultTypes())
    exe->results.push_back(slot(t));
  exe->returnsResults = hasDynamicResult(entry);

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  lowered.getContext()->appendDialectRegistry(registry);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  std::string utils = std::string(ATTN_MLIR_LIB_DIR) + "/libmlir_c_runner_utils.so";
  SmallVector<StringRef> libs = {utils};
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.sharedLibPaths = libs;
  auto engineOr = ExecutionEngine::create(lowered, engineOptions);
  if (!engineOr)
    return error("JIT compilation failed: " +
                 llvm::toString(engineOr.takeError()));
  exe->engine = std::move(*engineOr);
  exe->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    map[interner("puts")] = {llvm::orc::ExecutorAddr::fromPtr(&attnJitPuts),
                             llvm::JITSymbolFlags::Exported};
    map[interner("abort")] = {llvm::orc::ExecutorAddr::fromPtr(&attnJitAbort),
                              llvm::JITSymbolFlags::Exported};
    map[interner("malloc")] = {llvm::orc::ExecutorAddr::fromPtr(&attnJitMalloc),
                               llvm::JITSymbolFlags::Exported};
    map[interner("free")] = {llvm::orc::ExecutorAddr::fromPtr(&attnJitFree),
                             llvm::JITSymbolFlags::Exported};
    return map;
  });
  return exe;
}

llvm::Expected<std::vector<NpyArray>>
mlir::attn::CpuExecutable::run(ArrayRef<NpyArray> inputs, double *secondsOut) {
  if (inputs.size() != args.size())
    return error("expected " + llvm::Twine(args.size()) + " inputs, got " +
                 llvm::Twine(inputs.size()));
  // Argument buffers: bf16 arguments take f32 data rounded to nearest even.
  std::vector<std::vector<char>> storage;
  std::vector<Descriptor> descriptors;
  for (auto [i, a] : llvm::enumerate(args)) {
    std::vector<char> buf = inputs[i].data;
    if (a.bf16) {
      size_t n = buf.size() / 4;
      std::vector<char> packed(n * 2);
      for (size_t j = 0; j < n; ++j) {
        float f;
        std::memcpy(&f, buf.data() + 4 * j, 4);
        uint16_t h = f32ToBf16(f);
        std::memcpy(packed.data() + 2 * j, &h, 2);
      }
      buf = std::move(packed);
    }
    storage.push_back(std::move(buf));
  }
  if (!returnsResults)
    for (const Slot &r : results) {
      int64_t n = 1;
      for (int64_t d : r.shape)
        n *= d;
      storage.emplace_back(n * r.bytes, 0);
    }
  // Argument shapes come from the inputs (they may fill dynamic dims).
  for (auto [i, in] : llvm::enumerate(inputs))
    descriptors.emplace_back(storage[i].data(), in.shape);
  if (!returnsResults)
    for (auto [i, r] : llvm::enumerate(results))
      descriptors.emplace_back(storage[args.size() + i].data(), r.shape);
  // Returned results: one descriptor per result, laid out as the LLVM struct
  // of descriptors that the C interface writes through its first argument.
  std::vector<int64_t> returned;
  size_t returnedWords = 0;
  if (returnsResults) {
    for (const Slot &r : results)
      returnedWords += 3 + 2 * r.shape.size();
    returned.assign(returnedWords, 0);
  }
  std::vector<void *> descPtrs;
  if (returnsResults)
    descPtrs.push_back(returned.data());
  for (Descriptor &d : descriptors)
    descPtrs.push_back(d.ptr());
  SmallVector<void *> packedArgs;
  for (void *&p : descPtrs)
    packedArgs.push_back(&p);

  auto fn = engine->lookupPacked(std::string("_mlir_ciface_") + kWrapperName);
  if (!fn)
    return error(llvm::toString(fn.takeError()));
  auto a = std::chrono::steady_clock::now();
  // A failed run-time shape check jumps back here (see attnJitAbort); no
  // C++ frame with a destructor lies between this point and the JIT code.
  std::jmp_buf jump;
  // What the JIT code holds while it runs (set before setjmp, so that the
  // failure path below sees it unchanged).
  std::unordered_set<void *> live;
  jitLive = &live;
  if (setjmp(jump)) {
    checkFailedJump = nullptr;
    jitLive = nullptr;
    for (void *p : live)
      std::free(p);
    std::string msg = checkFailedMessage;
    while (!msg.empty() && msg.back() == '\n')
      msg.pop_back();
    return error("run-time shape check failed: " + msg);
  }
  checkFailedJump = &jump;
  (*fn)(packedArgs.data());
  checkFailedJump = nullptr;
  jitLive = nullptr; // what is left is the returned results, freed below
  if (secondsOut)
    *secondsOut = seconds(a, std::chrono::steady_clock::now());

  // Take the returned buffers: their shapes, then their data, then free
  // them (each is a fresh allocation owned by the caller).
  std::vector<std::vector<int64_t>> resultShapes;
  if (returnsResults) {
    size_t at = 0;
    for (const Slot &r : results) {
      size_t rank = r.shape.size();
      char *aligned;
      void *allocated;
      std::memcpy(&allocated, &returned[at], sizeof(void *));
      std::memcpy(&aligned, &returned[at + 1], sizeof(void *));
      int64_t offset = returned[at + 2];
      std::vector<int64_t> shape(returned.begin() + at + 3,
                                 returned.begin() + at + 3 + rank);
      std::vector<int64_t> strides(returned.begin() + at + 3 + rank,
                                   returned.begin() + at + 3 + 2 * rank);
      storage.push_back(
          copyStrided(aligned + offset * r.bytes, shape, strides, r.bytes));
      std::free(allocated);
      resultShapes.push_back(std::move(shape));
      at += 3 + 2 * rank;
    }
  }

  std::vector<NpyArray> outs;
  size_t nIn = args.size();
  for (auto [i, r] : llvm::enumerate(results)) {
    NpyArray out;
    out.dtype = r.npyDtype;
    out.shape = returnsResults ? resultShapes[i] : r.shape;
    std::vector<char> &buf = storage[nIn + i];
    if (r.bf16) {
      size_t n = buf.size() / 2;
      out.data.resize(n * 4);
      for (size_t j = 0; j < n; ++j) {
        uint16_t h;
        std::memcpy(&h, buf.data() + 2 * j, 2);
        float f = bf16ToF32(h);
        std::memcpy(out.data.data() + 4 * j, &f, 4);
      }
    } else {
      out.data = std::move(buf);
    }
    outs.push_back(std::move(out));
  }
  return outs;
}

llvm::Expected<CpuRunResult>
mlir::attn::runOnCpu(ModuleOp module, StringRef entryName,
                     ArrayRef<NpyArray> inputs, const CpuRunOptions &options) {
  auto entryOr = findEntry(module, entryName);
  if (!entryOr)
    return entryOr.takeError();
  func::FuncOp entry = *entryOr;
  if (llvm::Error e = checkInputs(entry, inputs))
    return std::move(e);
  if (llvm::Error e = checkIndexInputs(entry, inputs))
    return std::move(e);

  auto t0 = std::chrono::steady_clock::now();
  auto lowered = lowerForCpu(module, entryName, options.pipeline);
  if (!lowered)
    return lowered.takeError();
  auto exe = CpuExecutable::create(**lowered, entry);
  if (!exe)
    return exe.takeError();
  CpuRunResult result;
  result.compileSeconds = seconds(t0, std::chrono::steady_clock::now());

  for (unsigned r = 0; r < std::max(1u, options.repeat); ++r) {
    double t = 0;
    auto outs = (*exe)->run(inputs, &t);
    if (!outs)
      return error("running '" + entryName + "' failed: " +
                   llvm::toString(outs.takeError()));
    result.runSeconds.push_back(t);
    result.outputs = std::move(*outs);
  }
  return result;
}
