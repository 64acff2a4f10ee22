# corpus/ (corpus/README.md): MANIFEST.tsv lists every file exactly once,
# with its size and sha256 (the third-party files are byte-for-byte copies)
# and, for a third-party file, a licence file in corpus/LICENSES. Then every
# valid file of a format rustscope reads imports (format detected by
# content); every invalid one is rejected with exit 3, or, where the format
# is lenient, imported with a warning. Never a crash.
. tests/lib.sh
python3 - "$CORPUS" >"$T/manifest" 2>&1 <<'PY'
import hashlib, os, re, sys
top = sys.argv[1]
own = {"MANIFEST.tsv", "README.md", "regenerate.sh", ".gitattributes"}
def say(ok, name, why=""):
    print(f"PASS: {name}" if ok else f"FAIL: {name}: {why}")
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(top, "MANIFEST.tsv"), encoding="utf-8")]
head = "path format expected source license origin exercises bytes sha256".split()
say(rows[0] == head, "corpus manifest: header", "\t".join(rows[0]))
rows = rows[1:]
short = [r[0] for r in rows if len(r) != len(head)]
say(not short, "corpus manifest: 9 columns a row", " ".join(short[:5]))
rows = [dict(zip(head, r)) for r in rows if len(r) == len(head)]
files = set()
for d, subdirs, names in os.walk(top):
    rel = os.path.relpath(d, top)
    if rel == "LICENSES":
        continue
    for n in names:
        p = os.path.normpath(os.path.join(rel, n))
        if p not in own:
            files.add(p)
paths = [r["path"] for r in rows]
dup = sorted({p for p in paths if paths.count(p) > 1})
say(not dup, "corpus manifest: one row a file", "rows listed twice: " + " ".join(dup[:5]))
unlisted = sorted(files - set(paths))
say(not unlisted, "corpus manifest: every file under corpus/ has a row", "no row: " + " ".join(unlisted[:5]))
missing = sorted(set(paths) - files)
say(not missing, "corpus manifest: every row's file exists", "missing: " + " ".join(missing[:5]))
bad = []
for r in rows:
    p = os.path.join(top, r["path"])
    if os.path.isfile(p):
        b = open(p, "rb").read()
        if str(len(b)) != r["bytes"] or hashlib.sha256(b).hexdigest() != r["sha256"]:
            bad.append(r["path"])
say(rows and not bad, f"corpus manifest: bytes and sha256 match ({len(rows) - len(bad)} files)", "differ: " + " ".join(bad[:5]))
third = [r for r in rows if r["license"] != "project"]
nolic = sorted({r["source"] for r in third
                if not os.path.isfile(os.path.join(top, "LICENSES", r["source"].replace("/", "-") + ".txt"))})
say(third and not nolic, f"corpus manifest: a LICENSES file for each third-party source ({len(third)} files)",
    "no corpus/LICENSES/<owner>-<repo>.txt for: " + " ".join(nolic))
odd = [r["path"] for r in third if not re.fullmatch(r"[^/\s]+/[^/\s]+", r["source"])
       or not re.fullmatch(r"\S+@[0-9a-f]{40}", r["origin"]) or not re.fullmatch(r"[A-Za-z0-9.+-]+", r["license"])]
say(not odd, "corpus manifest: third-party rows have owner/repo, SPDX id, path@commit", " ".join(odd[:5]))
cols = [r["path"] for r in rows if r["expected"] not in ("valid", "invalid") or not r["exercises"]
        or (r["expected"] == "invalid") != ("/invalid/" in "/" + r["path"])]
say(not cols, "corpus manifest: expected is valid/invalid (invalid/ folders), exercises filled", " ".join(cols[:5]))
PY
rc=$?
grep -E '^(PASS|FAIL): ' "$T/manifest"
[ $rc -eq 0 ] || fail "corpus manifest" "the check stopped (exit $rc): $(grep -vE '^(PASS|FAIL): ' "$T/manifest" | tail -c 300)"
reads=$($RS convert --help | sed -n 's/^Formats: read \([^;]*\);.*/\1/p' | tr -d ',')
declare -A counted
check_manifest() { # DIR
while IFS=$'\t' read -r path format expected _; do
	[ "$path" = path ] && continue
	fmt=$format
	case " $reads " in *" $fmt "*) ;; *)
		[ -z "${counted[$fmt]:-}" ] && skip "corpus $fmt" "rustscope does not read $fmt files"
		counted[$fmt]=1; continue ;;
	esac
	f=$1/$path
	checked=$((checked + 1))
	$RS validate "$f" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$expected" = valid ]; then
		if [ $rc -eq 0 ]; then pass "corpus valid $path"
		else fail "corpus valid $path" "exit $rc: $(head -c 300 "$T/err")"; fi
	elif [ $rc -eq 3 ] || { [ $rc -eq 0 ] && grep -q warning "$T/err"; }; then
		pass "corpus invalid $path (exit $rc)"
	else
		fail "corpus invalid $path" "exit $rc, wanted 3 or a warning: $(head -c 300 "$T/err")"
	fi
done <"$1/MANIFEST.tsv"
}
checked=0
check_manifest "$CORPUS"
if [ "$checked" -eq 0 ]; then fail "corpus: files checked" "0 (no row of a format rustscope reads, from '$reads', in $CORPUS/MANIFEST.tsv)"
else pass "corpus: $checked files checked"; fi
