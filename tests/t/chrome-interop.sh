#!/usr/bin/env bash
# What we write opens in the formats' own readers with the numbers we expect:
# Chromium's DevTools Performance panel (full range), speedscope (samples'
# total weight and time range) for .trace.json, speedscope for .cpuprofile.
. tests/lib.sh
tools_ready || { skip chrome-interop "$tools_why"; exit 0; }
"$RS" convert -q corpus/examples/demo.session.json -o "$T/demo.trace.json"
"$RS" convert -q corpus/examples/demo.session.json -o "$T/demo.cpuprofile"
# expected: the demo session's timeline spans its intervals, markers, counters and samples
want_ms=$(python3 - <<'PY'
import json
d = json.load(open('corpus/examples/demo.session.json'))
ts = [i['start_ns'] for i in d['intervals']] + [i['end_ns'] for i in d['intervals']]
ts += d['samples'].get('time_ns') or []
ts += [p[0] for c in d['counters'] for p in c['points']] + [m['t_ns'] for m in d['markers']]
print((max(ts) - min(ts)) / 1e6)
PY
)
node "$TOOLS/devtools-trace-load.js" "$T/demo.trace.json" --strict --timeout 30 >"$T/dt.json" 2>"$T/dt.err"
rc=$?
if [ $rc -eq 2 ]; then skip chrome-devtools "harness could not run: $(head -c 200 "$T/dt.err")"
elif [ $rc -ne 0 ]; then fail chrome-devtools "DevTools refused our trace: $(head -c 400 "$T/dt.json")"
else
	python3 - "$T/dt.json" "$want_ms" <<'PY' && pass "chrome-devtools (full range as expected)" || fail chrome-devtools "$(head -c 400 "$T/dt.json")"
import json, sys
d = json.load(open(sys.argv[1])); want = float(sys.argv[2])
got = d.get('fullRangeMs')
print('fullRangeMs', got, 'want', want)
sys.exit(0 if d.get('ok') and got is not None and abs(got - want) <= max(1.0, want * 0.02) else 1)
PY
fi
# speedscope: the trace imports as Trace Event Format (X events per thread:
# the main thread's profile spans its intervals); the .cpuprofile's total
# weight is the samples' time range.
want_main_ms=$(python3 -c "
import json; d=json.load(open('corpus/examples/demo.session.json')); iv=[i for i in d['intervals'] if i.get('thread')==0]
print((max(i['end_ns'] for i in iv)-min(i['start_ns'] for i in iv))/1e6)")
want_samples_ms=$(python3 -c "
import json; d=json.load(open('corpus/examples/demo.session.json')); t=d['samples']['time_ns']; print((max(t)-min(t))/1e6)")
to_ms='def ms(p, v):
    u = p.get("unit")
    return v / 1e3 if u == "microseconds" else v / 1e6 if u == "nanoseconds" else v'
for f in demo.trace.json demo.cpuprofile; do
	node "$TOOLS/speedscope-load.js" "$T/$f" --fail-empty >"$T/ss.json" 2>"$T/ss.err"
	rc=$?
	if [ $rc -eq 2 ]; then skip "chrome-speedscope $f" "harness: $(head -c 200 "$T/ss.err")"; continue; fi
	[ $rc -eq 0 ] || { fail "chrome-speedscope $f" "$(head -c 400 "$T/ss.json")"; continue; }
	python3 - "$T/ss.json" "$f" "$want_main_ms" "$want_samples_ms" <<PY && pass "chrome-speedscope $f (time range / total weight as expected)" || fail "chrome-speedscope $f" "\$(head -c 600 "$T/ss.json")"
import json, sys
$to_ms
d = json.load(open(sys.argv[1])); ps = d['export']['profiles']
if sys.argv[2].endswith('.trace.json'):
    p = [p for p in ps if p['name'].startswith('main')][0]
    got, want = ms(p, p['endValue'] - p['startValue']), float(sys.argv[3])
else:
    p = max(ps, key=lambda p: p.get('totalWeight', 0))
    got, want = ms(p, p['totalWeight']), float(sys.argv[4])
print(d['importer'], got, want)
sys.exit(0 if abs(got - want) <= max(0.5, want * 0.02) else 1)
PY
done
true
