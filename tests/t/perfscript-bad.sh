# perf script input at the edges: lenient where perf/inferno are (warn and
# go on), exit 3 with the line number where no event can be made of a line,
# limits instead of unbounded memory.
. tests/lib.sh

hdr='prog 12/34 [001] 100.000001:     250000 cpu-clock: '
printf '\xEF\xBB\xBF%s\r\n\t  401000 main+0x10 (/bin/prog)\r\n\r\n' "$hdr" >"$T/crlf.txt"
expect_exit "perfscript BOM + CRLF" 0 "$RS" convert "$T/crlf.txt" -o "$T/crlf.json"
check "perfscript BOM + CRLF: names clean" test "$(jq -r '.threads[0].name + "|" + .frames[0].name' "$T/crlf.json")" = "prog|main"

printf '%s\n\t  401000 main (/bin/prog)\n\n\t  401000 main (/bin/prog)\n' "$hdr" >"$T/orphan.txt"
expect_exit "perfscript stack line after the blank line" 3 "$RS" convert "$T/orphan.txt" --from perfscript -o "$T/o.json"
expect_err "perfscript orphan stack line: line and cause" "orphan.txt: line 4: stack line .* outside of an event: the blank line 3"

printf '%s\n\t  401000 main (/bin/prog)\n\tgarbage\n' "$hdr" >"$T/weird.txt"
expect_exit "perfscript weird stack line" 3 "$RS" convert "$T/weird.txt" --from perfscript -o "$T/o.json"
expect_err "perfscript weird stack line: line 3" "weird.txt: line 3: weird stack line \"garbage\""

printf 'hello world\n' >"$T/nothdr.txt"
expect_exit "perfscript not a header" 3 "$RS" convert "$T/nothdr.txt" --from perfscript -o "$T/o.json"
expect_err "perfscript not a header: line 1" "line 1: expected an event header"

printf '# ========\n# perf version : 6.1\n# ========\n#\n' >"$T/hdronly.txt"
expect_exit "perfscript header without samples is an empty profile" 0 "$RS" convert "$T/hdronly.txt" --from perfscript -o "$T/h.json"
printf '\n\n' >"$T/blank.txt"
expect_exit "perfscript only blank lines" 3 "$RS" convert "$T/blank.txt" --from perfscript -o "$T/o.json"

{ echo "$hdr"; for i in $(seq 1 40); do printf '\t%x f%d (/bin/prog)\n' $((0x400000 + i)) "$i"; done; } >"$T/deep.txt"
expect_exit "perfscript call chain over --max-depth" 3 "$RS" convert --max-depth 32 "$T/deep.txt" -o "$T/o.json"
expect_err "perfscript --max-depth named" "deeper than 32 frames \(--max-depth\)"
expect_exit "perfscript call chain within --max-depth" 0 "$RS" convert --max-depth 64 "$T/deep.txt" -o "$T/d.json"
check "perfscript 40 frames root to leaf" test "$(jq '[.stacks.frame[]] | length' "$T/d.json")" = 40

{ printf 'prog 1 1.0: cpu-clock: '; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$T/long.txt"
expect_exit "perfscript line over --max-string-bytes" 3 "$RS" convert --max-string-bytes 1000 "$T/long.txt" --from perfscript -o "$T/o.json"
expect_err "perfscript long line named" "line 1 is longer than 1000 bytes"

{ for i in $(seq 1 50); do echo "prog 1 1.$i: cpu-clock: "; done; } >"$T/many.txt"
expect_exit "perfscript events over --max-elements" 3 "$RS" convert --max-elements 20 "$T/many.txt" -o "$T/o.json"
expect_err "perfscript --max-elements named" "max-elements"

printf 'pr\xffog 1 1.0: cpu-clock: \n\t 401000 ma\xc3in (/bin/prog)\n' >"$T/utf8.txt"
expect_exit "perfscript invalid UTF-8 is replaced" 0 "$RS" convert "$T/utf8.txt" --from perfscript -o "$T/u.json"
expect_err "perfscript invalid UTF-8 warned with the line" "utf8.txt: line 1: invalid UTF-8"
check "perfscript invalid UTF-8 → U+FFFD" test "$(jq -r '.threads[0].name' "$T/u.json")" = "pr�og"

printf 'perf 1/1 [000] 1.0: PERF_RECORD_COMM: perf:1/1\n%s\n\t 401000 main (/bin/prog)\n\n' "$hdr" >"$T/side.txt"
expect_exit "perfscript PERF_RECORD_* lines skipped" 0 "$RS" convert "$T/side.txt" -o "$T/s.json"
expect_err "perfscript PERF_RECORD_* skip warned" "skipped 1 PERF_RECORD"
check "perfscript PERF_RECORD_* not a sample" test "$(jq '.samples.stack | length' "$T/s.json")" = 1

printf '%s\n\t 401000 main (/bin/prog)\n  main.c:12\n\n' "$hdr" >"$T/src.txt"
expect_exit "perfscript srcline lines skipped" 0 "$RS" convert "$T/src.txt" -o "$T/s.json"
expect_err "perfscript srcline skip warned" "source-line"

printf 'prog 1 1.5: 7 cycles: \nprog 1 1.6: 9 cycles: \nprog 1 1.7: instructions: \n' >"$T/multi.txt"
expect_exit "perfscript events without stacks, back to back" 0 "$RS" convert "$T/multi.txt" --from perfscript -o "$T/m.json"
check "perfscript two events → two value columns" \
	test "$(jq -c '[.sample_types[].type, .samples.values]' "$T/m.json")" = '["cycles","instructions",[[7,9,0],[0,0,1]]]'
check "perfscript period in the session when constant" test "$(jq '.period' "$T/m.json")" = null
