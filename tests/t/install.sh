# make install PREFIX=... puts a working binary, the allocation shim and
# the JSON Schema in place.
. tests/lib.sh
if make -s --no-print-directory install PREFIX="$T/prefix" BUILD="$BUILD" >"$T/out" 2>&1; then
	pass "install: make install"
else
	fail "install: make install" "$(tail -3 "$T/out")"
fi
check "install: binary runs" "$T/prefix/bin/rustscope" --version
check "install: JSON Schema installed" test -f "$T/prefix/share/rustscope/profile-session.v1.schema.json"
check "install: the allocation shim installed" test -f "$T/prefix/lib/rustscope/librustscope_alloc.so"
# the installed binary finds the installed shim (../lib/rustscope from bin/)
if "$T/prefix/bin/rustscope" record -q --duration 0.05 -o "$T/probe.session.json" -- /bin/true >/dev/null 2>&1; then
	check "install: record --alloc finds the installed shim" \
		"$T/prefix/bin/rustscope" record -q --alloc --alloc-sample-bytes 1 -o "$T/alloc.session.json" -- /bin/ls /
else
	skip "install: record --alloc finds the installed shim" "perf_event_open not permitted here"
fi
