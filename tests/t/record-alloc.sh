# rustscope record --alloc on workloads whose allocations are known by
# construction (tests/workloads/alloc): with --alloc-sample-bytes 1 the
# totals per function are exact; with sampling they are within
# statistical bounds; leaks are found at the function that made them (C
# and Rust), through threads, fork, realloc chains and every aligned
# allocator; the heap profile validates, exports to pprof and Go's pprof
# reads inuse_space; info --leaks ranks them; the shim alone passes
# through.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record alloc" || exit 0
if ! tests/workloads/alloc/build.sh "$WL" >"$T/abuild.log" 2>&1; then
	skip "record alloc" "alloc workloads did not build: $(tail -3 "$T/abuild.log" | tr '\n' ' ')"
	exit 0
fi

# qa FILE EXPR: q with heap helpers: val(func, type) sums a sample type
# over the samples whose stack holds func (inclusive), ev(kind) counts
# memory events, alloc = extra.record.alloc.
qa() {
	q "$1" "$(cat <<PY
(lambda: (
  globals().update(
    col=lambda t: [x["type"] for x in d["sample_types"]].index(t),
    val=lambda fn, t: sum(sm["values"][col(t)][i] for i, s in enumerate(stacks) if s >= 0 and any(f["name"] == fn for f in path(s))),
    ev=lambda k: sum(1 for e in d.get("memory_events", []) if e["kind"] == k),
    alloc=d["extra"]["record"]["alloc"]),
  $2)[-1])()
PY
)"
}
qacheck() {
	local r
	r=$(qa "$2" "$3" 2>&1)
	if [ "$r" = True ]; then pass "$1"; else fail "$1" "not true: $3 ($r)"; fi
}

C=$WL/calloc
run_alloc() { # NAME OUT ARGS... : records with --alloc, then validates
	local name=$1 out=$2; shift 2
	expect_exit "record alloc: $name records" 0 "$RS" record --alloc -o "$out" "$@"
	expect_exit "record alloc: $name validates" 0 "$RS" validate "$out"
}

# --- exact totals, every allocation ---
run_alloc "leak" "$T/leak.json" --alloc-sample-bytes 1 -- "$C" leak 1000 4096
qacheck "record alloc: the leak is 1000 x 4096 bytes in use at leak_blocks" "$T/leak.json" \
	'(val("leak_blocks", "inuse_space"), val("leak_blocks", "inuse_objects")) == (4096000, 1000)'
qacheck "record alloc: churn_blocks allocated 4096000 bytes, none in use" "$T/leak.json" \
	'(val("churn_blocks", "alloc_space"), val("churn_blocks", "alloc_objects"), val("churn_blocks", "inuse_space")) == (4096000, 1000, 0)'
qacheck "record alloc: heap profile sample types, inuse_space by default" "$T/leak.json" \
	'[t["type"] for t in d["sample_types"]] == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"] and d["default_sample_type"] == "inuse_space"'
qacheck "record alloc: memory events: 2000 allocs and 1000 frees of 4096 bytes" "$T/leak.json" \
	'sum(1 for e in d["memory_events"] if e["size"] == 4096 and e["kind"] == "alloc") == 2000 and sum(1 for e in d["memory_events"] if e["size"] == 4096 and e["kind"] == "free") == 1000'
qacheck "record alloc: nothing dropped" "$T/leak.json" 'alloc["dropped_events"] == 0 and alloc["stream_error"] == ""'
qacheck "record alloc: heap counters, live bytes end at the leak" "$T/leak.json" \
	'counters["heap_live_bytes"]["points"][-1][1] >= 4096000 and max(p[1] for p in counters["heap_alloc_rate"]["points"]) > 0'

run_alloc "realloc chain" "$T/realloc.json" --alloc-sample-bytes 1 -- "$C" realloc 10
qacheck "record alloc: the realloc chain allocated 16+32+...+16384 bytes, none in use" "$T/realloc.json" \
	'(val("grow_chain", "alloc_space"), val("grow_chain", "inuse_space")) == (sum(16 << k for k in range(11)), 0)'
qacheck "record alloc: realloc events carry the new sizes" "$T/realloc.json" \
	'sorted(e["size"] for e in d["memory_events"] if e["kind"] == "realloc" and e["size"] >= 16 and e["size"] <= 16384 and e["size"] & (e["size"] - 1) == 0)[-10:] == [32 << k for k in range(10)]'

run_alloc "aligned" "$T/aligned.json" --alloc-sample-bytes 1 -- "$C" aligned
qacheck "record alloc: every allocator entry point, its block in use at its function" "$T/aligned.json" \
	'[val(f, "inuse_space") for f in ("use_posix_memalign", "use_aligned_alloc", "use_memalign", "use_valloc", "use_pvalloc", "use_calloc", "use_reallocarray")] == [1111, 2048, 3333, 4444, 8192, 6666, 7777]'

run_alloc "threads" "$T/threads.json" --alloc-sample-bytes 1 -- "$C" threads 4 10000
qacheck "record alloc: 4 threads churned 40000 x 256 bytes, none in use" "$T/threads.json" \
	'(val("thread_churn", "alloc_objects"), val("thread_churn", "alloc_space"), val("thread_churn", "inuse_space")) == (40000, 10240000, 0)'
qacheck "record alloc: each thread leaked 4096 bytes at thread_leak" "$T/threads.json" \
	'(val("thread_leak", "inuse_space"), val("thread_leak", "inuse_objects")) == (16384, 4) and len(set(sm["thread"][i] for i, s in enumerate(stacks) if any(f["name"] == "thread_leak" for f in path(s)))) == 4'
qacheck "record alloc: threads, nothing dropped" "$T/threads.json" 'alloc["dropped_events"] == 0'

run_alloc "fork" "$T/fork.json" --alloc-sample-bytes 1 -- "$C" fork
qacheck "record alloc: the fork child's leak, in the child's process (not the command's)" "$T/fork.json" \
	'val("child_leak", "inuse_space") == 1000 and {d["threads"][sm["thread"][i]]["pid"] for i, s in enumerate(stacks) if any(f["name"] == "child_leak" for f in path(s))} - {int(d["session"]["id"].rsplit("-", 1)[1])} != set()'

# --- sampling: unbiased estimates within bounds ---
run_alloc "sampled leak" "$T/sampled.json" -- "$C" leak 16384 4096
qacheck "record alloc: default rate: the 64 MiB leak estimated within 30%" "$T/sampled.json" \
	'abs(val("leak_blocks", "inuse_space") / 67108864 - 1) < 0.3 and abs(val("churn_blocks", "alloc_space") / 67108864 - 1) < 0.3'
qacheck "record alloc: default rate samples few allocations" "$T/sampled.json" \
	'alloc["sample_bytes"] == 524288 and alloc["sampled_allocations"] < 1000'
run_alloc "sampled threads" "$T/sampled-threads.json" --alloc-sample-bytes 64K -- "$C" threads 4 100000
qacheck "record alloc: 64 KiB rate: 102 MB of churn estimated within 15%" "$T/sampled-threads.json" \
	'abs(val("thread_churn", "alloc_space") / 102400000 - 1) < 0.15 and val("thread_churn", "inuse_space") < 2000000'

# --- the leak report and the formats' readers ---
expect_exit "record alloc: info --leaks" 0 "$RS" info --leaks "$T/leak.json"
check "record alloc: info --leaks puts leak_blocks first with 4096000 bytes" \
	grep -qE '^ +4096000 bytes +1000 objects +[0-9.]+%  leak_blocks$' "$T/out"
expect_exit "record alloc: info --leaks --json" 0 "$RS" info --leaks --json "$T/leak.json"
check "record alloc: info --leaks --json: the first stack's site is leak_blocks" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["stacks"][0]; sys.exit(not (s["site"] == "leak_blocks" and s["bytes"] == 4096000 and s["objects"] == 1000))' "$T/out"
expect_exit "record alloc: info --leaks refuses a CPU profile (exit 3)" 3 "$RS" info --leaks "$CORPUS/pprof/go-cpu-labels.pb.gz"
expect_err "record alloc: ... saying it is not a heap profile" "not a heap profile"
expect_exit "record alloc: exports to pprof" 0 "$RS" convert "$T/leak.json" -o "$T/leak.pb.gz"
if command -v go >/dev/null 2>&1; then
	go tool pprof -sample_index=inuse_space -unit=B -top -symbolize=none "$T/leak.pb.gz" >"$T/pp" 2>&1
	check "record alloc: go tool pprof -sample_index=inuse_space ranks leak_blocks 4096000 B" \
		grep -qE '^ +4096000B +[0-9.]+% +[0-9.]+% +4096000B +[0-9.]+% +leak_blocks$' "$T/pp"
else
	skip "record alloc: go tool pprof" "go is not installed (make interop-deps)"
fi
for f in speedscope chrome collapsed; do
	if "$RS" convert "$T/leak.json" --to "$f" -o "$T/leak.$f" 2>"$T/err" && "$RS" validate "$T/leak.$f" >/dev/null 2>>"$T/err"; then
		pass "record alloc: exports to $f and reads back"
	else
		fail "record alloc: exports to $f and reads back" "$(head -c 300 "$T/err")"
	fi
done

# --- Rust ---
R=$WL/rsalloc
run_alloc "rust leak" "$T/rust.json" --alloc-sample-bytes 1 -- "$R" leak 100 4096
expect_exit "record alloc: rust info --leaks --json" 0 "$RS" info --leaks --json "$T/rust.json"
# the site is the first frame past __rdl_alloc and alloc::, here the
# (inlined) helper patterns::block that leak_boxes calls
check "record alloc: rust: the leak's site is in rsalloc::patterns, under leak_boxes, 409600 bytes in 100 objects" \
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["stacks"][0]; i=s["stack"].index(s["site"]); sys.exit(not (s["crate"] == "rsalloc" and s["module"] == "patterns" and "rsalloc::patterns::leak_boxes" in s["stack"][i:i+3] and not any(f.startswith("alloc::") for f in s["stack"][i:]) and s["bytes"] == 409600 and s["objects"] == 100))' "$T/out"
if [ -x "$R.fp" ]; then
	run_alloc "rust leak, frame pointers" "$T/rustfp.json" --alloc-sample-bytes 1 --call-graph fp -- "$R.fp" leak 100 4096
	qacheck "record alloc: rust, --call-graph fp: the leak at leak_boxes" "$T/rustfp.json" \
		'alloc["stacks"] == "fp" and any(n.endswith("leak_boxes") for n in [f["name"] for f in F]) and sum(sm["values"][col("inuse_space")]) >= 409600'
	# Rust's thread start allocates inside pthread_getattr_np, under the
	# thread's lock: the fp walk must not ask for the stack bounds the same way
	run_alloc "rust threads, frame pointers" "$T/rustfpthreads.json" --alloc-sample-bytes 1 --call-graph fp \
		-- timeout 60 "$R.fp" threads 4 1000
	qacheck "record alloc: rust threads, --call-graph fp: each thread's leak" "$T/rustfpthreads.json" \
		'val("rsalloc::patterns::thread_leak", "inuse_space") == 16384'
fi

# --- the recorder dies first ---
# the command keeps a read end of the pipe: its last writes find the pipe
# full or taken, never SIGPIPE
rm -f "$T/status"
"$RS" record -q --alloc --alloc-sample-bytes 1 -o "$T/killed.json" -- \
	sh -c "\"$C\" sleep 2; echo \$? > \"$T/status\"" >/dev/null 2>&1 &
rec=$!
sleep 0.7
kill -9 $rec 2>/dev/null
wait $rec 2>/dev/null
for _ in $(seq 50); do [ -s "$T/status" ] && break; sleep 0.1; done
check "record alloc: the command outlives a killed recorder (exit 0, no SIGPIPE)" test "$(cat "$T/status" 2>/dev/null)" = 0

# --- errors and the shim alone ---
expect_exit "record alloc: --alloc with --pid is a usage error" 2 "$RS" record --alloc --pid $$ -o "$T/x.json"
expect_err "record alloc: ... saying why" "--alloc needs a command"
expect_exit "record alloc: --alloc-sample-bytes 0 is a usage error" 2 "$RS" record --alloc --alloc-sample-bytes 0 -o "$T/x.json" -- /bin/true
RUSTSCOPE_ALLOC_LIB=/nonexistent/librustscope_alloc.so expect_exit "record alloc: a missing shim fails (exit 4)" 4 \
	"$RS" record --alloc -o "$T/noshim.json" -- /bin/true
check "record alloc: ... and writes no file" test ! -e "$T/noshim.json"
LD_PRELOAD=$TOP/$BUILD/librustscope_alloc.so sh -c 'exit 7'
check "record alloc: the shim without a recorder passes through (exit status kept)" test $? -eq 7
# stdout is a pipe here: the shim must not take it for the recorder's
out=$(LD_PRELOAD=$TOP/$BUILD/librustscope_alloc.so RUSTSCOPE_ALLOC_PIPE=1 "$C" leak 10 1000; echo "rc $?")
check "record alloc: a pipe variable without the pipe's inode is ignored" test "$out" = "rc 0"
out=$(LD_PRELOAD=$TOP/$BUILD/librustscope_alloc.so RUSTSCOPE_ALLOC_PIPE=1:1 "$C" leak 10 1000; echo "rc $?")
check "record alloc: a pipe variable with another inode is ignored" test "$out" = "rc 0"
