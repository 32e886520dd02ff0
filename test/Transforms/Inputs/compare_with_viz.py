"""Reads attn-opt --attn-plan-sparsity=report on stdin and checks every
image-only, single-window picture of at most 64 blocks against
attn_mlir.viz.render(viz.sta_pattern(tile_grid, window)): the compiler's
report and the Python picture draw the same rows.  argv[1]: python/ (source)."""
import re
import sys

sys.path.insert(0, sys.argv[1])
from attn_mlir import viz  # noqa: E402  (viz needs only NumPy)

text = sys.stdin.read().splitlines()
checked = 0
for i, line in enumerate(text):
    m = re.search(r"tile_grid \[([\d, ]+)\] tile \[[\d, ]+\] window\(s\) \[([\d, ]+)\] "
                  r"text_length \d+: (\d+) blocks of \d+ tokens \((\d+) image tiles", line)
    if not m:
        continue
    grid = [int(x) for x in m.group(1).split(",")]
    window = [int(x) for x in m.group(2).split(",")]
    nblocks, nimage = int(m.group(3)), int(m.group(4))
    if len(window) != 3 or nblocks != nimage or nblocks > 64:
        continue
    rows = text[i + 2:i + 2 + nblocks]
    expected = viz.render(viz.sta_pattern(grid, window)).splitlines()[1:]
    if rows != expected:
        sys.exit(f"tile_grid {grid} window {window}: report rows\n" + "\n".join(rows) +
                 "\ndiffer from viz.render\n" + "\n".join(expected))
    checked += 1
if checked == 0:
    sys.exit("no picture to compare")
print(f"{checked} picture(s) equal viz.render")
