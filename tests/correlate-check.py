#!/usr/bin/env python3
"""Checks `rustscope correlate --json` output against its documented shape
(docs/correlate.md) and against a brute-force recomputation from the
session JSON, for tests/t/correlate.sh. Prints one line per problem and
exits 1 when there is any.

  correlate-check.py shape RESULT
  correlate-check.py brute SESSION RESULT [TOP]      shares and counter deltas recomputed
  correlate-check.py spike SESSION RESULT LANE FN T0 T1 DELTA [PADDING_MS]
      a spike of LANE spans T0..T1 s after the session start (within the
      padding), its delta is DELTA within 2 %, FN is its first function
"""
import json
import sys

SPIKE_KEYS = ["lane", "start_ns", "end_ns", "delta", "window", "functions", "counter_deltas"]
problems = []


def bad(msg):
    problems.append(msg)


def shape(res):
    if not isinstance(res, dict) or list(res) != ["spikes"] or not isinstance(res["spikes"], list):
        return bad('top level is not {"spikes": [...]}')
    for i, sp in enumerate(res["spikes"]):
        if list(sp) != SPIKE_KEYS:
            bad(f"spikes[{i}] members {list(sp)}, wanted {SPIKE_KEYS}")
            continue
        if not (sp["lane"] is None or isinstance(sp["lane"], str)):
            bad(f"spikes[{i}].lane is {sp['lane']!r}")
        for k in ("start_ns", "end_ns"):
            if not isinstance(sp[k], int):
                bad(f"spikes[{i}].{k} is not an integer")
        if not (sp["delta"] is None or isinstance(sp["delta"], (int, float))):
            bad(f"spikes[{i}].delta is {sp['delta']!r}")
        w = sp["window"]
        if list(w) != ["start_ns", "end_ns"] or not all(isinstance(w[k], int) for k in w):
            bad(f"spikes[{i}].window is {w!r}")
        elif not w["start_ns"] <= sp["start_ns"] <= sp["end_ns"] <= w["end_ns"]:
            bad(f"spikes[{i}]: the window does not hold the spike")
        for j, f in enumerate(sp["functions"]):
            if list(f) != ["name", "crate", "share", "baseline_share"]:
                bad(f"spikes[{i}].functions[{j}] members {list(f)}")
            elif not (0 <= f["share"] <= 1 and 0 <= f["baseline_share"] <= 1):
                bad(f"spikes[{i}].functions[{j}] shares out of [0, 1]")
        if not all(isinstance(v, (int, float)) for v in sp["counter_deltas"].values()):
            bad(f"spikes[{i}].counter_deltas has a value that is not a number")


def function_of(doc):
    """Stack node -> (name, crate) of its out-of-line function."""
    frames, parent, frame = doc["frames"], doc["stacks"]["parent"], doc["stacks"]["frame"]
    out = []
    for i, p in enumerate(parent):
        f = frames[frame[i]]
        out.append(out[p] if f.get("inline") and p >= 0 else (f["name"], f.get("crate")))
    return out


def value_at(points, t):
    v = points[0][1]
    for pt, pv in points:
        if pt > t:
            break
        v = pv
    return v


def brute(doc, res, top):
    fn = function_of(doc)
    types = [t["type"] for t in doc["sample_types"]]
    vt = types.index(doc["default_sample_type"]) if doc.get("default_sample_type") in types else len(types) - 1
    sm = doc["samples"]
    rows = [(t, sm["values"][vt][i], fn[sm["stack"][i]] if sm["stack"][i] >= 0 else None)
            for i, t in enumerate(sm.get("time_ns", [])) if t is not None]
    total, per_fn = 0, {}
    for _, w, f in rows:
        total += w
        if f:
            per_fn[f] = per_fn.get(f, 0) + w
    for i, sp in enumerate(res["spikes"]):
        w0, w1 = sp["window"]["start_ns"], sp["window"]["end_ns"]
        win, win_total = {}, 0
        for t, w, f in rows:
            if w0 <= t < w1:
                win_total += w
                if f:
                    win[f] = win.get(f, 0) + w
        out_total = total - win_total
        want = []
        for f, w in win.items():
            share = w / win_total if win_total > 0 else 0.0
            base = (per_fn[f] - w) / out_total if out_total > 0 else 0.0
            want.append((-(share - base), -share, f[0], f[1], share, base))
        want.sort()
        want = want[:top]
        got = sp["functions"]
        if [(x[2], x[3]) for x in want] != [(g["name"], g["crate"]) for g in got]:
            bad(f"spikes[{i}]: functions {[g['name'] for g in got]}, brute force gives {[x[2] for x in want]}")
        for x, g in zip(want, got):
            if abs(x[4] - g["share"]) > 1e-9 or abs(x[5] - g["baseline_share"]) > 1e-9:
                bad(f"spikes[{i}] {g['name']}: shares {g['share']}/{g['baseline_share']}, brute force {x[4]}/{x[5]}")
        deltas = {c["name"]: value_at(c["points"], w1) - value_at(c["points"], w0)
                  for c in doc.get("counters", []) if c["points"]}
        got_d = sp["counter_deltas"]
        if sorted(deltas) != sorted(got_d) or any(abs(deltas[k] - got_d[k]) > 1e-6 * max(1, abs(deltas[k]))
                                                  for k in deltas):
            bad(f"spikes[{i}]: counter_deltas {got_d}, brute force {deltas}")


def spike(res, start, lane, fn, t0, t1, delta, pad_ms):
    pad = pad_ms * 1e6
    for sp in res["spikes"]:
        if sp["lane"] != lane or abs(sp["start_ns"] - (start + t0 * 1e9)) > pad:
            continue
        if abs(sp["end_ns"] - (start + t1 * 1e9)) > pad:
            bad(f"{lane} spike at {t0} s ends at {(sp['end_ns'] - start) / 1e9} s, wanted {t1} s")
        if abs(sp["delta"] - delta) > 0.02 * abs(delta):
            bad(f"{lane} spike at {t0} s: delta {sp['delta']}, wanted {delta}")
        if not sp["functions"] or sp["functions"][0]["name"] != fn:
            bad(f"{lane} spike at {t0} s: first function {sp['functions'][:1]}, wanted {fn}")
        return
    bad(f"no {lane} spike at {t0} s: {[(s['lane'], (s['start_ns'] - start) / 1e9) for s in res['spikes']]}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "shape":
        shape(json.load(open(args[0])))
    elif cmd == "brute":
        brute(json.load(open(args[0])), json.load(open(args[1])), int(args[2]) if len(args) > 2 else 10)
    elif cmd == "spike":
        start = json.load(open(args[0]))["session"]["start_time_ns"]
        res = json.load(open(args[1]))
        spike(res, start, args[2], args[3], float(args[4]), float(args[5]), float(args[6]),
              float(args[7]) if len(args) > 7 else 100)
    else:
        sys.exit(f"unknown check {cmd}")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
