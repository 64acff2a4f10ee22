"""Protobuf wire-format writers for hand-made pprof test inputs
(tests/t/pprof-bad.sh, tests/t/pprof-samples.sh): field encodings only,
so each test states the messages it builds."""


def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7f | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def num(field, v):
    return varint(field << 3) + varint(v)


def msg(field, body):
    return varint(field << 3 | 2) + varint(len(body)) + body


def s(field, text):
    return msg(field, text.encode())


def packed(field, vals):
    return msg(field, b"".join(varint(v) for v in vals))


def unpacked(field, vals):
    return b"".join(num(field, v) for v in vals)
