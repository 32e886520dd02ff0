#!/usr/bin/env python3
"""Checks, in the SASS of an overlapped wgmma kernel (cuobjdump -sass on
stdin), that the softmax really runs while the P.V wgmmas do: in the loop
(the code after the second WARPGROUP.ARRIVE, the first being the prologue's),
between WARPGROUP.DEPBAR.LE gsb0, 0x1 (S_j done) and the next
WARPGROUP.DEPBAR.LE gsb0, 0x0 (P_{j-1}.V_{j-1} done) there are at least
MIN MUFU.EX2 (the exponentials of S_j). ptxas hoisting wait_group 0 up to
wait_group 1 leaves none there.

With --turn (the serial ping-pong kernel: S_j, softmax, P_j.V_j, each in a
turn): between the loop's first WARPGROUP.ARRIVE (S_j) and the BAR.SYNC
that waits for the P.V turn (the last one before the second ARRIVE) there
are at least MIN MUFU.EX2: the softmax runs before the turn is waited for.

usage: cuobjdump -sass K.cubin | check_overlap_sass.py MIN [--turn]"""
import re
import sys


def main():
    want = int(sys.argv[1])
    lines = [l for l in sys.stdin.read().splitlines() if re.search(r"/\*[0-9a-f]{4,}\*/", l)]
    arrives = [i for i, l in enumerate(lines) if "WARPGROUP.ARRIVE" in l]
    if "--turn" in sys.argv:
        if len(arrives) < 2:
            sys.exit(f"check_overlap_sass: {len(arrives)} WARPGROUP.ARRIVE, want S and P.V")
        body = lines[arrives[0]:arrives[1]]
        syncs = [i for i, l in enumerate(body) if "BAR.SYNC" in l]
        if not syncs:
            sys.exit("check_overlap_sass: no BAR.SYNC before the P.V wgmmas")
        ex2 = sum("MUFU.EX2" in l for l in body[:syncs[-1]])
        print(f"MUFU.EX2 before the P.V turn's bar.sync: {ex2}")
        if ex2 < want:
            sys.exit(f"check_overlap_sass: {ex2} MUFU.EX2 before the P.V turn, want >= {want}")
        return
    if len(arrives) < 2:
        sys.exit(f"check_overlap_sass: {len(arrives)} WARPGROUP.ARRIVE, want a prologue and a loop")
    loop = lines[arrives[1]:]
    try:
        w1 = next(i for i, l in enumerate(loop) if re.search(r"WARPGROUP\.DEPBAR\.LE gsb0, 0x1", l))
    except StopIteration:
        sys.exit("check_overlap_sass: no WARPGROUP.DEPBAR.LE gsb0, 0x1 in the loop")
    try:
        w0 = next(i for i in range(w1 + 1, len(loop))
                  if re.search(r"WARPGROUP\.DEPBAR\.LE gsb0, 0x0", loop[i]))
    except StopIteration:
        sys.exit("check_overlap_sass: no WARPGROUP.DEPBAR.LE gsb0, 0x0 after the 0x1 one")
    ex2 = sum("MUFU.EX2" in l for l in loop[w1:w0])
    print(f"MUFU.EX2 between wait_group 1 and wait_group 0: {ex2}")
    if ex2 < want:
        sys.exit(f"check_overlap_sass: {ex2} MUFU.EX2 overlap the P.V wgmmas, want >= {want}")


if __name__ == "__main__":
    main()
