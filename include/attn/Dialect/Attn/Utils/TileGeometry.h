//===- TileGeometry.h - Video token tiling arithmetic -----------*- C++ -*-===//
//
// The one place that knows how raster video tokens map to zero-padded
// tile-major slots (SPEC "Video tiling"). The verifier, the lowerings and the
// sparsity planner all derive their tables from here so they cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_UTILS_TILEGEOMETRY_H
#define ATTN_DIALECT_ATTN_UTILS_TILEGEOMETRY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace attn {

/// Geometry of a (T, H, W) token grid cut into (a, b, c) tiles.
class TileGeometry {
public:
  /// Returns std::nullopt and sets `why` when `grid`/`tile` are not three
  /// positive values each, or when the padded length overflows int64.
  static std::optional<TileGeometry> get(llvm::ArrayRef<int64_t> grid,
                                         llvm::ArrayRef<int64_t> tile,
                                         std::string *why = nullptr);

  /// Number of raster tokens T*H*W.
  int64_t numTokens() const { return grid[0] * grid[1] * grid[2]; }
  /// Number of tiles N = n_t * n_h * n_w.
  int64_t numTiles() const { return tilesPerDim[0] * tilesPerDim[1] * tilesPerDim[2]; }
  /// Slots per tile P = a*b*c.
  int64_t slotsPerTile() const { return tile[0] * tile[1] * tile[2]; }
  /// Tile-major padded length N*P.
  int64_t paddedLength() const { return numTiles() * slotsPerTile(); }
  /// True when every tile is full (no pad slots).
  bool isExact() const { return numTokens() == paddedLength(); }

  /// vbs[j]: valid tokens of tile j (clipped extents' product).
  llvm::SmallVector<int64_t> validBlockSizes() const;
  /// For each padded slot, the raster index it holds, or -1 for a pad slot.
  llvm::SmallVector<int64_t> slotToRaster() const;
  /// For each raster token, the padded slot that holds it (the untile gather).
  llvm::SmallVector<int64_t> rasterToSlot() const;

  std::array<int64_t, 3> grid;
  std::array<int64_t, 3> tile;
  std::array<int64_t, 3> tilesPerDim;

private:
  TileGeometry() = default;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_TILEGEOMETRY_H
