# record --continuous on a workload whose answer is known by construction
# (tests/workloads/record/spike.c: 400 descriptors leaked at 1.5-2.0 s by
# leak_fds, 160 MB touched at 3.0-3.5 s by grow_memory): SIGUSR1 writes the
# window, where correlate finds both spikes at their times with their
# function on top; SIGUSR2 clears it; SIGINT writes a last file and exits 0;
# the ring keeps within --buffer-mb and --retention.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record continuous" || exit 0
D=$T/cont
mkdir -p "$D"

# start NAME ARGS...: rustscope record --continuous in the background.
start() {
	local name=$1; shift
	mkdir -p "$D/$name"
	"$RS_PLAIN" record --continuous --interval 100 --output-dir "$D/$name" "$@" 2>"$D/$name.err" &
	echo $! >"$D/$name.pid"
}
# wait_for NAME REGEX COUNT: until the recorder's stderr has COUNT lines matching.
wait_for() {
	for _ in $(seq 300); do
		[ "$(grep -cE "$2" "$D/$1.err")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
nth_file() { sed -n 's/^rustscope record: wrote \([^ ]*\) .*/\1/p' "$D/$1.err" | sed -n "$2p"; }

start main --enable-snapshots --snapshot-interval 1s -- "$WL/spike" 60
pid=$(cat "$D/main.pid")
wait_for main '^phase steady_work' 3 && sleep 1
kill -USR1 "$pid"
check "continuous: SIGUSR1 writes the window" wait_for main '^rustscope record: wrote ' 1
f1=$(nth_file main 1)
check "continuous: the file is named DIR/NAME-<UTC time>.session.json" \
	bash -c "[[ '$f1' =~ /spike-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z\.session\.json$ ]]"
expect_exit "continuous: the window validates" 0 "$RS" validate "$f1"
flush_s=$(sed -n 's/^rustscope record: wrote .*, \([0-9.]*\) s)$/\1/p' "$D/main.err" | head -1)
check "continuous: the flush took under 1 s ($flush_s s)" python3 -c "import sys; sys.exit(not float('$flush_s') < 1)"
"$RS_PLAIN" correlate --json "$f1" >"$T/corr.json" 2>"$T/corr.err"
python3 - "$f1" "$T/corr.json" >"$T/corr.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
t0 = s["session"]["start_time_ns"]
def find(lane, lo, hi):
    for sp in c["spikes"]:
        start = (sp["start_ns"] - t0) / 1e9
        if sp["lane"] == lane and lo <= start <= hi:
            return sp
for lane, lo, hi, fn in (("fd_count", 1.2, 2.1, "leak_fds"), ("rss_bytes", 2.7, 3.6, "grow_memory")):
    sp = find(lane, lo, hi)
    top = sp["functions"][0]["name"] if sp and sp["functions"] else None
    print(lane, "found" if sp else "missing", "top", top, "want", fn,
          "delta", sp and sp["delta"])
w = s.get("windows", [])
print("windows", len(w), sum(x.get("trigger") == "snapshot" for x in w),
      sum(bool(x.get("hotspots")) for x in w))
t = s["samples"]["time_ns"]
print("span", (max(t) - min(t)) / 1e9, "first", (min(t) - t0) / 1e9)
PY
# found LANE FN NAME: the spike's line says FN is on top (else the whole answer, to see why)
found() {
	if grep -q "^$1 found top $2 want $2" "$T/corr.txt"; then pass "$3"
	else fail "$3" "$(tr '\n' ' ' <"$T/corr.txt") / spikes: $(python3 -c "import json; print([(s['lane'], s['start_ns'], [f['name'] for f in s['functions'][:3]]) for s in json.load(open('$T/corr.json'))['spikes']])" 2>&1 | head -c 600)"; fi
}
found fd_count leak_fds "continuous: correlate finds the fd leak at 1.5 s with leak_fds on top"
found rss_bytes grow_memory "continuous: correlate finds the memory spike at 3.0 s with grow_memory on top"
check "continuous: the fd lane rose by the 400 leaked" \
	python3 -c "import sys; l=[x for x in open('$T/corr.txt') if x.startswith('fd_count')][0]; sys.exit(not 380 <= float(l.split()[-1]) <= 420)"
check "continuous: --enable-snapshots stores a window per second with hotspots" \
	python3 -c "import sys; l=[x.split() for x in open('$T/corr.txt') if x.startswith('windows')][0]; sys.exit(not (int(l[2]) >= 4 and int(l[3]) >= 4))"
check "continuous: the window starts with the target" \
	python3 -c "import sys; l=[x.split() for x in open('$T/corr.txt') if x.startswith('span')][0]; sys.exit(not (float(l[1]) > 4 and float(l[3]) < 0.3))"

kill -USR2 "$pid"
check "continuous: SIGUSR2 clears the window" wait_for main 'window cleared' 1
sleep 1.5
kill -USR1 "$pid"
wait_for main '^rustscope record: wrote ' 2
f2=$(nth_file main 2)
check "continuous: after SIGUSR2 the window holds only what came later" python3 -c "
import json, sys
a = json.load(open('$f1'))['samples']['time_ns']; b = json.load(open('$f2'))['samples']['time_ns']
sys.exit(not (b and min(b) > max(a) and (max(b) - min(b)) / 1e9 < 2.0))"
kill -INT "$pid"
wait "$pid"
rc=$?
check "continuous: SIGINT writes a last file and exits 0 (exit $rc)" test $rc -eq 0
check "continuous: the last file was written" test -n "$(nth_file main 3)"
target=$(python3 -c "import json; print(json.load(open('$f1'))['session']['id'].split('-')[-1])")
check "continuous: the target ($target) was ended" bash -c "! kill -0 $target 2>/dev/null"

# Bounds: a small ring evicts the oldest; retention drops by age.
start small --buffer-mb 0.02 --retention 2s -v -- "$WL/spike" 60
spid=$(cat "$D/small.pid")
sleep 5
hwm=$(awk '/VmHWM/ {print $2}' /proc/"$spid"/status)
kill -USR1 "$spid"
wait_for small '^rustscope record: wrote ' 1
kill -INT "$spid"
wait "$spid"
f3=$(nth_file small 1)
python3 - "$f3" >"$T/small.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); c = s["extra"]["record"]["continuous"]
t = s["samples"]["time_ns"]
print(c["used_bytes"], c["buffer_bytes"], c["evicted_entries"], (max(t) - min(t)) / 1e9)
PY
read -r used cap evicted span <"$T/small.txt"
check "continuous: the ring never holds more than --buffer-mb ($used of $cap bytes)" test "$used" -le "$cap"
check "continuous: the oldest entries were evicted ($evicted)" test "$evicted" -gt 0
check "continuous: --retention 2s keeps about 2 s ($span s; the hand-over adds up to 0.1 s)" python3 -c "import sys; sys.exit(not 1.5 <= $span <= 2.2)"
check "continuous: the recorder's peak RSS stays small (${hwm} kB)" test "$hwm" -lt 65536
check "continuous: -v prints a status line" grep -q '^rustscope record: continuous, [0-9]* entries in the window' "$D/small.err"

start pprof --continuous-format pprof --duration 2 -- "$WL/spike" 60
wait "$(cat "$D/pprof.pid")"
f4=$(ls "$D"/pprof/*.pb.gz 2>/dev/null | head -1)
check "continuous: --continuous-format pprof writes .pb.gz at --duration" test -n "$f4"
[ -n "$f4" ] && expect_exit "continuous: the pprof window validates" 0 "$RS" validate "$f4"

expect_exit "continuous: -o is refused" 2 "$RS_PLAIN" record --continuous -o x.json -- true
expect_exit "continuous: a missing --output-dir is found at start" 4 "$RS_PLAIN" record --continuous --output-dir "$D/none" -- true
expect_err "continuous: the missing directory is named" 'output-dir .*none: not a directory'
expect_exit "continuous: a bad --retention is a usage error" 2 "$RS_PLAIN" record --continuous --retention 5x -- true
expect_exit "continuous: --output-dir without --continuous is a usage error" 2 "$RS_PLAIN" record --output-dir "$D" -- true
