#!/usr/bin/env python3
"""Feeds malformed IR to a tool and fails on any crash.

Every corpus file must be rejected with a diagnostic ("error:" and exit 1).
Every mutation of a valid file (truncation, deleted/duplicated/swapped
tokens, flipped bytes, changed numbers) may be accepted or rejected, but
never crash: an exit by signal, "Stack dump", "LLVM ERROR", "PLEASE submit"
or a hang past the timeout fails the run.

usage: check_robustness.py --tool PATH [--corpus DIR] [--mutate FILE]...
                           [--count N] [--seed S] [-- TOOL_ARGS...]
"""
import argparse
import os
import random
import re
import subprocess
import sys

CRASH_MARKERS = ("Stack dump", "LLVM ERROR", "PLEASE submit", "Assertion")


def run(tool, args, text, timeout):
    try:
        p = subprocess.run([tool] + args + ["-"], input=text.encode("utf-8", "replace"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    return p.returncode, p.stderr.decode("utf-8", "replace")


def crashed(code, err):
    if code is None:
        return "hang (timeout)"
    if code < 0 or code > 1:
        return f"exit code {code}"
    for m in CRASH_MARKERS:
        if m in err:
            return f"'{m}' in stderr"
    return None


TOKEN = re.compile(r"%[\w.]+|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|\w+|[^\s\w]")


def mutations(text, rng, count):
    toks = [m for m in TOKEN.finditer(text)]
    nums = [m for m in toks if re.fullmatch(r"-?\d+", m.group())]
    weird_numbers = ["0", "-1", "-9223372036854775808", "9223372036854775807",
                     "4294967296", "99999999999999999999", "1e309", "nan"]
    for i in range(count):
        kind = i % 7
        if kind == 0:  # truncation
            cut = rng.randrange(1, len(text))
            yield f"truncate@{cut}", text[:cut]
        elif kind == 1:  # delete a token
            m = rng.choice(toks)
            yield f"delete@{m.start()}", text[:m.start()] + text[m.end():]
        elif kind == 2:  # duplicate a token
            m = rng.choice(toks)
            yield f"dup@{m.start()}", text[:m.end()] + " " + m.group() + text[m.end():]
        elif kind == 3:  # swap two tokens
            a, b = sorted(rng.sample(toks, 2), key=lambda m: m.start())
            yield (f"swap@{a.start()},{b.start()}",
                   text[:a.start()] + b.group() + text[a.end():b.start()] + a.group() + text[b.end():])
        elif kind == 4:  # flip a byte to a random printable character
            pos = rng.randrange(len(text))
            yield f"flip@{pos}", text[:pos] + chr(rng.randrange(32, 127)) + text[pos + 1:]
        elif kind == 5 and nums:  # extreme numbers (shapes, attributes)
            m = rng.choice(nums)
            yield f"num@{m.start()}", text[:m.start()] + rng.choice(weird_numbers) + text[m.end():]
        else:  # cut in the middle of a line and glue to another
            lines = text.splitlines(True)
            a = rng.randrange(len(lines))
            b = rng.randrange(len(lines))
            yield f"splice@{a},{b}", "".join(lines[:a] + [lines[a][:len(lines[a]) // 2]] + lines[b:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--corpus")
    ap.add_argument("--mutate", action="append", default=[])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("tool_args", nargs="*")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    failures, checked = [], 0

    if a.corpus:
        for name in sorted(os.listdir(a.corpus)):
            path = os.path.join(a.corpus, name)
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            code, err = run(a.tool, a.tool_args, text, a.timeout)
            checked += 1
            why = crashed(code, err)
            if why is None and (code != 1 or "error:" not in err):
                why = f"not rejected with a diagnostic (exit {code})"
            if why:
                failures.append(f"corpus/{name}: {why}\n{err[-2000:]}")

    for src in a.mutate:
        with open(src) as f:
            text = f.read()
        # Drop RUN/CHECK lines: mutations should hit IR, not comments.
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
        for label, mutated in mutations(text, rng, a.count):
            code, err = run(a.tool, a.tool_args, mutated, a.timeout)
            checked += 1
            why = crashed(code, err)
            if why:
                repro = os.path.join(os.getcwd(), f"crash-{os.path.basename(src)}-{label}.mlir")
                with open(repro, "w") as f:
                    f.write(mutated)
                failures.append(f"{src} {label}: {why} (input saved to {repro})\n{err[-2000:]}")

    for f in failures:
        print("FAIL", f)
    print(f"robustness: {checked} inputs, {len(failures)} crashes, seed {seed}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
