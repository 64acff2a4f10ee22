# Helpers for tests/t/record-*.sh (sourced after tests/lib.sh): builds the
# workloads, checks that perf_event_open is permitted, and queries sessions.
WL=$TOP/$BUILD/workloads

# record_ready NAME: 0 when the workloads are built and sampling works;
# otherwise prints SKIP lines for NAME with the reason.
record_ready() {
	if ! tests/workloads/record/build.sh "$WL" >"$T/build.log" 2>&1; then
		skip "$1" "workloads did not build: $(tail -3 "$T/build.log" | tr '\n' ' ')"
		return 1
	fi
	"$RS" record -q --duration 0.05 -o "$T/probe.session.json" -- /bin/true >/dev/null 2>"$T/probe.err"
	local rc=$?
	if [ $rc -eq 4 ] && grep -q perf_event_open "$T/probe.err"; then
		skip "$1" "perf_event_open not permitted here: $(head -c 300 "$T/probe.err")"
		return 1
	fi
	return 0
}

# q FILE PYTHON-EXPR: evaluates the expression with d = the session JSON and
# helpers; prints the result.
q() {
	python3 - "$1" "$2" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
F = d.get("frames", []); S = d.get("stacks", {"parent": [], "frame": []})
P, FR = S["parent"], S["frame"]
sm = d.get("samples", {}); stacks = sm.get("stack", [])
def path(i):
    r = []
    while i is not None and i >= 0:
        r.append(F[FR[i]]); i = P[i]
    return r[::-1]
def leaf(i): return F[FR[i]] if i is not None and i >= 0 else None
def func(i):  # the out-of-line function running: the leaf, past inlined frames
    while P[i] >= 0 and F[FR[i]].get("inline"):
        i = P[i]
    return F[FR[i]]["name"]
self_c = collections.Counter(func(s) for s in stacks if s is not None and s >= 0)
top = [n for n, _ in self_c.most_common()]
def frame(name): return next((f for f in F if f["name"] == name), None)
named = sum(1 for s in stacks if s is not None and s >= 0 and leaf(s).get("kind", "unknown") != "unknown")
sym_pct = 100.0 * named / max(1, len(stacks))
counters = {c["name"]: c for c in d.get("counters", [])}
print(eval(sys.argv[2]))
PY
}

# qcheck NAME FILE PYTHON-EXPR: PASS when the expression is True.
qcheck() {
	local r
	r=$(q "$2" "$3" 2>&1)
	if [ "$r" = True ]; then pass "$1"; else fail "$1" "not true: $3 ($r)"; fi
}

# perf_usable: 0 when `perf record -e cpu-clock --call-graph dwarf` and
# `perf script` work here; otherwise PERF_WHY says why.
perf_usable() {
	PERF_WHY=
	if ! command -v perf >/dev/null; then
		PERF_WHY="perf is not installed"
	elif ! perf record -q -e cpu-clock -F 499 --call-graph dwarf -o "$T/probe.perf.data" -- /bin/true \
		>/dev/null 2>"$T/probe.perf.err"; then
		PERF_WHY="perf record does not work here: $(head -c 300 "$T/probe.perf.err" | tr '\n' ' ')"
	elif ! perf script -i "$T/probe.perf.data" >/dev/null 2>"$T/probe.perf.err"; then
		PERF_WHY="perf script does not work here: $(head -c 300 "$T/probe.perf.err" | tr '\n' ' ')"
	fi
	[ -z "$PERF_WHY" ]
}

# unwind_stats OUT IN FUNC...: writes to OUT (JSON) the inclusive share of
# each FUNC in IN (the fraction of samples whose stack holds it), the
# fraction of truncated stacks (the root frame is not where a process or a
# thread starts: _start, main, __libc_start_main, start_thread, clone...),
# the roots seen, the sample count n, the samples with a user frame n_user,
# and extra.record. IN is a session JSON (*.json) or the text of
# `perf script -F comm,tid,ip,sym` (samples separated by blank lines, leaf
# first).
unwind_stats() {
	python3 - "$@" <<'PY'
import collections, json, re, sys
out, src, funcs = sys.argv[1], sys.argv[2], sys.argv[3:]
ROOTS = {"_start", "main", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
         "start_thread", "clone", "__clone", "clone3", "__clone3"}
stacks, user, extra = [], 0, {}
if src.endswith(".json"):
    d = json.load(open(src))
    F = d.get("frames", []); S = d.get("stacks", {"parent": [], "frame": []})
    extra = (d.get("extra") or {}).get("record", {})
    for i in d.get("samples", {}).get("stack", []):
        p = []
        while i is not None and i >= 0:
            p.append(F[S["frame"][i]]); i = S["parent"][i]
        user += any(f.get("kind") != "kernel" for f in p)
        stacks.append([f["name"] for f in reversed(p)])
else:
    for block in re.split(r"\n\s*\n", open(src).read()):
        lines = [l for l in block.split("\n") if l.strip() and not l.startswith("#")]
        if not lines:
            continue
        p = []
        for l in lines[1:]:
            m = re.match(r"\s*([0-9a-f]+)\s+(.*?)(?: \(inlined\))?$", l)
            if m:
                p.append((m.group(1), re.sub(r"@@?GLIBC_[0-9.]+$", "", m.group(2))))
        user += any(not a.startswith("ffffffff") for a, _ in p)
        stacks.append([n for _, n in reversed(p)])
n = len(stacks)
has = collections.Counter(f for p in stacks for f in set(p) & set(funcs))
roots = collections.Counter(p[0] if p else "(empty)" for p in stacks)
json.dump({"n": n, "n_user": user, "share": {f: has[f] / max(1, n) for f in funcs},
           "truncated": sum(v for r, v in roots.items() if r not in ROOTS) / max(1, n),
           "roots": dict(roots.most_common(6)), "extra_record": extra}, open(out, "w"))
PY
}

# ucheck NAME PYTHON-EXPR STATS...: S[i] is the i-th STATS file written by
# unwind_stats, shares(st) a short text of its shares; the expression gives
# (ok, detail). PASS when ok, else FAIL with the detail (measured numbers).
ucheck() {
	local name=$1 expr=$2 r
	shift 2
	r=$(python3 - "$expr" "$@" <<'PY' 2>&1
import json, sys
S = [json.load(open(f)) for f in sys.argv[2:]]
def shares(st):
    return "n=%d " % st["n"] + " ".join("%s=%.1f%%" % (f.split("::")[-1], 100 * v) for f, v in st["share"].items())
ok, detail = eval(sys.argv[1])
print("True" if ok else detail)
PY
)
	if [ "$r" = True ]; then pass "$name"; else fail "$name" "$r"; fi
}
