# A pprof big enough that the exporter deflates it in several chunks on
# worker threads (exporters/pprof_gzip.c, 4 MiB chunks): Go's pprof and
# DataDog's pprof-format must read the one gzip member we write and count
# what the input has; pprof → pprof → session must equal pprof → session.
. tests/lib.sh

cc -O2 -o "$T/gen-pprof" tests/bench/gen-pprof.c -lz || { fail "pprof big: build the generator" "cc failed"; exit 0; }
"$T/gen-pprof" "$T/in.pb.gz" 100000 10000
expect_exit "pprof big: pprof -> pprof" 0 "$RS_PLAIN" convert "$T/in.pb.gz" -o "$T/out.pb.gz" --to pprof
raw=$(gzip -dc "$T/out.pb.gz" | wc -c)
check "pprof big: the output spans several 4 MiB chunks ($raw bytes)" test "$raw" -gt 8388608
check "pprof big: gzip -t accepts it" gzip -t "$T/out.pb.gz"
expect_exit "pprof big: pprof -> session" 0 "$RS_PLAIN" convert "$T/in.pb.gz" -o "$T/a.json" --to session
expect_exit "pprof big: pprof -> pprof -> session" 0 "$RS" convert "$T/out.pb.gz" -o "$T/b.json" --to session
same() {
	python3 - "$T/a.json" "$T/b.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
a["session"].pop("source", None), b["session"].pop("source", None)
sys.exit(0 if a == b else 1)
EOF
}
check "pprof big: the session survives the round trip" same
if ! tools_ready; then
	skip "pprof big: third-party readers" "../shared/tools not installed"
	exit 0
fi
count() { sed -n "s/^$1: //p"; }
go_in=$("$SHARED/tools/check-pprof.sh" "$T/in.pb.gz" | count samples)
go_out=$("$SHARED/tools/check-pprof.sh" "$T/out.pb.gz" | count samples)
check "pprof big: go tool pprof reads as many samples as in the input ($go_out = $go_in)" test -n "$go_out" -a "$go_out" = "$go_in"
node "$SHARED/tools/pprof-decode.js" "$T/out.pb.gz" >"$T/decode.json"
js=$(grep -q '^  "ok": true' "$T/decode.json" && sed -n 's/^  "samples": \([0-9]*\),$/\1/p' "$T/decode.json")
check "pprof big: pprof-format decodes 100000 samples" test "$js" = 100000
