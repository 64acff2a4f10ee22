#!/usr/bin/env bash
# Prints the fidelity matrix (source format × route) over both corpora, as
# make check does before the tests; tests/t/roundtrip.sh asserts on it.
top=$(cd "$(dirname "$0")/.." && pwd)
RS=$top/${BUILD:-build}/rustscope
for dir in "$top/corpus" "$top/../shared/corpus"; do
	[ -d "$dir" ] || { echo "matrix: $dir is absent, skipped"; continue; }
	for mode in "" --native; do
		echo "== rustscope roundtrip --matrix ${dir#$top/} $mode"
		"$RS" roundtrip -q --matrix "$dir" $mode 2>/dev/null | sed -n '/^source/,/^ok:/p'
	done
done
echo
