# rustscope roundtrip: per-file routes, the matrix over corpus/ (no
# unexpected loss anywhere), the JSON for CI, the expected-loss table.
. tests/lib.sh
EX=corpus/examples
expect_exit "roundtrip: bundled examples lose nothing unexpected" 0 $RS roundtrip $EX/*.json
check "roundtrip: table lists every route" grep -q "^  pprof " "$T/out"
expect_exit "roundtrip: --json" 0 $RS roundtrip --json --via pprof $EX/demo.session.json
check "roundtrip: json parses" python3 -c "
import json,sys; d=json.load(open('$T/out')); r=d['files'][0]['routes'][0]
sys.exit(0 if r['via']=='pprof' and r['status']=='pass' else 1)"
# the table on the examples; the whole corpus once, as JSON
expect_exit "roundtrip: matrix over corpus/examples" 0 $RS roundtrip --matrix "$CORPUS/examples"
check "roundtrip: matrix table" grep -q "source \\\\ via" "$T/out"
expect_exit "roundtrip: matrix over corpus/" 0 $RS roundtrip --matrix "$CORPUS" --json
cp "$T/out" "$T/matrix.json"
check "roundtrip: matrix json has cells" python3 -c "
import json,sys; m=json.load(open('$T/matrix.json'))['matrix']
bad=[(s,v,c) for s in m for v,c in m[s].items() if c['fail'] or c['error']]
print(bad); sys.exit(1 if bad or 'pprof' not in m else 0)"
check "roundtrip: matrix went through corpus files" python3 -c "
import json,sys; n=sum(1 for f in json.load(open('$T/matrix.json'))['files'] if f['routes'])
print(n, 'files with routes'); sys.exit(n == 0)"
# the expected-loss table: errors name the line; a table is honoured
printf 'pprof\tnosuch\twhy\n' > $T/bad.tsv
expect_exit "roundtrip: bad expected table" 3 $RS roundtrip --expected $T/bad.tsv $EX/demo.session.json
expect_err "roundtrip: bad table names file and line" "bad.tsv:1:"
expect_exit "roundtrip: unreadable file is exit 3" 3 $RS roundtrip tests/bad/truncated.session.json
expect_exit "roundtrip: unknown --via" 2 $RS roundtrip --via nosuch $EX/demo.session.json

# --native: the embedded session ignored, so each format shows what it carries
expect_exit "roundtrip --native: losses are all expected ones" 0 $RS roundtrip --native $EX/demo.session.json
check "roundtrip --native: collapsed loses the time axis, expectedly" grep -qE "^  collapsed .* ~[0-9]+ " "$T/out"
check "roundtrip --native: the reason is printed" grep -q "collapsed   times      no time axis" "$T/out"
printf '# nothing is expected\n' > $T/none.tsv
expect_exit "roundtrip --native: an unlisted loss is a failure (exit 1)" 1 $RS roundtrip --native --expected $T/none.tsv --via collapsed $EX/demo.session.json
check "roundtrip --native: LOST shown" grep -q "LOST" "$T/out"
expect_exit "roundtrip --native: matrix over corpus/" 0 $RS roundtrip --native --matrix "$CORPUS"
check "roundtrip --native: the matrix has rows (source (N files))" grep -qE "^[a-z-]+ \([1-9][0-9]* *\)" "$T/out"
