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

# unwind_stats OUT "FUNC..." TAG=IN...: writes to OUT a JSON object, for
# each TAG whose IN is a non-empty file: the inclusive share of each FUNC
# (the fraction of samples whose stack holds it), the fraction of truncated
# stacks (the root frame is not where a process or a thread starts: _start,
# main, __libc_start_main, start_thread, clone, ld.so's _dl_start_user...),
# the main roots, the sample count n, the samples with a user frame n_user,
# and extra.record.
# IN is a session JSON (*.json) or the text of `perf script -F
# comm,tid,ip,sym` (samples separated by blank lines, leaf first).
unwind_stats() {
	python3 - "$@" <<'PY'
import collections, json, os, re, sys
out, funcs = sys.argv[1], sys.argv[2].split()
ROOTS = {"_start", "main", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
         "start_thread", "clone", "__clone", "clone3", "__clone3", "_dl_start_user"}
def stats(src):
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
    return {"n": n, "n_user": user, "share": {f: has[f] / max(1, n) for f in funcs},
            "truncated": sum(v for r, v in roots.items() if r not in ROOTS) / max(1, n),
            "roots": dict(roots.most_common(6)), "extra_record": extra}
res = {}
for a in sys.argv[3:]:
    tag, src = a.split("=", 1)
    if os.path.isfile(src) and os.path.getsize(src) > 0:
        res[tag] = stats(src)
json.dump(res, open(out, "w"), indent=1)
PY
}

# uchecks STATS: checks read from stdin, one a line, "NAME<TAB>EXPR"; S is
# the object unwind_stats wrote, shares(S[TAG]) a short text of a
# recording's shares. EXPR gives (ok, detail): PASS when ok is true, SKIP
# with the detail as the reason when ok is None, else FAIL with the detail
# (the measured numbers). One python for all of them.
uchecks() {
	local v n r out
	out=$(python3 -c '
import json, sys
S = json.load(open(sys.argv[1]))
def shares(st):
    return "n=%d " % st["n"] + " ".join("%s=%.1f%%" % (f.split("::")[-1], 100 * v) for f, v in st["share"].items())
for line in sys.stdin:
    if not line.strip():
        continue
    name, expr = line.rstrip("\n").split("\t", 1)
    try:
        ok, detail = eval(expr)
    except Exception as e:
        ok, detail = False, "%s: %s" % (type(e).__name__, e)
    v = "SKIP" if ok is None else "PASS" if ok else "FAIL"
    print("%s\t%s\t%s" % (v, name, " ".join(str(detail).split())))
' "$1" 2>&1) || { fail "uchecks $1" "$out"; return 0; }
	while IFS=$'\t' read -r v n r; do
		case $v in
		"") ;;
		PASS) pass "$n" ;;
		SKIP) skip "$n" "$r" ;;
		*) fail "$n" "$r" ;;
		esac
	done <<<"$out"
}
