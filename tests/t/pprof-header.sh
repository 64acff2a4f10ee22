# What `go tool pprof -top` shows first of a pprof we write: the session
# rustscope carries rides in a Profile field of its own (docs/pprof.md), so
# the header a person reads is pprof's own, a few lines; files of older
# versions, with the session in a comment, still read back losslessly.
. tests/lib.sh
. tests/t/record-common.bash
EX=corpus/examples/demo.session.json
if ! command -v go >/dev/null 2>&1; then
	skip "pprof header" "go is not installed (make interop-deps installs golang-go)"
	exit 0
fi

# header FILE NAME: the lines go tool pprof -top prints before its table.
header() {
	go tool pprof -top -symbolize=none "$1" 2>/dev/null | awk '/^ +flat +flat%/ {exit} {print}' >"$T/$2.header"
	local bytes longest
	bytes=$(wc -c <"$T/$2.header")
	longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/$2.header")
	check "pprof header of $2: under 1 KB ($bytes bytes, $(wc -l <"$T/$2.header") lines)" test "$bytes" -lt 1024
	check "pprof header of $2: no line over 160 columns (longest $longest)" test "$longest" -le 160
	check "pprof header of $2: no rustscope metadata in it" bash -c "! grep -q 'rustscope:v1' '$T/$2.header'"
}

"$RS" convert -q $EX -o "$T/demo.pb.gz"
header "$T/demo.pb.gz" demo
"$RS" convert -q "$T/demo.pb.gz" -o "$T/demo-back.session.json"
"$RS" convert -q $EX -o "$T/demo.session.json"
check "pprof header: the demo still reads back byte for byte" cmp "$T/demo.session.json" "$T/demo-back.session.json"

if record_ready "pprof header of a recording"; then
	"$RS_PLAIN" record -q -F 999 --duration 3 -o "$T/rec.session.json" -- "$WL/cwork" >/dev/null 2>"$T/rec.err"
	if [ -s "$T/rec.session.json" ]; then
		"$RS" convert -q "$T/rec.session.json" -o "$T/rec.pb.gz"
		header "$T/rec.pb.gz" "a 3 s recording"
		"$RS" convert -q "$T/rec.pb.gz" -o "$T/rec-back.session.json"
		check "pprof header: the recording reads back byte for byte" cmp "$T/rec.session.json" "$T/rec-back.session.json"
	else
		fail "pprof header of a recording" "record wrote nothing: $(head -c 300 "$T/rec.err")"
	fi
fi

# A file of rustscope 0.1, with the session in a comment: moved there by hand.
python3 - "$T/demo.pb.gz" "$T/old.pb" <<'PY'
import gzip, sys
sys.path.insert(0, "tests")
import pb
b = gzip.decompress(open(sys.argv[1], "rb").read())
out, text, nstr = b"", None, 0
for k, v in pb.fields(b):
    if k == 1000:
        text = v
        continue
    nstr += k == 6
    out += pb.msg(k, v) if isinstance(v, bytes) else pb.num(k, v)
out += pb.msg(6, text) + pb.num(13, nstr)
open(sys.argv[2], "wb").write(out)
PY
expect_exit "pprof header: a file with the session in a comment imports" 0 "$RS" convert -q "$T/old.pb" -o "$T/old.session.json"
check "pprof header: a file with the session in a comment reads back byte for byte" cmp "$T/demo.session.json" "$T/old.session.json"
