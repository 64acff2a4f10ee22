#!/usr/bin/python3
"""Do the three forms of ProfileSession v1 list the same fields?

  - the prose reference, schema/README.md: every table row whose first cell is
    a backticked path (`frames[].line`) in the section "Field reference";
  - the JSON Schema, schema/profile-session.v1.schema.json: every member under
    "properties", followed through $ref, items, prefixItems and anyOf/oneOf;
  - the C model, schema/session.h: the members of the structs reachable from
    rs_session, mapped to JSON names with the tables below.

Paths use "." between members and "[]" for "every element of an array"
(samples.labels is an array of arrays, so its members are samples.labels[][].key).

Also compared: required/optional between prose and JSON Schema, and the enum
values of frames[].kind / memory_events[].kind against rs_frame_kind_name() /
rs_mem_kind_name() spellings (the C enum constant names, lowercased).

Usage: tests/schema_fields.py [TOP]   Prints "PASS: ..."/"FAIL: ..." lines."""
import json
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
README = os.path.join(TOP, "schema/README.md")
SCHEMA = os.path.join(TOP, "schema/profile-session.v1.schema.json")
HEADER = os.path.join(TOP, "schema/session.h")

# --- How the C model maps onto JSON ----------------------------------------
# Where a C member is stored inside JSON. Keys are (struct, member); the value
# is the JSON member name, or None when the C member is not a JSON member.
C_RENAME = {
    ("rs_session", "info"): "session",          # the "session" object
    ("rs_frame", "is_inline"): "inline",         # C keyword-safe name
    ("rs_samples", "labels"): "labels",          # labels + label_end = one list per sample
    ("rs_counter", "t_ns"): "points",            # t_ns[] + value[] = points [[t_ns, value]...]
}
# C members that are not JSON members at all.
C_IGNORE_MEMBERS = {
    "unknown",                      # unknown JSON members, kept verbatim (version policy)
    "arena", "strings",             # allocation / string interning
    "frame_hash", "stack_hash", "frame_hash_cap", "stack_hash_cap",  # dedup indexes
    "stack_hashed", "links", "links_cap", "stacks_unlinked",  # the stack trie
    "frames_unlinked",  # duplicate frames read from JSON
    "prefault",  # the thread prefaulting the stack table
    "stacks_unknown",  # unknown members of "stacks" (see Unknown members)
    "n", "cap", "nlabels", "labels_cap", "ntags", "tags_cap",        # vector bookkeeping
    "has_thread", "has_time", "has_labels",  # which optional sample columns exist
    "label_end",                    # part of samples.labels (see C_RENAME)
    "is_num",                       # picks "num" or "str" of a label
}
C_IGNORE = {
    ("rs_counter", "value"),        # part of counters[].points (see C_RENAME)
}
# Structs stored as columns: rs_stack rows become stacks.parent[] / stacks.frame[]
# (one array per member) instead of stacks[] of objects.
C_COLUMNAR = {"rs_stack"}
# Struct-typed members of these types are arrays of arrays in JSON:
# rs_samples.labels is one list of labels per sample.
C_NESTED_ARRAY = {("rs_samples", "labels")}
# JSON members with no C member: constants the writer emits.
JSON_ONLY = {"schema", "schema_version"}
# Members the C model keeps as one raw JSON value (interned canonical JSON
# text): their sub-members appear in the prose and JSON Schema only.
C_RAW = {
    "rollups", "extra", "intervals[].args", "markers[].args",
    "windows[].hotspots", "windows[].counter_deltas",
}
# rs_session_info.tags is rs_kv *: a JSON object of string values, no members.
C_LEAF_STRUCTS = {"rs_kv"}


def c_structs(text):
    """{struct name: [(type, member, is_vec)]} from typedefs in session.h."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    structs = {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{", text):
        name = m.group(1)
        i, depth = m.end(), 1
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        structs[name] = parse_members(text[m.end():i - 1], name, structs)
    return structs


def parse_members(body, owner, structs):
    members = []
    # anonymous nested structs: struct { ... } name;
    anon = 0
    while True:
        m = re.search(r"struct\s*\{([^{}]*)\}\s*(\w+)\s*;", body)
        if not m:
            break
        anon += 1
        sname = "%s.%s" % (owner, m.group(2))
        structs[sname] = parse_members(m.group(1), sname, structs)
        members.append((sname, m.group(2), False))
        body = body[:m.start()] + body[m.end():]
    for stmt in body.split(";"):
        stmt = " ".join(stmt.split())
        if not stmt:
            continue
        v = re.fullmatch(r"RS_VEC\(\s*(\w+)\s*,\s*(\w+)\s*\)", stmt)
        if v:
            members.append((v.group(1), v.group(2), True))
            continue
        m = re.fullmatch(r"((?:const\s+)?(?:struct\s+)?\w+)\s+(.*)", stmt)
        if not m:
            raise SystemExit("cannot parse C member %r in %s" % (stmt, owner))
        ctype = m.group(1).replace("struct ", "")
        for decl in m.group(2).split(","):
            decl = decl.strip()
            ptr = decl.startswith("*")
            members.append((ctype, decl.lstrip("* ").strip(), ptr))
    return members


def c_paths(structs):
    paths = set()

    def walk(sname, prefix):
        for ctype, member, is_array in structs[sname]:
            if member in C_IGNORE_MEMBERS or (sname, member) in C_IGNORE:
                continue
            jname = C_RENAME.get((sname, member), member)
            path = prefix + jname
            paths.add(path)
            if path in C_RAW:
                continue
            if ctype in structs and ctype not in C_LEAF_STRUCTS:
                if ctype in C_COLUMNAR:
                    walk(ctype, path + ".")
                elif (sname, member) in C_NESTED_ARRAY:
                    walk(ctype, path + "[][].")
                else:
                    walk(ctype, path + ("[]." if is_array else "."))

    walk("rs_session", "")
    return paths


def c_enum_names(text, prefix):
    names = re.findall(r"\b%s(\w+)" % prefix, text)
    return {n.lower() for n in names if n != "COUNT"}


# --- JSON Schema ---------------------------------------------------------------
def schema_paths(schema):
    paths, required = set(), {}
    defs = schema.get("$defs", {})

    def resolve(node):
        while "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        return node

    def walk(node, prefix):
        node = resolve(node)
        for alt in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
            walk(alt, prefix)
        req = set(node.get("required", []))
        for k, sub in node.get("properties", {}).items():
            p = prefix + k
            paths.add(p)
            required[p] = k in req
            child(sub, p)

    def child(node, p):
        node = resolve(node)
        if "properties" in node:
            walk(node, p + ".")
        it = node.get("items")
        if isinstance(it, dict):
            it = resolve(it)
            if "properties" in it:
                walk(it, p + "[].")
            inner = it.get("items")
            if isinstance(inner, dict) and "properties" in resolve(inner):
                walk(resolve(inner), p + "[][].")

    walk(schema, "")
    return paths, required


def schema_enum(schema, path):
    node = schema
    for part in path:
        node = node[part]
    return set(node["enum"])


# --- README ----------------------------------------------------------------------
def readme_paths(text):
    m = re.search(r"^## Field reference\s*$(.*?)^## ", text, flags=re.S | re.M)
    if not m:
        raise SystemExit("schema/README.md has no '## Field reference' section")
    paths, required = set(), {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"`[\w.\[\]]+`", cells[0]):
            continue
        p = cells[0].strip("`")
        if p in paths:
            print("FAIL: schema-fields: README lists `%s` twice" % p)
        paths.add(p)
        req = cells[3].lower()
        if req not in ("required", "optional"):
            print("FAIL: schema-fields: README `%s`: Req. column is %r, not required/optional" % (p, cells[3]))
        required[p] = req == "required"
    return paths, required


def under_raw(p):
    return any(p.startswith(r + ".") or p.startswith(r + "[]") for r in C_RAW)


def report(name, a_name, a, b_name, b):
    only_a, only_b = sorted(a - b), sorted(b - a)
    if not only_a and not only_b:
        print("PASS: schema-fields: %s" % name)
        return True
    why = []
    if only_a:
        why.append("only in %s: %s" % (a_name, ", ".join(only_a)))
    if only_b:
        why.append("only in %s: %s" % (b_name, ", ".join(only_b)))
    print("FAIL: schema-fields: %s: %s" % (name, "; ".join(why)))
    return False


def main():
    header = open(HEADER, encoding="utf-8").read()
    schema = json.load(open(SCHEMA, encoding="utf-8"))
    readme = open(README, encoding="utf-8").read()

    c = c_paths(c_structs(header))
    s, s_req = schema_paths(schema)
    r, r_req = readme_paths(readme)

    ok = report("prose and JSON Schema list the same fields", "README", r, "JSON Schema", s)
    s_c = {p for p in s if p not in JSON_ONLY and not under_raw(p)}
    ok &= report("JSON Schema and C model list the same fields", "JSON Schema", s_c, "session.h", c)
    r_c = {p for p in r if p not in JSON_ONLY and not under_raw(p)}
    ok &= report("prose and C model list the same fields", "README", r_c, "session.h", c)

    diff = sorted(p for p in r & s if r_req[p] != s_req[p])
    if diff:
        print("FAIL: schema-fields: required/optional differ between README and JSON Schema: " +
              ", ".join("%s (README %s, schema %s)" % (p, "required" if r_req[p] else "optional",
                                                       "required" if s_req[p] else "optional") for p in diff))
        ok = False
    else:
        print("PASS: schema-fields: prose and JSON Schema agree on required/optional")

    for label, prefix, path in (
        ("frames[].kind", "RS_KIND_", ["properties", "frames", "items", "properties", "kind"]),
        ("memory_events[].kind", "RS_MEM_", ["properties", "memory_events", "items", "properties", "kind"]),
    ):
        ok &= report("%s values" % label, "JSON Schema", schema_enum(schema, path),
                     "session.h", c_enum_names(header, prefix))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
