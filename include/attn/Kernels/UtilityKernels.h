//===- UtilityKernels.h - the non-attention kernels of the GPU path -*- C++
//-*-===//
//
// Kernels for everything around the attention kernel. Each emitter appends an
// NVVM kernel (llvm.func with nvvm.kernel and gpu.kernel) to a gpu.module.
// Buffers are contiguous; [B, H, S, D] tensors are addressed as BH
// consecutive [S, D] slabs. The launch contract of each kernel (parameters,
// grid, threads, dynamic shared memory) is the *Contract function next to
// its emitter: the emitter builds the kernel's signature from it and the
// launch planner fills its launches from it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_UTILITYKERNELS_H
#define ATTN_KERNELS_UTILITYKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "attn/Kernels/KernelContract.h"
#include "attnrt/abi.h"

#include <array>
#include <optional>

namespace mlir {
namespace attn {

/// Row gather (tile, untile, concat, slice, pad and their compositions):
///   dst[bh, dstBase + i, :] = table[i] >= 0 ? src[bh, table[i], :] : 0
/// for i < n, copying rows in `chunkBytes` (16, 8, 4, 2 or 1) pieces.
/// Params: src, dst, table (i32[n]); i32 n, srcRows, dstRows, dstBase,
/// chunks (row bytes / chunkBytes). Grid (ceil(n*chunks/256), B*H), 256
/// threads.
constexpr int kGatherThreads = 256;
KernelContract gatherRowsContract(int64_t n = 1, int64_t chunks = 1,
                                  int64_t slabs = 1);
LLVM::LLVMFuncOp emitGatherRowsKernel(OpBuilder &b, Location loc,
                                      gpu::GPUModuleOp module, int chunkBytes,
                                      StringRef name);

/// attn.block_mean: out[bh, n, d] = sum_{r < valid(n)} x[bh, n*P + r, d] /
/// max(valid(n), 1), valid(n) = clamp(sizes[n], 0, P) (P without sizes),
/// accumulated in f32. `elt` is the element type of x and out. With a row
/// table (the input a row view, e.g. attn.tile of a raster tensor, read in
/// place): row n*P + r of the input is row rows[n*P + r] of x's [srcRows,
/// D] slabs, or zero when it is < 0.
/// Params: x, sizes (or null), out, rows (i32[N*P], or null); i32 N, P, D,
/// hasSizes, srcRows (x's rows per slab; N*P without a table). Grid
/// (N, B*H), 128 threads, blockMeanSharedBytes(elt) of dynamic shared
/// memory (the row groups' partial sums).
constexpr int kBlockMeanThreads = 128;
int64_t blockMeanSharedBytes(Type elt);
KernelContract blockMeanContract(int64_t N = 1, int64_t slabs = 1,
                                 int64_t sharedBytes = 0);
LLVM::LLVMFuncOp emitBlockMeanKernel(OpBuilder &b, Location loc,
                                     gpu::GPUModuleOp module, Type elt,
                                     StringRef name);

/// attn.tile's tables for a video grid given at run time: rows[s] = the
/// raster token tile-major slot s holds (-1: a pad slot) and sizes[j] = the
/// valid tokens of tile j, for a T x H x W grid in (a, b, c) tiles (SPEC
/// "Video tiling"; what TileGeometry folds into constants for a static
/// grid). Params: rows (i32[N*P]), sizes (i32[N]); i32 T, H, W, a, b, c,
/// N*P. Grid (ceil(N*P/256)), 256 threads.
constexpr int kTileTablesThreads = 256;
KernelContract tileTablesContract(int64_t slots = 1);
LLVM::LLVMFuncOp emitTileTablesKernel(OpBuilder &b, Location loc,
                                      gpu::GPUModuleOp module, StringRef name);

/// VSA's gated combine in raster order (the fine output folded into the
/// raster-tile kernel): out[bh, r, :] = round(coarse[bh, tile(r), :] *
/// gate[bh, r, :] + out[bh, r, :]) in f32, raster token r = (t, h, w) of a
/// T x Hh x W grid in (tt, th, tw) tiles numbered row-major over the tile
/// grid (attn.tile's order); bf16/f16, D a multiple of 8. Not `gated`:
/// out = round(coarse + out), the gate parameter unused (null).
/// Params: out (read and written), gate, coarse ([B*H, N, D]); i32 T, Hh,
/// W, tt, th, tw, D. Grid (ceil(T*Hh*W*D / 8 / 256), B*H), 256 threads.
constexpr int kVsaCombineThreads = 256;
constexpr int kVsaCombineVector = 8;
KernelContract vsaCombineRasterContract(int64_t tokens = 1, int64_t D = 8,
                                        int64_t slabs = 1);
LLVM::LLVMFuncOp emitVsaCombineRasterKernel(OpBuilder &b, Location loc,
                                            gpu::GPUModuleOp module, Type elt,
                                            bool gated, StringRef name);
/// attn.block_topk on f32 scores [rows, Nkv]: the K highest per row
/// (-0.0 equals +0.0, NaN above +inf, as on the CPU path; ties to the
/// lower id), written in ascending id order; counts = K. One warp a row,
/// its keys in shared memory (4 bytes a kv block), `warps` rows a CTA.
/// Params: scores, indices (i32[rows, K]), counts (i32[rows]); i32 Nkv, K
/// (1 <= K <= Nkv), rows. Grid (ceil(rows / warps)), 32 * warps threads,
/// 4 * warps * Nkv bytes of dynamic shared memory.
/// With `regKeys` > 0 (the variant attn_block_topk_r<regKeys>, for Nkv <=
/// 32 * regKeys) each lane keeps its keys in registers and no shared memory
/// is used. With `sharedFallback` as well (attn_block_topk_r<regKeys>_s, for
/// a run-time Nkv) the kernel uses the registers where Nkv <= 32 * regKeys
/// and the shared memory above (then the launch gives 4 * warps * Nkv
/// bytes).
constexpr int kTopkWarps = 4;
/// The most keys a lane keeps in registers (Nkv <= 1024).
constexpr int kTopkMaxRegisterKeys = 32;
/// Rows a CTA for `nkv` kv blocks: kTopkWarps, fewer where their keys would
/// not fit `maxSharedBytes` (at least 1).
int64_t blockTopkWarps(int64_t nkv, int64_t maxSharedBytes);
/// Keys a lane keeps in registers for `nkv` kv blocks: ceil(nkv / 32), or 0
/// (the shared-memory variant) above kTopkMaxRegisterKeys.
int64_t blockTopkRegisterKeys(int64_t nkv);
KernelContract blockTopkContract(int64_t rows = 1, int64_t nkv = 1,
                                 int64_t warps = kTopkWarps,
                                 int64_t regKeys = 0);
LLVM::LLVMFuncOp emitBlockTopkKernel(OpBuilder &b, Location loc,
                                     gpu::GPUModuleOp module, StringRef name,
                                     int64_t regKeys = 0,
                                     bool sharedFallback = false);

/// attn.mask_from_lengths: out[b, j] = j < lengths[b] (one byte per
/// element). Params: lengths, out; i32 S, total (= B*S). Grid
/// (ceil(total/256)), 256 threads.
constexpr int kMaskThreads = 256;
KernelContract maskFromLengthsContract(int64_t total = 1);
LLVM::LLVMFuncOp emitMaskFromLengthsKernel(OpBuilder &b, Location loc,
                                           gpu::GPUModuleOp module,
                                           StringRef name);

/// Checked mode: validates kv_counts (in [0, K]) and the first count entries
/// of each kv_indices row (in [0, Nkv)); atomically lowers err[0] to the
/// first bad flat position (p < rows: kv_counts[p]; otherwise kv_indices
/// entry p - rows). Params (the ATTNRT_CHECK_KV_* positions of
/// attnrt/abi.h): indices, counts, err; i32 rows, K, Nkv. Grid
/// (ceil(rows/128)), ATTNRT_CHECK_KV_THREADS = 128 threads.
constexpr int kCheckThreads = ATTNRT_CHECK_KV_THREADS;
KernelContract checkKvContract(int64_t rows = 1);
LLVM::LLVMFuncOp emitCheckKvKernel(OpBuilder &b, Location loc,
                                   gpu::GPUModuleOp module, StringRef name);

/// A linalg op with static shapes (linalg.generic, linalg.fill, ...) as one
/// thread per element of its parallel iteration space, reductions as loops.
/// Params: its tensor inputs in order, then the init buffer if the payload
/// reads it, then the result buffer, then linalgKernelSizeOperands as i32. Grid (ceil(P/256)), 256 threads, where
/// P = linalgKernelThreads(op). Fails (with a diagnostic on `op`) for what
/// it cannot express: several results, symbols in maps, an output map that
/// does not reach every output element once, non-constant captured values,
/// unsupported element types.
constexpr int kLinalgThreads = 256;
int64_t linalgKernelThreads(linalg::LinalgOp op);
/// The integer values from outside the op that its payload reads and that
/// are not constants (run-time sizes, e.g. a text length): i32 parameters
/// after the buffers, in this order.
SmallVector<Value> linalgKernelSizeOperands(linalg::LinalgOp op);
/// Whether the payload reads the init value (the output block argument).
bool linalgKernelReadsInit(linalg::LinalgOp op);
KernelContract linalgKernelContract(linalg::LinalgOp op);
FailureOr<LLVM::LLVMFuncOp> emitLinalgKernel(OpBuilder &b, Location loc,
                                             gpu::GPUModuleOp module,
                                             linalg::LinalgOp op,
                                             StringRef name);

/// The contraction out[p, i, j] = reduce_r f(a[p, i, r], b[p, j, r], out)
/// (VSA's coarse scores q_mean . k_mean^T), with p the leading parallel
/// dims: tiled instead of one thread per element. A CTA computes a 32 x 32
/// tile of (i, j), staging 32 rows of a and of b in shared memory 64 values
/// of r at a time (padded rows: no bank conflicts), so each input element is
/// read from global memory once per tile rather than once per output.
/// The payload is applied per r in order, as the generic kernel does.
/// Params: a, b, [init], out. Grid (ceil(J/32), ceil(I/32), P), 256 threads.
constexpr int kContractionTile = 32;
constexpr int kContractionChunk = 64;
constexpr int kContractionThreads = 256;
/// The sizes (P, I, J, R) when `op` has that form, else std::nullopt. With
/// `allowDynamic`, dynamic sizes are ShapedType::kDynamic (the planner's
/// run-time-size path gives them as expressions).
std::optional<std::array<int64_t, 4>>
matchTiledContraction(linalg::LinalgOp op, bool allowDynamic = false);
/// The launch of the contraction kernel for `op` (shared memory: the a and
/// b tiles of one chunk), or std::nullopt when `op` is not of that form.
std::optional<KernelContract> contractionKernelContract(linalg::LinalgOp op);
FailureOr<LLVM::LLVMFuncOp> emitContractionKernel(OpBuilder &b, Location loc,
                                                  gpu::GPUModuleOp module,
                                                  linalg::LinalgOp op,
                                                  StringRef name);

/// The contraction above on tensor cores, for VSA's coarse scores:
/// out[p, i, j] = scale * sum_r a[p, i, r] * b[p, j, r], a and b bf16
/// (`bf16`) or f16, out f32, the sum starting at zero (the planner folds a
/// zero fill of the init and a following multiplication by a constant into
/// it). A CTA computes a 64 x 64 tile of (i, j) with mma.sync m16n8k16,
/// fragments loaded from global memory. Params: a, b, out; i32 I, J, R
/// (R a multiple of 16). Grid (ceil(J/64), ceil(I/64), P), 128 threads.
constexpr int kMmaContractionTile = 64;
constexpr int kMmaContractionThreads = 128;
KernelContract mmaContractionContract(int64_t P = 1, int64_t I = 1,
                                      int64_t J = 1);
/// Whether `op` is a tiled contraction the mma kernel computes: the payload
/// out + ext(a) * ext(b) (either order), a and b of one 16-bit float type,
/// out f32, R a multiple of 16.
bool isMmaContraction(linalg::LinalgOp op);
LLVM::LLVMFuncOp emitMmaContractionKernel(OpBuilder &b, Location loc,
                                          gpu::GPUModuleOp module, bool bf16,
                                          float scale, StringRef name);

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_UTILITYKERNELS_H
