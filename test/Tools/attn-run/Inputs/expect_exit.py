#!/usr/bin/env python3
"""expect_exit.py: run a command that must fail cleanly, for attn-run lit tests.

Usage:
  expect_exit.py [--code N] [--absent PATH]... [--unchanged PATH]...
                 [--no-partial DIR]... -- COMMAND [ARGS...]

Runs COMMAND, copies its stderr then its stdout to stdout (for FileCheck), and
exits 0 only if all of these hold, else prints "expect_exit: FAIL: ..." lines and
exits 1:
  - the exit code is exactly N (default 1): not 0, not a signal, not 2;
  - the output has no crash marker ("Stack dump", "LLVM ERROR",
    "PLEASE submit", "Assertion", "Segmentation fault");
  - every --absent PATH does not exist afterwards, nor PATH.partial;
  - every --unchanged PATH has the same bytes (or the same absence) as before;
  - no file named *.partial is left anywhere under each --no-partial DIR.
"""

import argparse
import os
import subprocess
import sys

CRASH_MARKERS = ["Stack dump", "LLVM ERROR", "PLEASE submit", "Assertion",
                 "Segmentation fault"]


def snapshot(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        print("expect_exit: usage: ... -- COMMAND [ARGS...]")
        return 2
    sep = argv.index("--")
    p = argparse.ArgumentParser()
    p.add_argument("--code", type=int, default=1)
    p.add_argument("--absent", action="append", default=[])
    p.add_argument("--unchanged", action="append", default=[])
    p.add_argument("--no-partial", action="append", default=[])
    opts = p.parse_args(argv[:sep])
    cmd = argv[sep + 1:]
    if not cmd:
        print("expect_exit: no command")
        return 2

    before = {path: snapshot(path) for path in opts.unchanged}
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = r.stderr.decode("utf-8", "replace")
    out = r.stdout.decode("utf-8", "replace")
    sys.stdout.write(err)
    sys.stdout.write(out)

    failures = []
    if r.returncode != opts.code:
        what = ("killed by signal %d" % -r.returncode if r.returncode < 0
                else "exit code %d" % r.returncode)
        failures.append("%s, expected exit code %d" % (what, opts.code))
    for marker in CRASH_MARKERS:
        if marker in err or marker in out:
            failures.append("output contains crash marker '%s'" % marker)
    for path in opts.absent:
        for q in (path, path + ".partial"):
            if os.path.lexists(q):
                failures.append("'%s' exists after the failed run" % q)
    for path, old in before.items():
        new = snapshot(path)
        if new != old:
            failures.append("'%s' changed: %s -> %s" % (
                path, "absent" if old is None else "%d bytes" % len(old),
                "absent" if new is None else "%d bytes, other content" % len(new)
                if old is not None and len(old) == len(new) else "%d bytes" % len(new)))
        if os.path.lexists(path + ".partial"):
            failures.append("'%s.partial' exists after the failed run" % path)
    for d in opts.no_partial:
        for root, _, files in os.walk(d):
            for name in files:
                if name.endswith(".partial"):
                    failures.append("leftover '%s'" % os.path.join(root, name))
    for f in failures:
        print("expect_exit: FAIL: " + f)
    if not failures:
        print("expect_exit: OK exit code %d" % r.returncode)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
