# A fresh CPU profile written by Go's runtime/pprof with goroutine labels
# (pprof.Do, tests/workloads/go-labels): it imports, its labels survive as
# sample labels, and pprof → session → pprof keeps the -raw dump.
. tests/lib.sh
. tests/t/pprof-common.bash

if ! go_ready; then
	skip "pprof go labels" "go is not installed (make deps installs golang-go)"
	exit 0
fi
export GOCACHE=${GOCACHE:-$T/gocache} GOFLAGS= GO111MODULE=off
if ! go build -o "$T/go-labels" tests/workloads/go-labels/main.go 2>"$T/build.err"; then
	fail "pprof go labels: build the workload" "$(head -c 300 "$T/build.err")"
	exit 0
fi
f="$T/go-labels.pb.gz"
# CPU samples are statistical; a loaded machine may give few, so retry once.
for attempt in 1 2; do
	"$T/go-labels" "$f" && [ "$(stat -c %s "$f")" -gt 200 ] && break
done
expect_exit "pprof go labels: import" 0 "$RS" convert "$f" -o "$T/go.json" --from pprof --to session
check "pprof go labels: label worker=parser survives" grep -q '{"key":"worker","str":"parser"}' "$T/go.json"
check "pprof go labels: label worker=indexer survives" grep -q '{"key":"worker","str":"indexer"}' "$T/go.json"
check "pprof go labels: label tenant=acme survives" grep -q '{"key":"tenant","str":"acme"}' "$T/go.json"
check "pprof go labels: Go frames are native, named main.fib" grep -q '"name":"main.fib","system_name":"main.fib","file":"[^"]*main.go","line":[0-9]*,"kind":"native"' "$T/go.json"
pprof_roundtrip "pprof go labels: pprof round trip" "$f"
session_roundtrip "pprof go labels: session round trip" "$f" pprof
"$RS" convert "$f" -o "$T/ours.pb.gz" --to pprof 2>/dev/null
labelled=$("$TOOLS/check-pprof.sh" "$T/ours.pb.gz" 2>/dev/null | sed -n 's/^labelled_samples: //p')
check "pprof go labels: go tool pprof sees labelled samples in our output" test "${labelled:-0}" -gt 0
go tool pprof -symbolize=none -tagfocus worker=parser -top "$T/ours.pb.gz" >"$T/top" 2>&1
check "pprof go labels: -tagfocus worker=parser selects samples" grep -q "main.fib" "$T/top"
