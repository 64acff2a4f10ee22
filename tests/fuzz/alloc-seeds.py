#!/usr/bin/env python3
"""Writes the seed corpus of the alloc-stream fuzz target (tests/fuzz/
alloc_stream.c) to tests/fuzz/seeds-alloc-stream/: hand-made streams of the
format of preload/alloc_wire.h that reach each path of sampler/alloc.c, and,
given captures of real streams, their first whole chunks (under 16 KB).

Usage: tests/fuzz/alloc-seeds.py [CAPTURE.bin...]
A capture: LD_PRELOAD=$PWD/build/librustscope_alloc.so RUSTSCOPE_ALLOC_PIPE=3 \\
    RUSTSCOPE_ALLOC_SAMPLE_BYTES=1 /bin/ls 3> >(cat > ls.bin)"""
import os
import struct
import sys

MAGIC, CHUNK, MAX_FRAMES = 0x31574152, 4096, 64
ALLOC, FREE, REALLOC = 1, 2, 3
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds-alloc-stream")


def event(kind, t, addr, size=0, old=0, sampled=None, pcs=()):
    if sampled is None:
        sampled = kind != FREE
    return struct.pack("<BBB5xQQQQ", kind, len(pcs), sampled, t, addr, size, old) + b"".join(
        struct.pack("<Q", pc) for pc in pcs)


def chunk(pid, tid, events, dropped=0):
    body = b"".join(events)
    assert 24 + len(body) <= CHUNK
    return struct.pack("<IIiiQ", MAGIC, 24 + len(body), pid, tid, dropped) + body


S = 1_000_000_000  # t0 of the fuzz target: 1 s
stack_a = (0x401000, 0x401200, 0x7F0000001000)
stack_b = (0x402000,)
seeds = {
    # alloc, free; one left live; a zero-frame and a deepest stack
    "one-thread": chunk(100, 100, [
        event(ALLOC, S + 10, 0x1000, 64, pcs=stack_a),
        event(ALLOC, S + 20, 0x2000, 1 << 20, pcs=stack_b),
        event(FREE, S + 30, 0x1000),
        event(ALLOC, S + 40, 0x3000, 8, pcs=()),
        event(ALLOC, S + 50, 0x4000, 24, pcs=tuple(range(0x500000, 0x500000 + MAX_FRAMES))),
    ]),
    # thread 2's free arrives before thread 1's allocation; then the
    # address is reused later, after an earlier stale free
    "early-free": chunk(100, 2, [event(FREE, S + 200, 0x1000)]) +
                  chunk(100, 1, [event(ALLOC, S + 100, 0x1000, 128, pcs=stack_a)]) +
                  chunk(100, 2, [event(FREE, S + 300, 0x2000)]) +
                  chunk(100, 1, [event(ALLOC, S + 400, 0x2000, 128, pcs=stack_b)]),
    # realloc: sampled to sampled, sampled to unsampled, unsampled to
    # sampled, in place, to 0
    "realloc": chunk(100, 100, [
        event(ALLOC, S + 1, 0x1000, 16, pcs=stack_a),
        event(REALLOC, S + 2, 0x5000, 32, old=0x1000, pcs=stack_b),
        event(REALLOC, S + 3, 0x6000, 64, old=0x5000, sampled=0),
        event(REALLOC, S + 4, 0x7000, 100, old=0, pcs=stack_a),
        event(REALLOC, S + 5, 0x7000, 200, old=0x7000, pcs=stack_a),
        event(REALLOC, S + 6, 0, 0, old=0x7000, sampled=0),
    ]),
    # two processes, dropped counts, counter buckets far apart, one event
    # split over nothing but a header
    "processes": chunk(100, 100, [event(ALLOC, S + 5, 0x1000, 40, pcs=stack_a)], dropped=3) +
                 chunk(200, 200, [], dropped=7) +
                 chunk(200, 201, [event(ALLOC, S + 60 * S, 0x1000, 40, pcs=stack_a),
                                  event(FREE, S + 61 * S, 0x1000)]),
    # a full chunk of allocations
    "full-chunk": chunk(100, 100, [event(ALLOC, S + i, 0x10000 + 16 * i, 16, pcs=stack_b)
                                   for i in range((CHUNK - 24) // 48)]),
}

os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
for path in sys.argv[1:]:
    data, end = open(path, "rb").read(), 0
    while end + 24 <= len(data):
        magic, length = struct.unpack_from("<II", data, end)
        if magic != MAGIC or end + length > min(len(data), 16384):
            break
        end += length
    with open(os.path.join(out, "capture-" + os.path.basename(path)), "wb") as f:
        f.write(data[:end])
