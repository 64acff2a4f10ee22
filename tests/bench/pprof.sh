#!/usr/bin/env bash
# pprof benchmark section (called by tests/bench/run.sh, or alone):
# generates a deterministic 1M-sample / 100k-location pprof with
# tests/bench/gen-pprof.c, then prints wall time and peak RSS of
#   rustscope pprof → pprof, rustscope pprof → session JSON,
#   go tool pprof -proto (the reference)
# side by side, with ratios against go. Env: RS (default build/rustscope),
# RS_BASE (another rustscope binary, e.g. an older build: its rows are
# printed too, for a before/after table), SAMPLES, LOCATIONS, BENCH_DIR
# (default a temporary directory).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RS=${RS:-$top/${BUILD:-build}/rustscope}
dir=${BENCH_DIR:-$(mktemp -d)}
samples=${SAMPLES:-1000000} locations=${LOCATIONS:-100000}
cc -O2 -o "$dir/gen-pprof" "$top/tests/bench/gen-pprof.c" -lz || exit 4
"$dir/gen-pprof" "$dir/bench.pb.gz" "$samples" "$locations" || exit 4
echo "pprof benchmark: $samples samples, $locations locations, $(stat -c %s "$dir/bench.pb.gz") bytes gzipped"

# measure NAME COMMAND...: sets WALL (s) and RSS (MB) from /usr/bin/time -v
measure() {
	local name=$1; shift
	/usr/bin/time -v "$@" >/dev/null 2>"$dir/time.$name" || { echo "$name: failed: $(tail -3 "$dir/time.$name")"; WALL=nan RSS=nan; return; }
	WALL=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$dir/time.$name")
	RSS=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$dir/time.$name")
}

measure go go tool pprof -proto -output "$dir/go.pb.gz" "$dir/bench.pb.gz"
gw=$WALL gr=$RSS
measure rs_pprof "$RS" convert "$dir/bench.pb.gz" -o "$dir/rs.pb.gz" --to pprof
pw=$WALL pr=$RSS
measure rs_json "$RS" convert "$dir/bench.pb.gz" -o "$dir/rs.json" --to session
jw=$WALL jr=$RSS
if [ -n "${RS_BASE:-}" ]; then
	measure base_pprof "$RS_BASE" convert "$dir/bench.pb.gz" -o "$dir/base.pb.gz" --to pprof
	bpw=$WALL bpr=$RSS
	measure base_json "$RS_BASE" convert "$dir/bench.pb.gz" -o "$dir/base.json" --to session
	bjw=$WALL bjr=$RSS
fi
printf '%-34s %10s %10s %12s %12s\n' "pprof (1M samples)" "wall s" "peak MB" "speed vs go" "memory vs go"
row() { awk -v n="$1" -v w="$2" -v r="$3" -v gw="$gw" -v gr="$gr" 'BEGIN {
	printf "%-34s %10.2f %10d %11.1fx %11.2fx\n", n, w, r, (w > 0 ? gw / w : 0), (gr > 0 ? r / gr : 0) }'; }
row "go tool pprof -proto" "$gw" "$gr"
row "rustscope pprof -> pprof" "$pw" "$pr"
row "rustscope pprof -> session JSON" "$jw" "$jr"
if [ -n "${RS_BASE:-}" ]; then
	row "RS_BASE pprof -> pprof" "$bpw" "$bpr"
	row "RS_BASE pprof -> session JSON" "$bjw" "$bjr"
fi
echo "(targets: rustscope >= 10x faster, <= 0.25x the memory of go tool pprof -proto)"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
