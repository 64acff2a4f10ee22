#!/usr/bin/env bash
# Prints the fidelity matrix (source format × route) over corpus/, as
# make check does before the tests; tests/t/roundtrip.sh asserts on it.
# Exit 1 when the matrix has no row (no profile was read).
top=$(cd "$(dirname "$0")/.." && pwd)
RS=$top/${BUILD:-build}/rustscope
dir=${CORPUS:-$top/corpus}
for mode in "" --native; do
	echo "== rustscope roundtrip --matrix ${dir#$top/} $mode"
	table=$("$RS" roundtrip -q --matrix "$dir" $mode 2>/dev/null | sed -n '/^source/,/^ok:/p')
	echo "$table"
	grep -qE '^[a-z-]+ \([1-9][0-9]*\)' <<<"$table" || { echo "matrix: no profile read from $dir"; exit 1; }
done
echo
