# A pprof big enough that the exporter deflates it in several chunks on
# worker threads (exporters/pprof_gzip.c, 1 MiB chunks): Go's pprof and
# DataDog's pprof-format must read the one gzip member we write and count
# what the input has; pprof → pprof → session must equal pprof → session.
# It is also big enough for the other threads: the input is inflated on
# rs_input's (lib/input.c), the samples are decoded on the importer's
# (importers/pprof.c) and the rustscope comment is made on the
# exporter's; broken input must fail as it does without them.
. tests/lib.sh

cc -O2 -o "$T/gen-pprof" tests/bench/gen-pprof.c -lz || { fail "pprof big: build the generator" "cc failed"; exit 0; }
"$T/gen-pprof" "$T/in.pb.gz" 100000 10000
expect_exit "pprof big: pprof -> pprof" 0 "$RS_PLAIN" convert "$T/in.pb.gz" -o "$T/out.pb.gz" --to pprof
raw=$(gzip -dc "$T/out.pb.gz" | wc -c)
check "pprof big: the output spans several 1 MiB chunks ($raw bytes)" test "$raw" -gt 4194304
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
expect_exit "pprof big: pprof -> pprof (sanitizers)" 0 "$RS" convert "$T/in.pb.gz" -o "$T/out2.pb.gz" --to pprof
check "pprof big: the same bytes with sanitizers" cmp -s <(gzip -dc "$T/out.pb.gz") <(gzip -dc "$T/out2.pb.gz")

# Broken gzip, inflated on the input's thread.
size=$(stat -c %s "$T/in.pb.gz")
head -c $((size / 2)) "$T/in.pb.gz" >"$T/cut.pb.gz"
expect_exit "pprof big: truncated gzip exits 3" 3 "$RS" convert "$T/cut.pb.gz" -o "$T/x.json" --from pprof --to session
expect_err "pprof big: truncated gzip message" "cut\.pb\.gz: truncated gzip data \(unexpected end of file\)"
python3 - "$T/in.pb.gz" "$T/bad.pb.gz" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(d) // 2, len(d) // 2 + 64):
    d[i] ^= 0x5a
open(sys.argv[2], "wb").write(d)
EOF
expect_exit "pprof big: corrupt gzip exits 3" 3 "$RS" convert "$T/bad.pb.gz" -o "$T/x.json" --from pprof --to session
expect_err "pprof big: corrupt gzip message" "bad\.pb\.gz: corrupt gzip data at compressed byte [0-9]+: "
expect_exit "pprof big: --max-input-bytes exits 3" 3 "$RS" convert --max-input-bytes 3000000 "$T/in.pb.gz" -o "$T/x.json" --to session
expect_err "pprof big: --max-input-bytes message" "in\.pb\.gz: input is larger than the limit of 3000000 bytes after decompression"

# A bad location id in sample 60000, past the first batches the decoder
# thread hands over: the error names that sample, as without the thread.
badloc() { # IN OUT: prints the index of the location id made bad
	python3 - "$1" "$2" <<'EOF'
import gzip, sys
d = bytearray(gzip.open(sys.argv[1]).read())
def varint(i):
    v = s = 0
    while True:
        x = d[i]; i += 1; v |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return v, i
pos = k = 0
while pos < len(d):
    tag, p = varint(pos)
    if tag & 7 == 0:
        pos = varint(p)[1]
        continue
    n, p = varint(p)
    if tag >> 3 == 2 and k == 60000:
        assert d[p] == 1 << 3 | 2  # the packed location ids come first
        m, q = varint(p + 1)
        j = 0
        while True:  # the first two-byte id becomes 16000, which no location has
            _, r = varint(q)
            if r - q == 2:
                d[q:r] = bytes([0x80, 0x7d])
                break
            q, j = r, j + 1
        print(j)
        break
    k += tag >> 3 == 2
    pos = p + n
open(sys.argv[2], "wb").write(d)
EOF
}
j=$(badloc "$T/in.pb.gz" "$T/badloc.pb")
expect_exit "pprof big: bad location id in sample 60000 exits 3" 3 "$RS" convert "$T/badloc.pb" -o "$T/x.json" --from pprof --to session
expect_err "pprof big: bad location id message" "badloc\.pb: sample 60000: location id 16000 does not exist \(sample\[60000\]\.location_id\[$j\]\)"
badloc "$T/out.pb.gz" "$T/badown.pb" >/dev/null
expect_exit "pprof big: bad location id in our own file exits 3" 3 "$RS" convert "$T/badown.pb" -o "$T/x.json" --from pprof --to session
expect_err "pprof big: bad location id in our own file message (the sample named once)" "badown\.pb: sample 60000: location id 16000 does not exist \(sample\[60000\]\.location_id\[[0-9]+\]\)"
if ! tools_ready; then
	skip "pprof big: third-party readers" "$tools_why"
	exit 0
fi
count() { sed -n "s/^$1: //p"; }
go_in=$("$TOOLS/check-pprof.sh" "$T/in.pb.gz" | count samples)
go_out=$("$TOOLS/check-pprof.sh" "$T/out.pb.gz" | count samples)
check "pprof big: go tool pprof reads as many samples as in the input ($go_out = $go_in)" test -n "$go_out" -a "$go_out" = "$go_in"
node "$TOOLS/pprof-decode.js" "$T/out.pb.gz" >"$T/decode.json"
js=$(grep -q '^  "ok": true' "$T/decode.json" && sed -n 's/^  "samples": \([0-9]*\),$/\1/p' "$T/decode.json")
check "pprof big: pprof-format decodes 100000 samples" test "$js" = 100000
