# Faults found by hostile use (issue 16), one test each, named after it:
# outputs onto devices, FIFOs and links; invalid UTF-8 in; FIFOs in a batch;
# temp files on signals and long names; lost stdout; record's stubborn
# targets, unwritable outputs and crashing targets.
. tests/lib.sh
EX=corpus/examples/demo.session.json
D=$T/hard
mkdir -p "$D"

# 1. -o onto a device, a FIFO or a link
if mknod "$D/null" c 1 3 2>/dev/null; then
	expect_exit "output onto a character device: written to" 0 "$RS" convert -q $EX --to pprof -o "$D/null"
	check "output onto a character device: still a device" test -c "$D/null"
else
	skip "output onto a character device" "mknod is not permitted here (not root)"
fi
mkfifo "$D/fifo"
cat "$D/fifo" >"$D/fifo.out" &
reader=$!
expect_exit "output onto a FIFO: written to" 0 timeout 20 "$RS" convert -q $EX --to collapsed -o "$D/fifo"
wait $reader
check "output onto a FIFO: still a FIFO" test -p "$D/fifo"
"$RS" convert -q $EX --to collapsed -o "$D/plain.folded"
check "output onto a FIFO: the reader got the profile" cmp -s "$D/fifo.out" "$D/plain.folded"
ln -s sub/real.pb.gz "$D/link.pb.gz"
mkdir -p "$D/sub"
echo old >"$D/sub/real.pb.gz"
expect_exit "output onto a link: converts" 0 "$RS" convert -q $EX -o "$D/link.pb.gz"
check "output onto a link: the link stays a link" test -L "$D/link.pb.gz"
check "output onto a link: the file it names is replaced" "$RS" validate "$D/sub/real.pb.gz"
check "output onto a link: no temp file left beside the target" test -z "$(ls -A "$D/sub" | grep tmp)"

# 2. invalid UTF-8 in: repaired with a warning, and what we write validates
printf 'main;fo\xffo;bar 10\n' >"$D/t.txt"
expect_exit "invalid UTF-8 in collapsed: converts" 0 "$RS" convert "$D/t.txt" -o "$D/t.session.json"
expect_err "invalid UTF-8 in collapsed: one warning" "invalid UTF-8 in 1 string; the bad bytes are replaced by U\+FFFD"
expect_exit "invalid UTF-8 in collapsed: what we wrote validates" 0 "$RS" validate "$D/t.session.json"

# 4. a FIFO in a batch directory is refused, not read forever
mkdir -p "$D/batch"
cp $EX "$D/batch/a.session.json"
mkfifo "$D/batch/trap.fifo"
expect_exit "batch with a FIFO: finishes, the FIFO refused (exit 5)" 5 timeout 20 "$RS" convert -q --batch "$D/batch" --to pprof -o "$D/batch-out"
check "batch with a FIFO: the profile was converted" test -s "$D/batch-out/a.pb.gz"

# 6. temp files on signals, and temp names of long outputs
long=$(printf 'x%.0s' $(seq 1 245)).pb.gz
expect_exit "temp name of a 251-byte output name: converts" 0 "$RS" convert -q $EX -o "$D/$long"
check "temp name of a 251-byte output name: written" test -s "$D/$long"
if cc -O2 -o "$T/gen-pprof" tests/bench/gen-pprof.c -lz && "$T/gen-pprof" "$D/big.pb.gz" 400000 20000 >/dev/null; then
	for sig in INT TERM HUP; do
		mkdir -p "$D/sig$sig"
		"$RS" convert -q "$D/big.pb.gz" -o "$D/sig$sig/out.session.json" &
		pid=$!
		for _ in $(seq 100); do
			ls -A "$D/sig$sig" | grep -q tmp && break
			sleep 0.05
		done
		kill -$sig $pid
		wait $pid
		rc=$?
		left=$(ls -A "$D/sig$sig")
		if [ $rc -gt 128 ] && [ -z "$left" ]; then pass "temp files on SIG$sig: removed, exit by the signal"
		else fail "temp files on SIG$sig: removed, exit by the signal" "exit $rc, left: $left"; fi
	done
else
	fail "temp files on signals" "could not generate a big pprof"
fi

# 7. lost stdout
expect_exit "lost stdout: info > /dev/full exits 4" 4 sh -c "\"$RS\" info $EX >/dev/full"
expect_err "lost stdout: says so" "cannot write standard output"
expect_exit "lost stdout: validate > /dev/full exits 4" 4 sh -c "\"$RS\" validate $EX >/dev/full"

# concurrent batches into one OUT without --force: each file is "ok" once
mkdir -p "$D/many"
for i in $(seq 1 16); do cp $EX "$D/many/p$i.session.json"; done
"$RS_PLAIN" convert -q --batch "$D/many" --to pprof -o "$D/many-out" --report "$D/r1.json" 2>/dev/null &
"$RS_PLAIN" convert -q --batch "$D/many" --to pprof -o "$D/many-out" --report "$D/r2.json" 2>/dev/null
wait
ok=$(python3 -c 'import json, sys; print(sum(1 for f in sys.argv[1:] for x in json.load(open(f))["files"] if x["status"] == "ok"))' "$D/r1.json" "$D/r2.json")
if [ "$ok" = 16 ]; then pass "concurrent batches into one OUT: 16 inputs, 16 ok"
else fail "concurrent batches into one OUT: 16 inputs, 16 ok" "$ok ok"; fi

# a number beyond 64 bits, and --max-depth's ceiling
printf '{"schema":"rustscope.session","schema_version":1,"session":{"id":"a","name":"b","start_time_ns":9223372036854775813}}' >"$D/big.json"
expect_exit "integer 2^63+5: exit 3" 3 "$RS" validate "$D/big.json"
expect_err "integer 2^63+5: says it is beyond 64 bits" "expected an integer, got an integer beyond the 64-bit range"
expect_exit "--max-depth above 100000: a usage error, not a silent cap" 2 "$RS" validate --max-depth 100001 $EX
expect_err "--max-depth above 100000: names the ceiling" "at most 100000"

# 5 and the rest: record (needs perf_event_open)
"$RS" record -q --duration 0.05 -o "$T/probe.session.json" -- /bin/true >/dev/null 2>"$T/probe.err"
if [ $? -eq 4 ] && grep -q perf_event_open "$T/probe.err"; then
	skip "record hardening" "perf_event_open not permitted here: $(head -c 200 "$T/probe.err")"
	exit 0
fi
start=$(date +%s.%N)
expect_exit "record a target that ignores SIGTERM: ends" 0 timeout 30 "$RS" record --duration 0.5 --kill-after 1 \
	-o "$D/stubborn.session.json" -- sh -c 'trap "" TERM; while :; do :; done'
took=$(echo "$(date +%s.%N) - $start" | bc)
check "record a target that ignores SIGTERM: within --kill-after ($took s)" test "$(echo "$took < 6" | bc)" = 1
expect_err "record a target that ignores SIGTERM: says it killed it" "did not end 1 s after SIGTERM; killed it"
check "record a target that ignores SIGTERM: the file is written" "$RS" validate "$D/stubborn.session.json"

start=$(date +%s.%N)
expect_exit "record -o to a path that cannot be created: exit 4" 4 "$RS" record -q --duration 5 -o "$D/no/such/dir/x.session.json" -- sleep 5
took=$(echo "$(date +%s.%N) - $start" | bc)
check "record -o to a path that cannot be created: found before sampling ($took s)" test "$(echo "$took < 2" | bc)" = 1

expect_exit "record a target that dies of SIGSEGV: the file is written" 0 "$RS" record -o "$D/segv.session.json" -- sh -c 'kill -SEGV $$'
expect_err "record a target that dies of SIGSEGV: warns" "killed by signal 11 \(SIGSEGV\)"
python3 - "$D/segv.session.json" <<'PY' && pass "record a target that dies of SIGSEGV: in the session" || fail "record a target that dies of SIGSEGV: in the session" "extra.record.target_end is not 'signal SEGV'"
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["extra"]["record"]["target_end"] == "signal SEGV" else 1)
PY
