#!/usr/bin/env python3
"""Checks the raster-tile Hopper kernels (attn-emit-hopper-kernel
raster-tile=T,H,W; docs/GPU.md, "The raster-tile form") on a GPU: q, k, v
and out are raster video tensors [B, H, T*Hh*W, D], loaded and stored by the
kernel through 5-D TMA boxes, on grids with and without partial tiles.

usage: check_raster_tile.py DIR [--quick]
       check_raster_tile.py --dry-run

DIR holds <kernel-name>.sm_90a.cubin files named
attn_wgmma_<bf16|f16>_d<D>_q<BQ>_kv<BKV>_<idx|dense>[_t<R>][_r<RQ>]_rt<tt>x<th>x<tw>_s<S>[_ov][_pp][_qr][_fm]
(launched through wgmma_launch.RasterKernel). Every case draws fresh random
bf16/f16 inputs and per-tile tables (kv_indices / kv_counts with garbage
past the counts, out-of-range ids within them, and query tiles that list
nothing), poisons the output with NaN, and compares with a float32 torch
reference computed independently of the kernel's layout trick: tile q, k, v
with explicit index gathers in attn.tile's order (SPEC: valid tokens first,
pad slots zero, vbs valid per tile), masked block-sparse attention over the
same kv tile lists (keys of slot < vbs), untile with the inverse gather.
Error metric: test/reference/errcheck.py (whole-output and worst-row relative
error < 1e-2); rows whose tile lists no valid key must be exactly 0 and
every element must be written. Prints one line per case and
'N passed, N failed'.

--dry-run (no GPU, no kernel; test/GPU/check-raster-tile-logic.test): the
tile/untile gathers against the SPEC example and untile(tile(x)) == x, and
the reference on small shapes (both tiles, partial and full grids, GQA,
dense and indexed tables) against a naive dense masked attention in float64
computed directly on raster tokens (key r' is visible to query r when the
tile of r lists the tile of r')."""
import math
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
import errcheck  # noqa: E402

sys.path.insert(0, HERE)
import model_ref  # noqa: E402  (the model checks' tiling: tile_map)
import wgmma_launch  # noqa: E402  (ctypes; opens libcuda only when launching)

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


def tile_index(grid, tile):
    """attn.tile's gather (SPEC): for each slot of the tile-major sequence the
    raster index of its token, -1 for a pad slot; and vbs, the valid tokens
    per tile (model_ref.tile_map inverted: tile j = (i_t * n_h + i_h) * n_w +
    i_w, tokens row-major over the tile's clipped extents, pad slots last)."""
    slot, vbs, N, P = model_ref.tile_map(grid, tile)
    idx = torch.full((N * P,), -1, dtype=torch.long)
    idx[slot] = torch.arange(slot.numel())
    return idx, vbs


def tile(x, idx):
    """[B, H, S, D] raster -> [B, H, N*P, D] tile-major, pad slots zero."""
    B, H, _, D = x.shape
    out = x.new_zeros(B, H, idx.numel(), D)
    m = idx >= 0
    out[:, :, m.to(x.device)] = x[:, :, idx[m].to(x.device)]
    return out


def untile(y, idx, S):
    """The inverse gather on the filled slots: [B, H, N*P, D] -> raster."""
    B, H, _, D = y.shape
    out = y.new_zeros(B, H, S, D)
    m = idx >= 0
    out[:, :, idx[m].to(y.device)] = y[:, :, m.to(y.device)]
    return out


def allowed_tiles(idx, cnt, B, H, N, device):
    """[B, H, N, N]: query tile I lists kv tile J (entries below the count
    clamped to [0, K], ids outside [0, N) dropped); all True when dense."""
    if idx is None:
        return torch.ones(B, H, N, N, dtype=torch.bool, device=device)
    K = idx.shape[-1]
    ids = idx.long()
    live = torch.arange(K, device=device)[None, None, None, :] < cnt.long().clamp(0, K)[..., None]
    live &= (ids >= 0) & (ids < N)
    hits = torch.zeros(B, H, N, N, dtype=torch.int32, device=device)
    hits.scatter_add_(3, ids.clamp(0, N - 1), live.to(torch.int32))
    return hits > 0


def reference(q, k, v, grid, tile_shape, idx, cnt, scale, dtype=torch.float32):
    """tile -> masked block-sparse attention over the tiles' kv lists ->
    untile, in `dtype`. Also the [B, Hq, S] mask of query rows that have a
    valid key."""
    B, Hq, S, D = q.shape
    Hkv = k.shape[1]
    tix, vbs = tile_index(grid, tile_shape)
    P = math.prod(tile_shape)
    N = vbs.numel()
    dev = q.device
    qt, kt, vt = (tile(x.to(dtype), tix) for x in (q, k, v))
    allowed = allowed_tiles(idx, cnt, B, Hq, N, dev)
    slot = torch.arange(N * P, device=dev)
    key_valid = (slot % P) < vbs.to(dev)[slot // P]
    out_t = torch.zeros(B, Hq, N * P, D, dtype=dtype, device=dev)
    live_t = torch.zeros(B, Hq, N * P, dtype=torch.bool, device=dev)
    for bb in range(B):
        for h in range(Hq):
            hk = h // (Hq // Hkv)
            mask = allowed[bb, h][slot // P][:, slot // P] & key_valid[None, :]
            s = (qt[bb, h] @ kt[bb, hk].T) * scale
            p = torch.softmax(s.masked_fill(~mask, float("-inf")), -1).nan_to_num(0.0)
            out_t[bb, h] = p @ vt[bb, hk]
            live_t[bb, h] = mask.any(-1)
    live = untile(live_t[..., None].to(dtype), tix, S)[..., 0] > 0
    return untile(out_t, tix, S), live


def naive(q, k, v, grid, tile_shape, idx, cnt, scale):
    """Dense masked attention in float64 on raster tokens: key r' is visible
    to query r when the tile of r lists the tile of r'."""
    (T, H, W), (a, b, c) = grid, tile_shape
    B, Hq, S, D = q.shape
    Hkv = k.shape[1]
    nh, nw = -(-H // b), -(-W // c)
    r = torch.arange(S)
    t_id = ((r // (H * W)) // a * nh + (r // W % H) // b) * nw + (r % W) // c
    allowed = allowed_tiles(idx, cnt, B, Hq, -(-T // a) * nh * nw, q.device)
    out = torch.zeros(B, Hq, S, D, dtype=torch.float64)
    for bb in range(B):
        for h in range(Hq):
            hk = h // (Hq // Hkv)
            mask = allowed[bb, h][t_id][:, t_id]
            s = (q[bb, h].double() @ k[bb, hk].double().T) * scale
            p = torch.softmax(s.masked_fill(~mask, float("-inf")), -1).nan_to_num(0.0)
            out[bb, h] = p @ v[bb, hk].double()
    return out


def box_index(grid, tile_shape, rows):
    """What the kernel's boxes hold: for each block of `rows` tokens of the
    tile-major sequence (block j is sub-block j % (P/rows) of tile
    j // (P/rows), sub-blocks along t), the raster index of each of its box
    slots (t, h, w; w fastest), -1 where the slot lies outside the grid (TMA
    fills zeros there on a load and skips it on a store)."""
    (T, H, W), (a, b, c) = grid, tile_shape
    nt, nh, nw = -(-T // a), -(-H // b), -(-W // c)
    per_tile = a * b * c // rows
    j = torch.arange(nt * nh * nw * per_tile)
    t_id, sub = j // per_tile, j % per_tile
    t0 = (t_id // (nh * nw)) * a + sub * (rows // (b * c))
    h0 = (t_id // nw % nh) * b
    w0 = (t_id % nw) * c
    r = torch.arange(rows)
    t = t0[:, None] + r // (b * c)
    h = h0[:, None] + r // c % b
    w = w0[:, None] + r % c
    inside = (t < T) & (h < H) & (w < W)
    return torch.where(inside, (t * H + h) * W + w, torch.full_like(t, -1))


def emulate(q, k, v, grid, tile_shape, bkv, idx, cnt, scale, coordinate_mask=True):
    """The raster-tile kernel's algorithm in float64 (docs/GPU.md): Q in
    64-row boxes, K/V in block_kv-row boxes with zeros outside the grid,
    each query tile's listed tiles walked as P/block_kv kv blocks, keys
    masked by coordinate, rows stored back where they lie in the grid. With
    coordinate_mask=False the zero-filled keys count (a kernel that forgot
    the mask): the check must fail that on partial grids."""
    B, Hq, S, D = q.shape
    Hkv = k.shape[1]
    P = math.prod(tile_shape)
    qbox = box_index(grid, tile_shape, 64).reshape(-1)
    kbox = box_index(grid, tile_shape, bkv).reshape(-1)
    N = qbox.numel() // P
    allowed = allowed_tiles(idx, cnt, B, Hq, N, q.device)
    q_tile = torch.arange(qbox.numel()) // P
    k_tile = torch.arange(kbox.numel()) // P
    k_valid = kbox >= 0 if coordinate_mask else torch.ones_like(kbox, dtype=torch.bool)

    def load(x, box):
        out = x.new_zeros(x.shape[0], box.numel(), D)
        out[:, box >= 0] = x[:, box[box >= 0]]
        return out
    out = torch.full((B, Hq, S, D), float("nan"), dtype=torch.float64)
    for bb in range(B):
        qs = load(q[bb].double(), qbox)
        ks, vs = load(k[bb].double(), kbox), load(v[bb].double(), kbox)
        for h in range(Hq):
            hk = h // (Hq // Hkv)
            mask = allowed[bb, h][q_tile][:, k_tile] & k_valid[None, :]
            s = (qs[h] @ ks[hk].T) * scale
            p = torch.softmax(s.masked_fill(~mask, float("-inf")), -1).nan_to_num(0.0)
            o = p @ vs[hk]
            out[bb, h, qbox[qbox >= 0]] = o[qbox >= 0]
    return out


def make_tables(B, H, N, K, device):
    """Per-tile kv_indices [B, H, N, K] and kv_counts [B, H, N]: distinct ids,
    random counts; garbage past the counts (negative, >= N); some ids within
    the counts out of range (dropped); tile 0 lists nothing."""
    g = torch.Generator().manual_seed(int.from_bytes(os.urandom(4), "little"))
    idx = torch.stack([torch.randperm(N, generator=g)[:K] for _ in range(B * H * N)])
    idx = idx.reshape(B, H, N, K).to(torch.int32)
    cnt = torch.randint(0, K + 1, (B, H, N), generator=g, dtype=torch.int32)
    cnt[:, :, 0] = 0
    pos = torch.arange(K)[None, None, None, :]
    junk = torch.tensor([-1, N, N + 7, -2**31], dtype=torch.int32)
    garbage = junk[torch.randint(0, len(junk), idx.shape, generator=g)]
    idx = torch.where(pos >= cnt.clamp(0, K)[..., None], garbage, idx)
    inside = (pos < cnt[..., None]) & (torch.rand(idx.shape, generator=g) < 0.15)
    idx = torch.where(inside, torch.full_like(idx, N + 1), idx)
    return idx.contiguous().to(device), cnt.contiguous().to(device)


def grids_for(tile_shape):
    """(grid, has partial tiles) cases for a tile: one grid that is a
    multiple of the tile, one with partial tiles in every dimension (for
    6x8x8 also whole sub-blocks outside the grid), one partial in h only."""
    a, b, c = tile_shape
    return [((2 * a, 2 * b, 3 * c), False),
            ((a + 1 + a // 2, b + b // 2 + 1, 2 * c - 3 if c > 3 else c + 1), True),
            ((a, b + 1, c), True)]


def run_case(name, kern, B, Hq, Hkv, grid, device="cuda"):
    """One launch of `kern` (a wgmma_launch.RasterKernel, or the dry run's
    stand-in on the CPU) on fresh inputs, checked against reference()."""
    T, Hh, W = grid
    S = T * Hh * W
    dtype = DTYPES[kern.dtype]
    D = kern.D
    q = torch.randn(B, Hq, S, D, device=device, dtype=dtype)
    k = torch.randn(B, Hkv, S, D, device=device, dtype=dtype)
    v = torch.randn(B, Hkv, S, D, device=device, dtype=dtype)
    N = kern.tokens(grid) // math.prod(kern.tile)
    K = min(5, N)
    idx, cnt = make_tables(B, Hq, N, K, device) if kern.indexed else (None, None)
    out = torch.full_like(q, float("nan"))
    kern.prepare(q, k, v, out, idx, cnt, K if kern.indexed else 0, grid)()
    if device == "cuda":
        torch.cuda.synchronize()
    written = not torch.isnan(out).any().item()
    ref, live = reference(q, k, v, grid, kern.tile, idx, cnt, 1.0 / math.sqrt(D))
    ok, msg = errcheck.check(out, ref, errcheck.TOL[kern.dtype])
    dead = ~live
    n_dead = int(dead.sum().item())
    nonzero = int((out[dead] != 0).any(-1).sum().item()) if n_dead else 0
    ok = ok and written and nonzero == 0
    print(f"{'PASS' if ok else 'FAIL'} {name} B{B} Hq{Hq} Hkv{Hkv} grid {T}x{Hh}x{W}: {msg}, "
          f"all written {written}, rows without keys {n_dead} (not exactly 0: {nonzero})",
          flush=True)
    return ok


def gpu_main(d, quick):
    torch.manual_seed(int.from_bytes(os.urandom(4), "little"))
    passed = failed = 0
    files = sorted(f for f in os.listdir(d) if f.endswith(".cubin")) if os.path.isdir(d) else []
    if not files:
        print(f"FAIL no raster-tile kernels in {d} (scripts/gpu/prepare.sh)")
        failed += 1
    heads = [(1, 2, 2)] if quick else [(2, 4, 2), (1, 3, 1)]
    for f in files:
        name = f[: -len(".cubin")].rsplit(".", 1)[0]
        try:
            kern = wgmma_launch.RasterKernel(os.path.join(d, f), name)
        except Exception as e:
            print(f"FAIL {f}: {type(e).__name__}: {e}", flush=True)
            failed += 1
            continue
        for grid, _partial in grids_for(kern.tile)[: 2 if quick else None]:
            for B, Hq, Hkv in heads:
                try:
                    ok = run_case(name, kern, B, Hq, Hkv, grid)
                except Exception as e:  # a launch error is a failed case, not a crash
                    print(f"FAIL {name} grid {grid}: {type(e).__name__}: {e}", flush=True)
                    ok = False
                passed += ok
                failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


class StandIn:
    """A CPU stand-in for a RasterKernel that computes emulate() (with or
    without the coordinate mask): the dry run drives run_case() with it."""

    def __init__(self, name, coordinate_mask):
        m = wgmma_launch.RASTER_NAME.match(name)
        self.dtype, self.D, self.bkv = m.group(1), int(m.group(2)), int(m.group(4))
        self.indexed = m.group(5) == "idx"
        self.tile = (int(m.group(6)), int(m.group(7)), int(m.group(8)))
        self.mask = coordinate_mask

    def tokens(self, grid):
        return math.prod(-(-n // t) for n, t in zip(grid, self.tile)) * math.prod(self.tile)

    def prepare(self, q, k, v, out, idx, cnt, K, grid):
        def launch():
            out.copy_(emulate(q, k, v, grid, self.tile, self.bkv, idx, cnt,
                              1.0 / math.sqrt(self.D), self.mask).to(out.dtype))
        return launch


def dry_run():
    """The reference's own checks on the CPU (see the module docstring)."""
    passed = failed = 0

    def report(ok, what):
        nonlocal passed, failed
        print(f"{'PASS' if ok else 'FAIL'} {what}", flush=True)
        passed += bool(ok)
        failed += not ok

    # SPEC's example: grid (1,3,5), tile (1,2,2).
    tix, vbs = tile_index((1, 3, 5), (1, 2, 2))
    filled = [[int(x) for x in tix[j * 4: j * 4 + int(vbs[j])]] for j in range(6)]
    report(vbs.tolist() == [4, 4, 2, 2, 2, 1] and filled ==
           [[0, 1, 5, 6], [2, 3, 7, 8], [4, 9], [10, 11], [12, 13], [14]] and
           tix.numel() == 24, f"tile order of SPEC's example: vbs {vbs.tolist()}, {filled}")
    g = torch.Generator().manual_seed(0)
    for grid, shape in (((5, 6, 7), (4, 4, 4)), ((7, 10, 13), (6, 8, 8)), ((3, 3, 5), (2, 2, 2))):
        S = math.prod(grid)
        x = torch.randn(1, 2, S, 8, generator=g)
        tix, _ = tile_index(grid, shape)
        report(torch.equal(untile(tile(x, tix), tix, S), x),
               f"untile(tile(x)) == x, grid {grid} tile {shape}")
    scale = 0.3
    cases = [((5, 6, 7), (4, 4, 4), True, (2, 4, 2)), ((8, 8, 8), (4, 4, 4), True, (1, 2, 2)),
             ((5, 6, 7), (4, 4, 4), False, (1, 2, 1)), ((7, 10, 13), (6, 8, 8), True, (1, 2, 1)),
             ((12, 8, 16), (6, 8, 8), True, (1, 1, 1)), ((3, 3, 5), (2, 2, 2), True, (2, 2, 1))]
    for grid, shape, indexed, (B, Hq, Hkv) in cases:
        S = math.prod(grid)
        q, k, v = (torch.randn(B, hh, S, 16, generator=g, dtype=torch.float64)
                   for hh in (Hq, Hkv, Hkv))
        N = len(tile_index(grid, shape)[1])
        idx, cnt = make_tables(B, Hq, N, min(5, N), "cpu") if indexed else (None, None)
        ref, live = reference(q, k, v, grid, shape, idx, cnt, scale)
        want = naive(q, k, v, grid, shape, idx, cnt, scale)
        ok, msg = errcheck.check(ref.double(), want, errcheck.TOL["f32"])
        dead = int((~live).sum())
        zero = bool((ref[~live] == 0).all()) and bool((want[~live] == 0).all())
        report(ok and zero and (dead > 0) == indexed,
               f"reference vs naive float64, grid {grid} tile {shape} "
               f"{'indexed' if indexed else 'dense'} B{B} Hq{Hq} Hkv{Hkv}: {msg}, "
               f"rows without keys {dead} (exactly 0: {zero})")
        # The kernel's box addressing, emulated, meets the reference; without
        # the coordinate mask it must not on a grid with partial tiles.
        partial = any(n % t for n, t in zip(grid, shape))
        for bkv in (64, 128):
            if math.prod(shape) % bkv or bkv % (shape[1] * shape[2]):
                continue
            got = emulate(q, k, v, grid, shape, bkv, idx, cnt, scale)
            ok, msg = errcheck.check(got, want, errcheck.TOL["f32"])
            report(ok and bool((got[~live] == 0).all()),
                   f"emulated kernel (kv blocks of {bkv}) vs naive: {msg}")
            if partial:
                bad = emulate(q, k, v, grid, shape, bkv, idx, cnt, scale, coordinate_mask=False)
                caught, msg = errcheck.check(bad, ref, errcheck.TOL["bf16"])
                report(not caught, f"  without the coordinate mask the check fails: {msg}")
    # The GPU path's case logic (inputs, tables, poisoned output, errcheck,
    # rows without keys) on stand-ins named like prepare.sh's kernels: the
    # emulated kernel passes, one without the coordinate mask fails.
    for name in ("attn_wgmma_bf16_d128_q64_kv64_idx_rt4x4x4_s3",
                 "attn_wgmma_bf16_d128_q128_kv128_idx_t3_rt6x8x8_s3",
                 "attn_wgmma_f16_d64_q64_kv64_dense_rt4x4x4_s4"):
        for mask in (True, False):
            kern = StandIn(name, mask)
            grid, partial = grids_for(kern.tile)[1]
            print(f"  stand-in{'' if mask else ' without the coordinate mask'}:")
            ok = run_case(name, kern, 1, 2, 1, grid, device="cpu")
            report(ok == mask, f"run_case {'passes' if mask else 'fails'} it")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    if "--dry-run" in sys.argv:
        return dry_run()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        return 2
    return gpu_main(args[0], "--quick" in sys.argv)


if __name__ == "__main__":
    sys.exit(main())
