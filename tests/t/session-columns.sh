#!/usr/bin/env bash
# Big session files have their arrays of numbers read ahead on a second
# thread (lib/json_columns.c). Forced onto small files with
# RUSTSCOPE_SPLIT_MIN_BYTES=1 (the second thread then reads every array
# first), the read must give exactly what the one-thread read gives: the
# same session, the same errors (message, JSON path, exit code), whatever
# is wrong inside an array the second thread read. RUSTSCOPE_COLUMNS_CUT=K
# has the second thread stop each array after K elements, as when the first
# thread catches up with it: the first takes those and reads the rest.
. tests/lib.sh
one() { RUSTSCOPE_SPLIT_MIN_BYTES=999999999999 "$RS" convert "$1" -o "$T/one.session.json" "${@:2}" >"$T/one.err" 2>&1; echo "exit $?" >>"$T/one.err"; }
two() { RUSTSCOPE_SPLIT_TRACE=1 RUSTSCOPE_SPLIT_MIN_BYTES=${MIN-1} RUSTSCOPE_COLUMNS_CUT=${CUT-} "$RS" convert "$1" -o "$T/two.session.json" "${@:2}" >"$T/two.raw" 2>&1; echo "exit $?" >>"$T/two.raw"; grep -v '^rustscope: columns read ahead' "$T/two.raw" >"$T/two.err"; }
taken() { sed -n 's/^rustscope: columns read ahead: \([0-9]*\) taken.*/\1/p' "$T/two.raw"; }
same() { # NAME FILE [OPTIONS...]: one- and two-thread reads agree
	rm -f "$T/one.session.json" "$T/two.session.json"
	one "${@:2}"; two "${@:2}"
	if [ -z "$(taken)" ]; then fail "$1" "no columns were read ahead: $(head -c 300 "$T/two.raw")"
	elif ! cmp -s "$T/one.err" "$T/two.err"; then fail "$1" "stderr differs: $(diff "$T/one.err" "$T/two.err" | head -c 600)"
	elif [ -f "$T/one.session.json" ] && ! cmp -s "$T/one.session.json" "$T/two.session.json"; then fail "$1" "sessions differ"
	elif [ -f "$T/two.session.json" ] && [ ! -f "$T/one.session.json" ]; then fail "$1" "only the two-thread read wrote a session"
	else pass "$1"; fi
}
# NAME FILE [OPTIONS...]: as same, and arrays were taken (valid files)
same_taken() {
	same "$@"
	[ "$(taken)" -gt 0 ] 2>/dev/null || fail "$1 (taken)" "no array was taken: $(tail -c 300 "$T/two.raw")"
}

python3 - "$T" corpus/examples/demo.session.json <<'PY'
import copy, json, sys
d, base = sys.argv[1], json.load(open(sys.argv[2]))
def dump(name, s, text=None, indent=None):
    text = text or json.dumps(s, indent=indent, separators=None if indent else (',', ':'))
    open(f"{d}/{name}.session.json", "w").write(text)
def case(name, f):
    s = copy.deepcopy(base)
    f(s)
    dump(name, s)
sm, pts = lambda s: s["samples"], lambda s, i=0: s["counters"][i]["points"]
def setp(path, v):
    def f(s):
        o = s
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = v
    return f
dump("ok", base)
dump("ok-pretty", base, indent=1)
case("time-null", setp(["samples", "time_ns", 1], None))
case("time-string", setp(["samples", "time_ns", 3], "x"))
case("time-double", setp(["samples", "time_ns", 2], 1.5))
case("stack-below", setp(["samples", "stack", 4], -2))
case("stack-above", setp(["samples", "stack", 0], 2147483648))
case("stack-object", setp(["samples", "stack", 2], {"a": 1}))
case("parent-below", setp(["stacks", "parent", 1], -2))
case("frame-none", setp(["stacks", "frame", 1], -1))
case("thread-true", setp(["samples", "thread", 1], True))
case("values-null", setp(["samples", "values", 1, 2], None))
case("values-double", setp(["samples", "values", 0, 2], 2.5))
case("values-flat", setp(["samples", "values"], [1, 2, 3]))
case("values-mixed", setp(["samples", "values"], [[1], 2]))
case("values-deep", setp(["samples", "values", 0, 0], [1]))
case("values-empty", setp(["samples", "values"], []))
case("point-three", lambda s: pts(s)[2].append(5))
case("point-one", lambda s: pts(s)[1].pop())
case("point-empty", setp(["counters", 1, "points", 0], []))
case("point-null", setp(["counters", 0, "points", 0, 1], None))
case("point-string-t", setp(["counters", 2, "points", 0, 0], "x"))
case("point-double-t", setp(["counters", 0, "points", 3, 0], 1.5))
case("points-flat", setp(["counters", 0, "points"], [1, 2]))
case("points-empty", setp(["counters", 0, "points"], []))
def in_strings(s):  # the keys inside strings and captured values are not columns
    s["frames"][0]["name"] = 'a"points":[1,2] "stack" : [3]'
    s["extra"] = {"points": [[1, 2]], "stack": [1, 2], "time_ns": [[]]}
    s["time_ns"] = [4, 5]
case("keys-elsewhere", in_strings)
t = json.dumps(base, separators=(',', ':'))
i = t.index('"time_ns":[') + 11
dump("syntax-in-column", None, t[:i] + "1,," + t[i:])
dump("big-int-in-column", None, t[:i] + "99999999999999999999," + t[i:])
dump("minus-zero-in-column", None, t[:i] + "-0," + t[i + t[i:].index(",") + 1:])
dump("truncated-in-column", None, t[:i + 30])
dump("bom-truncated-in-column", None, "\ufeff" + t[:i + 30])
j = t.index('"stack":[')
dump("stack-twice", None, t[:j] + '"stack":[0,1],' + t[j:])
dump("spaces-in-column", None, t[:i] + " 1 ,\n\t" + t[i:].replace(",", " , ", 3))
PY
for f in ok ok-pretty time-null values-empty points-empty keys-elsewhere minus-zero-in-column spaces-in-column; do
	same_taken "session-columns-$f" "$T/$f.session.json"
done
for f in time-string time-double stack-below stack-above stack-object parent-below frame-none thread-true \
	values-null values-double values-flat values-mixed values-deep point-three point-one point-empty \
	point-null point-string-t point-double-t points-flat syntax-in-column big-int-in-column \
	truncated-in-column bom-truncated-in-column stack-twice; do
	same "session-columns-$f" "$T/$f.session.json"
done
# arrays read in part by the second thread, the rest by the first
for k in 1 2 5; do
	for f in ok ok-pretty time-null keys-elsewhere spaces-in-column; do
		CUT=$k same_taken "session-columns-cut-$k-$f" "$T/$f.session.json"
	done
	for f in time-string stack-below values-null values-deep point-three point-null syntax-in-column \
		truncated-in-column; do
		CUT=$k same "session-columns-cut-$k-$f" "$T/$f.session.json"
	done
done
# the limits, met by arrays the second thread read
same session-columns-max-elements "$T/ok.session.json" --max-elements 5
same session-columns-max-depth "$T/ok.session.json" --max-depth 3
same session-columns-max-depth-rows "$T/ok.session.json" --max-depth 4

# a session above the size where the threads really run side by side
# (1.5 MB), meeting wherever they do: the same session as one thread reads,
# and the same error where the file ends early (in the last array, and in
# one further back; still above that size)
if python3 tests/gen-timeline.py "$T/big.session.json" --seconds 300 --threads 2 >/dev/null; then
	MIN= same session-columns-concurrent "$T/big.session.json"
	size=$(stat -c %s "$T/big.session.json")
	for cut in 100 $((size / 5)); do
		head -c $((size - cut)) "$T/big.session.json" >"$T/big-cut.session.json"
		MIN= same "session-columns-concurrent-truncated-$cut" "$T/big-cut.session.json"
	done
else
	fail session-columns-concurrent "tests/gen-timeline.py failed"
fi

# a big session made of many small arrays (25 000 counters of 2 points):
# left to the first thread, none claimed for nothing
python3 - "$T/many.session.json" corpus/examples/demo.session.json <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
t0 = s["session"]["start_time_ns"]
s["counters"] = [{"name": "c%d" % i, "unit": "count", "points": [[t0, i], [t0 + 1000, i + 0.5]]}
                 for i in range(25000)]
open(sys.argv[1], "w").write(json.dumps(s, separators=(',', ':')))
PY
MIN= same session-columns-many-small-arrays "$T/many.session.json"
if [ "$(taken)" = 0 ]; then pass session-columns-many-small-arrays-left
else fail session-columns-many-small-arrays-left "$(tail -c 200 "$T/two.raw")"; fi

# every session of the corpus
n=0
for f in $(corpus_files session) corpus/examples/*.session.json; do
	same "session-columns-corpus $(basename "$f")" "$f"; n=$((n + 1))
done
[ "$n" -gt 0 ] || fail session-columns-corpus "no session files in $CORPUS/MANIFEST.tsv"
