#!/usr/bin/env bash
# Comparison benchmark section (called by tests/bench/run.sh, or alone): two
# 1-hour sessions at 99 Hz (356400 timed samples each, tests/gen-timeline.py)
# compared by `rustscope compare --ci-output json`, with --metric total,
# and with --export-diff to pprof, beside `rustscope validate -q` of both
# files, which loads the same and does nothing else; best of 3 each. The
# comparison's own time is the difference. Env: RS, BENCH_DIR.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RS=${RS:-$top/${BUILD:-build}/rustscope}
dir=${BENCH_DIR:-$(mktemp -d)}
a=$dir/hour.session.json b=$dir/hour-b.session.json
[ -s "$a" ] || python3 "$top/tests/gen-timeline.py" "$a" --seconds 3600 --hot app::leak_fds,1200,1201 || exit 4
[ -s "$b" ] || python3 "$top/tests/gen-timeline.py" "$b" --seconds 3600 --hot app::leak_fds,1200,1260 || exit 4
echo "compare benchmark: two sessions of $(stat -c %s "$a") bytes, 356400 samples each"

best() { # COMMAND...: the best wall time of 3 runs, in ms (exit 0 or 1 is success)
	local b="" t0 t1 rc
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		rc=$?
		[ $rc -le 1 ] || { echo nan; return; }
		t1=$(date +%s%N)
		b=$(awk -v b="$b" -v d=$(((t1 - t0) / 1000)) 'BEGIN { d /= 1000; print (b == "" || d < b) ? d : b }')
	done
	echo "$b"
}
load=$(best "$RS" validate -q "$a" "$b")
self=$(best "$RS" compare --ci-output json "$a" "$b")
total=$(best "$RS" compare --ci-output json --metric total "$a" "$b")
diff=$(best "$RS" compare --ci-output json --export-diff "$dir/diff.pb.gz" "$a" "$b")
printf '%-44s %12s %10s %8s\n' "2 x 1 h at 99 Hz" "best of 3 ms" "target ms" "ratio"
awk -v l="$load" -v s="$self" -v t="$total" -v d="$diff" 'BEGIN {
	printf "%-44s %12.1f\n", "rustscope validate -q (the loads alone)", l
	n = split("self total export-diff", name, " "); v[1] = s; v[2] = t; v[3] = d
	for (i = 1; i <= n; i++) {
		c = v[i] - l; if (c < 0.1) c = 0.1
		printf "%-44s %12.1f %10d %7.2fx\n", "compare " name[i] " (the comparison)", v[i] - l, 200, 200 / c
	} }'
echo "(target: the comparison < 200 ms beside the loads; ratio = target / time, above 1x is within it)"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
