"""Prints the PTX held by the first gpu.binary (format=isa) read from stdin."""
import re
import sys

text = sys.stdin.read()
m = re.search(r'assembly = "(.*?)">', text, re.S)
if not m:
    sys.exit("extract_ptx: no gpu.binary assembly in the input")
sys.stdout.write(re.sub(r"\\([0-9A-Fa-f]{2})", lambda x: chr(int(x.group(1), 16)), m.group(1)))
