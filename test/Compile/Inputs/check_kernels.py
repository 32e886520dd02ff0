"""Assembles an artifact's kernels.ptx with `ptxas -v -arch=CHIP` and checks
every kernel: 0 bytes of stack frame and no spills; tensor-core attention
kernels (attn_flash_*) issue mma.sync (not scalar FMA), Hopper ones
(attn_wgmma_*) wgmma.mma_async and TMA loads, and ptxas gives no C7508
warning (wgmma serialized). Prints one summary
line, or the offending kernels, and exits non-zero on a violation.

usage: check_kernels.py PTXAS ARTIFACT_DIR CHIP"""
import re
import subprocess
import sys

ptxas, art, chip = sys.argv[1:4]
ptx = open(f"{art}/kernels.ptx").read()
out = subprocess.run([ptxas, "-v", f"-arch={chip}", f"{art}/kernels.ptx", "-o", "/dev/null"],
                     capture_output=True, text=True, check=True).stderr
props = re.findall(r"Function properties for (\S+)\n\s*(\d+) bytes stack frame, (\d+) bytes spill "
                   r"stores, (\d+) bytes spill loads", out)
# Kernel bodies: from '.entry NAME(' to the next '.entry' (or the end).
bodies = dict(re.findall(r"\.entry (\w+)\((.*?)(?=\.visible \.entry|\Z)", ptx, re.S))
bad = [f"{n}: {s} stack, {st}/{ld} spill bytes" for n, s, st, ld in props if int(s) or int(st) or int(ld)]
flash = [n for n in bodies if n.startswith("attn_flash")]
no_mma = [n for n in flash if "mma.sync.aligned.m16n8k16" not in bodies[n]]
simt = [n for n in bodies if n.startswith("attn_simt")]
wgmma = [n for n in bodies if n.startswith("attn_wgmma")]
no_wgmma = [n for n in wgmma if "wgmma.mma_async" not in bodies[n]
            or "cp.async.bulk.tensor" not in bodies[n]]
if "C7508" in out:
    bad.append("ptxas serialized wgmma (C7508): " + out[out.index("C7508"):][:200])
if len(props) != len(bodies) or not bodies:
    bad.append(f"ptxas reported {len(props)} functions for {len(bodies)} kernels")
for line in bad + [f"{n}: no mma.sync" for n in no_mma] + \
        [f"{n}: no wgmma.mma_async or no cp.async.bulk.tensor" for n in no_wgmma]:
    print("FAIL", line)
print(f"{chip}: {len(bodies)} kernels, {len(bad)} with stack or spills; tensor-core attention "
      f"{len(flash) - len(no_mma)}/{len(flash)} with mma.sync, "
      f"{len(wgmma) - len(no_wgmma)}/{len(wgmma)} with wgmma and TMA; SIMT attention {len(simt)}")
sys.exit(1 if bad or no_mma or no_wgmma else 0)
