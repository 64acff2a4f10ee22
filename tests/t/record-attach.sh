# rustscope record --pid: attach to a running process (one thread, and 16
# threads, all followed); Ctrl-C (SIGINT) stops a recording and still
# writes the file.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record attach" || exit 0

"$WL/rsworkload" spin 4 1 >/dev/null &
victim=$!
sleep 0.3
out=$T/attach1.session.json
expect_exit "record attach: --pid on a running process" 0 \
	"$RS" record -q -F 499 --duration 1 --pid "$victim" -o "$out"
check "record attach: the process still runs after we detach" kill -0 "$victim"
if [ -s "$out" ]; then
	qcheck "record attach: hot_alpha on top" "$out" 'top[0] == "alpha::math::hot_alpha"'
	qcheck "record attach: thread spin-0 named" "$out" 'any(t["name"] == "spin-0" for t in d["threads"])'
	qcheck "record attach: >= 95% symbolized (maps read from /proc)" "$out" 'sym_pct >= 95'
fi
kill "$victim" 2>/dev/null; wait "$victim" 2>/dev/null

"$WL/rsworkload" spin 4 16 >/dev/null &
victim=$!
sleep 0.3
out=$T/attach16.session.json
expect_exit "record attach: --pid on a 17-thread process" 0 \
	"$RS" record -q -F 199 --duration 1 --pid "$victim" -o "$out"
if [ -s "$out" ]; then
	qcheck "record attach: all 16 spinning threads sampled" "$out" \
		'len({d["threads"][t]["name"] for t in sm["thread"] if d["threads"][t]["name"].startswith("spin-")}) == 16'
	qcheck "record attach: thread_count counter sees 17" "$out" \
		'max(v for t, v in counters["thread_count"]["points"]) == 17'
fi
kill "$victim" 2>/dev/null; wait "$victim" 2>/dev/null

expect_exit "record attach: --pid of no process" 4 "$RS" record -q --pid 4194000 --duration 0.1 -o "$T/none.session.json"

# SIGINT: stops, kills the command it started, writes a valid file.
out=$T/int.session.json
"$RS" record -q -F 499 -o "$out" -- "$WL/rsworkload" spin 30 1 >/dev/null 2>"$T/int.err" &
rec=$!
sleep 1.2
t0=$SECONDS
kill -INT "$rec"
wait "$rec"
rc=$?
check "record sigint: exits 0" test "$rc" -eq 0
check "record sigint: stops promptly" test $((SECONDS - t0)) -le 5
expect_exit "record sigint: the file is written and valid" 0 "$RS" validate "$out"
[ -s "$out" ] && qcheck "record sigint: says it was stopped by a signal" "$out" \
	'd["extra"]["record"]["stopped_by"] == "signal" and len(stacks) > 100'
check "record sigint: the workload is gone" bash -c "! pgrep -f '[r]sworkload spin 30' >/dev/null"

# Not permitted: an unprivileged user attaching to pid 1 gets exit 4 and
# the reason with what to change.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect_exit "record attach: not permitted is exit 4" 4 \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$RS" record -q --duration 0.1 --pid 1 -o - # $T is not theirs
	expect_err "record attach: the error names perf_event_paranoid and CAP_PERFMON" \
		"perf_event_paranoid.*CAP_PERFMON|CAP_PERFMON.*perf_event_paranoid"
else
	skip "record attach: not permitted is exit 4" "needs root and setpriv to drop privileges"
fi
