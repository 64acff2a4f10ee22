#!/usr/bin/env bash
# Benchmark of record's symbolization at scale: a generated C program
# (tests/bench/gen-symbolize.c) with FUNCS (20000) noinline functions in
# FILES (8) compilation units, built with -O2 -g, runs THREADS (2) threads
# that call every function round robin for SECS (3) s of CPU time each;
# `rustscope record -F HZ` (4999) samples it, RUNS (3) times. Each run prints
# the unique addresses and symbolization time from extra.record, the time
# per address, and the share of samples whose leaf frame is named (kind not
# unknown, and no FILE+0x... name).
# Targets: >= 10000 unique addresses symbolized in <= 2 s, >= 95% named
# (PASS/MISS on the median run).
# Anchor (when perf and addr2line work): binutils `addr2line -f -i` over the
# unique user-space leaf addresses of a `perf record` of the same program in
# the same run (the program, libc, ld.so), as time per address; the ratio is
# rustscope's over addr2line's (below 1 is faster). rustscope's time also
# covers the kernel's addresses (/proc/kallsyms) and building the frames.
# Env: RS (binary), RUNS, FUNCS, FILES, THREADS, SECS, HZ, BENCH_DIR (default
# a temporary directory; a program built there before with the same
# parameters is reused).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
RS=${RS:-$top/${BUILD:-build}/rustscope}
RUNS=${RUNS:-3} FUNCS=${FUNCS:-20000} FILES=${FILES:-8} THREADS=${THREADS:-2} SECS=${SECS:-3} HZ=${HZ:-4999}
if [ -n "${BENCH_DIR:-}" ]; then
	dir=$BENCH_DIR
	mkdir -p "$dir"
else
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
fi
if ! "$RS" record -q --duration 0.05 -o "$dir/probe.session.json" -- /bin/true 2>"$dir/err"; then
	echo "symbolize bench: skipped: $(head -c 300 "$dir/err")"
	exit 0
fi

# Build the program (in parallel, one compiler per core and unit).
stamp="$FUNCS $FILES $(cksum <tests/bench/gen-symbolize.c)"
t0=$(date +%s.%N)
if [ -x "$dir/prog" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
	built="reused from $dir"
else
	rm -f "$dir/prog" "$dir"/f*.c "$dir"/*.o
	cc -O2 -o "$dir/gen" tests/bench/gen-symbolize.c || { echo "symbolize bench: generator did not build"; exit 1; }
	"$dir/gen" "$dir" "$FUNCS" "$FILES" || exit 1
	# shellcheck disable=SC2016
	if ! printf '%s\0' "$dir"/f*.c "$dir/main.c" | xargs -0 -P "$(nproc)" -n 1 sh -c 'cc -O2 -g -fno-omit-frame-pointer -c "$1" -o "${1%.c}.o"' cc ||
	   ! cc -pthread -o "$dir/prog" "$dir"/f*.o "$dir/main.o"; then
		echo "symbolize bench: the generated program did not build"
		exit 1
	fi
	echo "$stamp" >"$dir/stamp"
	built="built in $(printf '%.0f' "$(echo "$(date +%s.%N) - $t0" | bc -l)") s"
fi
echo "symbolization at scale: $FUNCS functions in $FILES units (-O2 -g, $built, $(stat -c %s "$dir/prog") bytes);"
echo "$THREADS threads x $SECS s CPU, rustscope record -F $HZ; targets: >= 10000 unique addresses, <= 2 s, >= 95% named"

have_anchor=0
if command -v addr2line >/dev/null &&
   perf record -q -F 99 -e cpu-clock -o "$dir/perf.data" -- true >/dev/null 2>&1; then
	have_anchor=1
fi

# session JSON -> "samples unique seconds named%"
stats() {
	python3 - "$1" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
r = d["extra"]["record"]
F = d["frames"]; FR = d["stacks"]["frame"]
stacks = [s for s in d["samples"]["stack"] if s is not None and s >= 0]
def named(f):
    return f.get("kind", "unknown") != "unknown" and not re.search(r"\+0x[0-9a-fA-F]+$", f["name"])
n = sum(1 for s in stacks if named(F[FR[s]]))
print(len(stacks), r["unique_addresses"], r["symbolize_seconds"], 100.0 * n / max(1, len(stacks)))
PY
}

# The anchor: perf.data of the same program -> "addresses seconds" of
# addr2line -f -i over the unique sampled user-space addresses, one
# addr2line per file (the program, libc, ld.so; separate debug info found as
# rustscope finds it), each given its link-time addresses in sorted order.
anchor_run() {
	perf script -i "$dir/perf.data" -F ip,dso --show-mmap-events >"$dir/perf.txt" 2>/dev/null
	python3 - "$dir/perf.txt" "$dir/addrs" <<'PY'
import collections, re, subprocess, sys, time
maps = collections.defaultdict(list)  # file -> [(start, size, pgoff)]
ips = collections.defaultdict(set)
for line in open(sys.argv[1]):
    m = re.search(r"PERF_RECORD_MMAP2? .*\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0) .*\]: \S+ (/\S+)$", line)
    if m:
        maps[m.group(4)].append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16)))
        continue
    m = re.match(r"\s*([0-9a-f]+) \((/.*)\)\s*$", line)
    if m:
        ips[m.group(2)].add(int(m.group(1), 16))
total, secs = 0, 0.0
for path, s in ips.items():
    # runtime address -> file offset (the mapping) -> link-time address (PT_LOAD)
    loads = []
    for l in subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout.splitlines():
        f = l.split()
        if f and f[0] == "LOAD":
            loads.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    out = set()
    for ip in s:
        for start, size, pgoff in maps.get(path, []):
            if start <= ip < start + size:
                off = ip - start + pgoff
                out.update(v + off - o for o, v, sz in loads if o <= off < o + sz)
                break
    if not out:
        continue
    with open(sys.argv[2], "w") as f:
        f.write("".join(hex(a) + "\n" for a in sorted(out)))
    with open(sys.argv[2]) as f:
        t0 = time.monotonic()
        subprocess.run(["addr2line", "-f", "-i", "-e", path], stdin=f, stdout=subprocess.DEVNULL, check=True)
        secs += time.monotonic() - t0
    total += len(out)
print(total, secs)
PY
}

printf '%-4s %8s %9s %11s %8s %8s   %s\n' run samples addresses symbolize_s us/addr named% "anchor: addr2line -f -i (addresses, s, us/addr, ratio)"
: >"$dir/runs"
for i in $(seq "$RUNS"); do
	if ! "$RS" record -q -F "$HZ" -o "$dir/r.session.json" -- "$dir/prog" "$SECS" "$THREADS" >/dev/null 2>"$dir/err"; then
		echo "symbolize bench: record failed: $(head -c 300 "$dir/err")"
		exit 1
	fi
	read -r samples uniq secs named <<<"$(stats "$dir/r.session.json")"
	us=$(echo "1000000 * $secs / ($uniq + ($uniq == 0))" | bc -l)
	anchor="n/a (perf record or addr2line not usable)"
	if [ $have_anchor = 1 ]; then
		perf record -q -F "$HZ" -e cpu-clock -o "$dir/perf.data" -- "$dir/prog" "$SECS" "$THREADS" >/dev/null 2>&1
		read -r na asecs <<<"$(anchor_run)"
		aus=$(echo "1000000 * ${asecs:-0} / (${na:-0} + (${na:-0} == 0))" | bc -l)
		anchor=$(printf '%d, %.3f s, %.1f us, %.2fx' "${na:-0}" "${asecs:-0}" "$aus" "$(echo "$us / ($aus + ($aus == 0))" | bc -l)")
	fi
	printf '%-4s %8d %9d %11.3f %8.1f %8.2f   %s\n' "$i" "$samples" "$uniq" "$secs" "$us" "$named" "$anchor"
	echo "$uniq $secs $named" >>"$dir/runs"
done
# The median run (by symbolization time) against the targets.
read -r uniq secs named <<<"$(sort -k2,2g "$dir/runs" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')"
verdict() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo PASS; else echo MISS; fi; }
printf 'median: %d unique addresses (>= 10000: %s), %.3f s (<= 2 s: %s), %.1f us per address, %.2f%% named (>= 95%%: %s)\n' \
	"$uniq" "$(verdict "$uniq >= 10000")" "$secs" "$(verdict "$secs <= 2")" \
	"$(echo "1000000 * $secs / ($uniq + ($uniq == 0))" | bc -l)" "$named" "$(verdict "$named >= 95")"
