//===- HopperAttentionKernel.cpp - flash attention on wgmma, TMA, mbarriers ===//
//
// CTA = warpgroup 0 (producer) + C = block_q / 64 consumer warpgroups.
//
// Shared memory (from a 1024-byte aligned base, so every 128-byte-swizzled
// tile starts on a swizzle atom): Q tiles [C][D / 64][64 rows][128 B], then
// `stages` K/V stages of [D / 64][BKV rows][128 B] for K and the same for V,
// then [stages][BKV] key-validity bytes (key mask only), then the mbarriers
// full[stages], empty[stages] and q.
//
// Producer (one thread): Q of every consumer onto `q`; then per list
// position j: wait until stage j % stages is empty (parity of the round),
// expect the stage's bytes on full[s] and issue the TMA box loads of kv block
// j's K and V (3-D maps: a box never crosses into the next head; rows past
// Skv arrive as zeros).
//
// Consumer warpgroup c (query rows J * block_q + 64c ...): per position j,
// wait full[s]; where the block is partial (or with a key mask) zero the V
// rows of invalid keys in shared memory (so that Inf/NaN there never meets
// p = 0; fence.proxy.async makes the writes visible to wgmma) and write the
// validity bytes; S = Q.K^T by D / 16 wgmma m64nBKVk16 (both operands by
// descriptor, K-major, 128-byte swizzle); masking, online softmax in exp2
// (rows g and g + 8 of each warp, quad shuffles, as in the mma.sync kernel);
// O = O * alpha; O += P.V by BKV / 16 wgmma m64nDk16 with P in registers (the
// register-A form: inline PTX, V by an MN-major descriptor); arrive on
// empty[s]. Then normalize and store rows < Sq.
//
// Raster-tile form (HopperAttentionKernel.h): the same, with the boxes of
// 5-D maps at the (t, h, w) origin of each (sub-)tile, keys masked by their
// coordinates where a box crosses the grid's edge, and O staged in the
// consumer's Q tile and written back by a TMA store of the query box.
//
//===----------------------------------------------------------------------===//

#include "attn/Kernels/HopperAttentionKernel.h"
#include "AttentionEmitter.h"
#include "KvBlockList.h"

#include "attnrt/abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr int64_t kBoxCols = 64;      // elements of a box row (128 bytes)
constexpr int64_t kRowBytes = 128;    // a swizzled tile row
constexpr int64_t kConsumerRows = 64; // query rows per consumer warpgroup
constexpr int64_t kWarpgroup = 128;   // threads

/// Ping-pong takes effect with two consumer warpgroups only (block_q 128).
bool pingPongOn(const HopperKernelConfig &cfg) {
  return cfg.pingPong && cfg.blockQ == 2 * kConsumerRows;
}
// setmaxnreg budgets: the producer keeps few registers, consumers take the
// rest of the CTA's share (C = 1: two CTAs per SM, 24 + 232 = 2 * 128;
// C = 2: one CTA, 24 + 2 * 240 <= 512).
constexpr int64_t kProducerRegs = 24;

/// Byte offsets of the shared-memory regions (from the aligned base).
struct Layout {
  int64_t C, NB, BKV, S;
  int64_t qTile() const { return kConsumerRows * kRowBytes; }
  int64_t kvTile() const { return BKV * kRowBytes; }
  int64_t q(int64_t c, int64_t d) const { return (c * NB + d) * qTile(); }
  int64_t ring() const { return C * NB * qTile(); }
  int64_t stage() const { return 2 * NB * kvTile(); }
  int64_t maskBytes() const { return ring() + S * stage(); }
  int64_t barriers(bool keyMask) const {
    // Key validity bytes: one row of BKV per consumer and stage (each
    // consumer writes and reads its own, no cross-warpgroup hazard).
    return llvm::alignTo(maskBytes() + (keyMask ? C * S * BKV : 0), 8);
  }
  int64_t total(bool keyMask) const {
    return barriers(keyMask) + 8 * (2 * S + 1);
  }
};

Layout layoutOf(const HopperKernelConfig &cfg) {
  return {cfg.blockQ / kConsumerRows, cfg.headDim / kBoxCols, cfg.blockKv,
          cfg.stages};
}

class Emitter : public AttentionEmitter {
public:
  Emitter(OpBuilder &b, Location loc, gpu::GPUModuleOp module, StringRef name,
          const HopperKernelConfig &cfg)
      : AttentionEmitter(b, loc, module, name, hopperKernelContract(cfg),
                         (name + "_smem").str(), /*sharedAlign=*/1024),
        cfg(cfg), L(layoutOf(cfg)),
        elt(cfg.elementType == FlashElementType::BF16 ? Type(b.getBF16Type())
                                                      : Type(b.getF16Type())),
        qMap(arg(ATTNRT_ATTN_Q_MAP)), kMap(arg(ATTNRT_ATTN_K_MAP)),
        vMap(arg(ATTNRT_ATTN_V_MAP)), raster(cfg.rasterTile) {
    if (raster.enabled())
      oMap = arg(ATTNRT_ATTN_O_MAP);
    if (raster.enabled() && cfg.gatedCombine) {
      gateMap = arg(ATTNRT_ATTN_COMBINE_GATE_MAP);
      coarse = arg(ATTNRT_ATTN_COMBINE_COARSE);
    }
    if (raster.enabled() && cfg.rasterText) {
      textQMap = arg(ATTNRT_ATTN_TEXT_Q_MAP);
      textKMap = arg(ATTNRT_ATTN_TEXT_K_MAP);
      textVMap = arg(ATTNRT_ATTN_TEXT_V_MAP);
      textOMap = arg(ATTNRT_ATTN_TEXT_O_MAP);
    }
  }

  void emit();
  /// The work of one CTA: query block J of head h, batch bb.
  void emitBlock(Value J, Value h, Value bb);

private:
  // Shared memory: byte `off` of the aligned base, as a shared pointer and
  // as its 64-bit shared-window address (for descriptors).
  Value sptrAt(Value off) { return at(base, i8, toI64(off)); }
  Value sptrAt(int64_t off) { return sptrAt(ci32(off)); }
  Value addrOf(Value sp) {
    return LLVM::PtrToIntOp::create(b, loc, i64, sp);
  }
  Value barrierAt(Value off) { return sptrAt(off); }

  /// A wgmma matrix descriptor for the tile at shared address `addr` (i64)
  /// with 128-byte swizzle: start >> 4, leading / stride byte offsets >> 4.
  Value descriptor(Value addr, int64_t lbo, int64_t sbo) {
    uint64_t c = (uint64_t(1) << 62) | (uint64_t(sbo >> 4) << 32) |
                 (uint64_t(lbo >> 4) << 16);
    Value start = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, addr, ci64(4)), ci64(0x3FFF));
    return arith::OrIOp::create(b, loc, start, ci64(int64_t(c)));
  }
  /// The descriptor of the tile `off` bytes after the one `desc` describes:
  /// the start field is the address >> 4 in 14 bits, and every tile of the
  /// (< 228 KiB) shared memory has its address below 2^18, so adding
  /// off >> 4 never carries out of the field. One 64-bit add per wgmma
  /// instead of add, shift, and, or: the uniform datapath's share of the
  /// loop's issue slots shrinks.
  Value descriptorPlus(Value desc, int64_t off) {
    assert(off % 16 == 0 && off >= 0 && "descriptor offsets are 16-byte aligned");
    return off ? add(desc, ci64(off >> 4)) : desc;
  }

  /// One wgmma m64nNk16 with f32 accumulators `acc` (N / 2 per thread):
  /// A from the descriptor `descA` or, with `aRegs`, from 4 registers;
  /// B from `descB` (MN-major when `transB`). `accumulate` false ignores acc.
  SmallVector<Value> wgmma(int64_t N, ArrayRef<Value> acc, Value descA,
                           ArrayRef<Value> aRegs, Value descB, bool accumulate,
                           bool transB) {
    const int64_t n = N / 2;
    std::string ty = cfg.elementType == FlashElementType::BF16 ? "bf16" : "f16";
    // scale-d as a literal: no register defined between wgmmas (C7513).
    std::string s = "{\n.reg .pred p;\nsetp.ne.b32 p, " +
                    std::string(accumulate ? "1" : "0") +
                    ", 0;\nwgmma.mma_async.sync.aligned.m64n" +
                    std::to_string(N) + "k16.f32." + ty + "." + ty + " {";
    std::string cons;
    for (int64_t i = 0; i < n; ++i) {
      s += (i ? ", $" : "$") + std::to_string(i);
      cons += (i ? ",=f" : "=f");
    }
    for (int64_t i = 0; i < n; ++i)
      cons += "," + std::to_string(i);
    SmallVector<Value> operands(acc.begin(), acc.end());
    int64_t next = 2 * n;
    if (aRegs.empty()) {
      s += "}, $" + std::to_string(next++);
      cons += ",l";
      operands.push_back(descA);
    } else {
      s += "}, {";
      for (int i = 0; i < 4; ++i) {
        s += (i ? ", $" : "$") + std::to_string(next++);
        cons += ",r";
        operands.push_back(aRegs[i]);
      }
      s += "}";
    }
    s += ", $" + std::to_string(next++) + ", p, 1, 1";
    cons += ",l";
    operands.push_back(descB);
    s += aRegs.empty() ? std::string(", 0, ") + (transB ? "1" : "0")
                       : std::string(", ") + (transB ? "1" : "0");
    s += ";\n}";
    return inlinePtx(s, cons, operands, f32, n);
  }
  /// Inline PTX with side effects (kept in program order); with `n` results
  /// of type `ty` (a literal struct of them), returned one by one.
  SmallVector<Value> inlinePtx(StringRef text, StringRef cons,
                               ValueRange operands, Type ty = Type(),
                               int64_t n = 0) {
    Type res = n ? LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                   SmallVector<Type>(n, ty))
                 : Type();
    Value all = inlineAsm(text, cons, operands, res, /*sideEffects=*/true);
    SmallVector<Value> out;
    for (int64_t i = 0; i < n; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, loc, all, ArrayRef<int64_t>{i}));
    return out;
  }
  void asmVoid(StringRef text, StringRef cons, ValueRange operands) {
    inlinePtx(text, cons, operands);
  }
  /// bar.sync on named barrier `id` for `threads` threads.
  void namedBarrier(Value id, int64_t threads) {
    asmVoid("bar.sync $0, " + std::to_string(threads) + ";", "r", {id});
  }
  /// bar.arrive on named barrier `id` (of `threads` threads): counts this
  /// warpgroup without waiting.
  void namedBarrierArrive(Value id, int64_t threads) {
    asmVoid("bar.arrive $0, " + std::to_string(threads) + ";", "r", {id});
  }
  /// The values, pinned in program order (an empty volatile asm that reads
  /// and writes them): what is computed from wgmma results stays after the
  /// wgmma.wait_group before it, and what feeds a wgmma is computed before
  /// the wgmma.fence after it.
  SmallVector<Value> fenceRegs(ArrayRef<Value> vals) {
    if (vals.empty())
      return {};
    Type ty = vals.front().getType();
    std::string code = ty.isF32() ? "f" : ty.isInteger(64) ? "l" : "r";
    std::string cons;
    for (size_t i = 0; i < vals.size(); ++i)
      cons += (i ? ",=" : "=") + code;
    for (size_t i = 0; i < vals.size(); ++i)
      cons += "," + std::to_string(i);
    return inlinePtx("", cons, vals, ty, vals.size());
  }
  /// Keeps the next wgmma.wait_group or bar.sync after `x` and `y` are
  /// computed. ptxas schedules those as early as their basic block allows
  /// (they have no operands), which put wait_group 0 of the overlapped loop
  /// before the softmax it was meant to overlap (seen in the SASS:
  /// WARPGROUP.DEPBAR.LE gsb0, 0x0 right after wait_group 1), and the
  /// ping-pong turn of P.V before the softmax too. A fence that only runs when one of
  /// `x`, `y` is NaN (harmless if it ever does) ends the block there: ptxas
  /// makes it a branch around a MEMBAR, and the wait stays below it.
  void waitAfter(Value x, Value y) {
    asmVoid("{\n.reg .pred p;\nsetp.nan.f32 p, $0, $1;\n@p membar.cta;\n}", "f,f",
            {x, y});
  }
  void waitParity(Value bar, Value parity) {
    NVVM::MBarrierTryWaitParityOp::create(b, loc, bar, parity,
                                          ci32(0x989680));
  }
  /// TMA box load of `map` at `coords` into `dst`, completing on `bar`.
  void tmaLoad(Value dst, Value map, ArrayRef<Value> coords, Value bar) {
    auto cluster = LLVM::LLVMPointerType::get(b.getContext(), 7);
    Value d = LLVM::AddrSpaceCastOp::create(b, loc, cluster, dst);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, loc, d, map, coords, bar, ValueRange{}, Value(), Value(),
        NVVM::TMALoadModeAttr::get(b.getContext(), NVVM::TMALoadMode::TILE),
        b.getBoolAttr(false), NVVM::CTAGroupKindAttr(), Value());
  }

  /// TMA box store of the shared tile `src` to `map` at `coords`, in this
  /// thread's bulk async-group.
  void tmaStore(Value src, Value map, ArrayRef<Value> coords) {
    NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp::create(
        b, loc, map, src, coords, Value(), NVVM::TMAStoreMode::TILE, Value());
  }
  /// Generic-proxy writes to shared memory become visible to the async
  /// proxy (TMA, wgmma) of this CTA.
  void fenceProxyAsync() {
    NVVM::FenceProxyOp::create(
        b, loc,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  }

  // The raster-tile form. The grid comes from i32 parameters (not folded
  // into constants: the video grid becomes a run-time value, issue 14).
  /// Reads T, Hh, W and the tile counts; the sequence is then the
  /// tile-major one (Sq = Skv = N * P, what KvBlockList walks).
  void rasterSetup();
  /// Where block `id` of `rows` tokens of the tile-major sequence lies in
  /// the grid: its tile's h and w origin and the t of its first t-slice
  /// (sub-blocks of a tile follow each other along t).
  struct Origin {
    Value t, h, w;
  };
  Origin rasterOrigin(Value id, int64_t rows);
  /// The box coordinates (innermost first) of column block `d` of the box
  /// at `o` in slab (batch * heads + head) `n`.
  SmallVector<Value> rasterCoords(int64_t d, const Origin &o, Value n) {
    return {ci32(d * kBoxCols), o.w, o.h, o.t, n};
  }
  /// With a text segment: whether `rows`-row block `id` lies past the image
  /// tiles, and its first row in the text tensors.
  Value isTextBlock(Value id, int64_t rows) {
    return cmp(arith::CmpIPredicate::sge, mul(id, ci32(rows)), imageSlots);
  }
  Value textRow(Value id, int64_t rows) {
    return sub(mul(id, ci32(rows)), imageSlots);
  }
  /// TMA of the `rows`-row block `id` of the tile-major sequence in head
  /// slab `n`, for each tensor i: between shared memory at byte offs[i]
  /// (its D / 64 column boxes `tileBytes` apart) and a raster box of
  /// maps[i], or with a text segment, a 3-D box of textMaps[i] for a block
  /// past the image tiles. `bar`: loads completing on it; null: stores.
  void tmaBlock(ArrayRef<Value> offs, int64_t tileBytes, ArrayRef<Value> maps,
                ArrayRef<Value> textMaps, Value id, int64_t rows, Value n,
                Value bar) {
    auto boxes = [&](ArrayRef<Value> ms,
                     function_ref<SmallVector<Value>(int64_t)> at) {
      for (int64_t d = 0; d < L.NB; ++d) {
        SmallVector<Value> coords = at(d);
        for (auto [off, m] : llvm::zip(offs, ms)) {
          Value dst = sptrAt(add(off, ci32(d * tileBytes)));
          if (bar)
            tmaLoad(dst, m, coords, bar);
          else
            tmaStore(dst, m, coords);
        }
      }
    };
    auto image = [&] {
      Origin o = rasterOrigin(id, rows);
      boxes(maps, [&](int64_t d) { return rasterCoords(d, o, n); });
    };
    if (!cfg.rasterText)
      return image();
    ifThenElse(
        isTextBlock(id, rows),
        [&] {
          Value row = textRow(id, rows);
          boxes(textMaps, [&](int64_t d) {
            return SmallVector<Value>{ci32(d * kBoxCols), row, n};
          });
        },
        image);
  }

  void producer(Value J, Value h, Value bb, Value hk, KvBlockList &list);
  void consumer(Value c, Value J, Value h, Value bb, KvBlockList &list);

  const HopperKernelConfig &cfg;
  Layout L;
  Type elt;
  Value qMap, kMap, vMap;
  Value base; // aligned shared base (ptr<3>)
  // Raster-tile form only: out's map, the grid (T, Hh, W) and its tiles
  // along h and w.
  RasterTile raster;
  Value oMap, gridT, gridH, gridW, tilesH, tilesW;
  // With a text segment: the text maps, the image tiles' slots (N * P) and
  // the valid text keys.
  Value textQMap, textKMap, textVMap, textOMap, imageSlots, textLength,
      textTokens;
  /// cfg.longFirst: this CTA's (query block, head, batch) in the order
  /// that starts the text query blocks first, and whether its block holds
  /// any row but padding (else it does nothing).
  std::array<Value, 4> longFirstOrder();
  // With the gated combine: the gate's map and the coarse output.
  Value gateMap, coarse;
};

void Emitter::rasterSetup() {
  gridT = arg(ATTNRT_ATTN_GRID_T);
  gridH = arg(ATTNRT_ATTN_GRID_H);
  gridW = arg(ATTNRT_ATTN_GRID_W);
  tilesH = ceilDivPos(gridH, raster.h);
  tilesW = ceilDivPos(gridW, raster.w);
  Value tiles = mul(mul(ceilDivPos(gridT, raster.t), tilesH), tilesW);
  imageSlots = mul(tiles, ci32(raster.size()));
  Sq = Skv = imageSlots;
  if (cfg.rasterText) {
    textTokens = arg(ATTNRT_ATTN_TEXT_TOKENS);
    textLength = minS(maxS(arg(ATTNRT_ATTN_TEXT_LENGTH), ci32(0)), textTokens);
    Value textTiles = ceilDivPos(textTokens, raster.size());
    Sq = Skv = mul(add(tiles, textTiles), ci32(raster.size()));
  }
}

std::array<Value, 4> Emitter::longFirstOrder() {
  using P = arith::CmpIPredicate;
  // The CTA's linear id L in launch order (x fastest): the text query
  // blocks of every head and batch first (each walks every kv block, about
  // as long as 11 image blocks on the Hunyuan layer, so started last they
  // ran alone at the end), then the image blocks, then the blocks past the
  // text tokens, which hold padding rows only.
  Value gx = NVVM::GridDimXOp::create(b, loc, i32);
  Value gy = NVVM::GridDimYOp::create(b, loc, i32);
  Value gz = NVVM::GridDimZOp::create(b, loc, i32);
  Value lin = add(bidX(), mul(gx, add(bidY(), mul(gy, bidZ()))));
  Value heads = mul(gy, gz);
  Value one = ci32(1);
  Value nImg = div(imageSlots, ci32(cfg.blockQ));
  Value nTxt = ceilDivPos(textTokens, cfg.blockQ);
  Value nPad = maxS(sub(sub(gx, nImg), nTxt), ci32(0));
  Value txtAll = mul(nTxt, heads), imgAll = mul(nImg, heads);
  Value l2 = sub(lin, txtAll), l3 = sub(l2, imgAll);
  Value isTxt = cmp(P::slt, lin, txtAll);
  Value isImg = andI(cmp(P::sge, lin, txtAll), cmp(P::slt, l2, imgAll));
  // Per class: (first block, blocks a head, position in the class); the
  // divisors are >= 1 (a class with no blocks is never selected).
  auto part = [&](Value first, Value n, Value pos) {
    Value d = maxS(n, one);
    return std::make_pair(add(first, rem(pos, d)), div(pos, d));
  };
  auto [jTxt, hbTxt] = part(nImg, nTxt, lin);
  auto [jImg, hbImg] = part(ci32(0), nImg, maxS(l2, ci32(0)));
  auto [jPad, hbPad] = part(add(nImg, nTxt), nPad, maxS(l3, ci32(0)));
  Value J = select(isTxt, jTxt, select(isImg, jImg, jPad));
  Value hb = select(isTxt, hbTxt, select(isImg, hbImg, hbPad));
  Value work = arith::OrIOp::create(b, loc, isTxt, isImg);
  return {J, rem(hb, gy), div(hb, gy), work};
}

Emitter::Origin Emitter::rasterOrigin(Value id, int64_t rows) {
  const int64_t perTile = raster.size() / rows;
  const int64_t slices = rows / (raster.h * raster.w);
  Value tile = perTile == 1 ? id : div(id, ci32(perTile));
  Value rest = div(tile, tilesW);
  Origin o;
  o.w = mul(rem(tile, tilesW), ci32(raster.w));
  o.h = mul(rem(rest, tilesH), ci32(raster.h));
  o.t = mul(div(rest, tilesH), ci32(raster.t));
  if (perTile > 1)
    o.t = add(o.t, mul(rem(id, ci32(perTile)), ci32(slices)));
  return o;
}

void Emitter::producer(Value J, Value h, Value bb, Value hk,
                       KvBlockList &list) {
  const int64_t BKV = cfg.blockKv, S = cfg.stages;
  Value qBar = barrierAt(ci32(L.barriers(cfg.hasKeyMask) + 16 * S));
  NVVM::MBarrierArriveExpectTxOp::create(
      b, loc, Type(), qBar, ci32(L.C * L.NB * L.qTile()),
      NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::CTA),
      b.getBoolAttr(false), Value());
  Value qHead = add(mul(bb, Hq), h);
  for (int64_t c = 0; c < L.C; ++c) {
    if (raster.enabled()) {
      // Consumer c's 64 rows are 64-row block J * C + c of the sequence.
      tmaBlock({ci32(L.q(c, 0))}, L.qTile(), {qMap}, {textQMap},
               add(mul(J, ci32(L.C)), ci32(c)), kConsumerRows, qHead, qBar);
      continue;
    }
    for (int64_t d = 0; d < L.NB; ++d)
      tmaLoad(sptrAt(L.q(c, d)), qMap,
              {ci32(d * kBoxCols),
               add(mul(J, ci32(cfg.blockQ)), ci32(c * kConsumerRows)), qHead},
              qBar);
  }
  Value kvHead = add(mul(bb, Hkv), hk);
  loop(ci32(0), list.count(), ci32(1), {},
       [&](Value j, ValueRange) -> SmallVector<Value> {
         Value s = rem(j, ci32(S));
         Value round = div(j, ci32(S));
         Value barOff = add(ci32(L.barriers(cfg.hasKeyMask)), mul(s, ci32(8)));
         Value full = barrierAt(barOff);
         Value empty = barrierAt(add(barOff, ci32(8 * S)));
         // The first round finds every stage empty (parity 1 of a fresh
         // barrier counts as completed).
         waitParity(empty, arith::XOrIOp::create(
                               b, loc, andI(round, ci32(1)), ci32(1)));
         Value id = list.blockAt(j).first;
         NVVM::MBarrierArriveExpectTxOp::create(
             b, loc, Type(), full, ci32(L.stage()),
             NVVM::MemScopeKindAttr::get(b.getContext(),
                                         NVVM::MemScopeKind::CTA),
             b.getBoolAttr(false), Value());
         Value stageOff = add(ci32(L.ring()), mul(s, ci32(L.stage())));
         if (raster.enabled()) {
           tmaBlock({stageOff, add(stageOff, ci32(L.NB * L.kvTile()))},
                    L.kvTile(), {kMap, vMap}, {textKMap, textVMap}, id, BKV,
                    kvHead, full);
           return {};
         }
         Value row = mul(id, ci32(BKV));
         for (int64_t d = 0; d < L.NB; ++d) {
           Value col = ci32(d * kBoxCols);
           tmaLoad(sptrAt(add(stageOff, ci32(d * L.kvTile()))), kMap,
                   {col, row, kvHead}, full);
           tmaLoad(sptrAt(add(stageOff, ci32((L.NB + d) * L.kvTile()))), vMap,
                   {col, row, kvHead}, full);
         }
         return {};
       });
}

void Emitter::consumer(Value c, Value J, Value h, Value bb,
                       KvBlockList &list) {
  using P = arith::CmpIPredicate;
  const int64_t D = cfg.headDim, BKV = cfg.blockKv, S = cfg.stages;
  const int64_t nS = BKV / 8, nO = D / 8;
  Value tid = tidX();
  Value ctid = andI(tid, ci32(kWarpgroup - 1));
  Value warp = arith::ShRUIOp::create(b, loc, ctid, ci32(5));
  Value lane = andI(ctid, ci32(31));
  Value g = arith::ShRUIOp::create(b, loc, lane, ci32(2));
  Value t = andI(lane, ci32(3));
  Value t2 = mul(t, ci32(2));
  Value barId = add(c, ci32(1)); // named barrier of this warpgroup
  Fragments frag{*this, elt};

  Value row0 = add(add(mul(J, ci32(cfg.blockQ)), mul(c, ci32(kConsumerRows))),
                   add(mul(warp, ci32(16)), g));
  Value row1 = add(row0, ci32(8));
  Value rowIn[2] = {cmp(P::slt, row0, Sq), cmp(P::slt, row1, Sq)};
  Value qSlab = add(mul(bb, Hq), h); // this (batch, head)'s slab
  Value qHead = toI64(qSlab);
  Value qRow[2] = {mul(add(mul(qHead, toI64(Sq)), toI64(row0)), ci64(D)),
                   mul(add(mul(qHead, toI64(Sq)), toI64(row1)), ci64(D))};

  const int64_t barBase = L.barriers(cfg.hasKeyMask);
  waitParity(barrierAt(ci32(barBase + 16 * S)), ci32(0));
  Value baseAddr = addrOf(base);
  // Q descriptors of this consumer, one per 16-column k-step.
  Value qOff = mul(c, ci32(L.NB * L.qTile()));
  SmallVector<Value> qDesc, qFrag;
  if (cfg.qInRegs) {
    // The register A fragments of this warp's 16 rows (warp * 16 + g and
    // + 8), k-step ks at [4ks, 4ks + 4): (row g, columns 16ks + 2t, +1),
    // (row g + 8, same), (row g, + 8), (row g + 8, + 8), as packP lays P
    // out. In the 128-byte swizzle, the 16-byte chunk k of tile row R sits
    // at chunk k ^ (R % 8), and R % 8 is g: the warp's 32 loads hit 32
    // different banks.
    for (int64_t ks = 0; ks < D / 16; ++ks)
      for (int i = 0; i < 4; ++i) {
        Value row = add(add(mul(warp, ci32(16)), g), ci32(8 * (i % 2)));
        Value chunk = arith::XOrIOp::create(
            b, loc, g, ci32((ks % 4) * 2 + i / 2));
        Value off = add(add(qOff, ci32((ks / 4) * L.qTile())),
                        add(mul(row, ci32(kRowBytes)),
                            add(mul(chunk, ci32(16)), mul(t, ci32(4)))));
        qFrag.push_back(LLVM::LoadOp::create(b, loc, i32, sptrAt(off), 4));
      }
    // Pinned here: defined once, before every wgmma.fence that reads them.
    qFrag = fenceRegs(qFrag);
  } else {
    for (int64_t ks = 0; ks < D / 16; ++ks) {
      Value a = add(baseAddr, toI64(add(qOff, ci32((ks / 4) * L.qTile() +
                                                    (ks % 4) * 32))));
      qDesc.push_back(descriptor(a, 16, 1024));
    }
  }

  const float negInf = -std::numeric_limits<float>::infinity();
  const float scaleLog2 = cfg.scale * 1.4426950408889634f;
  Value maskRow = mul(toI64(bb), toI64(Skv));
  Value lastKey = sub(Skv, ci32(1));
  auto stageOffOf = [&](Value s) {
    return add(ci32(L.ring()), mul(s, ci32(L.stage())));
  };
  auto vOffOf = [&](Value s) {
    return add(stageOffOf(s), ci32(L.NB * L.kvTile()));
  };

  // Kv list position j: wait until its stage is full; where the block is
  // partial (or with a key mask) zero the V rows of invalid keys in shared
  // memory (so that Inf/NaN there never meets p = 0; fence.proxy.async
  // makes the writes visible to wgmma) and write the validity bytes.
  struct Block {
    Value s, size, maskOff, partial;
    // Whether scores need masking: partial, or (raster-tile form) the box
    // reaches past the grid; then also the t-slices, rows and columns of
    // the box inside the grid (<= 0: none).
    Value masked, limT, limH, limW;
  };
  auto acquire = [&](Value j) -> Block {
    Block blk;
    blk.s = rem(j, ci32(S));
    Value round = div(j, ci32(S));
    waitParity(barrierAt(add(ci32(barBase), mul(blk.s, ci32(8)))),
               andI(round, ci32(1)));
    auto [id, size] = list.blockAt(j);
    blk.size = size;
    Value text; // with a text segment: the block is a text block
    if (raster.enabled() && cfg.rasterText) {
      // Text keys at or past the text length are invalid (their V rows
      // are zeroed below, like a partial block's).
      text = isTextBlock(id, BKV);
      Value valid = minS(maxS(sub(textLength, textRow(id, BKV)), ci32(0)),
                         ci32(BKV));
      blk.size = select(text, minS(size, valid), size);
    }
    Value vOff = vOffOf(blk.s);
    blk.maskOff = add(ci32(L.maskBytes()),
                      mul(add(mul(c, ci32(S)), blk.s), ci32(BKV)));
    blk.partial =
        cfg.hasKeyMask ? cTrue() : cmp(P::slt, blk.size, ci32(BKV));
    ifThen(blk.partial, [&] {
      // One key row a thread (blocks of more than 128 keys: several).
      for (int64_t r0 = 0; r0 < BKV; r0 += kWarpgroup) {
        Value key = r0 ? add(ctid, ci32(r0)) : ctid;
        ifThen(cmp(P::slt, key, ci32(BKV)), [&] {
          Value valid = cmp(P::slt, key, blk.size);
          if (cfg.hasKeyMask) {
            Value pos = minS(add(mul(id, ci32(BKV)), key), lastKey);
            Value m = load(i8, keyMask, add(maskRow, toI64(pos)), 1);
            valid = andI(valid, cmp(P::ne, m,
                                    arith::ConstantIntOp::create(b, loc, i8, 0)));
            LLVM::StoreOp::create(b, loc,
                                  arith::ExtUIOp::create(b, loc, i8, valid),
                                  sptrAt(add(blk.maskOff, key)), 1);
          }
          Value invalid = arith::XOrIOp::create(b, loc, valid, cTrue());
          ifThen(invalid, [&] {
            auto v4 = VectorType::get({4}, i32);
            Value zero = arith::ConstantOp::create(
                b, loc, v4, DenseElementsAttr::get(v4, b.getI32IntegerAttr(0)));
            for (int64_t d = 0; d < L.NB; ++d)
              for (int64_t chunk = 0; chunk < kRowBytes / 16; ++chunk)
                LLVM::StoreOp::create(
                    b, loc, zero,
                    sptrAt(add(add(vOff, ci32(d * L.kvTile() + chunk * 16)),
                               mul(key, ci32(kRowBytes)))),
                    16);
          });
        });
      }
      fenceProxyAsync();
      namedBarrier(barId, kWarpgroup);
    });
    blk.masked = blk.partial;
    if (raster.enabled()) {
      // Keys outside the grid arrived as zeros (V included, so nothing to
      // clear) at their (t, h, w) slots: masked by coordinate.
      Origin o = rasterOrigin(id, BKV);
      blk.limT = sub(gridT, o.t);
      blk.limH = sub(gridH, o.h);
      blk.limW = sub(gridW, o.w);
      if (text) {
        // A text block lies inside no grid: every slot passes the
        // coordinate test (its size masks it).
        Value all = ci32(1 << 20);
        blk.limT = select(text, all, blk.limT);
        blk.limH = select(text, all, blk.limH);
        blk.limW = select(text, all, blk.limW);
      }
      Value edge = arith::OrIOp::create(
          b, loc,
          arith::OrIOp::create(
              b, loc, cmp(P::slt, blk.limT, ci32(BKV / (raster.h * raster.w))),
              cmp(P::slt, blk.limH, ci32(raster.h))),
          cmp(P::slt, blk.limW, ci32(raster.w)));
      blk.masked = arith::OrIOp::create(b, loc, blk.partial, edge);
    }
    return blk;
  };
  // Raster-tile form: key `col` of the block lies inside the grid (its
  // slot in the box: t-slice col / (th * tw), row (col / tw) % th, column
  // col % tw).
  auto keyInGrid = [&](const Block &blk, Value col) {
    Value ts = div(col, ci32(raster.h * raster.w));
    Value hs = rem(div(col, ci32(raster.w)), ci32(raster.h));
    Value ws = rem(col, ci32(raster.w));
    return andI(andI(cmp(P::slt, ts, blk.limT), cmp(P::slt, hs, blk.limH)),
                cmp(P::slt, ws, blk.limW));
  };
  // The stage is free for the producer.
  auto release = [&](Value s) {
    NVVM::MBarrierArriveOp::create(
        b, loc, Type(),
        barrierAt(add(ci32(barBase), mul(add(s, ci32(S)), ci32(8)))), Value(),
        NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::CTA),
        b.getBoolAttr(false));
  };
  // Operands of a wgmma group are computed before its wgmma.fence (a
  // register defined between the fence and the wgmma serializes them,
  // ptxas C7513): the K descriptors of stage s and zeros for S, the V
  // descriptors of stage s.
  struct Operands {
    SmallVector<Value> kDesc, vDesc, zeros;
  };
  auto withQK = [&](Operands ops, Value s) {
    Value kDesc0 = descriptor(add(baseAddr, toI64(stageOffOf(s))), 16, 1024);
    for (int64_t ks = 0; ks < D / 16; ++ks)
      ops.kDesc.push_back(
          descriptorPlus(kDesc0, (ks / 4) * L.kvTile() + (ks % 4) * 32));
    ops.kDesc = fenceRegs(ops.kDesc);
    ops.zeros = fenceRegs(SmallVector<Value>(nS * 4, cf32(0)));
    return ops;
  };
  auto withPV = [&](Operands ops, Value s) {
    Value vDesc0 = descriptor(add(baseAddr, toI64(vOffOf(s))), L.kvTile(), 1024);
    for (int64_t kk = 0; kk < BKV / 16; ++kk)
      ops.vDesc.push_back(descriptorPlus(vDesc0, kk * 16 * kRowBytes));
    ops.vDesc = fenceRegs(ops.vDesc);
    return ops;
  };
  // S = Q.K^T: D / 16 wgmma m64nBKVk16 (issued, not waited for).
  auto issueQK = [&](const Operands &ops) {
    SmallVector<Value> sacc = ops.zeros;
    for (int64_t ks = 0; ks < D / 16; ++ks)
      sacc = cfg.qInRegs
                 ? wgmma(BKV, sacc, Value(),
                         ArrayRef<Value>(qFrag).slice(ks * 4, 4),
                         ops.kDesc[ks], ks > 0, false)
                 : wgmma(BKV, sacc, qDesc[ks], {}, ops.kDesc[ks], ks > 0,
                         false);
    return sacc;
  };
  // O += P.V: BKV / 16 wgmma m64nDk16, P's packed accumulator tiles
  // (2kk, 2kk + 1) as the register A fragment of k-step kk; V MN-major.
  auto issuePV = [&](SmallVector<Value> acc, ArrayRef<Value> pa,
                     const Operands &ops) {
    for (int64_t kk = 0; kk < BKV / 16; ++kk)
      acc = wgmma(D, acc, Value(), pa.slice(kk * 4, 4), ops.vDesc[kk], true,
                  true);
    return acc;
  };
  // Masking and the online softmax in exp2 of a finished S (rows g and
  // g + 8 of each warp, quad shuffles, as in the mma.sync kernel): P packed
  // for the register-A wgmma, the new row maxima, the rescale factors of
  // the running output and the rows' sums of P.
  struct Softmax {
    SmallVector<Value> p; // f32, in S's accumulator order
    Value mNew[2], alpha[2], rowSum[2];
  };
  auto softmax = [&](const Block &blk, ArrayRef<Value> sacc,
                     ArrayRef<Value> mOld) {
    // Scaled first (log2(e) / sqrt(D) folded in), or with fmaSoftmax the
    // max of the raw scores (the scale is positive) and one fma per
    // exponent, s * c - m: nS * 4 multiplies less per block. (With overlap
    // and ping-pong the raster-tile kernel spilled 4 bytes that way.)
    SmallVector<Value> sv;
    for (Value x : sacc)
      sv.push_back(cfg.fmaSoftmax ? x : fmul(x, cf32(scaleLog2)));
    // Mask invalid keys to -inf where the block needs it.
    sv = ifElse(
        blk.masked, SmallVector<Type>(nS * 4, f32),
        [&] {
          SmallVector<Value> masked;
          for (int64_t nt = 0; nt < nS; ++nt)
            for (int i = 0; i < 4; ++i) {
              Value col = add(ci32(nt * 8 + i % 2), t2);
              Value valid;
              if (cfg.hasKeyMask) {
                Value m = LLVM::LoadOp::create(
                    b, loc, i8, sptrAt(add(blk.maskOff, col)), 1);
                valid = cmp(P::ne, m,
                            arith::ConstantIntOp::create(b, loc, i8, 0));
              } else {
                valid = cmp(P::slt, col, blk.size);
                if (raster.enabled())
                  valid = andI(valid, keyInGrid(blk, col));
              }
              masked.push_back(select(valid, sv[nt * 4 + i], cf32(negInf)));
            }
          return masked;
        },
        [&] { return sv; });
    Softmax r;
    for (int q = 0; q < 2; ++q) {
      Value mx = cf32(negInf);
      for (int64_t nt = 0; nt < nS; ++nt)
        for (int e = 0; e < 2; ++e)
          mx = arith::MaximumFOp::create(b, loc, mx, sv[nt * 4 + 2 * q + e]);
      Value rowMax = frag.quadReduce(mx, true);
      if (cfg.fmaSoftmax)
        rowMax = fmul(rowMax, cf32(scaleLog2));
      r.mNew[q] = arith::MaximumFOp::create(b, loc, mOld[q], rowMax);
      // Until a row has seen a valid key its max is -inf: use 0 so that
      // exp2(-inf - 0) = 0 instead of NaN.
      Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          r.mNew[q], cf32(negInf));
      Value mUse = select(isInf, cf32(0), r.mNew[q]);
      r.alpha[q] = exp2Ftz(arith::SubFOp::create(b, loc, mOld[q], mUse));
      r.rowSum[q] = cf32(0);
      for (int64_t nt = 0; nt < nS; ++nt)
        for (int e = 0; e < 2; ++e) {
          Value &x = sv[nt * 4 + 2 * q + e];
          x = exp2Ftz(cfg.fmaSoftmax
                          ? LLVM::FMAOp::create(b, loc, x, cf32(scaleLog2),
                                                arith::NegFOp::create(b, loc, mUse))
                                .getResult()
                          : arith::SubFOp::create(b, loc, x, mUse).getResult());
          r.rowSum[q] = fadd(r.rowSum[q], x);
        }
    }
    r.p = sv;
    return r;
  };
  // P as the register A operand: bf16/f16 pairs, k-step kk's fragment at
  // [4kk, 4kk + 4).
  auto packP = [&](ArrayRef<Value> p) {
    SmallVector<Value> pa;
    for (int64_t nt = 0; nt < nS; ++nt)
      for (int q = 0; q < 2; ++q)
        pa.push_back(frag.pack(p[nt * 4 + 2 * q], p[nt * 4 + 2 * q + 1]));
    return pa;
  };
  auto commit = [&] { NVVM::WgmmaGroupSyncAlignedOp::create(b, loc); };
  auto waitGroups = [&](int64_t n) {
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, b.getI64IntegerAttr(n));
  };
  auto fence = [&] { NVVM::WgmmaFenceAlignedOp::create(b, loc); };
  // Ping-pong: the two consumer warpgroups take turns issuing their
  // wgmmas (named barriers 3 + c), so that one's softmax overlaps the
  // other's matrix work.
  const bool pingPong = pingPongOn(cfg);
  auto turnBegin = [&] {
    if (pingPong)
      namedBarrier(add(c, ci32(3)), 2 * kWarpgroup);
  };
  auto turnEnd = [&](Value last) {
    if (!pingPong)
      return;
    auto handOver = [&] { namedBarrierArrive(sub(ci32(4), c), 2 * kWarpgroup); };
    if (!last)
      return handOver();
    // The second warpgroup's last turn hands over to nobody.
    Value skip = andI(last, cmp(P::eq, c, ci32(1)));
    ifThen(arith::XOrIOp::create(b, loc, skip, cTrue()), handOver);
  };

  // One turn that computes S = Q.K^T alone and waits for it.
  auto scoresAlone = [&](const Operands &ops) {
    turnBegin();
    fence();
    SmallVector<Value> sacc = issueQK(ops);
    commit();
    turnEnd(Value());
    waitGroups(0);
    return fenceRegs(sacc);
  };

  SmallVector<Value> acc0(nO * 4, cf32(0));
  Value ml0[4] = {cf32(negInf), cf32(negInf), cf32(0), cf32(0)};
  Value n = list.count();
  Value any = cmp(P::sgt, n, ci32(0));
  if (pingPong) // the second consumer opens the first turn
    ifThen(andI(any, cmp(P::eq, c, ci32(1))),
           [&] { namedBarrierArrive(ci32(3), 2 * kWarpgroup); });
  SmallVector<Value> res;
  if (!cfg.overlap) {
    // Serial: S_j, softmax_j, P_j.V_j, each waited for.
    SmallVector<Value> init = acc0;
    init.append(ml0, ml0 + 4);
    res = loop(ci32(0), n, ci32(1), init,
               [&](Value j, ValueRange carried) -> SmallVector<Value> {
                 Block blk = acquire(j);
                 Operands ops = withPV(withQK({}, blk.s), blk.s);
                 SmallVector<Value> sacc = scoresAlone(ops);
                 Softmax sm = softmax(blk, sacc, SmallVector<Value>(carried.slice(nO * 4, 2)));
                 SmallVector<Value> acc;
                 for (int64_t i = 0; i < nO * 4; ++i)
                   acc.push_back(fmul(carried[i], sm.alpha[(i % 4) / 2]));
                 acc = fenceRegs(acc);
                 SmallVector<Value> pa = fenceRegs(packP(sm.p));
                 // The P.V turn is waited for after the softmax (ptxas
                 // hoisted the bar.sync above it: no overlap of this
                 // softmax with the other consumer's wgmmas).
                 if (pingPong)
                   waitAfter(sm.rowSum[0], sm.rowSum[1]);
                 turnBegin();
                 fence();
                 acc = issuePV(acc, pa, ops);
                 commit();
                 turnEnd(cmp(P::eq, j, sub(n, ci32(1))));
                 waitGroups(0);
                 acc = fenceRegs(acc);
                 release(blk.s);
                 acc.append({sm.mNew[0], sm.mNew[1]});
                 for (int q = 0; q < 2; ++q)
                   acc.push_back(fadd(fmul(carried[nO * 4 + 2 + q], sm.alpha[q]),
                                      sm.rowSum[q]));
                 return acc;
               });
  } else {
    // Overlapped: S_j = Q.K_j^T and O += P_{j-1}.V_{j-1} are issued as two
    // groups; S_j is waited for (wait_group 1) and its softmax runs while
    // the P.V wgmmas still do; then O is rescaled and P_j packed.
    const int64_t nP = nS * 2;
    SmallVector<Type> proTypes(nP, i32);
    proTypes.append(4, f32);
    // Prologue: S_0 and its softmax.
    SmallVector<Value> pro = ifElse(
        any, proTypes,
        [&] {
          Block blk = acquire(ci32(0));
          SmallVector<Value> sacc =
              scoresAlone(withQK({}, blk.s));
          Softmax sm = softmax(blk, sacc, {ml0[0], ml0[1]});
          SmallVector<Value> out = fenceRegs(packP(sm.p));
          out.append({sm.mNew[0], sm.mNew[1], sm.rowSum[0], sm.rowSum[1]});
          return out;
        },
        [&] {
          SmallVector<Value> out(nP, ci32(0));
          out.append(ml0, ml0 + 4);
          return out;
        });
    SmallVector<Value> init = acc0;
    init.append(pro.begin() + nP, pro.end());
    init.append(pro.begin(), pro.begin() + nP);
    SmallVector<Value> body = loop(
        ci32(1), n, ci32(1), init,
        [&](Value j, ValueRange carried) -> SmallVector<Value> {
          Block blk = acquire(j);
          Value sPrev = rem(sub(j, ci32(1)), ci32(S));
          Operands ops = withPV(withQK({}, blk.s), sPrev);
          turnBegin();
          fence();
          SmallVector<Value> sacc = issueQK(ops);
          commit();
          SmallVector<Value> acc =
              issuePV(SmallVector<Value>(carried.take_front(nO * 4)),
                      SmallVector<Value>(carried.drop_front(nO * 4 + 4)), ops);
          commit();
          turnEnd(Value());
          waitGroups(1);
          sacc = fenceRegs(sacc);
          Softmax sm = softmax(blk, sacc, SmallVector<Value>(carried.slice(nO * 4, 2)));
          SmallVector<Value> pF = fenceRegs(sm.p);
          waitAfter(sm.rowSum[0], sm.rowSum[1]);
          waitGroups(0);
          acc = fenceRegs(acc);
          // P_j is the next iteration's register A operand: packed here,
          // after P_{j-1}.V_{j-1} (which reads the same loop registers)
          // ended (a def before the wait serializes the wgmmas, C7513).
          SmallVector<Value> pNew = packP(pF);
          release(sPrev);
          for (int64_t i = 0; i < nO * 4; ++i)
            acc[i] = fmul(acc[i], sm.alpha[(i % 4) / 2]);
          acc.append({sm.mNew[0], sm.mNew[1]});
          for (int q = 0; q < 2; ++q)
            acc.push_back(fadd(fmul(carried[nO * 4 + 2 + q], sm.alpha[q]),
                               sm.rowSum[q]));
          acc.append(pNew.begin(), pNew.end());
          return acc;
        });
    // Epilogue: P_{n-1}.V_{n-1}.
    res = ifElse(
        any, SmallVector<Type>(nO * 4, f32),
        [&] {
          Value sLast = rem(sub(n, ci32(1)), ci32(S));
          Operands ops = withPV({}, sLast);
          turnBegin();
          fence();
          SmallVector<Value> acc =
              issuePV(SmallVector<Value>(ArrayRef<Value>(body).take_front(nO * 4)),
                      ArrayRef<Value>(body).drop_front(nO * 4 + 4), ops);
          commit();
          turnEnd(cTrue());
          waitGroups(0);
          acc = fenceRegs(acc);
          release(sLast);
          return acc;
        },
        [&] { return SmallVector<Value>(body.begin(), body.begin() + nO * 4); });
    res.append(body.begin() + nO * 4, body.begin() + nO * 4 + 4);
  }

  // Raster-tile form: O is staged in the Q tile, which every warp of the
  // warpgroup has finished reading only when all have passed their last
  // wait.
  if (raster.enabled())
    namedBarrier(barId, kWarpgroup);
  // The gated combine: the gate's box into the (now free) Q tile on the q
  // mbarrier's second phase, and this tile's coarse row, a column pair per
  // 8-column group.
  SmallVector<Value> coarsePair;
  auto f32Pair = [&](Value packed) {
    Value v = LLVM::BitcastOp::create(b, loc, VectorType::get({2}, elt), packed);
    SmallVector<Value> out;
    for (int i = 0; i < 2; ++i)
      out.push_back(arith::ExtFOp::create(
          b, loc, f32,
          LLVM::ExtractElementOp::create(b, loc, v, ci32(i)).getResult()));
    return out;
  };
  if (cfg.gatedCombine) {
    Value qBar = barrierAt(ci32(barBase + 16 * S));
    Value block = add(mul(J, ci32(L.C)), c);
    ifThen(cmp(P::eq, ctid, ci32(0)), [&] {
      NVVM::MBarrierArriveExpectTxOp::create(
          b, loc, Type(), qBar, ci32(L.NB * L.qTile()),
          NVVM::MemScopeKindAttr::get(b.getContext(), NVVM::MemScopeKind::CTA),
          b.getBoolAttr(false), Value());
      tmaBlock({qOff}, L.qTile(), {gateMap}, {Value()}, block, kConsumerRows,
               qSlab, qBar);
    });
    Value tile = div(mul(block, ci32(kConsumerRows)), ci32(raster.size()));
    Value tiles = div(Sq, ci32(raster.size()));
    Value row = mul(add(mul(qHead, toI64(tiles)), toI64(tile)), ci64(D));
    for (int64_t nt = 0; nt < nO; ++nt)
      coarsePair.push_back(loadFrom(
          i32, at(coarse, elt, add(row, toI64(add(ci32(nt * 8), t2)))), 4));
    waitParity(qBar, ci32(1));
  }
  // Normalize (a row without a valid key has l == 0 and writes 0) and store
  // rows < Sq, a pair of columns per 32-bit store.
  for (int r = 0; r < 2; ++r) {
    Value l = frag.quadReduce(res[nO * 4 + 2 + r], false);
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, l, cf32(0));
    Value inv = select(pos, arith::DivFOp::create(b, loc, cf32(1), l), cf32(0));
    if (raster.enabled()) {
      // Staged in this consumer's Q tile (no wgmma reads it any more) in
      // the swizzled layout a TMA box has: the 16-byte chunk k of tile row
      // R sits at chunk k ^ (R % 8), and R % 8 is g. A quad's four 4-byte
      // stores fill one chunk; the warp's 8 rows hit 8 different chunks,
      // so the 32 stores take 32 different banks.
      Value rowOff =
          add(qOff, mul(add(add(mul(warp, ci32(16)), g), ci32(8 * r)),
                        ci32(kRowBytes)));
      for (int64_t nt = 0; nt < nO; ++nt) {
        Value chunk = arith::XOrIOp::create(b, loc, g, ci32(nt % 8));
        Value off = add(add(rowOff, ci32((nt / 8) * L.qTile())),
                        add(mul(chunk, ci32(16)), mul(t, ci32(4))));
        Value x0 = fmul(res[nt * 4 + 2 * r], inv);
        Value x1 = fmul(res[nt * 4 + 2 * r + 1], inv);
        if (cfg.gatedCombine) {
          // out = O + coarse * gate, the gate read where O goes.
          SmallVector<Value> gv =
              f32Pair(LLVM::LoadOp::create(b, loc, i32, sptrAt(off), 4));
          SmallVector<Value> cv = f32Pair(coarsePair[nt]);
          x0 = fadd(x0, fmul(cv[0], gv[0]));
          x1 = fadd(x1, fmul(cv[1], gv[1]));
        }
        LLVM::StoreOp::create(b, loc, frag.pack(x0, x1), sptrAt(off), 4);
      }
      continue;
    }
    ifThen(rowIn[r], [&] {
      for (int64_t nt = 0; nt < nO; ++nt) {
        Value col = toI64(add(ci32(nt * 8), t2));
        Value x0 = fmul(res[nt * 4 + 2 * r], inv);
        Value x1 = fmul(res[nt * 4 + 2 * r + 1], inv);
        LLVM::StoreOp::create(b, loc, frag.pack(x0, x1),
                              at(o, elt, add(qRow[r], col)), 4);
      }
      // The row's log-sum-exp, from the quad's first lane (m is the quad's
      // max already, l the quad sum above).
      if (cfg.hasLse)
        ifThen(cmp(P::eq, t, ci32(0)), [&] {
          Value row = toI64(r == 0 ? row0 : row1);
          LLVM::StoreOp::create(
              b, loc, rowLse(res[nO * 4 + r], l),
              at(lseArg(), f32, add(mul(qHead, toI64(Sq)), row)), 4);
        });
    });
  }
  if (!raster.enabled())
    return;
  // Raster-tile form: one thread stores the staged tile with the box it
  // was loaded by; TMA writes the rows inside the grid in raster order and
  // clips the others. The bulk group is waited for until it has read
  // shared memory, which must outlive it; its global writes complete
  // before the grid does.
  fenceProxyAsync();
  namedBarrier(barId, kWarpgroup);
  ifThen(cmp(P::eq, ctid, ci32(0)), [&] {
    tmaBlock({qOff}, L.qTile(), {oMap}, {textOMap}, add(mul(J, ci32(L.C)), c),
             kConsumerRows, qSlab, Value());
    NVVM::CpAsyncBulkCommitGroupOp::create(b, loc);
    NVVM::CpAsyncBulkWaitGroupOp::create(b, loc, 0, b.getUnitAttr());
  });
}

void Emitter::emit() {
  Value J = bidX(), h = bidY(), bb = bidZ();
  Value work; // cfg.longFirst: false for a block of padding rows only
  if (raster.enabled())
    rasterSetup();
  if (raster.enabled() && cfg.rasterText && cfg.longFirst) {
    std::array<Value, 4> order = longFirstOrder();
    J = order[0];
    h = order[1];
    bb = order[2];
    // With an lse result every block runs (padding rows get -inf there).
    if (!cfg.hasLse)
      work = order[3];
  }
  if (work)
    ifThen(work, [&] { emitBlock(J, h, bb); });
  else
    emitBlock(J, h, bb);
}

void Emitter::emitBlock(Value J, Value h, Value bb) {
  using P = arith::CmpIPredicate;
  const int64_t S = cfg.stages;
  Value tid = tidX();
  Value hk = div(h, div(Hq, Hkv));
  Value wg = arith::ShRUIOp::create(b, loc, tid, ci32(7));

  // Dynamic shared memory is declared 1024-byte aligned (128-byte swizzled
  // tiles repeat every 1024 bytes, and TMA writes and wgmma descriptors
  // assume that phase); a base that is not is a hard error, never a wrong
  // answer.
  base = shared();
  Value baseAddr = LLVM::PtrToIntOp::create(b, loc, i32, base);
  ifThen(cmp(P::ne, andI(baseAddr, ci32(1023)), ci32(0)),
         [&] { LLVM::Trap::create(b, loc); });

  const int64_t barBase = L.barriers(cfg.hasKeyMask);
  ifThen(cmp(P::eq, tid, ci32(0)), [&] {
    for (int64_t s = 0; s < S; ++s) {
      NVVM::MBarrierInitOp::create(b, loc, barrierAt(ci32(barBase + 8 * s)),
                                   ci32(1), Value());
      NVVM::MBarrierInitOp::create(b, loc,
                                   barrierAt(ci32(barBase + 8 * (S + s))),
                                   ci32(L.C * kWarpgroup), Value());
    }
    NVVM::MBarrierInitOp::create(b, loc, barrierAt(ci32(barBase + 16 * S)),
                                 ci32(1), Value());
    NVVM::FenceMbarrierInitOp::create(b, loc);
  });
  barrier();

  KvBlockList list(*this, cfg, J, h, bb);
  auto isProducer = scf::IfOp::create(b, loc, cmp(P::eq, wg, ci32(0)), true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(isProducer.thenBlock());
    NVVM::SetMaxRegisterOp::create(
        b, loc, b.getI32IntegerAttr(kProducerRegs),
        NVVM::SetMaxRegisterActionAttr::get(
            b.getContext(), NVVM::SetMaxRegisterAction::decrease));
    ifThen(cmp(P::eq, tid, ci32(0)), [&] { producer(J, h, bb, hk, list); });
    b.setInsertionPointToStart(isProducer.elseBlock());
    int64_t consumerRegs = L.C == 1 ? 232 : 240;
    NVVM::SetMaxRegisterOp::create(
        b, loc, b.getI32IntegerAttr(consumerRegs),
        NVVM::SetMaxRegisterActionAttr::get(
            b.getContext(), NVVM::SetMaxRegisterAction::increase));
    consumer(sub(wg, ci32(1)), J, h, bb, list);
  }
}

} // namespace

HopperKernelConfig mlir::attn::hopperConfigFor(const FlashKernelConfig &cfg) {
  HopperKernelConfig h;
  static_cast<FlashKernelConfig &>(h) = cfg;
  // Deepest ring (<= 4) that fits the sm_90a limit (227 KiB) with C = 2,
  // or half of it with C = 1 (two CTAs per SM).
  const int64_t limit = cfg.blockQ == 64 ? 113 * 1024 : 227 * 1024;
  for (h.stages = 4; h.stages > 2; --h.stages)
    if (hopperKernelSharedBytes(h) <= limit)
      break;
  return h;
}

HopperKernelConfig mlir::attn::withRasterTile(HopperKernelConfig cfg,
                                              RasterTile tile) {
  cfg.rasterTile = tile;
  // (A tile the blocks do not divide keeps the sub-blocks as they are, for
  // verifyHopperKernelConfig to name the tile.)
  if (cfg.indexed && tile.enabled() && cfg.blockKv > 0 && cfg.blockQ > 0 &&
      tile.size() % cfg.blockKv == 0 && tile.size() % cfg.blockQ == 0) {
    cfg.subBlocks = tile.size() / cfg.blockKv;
    cfg.qSubBlocks = tile.size() / cfg.blockQ;
  }
  return cfg;
}

/// The raster-tile form's constraints: boxes of whole t-slices (th * tw
/// divides 64 and block_kv), blocks that divide the tile, tables per tile,
/// and masking by coordinate only.
static LogicalResult
verifyRasterTile(const HopperKernelConfig &cfg,
                 function_ref<InFlightDiagnostic()> emitError) {
  const RasterTile &t = cfg.rasterTile;
  if (t.t < 1 || t.h < 1 || t.w < 1 || t.t > 256 || t.h > 256 || t.w > 256 ||
      kConsumerRows % (t.h * t.w) || t.size() % cfg.blockQ ||
      t.size() % cfg.blockKv)
    return emitError() << "wgmma kernel: raster tile " << t.t << "x" << t.h
                       << "x" << t.w
                       << " must have sizes in [1, 256], h * w dividing 64 "
                          "and a size that block_q ("
                       << cfg.blockQ << ") and block_kv (" << cfg.blockKv
                       << ") divide";
  if (t.size() / cfg.blockKv > 64)
    return emitError() << "wgmma kernel: raster tile " << t.t << "x" << t.h
                       << "x" << t.w << " has more than 64 kv blocks";
  if (cfg.hasBlockSizes || cfg.hasKeyMask)
    return emitError() << "wgmma kernel: the raster-tile form masks keys by "
                          "their grid coordinates and takes no "
                          "kv_block_sizes or key_mask";
  const int64_t R = cfg.indexed ? t.size() / cfg.blockKv : 1;
  const int64_t RQ = cfg.indexed ? t.size() / cfg.blockQ : 0;
  const int64_t rq = cfg.qSubBlocks > 0 ? cfg.qSubBlocks : cfg.subBlocks;
  if (cfg.subBlocks != R || (cfg.indexed ? rq != RQ : cfg.qSubBlocks != 0))
    return emitError() << "wgmma kernel: the raster-tile form's tables are "
                          "per tile: sub_blocks "
                       << R << " and q_sub_blocks " << RQ << ", got "
                       << cfg.subBlocks << " and " << cfg.qSubBlocks;
  return success();
}

bool mlir::attn::hopperKernelSupports(const FlashKernelConfig &cfg) {
  // Dense lists take wider kv blocks too (fewer softmax steps a key; FA3
  // uses 176 for D 128): a multiple of 16 up to 256 (wgmma's n, TMA's box).
  const bool wideDense = !cfg.indexed && cfg.blockKv > 128 &&
                         cfg.blockKv <= 256 && cfg.blockKv % 16 == 0;
  return (cfg.headDim == 64 || cfg.headDim == 128) &&
         (cfg.blockQ == 64 || cfg.blockQ == 128) &&
         (cfg.blockKv == 64 || cfg.blockKv == 128 || wideDense);
}

LogicalResult mlir::attn::verifyHopperKernelConfig(
    const HopperKernelConfig &cfg,
    function_ref<InFlightDiagnostic()> emitError) {
  if (!hopperKernelSupports(cfg))
    return emitError() << "wgmma kernel: head_dim, block_q and block_kv must "
                          "each be 64 or 128 (block_kv of a dense list: "
                          "also a multiple of 16 up to 256), got "
                       << cfg.headDim << ", " << cfg.blockQ << ", "
                       << cfg.blockKv;
  // The family's checks, but for the wider dense blocks only this kernel
  // takes.
  FlashKernelConfig family = cfg;
  family.blockKv = std::min<int64_t>(cfg.blockKv, 128);
  if (failed(verifyFlashKernelConfig(family, emitError)))
    return failure();
  if (cfg.stages < 2 || cfg.stages > 4)
    return emitError() << "wgmma kernel: stages must be in [2, 4], got "
                       << cfg.stages;
  // Measured wrong on an H100 (2026-12-07: rel err 0.78 on every dense
  // shape) and not understood yet: the serial loop of two consumers with Q
  // in registers. Refused until it is.
  if (cfg.qInRegs && !cfg.overlap && cfg.blockQ == 2 * kConsumerRows)
    return emitError() << "wgmma kernel: q-regs with two consumer warpgroups "
                          "needs overlap=true (the serial form computed "
                          "wrong results on an H100; docs/GPU.md)";
  if (cfg.rasterText && !cfg.rasterTile.enabled())
    return emitError() << "wgmma kernel: a text segment needs the raster-tile "
                          "form";
  if (cfg.gatedCombine &&
      (!cfg.rasterTile.enabled() || cfg.rasterText || cfg.blockQ != 64))
    return emitError() << "wgmma kernel: the gated combine needs the "
                          "raster-tile form with block_q 64 and no text";
  if (cfg.hasLse && cfg.rasterTile.enabled())
    return emitError() << "wgmma kernel: the lse output is written by the "
                          "plain form only, not the raster-tile form";
  if (cfg.rasterTile.enabled() || cfg.rasterTile.h || cfg.rasterTile.w)
    return verifyRasterTile(cfg, emitError);
  return success();
}

int64_t mlir::attn::hopperKernelSharedBytes(const HopperKernelConfig &cfg) {
  return layoutOf(cfg).total(cfg.hasKeyMask);
}

int64_t mlir::attn::hopperTensorMapBoxRows(const HopperKernelConfig &cfg,
                                           bool query) {
  return query ? kConsumerRows : cfg.blockKv;
}

KernelContract mlir::attn::hopperKernelContract(const HopperKernelConfig &cfg,
                                                AttentionShape shape) {
  KernelContract c = attentionContract(
      cfg.blockQ, (cfg.blockQ / kConsumerRows + 1) * kWarpgroup,
      hopperKernelSharedBytes(cfg), shape);
  c.params.append(3, ParamKind::TensorMap);
  if (cfg.rasterTile.enabled()) {
    static_assert(ATTNRT_ATTN_O_MAP == ATTNRT_ATTN_TMA_NUM_PARAMS &&
                      ATTNRT_ATTN_GRID_T == ATTNRT_ATTN_O_MAP + 1 &&
                      ATTNRT_ATTN_GRID_W == ATTNRT_ATTN_RASTER_NUM_PARAMS - 1,
                  "attnrt/abi.h: out's map, then T, Hh, W");
    c.params.push_back(ParamKind::TensorMap);
    c.params.append(3, ParamKind::I32);
    if (cfg.rasterText) {
      static_assert(ATTNRT_ATTN_TEXT_Q_MAP == ATTNRT_ATTN_RASTER_NUM_PARAMS &&
                        ATTNRT_ATTN_TEXT_O_MAP == ATTNRT_ATTN_TEXT_Q_MAP + 3 &&
                        ATTNRT_ATTN_TEXT_LENGTH ==
                            ATTNRT_ATTN_RASTER_TEXT_NUM_PARAMS - 1,
                    "attnrt/abi.h: the text maps, then S_text, text length");
      c.params.append(4, ParamKind::TensorMap);
      c.params.append(2, ParamKind::I32);
    }
    if (cfg.gatedCombine) {
      static_assert(ATTNRT_ATTN_COMBINE_GATE_MAP == ATTNRT_ATTN_RASTER_NUM_PARAMS &&
                        ATTNRT_ATTN_COMBINE_COARSE ==
                            ATTNRT_ATTN_RASTER_COMBINE_NUM_PARAMS - 1,
                    "attnrt/abi.h: the gate's map, then the coarse output");
      c.params.push_back(ParamKind::TensorMap);
      c.params.push_back(ParamKind::Ptr);
    }
  }
  if (cfg.hasLse)
    c.params.push_back(ParamKind::Ptr);
  return c;
}

std::string mlir::attn::hopperKernelName(const HopperKernelConfig &cfg) {
  std::string flash = flashKernelName(cfg);
  const RasterTile &t = cfg.rasterTile;
  std::string raster = t.enabled()
                           ? "_rt" + std::to_string(t.t) + "x" +
                                 std::to_string(t.h) + "x" +
                                 std::to_string(t.w) +
                                 (cfg.rasterText ? "_txt" : "") +
                                 (cfg.gatedCombine ? "_cg" : "")
                           : "";
  return "attn_wgmma_" + flash.substr(std::string("attn_flash_").size()) +
         raster + "_s" + std::to_string(cfg.stages) +
         (cfg.overlap ? "_ov" : "") + (pingPongOn(cfg) ? "_pp" : "") +
         (cfg.qInRegs ? "_qr" : "") + (cfg.fmaSoftmax ? "_fm" : "") +
         (cfg.longFirst && cfg.rasterText ? "_lf" : "");
}

LLVM::LLVMFuncOp mlir::attn::emitHopperAttentionKernel(
    OpBuilder &b, Location loc, gpu::GPUModuleOp module,
    const HopperKernelConfig &cfg, StringRef kernelName) {
  std::string name =
      kernelName.empty() ? hopperKernelName(cfg) : kernelName.str();
  Emitter e(b, loc, module, name, cfg);
  // setmaxnreg needs a register cap: one CTA per SM with two consumers, two
  // with one.
  e.func()->setAttr("nvvm.minctasm",
                    b.getI32IntegerAttr(cfg.blockQ == 64 ? 2 : 1));
  e.emit();
  e.finish();
  return e.func();
}
