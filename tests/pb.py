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


def read_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    """The top-level fields of a message: (field, int or bytes) in order;
    fixed64 and fixed32 fields as their raw bytes."""
    out, i = [], 0
    while i < len(b):
        tag, i = read_varint(b, i)
        wt = tag & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        out.append((tag >> 3, v))
    return out
