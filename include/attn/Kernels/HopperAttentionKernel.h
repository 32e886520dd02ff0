//===- HopperAttentionKernel.h - flash attention on wgmma/TMA ---*- C++ -*-===//
//
// The sm_90a member of the block-sparse flash-attention family: the same
// semantics as FlashAttentionKernel.h (dense or indexed lists, sub-block
// tiles, kv_block_sizes, ragged lengths, key masks, GQA, empty rows -> 0),
// built from what Hopper has:
//  - TMA: Q, K and V tiles arrive by cp.async.bulk.tensor (128-byte swizzle)
//    through three tensor maps passed as __grid_constant__ parameters, into
//    a ring of `stages` K/V stages guarded by mbarriers (full: expect_tx by
//    the producer, empty: an arrival per consumer thread);
//  - wgmma: S = Q.K^T with both operands in shared memory, O += P.V with P
//    from registers (the register-A form, inline PTX), f32 accumulators;
//  - warp specialization: warpgroup 0 is the producer (one thread walks the
//    kv block list and issues the loads; setmaxnreg lowers its registers),
//    warpgroups 1..C are consumers of 64 query rows each (setmaxnreg raises
//    theirs) that share every K/V stage.
//
// Parameters: the 13 attention parameters of attnrt/abi.h, then the tensor
// maps of q, k and v (ATTNRT_ATTN_Q_MAP..V_MAP): 3-D maps over the BHSD
// tensors, dims (D, S, B * H) innermost first, boxes (64, rows, 1) with rows
// hopperTensorMapBoxRows(); 128-byte swizzle, out-of-bounds rows read as 0.
// Launch (hopperKernelContract): grid (ceil(Sq / block_q), Hq, B),
// (block_q / 64 + 1) * 128 threads, hopperKernelSharedBytes(cfg).
//
// The raster-tile form (cfg.rasterTile, docs/GPU.md): q, k, v and out are
// raster video tensors [B, H, T * Hh * W, D] and never tiled in memory. The
// maps are 5-D, {D, W, Hh, T, B * H}, and one box (64, tw, th, rows /
// (th * tw), 1) brings a (sub-)tile of tokens into shared memory in
// attn.tile's in-tile order (t, h, w; w fastest): the same swizzled tile as
// the 3-D box of the plain form. Query block J and kv block j are blocks of
// the tile-major sequence attn.tile would make (N tiles of P = tt * th * tw
// slots, sub-blocks along t), tables per tile as for STA's `_t<R>`. Keys
// outside the grid (partial tiles) arrive as zeros at their (t, h, w) slot
// and are masked by coordinate; kv_block_sizes and key_mask are not taken.
// O is staged in the consumer's Q tile and written back by a TMA store of
// the same box (out-of-grid rows clipped). Extra parameters after the three
// maps: the map of out (ATTNRT_ATTN_O_MAP) and i32 T, Hh, W
// (ATTNRT_ATTN_GRID_*); Sq and Skv are not read. Grid (N * P / block_q, Hq,
// B).
//
// With a text segment (cfg.rasterText; STA's text tokens): the tile-major
// sequence goes on past the N image tiles with ceil(S_text / P) text tiles
// of P slots, rows of their own [B, H, S_text, D] tensors (q, k, v, out),
// read and written through 3-D maps as in the plain form (rows past S_text
// arrive as zeros, stores clip them). Keys of text tile slots at or past the
// valid text length are masked (their V rows zeroed in shared memory).
// Parameters after the grid: the maps of text q, k, v, out
// (ATTNRT_ATTN_TEXT_*_MAP) and i32 S_text, text length. The tables name
// text tiles N, N + 1, ...; grid ((N + text tiles) * P / block_q, Hq, B).
//
// With VSA's gated combine (cfg.gatedCombine; block_q 64, no text): before
// the TMA store, O = O / l + coarse[b, h, tile, :] * gate[token, :] in f32:
// the gate's box is loaded by TMA into the consumer's Q tile (free once
// every warp passed its last wait; the q mbarrier's second phase) and read
// at the very positions the thread stages O to; the coarse row (its tile's,
// one per CTA) is read from global memory. Parameters after the grid: the
// gate's map (ATTNRT_ATTN_COMBINE_GATE_MAP, raster like out's) and the
// coarse pointer (ATTNRT_ATTN_COMBINE_COARSE). Name suffix _cg.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_KERNELS_HOPPERATTENTIONKERNEL_H
#define ATTN_KERNELS_HOPPERATTENTIONKERNEL_H

#include "attn/Kernels/FlashAttentionKernel.h"

#include <array>

namespace mlir {
namespace attn {

/// A video tile of the raster-tile form, in tokens (t, h, w); all zero: the
/// plain form (BHSD operands in attn.tile's order, or not video at all).
struct RasterTile {
  int64_t t = 0, h = 0, w = 0;
  bool enabled() const { return t > 0; }
  /// Token slots per tile (P).
  int64_t size() const { return t * h * w; }
};

struct HopperKernelConfig : FlashKernelConfig {
  /// K/V stages of the TMA ring.
  int64_t stages = 2;
  /// Intra-warpgroup overlap: S_j = Q.K_j^T and O += P_{j-1}.V_{j-1} are
  /// issued together and softmax_j runs while the P.V wgmmas do (false:
  /// every wgmma group is waited for before the next step). Off by default:
  /// 4% faster on dense (H100), not yet measured in the planner's kernels
  /// (bench/RESULTS.md).
  bool overlap = false;
  /// With two consumer warpgroups, they take turns issuing their wgmmas
  /// (named barriers), so one's softmax overlaps the other's matrix work.
  /// Off by default: correct, but slower than without at boost clock.
  bool pingPong = false;
  /// Q as the register A operand of S = Q.K^T: each consumer reads its Q
  /// fragments from the swizzled Q tile once (D / 4 registers a thread) and
  /// the S wgmmas read only K from shared memory (the SS form reads Q's
  /// 64 x 16 slice again in every wgmma). Shared-memory traffic per 64 x 64
  /// block drops from 80 to 64 KiB (TMA writes included), which is what a
  /// 64-key block's n64 wgmmas are bound by (docs/GPU.md).
  bool qInRegs = false;
  /// The softmax takes each row's max of the raw scores and computes the
  /// exponents as exp2(s * c - m) with one fma (c = scale * log2 e), not a
  /// multiply per score first and a subtraction.
  bool fmaSoftmax = false;
  /// The raster-tile operand form (see above); set with withRasterTile().
  RasterTile rasterTile;
  /// Raster-tile form only: text tiles follow the image tiles (see above).
  bool rasterText = false;
  /// With rasterText (name suffix _lf): the CTAs take their query blocks in
  /// the order text blocks first (each walks every kv block; launched last
  /// they ran alone at the end of the grid), then image blocks; the blocks
  /// past the text tokens (padding rows only) exit at once.
  bool longFirst = false;
  /// Raster-tile form with one consumer (block_q 64), no text: VSA's gated
  /// combine in the epilogue, out = O + coarse[tile] * gate (see above).
  bool gatedCombine = false;
};

/// The flash configuration on the wgmma kernel (same tables and semantics),
/// with the ring depth that fits shared memory.
HopperKernelConfig hopperConfigFor(const FlashKernelConfig &cfg);

/// `cfg` in the raster-tile form of `tile`: with kv_indices, the tables
/// name tiles (subBlocks = P / block_kv, qSubBlocks = P / block_q).
HopperKernelConfig withRasterTile(HopperKernelConfig cfg, RasterTile tile);

LogicalResult verifyHopperKernelConfig(
    const HopperKernelConfig &cfg, function_ref<InFlightDiagnostic()> emitError);

/// Whether the wgmma kernel takes `cfg` (head dim 64/128, block_q 64/128,
/// block_kv 64/128, or for a dense list a multiple of 16 up to 256); the
/// planner keeps mma.sync otherwise.
bool hopperKernelSupports(const FlashKernelConfig &cfg);

/// Dynamic shared memory at launch: Q tiles, the K/V ring, key-mask bytes,
/// the mbarriers and 1 KiB to align the swizzled tiles.
int64_t hopperKernelSharedBytes(const HopperKernelConfig &cfg);

/// Rows of a tensor map's box: block_q / consumers (64) for q, block_kv for
/// k and v. The box's inner size is 64 elements (128 bytes).
int64_t hopperTensorMapBoxRows(const HopperKernelConfig &cfg, bool query);

/// attentionSignature() plus the three tensor maps (raster-tile form: and
/// out's map, i32 T, Hh, W; with text: the four text maps, i32 S_text and
/// text length), grid (ceil(Sq / block_q), Hq, B) (raster-tile
/// form: shape.queryRows = the tile-major length N * P), (block_q / 64 + 1)
/// * 128 threads.
KernelContract hopperKernelContract(const HopperKernelConfig &cfg,
                                    AttentionShape shape = {});

/// attn_wgmma_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_vbs][_km][_t<R>]
/// [_r<RQ>][_rt<tt>x<th>x<tw>[_txt|_cg]]_s<stages>[_ov][_pp][_qr][_fm]
/// (the suffixes: raster tile, text segment or gated combine, overlap,
/// ping-pong, Q in registers, fma softmax on).
std::string hopperKernelName(const HopperKernelConfig &cfg);

/// Appends the kernel to `module` (an sm_90a gpu.module).
LLVM::LLVMFuncOp emitHopperAttentionKernel(OpBuilder &b, Location loc,
                                           gpu::GPUModuleOp module,
                                           const HopperKernelConfig &cfg,
                                           StringRef name = "");

} // namespace attn
} // namespace mlir

#endif // ATTN_KERNELS_HOPPERATTENTIONKERNEL_H
