#!/usr/bin/env python3
"""Normalizes a `go tool pprof -raw` dump so that two files holding the same
profile compare equal even when their ids and order differ
(docs/pprof.md, "Round trips and normalization").

Usage: go tool pprof -symbolize=none -raw FILE | tests/pprof-normalize.py

What it does:
  - drops the "Comment: rustscope:v1 ..." line (our own extension point);
  - replaces every location id in a sample by the location's content:
    address, mapping (start, file), [F] when folded, and its lines
    (function, file:line, s=start_line, system name), innermost first;
  - keeps each sample's values and label lines with it, then sorts samples;
  - prints the mappings without their ids, sorted.
Everything else (period, time, duration, sample types, comments) is kept
as printed, in order. Location and mapping ids, and the order of samples,
locations and mappings, are the only things forgotten.
"""
import re
import sys

LOC = re.compile(r"^\s*(\d+): (0x[0-9a-f]+) (?:M=(\d+) )?(\[F\] )?(.*)$")
MAP = re.compile(r"^(\d+): (0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+) ?(.*)$")
SAMPLE = re.compile(r"^\s*(-?\d+(?:\s+-?\d+)*):((?: \d+)*) ?$")


def parse(lines):
    header, samples, locs, maps = [], [], {}, {}
    section, cur = "header", None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("Comment: rustscope:v1 "):
            continue
        if line == "Samples:":
            section = "samples"
            header.append(line)
            continue
        if line == "Locations":
            section = "locations"
            continue
        if line == "Mappings":
            section = "mappings"
            continue
        if section == "header":
            header.append(line)
        elif section == "samples":
            m = SAMPLE.match(line)
            if m:
                cur = [m.group(1).split(), m.group(2).split(), []]
                samples.append(cur)
            elif cur is not None and line.strip():
                cur[2].append(line.strip())
            else:
                header.append(line)  # the sample type line
        elif section == "locations":
            m = LOC.match(line)
            if m and not line.startswith(" " * 13):
                lid, addr, mid, folded, rest = m.groups()
                cur = locs[lid] = {"addr": addr, "map": mid, "folded": bool(folded), "lines": []}
                if rest:
                    cur["lines"].append(rest)
            elif line.strip():
                cur["lines"].append(line.strip())
        elif section == "mappings":
            m = MAP.match(line)
            if m:
                maps[m.group(1)] = m.group(2) + " " + m.group(3)
    return header, samples, locs, maps


def describe(loc, maps):
    mapping = maps.get(loc["map"], "-") if loc["map"] else "-"
    folded = " [F]" if loc["folded"] else ""
    return "%s {%s}%s %s" % (loc["addr"], mapping, folded, " / ".join(loc["lines"]))


def main():
    header, samples, locs, maps = parse(sys.stdin)
    out = list(header)
    rows = []
    for values, ids, labels in samples:
        stack = " <- ".join(describe(locs[i], maps) if i in locs else "?" + i for i in ids)
        rows.append("%s | %s | %s" % (" ".join(values), stack, " ".join(labels)))
    out.extend(sorted(rows))
    out.append("Mappings")
    out.extend(sorted(maps.values()))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
