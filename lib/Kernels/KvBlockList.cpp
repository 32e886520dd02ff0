//===- KvBlockList.cpp - a query block's list of kv blocks ----------------===//

#include "KvBlockList.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::attn;

KvBlockList::KvBlockList(AttentionEmitter &e, const FlashKernelConfig &cfg,
                         Value J, Value h, Value bb)
    : e(e), cfg(cfg) {
  const int64_t BQ = cfg.blockQ, BKV = cfg.blockKv, R = cfg.subBlocks;
  const int64_t RQ = cfg.qSubBlocks > 0 ? cfg.qSubBlocks : R;
  nkv = e.ceilDivPos(e.Skv, BKV);
  // With sub-blocks, a table row covers RQ consecutive query blocks and each
  // listed tile expands into R kv blocks.
  Value nTiles = e.ceilDivPos(e.Sq, BQ * RQ);
  Value tileRow = RQ == 1 ? J : e.div(J, e.ci32(RQ));
  listRow = e.add(e.mul(e.add(e.mul(bb, e.Hq), h), nTiles), tileRow);
  total = nkv;
  tileCount = nkv;
  if (cfg.indexed) {
    Value c = e.load(e.i32, e.cnt, e.toI64(listRow), 4);
    tileCount = e.minS(e.maxS(c, e.ci32(0)), e.Kmax);
    total = R == 1 ? tileCount : e.mul(tileCount, e.ci32(R));
  }
}

std::pair<Value, Value> KvBlockList::blockAt(Value pos) {
  using P = arith::CmpIPredicate;
  const int64_t BKV = cfg.blockKv, R = cfg.subBlocks;
  Value id = pos, size = e.ci32(BKV);
  Value tileId, sub;
  if (cfg.indexed) {
    Value entry = pos;
    if (R > 1) {
      entry = e.div(pos, e.ci32(R));
      sub = e.rem(pos, e.ci32(R));
    }
    Value last = e.maxS(e.sub(tileCount, e.ci32(1)), e.ci32(0));
    Value p = e.minS(entry, last);
    id = e.load(e.i32, e.idx, e.add(e.mul(e.toI64(listRow), e.toI64(e.Kmax)),
                                    e.toI64(p)),
                4);
    if (R > 1) {
      // Range-check the tile before expanding it (a garbage id must not
      // wrap into range).
      tileId = id;
      Value tileOk = e.andI(e.cmp(P::sge, tileId, e.ci32(0)),
                            e.cmp(P::slt, tileId, e.ceilDivPos(e.Skv, BKV * R)));
      id = e.select(tileOk, e.add(e.mul(tileId, e.ci32(R)), sub), e.ci32(-1));
    }
  }
  Value inRange =
      e.andI(e.cmp(P::sge, id, e.ci32(0)), e.cmp(P::slt, id, nkv));
  id = e.select(inRange, id, e.ci32(0));
  if (cfg.hasBlockSizes && R == 1)
    size = e.load(e.i32, e.vbs, e.toI64(id), 4);
  if (cfg.hasBlockSizes && R > 1) {
    // Valid keys of the tile, past this sub-block's start, at most BKV.
    Value t = e.select(inRange, tileId, e.ci32(0));
    Value tileSize = e.load(e.i32, e.vbs, e.toI64(t), 4);
    size = e.maxS(e.sub(tileSize, e.mul(sub, e.ci32(BKV))), e.ci32(0));
    size = e.minS(size, e.ci32(BKV));
  }
  size = e.minS(size, e.sub(e.Skv, e.mul(id, e.ci32(BKV))));
  // Positions past the list (a prefetch after the last block) copy nothing.
  Value listed = e.cmp(P::slt, pos, total);
  size = e.select(e.andI(inRange, listed), size, e.ci32(0));
  return {id, size};
}

Value Fragments::pack(Value lo, Value hi) {
  // One cvt.rn.{bf16,f16}x2.f32 (its first source is the high half) instead
  // of two conversions, two widenings, a shift and an or.
  StringRef text = elt.isBF16() ? "cvt.rn.bf16x2.f32 $0, $1, $2;"
                                : "cvt.rn.f16x2.f32 $0, $1, $2;";
  return e.inlinePure(text, "=r,f,f", {hi, lo}, e.i32);
}

Value Fragments::quadReduce(Value v, bool isMax) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  for (int off : {1, 2}) {
    Value o = NVVM::ShflOp::create(b, loc, e.f32, e.ci32(-1), v, e.ci32(off),
                                   e.ci32(0x1f), NVVM::ShflKind::bfly,
                                   UnitAttr());
    v = isMax ? arith::MaximumFOp::create(b, loc, v, o).getResult()
              : arith::AddFOp::create(b, loc, v, o).getResult();
  }
  return v;
}
