#!/usr/bin/env python3
"""npy_tools.py: .npy helpers for attn lit tests, checked against the NumPy reference attn_ref.py.

Usage:
  npy_tools.py rand OUT.npy --shape 1,2,16,8 [--dtype f4|f2|i4|i8|b1] [--seed N]
                            [--low L --high H]
      Fresh random data. Floats: standard normal, or uniform in [low, high) when --low/--high
      is given (defaults 0 and 1). Ints: uniform in [low, high) (--high required, --low
      defaults to 0). b1: true/false 50/50. Without --seed a fresh seed is drawn and printed to
      stderr ("npy_tools: OUT.npy seed=N") so a failure can be reproduced.

  npy_tools.py check OP --inputs a.npy,b.npy,... --outputs o.npy[,o2.npy]
                        [--attrs JSON] [--tol 1e-4] [--exact]
      Runs reference op OP on the inputs and compares with the given outputs, one line each:
      "OK <name> rel_err=..." / "OK <name> exact" or "FAIL <name> ...". Exit 0 if all pass,
      1 if any comparison fails, 2 on bad usage or inputs the reference rejects.
      Float outputs: rel_err = ||out-ref|| / ||ref|| <= tol; with --exact, bit-identical when
      the dtypes match, else equal values. Integer and bool outputs: always exact.
      OP and operands (SPEC order; [..] optional), attrs, outputs:
        tile, untile        x                                  grid, tile          out
        sdpa                q,k,v[,key_mask]                   scale               out
        mask_from_lengths   len                                size                mask
        block_sparse        q,k,v,kv_indices,kv_counts[,kv_block_sizes]
                                                               block_q, block_kv, scale  out
        block_mean          x[,block_sizes]                    block               out
        block_topk          scores                             k          kv_indices,kv_counts
        vsa                 q,k,v[,gate][,q_block_sizes,kv_block_sizes]
                                                               block, topk | sparsity  out
        sliding_tile        q,k,v                              tile_grid, tile, window |
                                                               windows, text_length, scale  out
      Optional operands: by count (vsa: 4 = gate, 5 = both block sizes, 6 = all), or named in
      attr "operands", e.g. {"operands": ["q","k","v","kv_block_sizes"]}.
      Reference-only attrs: "round_inputs": "bf16" rounds float inputs to bf16 first (what a
      bf16 argument does to <f4 data); vsa "round_means" / "round_scores": "f32"|"bf16";
      vsa "sparsity": s gives topk = clamp(ceil((1-s)*Nkv), 1, Nkv).
      --attrs @FILE reads the JSON from FILE.

  npy_tools.py equal a.npy b.npy
      Exit 0 iff both files hold the same dtype, shape and bytes; else prints why, exit 1.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attn_ref as ref  # noqa: E402

DTYPES = {"f4": "<f4", "f2": "<f2", "i4": "<i4", "i8": "<i8", "b1": "|b1"}

# op: (required operands, optional operands, attrs passed through, output names)
OPS = {
    "tile": (["x"], [], ["grid", "tile"], ["out"]),
    "untile": (["x"], [], ["grid", "tile"], ["out"]),
    "sdpa": (["q", "k", "v"], ["key_mask"], ["scale"], ["out"]),
    "mask_from_lengths": (["len"], [], ["size"], ["mask"]),
    "block_sparse": (["q", "k", "v", "kv_indices", "kv_counts"], ["kv_block_sizes"],
                     ["block_q", "block_kv", "scale"], ["out"]),
    "block_mean": (["x"], ["block_sizes"], ["block"], ["out"]),
    "block_topk": (["scores"], [], ["k"], ["kv_indices", "kv_counts"]),
    "vsa": (["q", "k", "v"], ["gate", "q_block_sizes", "kv_block_sizes"],
            ["block", "topk", "round_means", "round_scores"], ["out"]),
    "sliding_tile": (["q", "k", "v"], [],
                     ["tile_grid", "tile", "window", "windows", "text_length", "scale"],
                     ["out"]),
}
VSA_BY_COUNT = {3: [], 4: ["gate"], 5: ["q_block_sizes", "kv_block_sizes"],
                6: ["gate", "q_block_sizes", "kv_block_sizes"]}


class UsageError(Exception):
    pass


def cmd_rand(a):
    try:
        shape = tuple(int(s) for s in a.shape.split(",") if s.strip() != "")
    except ValueError:
        raise UsageError(f"bad --shape {a.shape!r}: want comma-separated ints like 1,2,16,8")
    dt = np.dtype(DTYPES[a.dtype])
    if dt.kind == "i" and a.high is None:
        raise UsageError("integer dtypes need --high (and optionally --low, default 0)")
    seed = a.seed
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
        print(f"npy_tools: {a.out} seed={seed}", file=sys.stderr)
    rng = np.random.default_rng(seed)
    if dt.kind == "f":
        if a.low is None and a.high is None:
            x = rng.standard_normal(shape)
        else:
            lo = 0.0 if a.low is None else a.low
            hi = 1.0 if a.high is None else a.high
            x = rng.uniform(lo, hi, shape)
    elif dt.kind == "i":
        lo = 0 if a.low is None else int(a.low)
        x = rng.integers(lo, int(a.high), shape)
    else:
        x = rng.random(shape) < 0.5
    np.save(a.out, np.asarray(x).astype(dt))
    return 0


def _operand_names(op, n_inputs, attrs):
    req, opt, _, _ = OPS[op]
    if "operands" in attrs:
        names = list(attrs["operands"])
        order = req + opt
        unknown = [n for n in names if n not in order]
        if unknown:
            raise UsageError(f"{op}: unknown operand(s) {unknown}; operands are {order}")
        if names[:len(req)] != req:
            raise UsageError(f"{op}: operands must start with {req}, got {names}")
        if sorted(names, key=order.index) != names or len(set(names)) != len(names):
            raise UsageError(f"{op}: operands {names} not in SPEC order {order}")
    elif op == "vsa":
        if n_inputs not in VSA_BY_COUNT:
            raise UsageError(f"vsa takes 3 to 6 inputs, got {n_inputs}")
        names = req + VSA_BY_COUNT[n_inputs]
    else:
        names = req + opt[:max(0, n_inputs - len(req))]
    if len(names) != n_inputs:
        raise UsageError(f"{op}: got {n_inputs} inputs for operands {names}")
    return names


def _call(op, ins, attrs):
    _, _, keys, _ = OPS[op]
    extra = set(attrs) - set(keys) - {"operands", "round_inputs", "sparsity"}
    if extra or ("sparsity" in attrs and op != "vsa"):
        raise UsageError(f"{op}: unknown attr(s) {sorted(extra or {'sparsity'})}; "
                         f"accepted: {keys}")
    kw = {key: attrs[key] for key in keys if key in attrs}
    if op in ("tile", "untile"):
        fn = ref.tile if op == "tile" else ref.untile
        return [fn(ins["x"], kw["grid"], kw["tile"])]
    if op == "sdpa":
        return [ref.sdpa(ins["q"], ins["k"], ins["v"], ins.get("key_mask"), **kw)]
    if op == "mask_from_lengths":
        return [ref.mask_from_lengths(ins["len"], kw["size"])]
    if op == "block_sparse":
        return [ref.block_sparse(ins["q"], ins["k"], ins["v"], ins["kv_indices"],
                                 ins["kv_counts"], kv_block_sizes=ins.get("kv_block_sizes"),
                                 **kw)]
    if op == "block_mean":
        return [ref.block_mean(ins["x"], kw["block"], ins.get("block_sizes"))]
    if op == "block_topk":
        return list(ref.block_topk(ins["scores"], kw["k"]))
    if op == "vsa":
        if "sparsity" in attrs:
            if "topk" in kw:
                raise UsageError("vsa: give topk or sparsity, not both")
            nkv = ins["k"].shape[2] // int(kw["block"])
            kw["topk"] = ref.topk_from_sparsity(attrs["sparsity"], nkv)
        return [ref.vsa(ins["q"], ins["k"], ins["v"], gate=ins.get("gate"),
                        q_block_sizes=ins.get("q_block_sizes"),
                        kv_block_sizes=ins.get("kv_block_sizes"), **kw)]
    if op == "sliding_tile":
        return [ref.sliding_tile(ins["q"], ins["k"], ins["v"], **kw)]
    raise UsageError(f"unknown op {op}")


def _compare(name, out, want, tol, exact):
    """Returns (ok, message)."""
    if out.shape != want.shape:
        return False, f"FAIL {name} shape {out.shape} != expected {want.shape}"
    integral = want.dtype.kind in "biu"
    if want.size == 0:
        return True, f"OK {name} empty"
    out, want = np.ascontiguousarray(out), np.ascontiguousarray(want)
    if integral or exact:
        if exact and not integral and out.dtype == want.dtype:
            diff = (out.view(np.uint8).reshape(out.shape + (-1,))
                    != want.view(np.uint8).reshape(want.shape + (-1,))).any(axis=-1)
        else:
            diff = ~np.equal(out.astype(np.float64) if not integral else out, want)
            if not integral:
                diff &= ~(np.isnan(out) & np.isnan(want))
        nbad = int(np.count_nonzero(diff))
        if nbad == 0:
            return True, f"OK {name} exact"
        pos = tuple(int(i) for i in np.argwhere(diff)[0])
        return False, (f"FAIL {name} {nbad} of {want.size} elements differ; first at {pos}: "
                       f"got {out[pos]!r}, expected {want[pos]!r}")
    e = ref.rel_err(out, want)
    if e <= tol:
        return True, f"OK {name} rel_err={e:.3e}"
    return False, f"FAIL {name} rel_err={e:.3e} > tol={tol:g}"


def cmd_check(a):
    if a.op not in OPS:
        raise UsageError(f"unknown op {a.op!r}; ops: {', '.join(OPS)}")
    text = a.attrs
    if text.startswith("@"):
        with open(text[1:]) as f:
            text = f.read()
    try:
        attrs = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"bad --attrs JSON: {e}")
    if not isinstance(attrs, dict):
        raise UsageError("--attrs must be a JSON object")
    paths = [p for p in a.inputs.split(",") if p]
    names = _operand_names(a.op, len(paths), attrs)
    ins = {}
    for name, path in zip(names, paths):
        x = np.load(path)
        if attrs.get("round_inputs") == "bf16" and x.dtype.kind == "f":
            x = ref.bf16_round(x.astype(np.float32))
        elif attrs.get("round_inputs") not in (None, "bf16"):
            raise UsageError("round_inputs must be \"bf16\"")
        ins[name] = x
    try:
        wants = _call(a.op, ins, attrs)
    except (ValueError, KeyError, TypeError) as e:
        raise UsageError(f"reference {a.op} rejected the inputs/attrs: {e!r}")
    out_paths = [p for p in a.outputs.split(",") if p]
    out_names = OPS[a.op][3]
    if len(out_paths) != len(out_names):
        raise UsageError(f"{a.op} has {len(out_names)} output(s) {out_names}, "
                         f"got {len(out_paths)}")
    ok = True
    for name, path, want in zip(out_names, out_paths, wants):
        good, msg = _compare(name, np.load(path), np.asarray(want), a.tol, a.exact)
        print(msg)
        ok &= good
    return 0 if ok else 1


def cmd_equal(a):
    x, y = np.load(a.a), np.load(a.b)
    if x.dtype != y.dtype:
        print(f"DIFFER dtype {x.dtype.str} != {y.dtype.str}")
        return 1
    if x.shape != y.shape:
        print(f"DIFFER shape {x.shape} != {y.shape}")
        return 1
    if x.tobytes() != y.tobytes():
        d = (x.view(np.uint8).reshape(x.shape + (-1,))
             != y.view(np.uint8).reshape(y.shape + (-1,))).any(axis=-1)
        print(f"DIFFER {int(np.count_nonzero(d))} of {x.size} elements")
        return 1
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rand", help="write random data")
    r.add_argument("out")
    r.add_argument("--shape", required=True)
    r.add_argument("--dtype", default="f4", choices=sorted(DTYPES))
    r.add_argument("--seed", type=int)
    r.add_argument("--low", type=float)
    r.add_argument("--high", type=float)
    c = sub.add_parser("check", help="compare outputs with the reference")
    c.add_argument("op")
    c.add_argument("--inputs", required=True)
    c.add_argument("--outputs", required=True)
    c.add_argument("--attrs", default="{}")
    c.add_argument("--tol", type=float, default=1e-4)
    c.add_argument("--exact", action="store_true")
    e = sub.add_parser("equal", help="bit-identical .npy files")
    e.add_argument("a")
    e.add_argument("b")
    a = p.parse_args(argv)
    try:
        return {"rand": cmd_rand, "check": cmd_check, "equal": cmd_equal}[a.cmd](a)
    except (UsageError, OSError) as err:
        print(f"npy_tools: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
