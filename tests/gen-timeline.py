#!/usr/bin/env python3
"""Session JSON with a known timeline, for tests/t/correlate.sh and
tests/bench/correlate.sh: samples at HZ with times, and the lanes a
recording has (cpu_percent, rss_bytes, fd_count, thread_count, syscall_rate)
every INTERVAL ms, with deterministic noise. What is hot when, and which
lane moves when, is given on the command line, so the answer is known by
construction:

  gen-timeline.py OUT [--seconds S] [--hz HZ] [--interval-ms MS]
      [--hot NAME,T0,T1[,PERCENT]]...   NAME takes PERCENT % (default 80) of the samples in [T0, T1) s
      [--inline NAME=LEAF]...           every other sample of NAME ends in LEAF, inlined into it
      [--step LANE,T0,T1,DELTA]...      a level lane grows by DELTA, evenly over (T0, T1] s
      [--burst LANE,T0,T1,VALUE]...     a rate lane reads VALUE at the points in (T0, T1] s
      [--tiny-step LANE,T,DELTA]...     a level lane steps by DELTA at T s (stays)
      [--no-noise] [--shuffle] [--threads N]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stacktable import StackTable  # noqa: E402

START = 1714052400000000000
BACKGROUND = [("app::main_loop", "app"), ("serde_json::de::from_slice", "serde_json"),
              ("std::io::read", "std"), ("app::parse", "app")]
LANES = [("cpu_percent", "percent", 50.0, 5.0), ("rss_bytes", "bytes", 104857600.0, 4096.0),
         ("fd_count", "count", 20.0, 0.0), ("thread_count", "count", 4.0, 0.0),
         ("syscall_rate", "per_second", 1000.0, 50.0)]


def triple(s, n):
    p = s.split(",")
    if len(p) not in n:
        raise SystemExit(f"bad spec {s!r}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--hz", type=float, default=99)
    ap.add_argument("--interval-ms", type=float, default=100)
    ap.add_argument("--hot", action="append", default=[])
    ap.add_argument("--inline", action="append", default=[])
    ap.add_argument("--step", action="append", default=[])
    ap.add_argument("--burst", action="append", default=[])
    ap.add_argument("--tiny-step", action="append", default=[])
    ap.add_argument("--no-noise", action="store_true")
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    rnd = random.Random(18)

    frames, fidx = [], {}

    def frame(name, crate, inline=False):
        key = (name, inline)
        if key not in fidx:
            f = {"name": name, "kind": "rust", "crate": crate}
            if inline:
                f["inline"] = True
            fidx[key] = len(frames)
            frames.append(f)
        return fidx[key]

    stacks = StackTable()
    stack = stacks.stack  # frames root to leaf -> leaf node

    root = [frame("std::rt::lang_start", "std"), frame("app::main", "app")]
    hot = [(n, float(t0), float(t1), float(p[0]) if p else 80.0)
           for n, t0, t1, *p in (triple(h, (3, 4)) for h in a.hot)]
    inline = dict(s.split("=", 1) for s in a.inline)

    def leaf_stack(name, i):
        crate = name.split("::")[0] if "::" in name else ""
        path = root + [frame(name, crate)]
        if name in inline and i % 2:
            leaf = inline[name]
            path.append(frame(leaf, leaf.split("::")[0], inline=True))
        return stack(path)

    n = int(a.seconds * a.hz)
    period = int(1e9 / a.hz)
    st, times, threads = [], [], []
    for i in range(n):
        t = START + i * period
        secs = (t - START) / 1e9
        name = BACKGROUND[i % len(BACKGROUND)][0]
        for hn, t0, t1, pct in hot:
            if t0 <= secs < t1 and (i * 7919) % 100 < pct:
                name = hn
        st.append(leaf_stack(name, i))
        times.append(t)
        threads.append(i % a.threads)
    if a.shuffle:
        order = list(range(n))
        random.Random(7).shuffle(order)  # the noise below stays the same
        st, times, threads = [st[k] for k in order], [times[k] for k in order], [threads[k] for k in order]

    step = [(l, float(t0), float(t1), float(d)) for l, t0, t1, d in (triple(s, (4,)) for s in a.step)]
    burst = [(l, float(t0), float(t1), float(v)) for l, t0, t1, v in (triple(s, (4,)) for s in a.burst)]
    tiny = [(l, float(t), float(d)) for l, t, d in (triple(s, (3,)) for s in a.tiny_step)]
    npts = int(a.seconds * 1000 / a.interval_ms)
    counters = []
    for lane, unit, base, noise in LANES:
        pts = []
        for k in range(npts):
            t = START + int(k * a.interval_ms * 1e6)
            secs = k * a.interval_ms / 1000
            v = base + (0 if a.no_noise else rnd.uniform(-noise, noise))
            for l, t0, t1, d in step:
                if l == lane and secs > t0:
                    v += d * min(1.0, (secs - t0) / (t1 - t0))
            for l, t0, t1, val in burst:
                if l == lane and t0 < secs <= t1 + 1e-9:
                    v = val
            for l, ts, d in tiny:
                if l == lane and secs >= ts:
                    v += d
            pts.append([t, round(v, 3) if unit != "count" else round(v)])
        counters.append({"name": lane, "unit": unit, "points": pts})

    doc = {"schema": "rustscope.session", "schema_version": 1,
           "session": {"id": "gen-timeline", "name": "gen-timeline", "start_time_ns": START,
                       "duration_ns": int(a.seconds * 1e9)},
           "sample_types": [{"type": "samples", "unit": "count"}, {"type": "cpu", "unit": "nanoseconds"}],
           "period": period, "period_type": {"type": "cpu", "unit": "nanoseconds"},
           "default_sample_type": "cpu", "frames": frames,
           "stacks": stacks.json(),
           "threads": [{"pid": 1000, "tid": 1000 + k} for k in range(a.threads)],
           "samples": {"stack": st, "values": [[1] * n, [period] * n], "thread": threads, "time_ns": times},
           "counters": counters}
    with open(a.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))


main()
