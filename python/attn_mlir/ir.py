"""Builders of attn IR text for the high-level functions.

Each builder returns the text of a module with one function ``@main`` whose
signature is fixed by the shapes, element type and attributes: equal inputs
give byte-identical text, which is what the compile cache keys on.
"""
import math
from typing import List, Optional, Sequence, Tuple

ELEMENT_TYPES = ("f32", "f16", "bf16")


def triple(name: str, value) -> Tuple[int, int, int]:
    try:
        vals = tuple(int(x) for x in value)
    except TypeError:
        raise TypeError(f"{name} must be 3 integers (t, h, w), got {value!r}") from None
    if len(vals) != 3:
        raise ValueError(f"{name} must have 3 entries (t, h, w), got {list(value)}")
    if min(vals) < 1:
        raise ValueError(f"{name} entries must be >= 1, got {list(vals)}")
    return vals


def tile_geometry(grid, tile):
    """((n_t, n_h, n_w), N, P, vbs) for a token grid and tile (SPEC "Video tiling")."""
    g, t = triple("grid", grid), triple("tile", tile)
    n = tuple(-(-g[i] // t[i]) for i in range(3))

    def extents(d):
        return [min(t[d], g[d] - i * t[d]) for i in range(n[d])]

    et, eh, ew = extents(0), extents(1), extents(2)
    vbs = [a * b * c for a in et for b in eh for c in ew]
    return n, n[0] * n[1] * n[2], t[0] * t[1] * t[2], vbs


def tensor_type(shape: Sequence[int], elem: str) -> str:
    """tensor<...> of `shape`; None or -1 entries are dynamic (``?``)."""
    return ("tensor<" + "x".join("?" if d is None or int(d) < 0 else str(int(d)) for d in shape)
            + "x" + elem + ">")


def _list(vals) -> str:
    return "[" + ", ".join(str(int(v)) for v in vals) + "]"


def _check_elem(elem):
    if elem not in ELEMENT_TYPES:
        raise ValueError(f"element type must be one of {ELEMENT_TYPES}, got {elem!r}")


def tile_module(shape, elem, grid, tile) -> str:
    """attn.tile of one [B,H,T*H*W,D] argument."""
    _check_elem(elem)
    _, n, p, _ = tile_geometry(grid, tile)
    b, h, _, d = shape
    it, ot = tensor_type(shape, elem), tensor_type((b, h, n * p, d), elem)
    return (f"func.func @main(%x: {it}) -> {ot} {{\n"
            f"  %t = attn.tile %x grid {_list(grid)} tile {_list(tile)} : {it}\n"
            f"  return %t : {ot}\n}}\n")


def untile_module(shape, elem, grid, tile) -> str:
    """attn.untile of one [B,H,N*P,D] argument."""
    _check_elem(elem)
    g = triple("grid", grid)
    b, h, _, d = shape
    it, ot = tensor_type(shape, elem), tensor_type((b, h, g[0] * g[1] * g[2], d), elem)
    return (f"func.func @main(%x: {it}) -> {ot} {{\n"
            f"  %t = attn.untile %x grid {_list(grid)} tile {_list(tile)} : {it}\n"
            f"  return %t : {ot}\n}}\n")


def sdpa_module(q_shape, kv_shape, elem, scale: Optional[float] = None,
                lse: bool = False) -> str:
    """attn.sdpa: (q, k, v) -> out, or (out, lse) with ``lse``."""
    _check_elem(elem)
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    sc = "" if scale is None else f" scale {_f32(scale)}"
    if not lse:
        return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{\n"
                f"  %o = attn.sdpa %q, %k, %v{sc} : ({qt}, {kt}, {kt}) -> {qt}\n"
                f"  return %o : {qt}\n}}\n")
    res = f"{qt}, {tensor_type(q_shape[:3], 'f32')}"
    return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}) -> ({res}) {{\n"
            f"  %o, %lse = attn.sdpa %q, %k, %v{sc} : ({qt}, {kt}, {kt}) -> ({res})\n"
            f"  return %o, %lse : {res}\n}}\n")


def lse_merge_module(out_shape, n: int, elem) -> str:
    """attn.lse_merge of n parts: (out_1..out_n [B, H, S, D] elem, lse_1..lse_n
    [B, H, S] f32) -> (out, lse)."""
    _check_elem(elem)
    if n < 2:
        raise ValueError(f"lse_merge needs at least 2 parts, got {n}")
    ot, lt = tensor_type(out_shape, elem), tensor_type(out_shape[:3], "f32")
    args = ", ".join([f"%o{i}: {ot}" for i in range(n)] + [f"%l{i}: {lt}" for i in range(n)])
    operands = (", ".join(f"%o{i}" for i in range(n)) + " lse "
                + ", ".join(f"%l{i}" for i in range(n)))
    types = ", ".join([ot] * n + [lt] * n)
    return (f"func.func @main({args}) -> ({ot}, {lt}) {{\n"
            f"  %o, %l = attn.lse_merge {operands} : ({types}) -> ({ot}, {lt})\n"
            f"  return %o, %l : {ot}, {lt}\n}}\n")


def vmoba_module(shape, grid, chunk, elem, topk: Optional[int] = None,
                 threshold: Optional[float] = None, scale: Optional[float] = None) -> str:
    """V-MoBA: (q, k, v [B, H, S, D]) -> out: attn.chunk_mean of k, attn.chunk_select
    (topk or threshold), attn.chunk_attention."""
    _check_elem(elem)
    if (topk is None) == (threshold is None):
        raise ValueError("vmoba_module needs exactly one of topk and threshold")
    t = tensor_type(shape, elem)
    g = ", ".join(str(int(x)) for x in grid)
    c = ", ".join(str(int(x)) for x in chunk)
    nchunks = 1
    for n, m in zip(grid, chunk):
        nchunks *= -(-int(n) // int(m))
    b, h, sq, d = shape
    mt = tensor_type((b, h, nchunks, d), "f32")
    st = tensor_type((b, h, sq, nchunks), "i1")
    how = f"topk {int(topk)}" if topk is not None else f"threshold {_f32(threshold)}"
    sc = "" if scale is None else f" scale {_f32(scale)}"
    a = f"grid [{g}] chunk [{c}]"
    return (f"func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
            f"  %m = attn.chunk_mean %k {a} : {t}\n"
            f"  %s = attn.chunk_select %q, %m {a} {how} : {t}, {mt}\n"
            f"  %o = attn.chunk_attention %q, %k, %v, %s {a}{sc} : ({t}, {t}, {t}, {st}) -> {t}\n"
            f"  return %o : {t}\n}}\n")


def svg2_clusters_module(shape, n_q: int, n_k: int, iterations: int, top_p: float,
                         min_kc_ratio: float) -> str:
    """SVG2's clustering (f32): (q, k [B, H, V, D], q_init [B, H, QC, D], k_init
    [B, H, KC, D]) -> (q_labels, q_centroids, k_labels, k_centroids, selection):
    attn.kmeans of q and of k, then attn.cluster_select."""
    b, h, s, d = (int(x) for x in shape)
    t = tensor_type(shape, "f32")
    qi, ki = tensor_type((b, h, n_q, d), "f32"), tensor_type((b, h, n_k, d), "f32")
    lt = tensor_type((b, h, s), "i32")
    kst = tensor_type((b, h, n_k), "i32")
    st = tensor_type((b, h, n_q, n_k), "i1")
    return (f"func.func @main(%q: {t}, %k: {t}, %iq: {qi}, %ik: {ki}) -> "
            f"({lt}, {qi}, {lt}, {ki}, {st}) {{\n"
            f"  %ql, %qc, %qs = attn.kmeans %q, %iq iterations {int(iterations)} : {t}, {qi}\n"
            f"  %kl, %kc, %ks = attn.kmeans %k, %ik iterations {int(iterations)} : {t}, {ki}\n"
            f"  %sel = attn.cluster_select %qc, %kc, %ks top_p {_f32(top_p)} "
            f"min_kc_ratio {float(min_kc_ratio):.17e} : {qi}, {ki}, {kst}\n"
            f"  return %ql, %qc, %kl, %kc, %sel : {lt}, {qi}, {lt}, {ki}, {st}\n}}\n")


def cluster_attention_module(shape, n_q: int, n_k: int, scale: Optional[float] = None) -> str:
    """attn.cluster_attention (f32): (q, k, v [B, H, S, D], q_labels, k_labels [B, H, S],
    selection [B, H, QC, KC]) -> out."""
    b, h, s, d = (int(x) for x in shape)
    t = tensor_type(shape, "f32")
    lt, st = tensor_type((b, h, s), "i32"), tensor_type((b, h, n_q, n_k), "i1")
    sc = "" if scale is None else f" scale {_f32(scale)}"
    return (f"func.func @main(%q: {t}, %k: {t}, %v: {t}, %ql: {lt}, %kl: {lt}, %s: {st})"
            f" -> {t} {{\n"
            f"  %o = attn.cluster_attention %q, %k, %v, %ql, %kl, %s{sc} : "
            f"({t}, {t}, {t}, {lt}, {lt}, {st}) -> {t}\n  return %o : {t}\n}}\n")


def sage_sdpa_module(q_shape, kv_shape, elem, scale: Optional[float] = None) -> str:
    """attn.sage_sdpa: (q, k, v) -> out (SageAttention2's numerics)."""
    _check_elem(elem)
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    sc = "" if scale is None else f" scale {_f32(scale)}"
    return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}) -> {qt} {{\n"
            f"  %o = attn.sage_sdpa %q, %k, %v{sc} : ({qt}, {kt}, {kt}) -> {qt}\n"
            f"  return %o : {qt}\n}}\n")


def sage_block_sparse_module(q_shape, kv_shape, idx_shape, elem, block_q: int,
                             block_kv: int, scale: Optional[float] = None) -> str:
    """attn.sage_block_sparse: (q, k, v, kv_indices, kv_counts) -> out."""
    _check_elem(elem)
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    it, ct = tensor_type(idx_shape, "i32"), tensor_type(idx_shape[:3], "i32")
    sc = "" if scale is None else f" scale {_f32(scale)}"
    return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}, %i: {it}, %c: {ct}) -> {qt} {{\n"
            f"  %o = attn.sage_block_sparse %q, %k, %v, %i, %c block_q {int(block_q)} "
            f"block_kv {int(block_kv)}{sc} : ({qt}, {kt}, {kt}, {it}, {ct}) -> {qt}\n"
            f"  return %o : {qt}\n}}\n")


def sdpa_grad_module(q_shape, kv_shape, elem, scale: Optional[float] = None) -> str:
    """attn.sdpa_grad: (q, k, v, dout) -> (dq, dk, dv)."""
    _check_elem(elem)
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    sc = "" if scale is None else f" scale {_f32(scale)}"
    res = f"{qt}, {kt}, {kt}"
    return (f"func.func @main(%q: {qt}, %k: {kt}, %v: {kt}, %do: {qt}) -> ({res}) {{\n"
            f"  %dq, %dk, %dv = attn.sdpa_grad %q, %k, %v, %do{sc} : "
            f"({qt}, {kt}, {kt}, {qt}) -> ({res})\n"
            f"  return %dq, %dk, %dv : {res}\n}}\n")


def _f32(x: float) -> str:
    # An F32Attr operand attribute: a bare literal (a ": f32" suffix would
    # read as the start of the op's type). MLIR float literals need a '.',
    # so no "1e-05"; 9 digits round-trip f32.
    return f"{float(x):.9e}"


def vsa_module(q_shape, kv_shape, elem, grid, topk: int, gate: bool,
               tile=(4, 4, 4), grad: bool = False) -> str:
    """tile q/k/v(/gate) -> attn.vsa (block P, topk) -> untile (SPEC "VSA pieces").
    ``grad``: the backward instead, @main(q, k, v, [gate,] dout) -> (dq, dk, dv
    [, dgate]) through attn.vsa_grad (dout tiled like q, the gradients
    untiled: tile and untile are each other's adjoints)."""
    _check_elem(elem)
    _, n, p, vbs = tile_geometry(grid, tile)
    b, hq, _, d = q_shape
    hkv = kv_shape[1]
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    qtt = tensor_type((b, hq, n * p, d), elem)
    ktt = tensor_type((b, hkv, n * p, d), elem)
    vbs_t = tensor_type((n,), "i32")
    g, tl = _list(grid), _list(tile)
    # (name, raster type, tiled type) of each tensor argument, in order.
    ins = [("q", qt, qtt), ("k", kt, ktt), ("v", kt, ktt)]
    ins += [("gate", qt, qtt)] if gate else []
    ins += [("dout", qt, qtt)] if grad else []
    outs = [("dq", qt, qtt), ("dk", kt, ktt), ("dv", kt, ktt)] if grad else [("o", qt, qtt)]
    outs += [("dgate", qt, qtt)] if grad and gate else []
    args = ", ".join(f"%{x}: {t}" for x, t, _ in ins)
    results = ", ".join(t for _, t, _ in outs)
    lines = [f"func.func @main({args}) -> ({results}) {{"]
    lines += [f"  %{x}_t = attn.tile %{x} grid {g} tile {tl} : {t}" for x, t, _ in ins]
    lines.append(f"  %vbs = arith.constant dense<{_list(vbs)}> : {vbs_t}")
    operands = ", ".join(f"%{x}_t" for x in ("q", "k", "v") + (("dout",) if grad else ()))
    gate_txt = " gate %gate_t" if gate else ""
    types = ([qtt, ktt, ktt] + ([qtt] if grad else []) + ([qtt] if gate else [])
             + [vbs_t, vbs_t])
    op = "attn.vsa_grad" if grad else "attn.vsa"
    lines += [f"  {', '.join('%' + o + '_t' for o, _, _ in outs)} = {op} {operands}{gate_txt}"
              f" q_block_sizes %vbs kv_block_sizes %vbs block {p} topk {int(topk)}",
              f"      : ({', '.join(types)}) -> ({', '.join(tt for _, _, tt in outs)})"]
    lines += [f"  %{o} = attn.untile %{o}_t grid {g} tile {tl} : {tt}" for o, _, tt in outs]
    lines += [f"  return {', '.join('%' + o for o, _, _ in outs)} : {results}", "}"]
    return "\n".join(lines) + "\n"


def vsa_module_dynamic(q_shape, kv_shape, elem, gate: bool, tile=(4, 4, 4)) -> str:
    """vsa_module for every video grid and top-k: q/k/v(/gate) shapes may
    have None (run-time) entries, the grid (T, H, W) and topk are size
    arguments (0-d i64 tensors after the tensors; attnrt's `arg N size`),
    the tiles' valid counts come from attn.tile_block_sizes. One GPU artifact
    serves every grid (docs/DynamicShapes.md, "GPU path")."""
    _check_elem(elem)
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    qtt = tensor_type((q_shape[0], q_shape[1], None, q_shape[3]), elem)
    ktt = tensor_type((kv_shape[0], kv_shape[1], None, kv_shape[3]), elem)
    tl = _list(tile)
    ins = [("q", qt, qtt), ("k", kt, ktt), ("v", kt, ktt)]
    ins += [("gate", qt, qtt)] if gate else []
    sizes = ("t", "h", "w", "topk")
    args = ", ".join([f"%{x}: {t}" for x, t, _ in ins] + [f"%{n}: tensor<i64>" for n in sizes])
    lines = [f"func.func @main({args}) -> {qt} {{"]
    for n in sizes:
        lines += [f"  %{n}64 = tensor.extract %{n}[] : tensor<i64>",
                  f"  %{n}i = arith.index_cast %{n}64 : i64 to index"]
    g = "[%ti, %hi, %wi]"
    lines += [f"  %{x}_t = attn.tile %{x} grid {g} tile {tl} : {t}" for x, t, _ in ins]
    lines.append(f"  %vbs = attn.tile_block_sizes grid {g} tile {tl}")
    p = tile[0] * tile[1] * tile[2]
    gate_txt = " gate %gate_t" if gate else ""
    types = [qtt, ktt, ktt] + ([qtt] if gate else []) + ["tensor<?xi32>", "tensor<?xi32>", "index"]
    lines += [f"  %o_t = attn.vsa %q_t, %k_t, %v_t{gate_txt} q_block_sizes %vbs kv_block_sizes "
              f"%vbs block {p} topk %topki",
              f"      : ({', '.join(types)}) -> {qtt}",
              f"  %o = attn.untile %o_t grid {g} tile {tl} : {qtt}",
              f"  return %o : {qt}", "}"]
    return "\n".join(lines) + "\n"


def sta_module(shape, elem, grid, tile, window: Optional[Sequence[int]],
               windows: Optional[Sequence[int]], text_length: Optional[int],
               grad: bool = False) -> str:
    """Image tokens (raster) tiled, text appended, attn.sliding_tile, image part
    untiled: q/k/v/out are [B,H,T*H*W + S_text,D] with the text after the image
    (SPEC "Sliding tile attention"; examples/hunyuan_sta_*.mlir). ``grad``: the
    backward instead, @main(q, k, v, dout) -> (dq, dk, dv) through
    attn.sliding_tile_grad (tile's adjoint is untile: the results are untiled).
    ``text_length=None``: the text length is a size argument (a 0-d i64
    tensor after q, k, v; one GPU artifact for every prompt length)."""
    _check_elem(elem)
    g, t = triple("grid", grid), triple("tile", tile)
    tile_grid = tuple(g[i] // t[i] for i in range(3))
    b, h, s, d = shape
    s_img = g[0] * g[1] * g[2]
    s_text = s - s_img
    full = tensor_type(shape, elem)
    img = tensor_type((b, h, s_img, d), elem)
    txt = tensor_type((b, h, s_text, d), elem)
    attrs = f"tile_grid {_list(tile_grid)} tile {_list(t)}"
    attrs += f" window {_list(window)}" if window is not None else f" windows {_list(windows)}"
    if text_length is None:
        attrs += " text_length %len"
    elif text_length:
        attrs += f" text_length {int(text_length)}"
    gl, tl = _list(g), _list(t)
    ins = "qkvd" if grad else "qkv"
    outs = ["dq", "dk", "dv"] if grad else ["o"]
    params = ", ".join([f"%{x}: {full}" for x in ins] +
                       (["%n: tensor<i64>"] if text_length is None else []))
    results = ", ".join([full] * len(outs))
    lines = [f"func.func @main({params}) -> ({results}) {{"]
    if text_length is None:
        lines.append("  %len = tensor.extract %n[] : tensor<i64>")
    off = "[0, 0, 0, 0]"
    toff = f"[0, 0, {s_img}, 0]"
    isz, tsz, st = f"[{b}, {h}, {s_img}, {d}]", f"[{b}, {h}, {s_text}, {d}]", "[1, 1, 1, 1]"

    def relayout(src, dst, layout_op):
        """%dst = %src with its image part through attn.tile/untile, the
        text after it unchanged."""
        if s_text == 0:
            return [f"  %{dst} = {layout_op} %{src} grid {gl} tile {tl} : {full}"]
        return [f"  %{src}_i = tensor.extract_slice %{src}{off} {isz} {st} : {full} to {img}",
                f"  %{src}_t = tensor.extract_slice %{src}{toff} {tsz} {st} : {full} to {txt}",
                f"  %{src}_l = {layout_op} %{src}_i grid {gl} tile {tl} : {img}",
                f"  %{dst} = tensor.concat dim(2) %{src}_l, %{src}_t : ({img}, {txt}) -> {full}"]

    for x in ins:
        lines += relayout(x, x + "c", "attn.tile")
    op = "attn.sliding_tile_grad" if grad else "attn.sliding_tile"
    operand_types = [full] * len(ins) + (["i64"] if text_length is None else [])
    lines += [f"  {', '.join('%' + o for o in outs)} = {op} "
              f"{', '.join('%' + x + 'c' for x in ins)} {attrs}",
              f"      : ({', '.join(operand_types)}) -> ({results})"]
    for o in outs:
        lines += relayout(o, o + "r", "attn.untile")
    lines += [f"  return {', '.join('%' + o + 'r' for o in outs)} : {results}", "}"]
    return "\n".join(lines) + "\n"


def vsa_tiled_module(q_shape, kv_shape, elem, block: int, topk: int, gate: bool,
                     grad: bool = False) -> str:
    """attn.vsa on pre-tiled q/k/v(/gate) with the block sizes as int32
    arguments (FastVideo's fastvideo_kernel.video_sparse_attn): @main(q, k, v,
    [gate,] q_block_sizes, kv_block_sizes). ``grad``: attn.vsa_grad,
    @main(q, k, v, [gate,] dout, q_block_sizes, kv_block_sizes) -> (dq, dk,
    dv [, dgate])."""
    _check_elem(elem)
    nq, nkv = q_shape[2] // block, kv_shape[2] // block
    qt, kt = tensor_type(q_shape, elem), tensor_type(kv_shape, elem)
    qb, kb = tensor_type((nq,), "i32"), tensor_type((nkv,), "i32")
    data = [("q", qt), ("k", kt), ("v", kt)] + ([("gate", qt)] if gate else [])
    data += [("dout", qt)] if grad else []
    args = ", ".join([f"%{n}: {t}" for n, t in data] + [f"%qbs: {qb}", f"%kbs: {kb}"])
    outs = ([("dq", qt), ("dk", kt), ("dv", kt)] + ([("dgate", qt)] if gate else [])
            if grad else [("o", qt)])
    operands = "%q, %k, %v" + (", %dout" if grad else "")
    # The functional type lists dout before the gate (the ops' operand order).
    types = [qt, kt, kt] + ([qt] if grad else []) + ([qt] if gate else []) + [qb, kb]
    results = ", ".join(t for _, t in outs)
    op = "attn.vsa_grad" if grad else "attn.vsa"
    gate_txt = " gate %gate" if gate else ""
    return (f"func.func @main({args}) -> ({results}) {{\n"
            f"  {', '.join('%' + n for n, _ in outs)} = {op} {operands}{gate_txt}"
            f" q_block_sizes %qbs kv_block_sizes %kbs block {int(block)} topk {int(topk)}\n"
            f"      : ({', '.join(types)}) -> ({results})\n"
            f"  return {', '.join('%' + n for n, _ in outs)} : {results}\n}}\n")


def sta_tiled_module(shape, elem, tile_grid, tile, window: Optional[Sequence[int]],
                     windows: Optional[Sequence[int]], text_length: int,
                     grad: bool = False) -> str:
    """attn.sliding_tile on pre-tiled image tokens followed by the text
    (FastVideo's sliding_tile_attention): q/k/v/out [B,H,N*P + S_text,D].
    ``grad``: attn.sliding_tile_grad, @main(q, k, v, dout) -> (dq, dk, dv)."""
    _check_elem(elem)
    full = tensor_type(shape, elem)
    attrs = f"tile_grid {_list(tile_grid)} tile {_list(tile)}"
    attrs += f" window {_list(window)}" if window is not None else f" windows {_list(windows)}"
    if text_length is None:
        attrs += " text_length %len"
    elif text_length:
        attrs += f" text_length {int(text_length)}"
    ins = "qkvd" if grad else "qkv"
    outs = ["dq", "dk", "dv"] if grad else ["o"]
    results = ", ".join([full] * len(outs))
    op = "attn.sliding_tile_grad" if grad else "attn.sliding_tile"
    return (f"func.func @main({', '.join(f'%{x}: {full}' for x in ins)}) -> ({results}) {{\n"
            f"  {', '.join('%' + o for o in outs)} = {op} "
            f"{', '.join('%' + x for x in ins)} {attrs}\n"
            f"      : ({', '.join([full] * len(ins))}) -> ({results})\n"
            f"  return {', '.join('%' + o for o in outs)} : {results}\n}}\n")


def topk_for(sparsity: float, num_tiles: int) -> int:
    """clamp(ceil((1 - s) * N), 1, N) (SPEC; FastVideo's VSA backend)."""
    return max(1, min(math.ceil((1.0 - float(sparsity)) * num_tiles), num_tiles))
