# Every valid pprof file of corpus/ (MANIFEST.tsv) imports, and pprof → session → pprof
# gives the same `go tool pprof -raw` dump after normalization
# (tests/pprof-normalize.py, docs/pprof.md).
. tests/lib.sh
. tests/t/pprof-common.bash

n=0
for f in $(corpus_files pprof); do
	b=${f##*/}
	expect_exit "pprof import $b" 0 "$RS" convert "$f" -o "$T/$b.json" --from pprof --to session
	n=$((n + 1))
done
check "pprof corpus: some files checked ($n; 0 means no valid pprof row in $CORPUS/MANIFEST.tsv)" test "$n" -gt 0

# The RustScope spellings, and sniffing the format from the content.
f="$CORPUS/pprof/google-pprof__internal__report__testdata__sample.cpu"
expect_exit "pprof --import-pprof/--export-json" 0 "$RS" convert --import-pprof "$f" --export-json "$T/spell.json"
expect_exit "pprof sniffed without --from" 0 "$RS" convert "$f" -o "$T/sniff.json" --to session
check "pprof sniffed and --from give the same session" cmp -s "$T/spell.json" "$T/sniff.json"

if ! go_ready; then
	skip "pprof corpus round trips" "go tool pprof is not installed (make interop-deps)"
	exit 0
fi
for f in $(corpus_files pprof); do
	pprof_roundtrip "pprof round trip ${f##*/}" "$f"
done
