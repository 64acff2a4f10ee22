# speedscope JSON (docs/speedscope.md): the corpus files import, the invalid
# ones exit 3 naming the event; speedscope → session → speedscope keeps the
# frames, weights and events in order; session → speedscope → session is
# byte-identical; what we write passes speedscope's schema and loads in the
# speedscope app with the totals we wrote.
. tests/lib.sh

# Frames by name, and per profile the samples+weights or the events.
cat >"$T/ss-norm.py" <<'PY'
import json, sys
def norm(path):
    d = json.load(open(path))
    fr = d['shared']['frames']
    name = lambda i: (fr[i]['name'], fr[i].get('file'), fr[i].get('line'), fr[i].get('col'))
    out = []
    for p in d['profiles']:
        q = {k: p.get(k) for k in ('type', 'name', 'unit', 'startValue', 'endValue')}
        if p['type'] == 'sampled':
            q['samples'] = [[name(i) for i in s] for s in p['samples']]
            q['weights'] = [float(w) for w in p['weights']]
        else:
            q['events'] = [(e['type'], name(e['frame']), float(e['at'])) for e in p['events']]
        out.append(q)
    top = {k: d.get(k) for k in ('name', 'exporter', 'activeProfileIndex') if k in d}
    return out, top
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a[0] != b[0]:
    print('profiles differ:', json.dumps(a[0])[:300], '\nvs', json.dumps(b[0])[:300]); sys.exit(1)
for k, v in a[1].items():
    if b[1].get(k) != v:
        print('top-level', k, 'differs:', v, b[1].get(k)); sys.exit(1)
PY

if [ ! -d "$CORPUS/speedscope" ]; then
	fail "speedscope corpus" "no $CORPUS/speedscope"
else
	n=0
	for f in $(corpus_files speedscope); do
		b=${f##*/}
		n=$((n + 1))
		expect_exit "speedscope import $b" 0 "$RS" convert "$f" -o "$T/s.session.json"
		check "speedscope sniffed $b" grep -q '"format":"speedscope"' "$T/s.session.json"
		"$RS" convert "$T/s.session.json" -o "$T/s.speedscope.json"
		check "speedscope → session → speedscope keeps frames, weights, events: $b" \
			python3 "$T/ss-norm.py" "$f" "$T/s.speedscope.json"
		"$RS" convert "$T/s.speedscope.json" -o "$T/s2.session.json"
		check "speedscope → session → speedscope → session is stable: $b" cmp -s "$T/s.session.json" "$T/s2.session.json"
	done
	check "speedscope corpus: some valid files checked ($n; 0 means no valid speedscope row in $CORPUS/MANIFEST.tsv)" test "$n" -gt 0
	inv="$CORPUS/speedscope/invalid"
	expect_exit "speedscope unclosed frame is exit 3" 3 "$RS" convert "$inv/jlfwong-speedscope__sample__profiles__speedscope__invalid__incomplete-trace.json" -o "$T/x.json"
	expect_err "speedscope unclosed frame is named" '\$\.profiles\[0\]\.events: frame 0 is opened but never closed'
	expect_exit "speedscope out-of-order close is exit 3" 3 "$RS" convert "$inv/jlfwong-speedscope__sample__profiles__speedscope__invalid__out-of-order-events.json" -o "$T/x.json"
	expect_err "speedscope out-of-order close names the event" '\$\.profiles\[0\]\.events\[6\]: closes frame 1'
	check "speedscope failed import leaves no output" test ! -e "$T/x.json"

	# evented → intervals + samples of the open stack per stretch
	"$RS" convert "$CORPUS/speedscope/jlfwong-speedscope__sample__profiles__speedscope__0.0.1__simple-no-pretty-print.speedscope.json" -o "$T/ev.json"
	check "speedscope evented: one interval per O/C pair" test "$(grep -o '"start_ns"' "$T/ev.json" | wc -l)" -eq 5
	check "speedscope evented: stretches become samples totalling 14" \
		python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(sum(d['samples']['values'][0]) != 14)" "$T/ev.json"
fi

# Hand-made edge cases: bad input is exit 3 with a JSON path.
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","name":"p","unit":"none","startValue":0,"endValue":1,"samples":[[0,5]],"weights":[1]}]}' >"$T/oob.json"
expect_exit "speedscope frame index out of range is exit 3" 3 "$RS" convert --from speedscope "$T/oob.json" -o "$T/x.json"
expect_err "speedscope out-of-range frame is named" 'samples\[0\]: frame 5 is not below 1'
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","name":"p","unit":"none","startValue":0,"endValue":1,"samples":[[0],[0]],"weights":[1]}]}' >"$T/w.json"
expect_exit "speedscope samples/weights mismatch is exit 3" 3 "$RS" convert --from speedscope "$T/w.json" -o "$T/x.json"
expect_err "speedscope mismatch is explained" '2 samples but 1 weights'
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","name":"p","unit":"none","startValue":0,"endValue":1,"samples":[[0]],"weights":["x"]}]}' >"$T/ws.json"
expect_exit "speedscope string weight is exit 3" 3 "$RS" convert --from speedscope "$T/ws.json" -o "$T/x.json"
expect_err "speedscope string weight names its path" '\$\.profiles\[0\]\.weights\[0\]: expected a weight'
printf '{"shared":{"frames":[]},"profiles":[]' >"$T/trunc.json"
expect_exit "speedscope truncated file is exit 3" 3 "$RS" convert --from speedscope "$T/trunc.json" -o "$T/x.json"

# session → speedscope → session, and the readers' view of what we write.
for f in corpus/examples/*.session.json; do
	b=${f##*/}
	"$RS" convert "$f" -o "$T/norm.session.json"
	"$RS" convert "$f" -o "$T/e.speedscope.json" && "$RS" convert "$T/e.speedscope.json" -o "$T/back.session.json"
	check "session → speedscope → session byte-identical: $b" cmp -s "$T/norm.session.json" "$T/back.session.json"
done
# An edited file falls back to the plain profiles, with a warning.
"$RS" convert corpus/examples/demo.session.json -o "$T/demo.speedscope.json"
python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); d['profiles'][0]['weights'][0]+=1; json.dump(d,open(sys.argv[2],'w'))" "$T/demo.speedscope.json" "$T/edited.speedscope.json"
expect_exit "speedscope edited file still imports" 0 "$RS" convert "$T/edited.speedscope.json" -o "$T/edited.json"
expect_err "speedscope edited file warns" 'does not match'

if ! tools_ready; then
	skip "speedscope readers" "$tools_why"
	exit 0
fi
for f in corpus/examples/*.session.json "$CORPUS"/speedscope/*.json; do
	b=${f##*/}
	b=${b%%.*}
	"$RS" convert -q "$f" -o "$T/$b.speedscope.json" 2>/dev/null
	node "$TOOLS/speedscope-schema-check.js" "$T/$b.speedscope.json" >"$T/schema.json" 2>&1
	check "speedscope schema accepts ours: $b" grep -q '"ok": true' "$T/schema.json"
done
# The app loads it and shows the same total (sampled: the sum of weights;
# evented: the time covered by root frames, which the app reports too).
for b in demo unknown-members; do
	node "$TOOLS/speedscope-load.js" "$T/$b.speedscope.json" --fail-empty >"$T/load.json" 2>"$T/err"
	check "speedscope app loads ours: $b" grep -q '"ok": true' "$T/load.json"
	got=$(python3 -c "import json,sys; print([round(p['totalWeight'],6) for p in json.load(open(sys.argv[1]))['export']['profiles']])" "$T/load.json" 2>&1)
	want=$(python3 - "$T/$b.speedscope.json" <<'PY'
import json, sys
def total(p):
    if p['type'] == 'sampled':
        return sum(p['weights'])
    t, depth, start = 0, 0, 0
    for e in p['events']:
        if e['type'] == 'O':
            if depth == 0:
                start = e['at']
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                t += e['at'] - start
    return t
print([round(total(p), 6) for p in json.load(open(sys.argv[1]))['profiles']])
PY
)
	echo "speedscope totals $b: app $got, ours $want"
	check "speedscope app totals of $b ($got) are ours ($want)" test "$got" = "$want"
done
