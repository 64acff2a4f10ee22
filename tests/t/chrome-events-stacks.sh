# Chrome trace intervals (X, B/E) become time-weighted stacks for the
# formats that only have stacks (schema/interval_samples.c): exact self
# times on nested data as Go's own reader sees them, the overlap rule, thread
# names as pprof labels, a trace with samples and events, --events keep, and
# no empty output in silence. Then every event-only Chrome trace of the
# corpora to pprof (go tool pprof), collapsed and .cpuprofile: the total is
# the time the intervals cover, per thread.
. tests/lib.sh

# raw_stacks FILE TYPE: the samples of `go tool pprof -raw` with a non-zero
# value of TYPE, as sorted "stack value" lines (root first, ';'-joined).
raw_stacks() {
	go tool pprof -symbolize=none -raw "$1" 2>/dev/null | python3 -c '
import re, sys
want = sys.argv[1]; lines = sys.stdin.read().split("\n")
i = lines.index("Samples:"); types = lines[i + 1].split(); col = [t.split("/")[0] for t in types].index(want)
locs = {}
for l in lines[lines.index("Locations"):]:
    m = re.match(r"\s+(\d+): 0x[0-9a-f]+ M=\d+ (.*?) :\d+ s=", l)
    if m: locs[m.group(1)] = m.group(2)
out = []
for l in lines[i + 2:lines.index("Locations")]:
    m = re.match(r"\s+([-\d ]+): ([\d ]+)$", l)
    if m:
        v = int(m.group(1).split()[col])
        if v: out.append(";".join(locs[x] for x in reversed(m.group(2).split())) + " %d" % v)
print("\n".join(sorted(out)))' "$2"
}

cat >"$T/nested.json" <<'EOF'
{"traceEvents":[
{"ph":"M","name":"thread_name","pid":1,"tid":7,"args":{"name":"worker"}},
{"ph":"X","name":"request","ts":0,"dur":1000,"pid":1,"tid":7},
{"ph":"X","name":"parse","ts":0,"dur":300,"pid":1,"tid":7},
{"ph":"B","name":"db","ts":300,"pid":1,"tid":7},
{"ph":"E","ts":900,"pid":1,"tid":7},
{"ph":"X","name":"idle","ts":100,"dur":50,"pid":1,"tid":8}
]}
EOF
want='idle 50000
request 100000
request;db 600000
request;parse 300000'

expect_exit "events-stacks: nested trace to pprof" 0 "$RS" convert "$T/nested.json" -o "$T/n.pb.gz"
if command -v go >/dev/null; then
	got=$(raw_stacks "$T/n.pb.gz" wall)
	if [ "$got" = "$want" ]; then pass "events-stacks: go tool pprof -raw sees the self times exactly"
	else fail "events-stacks: go tool pprof -raw sees the self times exactly" "got: $(echo "$got" | tr '\n' '|') want: $(echo "$want" | tr '\n' '|')"; fi
	if go tool pprof -symbolize=none -raw "$T/n.pb.gz" 2>/dev/null | grep -q 'thread:\[worker\]'; then
		pass "events-stacks: the thread name is a pprof label"
	else fail "events-stacks: the thread name is a pprof label" "no thread:[worker] label"; fi
	if go tool pprof -symbolize=none -raw "$T/n.pb.gz" 2>/dev/null | grep -q '^wall/nanoseconds\[dflt\]'; then
		pass "events-stacks: wall/nanoseconds is the default sample type"
	else fail "events-stacks: wall/nanoseconds is the default sample type" "$(go tool pprof -raw "$T/n.pb.gz" 2>&1 | head -8)"; fi
else
	skip "events-stacks: go tool pprof -raw" "go is not installed (make check installs golang-go)"
fi

expect_exit "events-stacks: nested trace to collapsed" 0 "$RS" convert "$T/nested.json" -o "$T/n.folded"
got=$(grep -v '^#' "$T/n.folded" | sort)
if [ "$got" = "$want" ]; then pass "events-stacks: collapsed lines are the self times"
else fail "events-stacks: collapsed lines are the self times" "got: $(echo "$got" | tr '\n' '|')"; fi

expect_exit "events-stacks: nested trace to .cpuprofile" 0 "$RS" convert "$T/nested.json" -o "$T/n.cpuprofile"
python3 - "$T/n.cpuprofile" <<'PY' && pass "events-stacks: .cpuprofile samples last their self time" || fail "events-stacks: .cpuprofile samples last their self time" "$(head -c 300 "$T/n.cpuprofile")"
import json, sys, collections
d = json.load(open(sys.argv[1]))
name = {n["id"]: n["callFrame"]["functionName"] for n in d["nodes"]}
parent = {c: n["id"] for n in d["nodes"] for c in n.get("children", [])}
def path(i):
    p = []
    while i in name and name[i] != "(root)":
        p.append(name[i]); i = parent.get(i)
    return ";".join(reversed(p))
t = [d["startTime"]]
for x in d["timeDeltas"][1:]: t.append(t[-1] + x)
t.append(d["endTime"])
got = collections.Counter()
for k, s in enumerate(d["samples"]):
    if t[k + 1] > t[k]: got[path(s)] += round((t[k + 1] - t[k]) * 1000)
want = {"request": 100000, "request;db": 600000, "request;parse": 300000, "idle": 50000}
print(dict(got)); sys.exit(0 if dict(got) == want else 1)
PY

# speedscope, the owner's reader of collapsed stacks and a reader of
# .cpuprofile, sees the same total.
if tools_ready; then
	for f in n.folded n.cpuprofile; do
		node "$TOOLS/speedscope-load.js" "$T/$f" --fail-empty >"$T/ss.json" 2>"$T/ss.err"
		python3 - "$T/ss.json" <<'PY' && pass "events-stacks: speedscope reads $f with the total time" || fail "events-stacks: speedscope reads $f with the total time" "$(head -c 400 "$T/ss.json") $(head -c 200 "$T/ss.err")"
import json, sys
ps = json.load(open(sys.argv[1]))["export"]["profiles"]
scale = {"none": 1, "nanoseconds": 1, "microseconds": 1000}
tot = sum(p["totalWeight"] * scale[p.get("unit", "none")] for p in ps)
print(tot); sys.exit(0 if round(tot) == 1050000 else 1)
PY
	done
else
	skip "events-stacks: speedscope reads collapsed and .cpuprofile" "$tools_why"
fi

# Overlap without nesting: B outlives A and goes on one level up; the total
# is the time covered.
cat >"$T/overlap.json" <<'EOF'
[{"ph":"X","name":"A","ts":0,"dur":10,"pid":1,"tid":1},{"ph":"X","name":"B","ts":5,"dur":10,"pid":1,"tid":1}]
EOF
"$RS" convert "$T/overlap.json" -o "$T/o.folded" 2>"$T/err"
got=$(grep -v '^#' "$T/o.folded" | sort | tr '\n' '|')
if [ "$got" = "A 5000|A;B 5000|B 5000|" ]; then pass "events-stacks: an interval that outlives its parent stays open one level up"
else fail "events-stacks: an interval that outlives its parent stays open one level up" "got $got"; fi

# Samples and events: the samples stay as they were, the events are a
# second sample type, the default type is the samples'.
cat >"$T/mixed.json" <<'EOF'
{"traceEvents":[
{"ph":"X","name":"task","ts":1000,"dur":500,"pid":1,"tid":1},
{"ph":"P","name":"Profile","id":"0x1","pid":1,"tid":1,"ts":1000,"args":{"data":{"startTime":1000}}},
{"ph":"P","name":"ProfileChunk","id":"0x1","pid":1,"tid":1,"ts":1000,"args":{"data":{"cpuProfile":{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1}},{"id":2,"parent":1,"callFrame":{"functionName":"js_hot","scriptId":"1","url":"a.js","lineNumber":1,"columnNumber":1}}],"samples":[2,2,2]},"timeDeltas":[10,10,10]}}}
]}
EOF
expect_exit "events-stacks: samples and events to session" 0 "$RS" convert "$T/mixed.json" -o "$T/m.session.json"
python3 - "$T/m.session.json" <<'PY' && pass "events-stacks: samples kept, events added as a wall column" || fail "events-stacks: samples kept, events added as a wall column" "$(head -c 600 "$T/m.session.json")"
import json, sys
d = json.load(open(sys.argv[1]))
types = [t["type"] for t in d["sample_types"]]
v = d["samples"]["values"]
c, w = types.index("samples"), types.index("wall")
ok = d["default_sample_type"] == "samples" and sum(v[c]) == 3 and sum(v[w]) == 500000
print(types, v); sys.exit(0 if ok else 1)
PY
expect_exit "events-stacks: samples and events back to Chrome" 0 "$RS" convert "$T/m.session.json" -o "$T/m.trace.json"
python3 - "$T/m.trace.json" <<'PY' && pass "events-stacks: Chrome gets the X event once and only the V8 samples" || fail "events-stacks: Chrome gets the X event once and only the V8 samples" "$(head -c 600 "$T/m.trace.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
x = [e for e in ev if e.get("ph") == "X"]
chunks = [e for e in ev if e.get("name") == "ProfileChunk"]
n = sum(len(c["args"]["data"]["cpuProfile"]["samples"]) for c in chunks)
print(len(x), n); sys.exit(0 if len(x) == 1 and n == 3 else 1)
PY

# speedscope: evented profiles by default, sampled ones too when asked.
"$RS" convert "$T/nested.json" -o "$T/n.speedscope.json" 2>/dev/null
"$RS" convert "$T/nested.json" --events as-stacks -o "$T/s.speedscope.json" 2>/dev/null
python3 - "$T/n.speedscope.json" "$T/s.speedscope.json" <<'PY' && pass "events-stacks: speedscope evented by default, also sampled with --events as-stacks" || fail "events-stacks: speedscope evented by default, also sampled with --events as-stacks" "see $T"
import json, sys
a = [p["type"] for p in json.load(open(sys.argv[1]))["profiles"]]
b = [p["type"] for p in json.load(open(sys.argv[2]))["profiles"]]
print(a, b); sys.exit(0 if "sampled" not in a and "evented" in a and "sampled" in b and "evented" in b else 1)
PY

# Never an empty output in silence.
cat >"$T/instant.json" <<'EOF'
[{"ph":"i","name":"tick","ts":1,"pid":1,"tid":1,"s":"t"}]
EOF
expect_exit "events-stacks: only instant events to pprof is exit 1" 1 "$RS" convert "$T/instant.json" -o "$T/i.pb.gz"
expect_err "events-stacks: ... saying what was there and what can carry it" "1 marker.*chrome"
check "events-stacks: ... and no file written" test ! -e "$T/i.pb.gz"
expect_exit "events-stacks: --events keep leaves pprof nothing: exit 1" 1 "$RS" convert "$T/nested.json" --events keep -o "$T/k.pb.gz"
expect_err "events-stacks: ... names the intervals" "4 intervals"
cat >"$T/counter.json" <<'EOF'
[{"ph":"X","name":"a","ts":1,"dur":5,"pid":1,"tid":1},{"ph":"C","name":"mem","ts":2,"pid":1,"args":{"value":3}}]
EOF
expect_exit "events-stacks: counters dropped by collapsed: still written" 0 "$RS" convert "$T/counter.json" -o "$T/c.folded"
expect_err "events-stacks: ... with one warning line" "collapsed readers will not show its 1 counter lane"
expect_exit "events-stacks: bad --events" 2 "$RS" convert "$T/nested.json" --events drop -o "$T/x.pb.gz"

# The corpus: every trace whose content is intervals without samples (the
# plain build: the sanitizer build ran every path above already).
files=$(ls "$CORPUS"/chrome/*.json* 2>/dev/null)
checked=0
spoke=0
bad=
have_tools=0
tools_ready && have_tools=1
for f in $files; do
	b=$T/corpus.$(basename "$f")
	"$RS_PLAIN" convert -q "$f" --events keep -o "$b.keep.json" 2>/dev/null || continue
	expect=$(python3 - "$b.keep.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
if d["samples"]["stack"] or not d.get("intervals"): print(-1); sys.exit()
by = collections.defaultdict(list)
for i in d["intervals"]:
    if i["end_ns"] > i["start_ns"]: by[i.get("thread", -1)].append((i["start_ns"], i["end_ns"]))
tot = 0
for spans in by.values():
    spans.sort(); end = None
    for s, e in spans:
        if end is None or s > end: tot += e - s; end = e
        elif e > end: tot += e - end; end = e
print(tot)
PY
)
	[ "$expect" = -1 ] || [ -z "$expect" ] && continue
	checked=$((checked + 1))
	if ! "$RS_PLAIN" convert -q "$f" -o "$b.pb.gz" 2>"$b.err"; then bad="$bad $(basename "$f"):pprof-convert"; continue; fi
	if command -v go >/dev/null; then
		got=$(raw_stacks "$b.pb.gz" wall | awk '{s += $NF} END {printf "%.0f\n", s}')
		[ "$got" = "$expect" ] || bad="$bad $(basename "$f"):pprof=$got/$expect"
	fi
	"$RS_PLAIN" convert -q "$f" -o "$b.folded" 2>/dev/null || { bad="$bad $(basename "$f"):collapsed-convert"; continue; }
	got=$(grep -v '^#' "$b.folded" | awk '{s += $NF} END {printf "%.0f\n", s}')
	[ "$got" = "$expect" ] || bad="$bad $(basename "$f"):collapsed=$got/$expect"
	"$RS_PLAIN" convert -q "$f" -o "$b.cpuprofile" 2>/dev/null || { bad="$bad $(basename "$f"):cpuprofile-convert"; continue; }
	got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(round((d["endTime"] - d["startTime"]) * 1000))' "$b.cpuprofile")
	[ "$got" = "$expect" ] || bad="$bad $(basename "$f"):cpuprofile=$got/$expect"
	# speedscope (2-8 s a file) reads only the files we generated (make corpus);
	# third-party names are <owner>-<repo>__<path> (corpus/README.md)
	case ${f##*/} in *__*) continue ;; *) [ $have_tools = 1 ] || continue ;; esac
	for x in folded cpuprofile; do
		node "$TOOLS/speedscope-load.js" "$b.$x" --fail-empty >"$b.ss" 2>/dev/null ||
			{ bad="$bad $(basename "$f"):speedscope-rejects-$x"; continue; }
		got=$(python3 -c 'import json,sys; ps=json.load(open(sys.argv[1]))["export"]["profiles"]; print(round(sum(p["totalWeight"] * {"microseconds": 1000}.get(p.get("unit"), 1) for p in ps)))' "$b.ss")
		[ "$got" = "$expect" ] || bad="$bad $(basename "$f"):speedscope-$x=$got/$expect"
		spoke=$((spoke + 1))
	done
done
if [ $checked -eq 0 ]; then fail "events-stacks: corpus" "no event-only Chrome trace was found to check"
elif [ -z "$bad" ]; then pass "events-stacks: $checked event-only corpus traces: pprof (go tool pprof), collapsed, .cpuprofile totals = covered time"
else fail "events-stacks: corpus" "$checked checked; wrong:$bad"; fi
