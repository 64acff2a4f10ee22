#!/usr/bin/env bash
# rustscope correlate: sessions whose answer is known by construction
# (tests/gen-timeline.py), checked against the documented JSON shape and a
# brute-force recomputation (tests/correlate-check.py); --at, padding, --top,
# flat lanes, other input formats, a Chrome trace of X and C events, errors.
. tests/lib.sh
GEN="python3 tests/gen-timeline.py"
CHK="python3 tests/correlate-check.py"

# 60 s at 99 Hz: leak_fds hot in [20, 21) s while fd_count grows by 500;
# alloc_burst hot in [40, 41) s while rss_bytes grows by 400 MiB and CPU
# reads 98 % (50 % otherwise). Half of leak_fds' samples end in an inlined
# frame, which must count for leak_fds.
SPEC="--hot app::leak_fds,20,21 --inline app::leak_fds=std::fs::File::open --step fd_count,20,21,500
      --hot app::alloc_burst,40,41 --step rss_bytes,40,41,419430400 --burst cpu_percent,40,41,98"
$GEN "$T/s.json" $SPEC || fail correlate-gen "tests/gen-timeline.py failed"

expect_exit "correlate: --json" 0 $RS correlate --json "$T/s.json"
cp "$T/out" "$T/s.res"
check "correlate: the documented JSON shape" $CHK shape "$T/s.res"
check "correlate: shares and counter deltas agree with brute force" $CHK brute "$T/s.json" "$T/s.res"
check "correlate: fd_count spike at 20-21 s, leak_fds first" \
	$CHK spike "$T/s.json" "$T/s.res" fd_count app::leak_fds 20 21 500
check "correlate: rss_bytes spike at 40-41 s, alloc_burst first" \
	$CHK spike "$T/s.json" "$T/s.res" rss_bytes app::alloc_burst 40 41 419430400
check "correlate: cpu_percent spike at 40-41 s (peak - median), alloc_burst first" \
	$CHK spike "$T/s.json" "$T/s.res" cpu_percent app::alloc_burst 40 41 48
check "correlate: no other spikes in the noise" \
	python3 -c "import json,sys; sys.exit(len(json.load(open('$T/s.res'))['spikes']) != 3)"
check "correlate: leak_fds' share in its window is 80 % of the hot second over 1.2 s, none outside" \
	python3 -c "
import json,sys
f = [s for s in json.load(open('$T/s.res'))['spikes'] if s['lane'] == 'fd_count'][0]['functions'][0]
sys.exit(not (abs(f['share'] - 0.8 / 1.2) < 0.02 and f['baseline_share'] == 0 and f['crate'] == 'app'))"
check "correlate: an inlined leaf counts for the function it is inlined into" \
	sh -c "! grep -q 'std::fs::File::open' '$T/s.res'"
check "correlate: the window is the spike padded by 100 ms" python3 -c "
import json,sys
sys.exit(any(s['window'] != {'start_ns': s['start_ns'] - 100000000, 'end_ns': s['end_ns'] + 100000000}
             for s in json.load(open('$T/s.res'))['spikes']))"

expect_exit "correlate: text report" 0 $RS correlate "$T/s.json"
check "correlate: text names the spike and its delta" grep -q "^spike: fd_count +500 count, 20.000 s to 21.000 s" "$T/out"
check "correlate: text ranks leak_fds first" sh -c "grep -A3 '^spike: fd_count' '$T/out' | grep -A1 ' function\$' | tail -1 | grep -q 'app::leak_fds \[app\]'"
check "correlate: text lists counter deltas" grep -qE "^    fd_count +\+500 count" "$T/out"

# --at: a relative time with a unit, or absolute nanoseconds like time_ns
expect_exit "correlate: --at 20.5s" 0 $RS correlate --json --at 20.5s "$T/s.json"
cp "$T/out" "$T/at.res"
check "correlate: --at gives one window around the time" python3 -c "
import json,sys
s = json.load(open('$T/at.res'))['spikes']
t = 1714052400000000000 + 20500000000
sys.exit(not (len(s) == 1 and s[0]['lane'] is None and s[0]['delta'] is None and s[0]['start_ns'] == t and
              s[0]['window'] == {'start_ns': t - 100000000, 'end_ns': t + 100000000} and
              s[0]['functions'][0]['name'] == 'app::leak_fds'))"
check "correlate: --at shape" $CHK shape "$T/at.res"
check "correlate: --at shares agree with brute force" $CHK brute "$T/s.json" "$T/at.res"
expect_exit "correlate: --at absolute ns" 0 $RS correlate --json --at 1714052420500000000 "$T/s.json"
check "correlate: absolute and relative --at agree" cmp -s "$T/out" "$T/at.res"
expect_exit "correlate: --at in ms" 0 $RS correlate --json --at 20500ms "$T/s.json"
check "correlate: --at 20500ms is 20.5s" cmp -s "$T/out" "$T/at.res"
expect_exit "correlate: --at and --spikes" 0 $RS correlate --json --at 20.5s --spikes "$T/s.json"
check "correlate: --at and --spikes give both" python3 -c "
import json,sys; s = json.load(open('$T/out'))['spikes']; sys.exit(not (len(s) == 4 and s[0]['lane'] is None))"
expect_exit "correlate: --at outside the session" 2 $RS correlate --at 99s "$T/s.json"
expect_err "correlate: --at outside says so" "outside the session"

# padding (both spellings) and --top
expect_exit "correlate: --padding-ms 500" 0 $RS correlate --json --padding-ms 500 "$T/s.json"
cp "$T/out" "$T/p.res"
expect_exit "correlate: --correlation-padding-ms 500" 0 $RS correlate --json --correlation-padding-ms 500 "$T/s.json"
check "correlate: both padding spellings agree" cmp -s "$T/out" "$T/p.res"
check "correlate: padding widens the window" python3 -c "
import json,sys
sys.exit(any(s['window']['start_ns'] != s['start_ns'] - 500000000 for s in json.load(open('$T/p.res'))['spikes']))"
check "correlate: padded shares agree with brute force" $CHK brute "$T/s.json" "$T/p.res"
expect_exit "correlate: --top 1" 0 $RS correlate --json --top 1 "$T/s.json"
check "correlate: --top 1 lists one function" python3 -c "
import json,sys; sys.exit(any(len(s['functions']) != 1 for s in json.load(open('$T/out'))['spikes']))"
check "correlate: --top 1 agrees with brute force" $CHK brute "$T/s.json" "$T/out" 1

# samples out of time order give the same answer
$GEN "$T/shuf.json" $SPEC --shuffle
expect_exit "correlate: shuffled samples" 0 $RS correlate --json "$T/shuf.json"
check "correlate: shuffled samples give the same result" cmp -s "$T/out" "$T/s.res"

# a flat session, with noise and tiny steps (20 -> 21 fds, 64 KiB on 100 MiB), has no spikes
$GEN "$T/flat.json" --tiny-step fd_count,30,1 --tiny-step rss_bytes,10,65536
expect_exit "correlate: flat session" 0 $RS correlate --json "$T/flat.json"
check "correlate: flat session has no spikes" grep -qx '{"spikes":\[\]}' "$T/out"
expect_exit "correlate: flat session, text" 0 $RS correlate "$T/flat.json"
check "correlate: text says 0 spikes" grep -q "^0 spikes" "$T/out"
# ... while the same step of 500 fds is one
$GEN "$T/step.json" --tiny-step fd_count,30,500 --hot app::leak_fds,29.95,30.05,100
expect_exit "correlate: one big step" 0 $RS correlate --json "$T/step.json"
check "correlate: a single big step is a spike" $CHK spike "$T/step.json" "$T/out" fd_count app::leak_fds 29.9 30 500

# counters only: spikes, no functions
python3 -c "
import json; d = json.load(open('$T/s.json'))
d['samples'] = {'stack': [], 'values': [[], []]}
json.dump(d, open('$T/counters.json', 'w'))"
expect_exit "correlate: counters without samples" 0 $RS correlate --json "$T/counters.json"
check "correlate: counters alone still give the spikes" python3 -c "
import json,sys; s = json.load(open('$T/out'))['spikes']
sys.exit(not (len(s) == 3 and all(x['functions'] == [] for x in s)))"

# any format rustscope imports: the session pprof carries
expect_exit "correlate: session to pprof" 0 $RS convert "$T/s.json" -o "$T/s.pb.gz"
expect_exit "correlate: pprof input" 0 $RS correlate --json "$T/s.pb.gz"
check "correlate: pprof input gives the same result" cmp -s "$T/out" "$T/s.res"

# A Chrome trace: X events (a main span, 80 ms work slices each 100 ms, and
# leak_fds over [5.0, 5.5) s) and C events (fds every 100 ms, +300 during
# leak_fds). The intervals are the timeline: self time of the innermost.
python3 - "$T/trace.json" <<'EOF'
import json, sys
ev = [{"ph": "X", "name": "main", "pid": 1, "tid": 1, "ts": 0, "dur": 10000000}]
for k in range(100):
    t = k * 100000
    if not 5000000 <= t < 5500000:
        ev.append({"ph": "X", "name": "work", "pid": 1, "tid": 1, "ts": t, "dur": 80000})
ev.append({"ph": "X", "name": "leak_fds", "pid": 1, "tid": 1, "ts": 5000000, "dur": 500000})
for k in range(101):
    t = k * 100000
    fds = 10 + 300 * min(1, max(0, (t - 5000000) / 500000))
    ev.append({"ph": "C", "name": "fds", "pid": 1, "ts": t, "args": {"value": fds}})
json.dump({"traceEvents": ev}, open(sys.argv[1], "w"))
EOF
expect_exit "correlate: Chrome trace" 0 $RS correlate --json "$T/trace.json"
cp "$T/out" "$T/trace.res"
check "correlate: Chrome trace shape" $CHK shape "$T/trace.res"
check "correlate: Chrome trace: fds spike at 5.0-5.5 s, leak_fds first with its self-time share" python3 - "$T/trace.res" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["spikes"]
if len(s) != 1 or s[0]["lane"] != "fds":
    sys.exit(f"spikes {s}")
s = s[0]
w0, w1 = s["window"]["start_ns"] // 1000, s["window"]["end_ns"] // 1000  # us
def owner(us):  # the innermost span at us
    if 5000000 <= us < 5500000: return "leak_fds"
    return "work" if us % 100000 < 80000 else "main"
# brute force over 1 ms steps (every boundary is a whole ms)
tot, win = {}, {}
for ms in range(10000):
    o = owner(ms * 1000)
    tot[o] = tot.get(o, 0) + 1
    if w0 <= ms * 1000 < w1:
        win[o] = win.get(o, 0) + 1
f = s["functions"][0]
share, base = win["leak_fds"] / sum(win.values()), 0.0
ok = (abs(s["start_ns"] - 5000000000) <= 100000000 and abs(s["end_ns"] - 5500000000) <= 100000000 and
      abs(s["delta"] - 300) < 1 and f["name"] == "leak_fds" and abs(f["share"] - share) < 1e-9 and
      f["baseline_share"] == base and abs(s["counter_deltas"]["fds"] - 300) < 1)
sys.exit(0 if ok else f"got {s}, wanted leak_fds share {share}")
EOF

# errors
printf '{"schema":"rustscope.session","schema_version":1,"session":' >"$T/trunc.json"
expect_exit "correlate: bad input is exit 3" 3 $RS correlate "$T/trunc.json"
expect_exit "correlate: nothing timed is exit 3" 3 $RS correlate corpus/examples/minimal.session.json
expect_err "correlate: nothing timed says so" "nothing to correlate"
python3 -c "
import json; d = json.load(open('$T/s.json')); del d['samples']['time_ns']; del d['counters']
json.dump(d, open('$T/untimed.json', 'w'))"
expect_exit "correlate: samples without timestamps nor counters is exit 3" 3 $RS correlate "$T/untimed.json"
expect_exit "correlate: missing file is exit 4" 4 $RS correlate "$T/nonexistent.json"
expect_exit "correlate: no SESSION" 2 $RS correlate
expect_exit "correlate: two SESSIONs" 2 $RS correlate "$T/s.json" "$T/s.json"
expect_exit "correlate: bad --at" 2 $RS correlate --at soon "$T/s.json"
expect_exit "correlate: negative --at" 2 $RS correlate --at -3s "$T/s.json"
expect_exit "correlate: bad --top" 2 $RS correlate --top many "$T/s.json"
expect_exit "correlate: bad --padding-ms" 2 $RS correlate --padding-ms -5 "$T/s.json"
expect_exit "correlate: --help" 0 $RS correlate --help
check "correlate: --help shows usage" grep -q "usage: rustscope correlate" "$T/out"
check "correlate: --help within 80 columns" test "$(awk 'length($0) > 80' "$T/out" | grep -vc '^Formats\|^         write')" -eq 0
