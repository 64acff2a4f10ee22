# The command line: help, version, usage errors, exit codes, convert
# spellings, stdin/stdout, byte-stable session JSON, atomic outputs.
. tests/lib.sh
EX=corpus/examples

expect_exit "cli: --help" 0 $RS --help
check "cli: --help lists commands" grep -q "convert" "$T/out"
cp "$T/out" "$T/main-help"
check "cli: --help fits 80 columns" test "$(awk 'length($0) > 80' "$T/main-help" | wc -l)" -eq 0
listed=$(awk '/^Commands:/ {on = 1; next} on && /^$/ {on = 0} on' "$T/main-help")
check "cli: --help gives each command one line" test "$(echo "$listed" | wc -l)" -eq 7
for c in $(echo "$listed" | awk '{print $1}'); do
	expect_exit "cli: the listed command $c has help" 0 $RS help "$c"
done
expect_exit "cli: --version" 0 $RS --version
check "cli: version names the schema" grep -q "schema v1" "$T/out"
expect_exit "cli: no arguments is a usage error" 2 $RS
for c in convert validate roundtrip record info correlate compare; do
	expect_exit "cli: $c --help" 0 $RS $c --help
	check "cli: $c --help shows usage and exit codes" grep -q "usage: rustscope $c" "$T/out"
	expect_exit "cli: help $c" 0 $RS help $c
	expect_exit "cli: $c unknown option" 2 $RS $c --no-such-option $EX/minimal.session.json
	expect_err "cli: $c unknown option names it and shows usage" "unknown option '--no-such-option'.*|usage:"
done
expect_exit "cli: unknown command" 2 $RS frobnicate
expect_exit "cli: help for unknown command" 2 $RS help frobnicate
expect_exit "cli: missing option argument" 2 $RS convert $EX/demo.session.json -o
expect_exit "cli: unknown --to format" 2 $RS convert $EX/demo.session.json -o $T/x --to nosuch
expect_exit "cli: output format not inferable" 2 $RS convert $EX/demo.session.json -o $T/x.unknownsuffix
expect_exit "cli: bad limit value" 2 $RS validate --max-depth=abc $EX/demo.session.json

# convert: session JSON is byte-for-byte stable through a round trip.
expect_exit "convert: demo to session" 0 $RS convert $EX/demo.session.json -o $T/a.session.json
expect_exit "convert: again" 0 $RS convert $T/a.session.json -o $T/b.session.json
check "convert: session JSON byte-stable" cmp -s $T/a.session.json $T/b.session.json
expect_exit "convert: RustScope spellings" 0 $RS convert --import-json $EX/demo.session.json --export-json $T/c.json
check "convert: spellings give the same bytes" cmp -s $T/a.session.json $T/c.json
expect_exit "convert: stdin to stdout" 0 sh -c "$RS convert - -o - < $EX/demo.session.json > $T/d.json"
check "convert: stdin/stdout gives the same bytes" cmp -s $T/a.session.json $T/d.json
# unknown members survive and are written back in place
expect_exit "convert: unknown members" 0 $RS convert $EX/unknown-members.session.json -o $T/u1.json
$RS convert $T/u1.json -o $T/u2.json 2>/dev/null
check "convert: unknown members kept" grep -q '"x_frame_hint":{"hot":true}' $T/u1.json
check "convert: unknown members stable" cmp -s $T/u1.json $T/u2.json
# rollups are derived on request
expect_exit "convert: --rollups" 0 $RS convert --rollups $EX/demo.session.json -o $T/r.json
check "convert: rollups present" grep -q '"rollups":{"sample_type":"cpu"' $T/r.json

# the RustScope v3 report imports into v1
expect_exit "v3: imports" 0 $RS convert $EX/rustscope-v3.json -o $T/v3.json
expect_exit "v3: result validates" 0 $RS validate $T/v3.json
check "v3: counters from process_samples" grep -q '"name":"rss_bytes","unit":"bytes"' $T/v3.json
check "v3: rollups from crate_rollups" grep -q '"crates":\[{"name":"app","self":900000000' $T/v3.json
check "v3: host kept in extra" grep -q '"extra":{"rustscope":{.*"host":{' $T/v3.json
check "v3: producer version" grep -q '"producer":{"name":"rustscope","version":"0.3.1"}' $T/v3.json

# atomic output: a failed conversion leaves no file, and keeps an old one
echo old > $T/keep.json
expect_exit "atomic: bad input fails" 3 $RS convert tests/bad/truncated.session.json -o $T/keep.json
check "atomic: existing output untouched" grep -qx old $T/keep.json
expect_exit "atomic: bad input, new output" 3 $RS convert tests/bad/truncated.session.json -o $T/new.json
check "atomic: no partial output" test ! -e $T/new.json
check "atomic: no temporary left" sh -c "! ls $T | grep -q tmp"
expect_exit "io: unwritable output is exit 4" 4 $RS convert $EX/demo.session.json -o /nonexistent-dir/x.json
expect_exit "io: missing input is exit 4" 4 $RS convert /nonexistent-file.json -o $T/y.json

# info
expect_exit "info: human" 0 $RS info $EX/demo.session.json
check "info: top functions" grep -q "Top 10 by self" "$T/out"
expect_exit "info: --json" 0 $RS info --json $EX/demo.session.json
check "info: json parses and counts samples" python3 -c "import json,sys; d=json.load(open('$T/out')); sys.exit(0 if d['samples']==40 and len(d['top_self'])==10 else 1)"
expect_exit "info: unknown sample type" 2 $RS info --sample-type nosuch $EX/demo.session.json

# sniffing: content, not extension
cp $EX/demo.session.json $T/misleading.pb.gz
expect_exit "sniff: JSON named .pb.gz" 0 $RS validate $T/misleading.pb.gz
printf 'hello world\n' > $T/text.json
expect_exit "sniff: unknown content" 3 $RS validate $T/text.json
expect_err "sniff: error lists what was tried" "tried by content: session, rustscope, pprof"
gzip -c $EX/demo.session.json > $T/demo.json.gz
expect_exit "sniff: gzip-compressed session" 0 $RS validate $T/demo.json.gz
head -c 300 $T/demo.json.gz > $T/trunc.json.gz
expect_exit "gzip: truncated" 3 $RS validate $T/trunc.json.gz

# limits
expect_exit "limits: --max-input-bytes" 3 $RS validate --max-input-bytes 1k $EX/demo.session.json
expect_err "limits: message names the option" "max-input-bytes"
expect_exit "limits: --max-elements" 3 $RS validate --max-elements 5 $EX/demo.session.json
expect_err "limits: elements message has a path" '\$\.'

# unknown members of labels survive a session JSON round trip
$RS convert $EX/unknown-members.session.json -o $T/lu0.json 2>/dev/null
sed 's/"str":"warmup"}/"str":"warmup","x_origin":"test"}/' $T/lu0.json > $T/lu.json
expect_exit "convert: label unknown members" 0 $RS convert $T/lu.json -o $T/lu2.json
check "convert: label unknown members kept" grep -q '"str":"warmup","x_origin":"test"}' $T/lu2.json
