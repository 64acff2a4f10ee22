# Content sniffing across every format: each valid file of corpus/
# (MANIFEST.tsv), copied to a neutral name (no suffix, no hint), must be detected as
# the format MANIFEST.tsv gives it. Formats not registered yet (not in
# `rustscope convert --help`'s "Formats: read ..." line) are skipped, and so
# is pprof-legacy, which nothing imports.
. tests/lib.sh

readable=" $("$RS" convert --help | sed -n 's/^Formats: read \([^;]*\);.*/\1/p' | tr -d ',') "
declare -A skipped=()
n=0
while IFS=$'\t' read -r path format expected _; do
	[ "$expected" = valid ] || continue
	[ "$format" = pprof-legacy ] && continue
	case $readable in
	*" $format "*) ;;
	*) skipped[$format]=1; continue ;;
	esac
	n=$((n + 1))
	cp "$CORPUS/$path" "$T/neutral"
	got=$("$RS" info -q --json "$T/neutral" 2>"$T/err" | jq -r '.format // empty')
	if [ "$got" = "$format" ]; then pass "sniff $format ${path##*/}"
	else fail "sniff $format ${path##*/}" "detected as '${got:-nothing}': $(head -c 200 "$T/err")"; fi
	rm -f "$T/neutral"
done <"$CORPUS/MANIFEST.tsv"
for f in "${!skipped[@]}"; do
	skip "sniff $f" "format $f is not registered yet (not in rustscope convert --help)"
done
check "sniff checked some files ($n; 0 means no valid row of a readable format in $CORPUS/MANIFEST.tsv)" test "$n" -gt 0
