#!/usr/bin/env bash
# Correlation benchmark section (called by tests/bench/run.sh, or alone): a
# 1-hour session at 99 Hz (356400 timed samples) with the 5 lanes of a
# recording every 100 ms and three spikes, made by tests/gen-timeline.py;
# times `rustscope correlate --json` over it beside `rustscope validate -q`,
# which loads the same file and does nothing else, best of 3 each. The
# correlation's own time is the difference. Env: RS, BENCH_DIR.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RS=${RS:-$top/${BUILD:-build}/rustscope}
dir=${BENCH_DIR:-$(mktemp -d)}
f=$dir/hour.session.json
[ -s "$f" ] || python3 "$top/tests/gen-timeline.py" "$f" --seconds 3600 \
	--hot app::leak_fds,1200,1201 --step fd_count,1200,1201,500 \
	--hot app::alloc_burst,2400,2401 --step rss_bytes,2400,2401,419430400 --burst cpu_percent,2400,2401,98 || exit 4
n=$("$RS" correlate --json "$f" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["spikes"]))')
echo "correlate benchmark: $(stat -c %s "$f") bytes, 356400 samples, 5 lanes x 36000 points; $n spikes found (3 made)"

best() { # COMMAND...: the best wall time of 3 runs, in ms
	local b="" t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo nan; return; }
		t1=$(date +%s%N)
		b=$(awk -v b="$b" -v d=$(((t1 - t0) / 1000)) 'BEGIN { d /= 1000; print (b == "" || d < b) ? d : b }')
	done
	echo "$b"
}
load=$(best "$RS" validate -q "$f")
all=$(best "$RS" correlate --json "$f")
printf '%-40s %12s %10s %8s\n' "1 h at 99 Hz, 5 lanes" "best of 3 ms" "target ms" "ratio"
awk -v l="$load" -v a="$all" 'BEGIN {
	printf "%-40s %12.1f\n", "rustscope validate -q (the load alone)", l
	printf "%-40s %12.1f %10d %7.2fx\n", "rustscope correlate --json (load + all)", a, 100, (a > 0 ? 100 / a : 0)
	c = a - l; if (c < 0.1) c = 0.1
	printf "%-40s %12.1f %10d %7.2fx\n", "the correlation (the difference)", a - l, 100, 100 / c }'
echo "(target: the correlation < 100 ms; ratio = target / time, above 1x is within it)"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
