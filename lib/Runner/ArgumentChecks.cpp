//===- ArgumentChecks.cpp - validate attn-run inputs ----------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Runner/CpuRunner.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include <limits>
#include <type_traits>

using namespace mlir;
using namespace mlir::attn;

static llvm::Error error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<func::FuncOp> mlir::attn::findEntry(ModuleOp module,
                                                   StringRef name) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    if (!f.isExternal())
      return f;
  std::string names;
  module.walk([&](func::FuncOp f) {
    if (!f.isExternal())
      names += (names.empty() ? "" : ", ") + f.getSymName().str();
  });
  return error("no function '" + name + "' with a body in the module" +
               (names.empty() ? std::string() : " (found: " + names + ")"));
}

std::string mlir::attn::npyDtypeFor(Type t) {
  if (t.isF32() || t.isBF16())
    return "<f4";
  if (t.isF16())
    return "<f2";
  if (t.isSignlessInteger(32))
    return "<i4";
  if (t.isSignlessInteger(64))
    return "<i8";
  if (t.isSignlessInteger(1))
    return "|b1";
  return "";
}

static std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// Checks that every argument and result of `entry` can cross the boundary.
static llvm::Error checkSignature(func::FuncOp entry) {
  auto check = [&](Type t, StringRef what, unsigned i) -> llvm::Error {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || npyDtypeFor(rt.getElementType()).empty())
      return error(llvm::formatv(
          "{0} #{1} of '{2}' has type {3}; attn-run supports ranked "
          "tensors of f32, f16, bf16, i32, i64 and i1",
          what, i, entry.getSymName(), typeString(t)));
    return llvm::Error::success();
  };
  for (auto [i, t] : llvm::enumerate(entry.getArgumentTypes()))
    if (llvm::Error e = check(t, "argument", i))
      return e;
  for (auto [i, t] : llvm::enumerate(entry.getResultTypes()))
    if (llvm::Error e = check(t, "result", i))
      return e;
  return llvm::Error::success();
}

/// `(2, ?, 8)`: a shape as .npy headers write it, `?` for a dynamic dim.
static std::string shapeText(ArrayRef<int64_t> shape) {
  if (llvm::none_of(shape, ShapedType::isDynamic))
    return npyShapeString(std::vector<int64_t>(shape.begin(), shape.end()));
  std::string s = "(";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {
/// Concrete shapes known before running: an entry argument has its input's
/// shape, a statically typed value its type's.
struct ShapeEnv {
  llvm::DenseMap<Value, std::vector<int64_t>> arguments;
  std::optional<std::vector<int64_t>> operator()(Value v) const {
    auto it = arguments.find(v);
    if (it != arguments.end())
      return it->second;
    auto t = cast<RankedTensorType>(v.getType());
    if (!t.hasStaticShape())
      return std::nullopt;
    return std::vector<int64_t>(t.getShape().begin(), t.getShape().end());
  }
};

std::string opWhere(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getName() << " at " << op->getLoc();
  return s;
}

/// Fails with "<op>: <relation> (<a> vs <b>)" unless a == b.
llvm::Error expectEqual(Operation *op, int64_t a, int64_t b,
                        const llvm::Twine &relation) {
  if (a == b)
    return llvm::Error::success();
  return error(llvm::formatv("{0}: {1}, got {2} and {3}", opWhere(op),
                             relation.str(), a, b));
}

/// The relations between q, k and v that a dynamic dim hid from the
/// verifier, on the shapes of this run (each is also checked at run time).
llvm::Error checkQKVShapes(Operation *op, ArrayRef<int64_t> q,
                           ArrayRef<int64_t> k, ArrayRef<int64_t> v) {
  static const char *names[] = {"batch", "heads", "sequence", "head_dim"};
  for (int i = 0; i < 4; ++i)
    if (llvm::Error e = expectEqual(op, k[i], v[i],
                                    llvm::Twine(names[i]) +
                                        " of 'k' and 'v' must match"))
      return e;
  if (llvm::Error e =
          expectEqual(op, q[0], k[0], "batch of 'q' and 'k' must match"))
    return e;
  if (llvm::Error e =
          expectEqual(op, q[3], k[3], "head_dim of 'q' and 'k' must match"))
    return e;
  if (k[1] == 0 || q[1] % k[1] != 0)
    return error(llvm::formatv("{0}: query heads ({1}) must be a multiple of "
                               "kv heads ({2})",
                               opWhere(op), q[1], k[1]));
  return llvm::Error::success();
}

/// The gradient ops' dout has q's shape.
template <typename OpT>
llvm::Error checkDoutShape(OpT op, ArrayRef<int64_t> q, const ShapeEnv &shapes) {
  if constexpr (std::is_same_v<OpT, SdpaGradOp> ||
                std::is_same_v<OpT, BlockSparseGradOp> ||
                std::is_same_v<OpT, VsaGradOp>) {
    if (auto d = shapes(op.getDout()); d && ArrayRef<int64_t>(*d) != q)
      return error(llvm::formatv("{0}: 'dout' must have the shape of 'q' {1}, "
                                 "got {2}",
                                 opWhere(op), npyShapeString(q),
                                 npyShapeString(*d)));
  }
  return llvm::Error::success();
}

/// attn.sdpa and attn.sdpa_grad.
template <typename OpT>
llvm::Error checkSdpaShapes(OpT op, const ShapeEnv &shapes) {
  auto q = shapes(op.getQ()), k = shapes(op.getK()), v = shapes(op.getV());
  if (!q || !k || !v)
    return llvm::Error::success();
  if (llvm::Error e = checkQKVShapes(op, *q, *k, *v))
    return e;
  if (llvm::Error e = checkDoutShape(op, *q, shapes))
    return e;
  if (Value mask = op.getKeyMask())
    if (auto m = shapes(mask)) {
      if (llvm::Error e = expectEqual(op, (*m)[0], (*k)[0],
                                      "dim 0 of 'key_mask' and batch of 'k' "
                                      "must match"))
        return e;
      if (llvm::Error e = expectEqual(op, (*m)[1], (*k)[2],
                                      "dim 1 of 'key_mask' and sequence of "
                                      "'k' must match"))
        return e;
    }
  return llvm::Error::success();
}

/// attn.block_sparse and attn.block_sparse_grad.
template <typename OpT>
llvm::Error checkBlockSparseShapes(OpT op, const ShapeEnv &shapes) {
  auto q = shapes(op.getQ()), k = shapes(op.getK()), v = shapes(op.getV());
  if (!q || !k || !v)
    return llvm::Error::success();
  if (llvm::Error e = checkQKVShapes(op, *q, *k, *v))
    return e;
  if (llvm::Error e = checkDoutShape(op, *q, shapes))
    return e;
  int64_t bq = op.getBlockQAttr().getInt(), bkv = op.getBlockKvAttr().getInt();
  if ((*q)[2] % bq != 0)
    return error(llvm::formatv("{0}: query length ({1}) must be a multiple "
                               "of 'block_q' ({2})",
                               opWhere(op), (*q)[2], bq));
  if ((*k)[2] % bkv != 0)
    return error(llvm::formatv("{0}: key length ({1}) must be a multiple of "
                               "'block_kv' ({2})",
                               opWhere(op), (*k)[2], bkv));
  int64_t nq = (*q)[2] / bq, nkv = (*k)[2] / bkv;
  if (auto idx = shapes(op.getKvIndices())) {
    std::vector<int64_t> want = {(*q)[0], (*q)[1], nq, (*idx)[3]};
    if (*idx != want)
      return error(llvm::formatv("{0}: 'kv_indices' must have shape [B, Hq, "
                                 "Nq, K] = {1}, got {2}",
                                 opWhere(op), npyShapeString(want),
                                 npyShapeString(*idx)));
    if ((*idx)[3] > nkv)
      return error(llvm::formatv("{0}: 'kv_indices' lists K = {1} blocks per "
                                 "row, more than the Nkv = {2} kv blocks",
                                 opWhere(op), (*idx)[3], nkv));
  }
  if (auto cnt = shapes(op.getKvCounts())) {
    std::vector<int64_t> want = {(*q)[0], (*q)[1], nq};
    if (*cnt != want)
      return error(llvm::formatv("{0}: 'kv_counts' must have shape [B, Hq, "
                                 "Nq] = {1}, got {2}",
                                 opWhere(op), npyShapeString(want),
                                 npyShapeString(*cnt)));
  }
  if (Value sizes = op.getKvBlockSizes())
    if (auto s = shapes(sizes))
      if (llvm::Error e = expectEqual(op, (*s)[0], nkv,
                                      "entries of 'kv_block_sizes' and Nkv "
                                      "must match"))
        return e;
  return llvm::Error::success();
}

/// attn.vsa and attn.vsa_grad.
template <typename OpT>
llvm::Error checkVsaShapes(OpT op, const ShapeEnv &shapes) {
  auto q = shapes(op.getQ()), k = shapes(op.getK()), v = shapes(op.getV());
  if (!q || !k || !v)
    return llvm::Error::success();
  if (llvm::Error e = checkQKVShapes(op, *q, *k, *v))
    return e;
  if (llvm::Error e = checkDoutShape(op, *q, shapes))
    return e;
  int64_t P = op.getBlockAttr().getInt();
  if ((*q)[2] % P != 0 || (*k)[2] % P != 0)
    return error(llvm::formatv("{0}: query and key lengths ({1}, {2}) must be "
                               "multiples of 'block' ({3})",
                               opWhere(op), (*q)[2], (*k)[2], P));
  if (Value gate = op.getGate())
    if (auto g = shapes(gate); g && *g != *q)
      return error(llvm::formatv("{0}: 'gate' must have the shape of 'q' {1}, "
                                 "got {2}",
                                 opWhere(op), npyShapeString(*q),
                                 npyShapeString(*g)));
  auto entries = [&](Value sizes, StringRef name, int64_t n) -> llvm::Error {
    if (!sizes)
      return llvm::Error::success();
    auto s = shapes(sizes);
    if (!s || (*s)[0] == n)
      return llvm::Error::success();
    return error(llvm::formatv("{0}: '{1}' must have one entry per block "
                               "({2}), got {3}",
                               opWhere(op), name, n, (*s)[0]));
  };
  if (llvm::Error e = entries(op.getQBlockSizes(), "q_block_sizes", (*q)[2] / P))
    return e;
  return entries(op.getKvBlockSizes(), "kv_block_sizes", (*k)[2] / P);
}

/// Checks, on the shapes of this run, the relations of the attn ops of
/// `entry` that dynamic dims hid from the verifier, so that a bad shape is
/// reported with its values before anything runs.
llvm::Error checkShapeRelations(func::FuncOp entry,
                                ArrayRef<NpyArray> inputs) {
  ShapeEnv shapes;
  for (auto [i, arg] : llvm::enumerate(entry.getArguments()))
    shapes.arguments[arg] = inputs[i].shape;
  std::string failure;
  entry.walk([&](Operation *op) {
    llvm::Error e = llvm::Error::success();
    if (auto sdpa = dyn_cast<SdpaOp>(op))
      e = checkSdpaShapes(sdpa, shapes);
    else if (auto sg = dyn_cast<SdpaGradOp>(op))
      e = checkSdpaShapes(sg, shapes);
    else if (auto bs = dyn_cast<BlockSparseOp>(op))
      e = checkBlockSparseShapes(bs, shapes);
    else if (auto bg = dyn_cast<BlockSparseGradOp>(op))
      e = checkBlockSparseShapes(bg, shapes);
    else if (auto sb = dyn_cast<SageBlockSparseOp>(op))
      e = checkBlockSparseShapes(sb, shapes);
    else if (auto vsa = dyn_cast<VsaOp>(op))
      e = checkVsaShapes(vsa, shapes);
    else if (auto vg = dyn_cast<VsaGradOp>(op))
      e = checkVsaShapes(vg, shapes);
    if (!e)
      return WalkResult::advance();
    failure = llvm::toString(std::move(e));
    return WalkResult::interrupt();
  });
  return failure.empty() ? llvm::Error::success() : error(failure);
}
} // namespace

llvm::Error mlir::attn::checkInputs(func::FuncOp entry,
                                    ArrayRef<NpyArray> inputs) {
  if (llvm::Error e = checkSignature(entry))
    return e;
  unsigned n = entry.getNumArguments();
  if (inputs.size() != n)
    return error(llvm::formatv("'{0}' takes {1} argument(s) but {2} --input "
                               "file(s) were given",
                               entry.getSymName(), n, inputs.size()));
  for (unsigned i = 0; i < n; ++i) {
    auto t = cast<RankedTensorType>(entry.getArgumentTypes()[i]);
    std::string dtype = npyDtypeFor(t.getElementType());
    const NpyArray &a = inputs[i];
    // A dynamic dim (`?`) takes the input's size.
    bool shapeOk = a.shape.size() == static_cast<size_t>(t.getRank());
    for (size_t d = 0; shapeOk && d < a.shape.size(); ++d)
      shapeOk = t.isDynamicDim(d) || t.getDimSize(d) == a.shape[d];
    if (a.dtype != dtype || !shapeOk)
      return error(llvm::formatv(
          "argument #{0} expects {1} (.npy dtype {2}, shape {3}), got dtype "
          "{4} with shape {5}",
          i, typeString(t), dtype, shapeText(t.getShape()), a.dtype,
          a.shapeString()));
  }
  return checkShapeRelations(entry, inputs);
}

namespace {
/// Integer values of an index operand, when they are known before running:
/// an entry argument (from its input file, also through calls), a dense
/// constant, the counts of an attn.block_topk (always min(k, Nkv)), or a
/// run-time count (topk, text length) extracted from a one-element known
/// tensor, through integer casts.
struct KnownInts {
  std::vector<int64_t> values;
  std::string origin; // "argument #3" or "a constant"
};
using KnownValues = llvm::DenseMap<Value, KnownInts>;

std::optional<KnownInts> fromArray(const NpyArray &a, unsigned position) {
  KnownInts k;
  k.origin = "argument #" + std::to_string(position);
  int64_t n = a.numElements();
  k.values.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    if (a.dtype == "<i4") {
      int32_t x;
      std::memcpy(&x, a.data.data() + 4 * i, 4);
      k.values[i] = x;
    } else if (a.dtype == "<i8") {
      std::memcpy(&k.values[i], a.data.data() + 8 * i, 8);
    } else {
      return std::nullopt;
    }
  }
  return k;
}

std::optional<KnownInts> knownInts(Value v, const KnownValues &known) {
  auto it = known.find(v);
  if (it != known.end())
    return it->second;
  if (auto cast = v.getDefiningOp<arith::IndexCastOp>())
    return knownInts(cast.getIn(), known);
  if (auto ex = v.getDefiningOp<tensor::ExtractOp>()) {
    std::optional<KnownInts> k = knownInts(ex.getTensor(), known);
    if (!k || k->values.size() != 1)
      return std::nullopt;
    return k;
  }
  if (auto topk = v.getDefiningOp<BlockTopkOp>()) {
    if (v != topk.getKvCounts())
      return std::nullopt;
    auto t = cast<RankedTensorType>(topk.getKvIndices().getType());
    if (!t.hasStaticShape())
      return std::nullopt;
    KnownInts k;
    k.origin = "the counts of attn.block_topk";
    k.values.assign(t.getNumElements() / t.getDimSize(3), t.getDimSize(3));
    return k;
  }
  DenseIntElementsAttr attr;
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    attr = dyn_cast<DenseIntElementsAttr>(c.getValue());
  if (!attr)
    return std::nullopt;
  KnownInts k;
  k.origin = "a constant";
  for (const APInt &x : attr.getValues<APInt>())
    k.values.push_back(x.getSExtValue());
  return k;
}

std::string where(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getName() << " at " << op->getLoc();
  return s;
}

llvm::Error checkRange(const KnownInts &k, StringRef operand, Operation *op,
                       int64_t lo, int64_t hi) {
  bool unbounded = hi == std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < k.values.size(); ++i)
    if (k.values[i] < lo || k.values[i] > hi)
      return error(llvm::formatv(
          "{0} ('{1}' of {2}): entry {3} is {4}, expected a value {5}",
          k.origin, operand, where(op), i, k.values[i],
          unbounded ? llvm::formatv(">= {0}", lo).str()
                    : llvm::formatv("in [{0}, {1}]", lo, hi).str()));
  return llvm::Error::success();
}

/// attn.block_sparse and attn.block_sparse_grad.
template <typename OpT>
llvm::Error checkBlockSparse(OpT op, const KnownValues &known,
                             const ShapeEnv &shapes) {
  // K and Nkv from the types, or from this run's shapes where dynamic;
  // unknown (an op deeper in a call with dynamic types): nothing to judge.
  auto idxShape = shapes(op.getKvIndices());
  auto kShape = shapes(op.getK());
  if (!idxShape || !kShape)
    return llvm::Error::success();
  int64_t K = (*idxShape)[3];
  int64_t blockKv = op.getBlockKvAttr().getInt();
  int64_t nkv = (*kShape)[2] / blockKv;
  auto counts = knownInts(op.getKvCounts(), known);
  if (counts)
    if (llvm::Error e = checkRange(*counts, "kv_counts", op, 0, K))
      return e;
  if (Value sizes = op.getKvBlockSizes())
    if (auto s = knownInts(sizes, known))
      if (llvm::Error e = checkRange(*s, "kv_block_sizes", op, 0, blockKv))
        return e;
  auto indices = knownInts(op.getKvIndices(), known);
  // Entries past a row's count are ignored, so ids can only be judged where
  // the counts are known.
  if (!indices || !counts)
    return llvm::Error::success();
  for (size_t row = 0; row < counts->values.size(); ++row) {
    llvm::SmallDenseSet<int64_t> seen;
    for (int64_t j = 0; j < counts->values[row]; ++j) {
      int64_t id = indices->values[row * K + j];
      if (id < 0 || id >= nkv)
        return error(llvm::formatv(
            "{0} ('kv_indices' of {1}): row {2} entry {3} is block id {4}, "
            "expected an id in [0, {5})",
            indices->origin, where(op), row, j, id, nkv));
      if (!seen.insert(id).second)
        return error(llvm::formatv(
            "{0} ('kv_indices' of {1}): row {2} lists block id {3} twice; "
            "the ids of a row must be distinct",
            indices->origin, where(op), row, id));
    }
  }
  return llvm::Error::success();
}
} // namespace

/// Checks the attn ops of `f` (and of the functions it calls, with the
/// values known at each call) against the index values known so far.
static std::string checkFunction(func::FuncOp f, const KnownValues &known,
                                 const ShapeEnv &shapes, unsigned depth) {
  std::string failure;
  auto record = [&](llvm::Error e) {
    if (!e)
      return false;
    failure = llvm::toString(std::move(e));
    return true;
  };
  auto sizes = [&](Operation *op, Value v, StringRef name, int64_t block) {
    if (!v)
      return false;
    auto k = knownInts(v, known);
    return k && record(checkRange(*k, name, op, 0, block));
  };
  // attn.vsa's and attn.vsa_grad's block-size tables.
  auto vsaSizes = [&](auto v) {
    int64_t P = v.getBlockAttr().getInt();
    return sizes(v, v.getQBlockSizes(), "q_block_sizes", P) ||
           sizes(v, v.getKvBlockSizes(), "kv_block_sizes", P);
  };
  // A run-time count read from an input: topk / k at least 1, an STA text
  // length within the text tokens of the run's sequence.
  auto count = [&](Operation *op, Value v, StringRef name, int64_t lo,
                   int64_t hi) {
    if (!v)
      return false;
    auto k = knownInts(v, known);
    return k && record(checkRange(*k, name, op, lo, hi));
  };
  auto textLength = [&](auto st) {
    auto q = shapes(st.getQ());
    if (!q)
      return false;
    // With run-time grid sizes the lowered code checks the text length.
    if (llvm::any_of(st.getTileGrid(), ShapedType::isDynamic))
      return false;
    int64_t imageTokens = 1;
    for (int64_t x : st.getTileGrid())
      imageTokens *= x;
    for (int64_t x : st.getTile())
      imageTokens *= x;
    return count(st, st.getTextLengthValue(), "text_length", 0,
                 std::max<int64_t>((*q)[2] - imageTokens, 0));
  };
  const int64_t unbounded = std::numeric_limits<int64_t>::max();
  auto module = f->getParentOfType<ModuleOp>();
  f.walk([&](Operation *op) {
    bool bad = false;
    if (auto bs = dyn_cast<BlockSparseOp>(op)) {
      bad = record(checkBlockSparse(bs, known, shapes));
    } else if (auto bg = dyn_cast<BlockSparseGradOp>(op)) {
      bad = record(checkBlockSparse(bg, known, shapes));
    } else if (auto sb = dyn_cast<SageBlockSparseOp>(op)) {
      bad = record(checkBlockSparse(sb, known, shapes));
    } else if (auto m = dyn_cast<BlockMeanOp>(op)) {
      bad = sizes(op, m.getBlockSizes(), "block_sizes", m.getBlockAttr().getInt());
    } else if (auto v = dyn_cast<VsaOp>(op)) {
      bad = vsaSizes(v) || count(op, v.getTopkValue(), "topk", 1, unbounded);
    } else if (auto vg = dyn_cast<VsaGradOp>(op)) {
      bad = vsaSizes(vg) || count(op, vg.getTopkValue(), "topk", 1, unbounded);
    } else if (auto t = dyn_cast<BlockTopkOp>(op)) {
      bad = count(op, t.getKValue(), "k", 1, unbounded);
    } else if (auto ca = dyn_cast<ClusterAttentionOp>(op)) {
      // Labels read from the inputs must name a cluster of the selection.
      auto sel = cast<RankedTensorType>(ca.getSelection().getType());
      auto labels = [&](Value v, StringRef name, int64_t n) {
        return !ShapedType::isDynamic(n) && sizes(op, v, name, n - 1);
      };
      bad = labels(ca.getQLabels(), "q_labels", sel.getDimSize(2)) ||
            labels(ca.getKLabels(), "k_labels", sel.getDimSize(3));
    } else if (auto st = dyn_cast<SlidingTileOp>(op)) {
      bad = textLength(st);
    } else if (auto sg = dyn_cast<SlidingTileGradOp>(op)) {
      bad = textLength(sg);
    } else if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = module ? module.lookupSymbol<func::FuncOp>(call.getCallee())
                           : func::FuncOp();
      if (callee && !callee.isExternal() && depth < 32) {
        KnownValues inner;
        for (auto [arg, operand] :
             llvm::zip(callee.getArguments(), call.getOperands()))
          if (auto k = knownInts(operand, known))
            inner[arg] = std::move(*k);
        failure = checkFunction(callee, inner, ShapeEnv(), depth + 1);
        bad = !failure.empty();
      }
    }
    return bad ? WalkResult::interrupt() : WalkResult::advance();
  });
  return failure;
}

llvm::Error mlir::attn::checkIndexInputs(func::FuncOp entry,
                                         ArrayRef<NpyArray> inputs) {
  KnownValues known;
  for (auto [i, arg] : llvm::enumerate(entry.getArguments()))
    if (auto k = fromArray(inputs[i], i))
      known[arg] = std::move(*k);
  ShapeEnv shapes;
  for (auto [i, arg] : llvm::enumerate(entry.getArguments()))
    shapes.arguments[arg] = inputs[i].shape;
  std::string failure = checkFunction(entry, known, shapes, 0);
  return failure.empty() ? llvm::Error::success() : error(failure);
}
