# make install PREFIX=... puts a working binary and the JSON Schema in place.
. tests/lib.sh
if make -s --no-print-directory install PREFIX="$T/prefix" BUILD="$BUILD" >"$T/out" 2>&1; then
	pass "install: make install"
else
	fail "install: make install" "$(tail -3 "$T/out")"
fi
check "install: binary runs" "$T/prefix/bin/rustscope" --version
check "install: JSON Schema installed" test -f "$T/prefix/share/rustscope/profile-session.v1.schema.json"
