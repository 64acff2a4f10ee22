# A session's windows[] in the formats' own viewers (docs/chrome.md,
# docs/speedscope.md, docs/pprof.md): Chrome X events on a track of their
# own, speedscope's top-level "rustscope_windows", one pprof comment per
# window. Each file still reads back to the identical session (the
# embedded session has the windows, the native ones are not counted twice),
# and read without that session the native form is what comes back.
. tests/lib.sh
D=$T/win
mkdir -p "$D"

# The demo session with three windows: shares and deltas to pick from
# (a zero delta, a fourth hotspot), self times and a name too long to
# show whole, and one without trigger or hotspots (with an unknown member).
cat >"$D/mk.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t0 = d["session"]["start_time_ns"]
ms = 1000000
d["windows"] = [
    {"start_ns": t0 + 100 * ms, "end_ns": t0 + 200 * ms, "trigger": "snapshot",
     "hotspots": [
         {"name": "wordfreq::count::tally", "crate": "wordfreq", "samples": 9, "share": 0.45},
         {"name": "malloc", "samples": 4, "share": 0.2},
         {"name": "core::hash::sip::Hasher<S>::write", "crate": "core", "samples": 2, "share": 0.1},
         {"name": "wordfreq::main", "samples": 1, "share": 0.05}],
     "counter_deltas": {"fd_count": 400, "rss_bytes": 0, "cpu_percent": -12.5}},
    {"start_ns": t0 + 250 * ms, "end_ns": t0 + 251 * ms, "trigger": "fd_count spike",
     "hotspots": [
         {"name": "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop", "self_ns": 1500000},
         {"name": "std::fs::File::open", "self_ns": 250000}],
     "counter_deltas": {"fd_count": 123456}},
    {"start_ns": t0 + 300 * ms, "end_ns": t0 + 400 * ms,
     "counter_deltas": {"thread_count": 2}, "x_score": 0.5},
]
if len(sys.argv) > 3:  # that many copies of the first window, 1 ms apart
    w = d["windows"][0]
    d["windows"] = [dict(w, start_ns=w["start_ns"] + i * ms, end_ns=w["end_ns"] + i * ms)
                    for i in range(int(sys.argv[3]))]
json.dump(d, open(sys.argv[2], "w"))
PY
python3 "$D/mk.py" corpus/examples/demo.session.json "$D/in.json"
expect_exit "windows: the test session is valid" 0 "$RS" validate "$D/in.json"
"$RS" convert -q "$D/in.json" -o "$D/ref.session.json"

# The comments of a pprof file, decoded without Go (tests/pb.py).
cat >"$D/comments.py" <<'PY'
import gzip, sys
sys.path.insert(0, "tests")
import pb
b = open(sys.argv[1], "rb").read()
b = gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b
f = pb.fields(b)
strings = [v.decode() for k, v in f if k == 6]
for k, v in f:
    if k == 13:
        print(strings[v])
PY

for fmt in trace.json speedscope.json pb.gz; do
	expect_exit "windows via $fmt: exports" 0 "$RS" convert "$D/in.json" -o "$D/w.$fmt"
	expect_exit "windows via $fmt: rustscope validate accepts it" 0 "$RS" validate "$D/w.$fmt"
	"$RS" convert -q "$D/w.$fmt" -o "$D/back.$fmt.session.json"
	check "windows via $fmt: reads back to the identical session (windows not doubled)" \
		cmp "$D/ref.session.json" "$D/back.$fmt.session.json"
done

# --- Chrome: one X event per window on the "rustscope windows" track ---
check "windows chrome: a track of its own with one X event per window" python3 - "$D/w.trace.json" "$D/ref.session.json" <<'PY'
import json, sys
tr, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ev = tr["traceEvents"]
names = [e for e in ev if e["ph"] == "M" and e.get("args") == {"name": "rustscope windows"}]
assert len(names) == 1, names
pid, tid = names[0]["pid"], names[0]["tid"]
assert pid == s["threads"][0]["pid"], pid  # the process of the session's threads
assert all((t.get("pid"), t.get("tid")) != (pid, tid) for t in s["threads"]), tid
on_track = [e for e in ev if e.get("tid") == tid and e["ph"] != "M"]
assert all(e["ph"] == "X" and e["cat"] == "rustscope.window" and e["pid"] == pid for e in on_track), on_track
assert len(on_track) == len(s["windows"]), len(on_track)
for e, w in zip(on_track, s["windows"]):
    assert e["name"] == w.get("trigger", "window"), e["name"]
    assert e["ts"] * 1000 == w["start_ns"] and e["dur"] * 1000 == w["end_ns"] - w["start_ns"], e
    want = {k: w[k] for k in ("hotspots", "counter_deltas") if k in w}
    assert e.get("args", {}) == want, (e.get("args"), want)
assert sum(e.get("cat") == "rustscope.window" for e in ev) == len(s["windows"])
PY

# --- speedscope: the windows as session JSON has them, beside the profiles ---
check "windows speedscope: top-level rustscope_windows is the session's windows[]" python3 - "$D/w.speedscope.json" "$D/ref.session.json" <<'PY'
import json, sys
f, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert f["rustscope_windows"] == s["windows"], f["rustscope_windows"]
assert f["rustscope"]["windows"] == s["windows"]
PY
if tools_ready; then
	expect_exit "windows speedscope: speedscope's schema check accepts the file" 0 \
		node "$TOOLS/speedscope-schema-check.js" "$D/w.speedscope.json"
else
	skip "windows speedscope: speedscope's schema check" "$tools_why"
fi

# --- pprof: one comment per window, after the file's own ---
cat >"$D/want.txt" <<'TXT'
recorded by rustscope record -F 100 -- app wordfreq corpus/enwik-sample.json
window 0.100-0.200 s snapshot: hot count::tally 45%, malloc 20%, Hasher<S>::write 10%; fd_count +400, cpu_percent -12.5
window 0.250-0.251 s fd_count spike: hot <alloc::vec::Vec<T> as core::ops::dro... 1.5ms; fd_count +123k ...
window 0.300-0.400 s: thread_count +2
TXT
python3 "$D/comments.py" "$D/w.pb.gz" >"$D/pb-comments.txt"
check "windows pprof: the comments, decoded (tests/pb.py)" diff "$D/want.txt" "$D/pb-comments.txt"
check "windows pprof: every comment within 120 bytes" awk 'length($0) > 120 { exit 1 }' "$D/pb-comments.txt"
if command -v go >/dev/null 2>&1; then
	go tool pprof -comments "$D/w.pb.gz" >"$D/go-comments.txt" 2>"$D/go.err"
	check "windows pprof: go tool pprof -comments lists them" diff "$D/want.txt" "$D/go-comments.txt"
else
	skip "windows pprof: go tool pprof -comments" "go is not installed (make interop-deps installs golang-go)"
fi
python3 "$D/mk.py" corpus/examples/demo.session.json "$D/many.json" 25
"$RS" convert -q "$D/many.json" -o "$D/many.session.json"
"$RS" convert -q "$D/many.json" -o "$D/many.pb.gz"
python3 "$D/comments.py" "$D/many.pb.gz" >"$D/many.txt"
check "windows pprof: 25 windows give 20 comments and a count of the rest" \
	test "$(grep -c '^window ' "$D/many.txt"),$(tail -n 1 "$D/many.txt")" = "20,(+5 more windows)"
"$RS" convert -q "$D/many.pb.gz" -o "$D/many-back.session.json"
check "windows pprof: 25 windows read back identical" cmp "$D/many.session.json" "$D/many-back.session.json"

# --- read natively (the embedded session taken out): the native forms ---
python3 - "$D" <<'PY'
import gzip, json, sys
sys.path.insert(0, "tests")
import pb
d = sys.argv[1]
tr = json.load(open(d + "/w.trace.json"))
del tr["metadata"]["rustscope"]
json.dump(tr, open(d + "/plain.trace.json", "w"))
ss = json.load(open(d + "/w.speedscope.json"))
del ss["rustscope"]
json.dump(ss, open(d + "/plain.speedscope.json", "w"))
b = gzip.decompress(open(d + "/w.pb.gz", "rb").read())
open(d + "/plain.pb", "wb").write(b"".join(
    pb.msg(k, v) if isinstance(v, bytes) else pb.num(k, v) for k, v in pb.fields(b) if k != 1000))
PY
for fmt in trace.json speedscope.json pb; do
	expect_exit "windows native $fmt: imports" 0 "$RS" convert -q "$D/plain.$fmt" -o "$D/nat.$fmt.session.json"
done
check "windows native chrome: the X events come back as intervals, no windows" python3 - "$D/nat.trace.json.session.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
iv = [i for i in s["intervals"] if i.get("category") == "rustscope.window"]
th = {s["threads"][i["thread"]].get("name") for i in iv}
assert "windows" not in s and len(iv) == 3 and th == {"rustscope windows"}, (len(iv), th)
assert [i["name"] for i in iv] == ["snapshot", "fd_count spike", "window"]
PY
check "windows native pprof: the comments in extra.pprof.comments, no windows" python3 - "$D/nat.pb.session.json" "$D/want.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert "windows" not in s
assert s["extra"]["pprof"]["comments"] == open(sys.argv[2]).read().splitlines(), s["extra"]["pprof"]
PY
check "windows native speedscope: rustscope_windows kept in extra.speedscope, no windows" python3 - "$D/nat.speedscope.json.session.json" "$D/ref.session.json" <<'PY'
import json, sys
s, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert "windows" not in s and s["extra"]["speedscope"]["rustscope_windows"] == ref["windows"]
PY
# exported again: the kept member once, not beside windows of its own
"$RS" convert -q "$D/nat.speedscope.json.session.json" -o "$D/again.speedscope.json"
# windows_once FILE N: FILE has no member twice in any object, and N windows
# under rustscope_windows.
windows_once() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def once(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)
f = json.load(open(sys.argv[1]), object_pairs_hook=once)
assert len(f["rustscope_windows"]) == int(sys.argv[2])
PY
}
check "windows native speedscope: written back once" windows_once "$D/again.speedscope.json" 3
python3 - "$D/nat.speedscope.json.session.json" "$D/in.json" "$D/both.json" <<'PY'
import json, sys
s, src = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s["windows"] = src["windows"][:1]
json.dump(s, open(sys.argv[3], "w"))
PY
"$RS" convert -q "$D/both.json" -o "$D/both.speedscope.json"
check "windows speedscope: the session's windows win over a kept rustscope_windows" windows_once "$D/both.speedscope.json" 1

# --- the formats' own viewers open the files ---
if tools_ready; then
	node "$TOOLS/devtools-trace-load.js" "$D/w.trace.json" --strict --timeout 30 >"$D/dt.json" 2>"$D/dt.err"
	rc=$?
	if [ $rc -eq 2 ]; then
		skip "windows chrome: DevTools opens the trace" "harness could not run: $(head -c 200 "$D/dt.err")"
	else
		check "windows chrome: DevTools opens the trace without complaints" test $rc -eq 0
	fi
	# speedscope reads a trace as one profile per thread: the track is one,
	# covering the windows' 201 ms
	node "$TOOLS/speedscope-load.js" "$D/w.trace.json" --fail-empty >"$D/ss.json" 2>"$D/ss.err"
	rc=$?
	if [ $rc -eq 2 ]; then
		skip "windows chrome: speedscope shows the track" "harness could not run: $(head -c 200 "$D/ss.err")"
	else
		check "windows chrome: speedscope shows the track" python3 - "$D/ss.json" <<'PY'
import json, sys
p = [p for p in json.load(open(sys.argv[1]))["export"]["profiles"] if p["name"].startswith("rustscope windows")]
assert len(p) == 1 and p[0]["unit"] == "microseconds" and p[0]["totalWeight"] == 201000, p
PY
	fi
	expect_exit "windows pprof: go tool pprof accepts the file" 0 "$TOOLS/check-pprof.sh" --strict "$D/w.pb.gz"
else
	skip "windows: the formats' own viewers" "$tools_why"
fi
