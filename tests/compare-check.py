#!/usr/bin/env python3
"""Checks of rustscope compare's outputs for tests/t/compare.sh (docs/compare.md).

  compare-check.py rates FUNC DET_FILE... -- AA_FILE...
      counts the --ci-output json reports: those of DET_FILE that flag FUNC
      as a regression, those of AA_FILE that flag anything (a regression,
      an improvement, or a new function that fails); prints
      "DETECTED N OTHER AA_FLAGGED M" and exits 0
  compare-check.py shape REPORT.json       the documented JSON shape
  compare-check.py gitlab REPORT.json      a GitLab Code Quality report
  compare-check.py github OUT              workflow command lines
  compare-check.py folded DIFF BASE CUR    two-column folded difference:
      each line "stack before after", the columns' sums the runs' totals
"""
import json
import re
import sys

ROW_KEYS = {"kind", "name", "crate", "module", "file", "line", "baseline", "current", "change", "ci",
            "effect_size", "t", "df", "p", "q", "severity", "fails"}
TOP_KEYS = {"version", "metric", "unit", "observations", "interval_durations", "windows_per_run",
            "threshold", "alpha", "min_samples", "fail_on", "baseline", "current", "rows", "tested",
            "failures", "verdict", "regressions", "improvements", "new", "vanished", "unchanged",
            "untested"}


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def flagged(d):
    return d["regressions"] + d["improvements"] + [r for r in d["new"] if r["fails"]]


def rates(args):
    func, rest = args[0], args[1:]
    cut = rest.index("--")
    det, aa = rest[:cut], rest[cut + 1:]
    hit = other = 0
    for f in det:
        d = json.load(open(f))
        names = [r["name"] for r in d["regressions"]]
        hit += func in names
        # the function's own module and crate move with it
        other += any(r["kind"] == "function" and r["name"] != func for r in flagged(d))
    aa_flag = sum(bool(flagged(json.load(open(f)))) for f in aa)
    print(f"DETECTED {hit} OTHER {other} AA_FLAGGED {aa_flag}")


def shape(args):
    d = json.load(open(args[0]))
    if set(d) != TOP_KEYS:
        fail(f"top-level keys: {sorted(set(d) ^ TOP_KEYS)}")
    if d["version"] != 1 or d["verdict"] not in ("pass", "fail"):
        fail("version or verdict")
    if (d["failures"] > 0) != (d["verdict"] == "fail"):
        fail("failures and verdict disagree")
    for side in ("baseline", "current"):
        if set(d[side]) != {"files", "runs", "observations"}:
            fail(f"{side} keys")
    rows = d["regressions"] + d["improvements"] + d["new"] + d["vanished"]
    if d["rows"] != len(rows) + d["unchanged"] + d["untested"]:
        fail("rows do not add up")
    for r in rows:
        if set(r) != ROW_KEYS:
            fail(f"row keys: {sorted(set(r) ^ ROW_KEYS)}")
        if r["kind"] not in ("function", "module", "crate", "process"):
            fail(f"kind {r['kind']}")
        if set(r["baseline"]) != {"n", "mean", "sd"} or len(r["ci"]) != 2:
            fail("row sides or ci")
    for r in d["regressions"]:
        if not (r["severity"] in ("minor", "moderate", "critical") and r["q"] <= d["alpha"]
                and r["change"] >= d["threshold"] and r["ci"][0] <= r["change"] <= r["ci"][1]):
            fail(f"regression {r['name']}: severity, q, change or interval")
    changes = [r["change"] for r in d["regressions"]]
    if changes != sorted(changes, reverse=True):
        fail("regressions are not worst first")


def gitlab(args):
    d = json.load(open(args[0]))
    if not isinstance(d, list) or not d:
        fail("not a non-empty array")
    seen = set()
    for i in d:
        if set(i) != {"description", "check_name", "fingerprint", "severity", "location"}:
            fail(f"issue keys {sorted(i)}")
        if i["severity"] not in ("info", "minor", "major", "critical", "blocker"):
            fail(f"severity {i['severity']}")
        loc = i["location"]
        if not (isinstance(loc["path"], str) and loc["path"] and loc["lines"]["begin"] >= 1):
            fail("location")
        if i["fingerprint"] in seen or not re.fullmatch(r"[0-9a-f]{32}", i["fingerprint"]):
            fail("fingerprint")
        seen.add(i["fingerprint"])


def github(args):
    lines = [l for l in open(args[0]) if l.startswith("::")]
    if not lines:
        fail("no workflow commands")
    for l in lines:
        m = re.fullmatch(r"::(error|warning|notice) ((?:[a-z]+=[^,:]*,)*title=[^,:]*)::(.*)\n", l)
        if not m or "\n" in m.group(3) or re.search(r"%(?![0-9A-F]{2})", m.group(3)):
            fail(f"bad command line: {l!r}")


def totals(path):
    d = json.load(open(path))
    col = [t["type"] for t in d["sample_types"]].index(d["default_sample_type"])
    return sum(d["samples"]["values"][col])


def folded(args):
    before = after = 0
    n = 0
    for l in open(args[0]):
        if l.startswith("#"):
            continue
        # difffolded.pl's and flamegraph.pl's reading of a line
        m = re.fullmatch(r"(.*)\s+?(\d+(?:\.\d*)?)\s+?(\d+(?:\.\d*)?)\n", l)
        if not m or ";" not in m.group(1):
            fail(f"not 'stack before after': {l!r}")
        before += int(m.group(2))
        after += int(m.group(3))
        n += 1
    if n == 0 or before != totals(args[1]) or after != totals(args[2]):
        fail(f"{n} lines, sums {before} {after}, runs {totals(args[1])} {totals(args[2])}")


{"rates": rates, "shape": shape, "gitlab": gitlab, "github": github, "folded": folded}[sys.argv[1]](sys.argv[2:])
