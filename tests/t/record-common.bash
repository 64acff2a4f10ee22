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
