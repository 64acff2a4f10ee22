#!/usr/bin/env bash
# The prose (schema/README.md), the JSON Schema and the C model
# (schema/session.h) list the same fields; see tests/schema_fields.py for the
# C-to-JSON name mapping.
. tests/lib.sh

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" tests/schema_fields.py "$TOP" >"$T/o" 2>&1
rc=$?
cat "$T/o"
if ! grep -qE '^(PASS|FAIL): ' "$T/o"; then
	fail "schema-fields" "tests/schema_fields.py exited $rc without results: $(tail -3 "$T/o" | tr '\n' ' ')"
elif [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$T/o"; then
	fail "schema-fields" "tests/schema_fields.py exited $rc"
fi
exit 0
