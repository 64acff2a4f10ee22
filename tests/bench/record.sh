#!/usr/bin/env bash
# Benchmark of rustscope record: wall time of the Rust workload alone, under
# `rustscope record -F HZ` and under `perf record -F HZ` (same event:
# cpu-clock, fp call graph), at 99 and 999 Hz, median of RUNS runs; lost
# samples at 999 Hz; symbolization rate and time per unique address.
# Targets: <= 1% overhead at 99 Hz, no worse than perf record at 999 Hz,
# 0 lost samples at 999 Hz on 2 cores.
# Env: RS (binary), RUNS (default 3), ITERS (work of the fixed workload, default 9000 ≈ 9 s).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
RS=${RS:-$top/${BUILD:-build}/rustscope}
RUNS=${RUNS:-3}
wl=$top/${BUILD:-build}/workloads
tests/workloads/record/build.sh "$wl" >/dev/null || { echo "record bench: workloads did not build"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$RS" record -q --duration 0.05 -o "$tmp/p.session.json" -- /bin/true 2>"$tmp/err"; then
	echo "record bench: skipped: $(head -c 300 "$tmp/err")"
	exit 0
fi
# Fixed-time workloads hide overhead; use a fixed number of iterations.
cat >"$tmp/fixed.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) static uint64_t hot(uint64_t n) { uint64_t h = 1; for (uint64_t i = 0; i < n; i++) h = (h ^ i) * 1099511628211ULL; return h; }
int main(int argc, char **argv) { uint64_t s = 0, n = strtoull(argv[1], 0, 10); for (uint64_t k = 0; k < n; k++) s ^= hot(1000000 + (k & 1)); printf("%d\n", (int)(s & 1)); return 0; }
C
cc -O2 -fno-omit-frame-pointer -o "$tmp/fixed" "$tmp/fixed.c"
# ~9 s of work: long enough that record's fixed cost (start-up, writing the
# session, ~80 ms) does not hide the sampling overhead the targets are about.
iters=${ITERS:-9000}
wall() { # command... → seconds
	local t0 t1
	t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # label command...
	local label=$1; shift
	for _ in $(seq "$RUNS"); do wall "$@"; done | median >"$tmp/m"
	cat "$tmp/m"
}
base=$(run base "$tmp/fixed" "$iters")
printf '%-28s %9s %9s\n' "configuration" "wall s" "overhead"
printf '%-28s %9.3f %9s\n' "workload alone" "$base" "-"
have_perf=0
perf record -q -F 99 -e cpu-clock -g -o "$tmp/perf.data" -- true >/dev/null 2>&1 && have_perf=1
for hz in 99 999; do
	r=$(run rs "$RS" record -q -F "$hz" -o "$tmp/r.session.json" -- "$tmp/fixed" "$iters")
	printf '%-28s %9.3f %8.2f%%\n' "rustscope record -F $hz" "$r" "$(echo "($r / $base - 1) * 100" | bc -l)"
	if [ $have_perf = 1 ]; then
		p=$(run perf perf record -q -F "$hz" -e cpu-clock -g -o "$tmp/perf.data" -- "$tmp/fixed" "$iters")
		printf '%-28s %9.3f %8.2f%%\n' "perf record -F $hz -g" "$p" "$(echo "($p / $base - 1) * 100" | bc -l)"
	else
		printf '%-28s %9s\n' "perf record -F $hz -g" "n/a (perf not usable)"
	fi
done
# Lost samples at 999 Hz with both cores busy (the two-thread C workload),
# and symbolization cost on the Rust workload.
"$RS" record -q -F 999 -o "$tmp/c.session.json" -- "$wl/cwork" 3 >/dev/null
python3 - "$tmp/c.session.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = d["extra"]["record"]
print(f"999 Hz, 2 busy threads, 3 s: {len(d['samples']['stack'])} samples, "
      f"lost records {r['lost_records']}, lost samples {r['lost_samples']}")
PY
"$RS" record -q -F 999 -o "$tmp/rs.session.json" -- "$wl/rsworkload" run 3 >/dev/null
python3 - "$tmp/rs.session.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = d["extra"]["record"]
n = r["unique_addresses"]; t = r["symbolize_seconds"]
print(f"symbolization (Rust workload, 999 Hz, 3 s): {n} unique addresses in {t:.3f} s = "
      f"{1e6 * t / max(n, 1):.0f} us per address ({n / max(t, 1e-9):.0f} addresses/s); "
      f"{r['symbolized_percent']:.1f}% of samples symbolized; lost samples {r['lost_samples']}")
PY
