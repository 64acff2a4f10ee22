#!/usr/bin/env python3
"""Writes the `exercises` column of corpus/MANIFEST.tsv: one short phrase per
file saying what it exercises, derived from the file itself and from
`rustscope info --json FILE` (its stderr too: the warnings of lenient imports,
the error of a rejected file).

What a phrase says, by format:
  pprof         gzip or raw; sample types; samples; labels (string / numeric
                with unit); locations with inlined frames (several Lines);
                address-only (no functions), no mappings, default_sample_type,
                drop_frames, no time_nanos
  pprof-legacy  the legacy kind (gperftools binary CPU 64/32-bit, heap, growth,
                contentionz, threadz, threadcreate) and its record count
  chrome        gzip or raw; bare array or object (with its extra top-level
                keys); the event phases present; sampled-profile events
                (Profile/ProfileChunk, CpuProfile); truncated arrays
  cpuprofile    modern nodes/samples/timeDeltas or the legacy head tree;
                samples; positionTicks
  speedscope    schema version; profile types and units
  collapsed     lines; annotations _[k] _[j] _[i]; fractional counts;
                two-count (differential) lines; comments; CRLF; UTF-16
  perfscript    gzip or raw; events and their names; --header block; BOM;
                pid/tid, [cpu]; lines without timestamps or stacks
  session etc.  what `info` counts (samples, intervals, counters, ...)
For an invalid file: what is malformed, from rustscope's error or warning.

A phrase in HAND below replaces the generated one (hand edits live here, so
the column can always be refreshed).

Usage: tests/corpus-exercises.py [--rs BIN] [--manifest FILE] [--print] [PATH...]
  PATH...   only these manifest rows (paths as in the manifest); default: all
  --print   print "path<TAB>phrase" instead of rewriting the manifest
"""
import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pb  # noqa: E402  (tests/pb.py: the protobuf wire format)

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Hand-written phrases, where the generated one says too little.
HAND = {
    "examples/minimal.session.json":
        "the smallest valid session: no sample types, frames, stacks or samples",
    "examples/unknown-members.session.json":
        "x_ members unknown to the schema at every level (session, sample types, period_type, frames, ...), 3 samples",
    "chrome/catapult-project-catapult__systrace__systrace__test_data__profile-chrome_systrace_perf_chrome_data":
        "no file extension; traceEvents object + stackFrames,samples,metadata (legacy trace sampling), phases ( ) O X",
    "pprof-legacy/invalid/google-pprof__fuzz__testdata__7e3c92482f6f39fc502b822ded792c589849cca8":
        "invalid: fuzzer-found '--- heapz 1 ---' text with a single '0 0 @ 0' record (go tool pprof rejects it)",
    "perfscript/invalid/jonhoo-inferno__tests__data__collapse-guess__invalid-perf-with-empty-line-after-event-line.txt":
        "invalid, rejected: a blank line right after an event header leaves its stack lines outside any event",
    "perfscript/invalid/jonhoo-inferno__tests__data__collapse-perf__empty-line.txt":
        "invalid, rejected: a blank line between an event header and its stack",
    "perfscript/invalid/jonhoo-inferno__tests__data__collapse-perf__weird-stack-line.txt":
        "invalid, rejected: stack line THIS_IS_A_WEIRD_LINE is neither ADDRESS SYMBOL (DSO) nor an event header",
}


def read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return True, gzip.decompress(raw)
        except (OSError, EOFError):
            return True, b""
    return False, raw


def plural(n, word, many=None):
    return f"{n} {word if n == 1 else (many or word + 's')}"


# --- protobuf (pprof) ---------------------------------------------------------

fields = pb.fields


def pprof_phrase(data, gz, info):
    f = fields(data)
    strings = [v.decode("utf-8", "replace") for k, v in f if k == 6]
    s = lambda i: strings[i] if 0 <= i < len(strings) else "?"
    types = []
    for k, v in f:
        if k == 1:
            vt = dict(fields(v))
            types.append(s(vt.get(1, 0)) or "(empty)")
    if types == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]:
        types = ["alloc_{objects,space}", "inuse_{objects,space}"]
    samples = [v for k, v in f if k == 2]
    labels = collections.OrderedDict()
    for smp in samples:
        for k, v in fields(smp):
            if k == 3:
                lab = dict(fields(v))
                key = s(lab.get(1, 0))
                if 2 in lab and lab[2]:
                    labels.setdefault(key, "str")
                else:
                    unit = s(lab.get(4, 0))
                    labels.setdefault(key, "num" + (" " + unit if unit else ""))
    inlined = 0
    for k, v in f:
        if k == 4 and sum(1 for kk, _ in fields(v) if kk == 4) > 1:
            inlined += 1
    nfunc = sum(1 for k, _ in f if k == 5)
    nmap = sum(1 for k, _ in f if k == 3)
    parts = [("gzip" if gz else "raw") + " pprof",
             ("sample type " if sum(1 for k, _ in f if k == 1) == 1 else "sample types ") + "/".join(types),
             plural(len(samples), "sample")]
    nloc = sum(1 for k, _ in f if k == 4)
    if nloc > 1000:
        parts.append(f"{nloc} locations")
    if labels:
        strs = [k for k, t in labels.items() if t == "str"]
        nums = [f"{k} ({t[4:]})" if t != "num" else k for k, t in labels.items() if t.startswith("num")]
        if strs:
            parts.append(("string label " if len(strs) == 1 else "string labels ") + ",".join(strs[:4]) + (",..." if len(strs) > 4 else ""))
        if nums:
            parts.append(("numeric label " if len(nums) == 1 else "numeric labels ") + ",".join(nums[:3]) + (",..." if len(nums) > 3 else ""))
    if inlined:
        parts.append(plural(inlined, "location") + " with inline frames")
    if nfunc == 0:
        parts.append("no functions (address-only)")
    if nmap == 0:
        parts.append("no mappings")
    dflt = [v for k, v in f if k == 14]
    if dflt and dflt[0]:
        parts.append("default_sample_type " + s(dflt[0]))
    if any(k == 7 and v for k, v in f):
        parts.append("drop_frames")
    if not any(k == 9 and v for k, v in f):
        parts.append("no time_nanos")
    return ", ".join(parts)


# --- legacy pprof ---------------------------------------------------------------

def legacy_phrase(data):
    le = lambda b: int.from_bytes(b, "little")
    if data[:8] == b"\0" * 8 and le(data[8:16]) == 3:
        return f"gperftools binary CPU profile, 64-bit little-endian, period {le(data[24:32])} us"
    if data[:4] == b"\0" * 4 and le(data[4:8]) == 3:
        return f"gperftools binary CPU profile, 32-bit little-endian, period {le(data[12:16])} us"
    text = data.decode("utf-8", "replace")
    first = text.split("\n", 1)[0]
    records = len(re.findall(r"^\s*\d+:?\s+\d*:?\s*\d*.*@", text, re.M))
    if first.startswith("heap profile:"):
        kind = first.rsplit("@", 1)[-1].strip()
        what = "growth" if "growth" in kind else "heap"
        return f"legacy {what} profile text (@ {kind}), {plural(records, 'record')}"
    if first.startswith("--- contention"):
        fmt = re.search(r"^format = (\w+)", text, re.M)
        return (f"legacy --- contentionz text" + (f" ({fmt.group(1)} format)" if fmt else "")
                + f", {plural(records, 'record')}")
    if first.startswith("--- threadz"):
        return f"legacy --- threadz text, {plural(text.count('--- Thread '), 'thread')}"
    if first.startswith("threadcreate profile:"):
        return f"Go threadcreate profile text, {plural(records, 'record')}"
    return "legacy text: " + first[:60]


# --- JSON formats -------------------------------------------------------------------

def load_json(data):
    text = data.decode("utf-8-sig", "replace")
    try:
        return json.loads(text), ""
    except ValueError:
        pass
    t = text.rstrip()
    for fix, what in ((t + "]", "truncated array (no closing ])"),
                      (t.rstrip(",") + "]", "truncated array (trailing comma, no closing ])")):
        try:
            return json.loads(fix), what + (", trailing whitespace" if text != t else "")
        except ValueError:
            pass
    return None, "not JSON"


def chrome_phrase(data, gz, info):
    doc, trunc = load_json(data)
    if doc is None:
        return ("gzip " if gz else "") + "unparsable Chrome JSON"
    parts = []
    if isinstance(doc, list):
        events, shape = doc, "bare event array"
    else:
        events = doc.get("traceEvents", [])
        extra = [k for k in doc if k not in ("traceEvents", "displayTimeUnit")]
        shape = "traceEvents object" + (" + " + ",".join(extra[:4]) + (",..." if len(extra) > 4 else "") if extra else "")
    parts.append(("gzip " if gz else "") + shape)
    if trunc:
        parts.append(trunc)
    phases = []
    names = set()
    for e in events:
        if isinstance(e, dict):
            ph = e.get("ph")
            if isinstance(ph, str) and ph not in phases:
                phases.append(ph)
            names.add(e.get("name"))
    parts.append(plural(len(events), "event") + (", phases " + " ".join(sorted(phases)) if phases else ""))
    prof = [n for n in ("Profile", "ProfileChunk", "CpuProfile") if n in names]
    if prof:
        parts.append("+".join(prof) + f" samples ({info.get('samples', '?')})")
    elif isinstance(doc, dict) and "stackFrames" in doc:
        parts.append("stackFrames" + (" + samples" if doc.get("samples") else ""))
    if isinstance(doc, dict) and doc.get("displayTimeUnit"):
        parts.append("displayTimeUnit " + str(doc["displayTimeUnit"]))
    return ", ".join(parts)


def cpuprofile_phrase(data, gz, info):
    doc, _ = load_json(data)
    if not isinstance(doc, dict):
        return "unparsable .cpuprofile"
    if "head" in doc:
        return (f"legacy head tree (startTime/endTime in s), {plural(len(doc.get('samples') or []), 'sample')}")
    nodes = doc.get("nodes", [])
    parts = [f"modern nodes/samples/timeDeltas, {plural(len(nodes), 'node')}, "
             f"{plural(len(doc.get('samples') or []), 'sample')}"]
    if any(n.get("positionTicks") for n in nodes):
        parts.append("positionTicks")
    return ", ".join(parts)


def speedscope_phrase(data, gz, info):
    doc, _ = load_json(data)
    if not isinstance(doc, dict):
        return "unparsable speedscope JSON"
    profs = doc.get("profiles", [])
    kinds = sorted({f"{p.get('type')} (unit {p.get('unit')})" for p in profs})
    parts = [plural(len(profs), "profile") + " " + ", ".join(kinds),
             plural(len(doc.get("shared", {}).get("frames", [])), "shared frame")]
    if doc.get("exporter"):
        parts.append("exporter " + doc["exporter"])
    if b"\n" not in data.strip():
        parts.append("one-line JSON")
    return ", ".join(parts)


# --- text formats ---------------------------------------------------------------------

def decode_text(data):
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "UTF-16 LE" if data[:2] == b"\xff\xfe" else "UTF-16 BE"
        return data.decode("utf-16"), enc + " with BOM"
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", "replace"), "UTF-8 BOM"
    return data.decode("utf-8", "replace"), ""


def collapsed_phrase(data, gz, info):
    text, enc = decode_text(data)
    lines = text.splitlines()
    stacks = [l for l in lines if l.strip() and not l.startswith("#")]
    parts = [plural(len(stacks), "stack line")]
    if enc:
        parts.append(enc)
    if b"\r\n" in data or "\r\n" in text:
        parts.append("CRLF")
    ann = [a for a in ("_[k]", "_[j]", "_[i]", "_[w]") if any(a in l for l in stacks)]
    if ann:
        parts.append("annotations " + " ".join(ann))
    two = sum(1 for l in stacks if re.search(r"\s\d+(\.\d*)?\s+\d+(\.\d*)?$", l))
    if two:
        parts.append("two counts per line (differential)")
    if any(re.search(r"\s\d*\.\d*$", l) for l in stacks):
        parts.append("fractional counts" + (" incl. '6.'" if any(re.search(r"\s\d+\.$", l) for l in stacks) else ""))
    if any(l.startswith("#") for l in lines):
        parts.append("comment lines")
    if any(not l.strip() for l in lines[:-1]):
        parts.append("blank lines")
    if any(re.match(r"^[^;]+-\d+(/\d+)?;", l) for l in stacks):
        parts.append("comm-pid[/tid] prefixes")
    if any(";-;" in l or ";--;" in l for l in stacks):
        parts.append("- / -- grey frames")
    if any(" " in l.rsplit(" ", 1)[0] for l in stacks):
        parts.append("frames with spaces")
    parts.append(plural(info.get("frames", 0), "frame"))
    return ", ".join(parts)


HEAD_RE = re.compile(r"^(?P<comm>\S.*?)\s+(?P<pid>\d+)(?P<tid>/\d+)?\s+(?P<cpu>\[\d+\]\s+)?"
                     r"(?P<ts>\d+\.\d+:\s+)?(?:\d+\s+)?(?P<ev>[\w:.-]+?):")


def perfscript_phrase(data, gz, info):
    text, enc = decode_text(data)
    lines = text.splitlines()
    stack = re.compile(r"^(\s+[0-9a-f]+\s+\S|[0-9a-f]{6,}\s+\S)")
    heads = [l.lstrip() for l in lines if l.strip() and not l.startswith("#") and not stack.match(l)
             and re.search(r"\s\d+(/\d+)?\s.*:", l)]
    types = [t["type"] for t in info.get("sample_types", [])]
    parts = [("gzip " if gz else "") + "perf script", plural(info.get("samples", len(heads)), "event"),
             "events " + ",".join(types[:4]) + (",..." if len(types) > 4 else "")]
    if enc:
        parts.append(enc)
    if any(l.startswith("# ========") for l in lines):
        parts.append("--header block")
    m = [HEAD_RE.match(l) for l in heads]
    m = [x for x in m if x]
    if m and any(x.group("tid") for x in m):
        parts.append("pid/tid")
    if m and any(x.group("cpu") for x in m):
        parts.append("[cpu]")
    if m and not any(x.group("ts") for x in m):
        parts.append("no timestamps")
    if any(re.search(r":\s+[0-9a-f]{6,} \S+ \(", h) for h in heads):
        parts.append("frames on the header line")
    if any(re.search(r"^\s+[0-9a-f]+ \S*;::\S*->", l) for l in lines):
        parts.append("inline chains a->b (perf-map-agent)")
    if any("\t" in h for h in heads):
        parts.append("tab-separated headers")
    if any(re.match(r"^[0-9a-f]{6,}\s+\S", l) for l in lines):
        parts.append("unindented stack lines")
    if info.get("frames") == 0:
        parts.append("no stacks")
    elif any(re.search(r"\+0x[0-9a-f]+ \(.*\)$|\(inlined\)", l) for l in lines):
        parts.append(plural(info.get("frames", 0), "frame") + ", symbol+offset")
    else:
        parts.append(plural(info.get("frames", 0), "frame"))
    return ", ".join(parts)


def session_phrase(data, gz, info):
    keys = ("samples", "frames", "threads", "intervals", "counters", "markers", "memory_events")
    types = "/".join(t["type"] for t in info.get("sample_types", []))
    return (f"{info.get('format', '?')}: sample types {types or '(none)'}, "
            + ", ".join(plural(info[k], k.replace("_", " ").rstrip("s")) for k in keys if info.get(k)))


def invalid_phrase(fmt, err, rc):
    msg = ""
    for line in err.splitlines():
        line = re.sub(r"^rustscope: (warning: )?", "", line)
        line = re.sub(r"^\S*(corpus|/)\S*: ", "", line)
        if line:
            msg = line
            break
    msg = re.sub(r'"([^"]{40})[^"]*"', r'"\1..."', msg)
    if rc == 0:
        return "invalid, imported with a warning: " + msg
    if "not a recognized profile format" in msg:
        return f"invalid {fmt}: not read by rustscope (format not recognized)"
    return "invalid, rejected: " + msg


PHRASE = {"pprof": pprof_phrase, "chrome": chrome_phrase, "cpuprofile": cpuprofile_phrase,
          "speedscope": speedscope_phrase, "collapsed": collapsed_phrase,
          "perfscript": perfscript_phrase}


def phrase(corpus, path, fmt, expected, rs):
    full = os.path.join(corpus, path)
    r = subprocess.run([rs, "info", "--json", full], capture_output=True, timeout=120)
    try:
        info = json.loads(r.stdout or b"{}")
    except ValueError:
        info = {}
    err = r.stderr.decode("utf-8", "replace")
    gz, data = read_bytes(full)
    if expected == "invalid":
        return invalid_phrase(fmt, err, r.returncode)
    if fmt == "pprof-legacy":
        return legacy_phrase(data)
    try:
        out = PHRASE.get(fmt, session_phrase)(data, gz, info)
    except (ValueError, IndexError, KeyError, TypeError) as e:
        out = f"{fmt}: ({e.__class__.__name__} while describing it)"
    warn = [l for l in err.splitlines() if "warning:" in l]
    if r.returncode != 0:
        out += f"; rustscope info exits {r.returncode}"
    elif warn and fmt in ("chrome", "perfscript", "collapsed"):
        kinds = []
        for w in warn:
            if "without a partner" in w:
                kinds.append("unpaired B/E")
            elif "closed a B event of another name" in w:
                kinds.append("E closing another name")
            elif "invalid UTF-8" in w:
                kinds.append("invalid UTF-8")
            elif "name no profile node" in w:
                kinds.append("samples naming no node")
        if kinds:
            out += "; " + ", ".join(dict.fromkeys(kinds))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rs", default=os.environ.get("RS_PLAIN", os.path.join(TOP, "build", "rustscope")))
    ap.add_argument("--manifest", default=os.path.join(TOP, "corpus", "MANIFEST.tsv"))
    ap.add_argument("--print", action="store_true")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    corpus = os.path.dirname(os.path.abspath(a.manifest))
    with open(a.manifest, encoding="utf-8", newline="") as f:
        rows = [l.rstrip("\n").split("\t") for l in f]
    head = rows[0]
    col = {name: i for i, name in enumerate(head)}
    want = set(a.paths)
    seen = set()
    for row in rows[1:]:
        path = row[col["path"]]
        if want and path not in want:
            continue
        seen.add(path)
        p = HAND.get(path) or phrase(corpus, path, row[col["format"]], row[col["expected"]], a.rs)
        p = re.sub(r"\s+", " ", p).strip()
        if a.print:
            print(f"{path}\t{p}")
        row[col["exercises"]] = p
    missing = want - seen
    if missing:
        sys.exit("corpus-exercises: not in the manifest: " + " ".join(sorted(missing)))
    if not a.print:
        tmp = a.manifest + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            for row in rows:
                f.write("\t".join(row) + "\n")
        os.replace(tmp, a.manifest)


if __name__ == "__main__":
    main()
