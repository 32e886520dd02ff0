"""Torch references for the model examples (examples/*.mlir), independent of
the compiler and of test/reference/attn_ref.py, written from SPEC: tile /
untile as index maps, VSA (block means over valid rows, coarse attention,
top-k with the lowest id winning ties, block-sparse fine attention computed
a chunk of query blocks at a time so that memory stays bounded at real
shapes) and STA (3-D window over tiles, shifted to stay inside the grid,
plus text tokens). Everything is computed in float32 on the inputs' device;
the model configuration is read from the example's .mlir text."""
import math
import re

import torch


# --------------------------------------------------------------------------
# Model configuration from the example module
# --------------------------------------------------------------------------

def _ints(text):
    return [int(x) for x in re.split(r"[,\s]+", text.strip()) if x]


def parse_model(path):
    """The attention configuration of an example module (the forms used in
    examples/: attn.tile/untile with grid/tile, attn.vsa with block/topk and
    an optional gate, attn.sliding_tile with tile_grid/tile/window and
    text_length)."""
    text = open(path).read()
    cfg = {}
    m = re.search(r"attn\.tile\s+%\w+\s+grid\s*\[([\d,\s]+)\]\s*tile\s*\[([\d,\s]+)\]", text)
    if not m:
        raise ValueError(f"{path}: no attn.tile with grid/tile")
    cfg["grid"], cfg["tile"] = _ints(m.group(1)), _ints(m.group(2))
    m = re.search(r"attn\.vsa\s+([^:]*?)\bblock\s+(\d+)\s+topk\s+(\d+)", text, re.S)
    if m:
        cfg["kind"] = "vsa"
        cfg["block"], cfg["topk"] = int(m.group(2)), int(m.group(3))
        cfg["gate"] = " gate " in " " + m.group(1)
        return cfg
    m = re.search(r"attn\.sliding_tile\s+[^:]*?tile_grid\s*\[([\d,\s]+)\]\s*tile\s*\[([\d,\s]+)\]"
                  r"\s*window\s*\[([\d,\s]+)\](?:\s*text_length\s+(\d+))?", text, re.S)
    if m:
        cfg["kind"] = "sta"
        cfg["tile_grid"], cfg["sta_tile"] = _ints(m.group(1)), _ints(m.group(2))
        cfg["window"] = _ints(m.group(3))
        cfg["text_length"] = int(m.group(4) or 0)
        return cfg
    raise ValueError(f"{path}: neither attn.vsa nor attn.sliding_tile found")


# --------------------------------------------------------------------------
# Tiling
# --------------------------------------------------------------------------

def tile_map(grid, tile, device="cpu"):
    """(slot, vbs, N, P): slot[r] is the padded tile-major position of raster
    token r (tile id row-major over the tile grid, row-major inside the
    tile's clipped extents); vbs[j] the valid tokens of tile j."""
    T, H, W = grid
    a, b, c = tile
    nt, nh, nw = -(-T // a), -(-H // b), -(-W // c)
    P = a * b * c
    t = torch.arange(T, device=device).view(T, 1, 1)
    h = torch.arange(H, device=device).view(1, H, 1)
    w = torch.arange(W, device=device).view(1, 1, W)
    tid = ((t // a) * nh + (h // b)) * nw + (w // c)
    et = torch.clamp(T - (t // a) * a, max=a)  # clipped extents of the token's tile
    eh = torch.clamp(H - (h // b) * b, max=b)
    ew = torch.clamp(W - (w // c) * c, max=c)
    inner = ((t % a) * eh + (h % b)) * ew + (w % c)
    slot = (tid * P + inner).reshape(-1)
    vbs = (torch.clamp(T - torch.arange(nt, device=device) * a, max=a).view(nt, 1, 1)
           * torch.clamp(H - torch.arange(nh, device=device) * b, max=b).view(1, nh, 1)
           * torch.clamp(W - torch.arange(nw, device=device) * c, max=c).view(1, 1, nw))
    return slot, vbs.reshape(-1), nt * nh * nw, P


def tile(x, slot, n, p):
    out = torch.zeros(x.shape[0], x.shape[1], n * p, x.shape[3], dtype=x.dtype, device=x.device)
    out[:, :, slot] = x
    return out


def untile(y, slot):
    return y[:, :, slot]


# --------------------------------------------------------------------------
# VSA
# --------------------------------------------------------------------------

def topk_lowest_id(scores, k):
    """Ascending ids of the k highest scores per row; ties go to the lowest id
    (a stable descending sort keeps equal scores in id order)."""
    order = torch.sort(scores, dim=-1, descending=True, stable=True).indices
    return order[..., :k].sort(dim=-1).values


def vsa_tiled(q, k, v, gate, vbs, P, topk, chunk=16, means_dtype=None):
    """attn.vsa on tiled float32 tensors [B,H,N*P,D] (GQA not used by the
    examples: Hq == Hkv). means_dtype rounds the block means to that dtype
    (a compiler that keeps block_mean's result in the input type); returns
    (out, kv_indices, margin), margin[b,h,J] = the gap between the K-th and
    the (K+1)-th coarse score (how robust the selection is to rounding)."""
    B, H, S, D = q.shape
    N = S // P
    scale = 1.0 / math.sqrt(D)
    valid = torch.arange(P, device=q.device)[None, :] < vbs[:, None]          # [N, P]
    vf = valid.to(torch.float32)[None, None, :, :, None]

    def mean(x):
        m = (x.view(B, H, N, P, D) * vf).sum(3) / vbs.to(torch.float32)[None, None, :, None]
        return m.to(means_dtype).float() if means_dtype is not None else m

    qc, kc, vc = mean(q), mean(k), mean(v)
    s = (qc @ kc.transpose(-1, -2)) * scale                                     # [B,H,N,N]
    oc = torch.softmax(s, -1) @ vc                                              # [B,H,N,D]
    K = min(topk, N)
    idx = topk_lowest_id(s, K)                                                  # [B,H,N,K]
    ordered = torch.sort(s, dim=-1, descending=True).values
    margin = (ordered[..., K - 1] - ordered[..., K]) if K < N else torch.full_like(s[..., 0], math.inf)
    kb, vb = k.view(B, H, N, P, D), v.view(B, H, N, P, D)
    out = torch.empty_like(q)
    bi = torch.arange(B, device=q.device).view(B, 1, 1, 1)
    hi = torch.arange(H, device=q.device).view(1, H, 1, 1)
    for j0 in range(0, N, chunk):
        j1 = min(N, j0 + chunk)
        sel = idx[:, :, j0:j1]                                                  # [B,H,C,K]
        ks = kb[bi, hi, sel].reshape(B, H, j1 - j0, K * P, D)
        vs = vb[bi, hi, sel].reshape(B, H, j1 - j0, K * P, D)
        keep = valid[sel].reshape(B, H, j1 - j0, 1, K * P)
        qs = q[:, :, j0 * P:j1 * P].reshape(B, H, j1 - j0, P, D)
        logits = (qs @ ks.transpose(-1, -2)) * scale
        logits = logits.masked_fill(~keep, float("-inf"))
        os_ = torch.softmax(logits, -1).nan_to_num(0.0) @ vs                    # [B,H,C,P,D]
        o = oc[:, :, j0:j1, None, :] * gate[:, :, j0 * P:j1 * P].reshape(B, H, j1 - j0, P, D) \
            if gate is not None else oc[:, :, j0:j1, None, :]
        out[:, :, j0 * P:j1 * P] = (o + os_).reshape(B, H, (j1 - j0) * P, D)
    return out, idx, margin


def vsa_model(cfg, q, k, v, gate=None, chunk=16, means_dtype=None):
    """The example VSA module: raster q/k/v/gate -> raster out (float32)."""
    slot, vbs, N, P = tile_map(cfg["grid"], cfg["tile"], q.device)
    assert P == cfg["block"], (P, cfg["block"])
    t = lambda x: tile(x.float(), slot, N, P)
    out, idx, margin = vsa_tiled(t(q), t(k), t(v), t(gate) if gate is not None else None, vbs,
                                 P, cfg["topk"], chunk, means_dtype)
    return untile(out, slot), idx, margin


# --------------------------------------------------------------------------
# STA
# --------------------------------------------------------------------------

def sta_dim(n, k, device):
    """allow[q, x] over one tile-grid dimension: |c - x| <= r, r = k // 2,
    c = clamp(q, r, n-1-r); a window at least as wide as the dimension
    covers all of it."""
    r = k // 2
    if 2 * r + 1 >= n:
        return torch.ones(n, n, dtype=torch.bool, device=device)
    c = torch.clamp(torch.arange(n, device=device), r, n - 1 - r)
    return (c[:, None] - torch.arange(n, device=device)[None, :]).abs() <= r


def sta_tile_mask(tile_grid, window, device):
    nt, nh, nw = tile_grid
    at, ah, aw = (sta_dim(n, w, device) for n, w in zip(tile_grid, window))
    m = at[:, None, None, :, None, None] & ah[None, :, None, None, :, None] & aw[None, None, :, None, None, :]
    return m.reshape(nt * nh * nw, nt * nh * nw)


def sta_tiled(q, k, v, tile_grid, P, window, text_length, chunk=4):
    """attn.sliding_tile on float32 [B,H,S,D]: S = N*P tile-major image tokens
    then text tokens, of which the first text_length are valid keys. An image
    query tile attends to its window's tiles plus the valid text; a text
    query to every image token plus the valid text."""
    B, H, S, D = q.shape
    N = tile_grid[0] * tile_grid[1] * tile_grid[2]
    s_img = N * P
    scale = 1.0 / math.sqrt(D)
    tm = sta_tile_mask(tile_grid, window, q.device)                            # [N, N]
    text_k, text_v = k[:, :, s_img:s_img + text_length], v[:, :, s_img:s_img + text_length]
    out = torch.empty_like(q)
    kb, vb = k[:, :, :s_img].view(B, H, N, P, D), v[:, :, :s_img].view(B, H, N, P, D)
    out_img = out[:, :, :s_img].view(B, H, N, P, D)

    def attend(qs, ks, vs):
        p = torch.softmax((qs @ ks.transpose(-1, -2)) * scale, -1)
        return p @ vs

    # Query tiles with the same number of kv tiles are batched together.
    counts = tm.sum(1)
    for n in counts.unique().tolist():
        tiles = torch.nonzero(counts == n).flatten()
        for c0 in range(0, tiles.numel(), chunk):
            qt = tiles[c0:c0 + chunk]
            kvt = torch.stack([torch.nonzero(tm[j]).flatten() for j in qt.tolist()])  # [C, n]
            C = qt.numel()
            ks = kb[:, :, kvt].reshape(B, H, C, n * P, D)
            vs = vb[:, :, kvt].reshape(B, H, C, n * P, D)
            ks = torch.cat([ks, text_k[:, :, None].expand(B, H, C, text_length, D)], 3)
            vs = torch.cat([vs, text_v[:, :, None].expand(B, H, C, text_length, D)], 3)
            qs = q[:, :, :s_img].view(B, H, N, P, D)[:, :, qt]
            out_img[:, :, qt] = attend(qs, ks, vs)
    keys = torch.cat([k[:, :, :s_img], text_k], 2)
    vals = torch.cat([v[:, :, :s_img], text_v], 2)
    for r0 in range(s_img, S, 64):
        r1 = min(S, r0 + 64)
        out[:, :, r0:r1] = attend(q[:, :, r0:r1], keys, vals)
    return out


def sta_model(cfg, qi, ki, vi, qt, kt, vt, chunk=4):
    """The example STA module: raster image q/k/v and text q/k/v -> (raster
    image out, text out), float32."""
    slot, _, N, P = tile_map(cfg["grid"], cfg["tile"], qi.device)
    n_tiles = cfg["tile_grid"][0] * cfg["tile_grid"][1] * cfg["tile_grid"][2]
    assert N == n_tiles and P == math.prod(cfg["sta_tile"]), "tile/sliding_tile mismatch"
    cat = lambda i, t: torch.cat([tile(i.float(), slot, N, P), t.float()], 2)
    out = sta_tiled(cat(qi, qt), cat(ki, kt), cat(vi, vt), cfg["tile_grid"], P, cfg["window"],
                    cfg["text_length"], chunk)
    s_img = N * P
    return untile(out[:, :, :s_img], slot), out[:, :, s_img:]
