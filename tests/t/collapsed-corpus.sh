# Folded stacks (docs/collapsed.md): every valid corpus file imports; the
# invalid ones warn (garbage lines, as flamegraph.pl skips them) or exit 3
# (a stack line without a count); collapsed → session → collapsed keeps the
# multiset of stacks and counts (summed per stack, as flamegraph.pl does);
# session → collapsed → session is byte-identical in both naming modes;
# speedscope reads what we write with the same total.
. tests/lib.sh

# Sums per stack of a folded file, the way flamegraph.pl reads it (the count
# is the last whitespace-separated number; difference files have two).
cat >"$T/fold-sum.py" <<'PY'
import re, sys
from decimal import Decimal, ROUND_DOWN
# rustscope keeps at most 9 fraction digits (docs/collapsed.md)
def num(t):
    return Decimal(t.rstrip('.') or '0').quantize(Decimal('1e-9'), rounding=ROUND_DOWN)
def read(path):
    raw = open(path, 'rb').read()
    if raw[:2] in (b'\xff\xfe', b'\xfe\xff'):
        text = raw.decode('utf-16')
    else:
        text = raw.decode('utf-8', 'replace').lstrip('\ufeff')
    sums, diff = {}, None
    for line in text.splitlines():
        line = line.rstrip()
        if not line or line.startswith('#'):
            continue
        m = re.match(r'^(.*?)\s+(\d+(?:\.\d*)?)$', line)
        if not m:
            continue
        stack, counts = m.group(1), [num(m.group(2))]
        m2 = re.match(r'^(.*?)\s+(\d+(?:\.\d*)?)$', stack)
        if diff is None:
            diff = bool(m2)
        if diff and m2:
            stack, counts = m2.group(1), [num(m2.group(2))] + counts
        old = sums.get(stack, [Decimal(0)] * len(counts))
        sums[stack] = [a + b for a, b in zip(old, counts)]
    return {k: [v.normalize() for v in vs] for k, vs in sums.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
if a != b:
    ka, kb = set(a), set(b)
    print('only in first:', sorted(ka - kb)[:3], 'only in second:', sorted(kb - ka)[:3],
          'different:', [(k, a[k], b[k]) for k in ka & kb if a[k] != b[k]][:3])
    sys.exit(1)
if len(sys.argv) > 3:
    print(sum(v[-1] for v in a.values()))
PY

if [ ! -d "$CORPUS/collapsed" ]; then
	fail "collapsed corpus" "no $CORPUS/collapsed"
else
	n=0
	for f in "$CORPUS"/collapsed/*; do
		[ -f "$f" ] || continue
		b=${f##*/}
		n=$((n + 1))
		if ! "$RS" convert -q "$f" -o "$T/c.session.json" 2>"$T/err"; then
			fail "collapsed import $b" "$(head -c 300 "$T/err")"
			continue
		fi
		if ! grep -q '"format":"collapsed"' "$T/c.session.json"; then
			fail "collapsed sniffed $b" "not detected as collapsed"
			continue
		fi
		"$RS" convert -q "$T/c.session.json" -o "$T/c.folded" 2>"$T/err" &&
			python3 "$T/fold-sum.py" "$f" "$T/c.folded" >"$T/diff" 2>&1
		if [ $? -eq 0 ]; then pass "collapsed round trip $b"
		else fail "collapsed round trip $b" "$(head -c 400 "$T/diff") $(head -c 200 "$T/err")"; fi
	done
	check "collapsed corpus: all 100 valid files checked ($n)" test "$n" -eq 100

	inv="$CORPUS/collapsed/invalid"
	expect_exit "collapsed garbage lines are skipped (speedscope sample)" 0 \
		"$RS" convert --from collapsed "$inv/jlfwong-speedscope__sample__profiles__stackcollapse__simple-with-invalids.txt" -o "$T/i.json"
	expect_err "collapsed garbage lines are reported" 'ignored 2 lines that are not "stack count" \(the first is line 2\)'
	expect_exit "collapsed garbage lines are skipped (inferno bad-lines)" 0 \
		"$RS" convert "$inv/jonhoo-inferno__tests__data__flamegraph__bad-lines__bad-lines.txt" -o "$T/i.json"
	expect_err "collapsed bad-lines warning names line 3" 'ignored 2 lines .* line 3\)'
	expect_exit "collapsed stack without count is exit 3" 3 \
		"$RS" convert --from collapsed "$inv/jonhoo-inferno__tests__data__diff-folded__bad_before.txt" -o "$T/i.json"
	expect_err "collapsed missing count names the line" 'bad_before.txt: line 3: expected a count'
	check "collapsed failed import leaves no output" test ! -e "$T/i2.json"

	# Annotations, UTF-16, fractions and difference files land where documented.
	d="$CORPUS/collapsed"
	"$RS" convert "$d/brendangregg-FlameGraph__test__results__perf-java-stacks-01-collapsed-all.txt" -o "$T/k.json"
	check "collapsed _[k] becomes kind kernel" grep -q '"kind":"kernel"' "$T/k.json"
	check "collapsed _[j] becomes kind jit" grep -q '"kind":"jit"' "$T/k.json"
	"$RS" convert "$d/jonhoo-inferno__tests__data__collapse-perf__results__java-inline-collapsed.txt" -o "$T/inl.json"
	check "collapsed _[i] becomes an inline frame" grep -q '"inline":true' "$T/inl.json"
	"$RS" convert "$d/jlfwong-speedscope__sample__profiles__stackcollapse__simple-utf16-le.txt" -o "$T/u16le.json"
	"$RS" convert "$d/jlfwong-speedscope__sample__profiles__stackcollapse__simple.txt" -o "$T/plain.json"
	"$RS" convert "$d/jlfwong-speedscope__sample__profiles__stackcollapse__simple-utf16-be.txt" -o "$T/u16be.json"
	"$RS" convert "$d/jlfwong-speedscope__sample__profiles__stackcollapse__simple-crlf.txt" -o "$T/crlf.json"
	strip() { grep -v '"session"' "$1"; }
	check "collapsed UTF-16 LE reads like UTF-8" cmp -s <(strip "$T/u16le.json") <(strip "$T/plain.json")
	check "collapsed UTF-16 BE reads like UTF-8" cmp -s <(strip "$T/u16be.json") <(strip "$T/plain.json")
	check "collapsed CRLF reads like LF" cmp -s <(strip "$T/crlf.json") <(strip "$T/plain.json")
	"$RS" convert "$d/jonhoo-inferno__tests__data__flamegraph__fractional-samples__fractional.txt" -o "$T/frac.json"
	check "collapsed fractional counts are scaled, the unit says so" grep -q '"unit":"count\*1e-' "$T/frac.json"
	"$RS" convert "$d/jonhoo-inferno__tests__data__diff-folded__results__normalize.txt" -o "$T/diff.json"
	check "collapsed difference file has before/after" grep -q '"type":"before".*"type":"after"' "$T/diff.json"
fi

# session → collapsed → session, both naming modes.
for f in corpus/examples/*.session.json; do
	b=${f##*/}
	"$RS" convert "$f" -o "$T/norm.session.json"
	for mode in plain rustscope; do
		"$RS" convert --collapsed-names "$mode" "$f" -o "$T/s.folded" &&
			"$RS" convert "$T/s.folded" -o "$T/back.session.json"
		check "session → collapsed ($mode) → session byte-identical: $b" cmp -s "$T/norm.session.json" "$T/back.session.json"
	done
done
"$RS" convert --collapsed-names rustscope corpus/examples/demo.session.json -o "$T/demo.folded"
check "collapsed rustscope naming writes rustscope[crate][module]::fn" \
	grep -q '^rustscope\[std\]\[rt\]::std::rt::lang_start_internal;' "$T/demo.folded"
check "collapsed metadata line never ends in a digit" sh -c "! grep '^#' '$T/demo.folded' | grep -q '[0-9]\$'"
# Without the metadata line the names still carry crate and module.
grep -v '^#' "$T/demo.folded" >"$T/bare.folded"
"$RS" convert "$T/bare.folded" -o "$T/bare.json"
check "collapsed rustscope names give crate and module back" grep -q '"name":"parser::lexer::Lexer::next_token","kind":"rust","crate":"parser","module":"lexer"' "$T/bare.json"
# An edited file falls back to its stacks, with a warning.
sed 's/ \([0-9]*\)$/ 1\1/' "$T/demo.folded" >"$T/edited.folded"
expect_exit "collapsed edited file still imports" 0 "$RS" convert "$T/edited.folded" -o "$T/edited.json"
expect_err "collapsed edited file warns" 'does not match'
expect_exit "collapsed bad --collapsed-names is a usage error" 2 "$RS" convert --collapsed-names fancy corpus/examples/demo.session.json -o "$T/x.folded"

# flamegraph.pl / inferno are not packaged for Debian 12 (no `flamegraph`
# package; npm's "inferno" is a UI library), so only speedscope reads ours.
if command -v flamegraph.pl >/dev/null 2>&1; then
	flamegraph.pl "$T/demo.folded" >"$T/demo.svg" 2>"$T/err"
	check "flamegraph.pl reads our collapsed output" grep -q '<svg' "$T/demo.svg"
else
	skip "flamegraph.pl on our collapsed output" "flamegraph.pl is not installed (Debian 12 has no flamegraph package)"
fi
if ! tools_ready; then
	skip "speedscope reads our collapsed output" "$tools_why"
	exit 0
fi
"$RS" convert corpus/examples/demo.session.json -o "$T/demo.collapsedstack.txt"
want=$(python3 "$T/fold-sum.py" "$T/demo.collapsedstack.txt" "$T/demo.collapsedstack.txt" total)
node "$TOOLS/speedscope-load.js" "$T/demo.collapsedstack.txt" --fail-empty >"$T/load.json" 2>"$T/err"
check "speedscope imports our collapsed output" grep -q '"ok": true' "$T/load.json"
got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(p['totalWeight'] for p in d['export']['profiles']))" "$T/load.json" 2>/dev/null)
check "speedscope's total of our collapsed output ($got) is ours ($want)" test "$got" = "$want"
