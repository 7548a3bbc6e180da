#!/bin/bash
# Instructions per request on the server's main thread, counted by valgrind (callgrind): unlike
# req/s on this small, noisy machine, the count repeats within about 1-2% from run to run.
#   bash bench/instructions/run.sh [mode...]        (modes of server.mjs; default: all four)
# NODE=/path/to/node picks the Node binary; N requests are counted (default 2000) after 2 x 30 000
# warm-up requests with counting off (so that V8 has optimized the hot code, also after the
# de-optimizations the first closed connections cause). Needs `npm run build` first and valgrind.
# FETCH=1 measures the server that makes one downstream fetch (started here, untraced).
# NODE_FLAGS are passed to the server's node (e.g. --perf-basic-prof, which writes V8's code map to
# /tmp/perf-<pid>.map); KEEP=<dir> keeps the callgrind files there. With both,
# `python3 bench/instructions/jit-names.py <dir>/cg.traced.<pid>.1-01 /tmp/perf-<pid>.map N` names
# the JavaScript functions behind callgrind's anonymous JIT addresses.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE=${NODE:-node}
N=${N:-2000}
AC=node_modules/autocannon/autocannon.js
OUT=$(mktemp -d)
DOWN_PID=
if [ "${FETCH:-0}" = 1 ]; then
  node -e "const s=require('http').createServer((q,r)=>r.end('downstream ok'));s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log('PORT',s.address().port))" > "$OUT/down.log" &
  DOWN_PID=$!
  sleep 1
  export DOWNSTREAM_PORT=$(awk '/PORT/{print $2}' "$OUT/down.log")
fi
for mode in "${@:-untraced als traced official}"; do
  for m in $mode; do
    valgrind --tool=callgrind --smc-check=all-non-file --instr-atstart=no --separate-threads=yes \
      --callgrind-out-file="$OUT/cg.$m.%p" "$NODE" ${NODE_FLAGS:-} bench/instructions/server.mjs "$m" > "$OUT/$m.log" 2>&1 &
    VP=$!
    port=
    for _ in $(seq 1 600); do
      port=$(awk '/^PORT/{print $2}' "$OUT/$m.log")
      [ -n "$port" ] && break
      kill -0 $VP 2>/dev/null || { cat "$OUT/$m.log"; exit 1; }
      sleep 0.5
    done
    node $AC -c 10 -t 60 -a 30000 "http://127.0.0.1:$port/" > /dev/null 2>&1
    node $AC -c 10 -t 60 -a 30000 "http://127.0.0.1:$port/" > /dev/null 2>&1
    callgrind_control -i on $VP > /dev/null 2>&1
    node $AC -c 10 -t 60 -a "$N" "http://127.0.0.1:$port/" > /dev/null 2>&1
    callgrind_control -i off $VP > /dev/null 2>&1
    callgrind_control -d $VP > /dev/null 2>&1
    sleep 1
    kill -9 $VP 2>/dev/null || true
    wait $VP 2>/dev/null || true
    main=$(ls "$OUT"/cg.$m.$VP.1-01 2>/dev/null || true)
    ir=$(awk '/^totals:/{print $2}' "$main")
    echo "$m: $((ir / N)) instructions per request (main thread, $N requests)"
  done
done
[ -n "$DOWN_PID" ] && kill $DOWN_PID
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$OUT"/cg.* "$KEEP"/; fi
rm -rf "$OUT"
