# rustscope convert --batch: directories and archives in and out, parallel,
# bad files reported (exit 5), nothing written outside OUT, atomic outputs.
. tests/lib.sh
EX=corpus/examples
mk_tree() { # DIR: a tree mixing every format we read, nested, plus bad files
	mkdir -p "$1/a/b"
	cp $EX/demo.session.json $EX/rustscope-v3.json "$1/"
	cp $EX/minimal.session.json "$1/a/b/"
	$RS_PLAIN convert $EX/demo.session.json -o "$1/a/demo.pb.gz" 2>/dev/null
	for f in $(awk -F'\t' '$3 == "valid" {print $1}' "$CORPUS/MANIFEST.tsv" | head -400); do
		fmt=${f%%/*}
		case " $($RS_PLAIN convert --help | sed -n 's/^Formats: read \([^;]*\);.*/\1/p' | tr -d ',') " in
		*" $fmt "*) mkdir -p "$1/corpus/$fmt"; cp "$CORPUS/$f" "$1/corpus/$fmt/" ;;
		esac
	done
	[ -n "$(ls "$1/corpus" 2>/dev/null)" ] || fail "batch: corpus files in the tree" "0 copied: no valid row of a readable format in $CORPUS/MANIFEST.tsv"
	printf 'not a profile at all\n' > "$1/notes.txt"
	gzip -c $EX/demo.session.json | head -c 200 > "$1/a/corrupt.json.gz"
}
mk_tree $T/in
nin=$(find $T/in -type f | wc -l)

# directory → directory
expect_exit "batch: dir with bad files exits 5" 5 $RS convert --batch $T/in --to session -o $T/dout -j 2 --report $T/r.json
check "batch: report is JSON with every file" python3 -c "
import json,sys; r=json.load(open('$T/r.json')); s=r['summary']
ok = len(r['files']) == $nin and s['failed'] == 1 and s['skipped'] == 1 and s['ok'] == $nin - 2
sys.exit(0 if ok else 1)"
check "batch: nested outputs keep their folders" test -f $T/dout/a/b/minimal.session.json
check "batch: pprof became session JSON" test -f $T/dout/a/demo.session.json
check "batch: converted outputs validate" $RS_PLAIN validate $T/dout/demo.session.json $T/dout/a/demo.session.json
check "batch: failure listed with its path" grep -q "a/corrupt.json.gz" $T/err
check "batch: non-profile listed as skipped" grep -q "skipped" $T/err
check "batch: no temporaries left" sh -c "! find $T/dout -name '*.tmp-*' | grep -q ."
expect_exit "batch: existing outputs are not overwritten" 5 $RS convert --batch $T/in --to session -o $T/dout
expect_err "batch: exists error names --force" "exists; use --force"
expect_exit "batch: --force replaces" 5 $RS convert --batch $T/in --to session -o $T/dout --force --report $T/r2.json
check "batch: --force converted everything convertible" python3 -c "
import json,sys; s=json.load(open('$T/r2.json'))['summary']; sys.exit(0 if s['ok'] == $nin - 2 else 1)"

# deterministic: -j1 and -j2 give the same files, byte for byte
expect_exit "batch: -j1" 5 $RS convert --batch $T/in --to pprof -o $T/j1 -j 1 -q
expect_exit "batch: -j2" 5 $RS convert --batch $T/in --to pprof -o $T/j2 -j 2 -q
check "batch: same outputs with -j1 and -j2" diff -r $T/j1 $T/j2

# archives in and out, with hostile entries
python3 - "$T" <<'PY'
import io, sys, tarfile, zipfile, os
t = sys.argv[1]
with tarfile.open(f"{t}/in.tar.gz", "w:gz") as tf:
    for root, _, files in os.walk(f"{t}/in"):
        for f in sorted(files):
            p = os.path.join(root, f)
            tf.add(p, arcname=os.path.relpath(p, f"{t}/in"))
    data = open("corpus/examples/minimal.session.json", "rb").read()
    for name in ["../escape.session.json", "/abs.session.json"]:
        ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("evil-link"); ti.type = tarfile.SYMTYPE; ti.linkname = "../../etc/passwd"; tf.addfile(ti)
with zipfile.ZipFile(f"{t}/in.zip", "w") as z:
    z.write("corpus/examples/demo.session.json", "x/demo.session.json")
    z.writestr("../zip-escape.json", open("corpus/examples/minimal.session.json").read())
PY
mkdir -p $T/arch && cd $T/arch
expect_exit "batch: tar.gz → tar.zst with hostile entries exits 5" 5 $RS convert --batch $T/in.tar.gz --to pprof -o $T/arch/out.tar.zst --report $T/ra.json
cd "$TOP"
check "batch: nothing written outside OUT" sh -c "! test -e $T/escape.session.json && ! test -e /abs.session.json && ! test -e $T/escape.pb.gz"
check "batch: hostile entries refused in the report" python3 -c "
import json,sys; r=json.load(open('$T/ra.json'))
ref = sorted(f['path'] for f in r['files'] if f['status'] == 'refused')
sys.exit(0 if ref == ['../escape.session.json', '/abs.session.json', 'evil-link'] else 1)"
check "batch: output archive lists the converted files" sh -c "tar --zstd -tf $T/arch/out.tar.zst | grep -qx 'a/b/minimal.pb.gz'"
check "batch: no temporary archive left" sh -c "! ls $T/arch | grep -q tmp"
expect_exit "batch: zip → directory" 5 $RS convert --batch $T/in.zip --to session -o $T/zout -q
check "batch: zip member converted" test -f $T/zout/x/demo.session.json
check "batch: zip traversal not written" test ! -e $T/zip-escape.session.json
mkdir -p $T/trap && ln -s /tmp $T/trap/a
expect_exit "batch: output through a symlinked folder is refused" 5 $RS convert --batch $T/in --to session -o $T/trap -q
check "batch: nothing written through the link" test ! -e /tmp/demo.session.json
echo x > $T/exists.tar
expect_exit "batch: existing archive needs --force" 4 $RS convert --batch $T/in --to session -o $T/exists.tar
expect_exit "batch: --batch needs --to" 2 $RS convert --batch $T/in -o $T/o2
expect_exit "batch: missing input" 4 $RS convert --batch $T/nosuch --to session -o $T/o3
