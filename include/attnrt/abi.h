/*===- attnrt/abi.h - the kernel ABI shared by compiler and runtime -*- C -*-===*
 *
 * The facts about emitted kernels that both sides of an artifact need: the
 * parameter positions of the attention kernels (flash and SIMT share one
 * layout) and of the checked-mode kv-table validation kernel, and the layout
 * of the checked-mode error buffer. The compiler's kernel library
 * (include/attn/Kernels/) builds kernel signatures and launches from these
 * positions; the runtime (runtime/) reads plan parameters by them. Dependency
 * free (C, no includes) so that attnrt builds without LLVM.
 *===----------------------------------------------------------------------===*/

#ifndef ATTNRT_ABI_H
#define ATTNRT_ABI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Attention kernels (flash and SIMT): global pointers first, then i32s.
 * Unused pointers are passed as null. */
enum attnrt_attention_param {
  ATTNRT_ATTN_Q = 0,
  ATTNRT_ATTN_K = 1,
  ATTNRT_ATTN_V = 2,
  ATTNRT_ATTN_OUT = 3,
  ATTNRT_ATTN_KV_INDICES = 4,     /* i32 [B, Hq, ceil(Sq / block_q), K] */
  ATTNRT_ATTN_KV_COUNTS = 5,      /* i32 [B, Hq, ceil(Sq / block_q)] */
  ATTNRT_ATTN_KV_BLOCK_SIZES = 6, /* i32 [ceil(Skv / block_kv)] */
  ATTNRT_ATTN_KEY_MASK = 7,       /* i8 [B, Skv], 0 = masked key */
  ATTNRT_ATTN_SQ = 8,
  ATTNRT_ATTN_SKV = 9,
  ATTNRT_ATTN_HQ = 10,
  ATTNRT_ATTN_HKV = 11,
  ATTNRT_ATTN_TABLE_K = 12, /* row length of kv_indices */
  ATTNRT_ATTN_NUM_PTRS = 8,
  ATTNRT_ATTN_NUM_PARAMS = 13,
  /* The wgmma/TMA kernels (sm_90a) take three CUtensorMaps after those, as
   * __grid_constant__ parameters (plan parameter `tmap:`). */
  ATTNRT_ATTN_Q_MAP = 13,
  ATTNRT_ATTN_K_MAP = 14,
  ATTNRT_ATTN_V_MAP = 15,
  ATTNRT_ATTN_TMA_NUM_PARAMS = 16,
  /* Their raster-tile form (q, k, v, out raster [B, H, T*Hh*W, D], 5-D
   * maps) then takes out's map and the video grid. */
  ATTNRT_ATTN_O_MAP = 16,
  ATTNRT_ATTN_GRID_T = 17,
  ATTNRT_ATTN_GRID_H = 18,
  ATTNRT_ATTN_GRID_W = 19,
  ATTNRT_ATTN_RASTER_NUM_PARAMS = 20,
  /* The raster-tile form with a text segment (STA's text tokens after the
   * image tiles, [B, H, S_text, D] tensors of their own): 3-D maps of the
   * text q, k, v and out, then S_text and the valid text keys (<= S_text). */
  ATTNRT_ATTN_TEXT_Q_MAP = 20,
  ATTNRT_ATTN_TEXT_K_MAP = 21,
  ATTNRT_ATTN_TEXT_V_MAP = 22,
  ATTNRT_ATTN_TEXT_O_MAP = 23,
  ATTNRT_ATTN_TEXT_TOKENS = 24,
  ATTNRT_ATTN_TEXT_LENGTH = 25,
  ATTNRT_ATTN_RASTER_TEXT_NUM_PARAMS = 26,
  /* The raster-tile form with VSA's combine in the epilogue (no text): the
   * gate's map (raster, like out's; unused without a gate) and the coarse
   * output [B*H, N tiles, D]. */
  ATTNRT_ATTN_COMBINE_GATE_MAP = 20,
  ATTNRT_ATTN_COMBINE_COARSE = 21,
  ATTNRT_ATTN_RASTER_COMBINE_NUM_PARAMS = 22
  /* A kernel that also writes each query row's log-sum-exp (name suffix
   * _lse; flash, SIMT and the plain wgmma form) takes one more global
   * pointer after all of its parameters above: f32 [B, Hq, Sq]. */
};

/* The checked-mode kernel that validates kv_indices/kv_counts before the
 * launch that reads them. */
enum attnrt_check_kv_param {
  ATTNRT_CHECK_KV_INDICES = 0,
  ATTNRT_CHECK_KV_COUNTS = 1,
  ATTNRT_CHECK_KV_ERR = 2,  /* the error buffer below */
  ATTNRT_CHECK_KV_ROWS = 3, /* B * H * N rows of kv_counts */
  ATTNRT_CHECK_KV_K = 4,    /* row length of kv_indices */
  ATTNRT_CHECK_KV_NKV = 5,  /* valid ids are [0, NKV) */
  ATTNRT_CHECK_KV_NUM_PTRS = 3,
  ATTNRT_CHECK_KV_NUM_PARAMS = 6,
  ATTNRT_CHECK_KV_THREADS = 128 /* threads per CTA, one kv_counts row each */
};

/* The error buffer: two uint32 words. Word 0 is set to 0xFFFFFFFF before a
 * check and lowered (atomic min) to the first bad position: a kv_counts row
 * r < ROWS, or ROWS + r * K + e for kv_indices entry e of row r. Word 1 is
 * reserved and zeroed. */
enum attnrt_check_error_buffer {
  ATTNRT_CHECK_ERR_POSITION = 0,
  ATTNRT_CHECK_ERR_WORDS = 2,
  ATTNRT_CHECK_ERR_NONE = -1 /* as uint32: 0xFFFFFFFF */
};

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_ABI_H */
