# rustscope record on the Rust workload (fp call graph): hot functions on
# top with the right crate/module, >= 95% of samples symbolized, inlined
# frames, the short-lived child, /proc counters, metadata; the session
# validates and exports to every writable format (pprof checked by go tool
# pprof); stripped copies fall back to the symbol table, then module+offset.
. tests/lib.sh
. tests/t/record-common.bash
record_ready "record rust" || exit 0

out=$T/rust.session.json
expect_exit "record rust: records the workload" 0 \
	"$RS" record -F 499 --name wl --tag run=ci --tag k=v -o "$out" -- "$WL/rsworkload" run 2
[ -s "$out" ] || exit 0
expect_exit "record rust: session validates" 0 "$RS" validate "$out"
qcheck "record rust: enough samples" "$out" 'len(stacks) > 300'
qcheck "record rust: the two hottest functions on top" "$out" \
	'set(top[:2]) == {"alpha::math::hot_alpha", "workload::busy::hot_main"}'
qcheck "record rust: hot_alpha is crate alpha, module math, kind rust" "$out" \
	'(frame("alpha::math::hot_alpha")["crate"], frame("alpha::math::hot_alpha")["module"], frame("alpha::math::hot_alpha")["kind"]) == ("alpha", "math", "rust")'
qcheck "record rust: hot_main is crate workload, module busy" "$out" \
	'(frame("workload::busy::hot_main")["crate"], frame("workload::busy::hot_main")["module"]) == ("workload", "busy")'
qcheck "record rust: closure-heavy hot_beta is crate beta, module text" "$out" \
	'(frame("beta::text::hot_beta")["crate"], frame("beta::text::hot_beta")["module"]) == ("beta", "text")'
qcheck "record rust: generics-heavy hot_gamma is crate gamma, module generic" "$out" \
	'any(f.get("crate") == "gamma" and f.get("module") == "generic" and "hot_gamma" in f["name"] for f in F)'
qcheck "record rust: file and line of hot_alpha" "$out" \
	'any(f["name"] == "alpha::math::hot_alpha" and f.get("file", "").endswith("alpha.rs") and f.get("line", 0) > 0 for f in F)'
qcheck "record rust: >= 95% of samples symbolized" "$out" 'sym_pct >= 95'
qcheck "record rust: inlined frames appear in sampled stacks" "$out" \
	'any(f.get("inline") for s in set(stacks) if s is not None and s >= 0 for f in path(s))'
qcheck "record rust: the short-lived child process is sampled and symbolized" "$out" \
	'"workload::child_hot" in self_c and len({t["pid"] for t in d["threads"]}) >= 2'
qcheck "record rust: mappings carry build ids" "$out" \
	'any(m.get("build_id") and m["file"].endswith("rsworkload") for m in d["mappings"])'
qcheck "record rust: /proc counters" "$out" \
	'all(len(counters[n]["points"]) >= 5 for n in ("cpu_percent", "rss_bytes", "thread_count", "fd_count", "ctx_switches"))'
# /proc's CPU % against the CPU time the samples measured (the machine may
# be busy, so not against a full core)
qcheck "record rust: cpu_percent agrees with the sampled CPU time" "$out" \
	'(lambda med, sampled: 5 < med and 0.5 * sampled < med < 1.6 * sampled + 5)(sorted(v for t, v in counters["cpu_percent"]["points"])[len(counters["cpu_percent"]["points"]) // 2], 100 * sum(sm["values"][1]) / d["session"]["duration_ns"])'
qcheck "record rust: session metadata" "$out" \
	'd["session"]["name"] == "wl" and d["session"]["tags"] == {"run": "ci", "k": "v"} and d["session"]["producer"]["name"] == "rustscope" and d["session"]["env"]["ncpus"] >= 1 and d["session"]["env"]["kernel"] and 1.5e9 < d["session"]["duration_ns"] < 6e9'
qcheck "record rust: sample times on the session clock" "$out" \
	'all(d["session"]["start_time_ns"] - 1e8 <= t <= d["session"]["start_time_ns"] + d["session"]["duration_ns"] + 1e8 for t in sm["time_ns"])'
qcheck "record rust: rollups by crate" "$out" '"rollups" in d and "alpha" in json.dumps(d["rollups"])'

# Every writable format, then back in.
formats=$("$RS" convert --help | sed -n 's/^ *write \(.*\)\.$/\1/p' | tr -d ',')
[ -n "$formats" ] || fail "record rust: list of writable formats" "none found in convert --help"
for f in $formats; do
	if "$RS" convert "$out" --to "$f" -o "$T/exp.$f" 2>"$T/err" && "$RS" validate "$T/exp.$f" >/dev/null 2>>"$T/err"; then
		pass "record rust: exports to $f and reads back"
	else
		fail "record rust: exports to $f and reads back" "$(head -c 300 "$T/err")"
	fi
done
if [ -x "$TOOLS/check-pprof.sh" ] && command -v go >/dev/null 2>&1; then
	"$RS" convert "$out" -o "$T/rust.pb.gz" 2>/dev/null
	n=$(q "$out" 'len(stacks)')
	"$TOOLS/check-pprof.sh" "$T/rust.pb.gz" >"$T/pp" 2>&1
	if grep -q "^samples: $n\$" "$T/pp"; then pass "record rust: go tool pprof reads all $n samples"
	else fail "record rust: go tool pprof reads all $n samples" "$(head -c 300 "$T/pp")"; fi
else
	skip "record rust: go tool pprof" "go or $TOOLS/check-pprof.sh missing (make interop-deps)"
fi

# OUT's suffix picks the format directly.
expect_exit "record rust: -o x.pb.gz writes pprof" 0 "$RS" record -q --duration 0.3 -o "$T/direct.pb.gz" -- "$WL/rsworkload" run 1
check "record rust: the .pb.gz is gzip" test "$(head -c2 "$T/direct.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b

# Stripped copies: debug info gone -> symbol table; all gone -> module+offset.
expect_exit "record rust: debug-stripped copy records" 0 "$RS" record -q -F 499 -o "$T/nodebug.session.json" -- "$WL/rsworkload.nodebug" run 1
qcheck "record rust: without debug info names come from the symbol table" "$T/nodebug.session.json" \
	'"alpha::math::hot_alpha" in top[:3] and not frame("alpha::math::hot_alpha").get("file")'
expect_exit "record rust: fully stripped copy records" 0 "$RS" record -q -F 499 -o "$T/stripped.session.json" -- "$WL/rsworkload.stripped" run 1
qcheck "record rust: fully stripped falls back to module+offset" "$T/stripped.session.json" \
	'top[0].startswith("rsworkload.stripped+0x") and frame(top[0]).get("kind", "unknown") == "unknown"'
