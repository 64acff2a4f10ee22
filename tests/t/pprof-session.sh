# session → pprof → session is lossless: the session JSON written before
# and after a trip through pprof is byte-for-byte the same, for the bundled
# example sessions and for sessions imported from the pprof corpus.
. tests/lib.sh
. tests/t/pprof-common.bash

n=0
for f in corpus/examples/*.session.json; do
	[ -f "$f" ] || continue
	session_roundtrip "pprof session round trip ${f##*/}" "$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip "pprof session round trip of examples" "no corpus/examples/*.session.json yet"

n=0
for f in $(corpus_files pprof); do
	session_roundtrip "pprof session round trip from ${f##*/}" "$f" pprof
	n=$((n + 1))
done
check "pprof session round trip of the corpus: some files ($n; 0 means no valid pprof row in $CORPUS/MANIFEST.tsv)" test "$n" -gt 0

# Our own output is valid for Go's pprof too, whatever the session holds.
if go_ready; then
	for f in corpus/examples/*.session.json; do
		[ -f "$f" ] || continue
		"$RS" convert "$f" -o "$T/ex.pb.gz" --to pprof 2>"$T/err"
		nsamples=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["samples"]["stack"]))' "$f")
		if [ "$nsamples" = 0 ]; then
			skip "pprof go tool pprof reads ${f##*/}" "no samples: go tool pprof refuses every profile without samples"
			continue
		fi
		expect_exit "pprof go tool pprof accepts ${f##*/} as pprof" 0 "$TOOLS/check-pprof.sh" --strict --traces "$T/ex.pb.gz"
		expect_exit "pprof go tool pprof -top reads ${f##*/}" 0 go tool pprof -symbolize=none -top "$T/ex.pb.gz"
	done
else
	skip "pprof validity of exported examples" "go tool pprof is not installed"
fi

# The frames column (docs/pprof.md): a pprof's frames are left out of the
# rustscope session field when the importer rebuilds them from the Functions and
# Locations, which are then one per function as in the input; a file whose
# Functions were edited no longer gives back those frames, so it is
# imported as a plain pprof, with a warning.
go_file="$CORPUS/pprof/google-pprof__internal__report__testdata__sample.cpu"
if [ -f "$go_file" ]; then
	expect_exit "pprof frames column: pprof -> pprof" 0 "$RS" convert "$go_file" -o "$T/fc.pb.gz" --to pprof
	python3 - "$go_file" "$T/fc.pb.gz" "$T/fc-edited.pb" >"$T/fc.txt" <<'PY'
import gzip, re, sys
sys.path.insert(0, "tests")
import pb
def load(p):
    b = open(p, "rb").read()
    return gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b
src, out = pb.fields(load(sys.argv[1])), load(sys.argv[2])
f = pb.fields(out)
strings = [v for k, v in f if k == 6]
comment = next(v for k, v in f if k == 1000)  # PP_SESSION_FIELD
cols = re.match(rb"rustscope:v1 columns=(\S*)", comment).group(1).decode()
print("columns", cols)
print("functions", sum(k == 5 for k, _ in f), sum(k == 5 for k, _ in src))
print("comment has frames", b'"frames":[{' in comment)
# edit a function name in place (same length): the first Function's
fn = pb.fields(next(v for k, v in f if k == 5))
name = strings[dict(fn)[2]]
edited = name[:-1] + (b"X" if name[-1:] != b"X" else b"Y")
at = out.index(pb.msg(6, name))
open(sys.argv[3], "wb").write(out[:at] + pb.msg(6, edited) + out[at + len(pb.msg(6, name)):])
print("edited", edited.decode())
PY
	check "pprof frames column: chosen for a Go profile" grep -qE '^columns .*frames' "$T/fc.txt"
	check "pprof frames column: the frames are not in the session field" grep -q '^comment has frames False' "$T/fc.txt"
	check "pprof frames column: one Function per function, as in the input" grep -qE '^functions ([0-9]+) \1$' "$T/fc.txt"
	expect_exit "pprof frames column: an edited file still imports" 0 "$RS" convert "$T/fc-edited.pb" -o "$T/fc-edited.json" --to session
	expect_err "pprof frames column: an edited file warns" 'rustscope wrote in it does not match the profile'
	python3 -c '
import gzip, sys
b = gzip.decompress(open(sys.argv[1], "rb").read())
i = b.index(b" frames=") + len(b" frames=")
open(sys.argv[2], "wb").write(b[:i] + b"x" + b[i + 1:])' "$T/fc.pb.gz" "$T/fc-bad.pb"
	expect_exit "pprof frames column: a malformed frames= is bad input" 3 "$RS" convert "$T/fc-bad.pb" -o "$T/fc-bad.json" --to session
	expect_err "pprof frames column: a malformed frames= is named" 'expected "frames=<count>:<16 hex digits>" after the columns'
	edited=$(sed -n 's/^edited //p' "$T/fc.txt")
	check "pprof frames column: an edited file is read as a plain pprof" grep -qF "\"name\":\"$edited\"" "$T/fc-edited.json"
else
	skip "pprof frames column" "no $go_file"
fi

# Frames the Functions would give back, but one is on no sample (so on no
# Location): the frames stay in the session field, and the trip is lossless.
if [ -f "$go_file" ]; then
	"$RS" convert "$go_file" -o "$T/fu.json" --to session 2>/dev/null
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = dict(d["frames"][0]); f["line"] = f.get("line", 0) + 1000
d["frames"].append(f)
json.dump(d, open(sys.argv[2], "w"))' "$T/fu.json" "$T/fu-unused.json"
	session_roundtrip "pprof frames column: a frame on no sample survives the trip" "$T/fu-unused.json"
	"$RS" convert "$T/fu-unused.json" -o "$T/fu.pb.gz" --to pprof 2>/dev/null
	check "pprof frames column: not chosen when a frame is on no Location" \
		bash -c "zcat '$T/fu.pb.gz' | grep -aq 'rustscope:v1 columns=stacks {'"
fi
