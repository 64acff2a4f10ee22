# The plain (unsanitized) build under valgrind: no invalid reads/writes, no
# uninitialised values, no leaks, on the main paths.
. tests/lib.sh
command -v valgrind >/dev/null || { skip "valgrind" "valgrind is not installed"; exit 0; }
vg() { # NAME ARGS...
	local name=$1; shift
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$RS_PLAIN" "$@" >"$T/out" 2>"$T/err"; then pass "valgrind: $name"
	else fail "valgrind: $name" "exit $?: $(grep -m3 '==' "$T/err" | cut -c1-200)"; fi
}
EX=corpus/examples
vg "convert session" convert $EX/demo.session.json -o $T/a.json
vg "convert v3" convert $EX/rustscope-v3.json -o $T/b.json --rollups
vg "export pprof" convert $EX/demo.session.json -o $T/c.pb.gz
vg "import pprof" convert $T/c.pb.gz -o $T/d.json
vg "info" info $EX/demo.session.json
vg "validate unknown members" validate $EX/unknown-members.session.json
vg "correlate" correlate --json $EX/demo.session.json
vg "compare with a diff export" compare $EX/demo.session.json $T/c.pb.gz --export-diff $T/diff.pb.gz
# a trace read on two threads (lib/json_split.c), and one whose split is refused
export RUSTSCOPE_SPLIT_MIN_BYTES=1
vg "chrome split" convert "$CORPUS/chrome/catapult-project-catapult__tracing__test_data__big_trace.json" -o $T/e.json --to session
vg "chrome split refused" convert "$CORPUS/chrome/catapult-project-catapult__tracing__test_data__quads.json" -o $T/f.json --to session
# a session's arrays read ahead on a second thread (lib/json_columns.c):
# every one, then each cut short (the first thread reads the rest)
vg "session columns" convert $EX/demo.session.json -o $T/h.json
RUSTSCOPE_COLUMNS_CUT=3 vg "session columns cut" convert $EX/demo.session.json -o $T/i.json
unset RUSTSCOPE_SPLIT_MIN_BYTES
# and on a session big enough for both threads to run side by side
if python3 tests/gen-timeline.py "$T/big.session.json" --seconds 300 >/dev/null; then
	vg "session columns, two threads" correlate --json "$T/big.session.json"
else
	fail "valgrind: session columns, two threads" "tests/gen-timeline.py failed"
fi
# a pprof big enough for the decoder thread and the stack table's
# prefaulting thread (schema/stack_prefault.c)
if cc -O2 -o "$T/gen-pprof" tests/bench/gen-pprof.c -lz && "$T/gen-pprof" "$T/big.pb.gz" 20000 2000; then
	vg "import a big pprof (threads)" convert "$T/big.pb.gz" -o $T/g.pb.gz --to pprof
else
	fail "valgrind: import a big pprof (threads)" "could not generate it"
fi
# failures must not leak either
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	"$RS_PLAIN" validate tests/bad/cyclic-stack-parent.session.json tests/bad/truncated.session.json >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 3 ]; then pass "valgrind: bad input"; else fail "valgrind: bad input" "exit $rc: $(grep -m3 '==' "$T/err")"; fi
# record with the default CFI walk, on a program without frame pointers
if "$RS_PLAIN" record -q --duration 0.05 -o "$T/probe.session.json" -- /bin/true >/dev/null 2>"$T/err"; then
	cat >"$T/spin.c" <<'C'
#include <stdlib.h>
#include <time.h>
__attribute__((noinline)) static double leaf(double x) { return x * 1.000001 + 0.5; }
int main(int argc, char **argv) {
	double x = 1, end = atof(argv[1]); struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do { for (int i = 0; i < 100000; i++) x = leaf(x); clock_gettime(CLOCK_MONOTONIC, &t); }
	while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < end);
	return x == 0;
}
C
	cc -O2 -fomit-frame-pointer -o "$T/spin" "$T/spin.c"
	vg "record (CFI walk)" record -q -F 999 -o "$T/r.session.json" -- "$T/spin" 0.5
	mkdir -p "$T/cont"
	vg "record --continuous (reader thread, ring, flush)" record -q -F 999 --continuous --flush-on-exit \
		--enable-snapshots --snapshot-interval 0.2s --output-dir "$T/cont" -- "$T/spin" 0.5
	cc -O2 -g -pthread -o "$T/calloc" tests/workloads/alloc/calloc.c
	vg "record --alloc (pipe reader thread, heap profile)" record -q --alloc --alloc-sample-bytes 1 \
		-o "$T/alloc.session.json" -- "$T/calloc" threads 2 2000
	vg "info --leaks" info --leaks "$T/alloc.session.json"
else
	skip "valgrind: record (CFI walk)" "perf_event_open not permitted here: $(head -c 200 "$T/err")"
fi
