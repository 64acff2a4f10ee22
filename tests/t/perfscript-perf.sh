# Fresh captures from the real perf: `perf record -e cpu-clock -g` of a small
# workload (tests/workloads/perf/hot.c), then `perf script` in three forms
# (default, --header with pid/tid, gzip-compressed). The import must have as
# many samples, the same threads and the same first/last timestamps as what
# perf script printed, and the workload's hot function on top; the session
# then goes to pprof and Go's pprof must agree.
. tests/lib.sh

why=""
command -v perf >/dev/null 2>&1 || why="perf is not installed"
[ -z "$why" ] && ! command -v cc >/dev/null 2>&1 && why="no C compiler"
if [ -z "$why" ]; then
	cc -O1 -g -fno-omit-frame-pointer -pthread tests/workloads/perf/hot.c -o "$T/hot" 2>"$T/cc.err" ||
		why="cannot build the workload: $(head -c 200 "$T/cc.err")"
fi
if [ -z "$why" ] && ! perf record -q -e cpu-clock -g -o "$T/perf.data" "$T/hot" >/dev/null 2>"$T/rec.err"; then
	why="perf cannot record here (perf_event_open refused?): $(head -c 200 "$T/rec.err")"
fi
if [ -n "$why" ]; then
	skip "perfscript from real perf" "$why"
	exit 0
fi
perf script -i "$T/perf.data" >"$T/plain.txt" 2>/dev/null
perf script -i "$T/perf.data" --header -F +pid >"$T/header.txt" 2>/dev/null
gzip -c "$T/header.txt" >"$T/header.gz"

# What perf printed: one header line per sample ("comm tid time: period cpu-clock:").
hdr_re='^[^[:space:]#].* cpu-clock:[[:space:]]*$'
want_n=$(grep -cE "$hdr_re" "$T/plain.txt")
want_first=$(grep -E "$hdr_re" "$T/plain.txt" | head -1 | grep -oE '[0-9]+\.[0-9]{6,9}:' | tr -d ':.')
want_last=$(grep -E "$hdr_re" "$T/plain.txt" | tail -1 | grep -oE '[0-9]+\.[0-9]{6,9}:' | tr -d ':.')
want_tids=$(grep -E "$hdr_re" "$T/plain.txt" | awk '{for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^[0-9]+\.[0-9]+:$/) { print $i; break }}' | sort -u | tr '\n' ' ')

for form in plain.txt header.txt header.gz; do
	cp "$T/$form" "$T/neutral-$form" # the name says nothing: content sniffing
	if ! "$RS" convert -q "$T/neutral-$form" -o "$T/$form.json" 2>"$T/err"; then
		fail "perfscript real perf $form imports" "$(head -c 300 "$T/err")"
		continue
	fi
	pass "perfscript real perf $form imports (format sniffed)"
	got_n=$(jq '.samples.stack | length' "$T/$form.json")
	check "perfscript real perf $form: $got_n samples = $want_n printed" test "$got_n" = "$want_n"
	got_first=$(jq '.samples.time_ns[0] / 1000 | floor' "$T/$form.json")
	got_last=$(jq '.samples.time_ns[-1] / 1000 | floor' "$T/$form.json")
	check "perfscript real perf $form: first/last timestamps equal" \
		test "$got_first $got_last" = "$((10#$want_first)) $((10#$want_last))"
	got_tids=$(jq -r '[.samples.thread[] as $t | .threads[$t].tid] | unique | map(tostring) | join(" ")' "$T/$form.json")
	check "perfscript real perf $form: threads (tids $got_tids)" test "$got_tids " = "$want_tids"
	check "perfscript real perf $form: thread names are the comm" \
		test "$(jq -r '[.threads[].name] | unique | join(",")' "$T/$form.json")" = hot
	top=$("$RS" info --json "$T/$form.json" | jq -r '.top_self[0].function')
	check "perfscript real perf $form: hot function on top ($top)" test "$top" = ps_hot_loop
done
check "perfscript real perf: --header gives pids" \
	test "$(jq '[.threads[].pid] | unique | length' "$T/header.txt.json")" = 1
check "perfscript real perf: --header fills env" \
	test "$(jq -r '.session.producer.name + " " + (.session.env.ncpus | tostring)' "$T/header.txt.json")" = "perf $(nproc)"
check "perfscript real perf: value = period (ns)" \
	test "$(jq '.sample_types == [{"type":"cpu-clock","unit":"nanoseconds"}] and (.samples.values[0] | all(. > 0))' "$T/plain.txt.json")" = true

# perf script → session → pprof, read by Go's pprof.
if ! command -v go >/dev/null 2>&1 || [ ! -x "$TOOLS/check-pprof.sh" ]; then
	skip "perfscript real perf → pprof" "go tool pprof is not installed (make interop-deps)"
	exit 0
fi
expect_exit "perfscript real perf → pprof" 0 "$RS" convert -q "$T/header.gz" -o "$T/perf.pb.gz"
if "$TOOLS/check-pprof.sh" --strict "$T/perf.pb.gz" >"$T/check" 2>&1; then
	pass "perfscript → pprof: go tool pprof accepts it"
	check "perfscript → pprof: go tool pprof counts $want_n samples" grep -qx "samples: $want_n" "$T/check"
	go tool pprof -top -symbolize=none "$T/perf.pb.gz" 2>/dev/null >"$T/top"
	top=$(awk '/flat%/ {getline; print $NF; exit}' "$T/top")
	check "perfscript → pprof: go tool pprof -top has $top on top" test "$top" = ps_hot_loop
else
	fail "perfscript → pprof: go tool pprof accepts it" "$(head -c 300 "$T/check")"
fi
