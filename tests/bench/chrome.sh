#!/usr/bin/env bash
# Chrome trace benchmark section (called by tests/bench/run.sh, or alone):
# generates a deterministic trace of MB megabytes (default 120) with
# tests/bench/gen-chrome.c, then times rustscope's import (trace → session
# JSON to /dev/null) beside `jq . >/dev/null` and Python's json.load on the
# same file: MB/s and peak RSS, with ratios. Env: RS, MB, BENCH_DIR.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RS=${RS:-$top/${BUILD:-build}/rustscope}
dir=${BENCH_DIR:-$(mktemp -d)}
mb=${MB:-120}
cc -O2 -o "$dir/gen-chrome" "$top/tests/bench/gen-chrome.c" || exit 4
[ -s "$dir/bench.trace.json" ] || "$dir/gen-chrome" "$dir/bench.trace.json" "$mb" || exit 4
size=$(stat -c %s "$dir/bench.trace.json")
echo "chrome benchmark: $size bytes, $(grep -c '"ph"' "$dir/bench.trace.json") events"

measure() { # NAME COMMAND...: WALL (s), RSS (MB)
	local name=$1; shift
	/usr/bin/time -v "$@" >/dev/null 2>"$dir/time.$name" || { echo "$name: failed: $(tail -3 "$dir/time.$name")"; WALL=nan RSS=nan; return; }
	WALL=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$dir/time.$name")
	RSS=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$dir/time.$name")
}
measure rs "$RS" validate -q "$dir/bench.trace.json"
rw=$WALL rr=$RSS
measure rsw "$RS" convert -q "$dir/bench.trace.json" -o /dev/null --to session
ww=$WALL wr=$RSS
measure jq jq . "$dir/bench.trace.json"
jw=$WALL jr=$RSS
measure py python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/bench.trace.json"
pw=$WALL pr=$RSS
printf '%-36s %8s %8s %9s %12s %14s\n' "import of a $((size / 1000000)) MB trace" "wall s" "MB/s" "peak MB" "RSS/input" "speed vs rs"
row() { awk -v n="$1" -v w="$2" -v r="$3" -v sz="$size" -v rw="$rw" 'BEGIN {
	printf "%-36s %8.2f %8.0f %9d %11.2fx %13.2fx\n", n, w, (w > 0 ? sz / 1e6 / w : 0), r, r * 1048576 / sz, (w > 0 ? rw / w : 0) }'; }
row "rustscope import (validate)" "$rw" "$rr"
row "rustscope import + session JSON out" "$ww" "$wr"
row "jq . >/dev/null" "$jw" "$jr"
row "python3 json.load" "$pw" "$pr"
echo "(targets: rustscope >= 300 MB/s, peak RSS <= 1.5x the input)"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
