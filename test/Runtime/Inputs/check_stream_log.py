"""Which scratch buffers the launches of each stream got, from the fake
driver's log (fake_cuda.c: "cuMemAlloc #ID BYTES bytes", "cuLaunchKernel
NAME ... params #ID+OFFSET ... [stream 0xS]"; no "stream" means stream 0;
"stream 0x2.T" is thread T's CU_STREAM_PER_THREAD).

usage: check_stream_log.py LOG SCRATCH_BYTES,...

Buffers allocated with one of the plan's scratch sizes (the tests' own
buffers have other sizes) count as scratch. Prints how many modules were
loaded, how many scratch buffers were allocated, how many streams launched,
whether every stream's launches used one scratch set (as many buffers as
the plan has, the same in every run), and which scratch buffers launches on
two streams shared."""
import re
import sys
from collections import defaultdict

log, sizes = sys.argv[1], {int(s) for s in sys.argv[2].split(",")}
scratch, loads = set(), 0
used = defaultdict(set)      # stream -> scratch buffer ids its launches bound
launches = defaultdict(int)  # stream -> launches
for line in open(log):
    m = re.match(r"cuMemAlloc #(\d+) (\d+) bytes$", line.strip())
    if m and int(m.group(2)) in sizes:
        scratch.add(m.group(1))
    loads += line.startswith("cuModuleLoadData")
    if line.startswith("cuLaunchKernel "):
        m = re.search(r" stream (0x[0-9a-f]+(?:\.\d+)?)$", line.strip())
        stream = m.group(1) if m else "0"
        launches[stream] += 1
        used[stream] |= {b for b in re.findall(r"#(\d+)\+", line) if b in scratch}
print("module loads", loads)
print("scratch buffers", len(scratch))
print("streams", len(launches), "launches", sum(launches.values()))
odd = [s for s in used if len(used[s]) != len(sizes)]
print("streams with other than one scratch set:", ", ".join(odd) or "none")
owners = defaultdict(list)
for s, ids in used.items():
    for b in ids:
        owners[b].append(s)
shared = sorted(b for b, ss in owners.items() if len(ss) > 1)
print("scratch buffers shared by streams:", ", ".join("#" + b for b in shared) or "none")
