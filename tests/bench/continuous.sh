#!/usr/bin/env bash
# Benchmark of record --continuous (make bench section), beside the one-shot
# `rustscope record` and `perf record -g` in the same run, as ratios:
#  1. CPU cost at the default 99 Hz on a fixed-work 1-thread workload
#     (~10 s of CPU): total user+sys of recorder and workload over the bare
#     run, median of RUNS interleaved rounds.
#  2. Samples lost (perf's lost records and samples, and the hand-over ring's).
#  3. A flush with a full 8 MiB ring: the 4-thread Rust workload at -F 20000
#     until the ring is full (an hour at 99 Hz would take an hour), then
#     SIGUSR1 once while that load goes on (recorder, reader thread and 4
#     busy threads on 2 cores), and once with the target stopped (SIGSTOP),
#     as at the default rate, where the recorder is idle between samples;
#     the times the recorder reports for writing the files.
# Targets: <= 1% CPU over the bare workload; < 1% of samples lost; flush < 1 s.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
RS=${RS:-$top/${BUILD:-build}/rustscope}
RUNS=${RUNS:-3}
wl=$top/${BUILD:-build}/workloads
tests/workloads/record/build.sh "$wl" >/dev/null || { echo "continuous bench: workloads did not build"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null' EXIT
if ! "$RS" record -q --duration 0.05 -o "$tmp/p.session.json" -- /bin/true 2>"$tmp/err"; then
	echo "continuous bench: skipped: $(head -c 300 "$tmp/err")"
	exit 0
fi
cat >"$tmp/fixed.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) static uint64_t hot(uint64_t n) { uint64_t h = 1; for (uint64_t i = 0; i < n; i++) h = (h ^ i) * 1099511628211ULL; return h; }
int main(int argc, char **argv) { uint64_t s = 0, n = strtoull(argv[1], 0, 10); for (uint64_t k = 0; k < n; k++) s ^= hot(1000000 + (k & 1)); printf("%d\n", (int)(s & 1)); return 0; }
C
cc -O2 -fno-omit-frame-pointer -o "$tmp/fixed" "$tmp/fixed.c" || exit 4
# cpu OUT CMD...: user+sys of CMD and its descendants, in seconds.
cpu() { local out=$1; shift; /usr/bin/time -f '%U %S' -o "$out.t" "$@" >/dev/null 2>"$out.err"; awk '{print $1 + $2}' "$out.t" >"$out"; }
iters=$(
	start=$(date +%s.%N); "$tmp/fixed" 200 >/dev/null; end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%d", 10 / ((b - a) / 200) + 1 }'
)
have_perf=0
perf record -q -F 99 -e cpu-clock -g -o "$tmp/perf.data" -- true >/dev/null 2>&1 && have_perf=1
keys="base once cont"
[ $have_perf = 1 ] && keys="$keys perf"
mkdir -p "$tmp/out"
for r in $(seq "$RUNS"); do
	for k in $keys; do
		case $k in
		base) cpu "$tmp/c.$k.$r" "$tmp/fixed" "$iters" ;;
		once) cpu "$tmp/c.$k.$r" "$RS" record -q -o "$tmp/once.session.json" -- "$tmp/fixed" "$iters" ;;
		cont) rm -f "$tmp"/out/*
		      cpu "$tmp/c.$k.$r" "$RS" record --continuous --flush-on-exit --output-dir "$tmp/out" -- "$tmp/fixed" "$iters"
		      cp "$tmp"/out/*.session.json "$tmp/cont.$r.session.json" 2>/dev/null ;;
		perf) cpu "$tmp/c.$k.$r" perf record -q -F 99 -e cpu-clock -g -o "$tmp/perf.data" -- "$tmp/fixed" "$iters" ;;
		esac
	done
done
# A full 8 MiB ring, then a flush.
rm -f "$tmp"/out/*
"$RS" record --continuous -v -F 20000 --buffer-mb 8 --output-dir "$tmp/out" -- "$wl/rsworkload" spin 600 4 \
	>/dev/null 2>"$tmp/full.err" &
rec=$!
for _ in $(seq 600); do
	sleep 1
	used=$(grep -o '([0-9]* of [0-9]* bytes)' "$tmp/full.err" | tail -1 | tr -d '()' | awk '{print $1 / $3}')
	awk -v u="${used:-0}" 'BEGIN { exit !(u > 0.97) }' && break
done
fill_s=$SECONDS
kill -USR1 $rec
for _ in $(seq 100); do grep -q '^rustscope record: wrote' "$tmp/full.err" && break; sleep 0.1; done
target=$(pgrep -P $rec | head -1)
[ -n "$target" ] && kill -STOP "$target"
sleep 1
kill -USR1 $rec
for _ in $(seq 100); do [ "$(grep -c '^rustscope record: wrote' "$tmp/full.err")" -ge 2 ] && break; sleep 0.1; done
[ -n "$target" ] && kill -CONT "$target"
kill -INT $rec
wait $rec 2>/dev/null
python3 - "$tmp" "$RUNS" "$keys" "$iters" <<'PY'
import glob, json, re, statistics, sys
tmp, runs, keys, iters = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
def val(p):
    try: return float(open(p).read())
    except (OSError, ValueError): return None
c = {k: [val(f"{tmp}/c.{k}.{r}") for r in range(1, runs + 1)] for k in keys}
def over(k):
    xs = [a / b - 1 for a, b in zip(c[k], c["base"]) if a and b]
    return statistics.median(xs) * 100 if xs else float("nan")
label = {"base": "workload alone", "once": "rustscope record (one file)",
         "cont": "rustscope record --continuous", "perf": "perf record -F 99 -g"}
print(f"CPU at 99 Hz: 1-thread C workload, {iters} iterations, median of {runs} interleaved rounds")
print(f"{'configuration':32s} {'CPU s':>7s} {'+% CPU':>7s} {'vs perf':>8s}")
for k in keys:
    m = statistics.median([x for x in c[k] if x is not None] or [float("nan")])
    vs = "-"
    if "perf" in c and k != "base":
        r = [a / b for a, b in zip(c[k], c["perf"]) if a and b]
        vs = f"{statistics.median(r):.3f}" if r else "-"
    print(f"{label[k]:32s} {m:7.3f} {('-' if k == 'base' else format(over(k), '.2f')):>7s} {vs:>8s}")
o = over("cont")
print(f"target: --continuous <= 1% CPU over the bare workload: {o:.2f}%  {'PASS' if o <= 1 else 'MISS'}")
lost = total = 0
for f in glob.glob(f"{tmp}/cont.*.session.json"):
    d = json.load(open(f)); r = d["extra"]["record"]
    lost += r["lost_records"] + r["lost_samples"] + r["continuous"]["handover_lost"]
    total += len(d["samples"]["stack"])
pct = 100 * lost / max(total + lost, 1)
print(f"samples lost at 99 Hz: {lost} of {total + lost} ({pct:.2f}%)  target < 1%: {'PASS' if pct < 1 else 'MISS'}")
err = open(f"{tmp}/full.err").read()
ms = re.findall(r"wrote (\S+) \((\d+) samples, ([0-9.]+) s\)", err)
st = re.findall(r"\((\d+) of (\d+) bytes\)", err)
if ms and st:
    used, cap = map(int, st[-1])
    busy, idle = ms[0], ms[1] if len(ms) > 1 else ms[0]
    print(f"flush of a full ring ({used / 1048576:.2f} of {cap / 1048576:.0f} MiB, {idle[1]} samples): "
          f"{float(idle[2]):.3f} s with the target stopped  target < 1 s: "
          f"{'PASS' if float(idle[2]) < 1 else 'MISS'}")
    print(f"  the same under the 20 kHz filling load (4 threads + recorder on 2 cores): {float(busy[2]):.3f} s")
else:
    print("flush of a full ring: not measured (" + err.strip().splitlines()[-1][:200] + ")")
PY
