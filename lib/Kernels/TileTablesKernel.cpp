//===- TileTablesKernel.cpp - attn.tile's tables for a run-time grid ------===//
//
// With a video grid known only at run time (issue 14), the tables the
// static path folds into constants are computed per run on the device: for
// every tile-major slot the raster token it holds (-1 for a pad slot), and
// per tile its valid token count (TileGeometry's slotToRaster and
// validBlockSizes, SPEC "Video tiling": tiles row-major over the tile grid,
// tokens row-major over each tile's clipped extents). One thread per slot;
// the slot's tile and position are a few divisions, no memory is read.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

KernelContract mlir::attn::tileTablesContract(int64_t slots) {
  return KernelContract::make(2, 7, {ceilDiv(slots, kTileTablesThreads), 1, 1},
                              kTileTablesThreads);
}

LLVM::LLVMFuncOp mlir::attn::emitTileTablesKernel(OpBuilder &b, Location loc,
                                                  gpu::GPUModuleOp module,
                                                  StringRef name) {
  KernelBuilder k(b, loc, module, name, tileTablesContract());
  Value rows = k.arg(0), sizes = k.arg(1);
  Value T = k.toI64(k.arg(2)), H = k.toI64(k.arg(3)), W = k.toI64(k.arg(4));
  Value ta = k.toI64(k.arg(5)), tb = k.toI64(k.arg(6)), tc = k.toI64(k.arg(7));
  Value total = k.toI64(k.arg(8));
  Value s = k.globalX(kTileTablesThreads);
  k.ifThen(k.cmp(P::ult, s, total), [&] {
    Value one = k.ci64(1);
    auto ceilDiv = [&](Value x, Value d) {
      return k.div(k.sub(k.add(x, d), one), d);
    };
    Value Pn = k.mul(k.mul(ta, tb), tc);
    Value nh = ceilDiv(H, tb), nw = ceilDiv(W, tc);
    Value j = k.div(s, Pn), l = k.rem(s, Pn);
    Value it = k.div(j, k.mul(nh, nw));
    Value ih = k.rem(k.div(j, nw), nh), iw = k.rem(j, nw);
    Value t0 = k.mul(it, ta), h0 = k.mul(ih, tb), w0 = k.mul(iw, tc);
    Value et = k.minS(ta, k.sub(T, t0)), eh = k.minS(tb, k.sub(H, h0)),
          ew = k.minS(tc, k.sub(W, w0));
    Value valid = k.mul(k.mul(et, eh), ew);
    k.ifThen(k.cmp(P::eq, l, k.ci64(0)), [&] {
      k.store(arith::TruncIOp::create(b, loc, k.i32, valid), sizes, j, 4);
    });
    Value lt = k.div(l, k.mul(eh, ew));
    Value lh = k.rem(k.div(l, ew), eh), lw = k.rem(l, ew);
    Value r = k.add(k.mul(k.add(k.mul(k.add(t0, lt), H), k.add(h0, lh)), W),
                    k.add(w0, lw));
    Value row = k.select(k.cmp(P::ult, l, valid), r, k.ci64(-1));
    k.store(arith::TruncIOp::create(b, loc, k.i32, row), rows, s, 4);
  });
  k.finish();
  return k.func();
}
