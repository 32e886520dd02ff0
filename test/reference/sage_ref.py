"""A NumPy emulation of SageAttention2's default numerics on Hopper (sglang's
`sage_attn` -> sageattention.sageattn -> sageattn_qk_int8_pv_fp8_cuda_sm90:
per-thread INT8 Q/K with K smoothing, FP8 e4m3 P.V with per-channel V
scales, online softmax in exp2 over 128-key blocks; thu-ml/SageAttention
core.py, triton/quant_per_thread.py, csrc/qattn/qk_int_sv_f8_cuda_sm90.cu).
The reference of docs/Sage.md; float32 like the kernel, IEEE exp2 and
division where the kernel uses approximate ones, exact up to summation
order otherwise.

    out = sage_sdpa(q, k, v, scale=None, elt="bf16")   # [B, H, S, D]
    out = sage_block_sparse(q, k, v, kv_indices, kv_counts, block_q, block_kv)

q [B, Hq, Sq, D], k/v [B, Hkv, Skv, D] (GQA by head groups), non-causal."""
import numpy as np

L2E = np.float32(1.44269504088896340736)
OFF = np.float32(8.807)          # 2^8.807 ~ 448: P's row max lands at e4m3's max


def round_to(x, elt):
    """Rounds float32 values to the element type `elt` (bf16, f16 or f32)."""
    x = np.asarray(x, np.float32)
    if elt == "f32":
        return x
    if elt == "f16":
        return x.astype(np.float16).astype(np.float32)
    u = x.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return r.view(np.float32)


def e4m3(x):
    """Round-to-nearest-even to float8 e4m3 (fn), saturating at +-448."""
    x = np.asarray(x, np.float32)
    a = np.abs(x)
    normal = a >= np.float32(2.0 ** -6)
    u = a.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFFF + ((u >> 20) & 1)) & 0xFFF00000).astype(np.uint32).view(np.float32)
    sub = np.round(a / np.float32(2.0 ** -9)).astype(np.float32) * np.float32(2.0 ** -9)  # RNE
    y = np.minimum(np.where(normal, r, sub), np.float32(448.0))
    return np.copysign(y, x).astype(np.float32)


def int8_groups(x, group_of_row, groups):
    """Per-group INT8 as SageAttention's Triton quantizer: scale = amax/127 +
    1e-7 over the group's rows and channels, q = trunc(x/scale + 0.5*sign)
    (round half away from zero). x [..., S, D]; returns (ints, scales[..., G])."""
    a = np.abs(x).max(-1)                                   # [..., S]
    amax = np.zeros(x.shape[:-2] + (groups,), np.float32)
    for g in range(groups):
        rows = group_of_row == g
        if rows.any():
            amax[..., g] = a[..., rows].max(-1)
    scale = (amax / np.float32(127.0) + np.float32(1e-7)).astype(np.float32)
    y = (x / scale[..., group_of_row][..., None]).astype(np.float32)
    qi = np.trunc(y + np.float32(0.5) * np.where(y >= 0, 1, -1).astype(np.float32))
    return qi.astype(np.float32), scale


def q_groups(s):
    r = np.arange(s)
    return (r // 16) * 8 + r % 8, ((s + 15) // 16) * 8


def k_groups(s):
    n = np.arange(s)
    return (n // 128) * 4 + (n % 8) // 2, ((s + 127) // 128) * 4


def _quantized(q, k, v, elt):
    """The quantized operands: (q8, q scales, k8, k scales, V8, V scales, q
    group of each row, k group of each key), as sage_sdpa makes them."""
    q, k, v = (round_to(np.asarray(x, np.float32), elt) for x in (q, k, v))
    km = round_to(k.mean(2, keepdims=True, dtype=np.float32), elt)      # smooth K
    ks = round_to(k - km, elt)
    gq, nq = q_groups(q.shape[2])
    gk, nk = k_groups(k.shape[2])
    qi, qs = int8_groups(q, gq, nq)
    ki, kscale = int8_groups(ks, gk, nk)
    amax = np.abs(v).max(2)
    vs = (amax / np.float32(448.0)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        recp = np.where(amax > 0, np.float32(448.0) / amax, np.float32(0)).astype(np.float32)
    v8 = e4m3(v * recp[:, :, None, :])
    return qi, qs, ki, kscale, v8, vs, gq, gk


def sage_block_sparse(q, k, v, kv_indices, kv_counts, block_q, block_kv, scale=None,
                      elt="bf16"):
    """attn.sage_block_sparse: the same quantized operands as sage_sdpa; each
    query block walks its kv list in order, one kv block a step (P' in FP8
    against the running maximum of the blocks visited so far)."""
    qi, qs, ki, kscale, v8, vs, gq, gk = _quantized(q, k, v, elt)
    b, hq, sq, d = qi.shape
    group = hq // ki.shape[1]
    sm = np.float32(1.0 / np.sqrt(d) if scale is None else scale) * L2E
    idx, cnt = np.asarray(kv_indices), np.asarray(kv_counts)
    out = np.zeros((b, hq, sq, d), np.float32)
    for bb in range(b):
        for h in range(hq):
            g = h // group
            for n in range(sq // block_q):
                rows = slice(n * block_q, (n + 1) * block_q)
                m = np.full(block_q, -np.inf, np.float32)
                num = np.zeros((block_q, d), np.float32)
                den = np.zeros(block_q, np.float32)
                for j in idx[bb, h, n, :cnt[bb, h, n]]:
                    keys = slice(j * block_kv, (j + 1) * block_kv)
                    s = (qi[bb, h, rows] @ ki[bb, g, keys].T) * \
                        (qs[bb, h][gq[rows]][:, None] * kscale[bb, g][gk[keys]][None, :]) * sm
                    m_new = np.maximum(m, s.max(-1))
                    alpha = np.where(np.isfinite(m), np.exp2(m - m_new), 0).astype(np.float32)
                    p = np.exp2(s - m_new[:, None] + OFF).astype(np.float32)
                    den = den * alpha + p.sum(-1, dtype=np.float32)
                    num = num * alpha[:, None] + e4m3(p) @ v8[bb, g, keys]
                    m = m_new
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[bb, h, rows] = np.where(den[:, None] > 0, num / den[:, None], 0) * vs[bb, g]
    return round_to(out, elt)


def sage_sdpa(q, k, v, scale=None, elt="bf16", key_mask=None):
    """SageAttention2 (sm90 default) emulated: see the module docstring."""
    qi, qs, ki, kscale, v8, vs, gq, gk = _quantized(q, k, v, elt)
    b, hq, sq, d = qi.shape
    skv = ki.shape[2]
    group = hq // ki.shape[1]
    sm = np.float32(1.0 / np.sqrt(d) if scale is None else scale) * L2E
    out = np.zeros((b, hq, sq, d), np.float32)
    nb = (skv + 127) // 128
    for h in range(hq):
        g = h // group
        sint = np.einsum("bsd,btd->bst", qi[:, h], ki[:, g])                 # exact
        s = sint * (qs[:, h][:, gq][..., None] * kscale[:, g][:, gk][:, None, :]) * sm
        if key_mask is not None:
            s = np.where(np.asarray(key_mask, bool)[:, None, :], s, -np.inf)
        m = np.full((b, sq), -np.inf, np.float32)
        num = np.zeros((b, sq, d), np.float32)
        den = np.zeros((b, sq), np.float32)
        for j in range(nb):
            blk = s[:, :, j * 128:(j + 1) * 128]
            m_new = np.maximum(m, blk.max(-1))
            safe = np.where(np.isfinite(m_new), m_new, 0).astype(np.float32)
            alpha = np.where(np.isfinite(m), np.exp2(m - safe), 0).astype(np.float32)
            p = np.exp2(blk - safe[..., None] + OFF).astype(np.float32)      # [0, ~448]
            p = np.where(np.isfinite(blk), p, 0)
            den = den * alpha + p.sum(-1, dtype=np.float32)
            num = num * alpha[..., None] + np.einsum(
                "bst,btd->bsd", e4m3(p), v8[:, g, j * 128:(j + 1) * 128])
            m = m_new
        with np.errstate(divide="ignore", invalid="ignore"):
            o = np.where(den[..., None] > 0, num / den[..., None], 0) * vs[:, g][:, None, :]
        out[:, h] = o
    return round_to(out, elt)
