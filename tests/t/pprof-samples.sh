# The importer decodes pprof samples itself (not protobuf-c, see
# docs/pprof.md): packed and unpacked repeated fields, unknown fields,
# negative values, more samples than its read-ahead ring, and broken
# samples reported with byte offset and field path, first error first.
. tests/lib.sh

mk() { # NAME CASE: writes $T/NAME.pb for one hand-made case
	python3 - "$T/$1.pb" "$2" <<'EOF'
import sys

sys.path.insert(0, "tests")
from pb import msg, num, packed, s, unpacked, varint  # noqa: E402


def sample(k, case):
    locs, vals = [1 + k % 3, 4, 5][: 1 + k % 3], [k + 1, -(k + 1) * 1000]
    label = num(1, 5) + num(3, k)
    if case == "unpacked":
        body = unpacked(1, locs) + unpacked(2, vals[:1]) + packed(2, vals[1:])
        body += num(9, 7) + msg(10, b"junk") + varint(11 << 3 | 5) + b"\0\0\0\0" + varint(12 << 3 | 1) + b"\0" * 8
        label += num(7, 1)
    else:
        body = packed(1, locs) + packed(2, vals)
    body += msg(3, label)
    if case == "first-error-first" and k == 0:
        body = packed(1, [99]) + packed(2, vals)
    if case in ("bad-wire-type", "first-error-first") and k == 30:
        body += varint(1 << 3 | 5) + b"\0\0\0\0"
    if case == "truncated-label" and k == 30:
        body += varint(3 << 3 | 2) + varint(9) + num(1, 5)
    return msg(2, body)

case = sys.argv[2]
strings = ["", "samples", "count", "cpu", "nanoseconds", "worker", "f", "g", "h", "x.go"]
body = msg(1, num(1, 1) + num(2, 2)) + msg(1, num(1, 3) + num(2, 4))
body += b"".join(sample(k, case) for k in range(40))
for i in range(1, 6):
    body += msg(4, num(1, i) + msg(4, num(1, 1 + i % 3) + num(2, 10 * i)))
for i in range(1, 4):
    body += msg(5, num(1, i) + num(2, 5 + i) + num(4, 9))
body += b"".join(msg(6, x.encode()) for x in strings)
open(sys.argv[1], "wb").write(body)
EOF
}

mk packed packed
mk unpacked unpacked
expect_exit "pprof samples: packed fields import" 0 "$RS" convert "$T/packed.pb" -o "$T/packed.json" --from pprof --to session
expect_exit "pprof samples: unpacked fields and unknown fields import" 0 "$RS" convert "$T/unpacked.pb" -o "$T/unpacked.json" --from pprof --to session
same() {
	python3 - "$T/packed.json" "$T/unpacked.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
keys = ("samples", "stacks", "frames", "sample_types")
sys.exit(0 if all(a[k] == b[k] for k in keys) else 1)
EOF
}
check "pprof samples: packed and unpacked give the same samples, stacks and frames" same
counts() {
	python3 - "$T/packed.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["samples"]
ok = len(s["stack"]) == 40 and s["values"][1][:3] == [-1000, -2000, -3000]
ok = ok and s["labels"][39] == [{"key": "worker", "num": 39}]
sys.exit(0 if ok else 1)
EOF
}
check "pprof samples: 40 samples, negative values and labels read back" counts

bad() { # NAME REGEX
	mk "$1" "$1"
	expect_exit "pprof samples $1: exit 3" 3 "$RS" convert "$T/$1.pb" -o "$T/out.json" --from pprof --to session
	expect_err "pprof samples $1: message" "$2"
}
bad bad-wire-type 'Profile\.sample\[30\]\.location_id: byte offset [0-9]+: wire type 5'
bad truncated-label 'Profile\.sample\[30\]: byte offset [0-9]+: length runs past the end'
bad first-error-first 'sample 0: location id 99 does not exist'
