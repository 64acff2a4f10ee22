# Replays inputs that once crashed an importer (tests/fuzz-regressions/<importer>/):
# each must now import or be rejected with exit 3, under ASan+UBSan; those of
# a round trip (roundtrip-<format>/) must also export, read back, and give the
# same session as the input did.
. tests/lib.sh
n=0
for dir in tests/fuzz-regressions/*/; do
	fmt=$(basename "$dir")
	# not an importer's: tests/unit/alloc_stream.c replays those
	[ "$fmt" = alloc-stream ] && continue
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		case $fmt in
		roundtrip-*) # import, export in the same format, read that back
			rt=${fmt#roundtrip-}
			$RS convert -q --from "$rt" "$f" --to "$rt" -o "$T/rt.out" 2>"$T/err"
			rc=$?
			[ $rc -eq 0 ] && { $RS validate --from "$rt" "$T/rt.out" >/dev/null 2>"$T/err"; rc=$?; }
			if [ $rc -eq 0 ]; then
				$RS convert -q --from "$rt" "$f" -o "$T/a.session.json" 2>"$T/err" &&
				$RS convert -q --from "$rt" "$T/rt.out" -o "$T/b.session.json" 2>"$T/err"
				rc=$?
				if [ $rc -eq 0 ] && ! cmp "$T/a.session.json" "$T/b.session.json" >"$T/err"; then
					rc=1 # the trip changed the session
				fi
			fi ;;
		*)
			$RS validate --from "$fmt" "$f" >/dev/null 2>"$T/err"
			rc=$? ;;
		esac
		if [ $rc -eq 0 ] || [ $rc -eq 3 ]; then pass "fuzz regression $fmt/$(basename "$f")"
		else fail "fuzz regression $fmt/$(basename "$f")" "exit $rc: $(head -c 300 "$T/err")"; fi
	done
done
[ $n -gt 0 ] || skip "fuzz regressions" "tests/fuzz-regressions/ holds no inputs yet (none found by make fuzz)"
