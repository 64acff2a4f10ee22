#!/usr/bin/env bash
# Chrome traces and .cpuprofiles of corpus/ (MANIFEST.tsv): every valid file
# imports; Chrome → session → Chrome keeps every event we model (multiset
# after tests/chrome-normalize.py); .cpuprofile → session → .cpuprofile
# keeps every sample's stack and time.
. tests/lib.sh
n=0 bad=0 rt=0 rtbad=0
while IFS=$'\t' read -r path fmt expected _; do
	case $fmt in chrome|cpuprofile) ;; *) continue ;; esac
	f=$CORPUS/$path
	"$RS" convert -q "$f" -o "$T/c.session.json" 2>"$T/err"
	rc=$?
	want=0; [ "$expected" = valid ] || want=3
	n=$((n + 1))
	if [ "$rc" -ne "$want" ]; then
		bad=$((bad + 1)); fail "chrome-corpus-import" "$path: exit $rc, wanted $want: $(head -c 300 "$T/err")"
		continue
	fi
	[ "$rc" -eq 0 ] || continue
	out=$T/c.trace.json; [ "$fmt" = cpuprofile ] && out=$T/c.cpuprofile
	"$RS" convert -q "$T/c.session.json" -o "$out" 2>"$T/err" || { rtbad=$((rtbad + 1)); fail chrome-corpus-export "$path: $(head -c 300 "$T/err")"; continue; }
	rt=$((rt + 1))
	if [ "$fmt" = chrome ]; then
		python3 tests/chrome-normalize.py "$f" "$out" >"$T/cmp" 2>&1 || { rtbad=$((rtbad + 1)); fail chrome-corpus-roundtrip "$path: $(head -c 600 "$T/cmp")"; }
	else
		python3 - "$f" "$out" >"$T/cmp" 2>&1 <<'PY' || { rtbad=$((rtbad + 1)); fail cpuprofile-corpus-roundtrip "$path: $(head -c 600 "$T/cmp")"; }
import json, sys, collections
def samples(p):
    d = json.load(open(p))
    if 'head' in d:  # legacy form: nested nodes, ids may repeat (the first wins)
        nodes, par, first = {}, {}, {}
        def walk(n, up):
            k = len(nodes); nodes[k] = n; par[k] = up; first.setdefault(n.get('id'), k)
            for c in n.get('children', []): walk(c, k)
        walk(d['head'], None)
        ids = lambda s: first.get(s)
    else:
        nodes = {n['id']: n for n in d['nodes']}; par = {}
        for n in d['nodes']:
            for c in n.get('children', []): par[c] = n['id']
        ids = lambda s: s
    name = lambda n: (n.get('callFrame', n).get('functionName') or '(anonymous)')
    out = collections.Counter(); t = d.get('startTime', 0); dl = d.get('timeDeltas') or []
    for i, s in enumerate(d['samples']):
        if i < len(dl): t += dl[i]
        path = []; cur = ids(s)
        while cur is not None and cur in nodes:
            if not (par.get(cur) is None and name(nodes[cur]) == '(root)'): path.append(name(nodes[cur]))
            cur = par.get(cur)
        out[(round(t, 3) if dl else None, tuple(path))] += 1
    return out
a, b = samples(sys.argv[1]), samples(sys.argv[2])
if any(t is None for t, _ in a):  # the original has no times: compare stacks only
    b2 = collections.Counter()
    for (_, p), c in b.items(): b2[(None, p)] += c
    b = b2
if a != b:
    print('differ:', list((a - b).items())[:2], list((b - a).items())[:2]); sys.exit(1)
print('same', sum(a.values()))
PY
	fi
done < "$CORPUS/MANIFEST.tsv"
[ "$n" -gt 0 ] || fail chrome-corpus-import "0 chrome or cpuprofile files in $CORPUS/MANIFEST.tsv"
[ "$rt" -gt 0 ] || fail chrome-corpus-roundtrip "0 files went through the round trip"
[ "$bad" -eq 0 ] && [ "$n" -gt 0 ] && pass "chrome-corpus-import ($n files)"
[ "$rtbad" -eq 0 ] && [ "$rt" -gt 0 ] && pass "chrome-corpus-roundtrip ($rt files: same events / samples after normalization)"
true
