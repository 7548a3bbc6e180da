#!/usr/bin/env python3
"""Instructions per request by JavaScript function, from a callgrind file of run.sh and V8's code map.

    python3 bench/instructions/jit-names.py <callgrind file> </tmp/perf-<pid>.map> <requests> [rows]

Callgrind names JIT code by address only; a server started with NODE_FLAGS=--perf-basic-prof
writes /tmp/perf-<pid>.map (start, size, name per code object), which names each address. `*` in a
name is optimized code, `^` baseline code (a function seen in both was deoptimized during the run).
"""
import bisect
import re
import subprocess
import sys

cg, code_map, requests = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = int(sys.argv[4]) if len(sys.argv) > 4 else 60
entries = []
for line in open(code_map):
    parts = line.split(' ', 2)
    if len(parts) == 3:
        entries.append((int(parts[0], 16), int(parts[1], 16), parts[2].strip()))
entries.sort()
starts = [e[0] for e in entries]
out = subprocess.run(['callgrind_annotate', '--inclusive=no', '--threshold=100', cg], capture_output=True, text=True).stdout
per_name = {}
for line in out.splitlines():
    m = re.match(r'\s*([\d,]+)\s+\([^)]*\)\s+\?\?\?:0x([0-9a-f]+) \[\?\?\?\]', line)
    if not m:
        continue
    count, address = int(m.group(1).replace(',', '')), int(m.group(2), 16)
    i = bisect.bisect_right(starts, address) - 1
    name = entries[i][2] if i >= 0 and entries[i][0] <= address < entries[i][0] + entries[i][1] else '(unnamed)'
    per_name[name] = per_name.get(name, 0) + count
print('JIT code, instructions per request: %.0f' % (sum(per_name.values()) / requests))
for name, count in sorted(per_name.items(), key=lambda kv: -kv[1])[:rows]:
    print('%7.0f  %s' % (count / requests, name))
