#!/usr/bin/env bash
# rustscope compare: the proof on noisy runs of a synthetic workload
# (tests/gen-compare.py: 50 functions, 30 windows of ~1000 samples, noise
# between windows and between runs): a 20 % slowdown of one function is
# flagged in at least 95 % of 40 trials, 100 A/A comparisons flag anything
# in fewer than 5; then mixed input formats, several runs a side, runs
# without timestamps, the metrics, every --ci-output mode, --export-diff
# read by the formats' own readers, and the exit codes.
. tests/lib.sh
GEN="python3 tests/gen-compare.py"
CHK="python3 tests/compare-check.py"
SLOW=app::engine::lex_1 # 11 % of the samples

# --- the proof: detection and A/A rates (fixed seeds: the same data each run) ---
$GEN "$T/base-{}.json" --seed 1000 --count 40 &&
	$GEN "$T/slow-{}.json" --seed 2000 --count 40 --slow $SLOW=1.2 &&
	$GEN "$T/aa-{}.json" --seed 5000 --count 200 || fail compare-gen "tests/gen-compare.py failed"
codes=""
for i in $(seq 0 39); do
	$RS compare --ci-output json "$T/base-$i.json" "$T/slow-$i.json" >"$T/det-$i.res" 2>>"$T/loop.err"
	codes="$codes $?"
done
aa_codes=""
for i in $(seq 0 99); do
	$RS compare --ci-output json "$T/aa-$((2 * i)).json" "$T/aa-$((2 * i + 1)).json" >"$T/aa-$i.res" 2>>"$T/loop.err"
	aa_codes="$aa_codes $?"
done
read -r _ det _ other _ aa < <($CHK rates $SLOW $(seq -f "$T/det-%g.res" 0 39) -- $(seq -f "$T/aa-%g.res" 0 99))
echo "measured: $SLOW 20 % slower flagged in ${det:-?}/40 trials (${other:-?} also flagged another function); A/A: ${aa:-?}/100 flagged anything"
check "compare: a 20 % slowdown is flagged in >= 95 % of 40 trials (${det:-?}/40)" test "${det:-0}" -ge 38
check "compare: 100 A/A comparisons flag anything in < 5 % (${aa:-?}/100)" test "${aa:-100}" -lt 5
check "compare: no errors in the trials" test ! -s "$T/loop.err"
check "compare: exit 1 exactly when a trial fails the gate" python3 -c "
import json,sys
codes = '''$codes'''.split() + '''$aa_codes'''.split()
files = ['$T/det-%d.res' % i for i in range(40)] + ['$T/aa-%d.res' % i for i in range(100)]
sys.exit(any(int(c) != (1 if json.load(open(f))['failures'] else 0) for c, f in zip(codes, files)))"
check "compare: the documented JSON shape" $CHK shape "$T/det-0.res"

# --- the short form, mixed formats, several runs, no timestamps ---
B="$T/base-0.json" C="$T/slow-0.json"
expect_exit "compare: short form, a regression: exit 1" 1 $RS compare "$B" "$C"
check "compare: text names the regression" grep -qE "^  (minor|moderate|critical) +\+[0-9.]+% .* $SLOW\$" "$T/out"
check "compare: text ends with the verdict" sh -c "tail -1 '$T/out' | grep -q '^FAIL: '"
expect_exit "compare: a run against itself: exit 0" 0 $RS compare "$B" "$B"
check "compare: ... PASS" sh -c "tail -1 '$T/out' | grep -q '^PASS: '"
$RS convert "$B" -o "$T/b.pb.gz" 2>/dev/null && $RS convert "$C" -o "$T/c.speedscope.json" 2>/dev/null
expect_exit "compare: pprof against speedscope" 1 $RS compare --ci-output json "$T/b.pb.gz" "$T/c.speedscope.json"
cp "$T/out" "$T/mixed.res"
$RS compare --ci-output json "$B" "$C" >"$T/json.res"
check "compare: mixed formats give the same rows as session JSON" python3 -c "
import json,sys
a, b = json.load(open('$T/mixed.res')), json.load(open('$T/json.res'))
k = ('regressions', 'improvements', 'new', 'vanished', 'unchanged', 'untested', 'tested')
sys.exit(any(a[x] != b[x] for x in k))"
expect_exit "compare: three runs a side" 1 $RS compare --ci-output json --compare-baseline "$T/base-1.json" \
	"$T/base-2.json" "$T/base-3.json" --compare-current "$T/slow-1.json" "$T/slow-2.json" "$T/slow-3.json"
check "compare: three runs a side are 90 windows, the slowdown flagged" python3 -c "
import json,sys
d = json.load(open('$T/out'))
sys.exit(not (d['baseline']['runs'] == 3 and d['current']['observations'] == 90 and
              d['regressions'][0]['name'] == '$SLOW' and len(d['baseline']['files']) == 3))"
expect_exit "compare: --compare-baseline=FILE spelling" 1 $RS compare --compare-baseline="$B" --compare-current "$C"

$GEN "$T/nt-{}.json" --no-times --seed 300 --count 3 && $GEN "$T/ntslow-{}.json" --no-times --seed 400 --count 3 --slow $SLOW=1.5
expect_exit "compare: no timestamps, one run a side: nothing tested, exit 0" 0 $RS compare "$T/nt-0.json" "$T/ntslow-0.json"
check "compare: ... says why" grep -q "note: one observation per run" "$T/out"
expect_exit "compare: no timestamps, three runs a side" 1 $RS compare --ci-output json \
	--compare-baseline "$T"/nt-{0,1,2}.json --compare-current "$T"/ntslow-{0,1,2}.json
check "compare: ... one value per run, a 50 % slowdown flagged" python3 -c "
import json,sys
d = json.load(open('$T/out'))
sys.exit(not (d['observations'] == 'runs' and d['baseline']['observations'] == 3 and
              '$SLOW' in [r['name'] for r in d['regressions']]))"

# --- metrics ---
expect_exit "compare: --metric total" 1 $RS compare --ci-output json --metric total "$B" "$C"
check "compare: total: lang_start is on every stack, unchanged" python3 -c "
import json,sys
d = json.load(open('$T/out'))
sys.exit(not ('$SLOW' in [r['name'] for r in d['regressions']] and d['unit'] == 'share' and
              all(r['name'] != 'std::rt::lang_start' for r in d['regressions'] + d['improvements'])))"
$GEN "$T/sp-a.json" --spans --seed 11 && $GEN "$T/sp-b.json" --spans --seed 12 --slow app::net::emit_2=1.3
$RS convert "$T/sp-a.json" -o "$T/sp-a.trace.json" 2>/dev/null && $RS convert "$T/sp-b.json" -o "$T/sp-b.trace.json" 2>/dev/null
for m in mean p95 p99; do
	expect_exit "compare: --metric $m of Chrome trace spans" 1 $RS compare --ci-output json --metric $m "$T/sp-a.trace.json" "$T/sp-b.trace.json"
	check "compare: $m: interval durations per window, the stretched spans flagged" python3 -c "
import json,sys
d = json.load(open('$T/out'))
sys.exit(not (d['interval_durations'] and d['unit'] == 'nanoseconds' and
              [r['name'] for r in d['regressions']] == ['app::net::emit_2']))"
done
expect_exit "compare: --metric p95 of sampled runs is per run" 0 $RS compare --ci-output json --metric p95 "$B" "$C"
check "compare: ... one value per run" python3 -c "
import json,sys; d = json.load(open('$T/out')); sys.exit(d['observations'] != 'runs' or d['tested'] != 0)"
$GEN "$T/al-a.json" --alloc --rss 100 --seed 21 && $GEN "$T/al-b.json" --alloc --rss 100 --rss-grow 60 --seed 22 \
	--alloc-grow app::store::hash_3=1.5
expect_exit "compare: --metric alloc" 1 $RS compare --ci-output json --metric alloc "$T/al-a.json" "$T/al-b.json"
check "compare: alloc: 50 % more bytes is critical, in bytes" python3 -c "
import json,sys
d = json.load(open('$T/out')); r = d['regressions'][0]
sys.exit(not (d['unit'] == 'bytes' and r['name'] == 'app::store::hash_3' and r['severity'] == 'critical'))"
expect_exit "compare: --metric rss" 1 $RS compare --ci-output json --metric rss "$T/al-a.json" "$T/al-b.json"
check "compare: rss: the lane grew by 30 % on average, moderate" python3 -c "
import json,sys
d = json.load(open('$T/out')); r = d['regressions']
sys.exit(not (len(r) == 1 and r[0]['kind'] == 'process' and r[0]['name'] == 'rss_bytes' and
              r[0]['severity'] == 'moderate' and d['unit'] == 'bytes'))"
expect_exit "compare: rss without the lane is exit 3" 3 $RS compare --metric rss "$B" "$C"
expect_err "compare: ... naming the file and what is missing" "base-0.json: --metric rss: no rss_bytes counter lane"
expect_exit "compare: alloc without an allocation type is exit 3" 3 $RS compare --metric alloc "$B" "$C"

# --- --fail-on, --threshold ---
expect_exit "compare: --fail-on critical lets a minor regression pass" 0 $RS compare --fail-on critical "$B" "$C"
check "compare: ... still listed" grep -q "$SLOW" "$T/out"
expect_exit "compare: --threshold 40 flags nothing" 0 $RS compare --ci-output json --threshold 40 "$B" "$C"
check "compare: ... no regressions" python3 -c "import json,sys; sys.exit(json.load(open('$T/out'))['regressions'] != [])"

# --- every --ci-output mode ---
expect_exit "compare: --ci-output markdown" 1 $RS compare --ci-output markdown "$B" "$C"
check "compare: markdown: heading and a table row in bold" sh -c "grep -q '^### rustscope compare: FAIL' '$T/out' &&
	grep -qE '^\| \*\*(minor|moderate|critical)\*\* \| \+[0-9.]+% \| .* \| \`$SLOW\` \|\$' '$T/out'"
rm -f "$T/summary.md"
expect_exit "compare: --ci-output github" 1 env GITHUB_STEP_SUMMARY="$T/summary.md" $RS compare --ci-output github "$B" "$C"
cp "$T/out" "$T/gh.out"
check "compare: github: workflow commands well formed" $CHK github "$T/gh.out"
check "compare: github: the failure is an ::error at its file and line" \
	grep -qE "^::error file=src/engine.rs,line=[0-9]+,title=rustscope compare%3A (minor|moderate|critical) regression::$SLOW: self regression \+" "$T/gh.out"
check "compare: github: the Markdown summary in GITHUB_STEP_SUMMARY" grep -q "^### rustscope compare: FAIL" "$T/summary.md"
env GITHUB_STEP_SUMMARY="$T/summary.md" $RS compare --ci-output github "$B" "$B" >/dev/null
check "compare: github: summaries are appended" test "$(grep -c '^### rustscope compare' "$T/summary.md")" -eq 2
expect_exit "compare: --ci-output gitlab" 1 $RS compare --ci-output gitlab "$B" "$C"
cp "$T/out" "$T/gl.json"
check "compare: gitlab: a Code Quality report" $CHK gitlab "$T/gl.json"
check "compare: gitlab: the function at its file" python3 -c "
import json,sys
i = [x for x in json.load(open('$T/gl.json')) if x['description'].startswith('$SLOW:')]
sys.exit(not (i and i[0]['location']['path'] == 'src/engine.rs' and i[0]['check_name'] == 'rustscope-compare-regression'))"
$RS compare --ci-output gitlab "$B" "$C" >"$T/gl2.json"
check "compare: gitlab: fingerprints are stable" cmp -s "$T/gl.json" "$T/gl2.json"
expect_exit "compare: --compare-output FILE" 1 $RS compare --ci-output json --compare-output "$T/report.json" "$B" "$C"
check "compare: ... the report in FILE, nothing on stdout" sh -c "test ! -s '$T/out' && cmp -s '$T/report.json' '$T/json.res'"

# --- --export-diff ---
expect_exit "compare: --export-diff .pb.gz" 1 $RS compare --export-diff "$T/d.pb.gz" "$B" "$C"
expect_exit "compare: the diff validates" 0 $RS validate "$T/d.pb.gz"
expect_exit "compare: the diff converts to session JSON" 0 $RS convert "$T/d.pb.gz" -o "$T/d.json"
check "compare: delta = after - before, the default type, negatives kept, the slowed function up most" python3 -c "
import json,sys
d = json.load(open('$T/d.json'))
types = [t['type'] for t in d['sample_types']]
before, after, delta = d['samples']['values']
top = d['samples']['stack'][delta.index(max(delta))]
sys.exit(not (types == ['before', 'after', 'delta'] and d['default_sample_type'] == 'delta' and
              all(c == a - b for b, a, c in zip(before, after, delta)) and min(delta) < 0 and
              d['frames'][d['stacks']['frame'][top]]['name'] == '$SLOW'))"
if command -v go >/dev/null 2>&1; then
	expect_exit "compare: go tool pprof -top reads the diff" 0 go tool pprof -top "$T/d.pb.gz"
	check "compare: ... the delta type, the slowed function first, negative values" sh -c "
		grep -q '^Type: delta' '$T/out' && grep -A1 ' flat ' '$T/out' | tail -1 | grep -q '$SLOW\$' && grep -qE '^ +-[0-9]' '$T/out'"
	go tool pprof -proto "$T/d.pb.gz" >"$T/dgo.pb.gz" 2>/dev/null
	expect_exit "compare: the diff as Go rewrites it (no rustscope session) validates" 0 $RS validate "$T/dgo.pb.gz"
else
	skip "compare: go tool pprof -top reads the diff" "go is not installed"
fi
expect_exit "compare: --export-diff .folded" 1 $RS compare --export-diff "$T/d.folded" "$B" "$C"
check "compare: folded: 'stack before after' lines, the runs' totals" $CHK folded "$T/d.folded" "$B" "$C"
expect_exit "compare: --export-diff .speedscope.json" 1 $RS compare --export-diff "$T/d.speedscope.json" "$B" "$C"
check "compare: speedscope: rustscope_diff on every frame, the slowed function's self delta > 0" python3 -c "
import json,sys
d = json.load(open('$T/d.speedscope.json'))
f = d['shared']['frames']; s = [x for x in f if x['name'] == '$SLOW'][0]['rustscope_diff']
sys.exit(not (all('rustscope_diff' in x for x in f) and s['self_delta'] == s['self_after'] - s['self_before'] > 0
              and [p['name'].split()[0] for p in d['profiles']] == ['current', 'baseline']))"
expect_exit "compare: rustscope reads the speedscope diff" 0 $RS validate "$T/d.speedscope.json"
if tools_ready; then
	expect_exit "compare: speedscope's schema accepts the diff" 0 node "$TOOLS/speedscope-schema-check.js" "$T/d.speedscope.json"
else
	skip "compare: speedscope's schema accepts the diff" "$tools_why"
fi
expect_exit "compare: --export-diff of Chrome spans" 1 $RS compare --export-diff "$T/sp.folded" "$T/sp-a.trace.json" "$T/sp-b.trace.json"
check "compare: ... spans as stacks" grep -q "app::net::emit_2 [0-9]* [0-9]*\$" "$T/sp.folded"

# --- exit codes ---
expect_exit "compare: no files is a usage error" 2 $RS compare
expect_exit "compare: one file is a usage error" 2 $RS compare "$B"
expect_exit "compare: three files is a usage error" 2 $RS compare "$B" "$C" "$B"
expect_exit "compare: --compare-baseline without files" 2 $RS compare --compare-baseline --compare-current "$C"
expect_err "compare: ... says so" "needs at least one file"
expect_exit "compare: files beside --compare-* lists" 2 $RS compare --threshold 5 "$B" --compare-current "$C"
expect_exit "compare: unknown metric" 2 $RS compare --metric speed "$B" "$C"
expect_err "compare: ... lists the metrics" "self, total, mean, p95, p99, alloc, rss"
expect_exit "compare: bad threshold" 2 $RS compare --threshold ten "$B" "$C"
expect_exit "compare: bad --fail-on" 2 $RS compare --fail-on severe "$B" "$C"
expect_exit "compare: bad --ci-output" 2 $RS compare --ci-output xml "$B" "$C"
expect_exit "compare: --export-diff with an unknown suffix" 2 $RS compare --export-diff "$T/d.xyz" "$B" "$C"
expect_exit "compare: --min-samples 1 is too few" 2 $RS compare --min-samples 1 "$B" "$C"
head -c 2000 "$B" >"$T/trunc.json"
expect_exit "compare: a truncated input is exit 3" 3 $RS compare "$T/trunc.json" "$C"
expect_err "compare: ... naming it" "trunc.json"
expect_exit "compare: a missing input is exit 4" 4 $RS compare "$T/nonexistent.json" "$C"
expect_exit "compare: an unwritable --compare-output is exit 4" 4 $RS compare --compare-output /nonexistent-dir/r.txt "$B" "$C"
