//===- BlockMeanKernel.cpp - attn.block_mean on the GPU -------------------===//
//
// One CTA per (block, batch x head). A thread sums a chunk of 16 bytes of
// channels (8 bf16/f16 or 4 f32: one vector load per row where D is a
// multiple of the chunk) over every rowsPar-th row of the block, rowsPar =
// 128 / chunks-per-row row groups in parallel; the row groups' partial sums
// meet in shared memory. A thread issues the row-table loads of 8 rows,
// then their 8 vector loads, then the adds, with no branch between them:
// 8 loads in flight per thread. (Row by row, with the table load and a
// branch before each data load, the Wan 1.3B means took 39 us a launch on
// an H200, ~1.6 TB/s: two dependent memory latencies per row.)
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
  // Occupancy over depth: with 8 rows in flight ptxas gave the 16-bit
  // kernel 96 registers (5 CTAs an SM, 57% of DRAM bandwidth, stalls on
  // global loads); 4 rows in flight with 8 CTAs an SM as the floor (56
  // registers, no spills) measured 115 us against 160 us a Wan 1.3B launch
  // set on an H100 (bench/RESULTS.md, 2026-12-07). f32 rows (4 elements a
  // 16-byte load) keep the floor at 4.
  k.func()->setAttr("nvvm.minctasm",
                    b.getI32IntegerAttr(elt.isF32() ? 4 : 8));
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
  // acc + the channels below D of the chunk at element `base` of x
  // (channels from d0), one scalar load each: the path where D is not a
  // multiple of the chunk.
  auto addChunk = [&](Value base, Value d0, ValueRange acc) {
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
  };
  // The rows of a whole-chunk sum, kUnroll at a time: first every row's
  // table entry, then every row's 16-byte load, then the adds, with no
  // branch between them, so a thread has kUnroll loads in flight (a row
  // past `valid` or a pad slot reads row 0 of the slab and adds zero).
  // `table`: rows come from the row table (a kernel-uniform choice). Four
  // rows for 16-bit elements (see the occupancy note above); f32 keeps 8.
  const int64_t kUnroll = elt.isF32() ? 8 : 4;
  auto wholeRows = [&](Value d0, bool table) {
    return k.loop(
        rg, valid, k.mul(rowsPar, k.ci64(kUnroll)), zeros,
        [&](Value r0, ValueRange a) -> SmallVector<Value> {
          SmallVector<Value> row, ok;
          for (int64_t u = 0; u < kUnroll; ++u) {
            Value r = k.add(r0, k.mul(rowsPar, k.ci64(u)));
            Value in = k.cmp(P::slt, r, valid);
            Value slot = k.add(k.mul(n, Pb), k.select(in, r, rg));
            row.push_back(table ? k.toI64(k.load(k.i32, rows, slot, 4)) : slot);
            ok.push_back(in);
          }
          SmallVector<Value> vals;
          for (int64_t u = 0; u < kUnroll; ++u) {
            ok[u] = k.andI(ok[u], k.cmp(P::sge, row[u], k.ci64(0)));
            Value at = k.select(ok[u], row[u], k.ci64(0));
            Value base = k.add(k.mul(k.add(slab, at), D), d0);
            vals.push_back(k.loadFrom(vecT, k.at(x, elt, base), 16));
          }
          SmallVector<Value> res(a.begin(), a.end());
          for (int64_t u = 0; u < kUnroll; ++u)
            for (int64_t e = 0; e < vec; ++e) {
              Value s = toF32(
                  k, LLVM::ExtractElementOp::create(b, loc, vals[u], k.ci32(e)));
              res[e] = k.fadd(res[e], k.select(ok[u], s, k.cf32(0)));
            }
          return res;
        });
  };
  // Only when a row has more than 128 chunks (rowsPar == 1) does a thread
  // take several chunks; threads beyond the last whole row group take none.
  Value first = k.select(k.cmp(P::ult, rg, rowsPar), cl, cpr);
  k.loop(first, cpr, cw, {}, [&](Value c, ValueRange) -> SmallVector<Value> {
    Value d0 = k.mul(c, k.ci64(vec));
    SmallVector<Value> acc = k.ifElse(
        whole, accTypes,
        [&] {
          return k.ifElse(
              hasRows, accTypes, [&] { return wholeRows(d0, true); },
              [&] { return wholeRows(d0, false); });
        },
        [&] {
          return k.loop(
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
