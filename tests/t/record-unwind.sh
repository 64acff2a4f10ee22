# rustscope record's unwinding accuracy, on workloads whose answer is known
# by construction: rsunwind (Rust, frame pointers, but fract_phase's hot
# loop calls `trunc`, a leaf without one) and cnofp (C without frame
# pointers) each run three phase functions at 1/3 of their CPU time (see
# tests/workloads/record/unwind.rs). Spawned and attached (--pid, two
# threads), with the default call graph (auto) and with dwarf: each phase's
# inclusive share within 3 points of 1/3 and of perf record --call-graph
# dwarf, at most 1% truncated stacks; the default mode's counters; and fp
# losing fract_phase (the leaf's caller), which shows that the workload
# reproduces the bug. The default mode through record --continuous's ring
# too.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record unwind" || exit 0

HZ=499
SECS=2
TOL=0.03
PERF_WHY=
command -v perf >/dev/null || PERF_WHY="perf is not installed"

# rec TAG ARGS...: rustscope record -q -F HZ ARGS into $T/TAG.session.json.
rec() {
	local tag=$1
	shift
	rm -f "$T/$tag.session.json"
	expect_exit "record unwind $tag: records" 0 "$RS" record -q -F $HZ -o "$T/$tag.session.json" "$@"
}

# perf_rec TAG ARGS...: perf record -e cpu-clock -F HZ --call-graph dwarf
# ARGS, then perf script's text into $T/TAG.perf.txt (with the command's
# stdout in $T/TAG.perf.out).
perf_rec() {
	local tag=$1
	shift
	rm -f "$T/$tag.perf.txt"
	[ -n "$PERF_WHY" ] && return 0
	if ! perf record -q -e cpu-clock -F $HZ --call-graph dwarf -o "$T/$tag.perf.data" "$@" \
		>"$T/$tag.perf.out" 2>"$T/$tag.perf.err"; then
		PERF_WHY="perf record failed: $(head -c 300 "$T/$tag.perf.err" | tr '\n' ' ')"
		return 0
	fi
	perf script -i "$T/$tag.perf.data" --no-inline -F comm,tid,ip,sym >"$T/$tag.perf.txt" 2>"$T/$tag.perf.err" ||
		PERF_WHY="perf script failed: $(head -c 300 "$T/$tag.perf.err" | tr '\n' ' ')"
}

# spec NAME EXPR: one check for uchecks, into $specs.
spec() { printf '%s\t%s\n' "record unwind $1" "$2" >>"$specs"; }

# accuracy TAG PERF-TAG MODE: the checks of one recording (when it wrote a
# session).
accuracy() {
	local t=$1 p=$2 mode=$3
	[ -s "$T/$t.session.json" ] || return 0
	spec "$t: each phase 1/3 inclusive (+-3 points)" \
		"all(abs(v - 1/3) <= $TOL for v in S['$t']['share'].values()), 'rustscope ' + shares(S['$t'])"
	if [ -s "$T/$p.perf.txt" ]; then
		spec "$t: each phase within 3 points of perf --call-graph dwarf" \
			"all(abs(v - S['$p']['share'][f]) <= $TOL for f, v in S['$t']['share'].items()), 'rustscope ' + shares(S['$t']) + '; perf ' + shares(S['$p'])"
	else
		skip "record unwind $t: each phase within 3 points of perf --call-graph dwarf" "${PERF_WHY:-perf script gave nothing}"
	fi
	spec "$t: <= 1% truncated stacks" \
		"S['$t']['truncated'] <= 0.01, '%.1f%% truncated of %d samples, roots %s' % (100 * S['$t']['truncated'], S['$t']['n'], S['$t']['roots'])"
	[ "$mode" = default ] || return 0
	spec "$t: extra.record: call_graph auto; unwound_cfi + unwound_fp + truncated = the samples" \
		"(lambda r, st: (r.get('call_graph') == 'auto' and all(type(r.get(k)) is int for k in ('unwound_cfi', 'unwound_fp', 'truncated')) and st['n_user'] <= r['unwound_cfi'] + r['unwound_fp'] + r['truncated'] <= st['n'], 'call_graph=%r unwound_cfi=%r unwound_fp=%r truncated=%r; samples %d, with a user stack %d' % (r.get('call_graph'), r.get('unwound_cfi'), r.get('unwound_fp'), r.get('truncated'), st['n'], st['n_user'])))(S['$t']['extra_record'], S['$t'])"
}

for w in rsunwind cnofp; do
	if [ $w = rsunwind ]; then
		phases="rsunwind::fract_phase rsunwind::hash_phase rsunwind::horner_phase"
	else
		phases="c_fract_phase c_hash_phase c_poly_phase"
	fi
	specs=$T/$w.specs
	: >"$specs"

	# Spawned: one worker for SECS seconds.
	perf_rec "$w-spawn" -- "$WL/$w" $SECS
	rec "$w-spawn-default" -- "$WL/$w" $SECS
	rec "$w-spawn-dwarf" --call-graph dwarf -- "$WL/$w" $SECS
	# The construction: the workload's own account of its phases' CPU time
	# (its stdout).
	cp "$T/out" "$T/$w.own"
	spec "$w: its phases take 1/3 of its CPU time each (its own clock)" \
		"(lambda o: (lambda v: (len(v) == 3 and all(abs(x - sum(v) / 3) <= 0.01 * sum(v) for x in v), o))([float(x) for x in o.split()[3::2]]))(open('$T/$w.own').read())"
	[ $w = rsunwind ] && rec "$w-spawn-fp" --call-graph fp -- "$WL/$w" $SECS
	# The same through --continuous's ring (the file written when it ends).
	rm -rf "$T/cont-$w" && mkdir -p "$T/cont-$w"
	expect_exit "record unwind $w-spawn-continuous: records" 0 "$RS" record -q -F $HZ --continuous \
		--flush-on-exit --output-dir "$T/cont-$w" -- "$WL/$w" $SECS
	cp "$T/cont-$w"/*.session.json "$T/$w-spawn-continuous.session.json" 2>/dev/null

	# Attached: two workers (the main thread and one more), SECS seconds
	# for each recording, one after the other.
	"$WL/$w" 60 2 >/dev/null &
	victim=$!
	sleep 0.3
	rec "$w-attach-default" --pid $victim --duration $SECS
	rec "$w-attach-dwarf" --call-graph dwarf --pid $victim --duration $SECS
	perf_rec "$w-attach" -p $victim -- sleep $SECS
	check "record unwind $w: the attached workload still runs" kill -0 $victim
	kill $victim 2>/dev/null
	wait $victim 2>/dev/null

	for h in spawn attach; do
		accuracy "$w-$h-default" "$w-$h" default
		accuracy "$w-$h-dwarf" "$w-$h" dwarf
	done
	accuracy "$w-spawn-continuous" "$w-spawn" default

	# Frame pointers lose the caller of a leaf without a frame (trunc), so
	# most of fract_phase's samples; dwarf and the default keep them: the
	# workload reproduces the bug the CFI unwinders fix.
	t=$w-spawn-fp
	if [ -s "$T/$t.session.json" ]; then
		spec "$t: --call-graph fp still works, says fp" \
			"S['$t']['extra_record'].get('call_graph') == 'fp', S['$t']['extra_record']"
		for m in dwarf default; do
			[ -s "$T/$w-spawn-$m.session.json" ] || continue
			spec "$t: loses fract_phase (< 25%) where $m has it (>= 30%)" \
				"S['$t']['share']['rsunwind::fract_phase'] < 0.25 and S['$w-spawn-$m']['share']['rsunwind::fract_phase'] >= 0.30, 'fp ' + shares(S['$t']) + '; $m ' + shares(S['$w-spawn-$m'])"
		done
	fi

	ins=()
	for t in spawn-default spawn-dwarf spawn-fp spawn-continuous attach-default attach-dwarf; do
		ins+=("$w-$t=$T/$w-$t.session.json")
	done
	unwind_stats "$T/$w.stats.json" "$phases" "${ins[@]}" "$w-spawn=$T/$w-spawn.perf.txt" "$w-attach=$T/$w-attach.perf.txt"
	uchecks "$T/$w.stats.json" <"$specs"
done
