//===- AttentionLowering.h - shared pieces of the attention lowerings -----===//
//
// The forward ops (AttentionToLinalg.cpp) and their gradients
// (AttentionGradToLinalg.cpp) read keys through the same key-row tables and
// compute the same softmax; these are the pieces they share.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOLINALG_ATTENTIONLOWERING_H
#define ATTN_LIB_CONVERSION_ATTNTOLINALG_ATTENTIONLOWERING_H

#include "mlir/IR/Builders.h"

#include <functional>
#include <optional>
#include <utility>

namespace mlir {
namespace attn {
namespace detail {

/// Builds the indexing map of the key-row table for an iteration space of
/// `numDims` dims in which b, h, i (query token) and t (key position) sit at
/// the given positions.
using RowMapFn = std::function<AffineMap(MLIRContext *, unsigned numDims,
                                         unsigned b, unsigned h, unsigned i,
                                         unsigned t)>;

/// Softmax attention over a key axis of length `numKeys`: position t of
/// query token i's axis holds key token rowTable[rowMap(b, h, i, t)], or no
/// key when that entry is < 0.
struct AttentionInputs {
  Value q, k, v;
  Value rowTable;
  RowMapFn rowMap;
  OpFoldResult numKeys; // T
  float scale;          // used when dynScale is null
  Value dynScale;       // 1/sqrt(D) computed at run time when D is dynamic
};

/// rowMap of a [B, H, Nq, T] table read per query block of `bq` tokens.
RowMapFn blockRowMap(int64_t bq);
/// rowMap of a [B, H, Sq, T] table with a row per query token (V-MoBA's and
/// SVG2's per-token selections).
RowMapFn tokenRowMap();
/// The inputs of attention over `rows` (read through `rowMap`, T keys),
/// the scale from the op's attribute or 1/sqrt(D).
AttentionInputs attentionInputs(OpBuilder &b, Location loc, Value q, Value k,
                                Value v, Value rows, RowMapFn rowMap,
                                OpFoldResult T, std::optional<APFloat> scale);

/// The scale attribute, else 1/sqrt(D) of q's static D.
float resolveScale(std::optional<APFloat> scale, Value q);
/// The default scale 1/sqrt(D) as a run-time f32 when D is dynamic; null
/// otherwise (the scale is then a constant, as for static shapes).
Value resolveDynamicScale(OpBuilder &b, Location loc,
                          std::optional<APFloat> scale, Value q);
/// Run-time checks of the q/k/v relations the verifier could not check
/// because a dimension is dynamic (static pairs emit nothing).
void assertQKVAgree(OpBuilder &b, Location loc, StringRef opName, Value q,
                    Value k, Value v);
/// Run-time checks of block_sparse's table and sequence relations where a
/// dimension is dynamic; returns Nkv = Skv / block_kv.
OpFoldResult assertBlockSparseShapes(OpBuilder &b, Location loc, int64_t bq,
                                     int64_t bkv, Value q, Value k, Value idx,
                                     Value cnt, Value sizes);

/// attn.block_sparse's key rows: rows[b,h,n,t] = the key token at position t
/// of query block n's kv list (-1 past the count, outside the block's valid
/// size, or for an out-of-range id), read through blockRowMap(bq); T = the
/// list length in keys. The shape relations are checked at run time where
/// dynamic.
Value blockSparseKeyRows(OpBuilder &b, Location loc, int64_t bq, int64_t bkv, Value q,
                         Value k, Value kvIndices, Value kvCounts, Value sizes,
                         OpFoldResult &T);

/// attn.sdpa's key rows: rows[b, t] = key_mask[b, t] ? t : -1 (all t
/// without a mask), read through sdpaRowMap; the mask's shape checked
/// against k's at run time where a size is dynamic.
Value sdpaKeyRows(OpBuilder &b, Location loc, StringRef opName, Value keyMask,
                  Value k);
AffineMap sdpaRowMap(MLIRContext *c, unsigned n, unsigned b, unsigned h,
                     unsigned i, unsigned t);

/// The GQA group size Hq / Hkv: a constant when static, else a Value.
struct Groups {
  std::optional<int64_t> constant;
  Value value;
};
Groups gqaGroups(OpBuilder &b, Location loc, Value q, Value k);
/// Inside a linalg body whose dims 0 and 1 are b and the query head h:
/// k or v at (b, h / groups, max(row, 0), dim `dimPos`), as f32.
Value readKV(OpBuilder &nb, Location nl, const Groups &groups, Value kv,
             Value row, unsigned dimPos);
/// row >= 0 (a key sits at that position).
Value isValidRow(OpBuilder &nb, Location nl, Value row);
/// The softmax's unnormalized probabilities p[b,h,i,t] = exp(scale*s - m)
/// (0 at positions without a key), their row sums l[b,h,i] and the row max
/// m[b,h,i] of the valid scaled scores (-inf for a row without a key), all
/// f32.
struct AttentionProbs {
  Value probs, rowSum, rowMax;
};
AttentionProbs attentionProbs(OpBuilder &b, Location loc,
                              const AttentionInputs &in, const Groups &groups);

/// sum_t w[b,h,i,t] * kv[b,g,row(t),:] as f32 [B, H, S, D] (the forward's
/// P.V, the backward's dS.K).
Value sumOverKeys(OpBuilder &b, Location loc, const AttentionInputs &in,
                  const Groups &groups, Value w, Value kv);

/// The attention output in `resultType`, and with `withLse` the row
/// log-sum-exp m + log(l) (-inf where l = 0: a row without a key), f32.
SmallVector<Value> buildAttention(OpBuilder &b, Location loc,
                                  const AttentionInputs &in,
                                  RankedTensorType resultType, bool withLse);

} // namespace detail
} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_CONVERSION_ATTNTOLINALG_ATTENTIONLOWERING_H
