"""VSA in torch float64 (tiled and raster), differentiable, for the
gradient tests: test_autograd.py (the CPU path) and test_gpu.py (the CUDA
backward, on the GPU machine, which has no compiler to run the CPU path)."""
import numpy as np
import torch


def vsa_tiled_torch(qt, kt, vt, gt, qbs, kbs, p, topk):
    """VSA in torch float64 on tiled tensors (pads zero): block means over
    the valid tokens, the coarse attention broadcast to the slots, the fine
    attention over the kv tiles the NumPy reference selects (held constant,
    as the backward treats it), the gate. Differentiable in q, k, v, gate."""
    import attn_ref
    b, hq, sq, d = qt.shape
    nq, nkv = sq // p, kt.shape[2] // p
    group = hq // kt.shape[1]

    def means(x, sizes):
        # Over the valid slots only (a pad slot is not read: no gradient).
        n = x.shape[2] // p
        valid = torch.from_numpy(np.arange(p)[None, :] < sizes[:, None])[:, :, None]
        x = x.reshape(x.shape[0], x.shape[1], n, p, d) * valid
        return x.sum(3) / torch.from_numpy(sizes).double()[:, None]

    qc = means(qt, qbs)
    kc = means(kt, kbs).repeat_interleave(group, 1)
    vc = means(vt, kbs).repeat_interleave(group, 1)
    oc = (torch.softmax(qc @ kc.transpose(-1, -2) * d ** -0.5, -1) @ vc).repeat_interleave(p, 2)
    idx, cnt = attn_ref.vsa_selection(*(x.detach().numpy() for x in (qt, kt, vt)), p, topk,
                                      qbs, kbs)
    chosen = np.zeros((b, hq, nq, nkv), bool)
    for bi, h, i in np.ndindex(b, hq, nq):
        chosen[bi, h, i, idx[bi, h, i, :cnt[bi, h, i]]] = True
    valid_key = np.arange(nkv * p) % p < np.repeat(kbs, p)
    mask = torch.from_numpy(np.repeat(np.repeat(chosen, p, 2), p, 3) & valid_key)
    s = qt @ kt.repeat_interleave(group, 1).transpose(-1, -2) * d ** -0.5
    os_ = torch.softmax(s.masked_fill(~mask, float("-inf")), -1) @ vt.repeat_interleave(group, 1)
    return (oc * gt if gt is not None else oc) + os_


def leaves64(*xs):
    """float64 leaf copies of the tensors (None stays None)."""
    return [None if x is None else x.detach().double().requires_grad_() for x in xs]


def vsa_reference_grads(q, k, v, dout, grid, tile, topk, gate=None):
    """torch float64 autograd of VSA in raster order: tile (zero pads),
    vsa_tiled_torch, untile."""
    import attn_ref
    tpi, npi, comb, vbs = attn_ref.tile_indices(grid, tile)
    _, n, p = attn_ref.tile_geometry(grid, tile)
    leaves = leaves64(q, k, v, gate)

    def tiled(x):
        out = x.new_zeros(x.shape[:2] + (n * p, x.shape[3]))
        return out.index_copy(2, torch.from_numpy(npi), x[:, :, torch.from_numpy(tpi)])

    gt = tiled(leaves[3]) if gate is not None else None
    out = vsa_tiled_torch(*(tiled(x) for x in leaves[:3]), gt, vbs, vbs, p, topk)
    (out[:, :, torch.from_numpy(comb)] * dout.double()).sum().backward()
    return tuple(x.grad for x in leaves if x is not None)
