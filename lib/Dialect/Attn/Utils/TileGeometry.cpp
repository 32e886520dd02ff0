//===- TileGeometry.cpp - Video token tiling arithmetic -------------------===//

#include "attn/Dialect/Attn/Utils/TileGeometry.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir::attn;

std::optional<TileGeometry> TileGeometry::get(llvm::ArrayRef<int64_t> grid,
                                              llvm::ArrayRef<int64_t> tile,
                                              std::string *why) {
  auto fail = [&](std::string msg) -> std::optional<TileGeometry> {
    if (why)
      *why = std::move(msg);
    return std::nullopt;
  };
  if (grid.size() != 3)
    return fail("'grid' must have 3 values (T, H, W), got " +
                std::to_string(grid.size()));
  if (tile.size() != 3)
    return fail("'tile' must have 3 values (a, b, c), got " +
                std::to_string(tile.size()));
  // Bound every factor so that products below cannot overflow int64.
  constexpr int64_t kMaxDim = int64_t(1) << 20;
  for (int i = 0; i < 3; ++i) {
    if (grid[i] <= 0 || grid[i] > kMaxDim)
      return fail("'grid' values must be in [1, 2^20], got " +
                  std::to_string(grid[i]) + " at position " + std::to_string(i));
    if (tile[i] <= 0 || tile[i] > 4096)
      return fail("'tile' values must be in [1, 4096], got " +
                  std::to_string(tile[i]) + " at position " + std::to_string(i));
  }
  TileGeometry g;
  int64_t padded = 1;
  for (int i = 0; i < 3; ++i) {
    g.grid[i] = grid[i];
    g.tile[i] = tile[i];
    g.tilesPerDim[i] = llvm::divideCeil(grid[i], tile[i]);
    padded *= g.tilesPerDim[i] * tile[i];
    if (padded > (int64_t(1) << 40))
      return fail("tiled sequence length exceeds 2^40 tokens");
  }
  return g;
}

llvm::SmallVector<int64_t> TileGeometry::validBlockSizes() const {
  llvm::SmallVector<int64_t> vbs;
  vbs.reserve(numTiles());
  for (int64_t it = 0; it < tilesPerDim[0]; ++it)
    for (int64_t ih = 0; ih < tilesPerDim[1]; ++ih)
      for (int64_t iw = 0; iw < tilesPerDim[2]; ++iw)
        vbs.push_back(std::min(tile[0], grid[0] - it * tile[0]) *
                      std::min(tile[1], grid[1] - ih * tile[1]) *
                      std::min(tile[2], grid[2] - iw * tile[2]));
  return vbs;
}

llvm::SmallVector<int64_t> TileGeometry::rasterToSlot() const {
  llvm::SmallVector<int64_t> slot(numTokens());
  const int64_t P = slotsPerTile();
  for (int64_t t = 0; t < grid[0]; ++t) {
    int64_t it = t / tile[0];
    for (int64_t h = 0; h < grid[1]; ++h) {
      int64_t ih = h / tile[1], eh = std::min(tile[1], grid[1] - ih * tile[1]);
      for (int64_t w = 0; w < grid[2]; ++w) {
        int64_t iw = w / tile[2], ew = std::min(tile[2], grid[2] - iw * tile[2]);
        int64_t j = (it * tilesPerDim[1] + ih) * tilesPerDim[2] + iw;
        // Row-major inside the clipped tile: partial tiles are compacted.
        int64_t local = ((t - it * tile[0]) * eh + (h - ih * tile[1])) * ew +
                        (w - iw * tile[2]);
        slot[(t * grid[1] + h) * grid[2] + w] = j * P + local;
      }
    }
  }
  return slot;
}

llvm::SmallVector<int64_t> TileGeometry::slotToRaster() const {
  llvm::SmallVector<int64_t> raster(paddedLength(), -1);
  llvm::SmallVector<int64_t> slot = rasterToSlot();
  for (int64_t r = 0, e = slot.size(); r < e; ++r)
    raster[slot[r]] = r;
  return raster;
}
