# Every perf script file of corpus/ (MANIFEST.tsv) imports (valid) or is refused
# with exit 3 and a line number (invalid); spot checks of the mapping
# (docs/perfscript.md), and totals equal to what FlameGraph's and inferno's
# collapsers made of the same captures.
. tests/lib.sh

C=$CORPUS
P=$C/perfscript
n=0
while IFS=$'\t' read -r path format expected _; do
	[ "$format" = perfscript ] || continue
	b=${path##*/}
	if [ "$expected" = valid ]; then
		expect_exit "perfscript import $b" 0 "$RS" convert -q "$C/$path" -o "$T/$b.json" --to session
		expect_exit "perfscript validates $b" 0 "$RS" validate -q "$T/$b.json"
	else
		expect_exit "perfscript invalid $b" 3 "$RS" convert "$C/$path" -o "$T/$b.json" --to session
		expect_err "perfscript invalid $b names the line" "$b: line [0-9]+: "
		check "perfscript invalid $b leaves no output" test ! -e "$T/$b.json"
	fi
	n=$((n + 1))
done <"$C/MANIFEST.tsv"
check "perfscript corpus: all 42 files of MANIFEST.tsv checked ($n)" test "$n" -eq 42

# jq EXPR FILE... : the expression is true for the session of FILE.
jqtrue() {
	local name=$1 expr=$2 f=$3
	if [ "$("$RS" convert -q "$f" -o - --to session | jq "$expr")" = true ]; then pass "$name"
	else fail "$name" "jq '$expr' is not true for ${f##*/}"; fi
}

f=$P/jlfwong-speedscope__sample__profiles__linux-perf__simple.linux-perf.txt
jqtrue "perfscript timestamps: seconds.micros → ns" '.samples.time_ns == [198792736893000]' "$f"
jqtrue "perfscript period is the value, cpu-clock in ns" \
	'.sample_types == [{"type":"cpu-clock","unit":"nanoseconds"}] and .samples.values == [[1001001]] and .period == 1001001' "$f"
jqtrue "perfscript C++ names demangled, raw kept" \
	'[.frames[] | select(.system_name == "_Z4betav") | .name] == ["beta()"]' "$f"
jqtrue "perfscript single tid" '.threads == [{"tid":10,"name":"simple-terminat"}]' "$f"

f=$P/brendangregg-FlameGraph__test__perf-iperf-stacks-pidtid-01.txt
jqtrue "perfscript pid/tid threads" '[.threads[] | select(.pid == 27409)] | length > 3' "$f"
jqtrue "perfscript [cpu] label" '.samples.labels[0] == [{"key":"cpu","num":0}]' "$f"

f=$P/Netflix-flamescope__examples__perf.test01
jqtrue "perfscript --header → env, producer, tags" \
	'.session.env.hostname == "i-xxx" and .session.env.ncpus == 8 and .session.producer == {"name":"perf","version":"3.13.11"} and (.session.tags.cmdline | startswith("/usr/lib/linux-tools"))' "$f"
jqtrue "perfscript --header kept verbatim in extra" '.extra.perfscript.header[0] == "# ========"' "$f"

f=$P/brendangregg-FlameGraph__test__perf-java-stacks-01.txt
jqtrue "perfscript [kernel.kallsyms] → kind kernel" \
	'[.frames[] | select(.name == "native_write_msr_safe") | .kind] == ["kernel"]' "$f"
jqtrue "perfscript perf-PID.map → kind jit" '[.frames[] | select(.kind == "jit")] | length > 50' "$f"
jqtrue "perfscript dso → mapping file" '[.mappings[].file] | index("[kernel.kallsyms]") != null' "$f"

f=$P/brendangregg-FlameGraph__test__perf-java-stacks-02.txt
jqtrue "perfscript stack lines not indented, no timestamps" \
	'(.samples.stack | length) == 2 and (.samples.time_ns == null) and ([.frames[].name] | index("LBusy;::main") != null)' "$f"

f=$P/brendangregg-FlameGraph__test__perf-cycles-instructions-01.txt
jqtrue "perfscript one sample type per event" \
	'[.sample_types[].type] == ["instructions","cycles"] and .default_sample_type == "instructions"' "$f"

f=$P/jonhoo-inferno__tests__data__collapse-perf__single-line-stacks.txt
jqtrue "perfscript frame on the header line" \
	'(.samples.stack | length) == 2 and ([.stacks.parent[]] == [-1,-1]) and ([.frames[].name] | index("_dl_start") != null)' "$f"

f=$P/jonhoo-inferno__tests__data__collapse-perf__java-inline.txt
jqtrue "perfscript Java a->b->c: b and c inline" \
	'[.frames[] | select(.name == "Lsun/nio/cs/UTF_8$Encoder;::encodeLoop") | .inline] == [true] and [.frames[] | select(.name == "Ljava/io/BufferedWriter;::flushBuffer") | .inline] == [null]' "$f"
f=$P/jonhoo-inferno__tests__data__collapse-perf__cpp-stacks-std-function.txt
jqtrue "perfscript (inlined) frames" '[.frames[] | select(.name == "__mmap64") | .inline] == [true]' "$f"

f=$P/brendangregg-FlameGraph__test__perf-rust-Yamakaky-dcpu.txt
jqtrue "perfscript Rust: demangled, crate and module" \
	'[.frames[] | select(.system_name == "simplelog::termlog::TermLogger::init::ha7463b1622ff979e")] == [.frames[] | select(.name == "simplelog::termlog::TermLogger::init" and .kind == "rust" and .crate == "simplelog" and .module == "termlog")]' "$f"
jqtrue "perfscript Rust: \$LT\$ escapes demangled" \
	'[.frames[].name] | index("<term::terminfo::TerminfoTerminal<T>>::new") != null' "$f"

f=$P/microsoft-perfview__src__LinuxTracing.Tests__Sources__corner_case_process_names.perf.data.dump
jqtrue "perfscript BOM, tabs, odd process names" \
	'[.threads[].name] == ["6","77",null,"k/2","k/[2]","k:2"] and [.threads[].tid] == [0,1,2,3,4,5]' "$f"
f=$P/microsoft-perfview__src__LinuxTracing.Tests__Sources__space_sep_command.perf.data.dump
jqtrue "perfscript process name with spaces" \
	'.threads[0].name == "comm and3 another part to the command line5 part3 part1"' "$f"
f=$P/microsoft-perfview__src__LinuxTracing.Tests__Sources__disk_io_no_stacks.perf.data.dump
jqtrue "perfscript tracepoints: payload label, ip/sym frame" \
	'[.sample_types[].type] == ["block:block_rq_issue","block:block_rq_complete"] and .samples.labels[0][1] == {"key":"args","str":"259,76 R 4096 () 57622160 + 8 [fio]"} and .frames[0].name == "blk_mq_start_request"' "$f"
f=$P/microsoft-perfview__src__LinuxTracing.Tests__Sources__exec_process.perf.data.dump
jqtrue "perfscript tracepoint without stack" '.samples.stack == [-1] and .sample_types[0].type == "sched:sched_process_exec"' "$f"

f=$P/firefox-devtools-profiler__src__test__fixtures__upgrades__test.perf.gz
jqtrue "perfscript gzip input" '(.samples.stack | length) > 10 and .sample_types[0].type == "cycles:uppp"' "$f"

# Totals against the collapsers. stackcollapse-perf.pl keeps the first event
# type only and drops a last event that no blank line ends; inferno weights
# by the period.
collapsed_total() { # perfscript collapsed-file name
	local f=$1 c=$2 want got
	want=$(awk '{s += $NF} END {print s}' "$c")
	got=$("$RS" convert -q "$f" -o - --to session | jq --arg blank "$(tail -c 2 "$f" | od -An -c | tr -d ' ')" \
		'[.samples.values[0][]] as $v | ($v | add) - (if $blank == "\\n\\n" then 0 else $v[-1] end)')
	if [ "$got" = "$want" ]; then pass "$3"; else fail "$3" "ours $got, collapsed $want"; fi
}
for t in cycles-instructions-01 dd-stacks-01 funcab-cmd-01 funcab-pid-01 java-faults-01 java-stacks-01 \
	java-stacks-02 js-stacks-01 numa-stacks-01 vertx-stacks-01; do
	collapsed_total "$P/brendangregg-FlameGraph__test__perf-$t.txt" \
		"$C/collapsed/brendangregg-FlameGraph__test__results__perf-$t-collapsed-all.txt" \
		"perfscript total = stackcollapse-perf.pl total: $t"
done
for t in java-inline cpp-stacks-std-function single-line-stacks; do
	f=$P/jonhoo-inferno__tests__data__collapse-perf__$t.txt
	c=$C/collapsed/jonhoo-inferno__tests__data__collapse-perf__results__$t-collapsed.txt
	want=$(awk '{s += $NF} END {print s}' "$c")
	got=$("$RS" convert -q "$f" -o - --to session | jq '[.samples.values[][]] | add') # cycles:u + cycles
	if [ "$got" = "$want" ]; then pass "perfscript total = inferno total: $t"
	else fail "perfscript total = inferno total: $t" "ours $got, inferno $want"; fi
done
