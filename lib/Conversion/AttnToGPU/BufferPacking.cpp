//===- BufferPacking.cpp - scratch buffers packed by lifetime -------------===//
//
// See packScratch in Plan.h (best fit, in order of first use). Lifetimes
// are launch indices; loop begin/end
// markers are launches too, so a buffer that must survive every trip of a
// loop is stretched over the whole loop.
//
//===----------------------------------------------------------------------===//

#include "Plan.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::plan;

ScratchPacking
mlir::attn::plan::packScratch(ArrayRef<Buf> bufs, ArrayRef<Launch> launches,
                              ArrayRef<std::pair<size_t, size_t>> loops) {
  // Scratch lifetimes (launch indices) -> physical slots, first fit.
  std::vector<int64_t> first(bufs.size(), -1), last(bufs.size(), -1);
  for (auto [li, l] : llvm::enumerate(launches))
    for (const Param &pr : l.params)
      if (pr.buf >= 0) {
        if (first[pr.buf] < 0)
          first[pr.buf] = li;
        last[pr.buf] = li;
      }
  // A buffer used inside a loop but defined before it must survive every
  // trip: it lives to the loop's end (and is live from its start).
  for (auto [lbeg, lend] : loops)
    for (size_t i = 0; i < bufs.size(); ++i)
      if (first[i] >= 0 && first[i] < int64_t(lbeg) &&
          last[i] >= int64_t(lbeg) && last[i] < int64_t(lend))
        last[i] = lend;
  for (auto [lbeg, lend] : loops)
    for (size_t i = 0; i < bufs.size(); ++i)
      if (first[i] > int64_t(lbeg) && first[i] < int64_t(lend) &&
          last[i] > int64_t(lend))
        first[i] = lbeg;
  ScratchPacking out;
  std::vector<int> &slotOf = out.slotOf;
  slotOf.assign(bufs.size(), -1);
  std::vector<int64_t> &slotBytes = out.slotBytes;
  std::vector<int64_t> slotFree; // free after this launch index
  SmallVector<int> order;
  for (auto [i, buf] : llvm::enumerate(bufs))
    if (buf.kind == Buf::Scratch && first[i] >= 0)
      order.push_back(i);
  llvm::stable_sort(order, [&](int x, int y) { return first[x] < first[y]; });
  // Best fit among the free slots: the smallest one that holds the buffer,
  // else the largest (it grows least). First fit let small buffers (VSA's
  // means, kv tables) take slots that the tiled copies then grew, one
  // tiled copy's worth more in all.
  for (int id : order) {
    if (!bufs[id].bytesExpr.empty()) {
      // Sized at run time: a slot of its own (slot sizes are not compared
      // across run-time sizes).
      slotOf[id] = slotBytes.size();
      slotBytes.push_back(0);
      slotFree.push_back(std::numeric_limits<int64_t>::max());
      out.slotExpr.resize(slotBytes.size());
      out.slotExpr.back() = bufs[id].bytesExpr;
      continue;
    }
    int slot = -1;
    const int64_t need = bufs[id].bytes;
    auto better = [&](size_t s) {
      if (slot < 0)
        return true;
      bool fits = slotBytes[s] >= need, fitsNow = slotBytes[slot] >= need;
      if (fits != fitsNow)
        return fits;
      return fits ? slotBytes[s] < slotBytes[slot]
                  : slotBytes[s] > slotBytes[slot];
    };
    for (size_t s = 0; s < slotBytes.size(); ++s)
      if (slotFree[s] < first[id] && better(s))
        slot = s;
    if (slot < 0) {
      slot = slotBytes.size();
      slotBytes.push_back(0);
      slotFree.push_back(0);
    }
    slotBytes[slot] = std::max(slotBytes[slot], bufs[id].bytes);
    slotFree[slot] = last[id];
    slotOf[id] = slot;
  }
  out.slotExpr.resize(slotBytes.size());
  return out;
}
