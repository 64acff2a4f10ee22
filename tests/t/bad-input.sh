#!/usr/bin/env bash
# `rustscope validate` on hostile and broken input: each case in tests/bad/
# (one defect per file; session.name says which) and a few generated ones must
# exit 3 (invalid input) without a sanitizer report, and stderr must name the
# file and, for structural errors, the JSON path of the offending value.
. tests/lib.sh

if [ ! -x "$RS" ]; then
	fail "bad-input: rustscope" "$RS does not exist or is not executable (build it: make $RS); every bad-input case is untested"
	exit 0
fi

# file (under tests/bad/) | regex the JSON path in stderr must match ('' = none required)
cases='
truncated|
wrong-type-line|\$\.frames\[1\]\.line
frame-index-out-of-range|\$\.stacks\.frame\[2\]
cyclic-stack-parent|\$\.stacks\.parent\[0\]
index-1e9|\$\.samples\.stack\[2\]
invalid-utf8|
nan-literal|
infinity-literal|
empty|
newer-major-version|\$\.schema_version
values-columns-not-sample-types|\$\.samples\.values
samples-unequal-lengths|\$\.samples\.values\[1\]
stacks-unequal-lengths|\$\.stacks\.(parent|frame)
interval-end-before-start|\$\.intervals\[0\]
counter-points-out-of-order|\$\.counters\[0\]\.points\[2\]
'

no_sanitizer_report() {
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$T/err"; then
		fail "$1: no sanitizer report" "$(grep -m1 -E 'Sanitizer|runtime error:' "$T/err")"
	fi
}

# run_case NAME FILE PATHREGEX
run_case() {
	local name=$1 file=$2 path=$3
	expect_exit "$name: exit 3" 3 "$RS" validate "$file"
	no_sanitizer_report "$name"
	if grep -qF -- "$file" "$T/err"; then pass "$name: stderr names the file"
	else fail "$name: stderr names the file" "no '$file' in: $(head -c 300 "$T/err")"; fi
	[ -n "$path" ] && expect_err "$name: stderr names the JSON path" "$path"
	return 0
}

while IFS='|' read -r base path; do
	[ -n "$base" ] || continue
	f=tests/bad/$base.session.json
	if [ ! -e "$f" ]; then
		fail "bad-input: $base" "missing $f"
		continue
	fi
	run_case "bad-input: $base" "$f" "$path"
done <<<"$cases"

# Every committed bad file is in the table above.
for f in tests/bad/*.session.json; do
	b=$(basename "$f" .session.json)
	grep -q "^$b|" <<<"$cases" || fail "bad-input: $b" "tests/bad/$b.session.json is not in the cases table of $0"
done

# The newer-major message names both versions (the file's 2, the reader's 1).
"$RS" validate tests/bad/newer-major-version.session.json >"$T/out" 2>"$T/err"
msg=$(sed "s|tests/bad/newer-major-version.session.json||g" "$T/err")
if grep -qE '(^|[^0-9.])2([^0-9.]|$)' <<<"$msg" && grep -qE '(^|[^0-9.])1([^0-9.]|$)' <<<"$msg"; then
	pass "bad-input: newer-major-version: message names versions 2 and 1"
else
	fail "bad-input: newer-major-version: message names versions 2 and 1" "$(head -c 300 "$T/err")"
fi

# Deep nesting: 100000 '[' inside a valid session (generated, not committed).
deep=$T/deep-nesting.session.json
{
	printf '{"schema":"rustscope.session","schema_version":1,"session":{"id":"d","name":"d"},'
	printf '"sample_types":[],"frames":[],"stacks":{"parent":[],"frame":[]},'
	printf '"samples":{"stack":[],"values":[]},"extra":{"deep":'
	head -c 100000 /dev/zero | tr '\0' '['
	head -c 100000 /dev/zero | tr '\0' ']'
	printf '}}\n'
} >"$deep"
run_case "bad-input: deep-nesting" "$deep" '\$\.extra'

# The same depth at the top level, unclosed.
deep2=$T/deep-unclosed.json
head -c 100000 /dev/zero | tr '\0' '[' >"$deep2"
run_case "bad-input: deep-unclosed" "$deep2" ''

# A directory is not a file.
mkdir -p "$T/a-directory.session.json"
run_case "bad-input: directory" "$T/a-directory.session.json" ''

# Several files: the good ones pass, one bad one makes the exit status 3 and
# every bad file is reported.
expect_exit "bad-input: mixed list: exit 3" 3 "$RS" validate corpus/examples/minimal.session.json \
	tests/bad/cyclic-stack-parent.session.json tests/bad/empty.session.json
if grep -qF tests/bad/cyclic-stack-parent.session.json "$T/err" && grep -qF tests/bad/empty.session.json "$T/err"; then
	pass "bad-input: mixed list: every bad file reported"
else
	fail "bad-input: mixed list: every bad file reported" "$(head -c 400 "$T/err")"
fi

# Control: the bundled examples are accepted, so the cases above fail for
# their own defect and not for something shared.
for f in corpus/examples/*.session.json; do
	expect_exit "bad-input: control: $f accepted" 0 "$RS" validate "$f"
done
exit 0
