#!/bin/bash
# Instructions per withSpan call in the yielding loop (bench/instructions/span-ops.ts), counted by
# valgrind (callgrind) as the difference between a run of A and one of B calls (default 40 000 and
# 120 000), so start-up and JIT warm-up cancel out:
#   bash bench/instructions/span.sh [mode...]   (official tracelight als direct; default all)
# NODE=/path/to/node picks the Node binary; KINDS="sync async" (default both).
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE=${NODE:-node}
A=${A:-40000}
B=${B:-120000}
OUT=$(mktemp -d)
node -e "import('esbuild').then(e=>e.build({entryPoints:['bench/instructions/span-ops.ts'],outfile:'$OUT/span-ops.mjs',bundle:true,platform:'node',format:'esm',target:'node20',packages:'external',logLevel:'warning'}))"
cp "$OUT/span-ops.mjs" bench/out/span-ops.mjs 2>/dev/null || { mkdir -p bench/out; cp "$OUT/span-ops.mjs" bench/out/span-ops.mjs; }
count() {
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$OUT/cg.$1.$2.$3" \
    "$NODE" bench/out/span-ops.mjs "$1" "$2" "$3" > "$OUT/log.$1.$2.$3" 2>/dev/null
  awk '/^totals:/{print $2}' "$OUT/cg.$1.$2.$3"
}
for kind in ${KINDS:-sync async}; do
  for mode in ${@:-official tracelight als direct}; do
    a=$(count "$mode" "$kind" "$A")
    b=$(count "$mode" "$kind" "$B")
    echo "$kind $mode: $(( (b - a) / (B - A) )) instructions per call ($(cat "$OUT/log.$mode.$kind.$B"))"
  done
done
rm -rf "$OUT"
