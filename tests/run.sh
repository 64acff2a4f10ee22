#!/usr/bin/env bash
# The test runner: unit tests (plain and ASan+UBSan builds), then every
# tests/t/*.sh. Each test prints lines "PASS: name", "FAIL: name: why" or
# "SKIP: name: why"; this script counts them and ends with
# "N passed, N failed, N skipped". Exit 1 when anything failed.
# Usage: tests/run.sh [PATTERN]   (runs only tests/t/*PATTERN*.sh)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
pattern=${1:-}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
export TOP=$top
export BUILD=${BUILD:-build}
export RS=${RS:-$top/$BUILD/rustscope-asan}
export RS_PLAIN=${RS_PLAIN:-$top/$BUILD/rustscope}
export CORPUS=${CORPUS:-$top/corpus}   # the profiles the tests read (corpus/README.md)
export TOOLS=${TOOLS:-$top/tests/interop} # the formats' own readers (tests/interop/README.md)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() { # name, command...
	local name=$1; shift
	local out=$log/$(echo "$name" | tr '/ ' '__').out
	local t0=$SECONDS
	"$@" >"$out" 2>&1
	local rc=$?
	if ! grep -qE '^(PASS|FAIL|SKIP): ' "$out"; then
		echo "FAIL: $name: produced no results (exit $rc)" >>"$out"
	elif [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
		echo "FAIL: $name: exited $rc" >>"$out"
	fi
	grep -E '^(PASS|FAIL|SKIP): ' "$out" | sed "s|^|[$name] |"
	if grep -q '^FAIL: ' "$out"; then
		echo "---- output of $name ----"; grep -vE '^(PASS|SKIP): ' "$out" | tail -40; echo "----"
	fi
	printf '[%s] (%ds)\n' "$name" $((SECONDS - t0)) >&2
	cat "$out" >>"$log/all"
}

if [ -z "$pattern" ]; then
	for t in "$BUILD"/unit/*; do [ -x "$t" ] && run_one "unit/${t##*/}" "$t"; done
	for t in "$BUILD"/unit-asan/*; do [ -x "$t" ] && run_one "unit-asan/${t##*/}" "$t"; done
fi
for t in tests/t/*"$pattern"*.sh; do
	[ -f "$t" ] || continue
	tmp=$(mktemp -d)
	TMPDIR_TEST=$tmp run_one "${t#tests/t/}" bash "$t"
	rm -rf "$tmp"
done

p=$(grep -c '^PASS: ' "$log/all" 2>/dev/null); f=$(grep -c '^FAIL: ' "$log/all" 2>/dev/null); s=$(grep -c '^SKIP: ' "$log/all" 2>/dev/null)
echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
[ "${f:-0}" -eq 0 ]
