# Both corpora — the project's own (corpus/MANIFEST.tsv, files written by
# the real tools, `make corpus`) and the third-party one
# (../shared/corpus/MANIFEST.tsv): every valid file of a format rustscope
# reads imports (format detected by content); every invalid one is rejected
# with exit 3, or, where the format is lenient, imported with a warning.
# Never a crash.
. tests/lib.sh
reads=$($RS convert --help | sed -n 's/^Formats: read \(.*\); write.*/\1/p' | tr -d ',')
declare -A counted
check_manifest() { # DIR
while IFS=$'\t' read -r path format expected _; do
	[ "$path" = path ] && continue
	fmt=$format
	case " $reads " in *" $fmt "*) ;; *)
		[ -z "${counted[$fmt]:-}" ] && skip "corpus $fmt" "rustscope does not read $fmt files"
		counted[$fmt]=1; continue ;;
	esac
	f=$1/$path
	$RS validate "$f" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$expected" = valid ]; then
		if [ $rc -eq 0 ]; then pass "corpus valid $path"
		else fail "corpus valid $path" "exit $rc: $(head -c 300 "$T/err")"; fi
	elif [ $rc -eq 3 ] || { [ $rc -eq 0 ] && grep -q warning "$T/err"; }; then
		pass "corpus invalid $path (exit $rc)"
	else
		fail "corpus invalid $path" "exit $rc, wanted 3 or a warning: $(head -c 300 "$T/err")"
	fi
done <"$1/MANIFEST.tsv"
}
check_manifest corpus
if have_shared; then check_manifest "$SHARED/corpus"
else skip "corpus: ../shared/corpus" "../shared/corpus is not beside the checkout"; fi
