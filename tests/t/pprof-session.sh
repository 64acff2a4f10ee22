# session → pprof → session is lossless: the session JSON written before
# and after a trip through pprof is byte-for-byte the same, for the bundled
# example sessions and for sessions imported from the pprof corpus.
. tests/lib.sh
. tests/t/pprof-common.bash

n=0
for f in corpus/examples/*.session.json; do
	[ -f "$f" ] || continue
	session_roundtrip "pprof session round trip ${f##*/}" "$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "pprof session round trip of examples" "no corpus/examples/*.session.json yet"

if have_shared; then
	for f in "$SHARED"/corpus/pprof/*; do
		session_roundtrip "pprof session round trip from ${f##*/}" "$f" pprof
	done
else
	skip "pprof session round trip of the corpus" "no $SHARED/corpus"
fi

# Our own output is valid for Go's pprof too, whatever the session holds.
if go_ready; then
	for f in corpus/examples/*.session.json; do
		[ -f "$f" ] || continue
		"$RS" convert "$f" -o "$T/ex.pb.gz" --to pprof 2>"$T/err"
		nsamples=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["samples"]["stack"]))' "$f")
		if [ "$nsamples" = 0 ]; then
			skip "pprof go tool pprof reads ${f##*/}" "no samples: go tool pprof refuses every profile without samples"
			continue
		fi
		expect_exit "pprof go tool pprof accepts ${f##*/} as pprof" 0 "$SHARED/tools/check-pprof.sh" --strict --traces "$T/ex.pb.gz"
		expect_exit "pprof go tool pprof -top reads ${f##*/}" 0 go tool pprof -symbolize=none -top "$T/ex.pb.gz"
	done
else
	skip "pprof validity of exported examples" "go tool pprof is not installed"
fi
