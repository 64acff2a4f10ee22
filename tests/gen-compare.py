#!/usr/bin/env python3
"""Noisy session JSON runs of one synthetic workload, for tests/t/compare.sh
and tests/bench: what a sampling profiler records of a fixed amount of
work, so that a slowdown is known by construction.

The workload is FUNCTIONS functions (default 50) in 8 modules of 5 crates,
each reached by its own stack (lang_start > app::main > the module's
dispatcher > the function), with Zipf shares of the CPU time (1/rank). A
run is WINDOWS equal time slices (default 30); in each, the sampler takes a
Poisson number of samples around PER_WINDOW (default 1000, e.g. 1 s at
1 kHz), each sample's leaf drawn by the functions' weights (a multinomial).
The weights move between windows (lognormal, --window-jitter, default 5 %)
and between runs (--run-jitter, default 1 %: the code layout, the machine).

  gen-compare.py OUT [--seed S] [--count N] [--slow NAME=FACTOR]...
      [--functions N] [--windows N] [--per-window N]
      [--window-jitter SD] [--run-jitter SD] [--no-times]
      [--alloc] [--alloc-grow NAME=FACTOR]... [--rss MIB] [--rss-grow MIB]
      [--spans] [--list]

--slow NAME=1.2 makes NAME 20 % slower: its weight grows by the factor and,
the work being fixed, so does the run (every window holds more samples).
--count N writes N runs with seeds S..S+N-1 to OUT with "{}" replaced by the
index. --alloc adds an alloc_space/bytes column (bytes per sample fixed by
function); --rss a rss_bytes lane around MIB, growing by --rss-grow.
--list prints the functions with their shares, most first. --spans writes
timed spans instead of samples (a trace): per window, 20 spans of each of
the first 10 functions, back to back on one thread, lasting (rank) ms times
a lognormal (25 %); --slow stretches a function's spans by the factor.
"""
import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stacktable import StackTable  # noqa: E402

START = 1714052400000000000
MODULES = [("app", "parser"), ("app", "engine"), ("app", "net"), ("app", "store"),
           ("serde_json", "de"), ("std", "io"), ("tokio", "runtime"), ("regex", "exec")]
VERBS = ["parse", "lex", "emit", "hash", "fetch", "flush", "merge", "sort", "scan", "read",
         "write", "encode", "decode", "poll", "spawn", "match", "build", "drop", "clone", "step"]
PERIOD = 1000000  # 1 kHz: each sample stands for 1 ms of CPU


def functions(n):
    out = []
    for i in range(n):
        crate, module = MODULES[i % len(MODULES)]
        out.append((f"{crate}::{module}::{VERBS[i % len(VERBS)]}_{i}", crate, module))
    return out


def poisson(rnd, lam):
    if lam < 50:  # Knuth
        k, p, limit = 0, 1.0, math.exp(-lam)
        while True:
            p *= rnd.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rnd.gauss(lam, math.sqrt(lam))))  # normal limit of the Poisson


def factors(specs):
    out = {}
    for s in specs:
        name, f = s.split("=", 1)
        out[name] = float(f)
    return out


def build_spans(a, seed):
    rnd = random.Random(seed)
    fns = functions(min(10, a.functions))
    slow = factors(a.slow)
    spans, t = [], START
    for w in range(a.windows):
        todo = [k for k in range(len(fns)) for _ in range(20)]
        rnd.shuffle(todo)
        for k in todo:
            dur = int(1e6 * (k + 1) * math.exp(rnd.gauss(0, 0.25)) * slow.get(fns[k][0], 1.0))
            spans.append({"thread": 0, "start_ns": t, "end_ns": t + dur, "name": fns[k][0]})
            t += dur + 1000
    return {"schema": "rustscope.session", "schema_version": 1,
            "session": {"id": f"gen-compare-spans-{seed}", "name": "gen-compare", "start_time_ns": START},
            "sample_types": [], "frames": [], "stacks": {"parent": [], "frame": []},
            "samples": {"stack": [], "values": []},
            "threads": [{"pid": 1, "tid": 1, "name": "main"}], "intervals": spans}


def build(a, seed):
    if a.spans:
        return build_spans(a, seed)
    rnd = random.Random(seed)
    fns = functions(a.functions)
    slow, grow = factors(a.slow), factors(a.alloc_grow)
    for name in list(slow) + list(grow):
        if name not in {f[0] for f in fns}:
            raise SystemExit(f"gen-compare.py: no function {name!r} (see --list)")
    frames, stacks = [], StackTable()
    fidx = {}

    def frame(name, crate, module):
        if name not in fidx:
            fidx[name] = len(frames)
            f = {"name": name, "kind": "rust", "crate": crate, "line": 10 + len(frames)}
            if module:
                f.update(module=module, file=f"src/{module}.rs")
            frames.append(f)
        return fidx[name]

    stack = stacks.stack

    root = [frame("std::rt::lang_start", "std", "rt"), frame("app::main", "app", "")]
    paths = [root + [frame(f"{crate}::{module}::run", crate, module), frame(name, crate, module)]
             for name, crate, module in fns]
    leaf = {}  # stack nodes in the order samples first use them, as recorders intern them
    base = [1.0 / (i + 1) * slow.get(f[0], 1.0) for i, f in enumerate(fns)]
    work = sum(base) / sum(1.0 / (i + 1) for i in range(len(fns)))  # the run is longer by this
    run_w = [w * math.exp(rnd.gauss(0, a.run_jitter)) for w in base]
    alloc = [1024 * (1 + i % 7) * grow.get(f[0], 1.0) for i, f in enumerate(fns)]
    win_ns = int(1e9 * work)
    st, times, alloc_v = [], [], []
    for w in range(a.windows):
        ww = [x * math.exp(rnd.gauss(0, a.window_jitter)) for x in run_w]
        n = poisson(rnd, a.per_window * work)
        picks = rnd.choices(range(len(fns)), weights=ww, k=n)
        ts = sorted(rnd.randrange(win_ns) for _ in range(n))
        for k, t in zip(picks, ts):
            if k not in leaf:
                leaf[k] = stack(paths[k])
            st.append(leaf[k])
            times.append(START + w * win_ns + t)
            alloc_v.append(round(alloc[k]))
    n = len(st)
    types = [{"type": "cpu", "unit": "nanoseconds"}]
    values = [[PERIOD] * n]
    if a.alloc:
        types.append({"type": "alloc_space", "unit": "bytes"})
        values.append(alloc_v)
    samples = {"stack": st, "values": values}
    if not a.no_times:
        samples["time_ns"] = times
    doc = {"schema": "rustscope.session", "schema_version": 1,
           "session": {"id": f"gen-compare-{seed}", "name": "gen-compare", "start_time_ns": START},
           "sample_types": types, "default_sample_type": "cpu",
           "frames": frames, "stacks": stacks.json(),
           "samples": samples}
    if a.rss is not None:
        pts, dur = [], a.windows * win_ns
        for k in range(0, dur, 100000000):
            mib = a.rss + a.rss_grow * k / dur + rnd.gauss(0, 0.5)
            pts.append([START + k, round(mib * 1048576)])
        doc["counters"] = [{"name": "rss_bytes", "unit": "bytes", "points": pts}]
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--slow", action="append", default=[])
    ap.add_argument("--functions", type=int, default=50)
    ap.add_argument("--windows", type=int, default=30)
    ap.add_argument("--per-window", type=float, default=1000)
    ap.add_argument("--window-jitter", type=float, default=0.05)
    ap.add_argument("--run-jitter", type=float, default=0.01)
    ap.add_argument("--no-times", action="store_true")
    ap.add_argument("--alloc", action="store_true")
    ap.add_argument("--alloc-grow", action="append", default=[])
    ap.add_argument("--rss", type=float)
    ap.add_argument("--rss-grow", type=float, default=0)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--spans", action="store_true")
    a = ap.parse_args()
    if a.list:
        h = sum(1.0 / (i + 1) for i in range(a.functions))
        for i, (name, _, _) in enumerate(functions(a.functions)):
            print(f"{100 / (i + 1) / h:6.2f}% {name}")
        return
    if a.count > 1 and "{}" not in a.out:
        raise SystemExit("gen-compare.py: --count needs {} in OUT")
    for i in range(a.count):
        with open(a.out.replace("{}", str(i)), "w") as f:
            json.dump(build(a, a.seed + i), f, separators=(",", ":"))


main()
