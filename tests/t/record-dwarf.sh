# rustscope record --call-graph dwarf with both unwinding back ends (libdw,
# libunwind): the same hot functions, full stacks down to _start (frame
# pointers lose the caller of a leaf function; DWARF CFI does not), and the
# C workload with fp.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record dwarf" || exit 0

for u in libdw libunwind; do
	out=$T/$u.session.json
	expect_exit "record dwarf $u: records" 0 \
		"$RS" record -q -F 299 --call-graph dwarf --unwinder "$u" -o "$out" -- "$WL/rsworkload" run 1.5
	[ -s "$out" ] || continue
	expect_exit "record dwarf $u: validates" 0 "$RS" validate "$out"
	qcheck "record dwarf $u: hot functions on top" "$out" \
		'set(top[:2]) == {"alpha::math::hot_alpha", "workload::busy::hot_main"}'
	qcheck "record dwarf $u: >= 90% of stacks unwound to _start" "$out" \
		'sum(1 for s in stacks if s >= 0 and path(s)[0]["name"] == "_start") >= 0.9 * len(stacks)'
	qcheck "record dwarf $u: the Rust main is on the stacks" "$out" \
		'sum(1 for s in stacks if s >= 0 and any(f["name"] == "main" for f in path(s))) >= 0.9 * len(stacks)'
	qcheck "record dwarf $u: the recording says how it unwound" "$out" \
		'd["extra"]["record"]["call_graph"] == "dwarf" and d["extra"]["record"]["unwinder"] == "'"$u"'"'
done

out=$T/c.session.json
expect_exit "record c: records the C workload" 0 "$RS" record -q -F 499 -o "$out" -- "$WL/cwork" 1.5
if [ -s "$out" ]; then
	qcheck "record c: both hot functions on top, native" "$out" \
		'set(top[:2]) == {"c_hot_hash", "c_hot_sum"} and frame("c_hot_hash")["kind"] == "native"'
	qcheck "record c: file and line from DWARF" "$out" \
		'any(f["name"] == "c_hot_sum" and f.get("file", "").endswith("cwork.c") and f.get("line", 0) > 0 for f in F)'
	qcheck "record c: two threads, both sampled" "$out" \
		'len(d["threads"]) >= 2 and len(set(sm["thread"])) >= 2'
	qcheck "record c: the worker thread's stack goes through start_thread" "$out" \
		'any(any(f["name"] == "start_thread" for f in path(s)) and func(s) == "c_hot_sum" for s in set(stacks) if s >= 0)'
fi

expect_exit "record: no target is a usage error" 2 "$RS" record -o "$T/x.session.json"
expect_exit "record: --pid and a command is a usage error" 2 "$RS" record --pid 1 -o "$T/x.session.json" -- true
expect_exit "record: bad --call-graph" 2 "$RS" record --call-graph lbr -- true
expect_exit "record: a command that does not exist" 4 "$RS" record -q -o "$T/x.session.json" -- /nonexistent/cmd
expect_err "record: says the command could not run" "cannot run '/nonexistent/cmd'"
