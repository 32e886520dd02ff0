//===- VsaCombineKernel.cpp - VSA's gated combine in raster order ---------===//
//
// out = coarse * gate + fine (or coarse + fine without a gate),
// elementwise, with every tensor in raster order
// (the fine kernel's TMA stores wrote `out`, the gate is the raster input)
// and the coarse output per tile: the tile of raster token (t, h, w) is
// found by arithmetic, so neither the gate nor the output is tiled. A
// thread updates 8 consecutive channels (16-byte loads and store).
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

KernelContract mlir::attn::vsaCombineRasterContract(int64_t tokens, int64_t D,
                                                    int64_t slabs) {
  return KernelContract::make(
      3, 7,
      {ceilDiv(tokens * D / kVsaCombineVector, kVsaCombineThreads), slabs, 1},
      kVsaCombineThreads);
}

LLVM::LLVMFuncOp mlir::attn::emitVsaCombineRasterKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module, Type elt, bool gated,
    StringRef name) {
  KernelBuilder k(b, loc, module, name, vsaCombineRasterContract());
  Value out = k.arg(0), gate = k.arg(1), coarse = k.arg(2);
  Value T = k.toI64(k.arg(3)), Hh = k.toI64(k.arg(4)), W = k.toI64(k.arg(5));
  Value tt = k.toI64(k.arg(6)), th = k.toI64(k.arg(7)), tw = k.toI64(k.arg(8));
  Value D = k.toI64(k.arg(9));
  const int64_t V = kVsaCombineVector;
  Value e = k.mul(k.globalX(kVsaCombineThreads), k.ci64(V));
  Value bh = k.toI64(k.bidY());
  Value tokens = k.mul(k.mul(T, Hh), W);
  k.ifThen(k.cmp(P::ult, e, k.mul(tokens, D)), [&] {
    Value r = k.div(e, D), d = k.rem(e, D);
    Value w = k.rem(r, W), h = k.rem(k.div(r, W), Hh), t = k.div(r, k.mul(W, Hh));
    auto tiles = [&](Value n, Value s) {
      return k.div(k.add(n, k.sub(s, k.ci64(1))), s);
    };
    Value nh = tiles(Hh, th), nw = tiles(W, tw), nt = tiles(T, tt);
    Value tile =
        k.add(k.mul(k.add(k.mul(k.div(t, tt), nh), k.div(h, th)), nw),
              k.div(w, tw));
    Value at = k.add(k.mul(bh, k.mul(tokens, D)), e);
    Value ct = k.add(k.mul(k.add(k.mul(bh, k.mul(nt, k.mul(nh, nw))), tile), D),
                     d);
    auto vec = VectorType::get({V}, elt);
    Value o = k.loadFrom(vec, k.at(out, elt, at), 16);
    Value g = gated ? k.loadFrom(vec, k.at(gate, elt, at), 16) : Value();
    Value c = k.loadFrom(vec, k.at(coarse, elt, ct), 16);
    Value res = o;
    for (int64_t i = 0; i < V; ++i) {
      Value idx = k.ci32(i);
      auto f32Of = [&](Value v) {
        Value x = LLVM::ExtractElementOp::create(b, loc, v, idx);
        return arith::ExtFOp::create(b, loc, k.f32, x).getResult();
      };
      Value y = k.fadd(gated ? k.fmul(f32Of(c), f32Of(g)) : f32Of(c), f32Of(o));
      res = LLVM::InsertElementOp::create(
          b, loc, res, arith::TruncFOp::create(b, loc, elt, y), idx);
    }
    LLVM::StoreOp::create(b, loc, res, k.at(out, elt, at), 16);
  });
  k.finish();
  return k.func();
}
