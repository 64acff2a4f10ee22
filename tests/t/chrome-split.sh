#!/usr/bin/env bash
# Big traces are read on two threads (lib/json_split.c). Forced onto small
# files with RUSTSCOPE_SPLIT_MIN_BYTES=1, the split read must give exactly
# what the one-thread read gives: the same session, the same warnings, the
# same errors (message, JSON path, byte offset, exit code), wherever in the
# second thread's share the problem is.
. tests/lib.sh
one() { RUSTSCOPE_SPLIT_MIN_BYTES=999999999999 "$RS" convert "$1" -o "$T/one.session.json" --to session >"$T/one.err" 2>&1; echo "exit $?" >>"$T/one.err"; }
two() { RUSTSCOPE_SPLIT_TRACE=1 RUSTSCOPE_SPLIT_MIN_BYTES=1 "$RS" convert "$1" -o "$T/two.session.json" --to session >"$T/two.raw" 2>&1; echo "exit $?" >>"$T/two.raw"; grep -v '^rustscope: split at byte' "$T/two.raw" >"$T/two.err"; }
same() { # NAME FILE: one- and two-thread reads agree; the split was taken
	rm -f "$T/one.session.json" "$T/two.session.json"
	one "$2"; two "$2"
	if ! grep -q 'split at byte .*: taken' "$T/two.raw"; then fail "$1" "the split was not taken: $(head -c 300 "$T/two.raw")"
	elif ! cmp -s "$T/one.err" "$T/two.err"; then fail "$1" "stderr differs: $(diff "$T/one.err" "$T/two.err" | head -c 600)"
	elif [ -f "$T/one.session.json" ] && ! cmp -s "$T/one.session.json" "$T/two.session.json"; then fail "$1" "sessions differ"
	elif [ -f "$T/two.session.json" ] && [ ! -f "$T/one.session.json" ]; then fail "$1" "only the split read wrote a session"
	else pass "$1"; fi
}

python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
ev = [{"ph": "X", "name": "f%d" % i, "cat": "c", "pid": 1, "tid": 1 + i % 3, "ts": i * 10, "dur": 5,
       "args": {"a": i, "s": "x y\\u00e9"}} for i in range(200)]
ev[20] = {"ph": "C", "name": "heap", "pid": 1, "ts": 200, "args": {"used": 5}}
for i in (120, 130):
    ev[i] = {"ph": "B" if i == 120 else "E", "name": "be", "pid": 1, "tid": 1, "ts": i * 10}
def dump(evs, name):
    body = ',\n'.join(e if isinstance(e, str) else json.dumps(e, separators=(',', ':')) for e in evs)
    open(f"{d}/{name}.json", "w").write('{"traceEvents":[\n' + body + '\n],"metadata":{"x":1}}')
dump(ev, "ok")
dump(ev[:150] + [dict(ev[150], ts="abc")] + ev[151:], "bad-ts")
dump(ev[:160] + ['{"ph":"X","name":"f" x}'] + ev[161:], "bad-syntax")
dump(ev[:160] + ['5'] + ev[161:], "bad-scalar")
dump(ev[:160] + [{"ph": "P", "sf": "3", "ts": 5, "pid": 1, "tid": 1}] + ev[161:], "p-sf")
dump(ev[:160] + [{"ph": "X", "name": "s" * 5000, "ts": 1, "dur": 1, "pid": 1, "tid": 1}] + ev[161:], "long-string")
s = open(f"{d}/ok.json").read()
open(f"{d}/truncated-object.json", "w").write(s[:-5000])
arr = '[\n' + ',\n'.join(json.dumps(e) for e in ev) + '\n'
open(f"{d}/array-open.json", "w").write(arr)
open(f"{d}/array-truncated.json", "w").write(arr[:-300])
open(f"{d}/pretty.json", "w").write(json.dumps({"traceEvents": ev}, indent=2))
PY
for f in ok bad-ts bad-syntax bad-scalar p-sf truncated-object array-open array-truncated pretty; do
	same "chrome-split-$f" "$T/$f.json"
done
# the second thread records every event to the end of the array, a P event
# with "sf" (interned only on replay) included
same chrome-split-p-sf-recorded "$T/p-sf.json"
end=$(sed -n 's/.*records to byte \([0-9]*\).*/\1/p' "$T/two.raw")
size=$(stat -c %s "$T/p-sf.json")
if [ -n "$end" ] && [ "$end" -gt $((size - 100)) ]; then pass "chrome-split-p-sf-to-the-end"
else fail "chrome-split-p-sf-to-the-end" "records end at byte ${end:-?} of $size"; fi
# a limit hit inside the second thread's share
RUSTSCOPE_SPLIT_MIN_BYTES=999999999999 "$RS" convert "$T/long-string.json" -o "$T/x.json" --max-string-bytes 4000 >"$T/one.err" 2>&1
RUSTSCOPE_SPLIT_TRACE=1 RUSTSCOPE_SPLIT_MIN_BYTES=1 "$RS" convert "$T/long-string.json" -o "$T/x.json" --max-string-bytes 4000 2>&1 | grep -v '^rustscope: split at byte' >"$T/two.err"
if grep -q 'traceEvents\[160\]' "$T/one.err" && cmp -s "$T/one.err" "$T/two.err"; then pass chrome-split-limit
else fail chrome-split-limit "$(cat "$T/one.err" "$T/two.err" | head -c 600)"; fi

# every trace of the corpus, split wherever 30% of it falls
n=0 bad=0
for f in $(corpus_files chrome); do
	case $f in *.gz) continue ;; esac
	one "$f"; two "$f"; n=$((n + 1))
	if ! cmp -s "$T/one.err" "$T/two.err" || { [ -f "$T/one.session.json" ] && ! cmp -s "$T/one.session.json" "$T/two.session.json"; }; then
		bad=$((bad + 1)); fail chrome-split-corpus "$f: one- and two-thread reads differ"
	fi
	rm -f "$T/one.session.json" "$T/two.session.json"
done
if [ "$n" -eq 0 ]; then fail chrome-split-corpus "0 uncompressed chrome files in $CORPUS/MANIFEST.tsv"
elif [ "$bad" -eq 0 ]; then pass "chrome-split-corpus ($n traces)"; fi
