# Fresh pprof files written by Node with @datadog/pprof (tests/node): a wall
# profile and a heap profile import, and round trip through the session.
# SKIP when node or the package (native module) is not usable here.
. tests/lib.sh
. tests/t/pprof-common.bash

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	skip "pprof node" "node/npm are not installed"
	exit 0
fi
if [ ! -d tests/node/node_modules/@datadog/pprof ]; then
	if ! (cd tests/node && timeout 300 npm install --no-audit --no-fund) >"$T/npm.log" 2>&1; then
		skip "pprof node" "npm install @datadog/pprof failed: $(tail -c 300 "$T/npm.log")"
		exit 0
	fi
fi
mkdir -p "$T/node"
node tests/node/profile.js "$T/node" >"$T/node.log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	skip "pprof node" "$(grep SKIP-REASON "$T/node.log" | head -c 300)"
	exit 0
elif [ $rc -ne 0 ]; then
	fail "pprof node: write profiles" "$(head -c 300 "$T/node.log")"
	exit 0
fi
for f in "$T"/node/*.pb.gz; do
	b=${f##*/}
	expect_exit "pprof node $b: import" 0 "$RS" convert "$f" -o "$T/$b.json" --from pprof --to session
	session_roundtrip "pprof node $b: session round trip" "$f" pprof
	if go_ready; then pprof_roundtrip "pprof node $b: pprof round trip" "$f"
	else skip "pprof node $b: pprof round trip" "go tool pprof is not installed"; fi
done
check "pprof node: JS frames named fib" grep -q '"name":"fib"' "$T/node-wall.pb.gz.json"
