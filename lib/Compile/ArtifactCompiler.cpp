//===- ArtifactCompiler.cpp - attn module -> GPU artifact -----------------===//
//
// Artifact format "attn-artifact 1" (docs/ARTIFACT.md): a directory with
//   plan.txt            the launch plan (line-based, see below)
//   kernels.ptx         every kernel, for the driver's JIT
//   kernels.<chip>.cubin  the same, assembled by ptxas when it is available
//   const<N>.bin        constant tables (little-endian, C order)
//
//===----------------------------------------------------------------------===//

#include "attn/Compile/ArtifactCompiler.h"
#include "attn/Conversion/AttnToNVVM/FlashAttentionKernel.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>

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

/// A kernel parameter: a buffer (argument, result, constant, or none) or an
/// i32 scalar.
struct Param {
  std::string text; // "arg:0", "result:0", "const:1", "null", "i32:4096"
};

struct Launch {
  std::string kernel;
  int64_t grid[3], block[3], smem;
  std::vector<Param> params;
};

struct Plan {
  std::vector<std::string> args, results; // "name dtype shape"
  std::vector<std::pair<std::string, std::vector<int32_t>>> consts; // shape, data
  std::vector<Launch> launches;
  std::map<std::string, FlashKernelConfig> kernels;
};

/// Where an attention operand comes from: an entry argument, or a constant
/// table added to the plan.
FailureOr<Param> bufferParam(Value v, func::FuncOp entry, Plan &plan,
                             Operation *user, StringRef what) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    if (arg.getOwner() == &entry.getBody().front())
      return Param{"arg:" + std::to_string(arg.getArgNumber())};
  DenseIntElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr))) {
    std::vector<int32_t> data;
    for (const APInt &x : attr.getValues<APInt>())
      data.push_back(int32_t(x.getSExtValue()));
    plan.consts.push_back({shapeList(attr.getType().getShape()), data});
    return Param{"const:" + std::to_string(plan.consts.size() - 1)};
  }
  user->emitError() << "attn-compile: operand '" << what
                    << "' must be a function argument or a constant";
  return failure();
}

std::optional<std::vector<int32_t>> constInts(Value v) {
  DenseIntElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::vector<int32_t> out;
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(int32_t(x.getSExtValue()));
  return out;
}

/// Plans one attention op whose result is entry result `resultIndex`.
LogicalResult planAttention(Operation *op, unsigned resultIndex,
                            func::FuncOp entry, Plan &plan) {
  auto q = op->getOperand(0), k = op->getOperand(1), v = op->getOperand(2);
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  if (!qt.hasStaticShape() || !kt.hasStaticShape())
    return op->emitError("attn-compile: needs static shapes");
  FlashKernelConfig cfg;
  if (qt.getElementType().isBF16())
    cfg.elementType = FlashElementType::BF16;
  else if (qt.getElementType().isF16())
    cfg.elementType = FlashElementType::F16;
  else
    return op->emitError() << "attn-compile: the GPU kernels take bf16 or f16, got "
                           << qt.getElementType();
  int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), Sq = qt.getDimSize(2),
          D = qt.getDimSize(3), Hkv = kt.getDimSize(1), Skv = kt.getDimSize(2);
  cfg.headDim = D;
  cfg.blockQ = 64;
  std::optional<APFloat> scale;
  Launch l;
  // q, k, v, out, kv_indices, kv_counts, kv_block_sizes, key_mask
  SmallVector<Param> bufs(8, Param{"null"});
  for (auto [i, x] : llvm::enumerate(SmallVector<Value>{q, k, v})) {
    auto p = bufferParam(x, entry, plan, op, i == 0 ? "q" : i == 1 ? "k" : "v");
    if (failed(p))
      return failure();
    bufs[i] = *p;
  }
  bufs[3] = Param{"result:" + std::to_string(resultIndex)};
  int64_t K = 0;
  if (auto sdpa = dyn_cast<SdpaOp>(op)) {
    if (sdpa.getKeyMask())
      return op->emitError("attn-compile: attn.sdpa with key_mask is not "
                           "supported on the GPU yet");
    if (Sq % 64 || Skv % 64)
      return op->emitError("attn-compile: attn.sdpa needs sequence lengths "
                           "that are multiples of 64");
    scale = sdpa.getScale();
    cfg.blockKv = 64;
    cfg.indexed = false;
    cfg.hasBlockSizes = false;
    K = Skv / 64;
  } else {
    auto bs = cast<BlockSparseOp>(op);
    scale = bs.getScale();
    int64_t bq = bs.getBlockQAttr().getInt(), bkv = bs.getBlockKvAttr().getInt();
    auto idxT = cast<RankedTensorType>(bs.getKvIndices().getType());
    K = idxT.getDimSize(3);
    cfg.indexed = true;
    cfg.hasBlockSizes = bool(bs.getKvBlockSizes());
    if (bq == 64 && bkv % 16 == 0 && bkv <= 128) {
      cfg.blockKv = bkv;
      for (auto [slot, x, name] :
           {std::tuple<int, Value, const char *>{4, bs.getKvIndices(), "kv_indices"},
            {5, bs.getKvCounts(), "kv_counts"}}) {
        auto p = bufferParam(x, entry, plan, op, name);
        if (failed(p))
          return failure();
        bufs[slot] = *p;
      }
      if (Value s = bs.getKvBlockSizes()) {
        auto p = bufferParam(s, entry, plan, op, "kv_block_sizes");
        if (failed(p))
          return failure();
        bufs[6] = *p;
      }
    } else if (bq == bkv && bq % 64 == 0) {
      // Large tiles (STA's 6x8x8 = 384): with constant tables, split every
      // block into 64-token sub-blocks at compile time, the way FastVideo
      // re-indexes 128/256-token tiles for its 64-wide kernels.
      auto idx = constInts(bs.getKvIndices()), cnt = constInts(bs.getKvCounts());
      std::optional<std::vector<int32_t>> vbs;
      if (Value s = bs.getKvBlockSizes())
        vbs = constInts(s);
      if (!idx || !cnt || (bs.getKvBlockSizes() && !vbs))
        return op->emitError() << "attn-compile: block size " << bq
                               << " needs constant kv tables (as "
                                  "attn-plan-sparsity makes them)";
      int64_t r = bq / 64, nq = Sq / bq, nkv = Skv / bkv;
      std::vector<int32_t> idx2, cnt2, vbs2;
      int64_t K2 = K * r;
      for (int64_t row = 0; row < B * Hq * nq; ++row)
        for (int64_t m = 0; m < r; ++m) {
          int64_t c = std::clamp<int64_t>((*cnt)[row], 0, K);
          cnt2.push_back(int32_t(c * r));
          for (int64_t e = 0; e < K; ++e)
            for (int64_t s = 0; s < r; ++s)
              idx2.push_back((*idx)[row * K + e] * int32_t(r) + int32_t(s));
        }
      for (int64_t j = 0; j < nkv; ++j)
        for (int64_t s = 0; s < r; ++s) {
          int64_t valid = vbs ? (*vbs)[j] : bkv;
          vbs2.push_back(int32_t(std::clamp<int64_t>(valid - 64 * s, 0, 64)));
        }
      plan.consts.push_back({shapeList({B, Hq, nq * r, K2}), idx2});
      bufs[4] = Param{"const:" + std::to_string(plan.consts.size() - 1)};
      plan.consts.push_back({shapeList({B, Hq, nq * r}), cnt2});
      bufs[5] = Param{"const:" + std::to_string(plan.consts.size() - 1)};
      plan.consts.push_back({shapeList({nkv * r}), vbs2});
      bufs[6] = Param{"const:" + std::to_string(plan.consts.size() - 1)};
      cfg.blockKv = 64;
      cfg.hasBlockSizes = true;
      K = K2;
    } else {
      return op->emitError() << "attn-compile: block_q " << bq << " / block_kv "
                             << bkv << " are not supported on the GPU yet "
                                       "(64 / 16..128, or equal multiples of 64 "
                                       "with constant tables)";
    }
  }
  cfg.scale = scale ? scale->convertToFloat() : 1.0f / std::sqrt(float(D));
  if (failed(verifyFlashKernelConfig(cfg, [&] { return op->emitError(); })))
    return failure();
  std::string name = flashKernelName(cfg);
  // The scale is baked into the kernel: distinct scales are distinct kernels.
  name += llvm::formatv("_s{0:x}", llvm::bit_cast<uint32_t>(cfg.scale)).str();
  plan.kernels[name] = cfg;
  l.kernel = name;
  l.grid[0] = Sq / 64;
  l.grid[1] = Hq;
  l.grid[2] = B;
  l.block[0] = 128;
  l.block[1] = l.block[2] = 1;
  l.smem = flashKernelSharedBytes(cfg);
  l.params.assign(bufs.begin(), bufs.end());
  for (int64_t x : {Sq, Skv, Hq, Hkv, K})
    l.params.push_back(Param{"i32:" + std::to_string(x)});
  plan.launches.push_back(l);
  return success();
}

llvm::Error writeFile(const std::string &path, StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  os << data;
  return llvm::Error::success();
}

} // namespace

llvm::Error mlir::attn::compileArtifact(ModuleOp input, StringRef entryName,
                                        StringRef outDir,
                                        const ArtifactOptions &options) {
  MLIRContext *ctx = input.getContext();
  ctx->loadDialect<gpu::GPUDialect, NVVM::NVVMDialect, LLVM::LLVMDialect,
                   arith::ArithDialect>();
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

  PassManager pm(ctx);
  buildAttnOptimizePipeline(pm, AttnOptimizeOptions());
  if (failed(pm.run(*module)))
    return fail("attn-optimize failed");
  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    return error("no function '" + entryName + "' with a body");

  Plan plan;
  for (auto [i, t] : llvm::enumerate(entry.getArgumentTypes())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape() || dtypeName(rt.getElementType()).empty())
      return error(llvm::formatv("argument #{0} must be a statically shaped "
                                 "tensor of bf16, f16, f32, i32 or i1", i));
    plan.args.push_back(llvm::formatv("{0} {1}", dtypeName(rt.getElementType()),
                                      shapeList(rt.getShape())));
  }
  auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  for (auto [i, r] : llvm::enumerate(ret.getOperands())) {
    auto rt = cast<RankedTensorType>(r.getType());
    plan.results.push_back(llvm::formatv("{0} {1}", dtypeName(rt.getElementType()),
                                         shapeList(rt.getShape())));
    Operation *def = r.getDefiningOp();
    if (isa_and_nonnull<tensor::ExtractSliceOp>(def))
      return error(llvm::formatv(
          "result #{0}: the sequence is padded to whole blocks (e.g. a text "
          "tail that is not a multiple of the tile); the GPU kernels do not "
          "take partial blocks yet",
          i));
    if (!def || !isa<SdpaOp, BlockSparseOp>(def))
      return error(llvm::formatv(
          "result #{0}: this version compiles functions that return attention "
          "ops (attn.sdpa, attn.block_sparse, attn.sliding_tile) applied to "
          "arguments; got {1}",
          i, def ? def->getName().getStringRef() : StringRef("an argument")));
    if (failed(planAttention(def, i, entry, plan)))
      return fail("cannot compile result #" + llvm::Twine(i));
  }
  for (Operation &op : entry.getBody().front())
    if (!isa<SdpaOp, BlockSparseOp, arith::ConstantOp, func::ReturnOp>(op))
      return error("unsupported op '" + op.getName().getStringRef() +
                   "' in '" + entryName + "' (this version compiles attention "
                   "ops on arguments)");

  // Kernels: one gpu.module, lowered and serialized to PTX.
  OwningOpRef<ModuleOp> kernels = ModuleOp::create(UnknownLoc::get(ctx));
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(kernels->getBody());
  (*kernels)->setAttr("gpu.container_module", b.getUnitAttr());
  auto target = NVVM::NVVMTargetAttr::get(ctx, 3, "nvptx64-nvidia-cuda",
                                          options.chip, options.features);
  auto gm = gpu::GPUModuleOp::create(b, UnknownLoc::get(ctx), "attn_kernels",
                                     b.getArrayAttr({target}));
  for (auto &[name, cfg] : plan.kernels)
    emitFlashAttentionKernel(b, UnknownLoc::get(ctx), gm, cfg, name);
  PassManager kpm(ctx);
  OpPassManager &inner = kpm.nest<gpu::GPUModuleOp>();
  inner.addPass(createSCFToControlFlowPass());
  inner.addPass(createArithToLLVMConversionPass());
  kpm.addPass(createConvertControlFlowToLLVMPass());
  kpm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  kpm.addPass(createGpuModuleToBinaryPass(binary));
  if (failed(kpm.run(*kernels)))
    return fail("lowering the kernels to PTX failed");
  std::string ptx;
  kernels->walk([&](gpu::BinaryOp bin) {
    for (Attribute a : bin.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(a))
        ptx = obj.getObject().str();
  });
  if (ptx.empty())
    return error("no PTX was produced");

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
    SmallVector<StringRef> argv = {options.ptxas, arch, ptxPath, "-o", cubinPath};
    if (llvm::sys::ExecuteAndWait(options.ptxas, argv, std::nullopt, {}, 0, 0,
                                  &err) != 0)
      return error("ptxas failed on kernels.ptx" +
                   (err.empty() ? std::string() : ": " + err));
    haveCubin = true;
  }
  for (auto [i, c] : llvm::enumerate(plan.consts))
    if (llvm::Error e = writeFile(
            path("const" + std::to_string(i) + ".bin"),
            StringRef(reinterpret_cast<const char *>(c.second.data()),
                      c.second.size() * sizeof(int32_t))))
      return e;

  std::string text;
  llvm::raw_string_ostream os(text);
  os << "attn-artifact 1\n";
  os << "chip " << options.chip << "\n";
  os << "ptx kernels.ptx\n";
  if (haveCubin)
    os << "cubin " << cubin << "\n";
  for (auto [i, a] : llvm::enumerate(plan.args))
    os << "arg " << i << " " << a << "\n";
  for (auto [i, r] : llvm::enumerate(plan.results))
    os << "result " << i << " " << r << "\n";
  for (auto [i, c] : llvm::enumerate(plan.consts))
    os << "const " << i << " const" << i << ".bin i32 " << c.first << "\n";
  for (auto &l : plan.launches) {
    os << "launch " << l.kernel << " grid " << l.grid[0] << "," << l.grid[1]
       << "," << l.grid[2] << " block " << l.block[0] << "," << l.block[1]
       << "," << l.block[2] << " smem " << l.smem << " params";
    for (const Param &p : l.params)
      os << " " << p.text;
    os << "\n";
  }
  return writeFile(path("plan.txt"), text);
}
