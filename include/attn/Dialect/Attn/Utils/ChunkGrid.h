//===- ChunkGrid.h - V-MoBA's chunks of a video token grid ------*- C++ -*-===//
//
// V-MoBA (attn.chunk_mean / attn.chunk_select / attn.chunk_attention) splits
// a raster video token grid (T, H, W) into chunks of (ct, ch, cw) tokens:
// temporal chunks are (c, H, W), spatial ones (T, ch, cw), spatiotemporal
// ones (ct, ch, cw). Chunk ids are row-major over the chunk grid
// (ceil(T/ct), ceil(H/ch), ceil(W/cw)); a chunk at the far edge of a grid
// that the chunk does not divide holds fewer tokens. This is FastVideo's
// chunk membership (process_moba_input's rearranges only order tokens by
// chunk; docs/VMoBA.md).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_UTILS_CHUNKGRID_H
#define ATTN_DIALECT_ATTN_UTILS_CHUNKGRID_H

#include "llvm/ADT/ArrayRef.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace attn {

struct ChunkGrid {
  std::array<int64_t, 3> grid;   // T, H, W (tokens)
  std::array<int64_t, 3> chunk;  // ct, ch, cw (tokens per chunk along each)
  std::array<int64_t, 3> chunks; // chunks along t, h, w

  /// The geometry, or nullopt with `why` naming the bad attribute. Sizes
  /// must be >= 1, the chunk no larger than the grid, and the token and
  /// chunk counts below 2^31 (they index i32 tables).
  static std::optional<ChunkGrid> get(llvm::ArrayRef<int64_t> grid,
                                      llvm::ArrayRef<int64_t> chunk,
                                      std::string *why = nullptr) {
    auto fail = [&](std::string m) -> std::optional<ChunkGrid> {
      if (why)
        *why = std::move(m);
      return std::nullopt;
    };
    if (grid.size() != 3)
      return fail("'grid' must have 3 entries (T, H, W)");
    if (chunk.size() != 3)
      return fail("'chunk' must have 3 entries (ct, ch, cw)");
    ChunkGrid g;
    int64_t tokens = 1;
    for (int i = 0; i < 3; ++i) {
      if (grid[i] < 1 || grid[i] > (int64_t(1) << 20))
        return fail("'grid' entries must be in [1, 2^20], got " +
                    std::to_string(grid[i]));
      if (chunk[i] < 1 || chunk[i] > grid[i])
        return fail("'chunk' entry " + std::to_string(i) + " must be in [1, " +
                    std::to_string(grid[i]) + "], got " +
                    std::to_string(chunk[i]));
      g.grid[i] = grid[i];
      g.chunk[i] = chunk[i];
      g.chunks[i] = (grid[i] + chunk[i] - 1) / chunk[i];
      tokens *= grid[i];
      if (tokens >= (int64_t(1) << 31))
        return fail("'grid' has 2^31 or more tokens");
    }
    return g;
  }
  int64_t tokens() const { return grid[0] * grid[1] * grid[2]; }
  int64_t numChunks() const { return chunks[0] * chunks[1] * chunks[2]; }
  int64_t chunkTokens() const { return chunk[0] * chunk[1] * chunk[2]; }
  /// The number of tokens of chunk c.
  int64_t chunkSize(int64_t c) const {
    int64_t it = c / (chunks[1] * chunks[2]), ih = (c / chunks[2]) % chunks[1],
            iw = c % chunks[2];
    auto extent = [&](int i, int64_t at) {
      return std::min(chunk[i], grid[i] - at * chunk[i]);
    };
    return extent(0, it) * extent(1, ih) * extent(2, iw);
  }
};

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_CHUNKGRID_H
