#!/usr/bin/env bash
# Benchmark of rustscope record --alloc (make bench section): what the
# allocation shim costs a program, as ratios to the program run bare; the
# target gets a PASS/MISS column, never a test failure.
# Workloads (tests/workloads/alloc, built by its build.sh): `rsalloc bench`
# (Rust: Strings, Vecs and HashMap entries built and dropped between real
# work), `calloc bench` (its C twin: malloc'd words in a hash table, qsort,
# a buffer grown by realloc) and `calloc threads 1 N` (nothing but malloc
# and free of 256 bytes: the worst case, per call, for information).
# Modes, each run under a small launcher (wait4) that gives the wall time
# and the user+sys CPU of the whole tree (recorder and workload):
#   bare     the workload alone
#   shim     LD_PRELOAD of librustscope_alloc.so without a recorder
#            (RUSTSCOPE_ALLOC_PIPE unset): the pass-through cost
#   default  rustscope record --alloc at the default rate (a sample every
#            512 KiB allocated, on average)
#   every    rustscope record --alloc --alloc-sample-bytes 1: every
#            allocation, unwound and sent (not for the malloc/free loop:
#            one event per call would take minutes)
# Runs are interleaved (round 1 of every workload and mode, then round 2,
# ...); each figure is the best (the smallest) of RUNS. The recorder's
# dropped_events (extra.record.alloc, events lost to a full pipe) are
# printed for each run.
# Target: the default rate costs <= 5% of the bare program's CPU, measured
# by a second meter inside the recording ("prog"); the whole tree's CPU
# (recorder included: its start, reader thread and symbolizing) and wall
# time are printed beside it. A last line per workload gives its
# allocation rate and the cost per allocation at the default rate: the
# overhead of another program is about its rate times that cost.
# Env: RS (binary), RUNS (default 3), RS_N (rsalloc bench iterations,
# default 1000000), C_N (calloc bench iterations, default 500000), CHURN_N
# (malloc/free pairs, default 100000000), RUSTSCOPE_ALLOC_LIB (the shim;
# default: beside RS).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
RS=${RS:-$top/${BUILD:-build}/rustscope}
RUNS=${RUNS:-3}
RS_N=${RS_N:-1000000}
C_N=${C_N:-500000}
CHURN_N=${CHURN_N:-100000000}
shim=${RUSTSCOPE_ALLOC_LIB:-$(dirname "$RS")/librustscope_alloc.so}
wl=$top/${BUILD:-build}/workloads
tests/workloads/alloc/build.sh "$wl" >/dev/null || { echo "alloc bench: workloads did not build"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$shim" ]; then
	echo "alloc bench: skipped: no shim at $shim (make rustscope)"
	exit 0
fi
if ! "$RS" record -q --alloc -o "$tmp/p.session.json" -- /bin/true 2>"$tmp/err"; then
	echo "alloc bench: skipped: $(head -c 300 "$tmp/err")"
	exit 0
fi
cc -O2 -o "$tmp/meter" "$top/tests/bench/meter.c" || exit 4 # meter OUT CMD...: wall, user, sys, maxrss, status
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "alloc bench: $(nproc) CPUs, load average $(load) at start; RUNS=$RUNS (best of)"

# setwl NAME: the workload command of NAME in the array wcmd, its modes in modes
setwl() {
	case $1 in
	rust) wcmd=("$wl/rsalloc" bench "$RS_N"); modes="bare shim default every" ;;
	c) wcmd=("$wl/calloc" bench "$C_N"); modes="bare shim default every" ;;
	churn) wcmd=("$wl/calloc" threads 1 "$CHURN_N"); modes="bare shim default" ;;
	esac
}
# setmode MODE SESSION: the prefix of MODE in the array cmd
setmode() {
	case $1 in
	bare) cmd=() ;;
	shim) cmd=(env LD_PRELOAD="$shim") ;;
	default) cmd=("$RS" record -q --alloc -o "$2" -- "$tmp/meter" "$3") ;;
	every) cmd=("$RS" record -q --alloc --alloc-sample-bytes 1 -o "$2" -- "$tmp/meter" "$3") ;;
	esac
}
wls="rust c churn"
for r in $(seq "$RUNS"); do
	for w in $wls; do
		setwl "$w"
		for m in $modes; do
			s="$tmp/$w.$m.$r.session.json"
			setmode "$m" "$s" "$tmp/p.$w.$m.$r" # under record, an inner meter: the program alone
			env -u RUSTSCOPE_ALLOC_PIPE "$tmp/meter" "$tmp/m.$w.$m.$r" "${cmd[@]}" "${wcmd[@]}" >/dev/null 2>"$tmp/e.$w.$m.$r" ||
				echo "alloc bench: $w $m run $r failed: $(head -c 300 "$tmp/e.$w.$m.$r")"
			if [ -f "$s" ]; then # keep the counters only: sessions of every allocation are large
				python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["extra"]["record"]["alloc"], open(sys.argv[2], "w"))' \
					"$s" "$tmp/a.$w.$m.$r" 2>/dev/null
				rm -f "$s"
			fi
		done
	done
done
echo "load average $(load) at end"
python3 - "$tmp" "$RUNS" "$wls" "$RS_N" "$C_N" "$CHURN_N" <<'PY'
import json, sys
tmp, runs, wls = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
label = {"rust": f"rsalloc bench {sys.argv[4]}", "c": f"calloc bench {sys.argv[5]}",
         "churn": f"calloc threads 1 {sys.argv[6]}"}
modes = {"rust": ["bare", "shim", "default", "every"], "c": ["bare", "shim", "default", "every"],
         "churn": ["bare", "shim", "default"]}
mlabel = {"bare": "bare", "shim": "shim alone (LD_PRELOAD)", "default": "record --alloc (default rate)",
          "every": "record --alloc-sample-bytes 1"}
def nums(path):
    try:
        x = [float(v) for v in open(path).read().split()]
        return x if x[4] == 0 else None
    except (OSError, ValueError, IndexError):
        return None
def counters(path):
    try: return json.load(open(path))
    except (OSError, ValueError): return None
def best(xs):
    xs = [x for x in xs if x is not None]
    return min(xs) if xs else float("nan")
lw = max(len(label[w]) for w in wls)
print(f"\n{'workload':{lw}s} {'mode':30s} {'wall s':>7s} {'CPU s':>7s} {'wall +%':>8s} {'CPU +%':>8s} "
      f"{'prog +%':>8s} {'target':>7s} {'result':>6s}  {'sampled allocs':>14s}  dropped events (per run)")
rows, every_allocs, default_prog, bare_cpu = [], {}, {}, {}
for w in wls:
    base = None
    for m in modes[w]:
        ms = [nums(f"{tmp}/m.{w}.{m}.{r}") for r in range(1, runs + 1)]
        wall, cpu = best([x[0] if x else None for x in ms]), best([x[1] + x[2] if x else None for x in ms])
        ok = sum(1 for x in ms if x)
        cs = [counters(f"{tmp}/a.{w}.{m}.{r}") for r in range(1, runs + 1)]
        # the program's own CPU: the inner meter under record, else the same as the tree's
        ps = [nums(f"{tmp}/p.{w}.{m}.{r}") for r in range(1, runs + 1)] if m in ("default", "every") else ms
        prog = best([x[1] + x[2] if x else None for x in ps])
        if m == "bare":
            base = (wall, cpu)
            bare_cpu[w] = cpu
            wp = cp = pp = "-"
        else:
            wp, cp = f"{(wall / base[0] - 1) * 100:+.1f}", f"{(cpu / base[1] - 1) * 100:+.1f}"
            pp = f"{(prog / base[1] - 1) * 100:+.1f}"
        if m == "every":
            got = [c for c in cs if c]
            if got:
                every_allocs[w] = max(c["sampled_allocations"] for c in got)
        if m == "default":
            default_prog[w] = prog - base[1]
        target = res = "-"
        if m == "default" and w != "churn":
            target = "<= 5%"
            res = "PASS" if (prog / base[1] - 1) * 100 <= 5 else "MISS"
        elif m == "default":
            target = "(info)"
        sampled = dropped = "-"
        if m in ("default", "every"):
            got = [c for c in cs if c]
            sampled = str(max(c["sampled_allocations"] for c in got)) if got else "?"
            dropped = " / ".join(str(c["dropped_events"]) if c else "?" for c in cs)
        print(f"{label[w]:{lw}s} {mlabel[m]:30s} {wall:7.3f} {cpu:7.3f} {wp:>8s} {cp:>8s} {pp:>8s} {target:>7s} {res:>6s}  "
              f"{sampled:>14s}  {dropped}" + ("" if ok == runs else f"  ({ok} of {runs} runs ok)"))
for w in wls:
    if w in every_allocs and w in default_prog:
        n = every_allocs[w]
        print(f"  {label[w]}: {n} allocations (every one recorded), {n / 1e6 / max(1e-9, bare_cpu[w]):.1f} M a second "
              f"of bare CPU; the default rate costs the program {default_prog[w] / n * 1e9:.2f} ns an allocation")
print("  wall = start to exit of the recorder and its workload; CPU = user+sys of both (wait4);\n"
      "  prog = the program's own CPU (a meter inside the recording); the target is on prog;\n"
      "  +% against the bare workload, best of each; target: record --alloc at the default rate,\n"
      "  CPU; the malloc/free loop (threads 1 N) is the shim's worst case, for information;\n"
      "  sampled allocs = extra.record.alloc.sampled_allocations (largest run); dropped events =\n"
      "  extra.record.alloc.dropped_events of each run")
PY
