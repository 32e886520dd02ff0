//===- SlidingTilePlan.cpp - static block tables for STA ------------------===//

#include "attn/Dialect/Attn/Utils/SlidingTilePlan.h"

#include <algorithm>

using namespace mlir::attn;

std::pair<int64_t, int64_t> mlir::attn::slidingWindowRange(int64_t q,
                                                           int64_t n,
                                                           int64_t k) {
  int64_t r = k / 2;
  // A window of 2r+1 >= n tiles covers the whole dimension (k >= n, or an
  // even k whose k+1 tiles reach past it).
  if (2 * r + 1 >= n)
    return {0, n - 1};
  int64_t c = std::min(std::max(q, r), n - 1 - r);
  return {c - r, c + r};
}

SlidingTilePlan SlidingTilePlan::build(
    llvm::ArrayRef<int64_t> tileGrid, llvm::ArrayRef<int64_t> tile,
    llvm::ArrayRef<std::array<int64_t, 3>> windows, int64_t numHeads,
    int64_t seqLen, int64_t textLength) {
  SlidingTilePlan plan;
  plan.numHeads = numHeads;
  plan.blockSize = tile[0] * tile[1] * tile[2];
  const int64_t P = plan.blockSize;
  plan.numImageBlocks = tileGrid[0] * tileGrid[1] * tileGrid[2];
  int64_t textTokens = seqLen - plan.numImageBlocks * P;
  int64_t textBlocks = (textTokens + P - 1) / P;
  plan.numBlocks = plan.numImageBlocks + textBlocks;

  plan.blockSizes.assign(plan.numBlocks, static_cast<int32_t>(P));
  int64_t validTextBlocks = 0;
  for (int64_t t = 0; t < textBlocks; ++t) {
    int64_t valid = std::clamp<int64_t>(textLength - t * P, 0, P);
    plan.blockSizes[plan.numImageBlocks + t] = static_cast<int32_t>(valid);
    if (valid > 0)
      validTextBlocks = t + 1;
  }

  // rows[h][block] = ascending kv block ids.
  std::vector<std::vector<std::vector<int32_t>>> rows(
      numHeads, std::vector<std::vector<int32_t>>(plan.numBlocks));
  const int64_t nt = tileGrid[0], nh = tileGrid[1], nw = tileGrid[2];
  for (int64_t h = 0; h < numHeads; ++h) {
    const std::array<int64_t, 3> &w = windows[windows.size() == 1 ? 0 : h];
    for (int64_t qt = 0; qt < nt; ++qt)
      for (int64_t qh = 0; qh < nh; ++qh)
        for (int64_t qw = 0; qw < nw; ++qw) {
          auto [t0, t1] = slidingWindowRange(qt, nt, w[0]);
          auto [h0, h1] = slidingWindowRange(qh, nh, w[1]);
          auto [w0, w1] = slidingWindowRange(qw, nw, w[2]);
          std::vector<int32_t> &row = rows[h][(qt * nh + qh) * nw + qw];
          for (int64_t x = t0; x <= t1; ++x)
            for (int64_t y = h0; y <= h1; ++y)
              for (int64_t z = w0; z <= w1; ++z)
                row.push_back(static_cast<int32_t>((x * nh + y) * nw + z));
          for (int64_t t = 0; t < validTextBlocks; ++t)
            row.push_back(static_cast<int32_t>(plan.numImageBlocks + t));
        }
    for (int64_t t = 0; t < textBlocks; ++t) {
      std::vector<int32_t> &row = rows[h][plan.numImageBlocks + t];
      for (int64_t j = 0; j < plan.numImageBlocks + validTextBlocks; ++j)
        row.push_back(static_cast<int32_t>(j));
    }
  }

  for (auto &head : rows)
    for (auto &row : head)
      plan.maxCount = std::max<int64_t>(plan.maxCount, row.size());
  plan.indices.assign(numHeads * plan.numBlocks * plan.maxCount, 0);
  plan.counts.assign(numHeads * plan.numBlocks, 0);
  for (int64_t h = 0; h < numHeads; ++h)
    for (int64_t j = 0; j < plan.numBlocks; ++j) {
      const std::vector<int32_t> &row = rows[h][j];
      plan.counts[h * plan.numBlocks + j] = static_cast<int32_t>(row.size());
      std::copy(row.begin(), row.end(),
                plan.indices.begin() + (h * plan.numBlocks + j) * plan.maxCount);
    }
  return plan;
}
