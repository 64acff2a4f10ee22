#!/usr/bin/env bash
# Session JSON against the JSON Schema (schema/profile-session.v1.schema.json),
# with a real validator: Debian's python3-jsonschema, Draft 2020-12.
#  - the schema itself is a valid 2020-12 schema;
#  - every bundled example corpus/examples/*.session.json validates, and also
#    follows the cross-reference rules of `rustscope validate` (checked here
#    by an independent Python reading of schema/README.md §Validation rules);
#  - what `rustscope convert` writes for the demo validates (SKIP until built);
#  - broken documents are rejected by the schema.
. tests/lib.sh

PY=/usr/bin/python3
SCHEMA=schema/profile-session.v1.schema.json

if ! [ -x "$PY" ] || ! "$PY" -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then
	fail "jsonschema: validator" "python3-jsonschema (Draft 2020-12) not installed for $PY (apt-get install python3-jsonschema)"
	exit 0
fi

cat >"$T/check.py" <<'PYEOF'
"""check.py MODE SCHEMA FILE...
MODE schema : validate FILEs against SCHEMA, print one line per error.
MODE rules  : apply the cross-reference validation rules, one line per error.
MODE reject : each FILE must be rejected by the schema.
Exit 0 when every file passed the mode's expectation."""
import json, sys
import jsonschema

mode, schema_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
schema = json.load(open(schema_path, encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
V = jsonschema.Draft202012Validator(schema)


def load(path):
    def bad_const(c):
        raise ValueError("non-JSON literal " + c)
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"), parse_constant=bad_const)


def path_of(err):
    p = "$"
    for x in err.absolute_path:
        p += "[%d]" % x if isinstance(x, int) else "." + x
    return p


def rules(d):
    """The cross-reference rules of schema/README.md §Validation rules."""
    e = []
    nf, nm, nt = len(d["frames"]), len(d.get("mappings", [])), len(d.get("threads", []))
    st, sm = d["stacks"], d["samples"]
    ns = len(st["parent"])
    if len(st["frame"]) != ns:
        e.append("$.stacks.frame: %d entries, parent has %d" % (len(st["frame"]), ns))
    for i, p in enumerate(st["parent"]):
        if p >= i:
            e.append("$.stacks.parent[%d]: %d is not < %d" % (i, p, i))
    for i, f in enumerate(st["frame"]):
        if f >= nf:
            e.append("$.stacks.frame[%d]: %d out of range (%d frames)" % (i, f, nf))
    for i, fr in enumerate(d["frames"]):
        if fr.get("mapping", -1) >= nm:
            e.append("$.frames[%d].mapping: out of range" % i)
    n = len(sm["stack"])
    for i, s in enumerate(sm["stack"]):
        if s >= ns:
            e.append("$.samples.stack[%d]: %d out of range (%d stacks)" % (i, s, ns))
    if len(sm["values"]) != len(d["sample_types"]):
        e.append("$.samples.values: %d columns, %d sample_types" % (len(sm["values"]), len(d["sample_types"])))
    for j, col in enumerate(sm["values"]):
        if len(col) != n:
            e.append("$.samples.values[%d]: length %d, stack has %d" % (j, len(col), n))
    for k in ("thread", "time_ns", "labels"):
        if k in sm and len(sm[k]) != n:
            e.append("$.samples.%s: length %d, stack has %d" % (k, len(sm[k]), n))
    for i, t in enumerate(sm.get("thread", [])):
        if t >= nt:
            e.append("$.samples.thread[%d]: out of range" % i)
    for i, v in enumerate(d.get("intervals", [])):
        if v["end_ns"] < v["start_ns"]:
            e.append("$.intervals[%d].end_ns: before start_ns" % i)
        if v.get("thread", -1) >= nt:
            e.append("$.intervals[%d].thread: out of range" % i)
        if v.get("frame", -1) >= nf:
            e.append("$.intervals[%d].frame: out of range" % i)
    for i, c in enumerate(d.get("counters", [])):
        ts = [p[0] for p in c["points"]]
        if ts != sorted(ts):
            e.append("$.counters[%d].points: not in time order" % i)
        if c.get("thread", -1) >= nt:
            e.append("$.counters[%d].thread: out of range" % i)
    for i, m in enumerate(d.get("memory_events", [])):
        if m.get("stack", -1) >= ns:
            e.append("$.memory_events[%d].stack: out of range" % i)
        if m.get("thread", -1) >= nt:
            e.append("$.memory_events[%d].thread: out of range" % i)
    for i, m in enumerate(d.get("markers", [])):
        if m.get("thread", -1) >= nt:
            e.append("$.markers[%d].thread: out of range" % i)
    for i, w in enumerate(d.get("windows", [])):
        if w["end_ns"] < w["start_ns"]:
            e.append("$.windows[%d]: end_ns before start_ns" % i)
    if not d["session"]["id"] or not d["session"]["name"]:
        e.append("$.session: id or name is empty")
    if n and not d["sample_types"]:
        e.append("$.sample_types: empty, but there are samples")
    dst = d.get("default_sample_type")
    if dst is not None and dst not in [t["type"] for t in d["sample_types"]]:
        e.append("$.default_sample_type: not one of the sample types")
    return e


ok = True
for f in files:
    try:
        doc = load(f)
    except Exception as x:  # not JSON at all
        if mode == "reject":
            print("rejected %s: not JSON (%s)" % (f, str(x)[:80]))
            continue
        print("%s: not JSON: %s" % (f, x))
        ok = False
        continue
    errs = sorted(V.iter_errors(doc), key=lambda x: list(x.absolute_path))
    if mode == "schema":
        for x in errs[:10]:
            print("%s: %s: %s" % (f, path_of(x), x.message[:200]))
        ok &= not errs
    elif mode == "reject":
        if errs:
            print("rejected %s: %s: %s" % (f, path_of(errs[0]), errs[0].message[:120]))
        else:
            print("NOT rejected: %s" % f)
            ok = False
    elif mode == "rules":
        if errs:
            print("%s: fails the schema, rules not checked" % f)
            ok = False
            continue
        for x in rules(doc):
            print("%s: %s" % (f, x))
            ok = False
sys.exit(0 if ok else 1)
PYEOF

# 1. The schema is a valid Draft 2020-12 schema.
if "$PY" -c 'import json,sys,jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$SCHEMA" >"$T/o" 2>&1; then
	pass "jsonschema: schema is valid draft 2020-12"
else
	fail "jsonschema: schema is valid draft 2020-12" "$(tail -3 "$T/o")"
fi

# 2. Every bundled example validates and follows the validation rules.
examples=(corpus/examples/*.session.json)
if [ ! -e "${examples[0]}" ]; then
	fail "jsonschema: examples" "no corpus/examples/*.session.json"
fi
for f in "${examples[@]}"; do
	[ -e "$f" ] || continue
	if "$PY" "$T/check.py" schema "$SCHEMA" "$f" >"$T/o" 2>&1; then
		pass "jsonschema: $f validates"
	else
		fail "jsonschema: $f validates" "$(head -5 "$T/o" | tr '\n' ' ')"
	fi
	if "$PY" "$T/check.py" rules "$SCHEMA" "$f" >"$T/o" 2>&1; then
		pass "jsonschema: $f follows the validation rules"
	else
		fail "jsonschema: $f follows the validation rules" "$(head -5 "$T/o" | tr '\n' ' ')"
	fi
done

# 3. What rustscope writes validates.
if [ -x "$RS" ]; then
	for f in "${examples[@]}" corpus/examples/rustscope-v3.json; do
		[ -e "$f" ] || continue
		name="jsonschema: output of convert $f"
		out=$T/out-$(basename "$f" .json).json
		if ! "$RS" convert "$f" -o "$out" >"$T/o" 2>&1; then
			fail "$name" "convert failed: $(head -c 300 "$T/o")"
		elif "$PY" "$T/check.py" schema "$SCHEMA" "$out" >"$T/o" 2>&1 &&
		     "$PY" "$T/check.py" rules "$SCHEMA" "$out" >>"$T/o" 2>&1; then
			pass "$name"
		else
			fail "$name" "$(head -5 "$T/o" | tr '\n' ' ')"
		fi
	done
else
	skip "jsonschema: rustscope output" "$RS not built yet"
fi

# 4. Broken documents are rejected by the schema. Each is the minimal example
# with one defect (schema-level defects only: cross-references are the job of
# `rustscope validate`, see tests/t/bad-input.sh).
"$PY" - "$T" <<'PYEOF'
import copy, json, sys
base = json.load(open("corpus/examples/minimal.session.json"))
demo = json.load(open("corpus/examples/demo.session.json"))
def put(name, doc):
    json.dump(doc, open("%s/broken-%s.json" % (sys.argv[1], name), "w"))
def mut(name, src, fn):
    d = copy.deepcopy(src); fn(d); put(name, d)
mut("no-schema", base, lambda d: d.pop("schema"))
mut("wrong-schema-name", base, lambda d: d.update(schema="pprof"))
mut("version-2", base, lambda d: d.update(schema_version=2))
mut("version-string", base, lambda d: d.update(schema_version="1"))
mut("no-session-id", base, lambda d: d["session"].pop("id"))
mut("no-frames", base, lambda d: d.pop("frames"))
mut("no-samples", base, lambda d: d.pop("samples"))
mut("stacks-no-frame", base, lambda d: d["stacks"].pop("frame"))
mut("line-string", demo, lambda d: d["frames"][3].update(line="ten"))
mut("line-negative", demo, lambda d: d["frames"][3].update(line=-4))
mut("line-fraction", demo, lambda d: d["frames"][3].update(line=4.5))
mut("kind-bogus", demo, lambda d: d["frames"][0].update(kind="python"))
mut("inline-string", demo, lambda d: d["frames"][2].update(inline="yes"))
mut("frame-no-name", demo, lambda d: d["frames"][5].pop("name"))
mut("parent-below-minus-one", demo, lambda d: d["stacks"]["parent"].__setitem__(3, -2))
mut("sample-stack-string", demo, lambda d: d["samples"]["stack"].__setitem__(0, "7"))
mut("value-float", demo, lambda d: d["samples"]["values"][1].__setitem__(0, 1.5))
mut("label-str-and-num", demo, lambda d: d["samples"]["labels"][0].append({"key": "k", "str": "a", "num": 1}))
mut("label-neither", demo, lambda d: d["samples"]["labels"][0].append({"key": "k"}))
mut("memory-kind-bogus", demo, lambda d: d["memory_events"][0].update(kind="mmap"))
mut("interval-no-end", demo, lambda d: d["intervals"][0].pop("end_ns"))
mut("counter-point-3", demo, lambda d: d["counters"][0]["points"].__setitem__(0, [1, 2, 3]))
mut("counter-point-null", demo, lambda d: d["counters"][0]["points"].__setitem__(0, [1, None]))
mut("marker-no-name", demo, lambda d: d["markers"][0].pop("name"))
mut("duration-negative", demo, lambda d: d["session"].update(duration_ns=-1))
mut("sha256-short", demo, lambda d: d["session"].update(source={"sha256": "abc"}))
mut("extra-not-object", demo, lambda d: d["extra"].update(pprof=[1]))
mut("address-too-big", demo, lambda d: d["frames"][0].update(address=2**64))
put("top-level-array", [base])
PYEOF
if "$PY" "$T/check.py" reject "$SCHEMA" "$T"/broken-*.json tests/bad/wrong-type-line.session.json \
	tests/bad/newer-major-version.session.json >"$T/o" 2>&1; then
	pass "jsonschema: $(grep -c '^rejected' "$T/o") broken documents rejected"
else
	fail "jsonschema: broken documents rejected" "$(grep -v '^rejected' "$T/o" | head -5 | tr '\n' ' ')"
fi

# 5. The rules check itself catches the structural bad cases (so that the
# bad files fail for the reason their names give).
for f in tests/bad/frame-index-out-of-range.session.json tests/bad/cyclic-stack-parent.session.json \
	tests/bad/values-columns-not-sample-types.session.json tests/bad/samples-unequal-lengths.session.json \
	tests/bad/stacks-unequal-lengths.session.json tests/bad/index-1e9.session.json \
	tests/bad/interval-end-before-start.session.json tests/bad/counter-points-out-of-order.session.json; do
	[ -e "$f" ] || { fail "jsonschema: rules reject $f" "missing"; continue; }
	if "$PY" "$T/check.py" rules "$SCHEMA" "$f" >"$T/o" 2>&1; then
		fail "jsonschema: rules reject $f" "accepted"
	else
		pass "jsonschema: rules reject $f"
	fi
done
exit 0
