#!/usr/bin/env bash
# session → chrome / cpuprofile → session is byte-identical for the bundled
# examples; bad traces are exit 3 with a useful message; lenient parts warn.
. tests/lib.sh
for f in corpus/examples/*.session.json; do
	b=$(basename "$f" .session.json)
	"$RS" convert -q "$f" -o "$T/$b.0.session.json" || { fail chrome-session "$b: session export"; continue; }
	for fmt in trace.json cpuprofile; do
		if "$RS" convert -q "$f" -o "$T/$b.$fmt" && "$RS" convert -q "$T/$b.$fmt" -o "$T/$b.1.session.json" &&
			cmp -s "$T/$b.0.session.json" "$T/$b.1.session.json"; then
			pass "chrome-session $b via .$fmt"
		else
			fail "chrome-session" "$b via .$fmt: not byte-identical"
		fi
	done
done
# gzip-compressed output suffix and content sniffing of both formats
"$RS" convert -q corpus/examples/demo.session.json -o "$T/demo.trace.json.gz" &&
	check chrome-gzip-sniff "$RS" info -q "$T/demo.trace.json.gz"
"$RS" info "$T/demo.trace.json.gz" 2>/dev/null | grep -q "Chrome Trace" && pass chrome-sniff-trace || fail chrome-sniff-trace "not sniffed as chrome"
"$RS" convert -q corpus/examples/demo.session.json -o "$T/d.cpuprofile"
"$RS" info "$T/d.cpuprofile" 2>/dev/null | grep -q "cpuprofile" && pass chrome-sniff-cpuprofile || fail chrome-sniff-cpuprofile "not sniffed as cpuprofile"

# bad input: exit 3 with file, position and what was expected
printf '{"traceEvents":[{"ph":"X","ts":1,"dur":2' >"$T/trunc-object.json"
expect_exit chrome-bad-truncated-object 3 "$RS" convert --from chrome "$T/trunc-object.json" -o "$T/o.session.json"
expect_err chrome-bad-truncated-object-msg 'trunc-object.json: byte [0-9]+: .*only the array form'
printf '[{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":2},\n{"ph":"X","name":"b","ts":' >"$T/trunc-array.json"
expect_exit chrome-truncated-array-ok 0 "$RS" convert "$T/trunc-array.json" -o "$T/o.session.json"
expect_err chrome-truncated-array-warns 'last event is dropped'
printf '[1,2,3]' >"$T/numbers.json"
expect_exit chrome-bad-numbers 3 "$RS" convert --from chrome "$T/numbers.json" -o "$T/o.session.json"
expect_err chrome-bad-numbers-msg '\$\[0\]: expected a trace event object'
printf '[{"ph":"X","name":"a","ts":"soon","pid":1,"tid":1}]' >"$T/badts.json"
expect_exit chrome-bad-ts 3 "$RS" convert --from chrome "$T/badts.json" -o "$T/o.session.json"
expect_err chrome-bad-ts-msg '\$\[0\]: "ts" is not a number'
printf '{"nodes":[{"id":1,"callFrame":{"functionName":"a"},"parent":2},{"id":2,"callFrame":{"functionName":"b"},"parent":1}],"samples":[1],"timeDeltas":[1],"startTime":1}' >"$T/cycle.cpuprofile"
expect_exit cpuprofile-bad-cycle 3 "$RS" convert --from cpuprofile "$T/cycle.cpuprofile" -o "$T/o.session.json"
expect_err cpuprofile-bad-cycle-msg 'cycle'
printf '' >"$T/empty.json"
expect_exit chrome-bad-empty 3 "$RS" convert --from chrome "$T/empty.json" -o "$T/o.session.json"
printf '   ' >"$T/blank.json"
expect_exit chrome-bad-blank 3 "$RS" convert --from chrome "$T/blank.json" -o "$T/o.session.json"
# lenient: unmatched E, negative dur, unknown phase → warnings, exit 0, events kept
printf '[{"ph":"E","name":"x","pid":1,"tid":1,"ts":5},{"ph":"X","name":"n","pid":1,"tid":1,"ts":5,"dur":-3},{"ph":"Q","name":"q","pid":1,"tid":1,"ts":6}]' >"$T/lenient.json"
expect_exit chrome-lenient 0 "$RS" convert "$T/lenient.json" -o "$T/l.session.json"
expect_err chrome-lenient-unmatched 'B/E events without a partner'
expect_err chrome-lenient-negative 'negative duration'
expect_err chrome-lenient-phase 'phases .*Q'
"$RS" convert -q "$T/l.session.json" -o "$T/l.trace.json"
python3 tests/chrome-normalize.py "$T/lenient.json" "$T/l.trace.json" >/dev/null && pass chrome-lenient-kept || fail chrome-lenient-kept "events lost"
# exact µs → ns: fractional and string timestamps
printf '[{"ph":"X","name":"a","pid":1,"tid":1,"ts":"1.0015","dur":0.0005}]' >"$T/ns.json"
"$RS" convert -q "$T/ns.json" -o "$T/ns.session.json"
grep -q '"start_ns":1002,"end_ns":1003' "$T/ns.session.json" && pass chrome-ts-ns || fail chrome-ts-ns "$(grep -o '"intervals":[^]]*' "$T/ns.session.json")"
true
