//===- BlockMeanKernel.cpp - attn.block_mean on the GPU -------------------===//
//
// One CTA per (block, batch x head). A thread sums a chunk of 16 bytes of
// channels (8 bf16/f16 or 4 f32: one vector load per row where D is a
// multiple of the chunk) over every rowsPar-th row of the block, rowsPar =
// 128 / chunks-per-row row groups in parallel; the row groups' partial sums
// meet in shared memory. Every row's loads are independent of the last
// one's, so a thread keeps several 16-byte loads in flight: the kernel
// streams x near memory bandwidth (the former one-channel-per-thread form
// made 64 dependent 2-byte loads per thread and reached ~40% of it).
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/KernelBuilder.h"
#include "attn/Kernels/UtilityKernels.h"

using namespace mlir;
using namespace mlir::attn;
using P = arith::CmpIPredicate;

static Value toF32(KernelBuilder &k, Value x) {
  if (x.getType().isF32())
    return x;
  return arith::ExtFOp::create(k.b, k.loc, k.f32, x);
}

static int64_t chunkElems(Type elt) {
  return 16 / (elt.getIntOrFloatBitWidth() / 8);
}

int64_t mlir::attn::blockMeanSharedBytes(Type elt) {
  return kBlockMeanThreads * chunkElems(elt) * 4;
}

KernelContract mlir::attn::blockMeanContract(int64_t N, int64_t slabs,
                                            int64_t sharedBytes) {
  return KernelContract::make(4, 5, {N, slabs, 1}, kBlockMeanThreads,
                              sharedBytes);
}

LLVM::LLVMFuncOp mlir::attn::emitBlockMeanKernel(OpBuilder &b, Location loc,
                                                 gpu::GPUModuleOp module,
                                                 Type elt, StringRef name) {
  KernelBuilder k(b, loc, module, name,
                  blockMeanContract(1, 1, blockMeanSharedBytes(elt)),
                  (name + "_smem").str());
  Value x = k.arg(0), sizes = k.arg(1), out = k.arg(2), rows = k.arg(3);
  Value N = k.toI64(k.arg(4)), Pb = k.toI64(k.arg(5)), D = k.toI64(k.arg(6));
  Value hasSizes = k.arg(7), srcRows = k.toI64(k.arg(8));
  Value hasRows = LLVM::ICmpOp::create(
      b, loc, LLVM::ICmpPredicate::ne, rows,
      LLVM::ZeroOp::create(b, loc, rows.getType()));
  const int64_t vec = chunkElems(elt);
  Value n = k.toI64(k.bidX()), bh = k.toI64(k.bidY());
  Value tid = k.toI64(k.tidX());
  Value threads = k.ci64(kBlockMeanThreads);
  // Chunks per row; threads per row (cw) and row groups (rowsPar).
  Value cpr = k.ceilDivPos(D, vec);
  Value cw = k.minS(cpr, threads);
  Value rowsPar = k.div(threads, cw);
  Value rg = k.div(tid, cw), cl = k.rem(tid, cw);
  Value whole = k.cmp(P::eq, k.rem(D, k.ci64(vec)), k.ci64(0));
  Value valid = k.ifElse(
      k.cmp(P::ne, hasSizes, k.ci32(0)), k.i64,
      [&] {
        Value s = k.toI64(k.load(k.i32, sizes, n, 4));
        return k.minS(k.maxS(s, k.ci64(0)), Pb);
      },
      [&] { return Pb; });
  Value slab = k.mul(bh, srcRows);
  Value cnt = arith::SIToFPOp::create(b, loc, k.f32, valid);
  Value inv = arith::DivFOp::create(
      b, loc, k.cf32(1), arith::MaximumFOp::create(b, loc, cnt, k.cf32(1)));
  auto mean = [&](Value sum) -> Value {
    Value m = k.fmul(sum, inv);
    return elt.isF32() ? m : arith::TruncFOp::create(b, loc, elt, m).getResult();
  };
  Value outRow = k.mul(k.add(k.mul(bh, N), n), D);
  Value smem = k.shared();
  Type vecT = VectorType::get({vec}, elt);
  SmallVector<Type> accTypes(vec, k.f32);
  SmallVector<Value> zeros(vec, k.cf32(0));
  // acc + the chunk of `vec` channels at element `base` of x (channels from
  // d0): one vector load where D is a multiple of the chunk, else one load
  // per channel below D.
  auto addChunk = [&](Value base, Value d0, ValueRange acc) {
    return k.ifElse(
        whole, accTypes,
        [&] {
          Value v = k.loadFrom(vecT, k.at(x, elt, base), 16);
          SmallVector<Value> res;
          for (int64_t e = 0; e < vec; ++e) {
            Value s = LLVM::ExtractElementOp::create(b, loc, v, k.ci32(e));
            res.push_back(k.fadd(acc[e], toF32(k, s)));
          }
          return res;
        },
        [&] {
          SmallVector<Value> res;
          for (int64_t e = 0; e < vec; ++e) {
            Value in = k.cmp(P::slt, k.add(d0, k.ci64(e)), D);
            res.push_back(k.ifElse(
                in, k.f32,
                [&] {
                  Value s = k.load(elt, x, k.add(base, k.ci64(e)));
                  return k.fadd(acc[e], toF32(k, s));
                },
                [&] { return acc[e]; }));
          }
          return res;
        });
  };
  // Only when a row has more than 128 chunks (rowsPar == 1) does a thread
  // take several chunks; threads beyond the last whole row group take none.
  Value first = k.select(k.cmp(P::ult, rg, rowsPar), cl, cpr);
  k.loop(first, cpr, cw, {}, [&](Value c, ValueRange) -> SmallVector<Value> {
    Value d0 = k.mul(c, k.ci64(vec));
    SmallVector<Value> acc = k.loop(
        rg, valid, rowsPar, zeros,
        [&](Value r, ValueRange a) -> SmallVector<Value> {
          Value slot = k.add(k.mul(n, Pb), r);
          Value row = k.ifElse(
              hasRows, k.i64,
              [&] { return k.toI64(k.load(k.i32, rows, slot, 4)); },
              [&] { return slot; });
          Value base = k.add(k.mul(k.add(slab, row), D), d0);
          return k.ifElse(
              k.cmp(P::sge, row, k.ci64(0)), accTypes,
              [&] { return addChunk(base, d0, a); },
              [&] { return SmallVector<Value>(a.begin(), a.end()); });
        });
    k.ifThenElse(
        k.cmp(P::eq, rowsPar, k.ci64(1)),
        [&] {
          for (int64_t e = 0; e < vec; ++e) {
            Value d = k.add(d0, k.ci64(e));
            k.ifThen(k.cmp(P::slt, d, D),
                     [&] { k.store(mean(acc[e]), out, k.add(outRow, d)); });
          }
        },
        [&] {
          for (int64_t e = 0; e < vec; ++e)
            k.store(acc[e], smem, k.add(k.mul(tid, k.ci64(vec)), k.ci64(e)), 4);
        });
    return {};
  });
  // Row groups' partial sums: chunk c of group g at slot (g * cw + c).
  k.ifThen(k.cmp(P::sgt, rowsPar, k.ci64(1)), [&] {
    k.barrier();
    k.loop(tid, D, threads, {}, [&](Value d, ValueRange) -> SmallVector<Value> {
      Value c = k.div(d, k.ci64(vec)), e = k.rem(d, k.ci64(vec));
      Value sum = k.loop(k.ci64(0), rowsPar, k.ci64(1), ValueRange{k.cf32(0)},
                         [&](Value g, ValueRange a) -> SmallVector<Value> {
                           Value slot = k.add(k.mul(g, cw), c);
                           Value idx = k.add(k.mul(slot, k.ci64(vec)), e);
                           return {k.fadd(a[0], k.load(k.f32, smem, idx, 4))};
                         })[0];
      k.store(mean(sum), out, k.add(outRow, d));
      return {};
    });
  });
  k.finish();
  return k.func();
}
