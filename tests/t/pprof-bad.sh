# Bad pprof input: each of Go's CheckValid rules, broken protobuf and gzip,
# empty files and limits. The files are made here by a small protobuf
# encoder (python, below), never committed. Each must exit 3 with a
# message naming the file and the field.
. tests/lib.sh

mk() { # NAME CASE [gzip]: writes $T/NAME.pb(.gz) for one hand-made case
	python3 - "$T/$1" "$2" "${3:-}" <<'EOF'
import gzip, sys

sys.path.insert(0, "tests")
from pb import msg, num, packed, s, unpacked, varint  # noqa: E402


def profile(case):
    strings = ["", "samples", "count", "main", "main.go"]
    sample_type = [msg(1, num(1, 1) + num(2, 2))]
    function = [msg(5, num(1, 1) + num(2, 3) + num(4, 4))]
    location = [msg(4, num(1, 1) + msg(4, num(1, 1) + num(2, 7)))]
    sample = [msg(2, packed(1, [1]) + packed(2, [5]))]
    mapping = []
    if case == "sample-missing-location":
        sample = [msg(2, packed(1, [99]) + packed(2, [5]))]
    elif case == "location-id-0":
        location = [msg(4, msg(4, num(1, 1)))]
    elif case == "duplicate-location":
        location = location * 2
    elif case == "function-id-0":
        location = [msg(4, num(1, 1) + msg(4, num(2, 7)))]
    elif case == "missing-function":
        location = [msg(4, num(1, 1) + msg(4, num(1, 42)))]
    elif case == "duplicate-function":
        function = function * 2
    elif case == "mapping-id-0":
        mapping = [msg(3, num(2, 4096))]
    elif case == "value-count":
        sample = [msg(2, packed(1, [1]) + packed(2, [5, 6]))]
    elif case == "no-sample-type":
        sample_type = []
    elif case == "string-out-of-range":
        function = [msg(5, num(1, 1) + num(2, 9))]
    elif case == "label-key-out-of-range":
        sample = [msg(2, packed(1, [1]) + packed(2, [5]) + msg(3, num(1, 1000) + num(2, 3)))]
    elif case == "string0-not-empty":
        strings[0] = "oops"
    elif case == "negative-string-index":
        sample_type = [msg(1, num(1, -1) + num(2, 2))]
    elif case == "negative-line":
        location = [msg(4, num(1, 1) + msg(4, num(1, 1) + num(2, -5)))]
    body = b"".join(sample_type + sample + mapping + location + function)
    body += b"".join(s(6, x) for x in strings)
    if case == "invalid-utf8":
        body = body.replace(b"main", b"m\xffin")  # the same length: no length prefix changes
    if case == "truncated-protobuf":
        body = body[: len(body) - 3]
    elif case == "bad-wire-type":
        body += varint(2 << 3 | 3)  # a group start: not in profile.proto
    return body

out, case, gz = sys.argv[1], sys.argv[2], sys.argv[3]
data = profile(case)
if gz:
    data = gzip.compress(data)
open(out + (".pb.gz" if gz else ".pb"), "wb").write(data)
EOF
}

# bad NAME REGEX [gzip]: the hand-made case NAME exits 3 naming REGEX
bad() {
	mk "$1" "$1" "${3:-}"
	local f="$T/$1.pb"
	[ -n "${3:-}" ] && f="$T/$1.pb.gz"
	expect_exit "pprof bad $1: exit 3" 3 "$RS" convert "$f" -o "$T/out.json" --from pprof --to session
	expect_err "pprof bad $1: message" "$1\.pb.*$2"
}

mk good good
expect_exit "pprof bad: the hand-made base case is valid" 0 "$RS" convert "$T/good.pb" -o "$T/good.json" --from pprof --to session
mk good-gz good gzip
expect_exit "pprof bad: the hand-made base case gzipped is valid" 0 "$RS" convert "$T/good-gz.pb.gz" -o "$T/good.json" --from pprof --to session

bad sample-missing-location "sample 0: location id 99 does not exist" gzip
bad location-id-0 "location 0: id is 0"
bad duplicate-location "location 1: duplicate id 1"
bad function-id-0 "line 0: function_id is 0"
bad missing-function "function id 42 does not exist"
bad duplicate-function "function 1: duplicate id 1"
bad mapping-id-0 "mapping 0: id is 0"
bad value-count "sample 0: has 2 values but the profile has 1 sample types"
bad no-sample-type "no sample_type"
bad string-out-of-range "function\[0\]\.name: string index 9 is out of range"
bad label-key-out-of-range "sample\[0\]\.label\[0\]\.key: string index 1000"
bad string0-not-empty 'string_table\[0\] is "oops", expected ""'
bad negative-string-index "sample_type\[0\]\.type: string index -1"
bad truncated-protobuf "byte offset [0-9]+"
bad bad-wire-type "byte offset [0-9]+: not a pprof protobuf \(unsupported wire type"

# Empty inputs: a 0-byte file, and a gzip stream of zero bytes.
: >"$T/empty.pb"
expect_exit "pprof bad: 0-byte file exits 3" 3 "$RS" convert "$T/empty.pb" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: 0-byte file message" "empty\.pb: empty"
printf '' | gzip -c >"$T/empty-gz.pb.gz"
expect_exit "pprof bad: gzip of 0 bytes exits 3" 3 "$RS" convert "$T/empty-gz.pb.gz" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: gzip of 0 bytes message" "empty-gz\.pb\.gz: empty"

# Truncated gzip: a valid profile cut in the middle of its compressed data.
src="$CORPUS/pprof/parca-dev-parca__pkg__parca__testdata__alloc_objects.pb.gz"
check "pprof bad: the corpus file to cut is there" test -s "$src"
head -c 20000 "$src" >"$T/truncated.pb.gz"
expect_exit "pprof bad: truncated gzip exits 3" 3 "$RS" convert "$T/truncated.pb.gz" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: truncated gzip message" "truncated\.pb\.gz: .*(truncated|unexpected end)"
# Decompression bomb: the limit stops the inflate, whatever the ratio.
expect_exit "pprof bad: --max-input-bytes stops a big inflate" 3 "$RS" convert --max-input-bytes 100000 "$src" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: limit message" "larger than the limit of 100000 bytes after decompression"
expect_exit "pprof bad: --max-elements bounds table sizes" 3 "$RS" convert --max-elements 100 "$src" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: element limit message" "Profile\.[a-z_]+ has more than 100 entries"
head -c 30000000 /dev/zero | gzip -c >"$T/bomb.pb.gz"
expect_exit "pprof bad: decompression bomb exits 3" 3 "$RS" convert --max-input-bytes 1000000 "$T/bomb.pb.gz" -o "$T/out.json" --from pprof --to session
expect_err "pprof bad: decompression bomb message" "bomb\.pb\.gz: input is larger than the limit"

# No output file is left behind by a failed conversion.
check "pprof bad: no partial output" test ! -e "$T/out.json"

# A negative line number is refused (the session has no negative lines).
bad negative-line "line number -5 is negative"
# Invalid UTF-8 in strings is repaired with a warning: nothing we write may
# fail our own validate.
mk invalid-utf8 invalid-utf8
expect_exit "pprof invalid UTF-8: converts" 0 "$RS" convert "$T/invalid-utf8.pb" -o "$T/utf8.session.json"
expect_err "pprof invalid UTF-8: warns once" "invalid UTF-8.*U\+FFFD"
expect_exit "pprof invalid UTF-8: what we wrote validates" 0 "$RS" validate "$T/utf8.session.json"
